import { z } from "zod";
import { Email } from "../auth/schemas.ts";
import { BULK_INVITE_MAX } from "./bulk.ts";

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** A role on one project, given as a grant when the invitation is accepted. */
export const ProjectRoleInput = z.strictObject({ projectId: z.uuid("Choose a project"), roleId: z.uuid("Choose a role") });
export const CreateInvitationInput = z.strictObject({
  email: Email,
  roleId: z.uuid("Choose a role"),
  /** Roles on projects the new member gets besides their membership role. */
  projectRoles: z.array(ProjectRoleInput).max(10, "At most 10 project roles").default([]),
});
export const InvitationIdInput = z.strictObject({ invitationId: z.uuid("Unknown invitation") });
export const InvitationToken = z.string().trim().min(20, "This invitation link is incomplete").max(200);

export const CreateInvitationsInput = z.strictObject({
  emails: z.array(z.string().max(320)).min(1, "Enter at least one email address").max(BULK_INVITE_MAX, `At most ${BULK_INVITE_MAX} addresses at once`),
  roleId: z.uuid("Choose a role"),
  projectRoles: CreateInvitationInput.shape.projectRoles,
});
