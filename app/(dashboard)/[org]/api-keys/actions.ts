"use server";
import { createApiKey, revokeApiKey } from "@/lib/apikeys/api-keys";
import { orgAction } from "@/lib/http/actions";

export const createApiKeyAction = orgAction((ctx, input: unknown) => createApiKey(ctx, input));
export const revokeApiKeyAction = orgAction((ctx, input: unknown) => revokeApiKey(ctx, input));
