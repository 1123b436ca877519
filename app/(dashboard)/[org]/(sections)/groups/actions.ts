"use server";
import { addGroupMember, createGroup, deleteGroup, removeGroupMember } from "@/lib/groups/groups";
import { orgAction } from "@/lib/http/actions";

export const createGroupAction = orgAction((ctx, input: unknown) => createGroup(ctx, input));
export const deleteGroupAction = orgAction((ctx, input: unknown) => deleteGroup(ctx, input));
export const addGroupMemberAction = orgAction((ctx, input: unknown) => addGroupMember(ctx, input));
export const removeGroupMemberAction = orgAction((ctx, input: unknown) => removeGroupMember(ctx, input));
