// Adding permissions or included roles to a role gives them to everyone who
// holds it, for as long as they hold it: the editor must hold what is added
// without an end date, network list or MFA condition. Taking away keeps the
// "hold it now" rule; so does creating a role, which nobody holds yet.
import { describe, expect, it } from "vitest";
import { db } from "../../lib/db.ts";
import { Forbidden } from "../../lib/errors.ts";
import { createRole, deleteRole, updateRole } from "../../lib/roles/roles.ts";
import { changeMemberRole } from "../../lib/members/members.ts";
import { DAY, expectRefused, orgWithConditionalAdmin } from "../authz/conditional-giver.ts";
import { fresh } from "../grants/fixtures.ts";

const permissionsOf = async (roleId: string) => (await db.role.findUniqueOrThrow({ where: { id: roleId } })).permissions;

describe("role edits give what they add only as the editor holds it", () => {
  it("a member holding Admin through a grant that ends tomorrow cannot add its permissions, or Admin itself, to a role others hold", async () => {
    const until = new Date(Date.now() + DAY);
    const { owner, admin, giver, addMember } = await orgWithConditionalAdmin({ validUntil: until.toISOString() });
    const support = await createRole(owner, { name: "Support", permissions: ["audit:read"] });
    const alice = await addMember("viewer");
    await changeMemberRole(await fresh(owner), { membershipId: alice.membership.id, roleId: support.id });

    await expectRefused(
      updateRole(await giver(), { roleId: support.id, permissions: ["audit:read", "members:update"] }),
      Forbidden,
      "expiry_beyond_holding",
      `change the role "Support"`,
      "members:update comes to you from a grant valid until",
    );
    await expectRefused(updateRole(await giver(), { roleId: support.id, includes: [admin.id] }), Forbidden, "expiry_beyond_holding");
    expect(await permissionsOf(support.id)).toEqual(["audit:read"]);
    expect(await db.roleInclude.count({ where: { roleId: support.id } })).toBe(0);

    // What the giver holds by membership may be added; what the role already has may be taken away (held now).
    await updateRole(await giver(), { roleId: support.id, permissions: ["audit:read", "projects:read"] });
    await updateRole(await giver(), { roleId: support.id, permissions: ["projects:read"] });
    expect(await permissionsOf(support.id)).toEqual(["projects:read"]);
    // A new role is held by nobody: the "hold it now" rule is enough.
    await createRole(await giver(), { name: "Deputy", permissions: ["members:update"] });
  });

  it("nor move a deleted role's holders to Admin", async () => {
    const until = new Date(Date.now() + DAY);
    const { owner, admin, giver, addMember } = await orgWithConditionalAdmin({ validUntil: until.toISOString() });
    const support = await createRole(owner, { name: "Support", permissions: ["audit:read"] });
    const alice = await addMember("viewer");
    await changeMemberRole(await fresh(owner), { membershipId: alice.membership.id, roleId: support.id });
    await expectRefused(deleteRole(await giver(), { roleId: support.id, reassignTo: admin.id }), Forbidden, "expiry_beyond_holding", "members:update");
    expect((await db.membership.findUniqueOrThrow({ where: { id: alice.membership.id } })).roleId).toBe(support.id);
  });
});
