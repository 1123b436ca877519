import { z } from "zod";
import { Email } from "../auth/schemas.ts";

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
export const CreateInvitationInput = z.strictObject({ email: Email, roleId: z.uuid("Choose a role") });
export const InvitationIdInput = z.strictObject({ invitationId: z.uuid("Unknown invitation") });
export const InvitationToken = z.string().trim().min(20, "This invitation link is incomplete").max(200);
