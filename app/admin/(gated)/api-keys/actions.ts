"use server";
import { createInstanceKey, revokeInstanceKey, rotateInstanceKey } from "@/lib/admin/instance-keys";
import { userAction } from "@/lib/http/actions";

export const createInstanceKeyAction = userAction((ctx, input: unknown) => createInstanceKey(ctx, input));
export const rotateInstanceKeyAction = userAction((ctx, input: unknown) => rotateInstanceKey(ctx, input));
export const revokeInstanceKeyAction = userAction((ctx, apiKeyId: string) => revokeInstanceKey(ctx, apiKeyId));
