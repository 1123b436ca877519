"use server";
import { createApiKey, revokeApiKey, rotateApiKey, updateApiKeyPolicy } from "@/lib/apikeys/api-keys";
import { keyUsageByDay } from "@/lib/apikeys/key-usage-history";
import { orgAction } from "@/lib/http/actions";

export const createApiKeyAction = orgAction((ctx, input: unknown) => createApiKey(ctx, input));
export const rotateApiKeyAction = orgAction((ctx, input: unknown) => rotateApiKey(ctx, input));
export const revokeApiKeyAction = orgAction((ctx, input: unknown) => revokeApiKey(ctx, input));
export const updateApiKeyPolicyAction = orgAction((ctx, input: unknown) => updateApiKeyPolicy(ctx, input));
export const keyUsageAction = orgAction((ctx, input: unknown) => keyUsageByDay(ctx, input));
