// holdingsOf(): every way a subject holds a permission, with its limits, and
// whether a key with some expiry and IP allow list fits inside one of them.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { orgArb, queryArb } from "../../test/authz/org-arbitraries.ts";
import { parseCidr } from "./cidr.ts";
import { decide } from "./decide.ts";
import { holdingInForce, holdingsOf, keyOutsideHolding, narrowLimits, outsideHolding, UNCONDITIONED, type GivenLimits, type Holding } from "./holdings.ts";
import { buildOrgIndex, type GrantRow, type OrgRows } from "./org-index.ts";

const NOW = Date.UTC(2026, 10, 23);
const HOUR = 3_600_000;
const org = (id: string) => ({ type: "organization" as const, id });
const project = (id: string) => ({ type: "project" as const, id });

function grant(id: string, roleId: string, subject: Partial<Pick<GrantRow, "userId" | "groupId" | "apiKeyId">>, more: Partial<GrantRow> = {}): GrantRow {
  return { id, roleId, userId: null, groupId: null, apiKeyId: null, projectId: null, validUntil: null, ipCidrs: [], requireMfa: false, ...subject, ...more };
}

const rows: OrgRows = {
  orgId: "org",
  version: 1,
  roles: [
    { id: "owner", name: "Owner", permissions: [], includes: [], isOwner: true },
    { id: "member", name: "Member", permissions: ["projects:read"], includes: [], isOwner: false },
    { id: "reader", name: "Trace reader", permissions: ["traces:read"], includes: [], isOwner: false },
    { id: "wrapper", name: "Wrapper", permissions: [], includes: ["reader"], isOwner: false },
  ],
  memberships: [
    { userId: "olive", roleId: "owner" },
    { userId: "ann", roleId: "member" },
  ],
  groups: [{ id: "ml", name: "ML team" }],
  groupMembers: [{ groupId: "ml", userId: "ann" }],
  grants: [
    grant("g1-dated", "reader", { userId: "ann" }, { validUntil: new Date(NOW + 10 * HOUR) }),
    grant("g2-net", "wrapper", { groupId: "ml" }, { ipCidrs: ["10.0.0.0/8"] }),
    grant("g3-mfa", "reader", { userId: "ann" }, { requireMfa: true, projectId: "p1" }),
    grant("g4-gone", "reader", { userId: "ann" }, { validUntil: new Date(NOW - HOUR) }),
    grant("g5-key", "reader", { apiKeyId: "k1" }, { validUntil: new Date(NOW + 20 * HOUR), ipCidrs: ["10.1.0.0/16"] }),
  ],
  projectIds: ["p1"],
  apiKeys: [
    { id: "k1", publicId: "pk1", secretHash: "00", projectId: null, roleId: null, permissions: ["projects:read"], expiresAt: new Date(NOW + 5 * HOUR), revokedAt: null, ipAllowList: ["10.0.0.0/8"] },
    { id: "k2", publicId: "pk2", secretHash: "00", projectId: null, roleId: "member", permissions: [], expiresAt: null, revokedAt: new Date(NOW - 1) },
  ],
};
const index = buildOrgIndex(rows);
const ann = { type: "user" as const, id: "ann" };
const brief = (hs: Holding[]) =>
  hs.map((h) => ({
    source: h.source,
    grantId: h.grantId,
    viaGroup: h.viaGroup,
    validUntilMs: h.validUntilMs,
    ipRanges: h.ipRanges.map((r) => r.map(([a, b]) => `${a.toString()}/${b}`)),
    requireMfa: h.requireMfa,
  }));

