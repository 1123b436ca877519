import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actionOf, areaName, byArea } from "../../components/permission-areas.ts";
import { ALL_PERMISSIONS } from "../../lib/authz/permissions.ts";
import { db } from "../../lib/db.ts";
import { permissionChoices } from "../../lib/permissions/permission-choices.ts";

describe("permission choices", () => {
  const key = `pickertest${Date.now()}:run`;
  beforeAll(async () => {
    await db.productPermission.create({ data: { key, description: "" } });
  });
  afterAll(async () => {
    await db.productPermission.deleteMany({ where: { key } });
  });

  it("offers Tollgate's catalogue with descriptions, then the product's declared permissions", async () => {
    const choices = await permissionChoices();
    expect(choices.filter((c) => !c.product).map((c) => c.key)).toEqual(ALL_PERMISSIONS);
    expect(choices.find((c) => c.key === "authz:check")).toEqual({ key: "authz:check", description: "Ask for authorization decisions (check API)", product: false });
    // A declared permission without a description still says where it comes from.
    expect(choices.find((c) => c.key === key)).toEqual({ key, description: "Declared by the product", product: true });
  });

  it("groups keys by area in people's words, a product's area under its own name", () => {
    expect(byArea(["members:read", "apikeys:write", "members:invite", "traces:read"])).toEqual([
      { area: "members", actions: ["read", "invite"] },
      { area: "apikeys", actions: ["write"] },
      { area: "traces", actions: ["read"] },
    ]);
    expect(areaName("apikeys")).toBe("API keys");
    expect(areaName("traces")).toBe("traces");
    expect(actionOf("billing:write")).toBe("write");
  });
});
