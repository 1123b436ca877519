"use server";
import { explainAccess } from "@/lib/authz/explain-access";
import { createGrant, deleteGrant } from "@/lib/grants/grants";
import { orgAction } from "@/lib/http/actions";

export const createGrantAction = orgAction((ctx, input: unknown) => createGrant(ctx, input));
export const deleteGrantAction = orgAction((ctx, input: unknown) => deleteGrant(ctx, input));
export const explainAccessAction = orgAction(async (ctx, input: unknown) => explainAccess(ctx, input));
