"use server";
import { orgAction } from "@/lib/http/actions";
import { updateSecurityPolicy } from "@/lib/orgs/security-policy";
import { deleteOrganization, renameOrganization, setDecisionRetention } from "@/lib/orgs/update-organization";

export const renameOrganizationAction = orgAction((ctx, input: unknown) => renameOrganization(ctx, input));
export const deleteOrganizationAction = orgAction((ctx, input: unknown) => deleteOrganization(ctx, input));
export const setDecisionRetentionAction = orgAction((ctx, input: unknown) => setDecisionRetention(ctx, input));
export const updateSecurityPolicyAction = orgAction((ctx, input: unknown) => updateSecurityPolicy(ctx, input));
