import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { declarePermissionsFromFile } from "../../lib/permissions/product-permissions.ts";
import { db } from "../../lib/db.ts";
import { Invalid } from "../../lib/errors.ts";

async function file(content: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "tollgate-perms-"));
  const p = path.join(dir, "permissions.json");
  await writeFile(p, content);
  return p;
}

describe("declarePermissionsFromFile", () => {
  it("declares every permission of the file, again without harm", async () => {
    const p = await file(JSON.stringify({ permissions: [{ key: "filetest:read", description: "Read" }, { key: "filetest:write" }] }));
    expect(await declarePermissionsFromFile(p)).toBe(2);
    expect(await declarePermissionsFromFile(p)).toBe(2);
    expect((await db.productPermission.findMany({ where: { key: { startsWith: "filetest:" } }, orderBy: { key: "asc" } })).map((r) => r.key)).toEqual(["filetest:read", "filetest:write"]);
  });

  it.each([
    ["not json", /cannot read .* as JSON/],
    [JSON.stringify([{ key: "Bad Key" }]), /^TOLLGATE_PERMISSIONS_FILE: 0\.key: Permissions look like resource:action/],
    [JSON.stringify([{ key: "audit:read" }]), /audit:read is one of Tollgate's own permissions/],
  ])("refuses %s with a message naming the variable", async (content, message) => {
    const error = await declarePermissionsFromFile(await file(content)).catch((e) => e);
    expect(error).toBeInstanceOf(Invalid);
    expect(error.message).toMatch(message);
  });
});
