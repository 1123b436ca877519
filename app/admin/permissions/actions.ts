"use server";
import { declareProductPermission } from "@/lib/permissions/product-permissions";
import { userAction } from "@/lib/http/actions";

export const declarePermissionAction = userAction((ctx, input: unknown) => declareProductPermission(ctx, input));
