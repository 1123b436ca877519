"use server";
import { createInstanceKey, revokeInstanceKey } from "@/lib/admin/provisioning";
import { userAction } from "@/lib/http/actions";
import { z } from "zod";

export const createInstanceKeyAction = userAction((ctx, input: unknown) => createInstanceKey(ctx, input));
export const revokeInstanceKeyAction = userAction((ctx, apiKeyId: string) => revokeInstanceKey(ctx, z.uuid("Unknown API key").parse(apiKeyId)));
