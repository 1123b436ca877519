import { z } from "zod";

export const MemberId = z.uuid("Unknown member");
export const RoleId = z.uuid("Choose a role");
export const ChangeMemberRoleInput = z.object({ membershipId: MemberId, roleId: RoleId });
export const RemoveMemberInput = z.object({ membershipId: MemberId });
