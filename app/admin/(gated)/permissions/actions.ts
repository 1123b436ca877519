"use server";
import { z } from "zod";
import { declareProductPermission, retireProductPermission, updateProductPermission } from "@/lib/permissions/product-permissions";
import { userAction } from "@/lib/http/actions";

const Key = z.string().max(200);
const Edit = z.object({ key: Key, description: z.unknown() });

export const declarePermissionAction = userAction((ctx, input: unknown) => declareProductPermission(ctx, input));
export const updatePermissionAction = userAction((ctx, input: unknown) => {
  const { key, description } = Edit.parse(input);
  return updateProductPermission(ctx, key, { description });
});
export const retirePermissionAction = userAction((ctx, key: unknown) => retireProductPermission(ctx, Key.parse(key)));
