// A member's role has no end date, network list or MFA condition: only
// someone who holds its permissions in the same way (by membership, or by a
// grant without conditions) may give it.
import { describe, expect, it } from "vitest";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { db } from "../../lib/db.ts";
import { Forbidden } from "../../lib/errors.ts";
import { changeMemberRole } from "../../lib/members/members.ts";
import { useMachineServer } from "../apikeys/http.ts";
import { CALLER_NET, DAY, expectRefused, orgWithConditionalAdmin } from "../authz/conditional-giver.ts";
import { builtInRole, createTestOrg } from "../helpers.ts";

const { call } = useMachineServer();
const roleOf = async (membershipId: string) => (await db.membership.findUniqueOrThrow({ where: { id: membershipId } })).roleId;

describe("changeMemberRole gives a role only as its giver holds it", () => {
  it("a member holding Admin through a grant that ends tomorrow cannot make anyone Admin, themself included", async () => {
    const until = new Date(Date.now() + DAY);
    const { admin, giver, giverMember, addMember } = await orgWithConditionalAdmin({ validUntil: until.toISOString() });
    const alice = await addMember("viewer");
    for (const membershipId of [giverMember.membership.id, alice.membership.id]) {
      await expectRefused(
        changeMemberRole(await giver(), { membershipId, roleId: admin.id }),
        Forbidden,
        "expiry_beyond_holding",
        "give the Admin role",
        `to you from a grant valid until ${until.toISOString()}`,
      );
      expect(await roleOf(membershipId)).not.toBe(admin.id);
    }
    // The Member role's permissions come with the giver's own membership.
    await changeMemberRole(await giver(), { membershipId: alice.membership.id, roleId: (await builtInRole("member")).id });
  });

  it("nor from some networks only, nor with MFA only", async () => {
    for (const [conditions, code] of [
      [{ ipCidrs: [CALLER_NET] }, "ip_beyond_holding"],
      [{ requireMfa: true }, "mfa_beyond_holding"],
    ] as const) {
      const { admin, giver, addMember } = await orgWithConditionalAdmin(conditions);
      const alice = await addMember("viewer");
      await expectRefused(changeMemberRole(await giver({ mfa: true }), { membershipId: alice.membership.id, roleId: admin.id }), Forbidden, code, "give the Admin role");
      expect(await roleOf(alice.membership.id)).toBe(alice.membership.roleId);
    }
  });

  it("over the management API: a key that expires cannot give a role for good (403)", async () => {
    const { owner, addMember } = await createTestOrg({ slugPrefix: "gift-api" });
    const { key } = await createApiKey(owner, { name: "people bot", roleId: (await builtInRole("admin")).id, expiresAt: new Date(Date.now() + 5 * DAY) });
    const alice = await addMember("viewer");
    const res = await call("PATCH", `/api/v1/members/${alice.principal.userId}`, { key, body: { roleId: (await builtInRole("member")).id } });
    expect(res).toMatchObject({ status: 403, body: { error: { code: "expiry_beyond_holding" } } });
    expect(res.body.error.message).toContain("this API key, which is valid until");
    expect(await roleOf(alice.membership.id)).toBe(alice.membership.roleId);
  });
});
