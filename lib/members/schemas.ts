import { z } from "zod";
import { Email } from "../auth/schemas.ts";

export const MemberId = z.uuid("Unknown member");
export const RoleId = z.uuid("Choose a role");
const UserId = z.uuid("Unknown user");

/** A member is named by their user id (the API) or their membership id (the UI's rows). */
const MemberRef = z.strictObject({ userId: UserId.optional(), membershipId: MemberId.optional() });
const oneRef = (ref: z.infer<typeof MemberRef>) => (ref.userId === undefined) !== (ref.membershipId === undefined);
const oneRefError = { message: "Name the member by userId", path: ["userId"] };

export const ChangeMemberRoleInput = MemberRef.extend({ roleId: RoleId }).refine(oneRef, oneRefError);
export const RemoveMemberInput = MemberRef.refine(oneRef, oneRefError);

/** An existing user, by id, email or externalId (exactly one). */
export const AddMemberInput = z
  .strictObject({
    userId: UserId.optional(),
    // Trimmed before it is checked: " Ada@Acme.example " names ada@acme.example.
    email: Email.optional(),
    externalId: z.string().trim().min(1).max(200).optional(),
    roleId: RoleId,
  })
  .refine((i) => [i.userId, i.email, i.externalId].filter((v) => v !== undefined).length === 1, { message: "Name the user by exactly one of userId, email or externalId", path: ["userId"] });
