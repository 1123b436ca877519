// An invitation gives a membership role, which has no conditions: inviting
// (and resending) needs the role's permissions held without an end date,
// network list or MFA condition. Accepting checks again that whoever sent the
// invitation may still give its role: a demoted inviter's invitations give nothing.
import { describe, expect, it } from "vitest";
import { db } from "../../lib/db.ts";
import { Forbidden } from "../../lib/errors.ts";
import { acceptInvitation, createInvitation, resendInvitation } from "../../lib/invitations/invitations.ts";
import { changeMemberRole } from "../../lib/members/members.ts";
import { DAY, expectRefused, orgWithConditionalAdmin } from "../authz/conditional-giver.ts";
import { fresh } from "../grants/fixtures.ts";
import { builtInRole, createTestOrg, createUser, uniqueEmail } from "../helpers.ts";

const tokenOf = (url: string) => url.split("/invite/")[1]!;
const invitationsIn = (orgId: string) => db.invitation.count({ where: { orgId } });
const membershipOf = (orgId: string, userId: string) => db.membership.findFirst({ where: { orgId, userId }, select: { roleId: true } });

describe("inviting gives a role only as the inviter holds it", () => {
  it("a member holding Admin through a grant that ends tomorrow cannot invite anyone as Admin, nor resend an Admin invitation", async () => {
    const until = new Date(Date.now() + DAY);
    const { org, owner, admin, giver } = await orgWithConditionalAdmin({ validUntil: until.toISOString() });
    const sent = await createInvitation(owner, { email: uniqueEmail("by-owner"), roleId: admin.id });
    const before = await invitationsIn(org.id);

    await expectRefused(
      createInvitation(await giver(), { email: uniqueEmail("x"), roleId: admin.id }),
      Forbidden,
      "expiry_beyond_holding",
      "invite someone as Admin",
      `to you from a grant valid until ${until.toISOString()}`,
    );
    expect(await invitationsIn(org.id)).toBe(before);
    const lastSentAt = (await db.invitation.findUniqueOrThrow({ where: { id: sent.id } })).lastSentAt;
    await expectRefused(resendInvitation(await giver(), { invitationId: sent.id }), Forbidden, "expiry_beyond_holding", "invite someone as Admin");
    expect((await db.invitation.findUniqueOrThrow({ where: { id: sent.id } })).lastSentAt).toEqual(lastSentAt);

    // The Member role comes with the giver's own membership.
    await createInvitation(await giver(), { email: uniqueEmail("y"), roleId: (await builtInRole("member")).id });
  });
});

describe("acceptInvitation checks that the inviter may still give the role", () => {
  it("an Owner invitation made by an owner who has since been demoted gives nothing", async () => {
    const { org, owner, addMember } = await createTestOrg({ slugPrefix: "inv-demoted" });
    const second = await addMember("owner", "Second Owner");
    const email = uniqueEmail("would-be-owner");
    const { url } = await createInvitation(second, { email, roleId: (await builtInRole("owner")).id });
    await changeMemberRole(await fresh(owner), { membershipId: second.membership.id, roleId: (await builtInRole("admin")).id });

    const invitee = await createUser({ email });
    await expectRefused(acceptInvitation(invitee, tokenOf(url)), Forbidden, "inviter_cannot_give", "Owner");
    expect(await membershipOf(org.id, invitee.principal.userId)).toBeNull();
    expect((await db.invitation.findFirstOrThrow({ where: { orgId: org.id, email } })).acceptedAt).toBeNull();

    // Sent again by an owner, it works.
    const { url: again } = await resendInvitation(await fresh(owner), { invitationId: (await db.invitation.findFirstOrThrow({ where: { orgId: org.id, email } })).id });
    await acceptInvitation(invitee, tokenOf(again));
    expect((await membershipOf(org.id, invitee.principal.userId))?.roleId).toBe((await builtInRole("owner")).id);
  });

  it("an Admin invitation made by an admin who has since become a viewer gives nothing", async () => {
    const { org, owner, addMember } = await createTestOrg({ slugPrefix: "inv-demoted" });
    const adminRole = await builtInRole("admin");
    const inviter = await addMember("admin", "Ada Admin");
    const demotedEmail = uniqueEmail("a");
    const { url: demotedUrl } = await createInvitation(inviter, { email: demotedEmail, roleId: adminRole.id });
    const memberEmail = uniqueEmail("m");
    const { url: memberUrl } = await createInvitation(inviter, { email: memberEmail, roleId: (await builtInRole("viewer")).id });
    await changeMemberRole(await fresh(owner), { membershipId: inviter.membership.id, roleId: (await builtInRole("viewer")).id });

    const invitee = await createUser({ email: demotedEmail });
    await expectRefused(acceptInvitation(invitee, tokenOf(demotedUrl)), Forbidden, "inviter_cannot_give", "Admin");
    expect(await membershipOf(org.id, invitee.principal.userId)).toBeNull();
    // What the viewer still holds, they may still give.
    const viewer = await createUser({ email: memberEmail });
    await acceptInvitation(viewer, tokenOf(memberUrl));
    expect(await membershipOf(org.id, viewer.principal.userId)).not.toBeNull();
  });
});

describe("invitations whose sender is gone", () => {
  it("give nothing once the sender's account is deleted, or the sending key revoked", async () => {
    const { deleteAccount } = await import("../../lib/auth/account.ts");
    const { hashPassword } = await import("../../lib/secrets/secrets.ts");
    const { createApiKey, revokeApiKey } = await import("../../lib/apikeys/api-keys.ts");
    const { authenticateApiKey } = await import("../../lib/apikeys/authenticate-api-key.ts");
    const { getOrgIndex } = await import("../../lib/authz/org-index-cache.ts");
    const { org, owner, addMember } = await createTestOrg();
    const admin = await addMember("admin");
    await db.user.update({ where: { id: admin.principal.userId }, data: { passwordHash: await hashPassword("admin's long password") } });
    const viewer = (await builtInRole("viewer")).id;
    const byAdmin = await createInvitation(admin, { email: uniqueEmail("from-admin"), roleId: viewer });
    await deleteAccount(admin, { confirm: "admin's long password" });
    const invitee = await createUser({ email: byAdmin.email });
    const refused = await acceptInvitation(invitee, byAdmin.url.split("/invite/")[1]!).catch((e) => e);
    expect(refused).toBeInstanceOf(Forbidden);
    expect(refused.code).toBe("inviter_cannot_give");

    // Sent by an organization key: fine while the key lives, refused once it is revoked.
    const { key, apiKey } = await createApiKey(owner, { name: "inviter", roleId: (await builtInRole("admin")).id });
    const principal = await authenticateApiKey(key);
    const keyCtx = { ...owner, principal: { type: "api_key" as const, keyId: apiKey.id, name: "inviter", display: apiKey.display }, membership: null, authz: principal.authz };
    const first = await createInvitation(keyCtx, { email: uniqueEmail("from-key"), roleId: viewer });
    const second = await createInvitation({ ...keyCtx, authz: await getOrgIndex(org.id) }, { email: uniqueEmail("from-key"), roleId: viewer });
    await expect(acceptInvitation(await createUser({ email: first.email }), first.url.split("/invite/")[1]!)).resolves.toEqual({ orgSlug: org.slug });
    await revokeApiKey(owner, { apiKeyId: apiKey.id });
    expect((await acceptInvitation(await createUser({ email: second.email }), second.url.split("/invite/")[1]!).catch((e) => e)).code).toBe("inviter_cannot_give");
  });
});
