"use server";
import { orgAction } from "@/lib/http/actions";
import { createInvitation, createInvitations, resendInvitation, revokeInvitation } from "@/lib/invitations/invitations";
import { changeMemberRole, leaveOrganization, removeMember } from "@/lib/members/members";
import { endMemberSessions } from "@/lib/orgs/security-policy";

export const inviteMemberAction = orgAction((ctx, input: unknown) => createInvitation(ctx, input));
export const inviteMembersAction = orgAction((ctx, input: unknown) => createInvitations(ctx, input));
export const resendInvitationAction = orgAction((ctx, input: unknown) => resendInvitation(ctx, input));
export const revokeInvitationAction = orgAction((ctx, input: unknown) => revokeInvitation(ctx, input));
export const changeMemberRoleAction = orgAction((ctx, input: unknown) => changeMemberRole(ctx, input));
export const removeMemberAction = orgAction((ctx, input: unknown) => removeMember(ctx, input));
export const leaveOrganizationAction = orgAction((ctx) => leaveOrganization(ctx));
export const endMemberSessionsAction = orgAction((ctx, input: unknown) => endMemberSessions(ctx, input));
