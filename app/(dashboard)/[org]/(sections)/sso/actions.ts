"use server";
import { orgAction } from "@/lib/http/actions";
import { createConnection, deleteConnection, updateConnection } from "@/lib/sso/connections";
import { addDomain, removeDomain, verifyDomain } from "@/lib/sso/domains";
import { createScimToken, revokeScimToken } from "@/lib/scim/tokens";
import { updateSsoPolicy } from "@/lib/sso/policy";
import { startConnectionTest } from "@/lib/sso/sign-in";

export const createConnectionAction = orgAction((ctx, input: unknown) => createConnection(ctx, input));
export const updateConnectionAction = orgAction((ctx, input: unknown) => updateConnection(ctx, input));
export const deleteConnectionAction = orgAction((ctx, input: unknown) => deleteConnection(ctx, input));
export const testConnectionAction = orgAction((ctx, input: unknown) => startConnectionTest(ctx, input));
export const addDomainAction = orgAction((ctx, input: unknown) => addDomain(ctx, input));
export const verifyDomainAction = orgAction((ctx, input: unknown) => verifyDomain(ctx, input));
export const removeDomainAction = orgAction((ctx, input: unknown) => removeDomain(ctx, input));
export const updateSsoPolicyAction = orgAction((ctx, input: unknown) => updateSsoPolicy(ctx, input));
export const createScimTokenAction = orgAction((ctx, input: unknown) => createScimToken(ctx, input));
export const revokeScimTokenAction = orgAction((ctx, input: unknown) => revokeScimToken(ctx, input));
