// Custom role names that read like a built-in role or another role of the
// organization ("Owner ", full-width "Ａｄｍｉｎ", hidden zero-width characters)
// are refused with 409; names with control characters with 400.
import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { db } from "../../lib/db.ts";
import { Conflict } from "../../lib/errors.ts";
import { createRole, updateRole } from "../../lib/roles/roles.ts";
import { useMachineServer } from "../apikeys/http.ts";
import { thrown } from "../grants/fixtures.ts";
import { builtInRole, createTestOrg } from "../helpers.ts";

const { call } = useMachineServer();

const LOOK_ALIKES_OF_BUILT_INS = [
  ["Owner ", "Owner"],
  ["OWNER", "Owner"],
  ["Ａｄｍｉｎ", "Admin"],
  ["Ad\u200Bmin", "Admin"],
  ["\uFEFFMember", "Member"],
  ["Own\u00ADer", "Owner"],
  ["Bill\u200Ding", "Billing"],
  ["Vie\u2060wer", "Viewer"],
  ["\u3000Owner\u00A0", "Owner"],
  // Letters of other scripts that look like Latin ones (Unicode TR39 confusables).
  ["\u0410dmin", "Admin"],
  ["\u041Ewner", "Owner"],
  ["\u039Cember", "Member"],
  ["Vi\u0435wer", "Viewer"],
  // Blanks that are neither spaces nor default-ignorable, and Hangul fillers.
  ["Owner\u2800", "Owner"],
  ["\u2800\u2800Admin", "Admin"],
  ["Owner\u3164", "Owner"],
  ["Ad\u3164min", "Admin"],
  ["\uFFA0Admin", "Admin"],
  ["Owner\u{1D159}", "Owner"],
] as const;

const CONTROL = ["Ops\u0000", "Ops\nTeam", "Ops\tTeam", "Ops\u0007", "Ops\u009B", "\u202EnwO", "Ad\u2066min"];

const customRoles = (orgId: string) => db.role.count({ where: { orgId } });

describe("custom role names", () => {
  it("refuses built-in role names and their look-alikes on create with Conflict role_name_reserved", async () => {
    const { org, owner } = await createTestOrg({ slugPrefix: "names" });
    for (const [name, builtIn] of LOOK_ALIKES_OF_BUILT_INS) {
      const error = await thrown(() => createRole(owner, { name, permissions: ["audit:read"] }));
      expect(error, JSON.stringify(name)).toBeInstanceOf(Conflict);
      expect(error).toMatchObject({ code: "role_name_reserved" });
      expect(error.message).toContain(`the built-in role "${builtIn}"`);
    }
    expect(await customRoles(org.id)).toBe(0);
  });

  it("refuses look-alikes of the organization's other roles on create and rename with Conflict role_name_taken", async () => {
    const { org, owner } = await createTestOrg({ slugPrefix: "names" });
    await createRole(owner, { name: "Support agents", permissions: ["audit:read"] });
    const other = await createRole(owner, { name: "Auditors", permissions: ["audit:read"] });
    for (const name of ["Ｓｕｐｐｏｒｔ ａｇｅｎｔｓ", "Support  agents", "Sup\u200Cport agents", "support\u2003agents", "Supp\u043Ert agents", "\u0405upport agents", "Support\u2800agents"]) {
      const error = await thrown(() => createRole(owner, { name, permissions: ["audit:read"] }));
      expect(error, JSON.stringify(name)).toBeInstanceOf(Conflict);
      expect(error).toMatchObject({ code: "role_name_taken" });
      expect(error.message).toContain('"Support agents"');
      await expect(updateRole(owner, { roleId: other.id, name })).rejects.toMatchObject({ code: "role_name_taken" });
    }
    await expect(updateRole(owner, { roleId: other.id, name: "Ｏｗｎｅｒ" })).rejects.toMatchObject({ code: "role_name_reserved" });
    expect(await customRoles(org.id)).toBe(2);
    expect((await db.role.findUniqueOrThrow({ where: { id: other.id } })).name).toBe("Auditors");
  });

  it("refuses control and bidirectional control characters with a ZodError naming the field", async () => {
    const { org, owner } = await createTestOrg({ slugPrefix: "names" });
    const role = await createRole(owner, { name: "Ops", permissions: ["audit:read"] });
    for (const name of CONTROL) {
      const error = await thrown(() => createRole(owner, { name, permissions: ["audit:read"] }));
      expect(error, JSON.stringify(name)).toBeInstanceOf(ZodError);
      expect(error.issues[0].path).toEqual(["name"]);
      expect(error.issues[0].message).toMatch(/control characters/);
      await expect(updateRole(owner, { roleId: role.id, name })).rejects.toBeInstanceOf(ZodError);
    }
    expect(await customRoles(org.id)).toBe(1);
  });

  it("refuses names made only of blanks with a ZodError asking for visible characters", async () => {
    const { org, owner } = await createTestOrg({ slugPrefix: "names" });
    for (const name of ["\u2800", "\u3164\u3164", "\uFFA0", "\u2800 \u{1D159}"]) {
      const error = await thrown(() => createRole(owner, { name, permissions: ["audit:read"] }));
      expect(error, JSON.stringify(name)).toBeInstanceOf(ZodError);
      expect(error.issues[0].message).toMatch(/visible characters/);
    }
    expect(await customRoles(org.id)).toBe(0);
  });

  it("still allows distinct names, a role keeping its own name in another case, and the same name in another organization", async () => {
    const { owner } = await createTestOrg({ slugPrefix: "names" });
    const admins = await createRole(owner, { name: "Admins of billing", permissions: ["audit:read"] });
    await createRole(owner, { name: "監査役", permissions: ["audit:read"] });
    await createRole(owner, { name: "監査", permissions: ["audit:read"] });
    await createRole(owner, { name: "Администраторы", permissions: ["audit:read"] });
    await createRole(owner, { name: "Owners' deputies", permissions: ["audit:read"] });
    await expect(updateRole(owner, { roleId: admins.id, name: "ADMINS OF BILLING" })).resolves.toMatchObject({ name: "ADMINS OF BILLING" });
    const other = await createTestOrg({ slugPrefix: "names" });
    await expect(createRole(other.owner, { name: "Admins of billing", permissions: ["audit:read"] })).resolves.toMatchObject({ name: "Admins of billing" });
  });

  it("answers over HTTP with 409 for a look-alike and 400 for a control character", async () => {
    const { owner } = await createTestOrg({ slugPrefix: "names" });
    const { key } = await createApiKey(owner, { name: "roles", roleId: (await builtInRole("admin")).id });
    const lookAlike = await call("POST", "/api/v1/roles", { key, body: { name: "Ａｄｍｉｎ", permissions: ["audit:read"] } });
    expect(lookAlike).toMatchObject({ status: 409, body: { error: { code: "role_name_reserved" } } });
    const control = await call("POST", "/api/v1/roles", { key, body: { name: "Ops\u0000", permissions: ["audit:read"] } });
    expect(control.status).toBe(400);
    expect(control.body.error.message).toMatch(/^name: /);
  });
});
