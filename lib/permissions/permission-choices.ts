// Every permission a role or an API key can carry, for pickers: Tollgate's own
// catalogue, then the product's declared permissions.
import { PERMISSIONS } from "../authz/permissions.ts";
import { listProductPermissions } from "./product-permissions.ts";

export type PermissionChoice = { key: string; description: string; product: boolean };

export async function permissionChoices(): Promise<PermissionChoice[]> {
  const product = await listProductPermissions();
  return [
    ...Object.entries(PERMISSIONS).map(([key, description]) => ({ key, description, product: false })),
    ...product.map((p) => ({ key: p.key, description: p.description || "Declared by the product", product: true })),
  ];
}
