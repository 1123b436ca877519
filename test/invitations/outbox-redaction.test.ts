import { describe, expect, it } from "vitest";
import type { OrgCtx } from "../../lib/context.ts";
import { db } from "../../lib/db.ts";
import { acceptInvitation, createInvitation, resendInvitation, revokeInvitation } from "../../lib/invitations/invitations.ts";
import { builtInRole, createTestOrg, createUser, uniqueEmail } from "../helpers.ts";

async function invite(ctx: OrgCtx, email = uniqueEmail("invitee")) {
  const invitation = await createInvitation(ctx, { email, roleId: (await builtInRole("member")).id });
  return { invitation, url: invitation.url, token: invitation.url.split("/invite/")[1]!, email };
}

const mailsAbout = (invitationId: string) => db.outboxEmail.findMany({ where: { relatedId: invitationId }, orderBy: { createdAt: "asc" } });
/** The invitation's mails' ids, oldest first (createdAt can tie within a millisecond, so callers pass what they saw). */
const newMailId = async (invitationId: string, seen: string[]) => {
  const ids = (await mailsAbout(invitationId)).map((m) => m.id).filter((id) => !seen.includes(id));
  expect(ids).toHaveLength(1);
  return [...seen, ids[0]!];
};
const textsOf = async (ids: string[]) => {
  const rows = await db.outboxEmail.findMany({ where: { id: { in: ids } } });
  return ids.map((id) => rows.find((r) => r.id === id)!.text);
};

/** Every stored row, in every table, whose text form contains `needle`. */
async function rowsContaining(needle: string) {
  const tables = await db.$queryRawUnsafe<Array<{ name: string }>>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`);
  const hits: string[] = [];
  for (const { name } of tables) {
    const [row] = await db.$queryRawUnsafe<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM "${name}" t WHERE strpos(t::text, $1) > 0`, needle);
    if (row!.n > 0) hits.push(`${name} (${row!.n})`);
  }
  return hits;
}

describe("invitation links in the outbox", () => {
  it("stores the live link in the invitation mail, tied to the invitation by relatedId", async () => {
    const { owner } = await createTestOrg();
    const { invitation, url, email } = await invite(owner);
    const mails = await mailsAbout(invitation.id);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ to: email, relatedId: invitation.id });
    expect(mails[0]!.text).toContain(`Accept the invitation: ${url}`);
  });

  it('replaces the link with "[link used]" once the invitation is accepted', async () => {
    const { owner } = await createTestOrg();
    const { invitation, url, token, email } = await invite(owner);
    await acceptInvitation(await createUser({ email }), token);

    const [mail] = await mailsAbout(invitation.id);
    expect(mail!.text).toContain(`Accept the invitation: ${url.split("/invite/")[0]}/invite/[link used]`);
    expect(mail!.text).not.toContain(token);
    expect(mail!.text).toContain("The link works once and expires in 7 days.");
  });

  it("leaves the token in no stored row at all after accepting", async () => {
    const { owner } = await createTestOrg();
    const { token, email } = await invite(owner);
    expect(await rowsContaining(token)).toEqual(["OutboxEmail (1)"]);
    await acceptInvitation(await createUser({ email }), token);
    expect(await rowsContaining(token)).toEqual([]);
  });

  it('replaces the link with "[link revoked]" when the invitation is revoked', async () => {
    const { owner } = await createTestOrg();
    const { invitation, token } = await invite(owner);
    await revokeInvitation(owner, { invitationId: invitation.id });

    const [mail] = await mailsAbout(invitation.id);
    expect(mail!.text).toContain("/invite/[link revoked]");
    expect(mail!.text).not.toContain(token);
    expect(await rowsContaining(token)).toEqual([]);
  });

  it('on resend marks the old mail "[link replaced by a newer one]" and sends the new live link', async () => {
    const { owner } = await createTestOrg();
    const { invitation, token } = await invite(owner);
    const seen = await newMailId(invitation.id, []);
    const { url } = await resendInvitation(owner, { invitationId: invitation.id });
    const newToken = url.split("/invite/")[1]!;

    const [old, latest] = await textsOf(await newMailId(invitation.id, seen));
    expect(old).toContain("/invite/[link replaced by a newer one]");
    expect(old).not.toContain(token);
    expect(latest).toContain(`Accept the invitation: ${url}`);
    expect(await rowsContaining(token)).toEqual([]);
    expect(await rowsContaining(newToken)).toEqual(["OutboxEmail (1)"]);
  });

  it("after resend and accept, the old mail says replaced, the new one used, and neither token is stored", async () => {
    const { owner } = await createTestOrg();
    const { invitation, token, email } = await invite(owner);
    let seen = await newMailId(invitation.id, []);
    const { url } = await resendInvitation(owner, { invitationId: invitation.id });
    seen = await newMailId(invitation.id, seen);
    const newToken = url.split("/invite/")[1]!;
    await acceptInvitation(await createUser({ email }), newToken);

    const texts = await textsOf(seen);
    expect(texts[0]).toContain("/invite/[link replaced by a newer one]");
    expect(texts[1]).toContain("/invite/[link used]");
    expect(await rowsContaining(token)).toEqual([]);
    expect(await rowsContaining(newToken)).toEqual([]);
  });

  it("after resend and revoke, every mail of the invitation is without a live link", async () => {
    const { owner } = await createTestOrg();
    const { invitation } = await invite(owner);
    let seen = await newMailId(invitation.id, []);
    const first = await resendInvitation(owner, { invitationId: invitation.id });
    seen = await newMailId(invitation.id, seen);
    const second = await resendInvitation(owner, { invitationId: invitation.id });
    seen = await newMailId(invitation.id, seen);
    await revokeInvitation(owner, { invitationId: invitation.id });

    const texts = await textsOf(seen);
    expect(texts.map((t) => t.match(/\/invite\/\S+/)![0])).toEqual(["/invite/[link", "/invite/[link", "/invite/[link"]);
    expect(texts[0]).toContain("[link replaced by a newer one]");
    expect(texts[1]).toContain("[link replaced by a newer one]");
    expect(texts[2]).toContain("[link revoked]");
    for (const { url } of [first, second]) expect(await rowsContaining(url.split("/invite/")[1]!)).toEqual([]);
  });

  it("touches only the mails of the invitation that changed", async () => {
    const { owner } = await createTestOrg();
    const a = await invite(owner);
    const b = await invite(owner);
    await revokeInvitation(owner, { invitationId: a.invitation.id });
    const [mailB] = await mailsAbout(b.invitation.id);
    expect(mailB!.text).toContain(b.url);
  });
});
