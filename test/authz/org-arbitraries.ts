// Random organizations for property tests of the decision (decide.test.ts)
// and of the ways of holding a permission (holdings.test.ts): roles with
// hierarchies, groups, keys, org and project grants, and conditions.
import fc from "fast-check";
import type { GrantRow, OrgRows } from "../../lib/authz/org-index.ts";

export const PERMS = ["a:read", "a:write", "b:read", "b:write", "c:admin"];
export const USERS = ["u1", "u2", "u3", "u4"];
export const GROUPS = ["g1", "g2", "g3"];
export const KEYS = ["k1", "k2"];
export const PROJECTS = ["p1", "p2"];
export const IPS = ["10.0.0.5", "192.168.1.9", "2001:db8::1", "::ffff:10.0.0.7"];
export const CIDRS = ["10.0.0.0/8", "192.168.1.0/24", "2001:db8::/32", "172.16.0.1"];
export const NOW = Date.UTC(2026, 10, 23);

const roleArb = (id: string, ids: string[]) =>
  fc.record({
    id: fc.constant(id),
    name: fc.constant(`role ${id}`),
    permissions: fc.subarray(PERMS),
    includes: fc.subarray(
      ids.filter((x) => x !== id),
      { maxLength: Math.min(2, ids.length - 1) },
    ),
    isOwner: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  });

export const orgArb = fc.integer({ min: 1, max: 5 }).chain((n) => {
  const roleIds = Array.from({ length: n }, (_, i) => `r${i}`);
  const grantArb: fc.Arbitrary<GrantRow> = fc
    .record({
      roleId: fc.constantFrom(...roleIds),
      subject: fc.oneof(fc.record({ userId: fc.constantFrom(...USERS) }), fc.record({ groupId: fc.constantFrom(...GROUPS) }), fc.record({ apiKeyId: fc.constantFrom(...KEYS) })),
      projectId: fc.option(fc.constantFrom(...PROJECTS), { nil: null }),
      validUntil: fc.option(
        fc.integer({ min: -3, max: 3 }).map((d) => new Date(NOW + d * 3_600_000)),
        { nil: null },
      ),
      ipCidrs: fc.subarray(CIDRS, { maxLength: 2 }),
      requireMfa: fc.boolean(),
    })
    .map((g) => ({
      id: "grant",
      roleId: g.roleId,
      userId: "userId" in g.subject ? g.subject.userId : null,
      groupId: "groupId" in g.subject ? g.subject.groupId : null,
      apiKeyId: "apiKeyId" in g.subject ? g.subject.apiKeyId : null,
      projectId: g.projectId,
      validUntil: g.validUntil,
      ipCidrs: g.ipCidrs,
      requireMfa: g.requireMfa,
    }));
  return fc.record({
    orgId: fc.constant("org"),
    version: fc.constant(1),
    roles: fc.tuple(...roleIds.map((id) => roleArb(id, roleIds))),
    memberships: fc
      .subarray(USERS)
      .chain((members) => (members.length ? fc.tuple(...members.map((userId) => fc.record({ userId: fc.constant(userId), roleId: fc.constantFrom(...roleIds) }))) : fc.constant([]))),
    groupMembers: fc.subarray(GROUPS.flatMap((groupId) => USERS.map((userId) => ({ groupId, userId })))),
    groups: fc.constant(GROUPS.map((id) => ({ id, name: `group ${id}` }))),
    grants: fc.array(grantArb, { maxLength: 8 }).map((gs) => gs.map((g, i) => ({ ...g, id: `grant-${i}` }))),
    projectIds: fc.subarray(PROJECTS, { minLength: 1 }),
    apiKeys: fc.tuple(
      ...KEYS.map((id) =>
        fc.record({
          id: fc.constant(id),
          publicId: fc.constant(`pub-${id}`),
          secretHash: fc.constant("00"),
          projectId: fc.option(fc.constantFrom(...PROJECTS), { nil: null }),
          roleId: fc.option(fc.constantFrom(...roleIds), { nil: null }),
          permissions: fc.subarray(PERMS),
          expiresAt: fc.option(
            fc.integer({ min: -2, max: 2 }).map((d) => new Date(NOW + d * 3_600_000)),
            { nil: null },
          ),
          revokedAt: fc.option(fc.constant(new Date(NOW - 1)), { nil: null, freq: 4 }),
        }),
      ),
    ),
  }) as fc.Arbitrary<OrgRows>;
});

export const queryArb = fc.record({
  subject: fc.oneof(
    fc.constantFrom(...USERS).map((id) => ({ type: "user" as const, id })),
    fc.constantFrom(...KEYS).map((id) => ({ type: "api_key" as const, id })),
  ),
  permission: fc.constantFrom(...PERMS),
  resource: fc.oneof(
    fc.constant({ type: "organization" as const, id: "org" }),
    fc.constantFrom(...PROJECTS, "p-missing").map((id) => ({ type: "project" as const, id })),
  ),
  context: fc.record({ ip: fc.option(fc.constantFrom(...IPS), { nil: null }), mfa: fc.boolean(), now: fc.constant(NOW) }),
});