describe("holdingsOf", () => {
  it("a membership role holds without conditions; an owner holds every permission", () => {
    expect(brief(holdingsOf(index, ann, "projects:read", org("org"), NOW))).toEqual([{ source: "membership", grantId: null, viaGroup: null, validUntilMs: null, ipRanges: [], requireMfa: false }]);
    expect(brief(holdingsOf(index, { type: "user", id: "olive" }, "anything:at-all", org("org"), NOW))).toEqual([
      { source: "membership", grantId: null, viaGroup: null, validUntilMs: null, ipRanges: [], requireMfa: false },
    ]);
  });

  it("lists grants, direct and through groups and role includes, with their limits, leaving out ended ones", () => {
    expect(brief(holdingsOf(index, ann, "traces:read", org("org"), NOW))).toEqual([
      { source: "grant", grantId: "g1-dated", viaGroup: null, validUntilMs: NOW + 10 * HOUR, ipRanges: [], requireMfa: false },
      { source: "grant", grantId: "g2-net", viaGroup: "ML team", validUntilMs: null, ipRanges: [["10.0.0.0/8"]], requireMfa: false },
    ]);
    // The MFA grant applies on its project only.
    expect(holdingsOf(index, ann, "traces:read", project("p1"), NOW).map((h) => h.grantId)).toEqual(["g1-dated", "g3-mfa", "g2-net"]);
    expect(holdingsOf(index, ann, "traces:read", org("org"), NOW + 11 * HOUR).map((h) => h.grantId)).toEqual(["g2-net"]);
  });

  it("bounds what a key holds by its own expiry and networks, grants to it included", () => {
    const k1 = { type: "api_key" as const, id: "k1" };
    expect(brief(holdingsOf(index, k1, "projects:read", org("org"), NOW))).toEqual([
      { source: "api_key", grantId: null, viaGroup: null, validUntilMs: NOW + 5 * HOUR, ipRanges: [["10.0.0.0/8"]], requireMfa: false },
    ]);
    expect(brief(holdingsOf(index, k1, "traces:read", org("org"), NOW))).toEqual([
      { source: "grant", grantId: "g5-key", viaGroup: null, validUntilMs: NOW + 5 * HOUR, ipRanges: [["10.1.0.0/16"], ["10.0.0.0/8"]], requireMfa: false },
    ]);
    expect(holdingsOf(index, k1, "traces:read", org("org"), NOW + 5 * HOUR)).toEqual([]);
    expect(holdingsOf(index, { type: "api_key", id: "k2" }, "projects:read", org("org"), NOW)).toEqual([]);
  });

  it("holds nothing for non-members, unknown projects and other organizations", () => {
    expect(holdingsOf(index, { type: "user", id: "bob" }, "projects:read", org("org"), NOW)).toEqual([]);
    expect(holdingsOf(index, ann, "projects:read", project("elsewhere"), NOW)).toEqual([]);
    expect(holdingsOf(index, { type: "user", id: "olive" }, "projects:read", org("other"), NOW)).toEqual([]);
  });

  it("is in force exactly when decide() allows: some holding is in force iff the decision is yes", () => {
    fc.assert(
      fc.property(orgArb, fc.array(queryArb, { minLength: 1, maxLength: 20 }), (rows, queries) => {
        const idx = buildOrgIndex(rows);
        for (const q of queries) {
          const holds = holdingsOf(idx, q.subject, q.permission, q.resource, q.context.now).some((h) => holdingInForce(h, q.context));
          expect(holds, JSON.stringify(q)).toBe(decide(idx, q.subject, q.permission, q.resource, q.context).allowed);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("keyOutsideHolding", () => {
  const [dated, net] = holdingsOf(index, ann, "traces:read", org("org"), NOW) as [Holding, Holding];
  const mfa = holdingsOf(index, ann, "traces:read", project("p1"), NOW).find((h) => h.requireMfa)!;
  const key = (expiresAtMs: number | null, cidrs: string[] = []) => ({ expiresAtMs, ipAllowList: cidrs.map(parseCidr) });

  it("asks for an expiry no later than the holding's end", () => {
    expect(keyOutsideHolding(dated, key(null))).toEqual([{ limit: "expiry", untilMs: NOW + 10 * HOUR }]);
    expect(keyOutsideHolding(dated, key(NOW + 10 * HOUR + 1))).toHaveLength(1);
    expect(keyOutsideHolding(dated, key(NOW + 10 * HOUR))).toEqual([]);
  });

  it("asks for an IP allow list inside every range list of the holding", () => {
    expect(keyOutsideHolding(net, key(null)).map((o) => o.limit)).toEqual(["ip"]);
    expect(keyOutsideHolding(net, key(null, ["10.0.0.0/7"])).map((o) => o.limit)).toEqual(["ip"]);
    expect(keyOutsideHolding(net, key(null, ["10.2.0.0/16", "192.168.0.1"])).map((o) => o.limit)).toEqual(["ip"]);
    expect(keyOutsideHolding(net, key(null, ["10.2.0.0/16", "10.9.9.9"]))).toEqual([]);
    const keyGrant = holdingsOf(index, { type: "api_key", id: "k1" }, "traces:read", org("org"), NOW)[0]!;
    expect(keyOutsideHolding(keyGrant, key(NOW + HOUR, ["10.2.0.0/16"])).map((o) => o.limit)).toEqual(["ip"]);
    expect(keyOutsideHolding(keyGrant, key(NOW + HOUR, ["10.1.2.0/24"]))).toEqual([]);
  });

  it("never fits a holding that requires MFA: a key cannot present it", () => {
    expect(keyOutsideHolding(mfa, key(NOW + HOUR, ["10.0.0.1"]))).toEqual([{ limit: "mfa" }]);
  });
});

describe("outsideHolding: whether what is given (a grant, a membership role) fits inside a holding", () => {
  const [dated, net] = holdingsOf(index, ann, "traces:read", org("org"), NOW) as [Holding, Holding];
  const mfa = holdingsOf(index, ann, "traces:read", project("p1"), NOW).find((h) => h.requireMfa)!;
  const membership = holdingsOf(index, ann, "projects:read", org("org"), NOW)[0]!;
  const given = (more: Partial<Omit<GivenLimits, "ipRanges">> & { cidrs?: string[] } = {}): GivenLimits => ({
    ...UNCONDITIONED,
    ...more,
    ipRanges: more.cidrs ? more.cidrs.map(parseCidr) : null,
  });
  const limits = (holding: Holding, g: GivenLimits) => outsideHolding(holding, g).map((o) => o.limit);

  it("a holding without conditions gives anything, an unconditioned gift included", () => {
    expect(outsideHolding(membership, UNCONDITIONED)).toEqual([]);
    expect(outsideHolding(membership, given({ validUntilMs: NOW + HOUR, cidrs: ["10.0.0.0/8"], requireMfa: true }))).toEqual([]);
  });

  it("a holding with an end date gives only what ends by then", () => {
    expect(outsideHolding(dated, UNCONDITIONED)).toEqual([{ limit: "expiry", untilMs: NOW + 10 * HOUR }]);
    expect(limits(dated, given({ validUntilMs: NOW + 10 * HOUR + 1 }))).toEqual(["expiry"]);
    expect(limits(dated, given({ validUntilMs: NOW + 10 * HOUR }))).toEqual([]);
  });

  it("a holding limited to networks gives only what is limited to networks inside them", () => {
    expect(limits(net, UNCONDITIONED)).toEqual(["ip"]);
    expect(limits(net, given({ cidrs: ["10.0.0.0/7"] }))).toEqual(["ip"]);
    expect(limits(net, given({ cidrs: ["10.2.0.0/16", "2001:db8::/32"] }))).toEqual(["ip"]);
    expect(limits(net, given({ cidrs: ["10.2.0.0/16", "10.9.9.9"] }))).toEqual([]);
    // Usable from nowhere (an empty intersection) reaches no network at all.
    expect(limits(net, given({ cidrs: [] }))).toEqual([]);
  });

  it("a holding that requires MFA gives only what requires MFA too", () => {
    expect(limits(mfa, UNCONDITIONED)).toEqual(["mfa"]);
    expect(limits(mfa, given({ requireMfa: true }))).toEqual([]);
  });

  it("names every limit a gift reaches past", () => {
    const keyGrant = holdingsOf(index, { type: "api_key", id: "k1" }, "traces:read", org("org"), NOW)[0]!;
    expect(limits(keyGrant, UNCONDITIONED)).toEqual(["expiry", "ip", "ip"]);
    expect(limits(keyGrant, given({ validUntilMs: NOW + HOUR, cidrs: ["10.1.2.0/24"] }))).toEqual([]);
  });

  it("agrees with keyOutsideHolding for what a key can carry (never MFA)", () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: NOW, max: NOW + 20 * HOUR }), { nil: null }),
        fc.subarray(["10.0.0.0/8", "10.1.0.0/16", "10.2.3.4", "192.168.0.0/16", "2001:db8::/32"]),
        (expiresAtMs, cidrs) => {
          for (const holding of [dated, net, mfa, membership]) {
            const key = { expiresAtMs, ipAllowList: cidrs.map(parseCidr) };
            expect(keyOutsideHolding(holding, key)).toEqual(outsideHolding(holding, { validUntilMs: expiresAtMs, ipRanges: cidrs.length ? key.ipAllowList : null, requireMfa: false, plans: null }));
          }
        },
      ),
    );
  });
});

describe("narrowLimits: a grant to an API key is bounded by the key's own expiry and networks", () => {
  const cidrs = (g: GivenLimits) => g.ipRanges?.map(([a, b]) => `${a.toString()}/${b}`) ?? null;

  it("takes the earlier end", () => {
    expect(narrowLimits(UNCONDITIONED, { validUntilMs: NOW, ipRanges: null }).validUntilMs).toBe(NOW);
    expect(narrowLimits({ ...UNCONDITIONED, validUntilMs: NOW }, { validUntilMs: NOW + HOUR, ipRanges: null }).validUntilMs).toBe(NOW);
    expect(narrowLimits({ ...UNCONDITIONED, validUntilMs: NOW + HOUR }, { validUntilMs: NOW, ipRanges: null }).validUntilMs).toBe(NOW);
  });

  it("intersects the network lists exactly: nested ranges keep the narrower, disjoint ones nothing", () => {
    const both = (a: string[] | null, b: string[] | null) =>
      cidrs(narrowLimits({ ...UNCONDITIONED, ipRanges: a?.map(parseCidr) ?? null }, { validUntilMs: null, ipRanges: b?.map(parseCidr) ?? null }));
    expect(both(null, null)).toBeNull();
    expect(both(["10.0.0.0/8"], null)).toEqual(["10.0.0.0/8"]);
    expect(both(null, ["10.0.0.0/8"])).toEqual(["10.0.0.0/8"]);
    expect(both(["10.0.0.0/8", "192.168.1.0/24"], ["10.1.0.0/16", "192.168.0.0/16", "2001:db8::/32"])).toEqual(["10.1.0.0/16", "192.168.1.0/24"]);
    expect(both(["10.0.0.0/8"], ["192.168.0.0/16"])).toEqual([]);
  });

  it("keeps MFA as given", () => {
    expect(narrowLimits({ ...UNCONDITIONED, requireMfa: true }, { validUntilMs: null, ipRanges: null }).requireMfa).toBe(true);
  });
});
