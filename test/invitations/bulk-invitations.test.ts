// Inviting several people at once: each address its own invitation, a result
// per address; a malformed address, a role the caller cannot give or another
// organization's project refuses them all, and nothing is sent.
import { describe, expect, it } from "vitest";
import { db } from "../../lib/db.ts";
import { emailsIn } from "../../lib/invitations/bulk.ts";
import { createInvitation, createInvitations } from "../../lib/invitations/invitations.ts";
import { createProject } from "../../lib/projects/projects.ts";
import { slug, thrown } from "../grants/fixtures.ts";
import { builtInRole, createTestOrg, uniqueEmail } from "../helpers.ts";

describe("emailsIn", () => {
  it("takes addresses apart however they were pasted", () => {
    expect(emailsIn("a@x.test, b@x.test;c@x.test\nD@X.test  a@x.test")).toEqual(["a@x.test", "b@x.test", "c@x.test", "d@x.test"]);
    expect(emailsIn("Ada Lovelace <ada@x.test>, Grace <grace@x.test>")).toEqual(["ada@x.test", "grace@x.test"]);
    expect(emailsIn("grace.example.com, ada@x.test")).toEqual(["grace.example.com", "ada@x.test"]);
    expect(emailsIn(" \n, ")).toEqual([]);
  });
});

describe("createInvitations", () => {
  it("invites each address, and reports the ones that cannot be beside the ones sent", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const member = await addMember("viewer");
    const pending = uniqueEmail("pending");
    await createInvitation(owner, { email: pending, roleId: (await builtInRole("viewer")).id });
    const fresh = [uniqueEmail("one"), uniqueEmail("two")];

    const results = await createInvitations(owner, { emails: [fresh[0], member.principal.email, pending, fresh[1]], roleId: (await builtInRole("member")).id });

    expect(results.map((r) => [r.email, r.ok, r.ok ? null : r.code])).toEqual([
      [fresh[0], true, null],
      [member.principal.email, false, "already_member"],
      [pending, false, "already_invited"],
      [fresh[1], true, null],
    ]);
    const sent = await db.invitation.findMany({ where: { orgId: org.id, email: { in: fresh } }, select: { role: { select: { key: true } } } });
    expect(sent.map((i) => i.role.key)).toEqual(["member", "member"]);
  });

  it("sends nothing when one address is malformed, the role cannot be given, or a project is another organization's", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const other = await createTestOrg();
    const otherProject = await createProject(other.owner, { name: "Theirs", slug: slug("theirs") });
    const before = await db.invitation.count({ where: { orgId: org.id } });
    const viewer = (await builtInRole("viewer")).id;

    expect(await thrown(() => createInvitations(owner, { emails: [uniqueEmail(), "not-an-address@", uniqueEmail()], roleId: viewer }))).toMatchObject({
      code: "invalid_email",
      message: "emails: “not-an-address@” is not a valid email address. Nothing was sent.",
    });
    expect(await thrown(() => createInvitations(owner, { emails: [uniqueEmail()], roleId: viewer, projectRoles: [{ projectId: otherProject.id, roleId: viewer }] }))).toMatchObject({
      code: "project_not_found",
    });
    const admin = await addMember("admin");
    const ownerRole = (await builtInRole("owner")).id;
    expect(await thrown(() => createInvitations(admin, { emails: [uniqueEmail()], roleId: ownerRole }))).toMatchObject({ name: "Forbidden" });
    const viewerMember = await addMember("viewer");
    expect(await thrown(() => createInvitations(viewerMember, { emails: [uniqueEmail()], roleId: viewer }))).toMatchObject({ code: "forbidden" });
    expect(await thrown(() => createInvitations(owner, { emails: Array.from({ length: 51 }, () => uniqueEmail()), roleId: viewer }))).toMatchObject({ name: "ZodError" });
    expect(await db.invitation.count({ where: { orgId: org.id } })).toBe(before);
  });
});
