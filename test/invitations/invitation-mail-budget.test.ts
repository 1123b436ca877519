// Invitation mails are budgeted: an organization sends at most 200 an hour
// (bulk and resends included) and one invitation goes out again at most 5
// times an hour. Only invitations that are sent spend the budget.
import { describe, expect, it } from "vitest";
import { db } from "../../lib/db.ts";
import { RateLimited } from "../../lib/errors.ts";
import { INVITATION_MAILS_PER_HOUR, RESENDS_PER_HOUR, createInvitation, createInvitations, resendInvitation } from "../../lib/invitations/invitations.ts";
import { thrown } from "../grants/fixtures.ts";
import { builtInRole, createTestOrg, uniqueEmail } from "../helpers.ts";

/** Spends all but `left` of an organization's hourly budget, as earlier invitations would have (the first of them `minutesAgo`). */
async function spendBudget(orgId: string, left: number, minutesAgo = 0) {
  const windowStart = new Date(Date.now() - minutesAgo * 60_000);
  await db.$executeRaw`INSERT INTO "SignInThrottle" ("key", "failures", "windowStart") VALUES (${`invitation-mail:${orgId}`}, ${INVITATION_MAILS_PER_HOUR - left}, ${windowStart})
    ON CONFLICT ("key") DO UPDATE SET "failures" = excluded."failures", "windowStart" = excluded."windowStart"`;
}

describe("invitation mail budget", () => {
  it("refuses an organization's invitations past its hourly budget with 429, sending nothing; another organization is not affected", async () => {
    const { org, owner } = await createTestOrg();
    const other = await createTestOrg();
    const viewer = (await builtInRole("viewer")).id;
    await spendBudget(org.id, 1, 45);
    await createInvitation(owner, { email: uniqueEmail("last"), roleId: viewer });
    const refused = uniqueEmail("refused");
    const error = await thrown(() => createInvitation(owner, { email: refused, roleId: viewer }));
    expect(error).toBeInstanceOf(RateLimited);
    // The hour began 45 minutes ago: the budget comes back in 15 minutes, not in an hour.
    expect(error).toMatchObject({ code: "too_many_invitations", message: expect.stringContaining("Try again in 15 minutes.") });
    expect((error as RateLimited).retryAfterSeconds).toBeGreaterThanOrEqual(895);
    expect((error as RateLimited).retryAfterSeconds).toBeLessThanOrEqual(900);
    expect(await db.invitation.count({ where: { orgId: org.id, email: refused } })).toBe(0);
    await expect(createInvitation(other.owner, { email: uniqueEmail("elsewhere"), roleId: viewer })).resolves.toMatchObject({ email: expect.any(String) });
  });

  it("a bulk invitation that runs out of budget says so per address, beside the ones sent", async () => {
    const { org, owner } = await createTestOrg();
    await spendBudget(org.id, 1);
    const emails = [uniqueEmail("one"), uniqueEmail("two")];
    const results = await createInvitations(owner, { emails, roleId: (await builtInRole("viewer")).id });
    expect(results.map((r) => [r.ok, r.ok ? null : r.code])).toEqual([
      [true, null],
      [false, "too_many_invitations"],
    ]);
  });

  it("one invitation is sent again at most 5 times an hour", async () => {
    const { owner } = await createTestOrg();
    const invitation = await createInvitation(owner, { email: uniqueEmail("resent"), roleId: (await builtInRole("viewer")).id });
    for (let i = 0; i < RESENDS_PER_HOUR; i++) await resendInvitation(owner, { invitationId: invitation.id });
    const error = await thrown(() => resendInvitation(owner, { invitationId: invitation.id }));
    expect(error).toMatchObject({ code: "too_many_invitations", message: expect.stringContaining("Try again in 60 minutes.") });
    expect((error as RateLimited).retryAfterSeconds).toBeGreaterThan(3500);
  });

  it("a refused invitation spends nothing: already a member, already invited, another organization's invitation", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const other = await createTestOrg();
    const member = await addMember("viewer");
    const viewer = (await builtInRole("viewer")).id;
    const pending = await createInvitation(owner, { email: uniqueEmail("pending"), roleId: viewer });
    await spendBudget(org.id, 1);
    expect(await thrown(() => createInvitation(owner, { email: member.principal.email, roleId: viewer }))).toMatchObject({ code: "already_member" });
    expect(await thrown(() => createInvitation(owner, { email: pending.email, roleId: viewer }))).toMatchObject({ code: "already_invited" });
    // The last slot is still there.
    await createInvitation(owner, { email: uniqueEmail("last"), roleId: viewer });
    // Resending another organization's invitation is not found, and counts nowhere.
    for (let i = 0; i < 3; i++) expect(await thrown(() => resendInvitation(other.owner, { invitationId: pending.id }))).toMatchObject({ code: "invitation_not_found" });
    expect(await db.$queryRaw`SELECT 1 FROM "SignInThrottle" WHERE "key" LIKE ${`invitation-%${other.org.id}%`}`).toEqual([]);
  });

  it("someone who may not invite spends none of the budget", async () => {
    const { org, addMember } = await createTestOrg();
    const viewer = await addMember("viewer");
    const roleId = (await builtInRole("viewer")).id;
    for (let i = 0; i < 3; i++) expect(await thrown(() => createInvitation(viewer, { email: uniqueEmail("nope"), roleId }))).toMatchObject({ code: "forbidden" });
    expect(await db.$queryRaw`SELECT 1 FROM "SignInThrottle" WHERE "key" = ${`invitation-mail:${org.id}`}`).toEqual([]);
  });
});
