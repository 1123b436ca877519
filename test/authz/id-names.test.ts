import { describe, expect, it } from "vitest";
import { db } from "../../lib/db.ts";
import { idsIn, namesOfIds } from "../../lib/authz/id-names.ts";
import { slugify } from "../../lib/orgs/slugify.ts";
import { createTestOrg } from "../helpers.ts";

describe("names for the ids in reasons and log rows", () => {
  it("finds each id once, in any case", () => {
    const id = "0b6a2d6e-5f7c-4a1b-9c3d-2e4f6a8b0c1d";
    expect(idsIn(`grant ${id}: user ${id.toUpperCase()}`, null, "no ids")).toEqual([id]);
  });

  it("names an organization's own members, projects, groups, roles and grants, and leaves another organization's ids alone", async () => {
    const { org, owner, addMember } = await createTestOrg({ slugPrefix: "names" });
    const member = await addMember("viewer");
    const project = await db.project.create({ data: { orgId: org.id, name: "Web", slug: "web" } });
    const group = await db.group.create({ data: { orgId: org.id, name: "ML team" } });
    const role = await db.role.findFirstOrThrow({ where: { orgId: null, key: "admin" } });
    const grant = await db.grant.create({ data: { orgId: org.id, roleId: role.id, groupId: group.id } });
    const other = await createTestOrg({ slugPrefix: "other" });
    const otherProject = await db.project.create({ data: { orgId: other.org.id, name: "Secret", slug: "secret" } });

    const names = await namesOfIds(owner, [member.principal.type === "user" ? member.principal.userId : "", project.id, group.id, role.id, grant.id, otherProject.id, other.owner.orgId]);
    expect(Object.fromEntries(names)).toEqual({
      [member.principal.type === "user" ? member.principal.userId : ""]: member.principal.type === "user" ? member.principal.email : "",
      [project.id]: "Web",
      [group.id]: "ML team",
      [role.id]: "Admin",
      [grant.id]: `#${grant.id.slice(0, 8)}`,
    });
  });
});

describe("slugs", () => {
  it("drop accents and apostrophes instead of splitting words", () => {
    expect(slugify("Renée's Café")).toBe("renees-cafe");
  });
});
