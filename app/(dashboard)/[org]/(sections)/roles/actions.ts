"use server";
import { orgAction } from "@/lib/http/actions";
import { createRole, deleteRole, updateRole } from "@/lib/roles/roles";

export const createRoleAction = orgAction((ctx, input: unknown) => createRole(ctx, input));
export const updateRoleAction = orgAction((ctx, input: unknown) => updateRole(ctx, input));
export const deleteRoleAction = orgAction((ctx, input: unknown) => deleteRole(ctx, input));
