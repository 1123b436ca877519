"use server";
import { explainAccess } from "@/lib/authz/explain-access";
import { idsIn, namesOfIds } from "@/lib/authz/id-names";
import { createGrant, deleteGrant } from "@/lib/grants/grants";
import { orgAction } from "@/lib/http/actions";

export const createGrantAction = orgAction((ctx, input: unknown) => createGrant(ctx, input));
export const deleteGrantAction = orgAction((ctx, input: unknown) => deleteGrant(ctx, input));
export const explainAccessAction = orgAction(async (ctx, input: unknown) => {
  const answer = explainAccess(ctx, input);
  // The reason names grants, projects and people by id: the page shows their names.
  return { ...answer, names: Object.fromEntries(await namesOfIds(ctx, idsIn(answer.reason))) };
});
