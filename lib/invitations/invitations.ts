// Invitations: a random token, stored hashed, for one email, valid 7 days,
// usable once. Resending issues a new token and invalidates the old one.
// Accepting checks again that whoever sent it may still give its role.
import { assertRoomFor } from "../billing/limits.ts";
import { db, type Tx } from "../db.ts";
import { keysetList, keysetOrder, type PageRequest } from "../db/keyset.ts";
import { Conflict, Forbidden, Invalid, NotFound, isDomainError } from "../errors.ts";
import { requestSlot, tooMany } from "../auth/throttle.ts";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import { hashToken, randomToken } from "../secrets/secrets.ts";
import { assertAllowed } from "../authz/authorize.ts";
import { assertMayGive } from "../authz/escalation.ts";
import { userIdOf, type OrgCtx, type UserCtx } from "../context.ts";
import { deliverMail, queueMail, redactMailLinks } from "../mail/send-mail.ts";
import { assertMayGiveMembershipRole, findAssignableRole, rolePermissions } from "../members/members.ts";
import { assertCallerIsOwner } from "../members/owner-only.ts";
import { lockOrganization } from "../orgs/lock-organization.ts";
import { authzTransaction, getOrgIndex } from "../authz/org-index-cache.ts";
import { holdingsOf, outsideHolding, UNCONDITIONED } from "../authz/holdings.ts";
import { Email } from "../auth/schemas.ts";
import { CreateInvitationInput, CreateInvitationsInput, INVITATION_TTL_MS, InvitationIdInput, InvitationToken } from "./schemas.ts";
import { logger } from "../logger.ts";

export type InvitationStatus = "pending" | "accepted" | "revoked" | "expired";

export function invitationStatus(inv: { acceptedAt: Date | null; revokedAt: Date | null; expiresAt: Date }, now = new Date()): InvitationStatus {
  if (inv.acceptedAt) return "accepted";
  if (inv.revokedAt) return "revoked";
  if (inv.expiresAt <= now) return "expired";
  return "pending";
}

function inviteUrl(token: string) {
  const base = process.env.NEXTAUTH_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
  return `${base.replace(/\/$/, "")}/invite/${token}`;
}

/** "Viewer", or "Viewer, and Developer on the Web project". */
export function invitedAsText(roleName: string, projectRoles: ReadonlyArray<{ roleName: string; projectName: string }>) {
  if (!projectRoles.length) return roleName;
  return `${roleName}, and ${projectRoles.map((r) => `${r.roleName} on the ${r.projectName} project`).join(", ")}`;
}

async function queueInvitationMail(tx: Tx, ctx: OrgCtx, invitationId: string, email: string, invitedAs: string, token: string) {
  const org = await tx.organization.findUniqueOrThrow({ where: { id: ctx.orgId }, select: { name: true } });
  return queueMail(tx, {
    relatedId: invitationId,
    to: email,
    subject: `You are invited to ${org.name} on Tollgate`,
    text: [`${actorOf(ctx).email} invited you to join ${org.name} as ${invitedAs}.`, "", `Accept the invitation: ${inviteUrl(token)}`, "", "The link works once and expires in 7 days."].join("\n"),
  });
}

type ProjectRole = { projectId: string; roleId: string; projectName: string; roleName: string };

/**
 * The roles on projects an invitation gives besides membership, checked as
 * grants are: the sender may write grants and could give each role's
 * permissions on that project now, without conditions (what a grant made
 * from an invitation carries). Ownership is not a project role.
 */
async function projectRolesToGive(ctx: OrgCtx, wanted: ReadonlyArray<{ projectId: string; roleId: string }>): Promise<ProjectRole[]> {
  if (!wanted.length) return [];
  assertAllowed(ctx, "grants:write");
  const projects = await db.project.findMany({ where: { orgId: ctx.orgId, id: { in: wanted.map((w) => w.projectId) } }, select: { id: true, name: true } });
  const projectNames = new Map(projects.map((p) => [p.id, p.name]));
  const given = new Map<string, ProjectRole>();
  wanted.forEach(({ projectId, roleId }, i) => {
    const projectName = projectNames.get(projectId);
    if (!projectName) throw new NotFound("project_not_found", `projectRoles.${i}.projectId: project not found.`);
    const role = ctx.authz.roles.get(roleId);
    if (!role) throw new NotFound("role_not_found", `projectRoles.${i}.roleId: role not found.`);
    if (role.isOwner) throw new Invalid("owner_role_not_grantable", `projectRoles.${i}.roleId: ownership is not a project role; invite them as an owner instead.`);
    assertMayGive(ctx, { permissions: role.permissions, projectId, limits: UNCONDITIONED }, `give the ${role.name} role on the ${projectName} project`);
    given.set(`${projectId}:${roleId}`, { projectId, roleId, projectName, roleName: role.name });
  });
  return [...given.values()];
}

const newestFirst = keysetOrder({ path: "createdAt", kind: "date", direction: "desc" }, { path: "id", kind: "uuid", direction: "desc" });

export async function listInvitations<P extends PageRequest | undefined = undefined>(ctx: OrgCtx, page?: P) {
  assertAllowed(ctx, "members:read");
  return keysetList(
    newestFirst,
    page,
    (q) =>
      db.invitation.findMany({
        where: { AND: [{ orgId: ctx.orgId, acceptedAt: null, revokedAt: null }, q.where] },
        orderBy: q.orderBy,
        take: q.take,
        select: {
          id: true,
          email: true,
          expiresAt: true,
          createdAt: true,
          lastSentAt: true,
          acceptedAt: true,
          revokedAt: true,
          role: { select: { id: true, name: true, isOwner: true } },
          grants: { select: { projectId: true, roleId: true, role: { select: { name: true } }, project: { select: { name: true } } } },
        },
      }),
    ({ grants, ...r }) => ({
      ...r,
      projectRoles: grants.map((g) => ({ projectId: g.projectId, roleId: g.roleId, projectName: g.project.name, roleName: g.role.name })),
      status: invitationStatus(r),
    }),
  );
}

const HOUR_MS = 3_600_000;
/** Invitation mails one organization may send in an hour (bulk invitations and resends included). */
export const INVITATION_MAILS_PER_HOUR = 200;
/** Times one invitation may be sent again in an hour. */
export const RESENDS_PER_HOUR = 5;

/**
 * Counts one invitation mail against the organization's hourly budget: a
 * member who may invite cannot make this instance send mail without end.
 * Taken inside the sending transaction once every check has passed, so a
 * refused invitation (no right to give the role, already a member, another
 * organization's invitation) spends nothing: its rollback gives the slot back.
 */
async function takeInvitationMailSlot(tx: Tx, ctx: OrgCtx, invitationId?: string) {
  const now = new Date();
  if (invitationId) {
    const resend = await requestSlot(`invitation-resend:${ctx.orgId}:${invitationId}`, RESENDS_PER_HOUR, HOUR_MS, now, tx);
    if (!resend.taken) throw tooMany("too_many_invitations", `This invitation was sent ${RESENDS_PER_HOUR} times in the last hour, the most it may be.`, resend);
  }
  const budget = await requestSlot(`invitation-mail:${ctx.orgId}`, INVITATION_MAILS_PER_HOUR, HOUR_MS, now, tx);
  if (!budget.taken) throw tooMany("too_many_invitations", `This organization has sent ${INVITATION_MAILS_PER_HOUR} invitations in the last hour, the most it may.`, budget);
}

export async function createInvitation(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "members:invite");
  const input = CreateInvitationInput.parse(raw);
  const role = await findAssignableRole(ctx, input.roleId);
  assertMayGiveMembershipRole(ctx, await rolePermissions(ctx, role), `invite someone as ${role.name}`);
  const projectRoles = await projectRolesToGive(ctx, input.projectRoles);
  const token = randomToken();
  const { invitation, outboxId } = await db.$transaction(async (tx) => {
    // The plan's seats first: its lock comes before the organization's row on every path.
    await assertRoomFor(tx, ctx.orgId, "members", 1);
    await lockOrganization(tx, ctx.orgId);
    if (role.isOwner) await assertCallerIsOwner(tx, ctx, "invite someone as an owner");
    const alreadyMember = await tx.membership.findFirst({ where: { orgId: ctx.orgId, user: { email: input.email } }, select: { id: true } });
    if (alreadyMember) throw new Conflict("already_member", `${input.email} is already a member.`);
    const pending = await tx.invitation.findFirst({
      where: { orgId: ctx.orgId, email: input.email, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
      select: { id: true },
    });
    if (pending) throw new Conflict("already_invited", `${input.email} already has a pending invitation. Resend it instead.`);
    await takeInvitationMailSlot(tx, ctx);
    const invitation = await tx.invitation.create({
      data: { orgId: ctx.orgId, email: input.email, roleId: role.id, tokenHash: hashToken(token), ...sentBy(ctx), expiresAt: new Date(Date.now() + INVITATION_TTL_MS) },
      select: { id: true, email: true, expiresAt: true },
    });
    if (projectRoles.length) {
      await tx.invitationGrant.createMany({ data: projectRoles.map((r) => ({ orgId: ctx.orgId, invitationId: invitation.id, roleId: r.roleId, projectId: r.projectId })) });
    }
    const outbox = await queueInvitationMail(tx, ctx, invitation.id, input.email, invitedAsText(role.name, projectRoles), token);
    await recordAudit(tx, {
      action: "member.invited",
      orgId: ctx.orgId,
      actor: actorOf(ctx),
      target: { type: "invitation", id: invitation.id },
      meta: ctx,
      after: { email: input.email, role: role.name, ...(projectRoles.length ? { projectRoles: projectRoles.map((r) => ({ role: r.roleName, project: r.projectName, projectId: r.projectId })) } : {}) },
    });
    return { invitation, outboxId: outbox.id };
  });
  await deliverMail(outboxId);
  return { ...invitation, projectRoles: projectRoles.map(({ projectId, roleId, projectName, roleName }) => ({ projectId, roleId, projectName, roleName })), url: inviteUrl(token) };
}

export type BulkInvitationResult = { email: string } & ({ ok: true; url: string } | { ok: false; code: string; message: string });

/**
 * Invites several people with the same role(s): every address is checked
 * first (one malformed address refuses them all, nothing sent); then each is
 * invited on its own, and one that cannot be (already a member, already
 * invited, no seat left) is reported beside the others that were.
 */
export async function createInvitations(ctx: OrgCtx, raw: unknown): Promise<BulkInvitationResult[]> {
  const input = CreateInvitationsInput.parse(raw);
  const emails = input.emails.map((given) => {
    const email = Email.safeParse(given);
    if (!email.success) throw new Invalid("invalid_email", `emails: “${given}” is not a valid email address. Nothing was sent.`);
    return email.data;
  });
  const results: BulkInvitationResult[] = [];
  for (const email of new Set(emails)) {
    try {
      const invitation = await createInvitation(ctx, { email, roleId: input.roleId, projectRoles: input.projectRoles });
      results.push({ email, ok: true, url: invitation.url });
    } catch (error) {
      // Refusals that hold for every address (the role, the caller's rights) stop the rest; the
      // hourly budget running out mid-way is said per address, beside those already sent.
      const perAddress = isDomainError(error) && (error.code === "already_member" || error.code === "already_invited" || error.code === "too_many_invitations" || error.kind === "limit_exceeded");
      if (!perAddress) throw error;
      results.push({ email, ok: false, code: error.code, message: error.message });
    }
  }
  return results;
}

export async function resendInvitation(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "members:invite");
  const { invitationId } = InvitationIdInput.parse(raw);
  const token = randomToken();
  const outboxId = await db.$transaction(async (tx) => {
    const inv = await tx.invitation.findFirst({
      where: { id: invitationId, orgId: ctx.orgId },
      select: {
        id: true,
        email: true,
        acceptedAt: true,
        revokedAt: true,
        expiresAt: true,
        role: { select: { id: true, name: true, permissions: true, isOwner: true } },
        grants: { select: { projectId: true, roleId: true } },
      },
    });
    if (!inv) throw new NotFound("invitation_not_found", "Invitation not found.");
    if (inv.acceptedAt || inv.revokedAt) throw new Conflict("invitation_closed", "This invitation was already accepted or revoked.");
    // An expired invitation sent again holds a seat again.
    await assertRoomFor(tx, ctx.orgId, "members", inv.expiresAt <= new Date() ? 1 : 0);
    await lockOrganization(tx, ctx.orgId);
    const newer = await tx.invitation.findFirst({
      where: { orgId: ctx.orgId, email: inv.email, id: { not: inv.id }, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
      select: { id: true },
    });
    if (newer) throw new Conflict("already_invited", `${inv.email} has a newer pending invitation. Resend that one instead.`);
    if (await tx.membership.findFirst({ where: { orgId: ctx.orgId, user: { email: inv.email } }, select: { id: true } })) {
      throw new Conflict("already_member", `${inv.email} is already a member.`);
    }
    assertMayGiveMembershipRole(ctx, await rolePermissions(ctx, inv.role), `invite someone as ${inv.role.name}`);
    if (inv.role.isOwner) await assertCallerIsOwner(tx, ctx, "invite someone as an owner");
    const projectRoles = await projectRolesToGive(ctx, inv.grants);
    await takeInvitationMailSlot(tx, ctx, inv.id);
    await tx.invitation.update({
      where: { id: inv.id, orgId: ctx.orgId },
      // Whoever sends it again vouches for it from now on (acceptInvitation checks them).
      data: { tokenHash: hashToken(token), expiresAt: new Date(Date.now() + INVITATION_TTL_MS), lastSentAt: new Date(), ...sentBy(ctx) },
    });
    await redactMailLinks(tx, inv.id, "replaced by a newer one");
    const outbox = await queueInvitationMail(tx, ctx, inv.id, inv.email, invitedAsText(inv.role.name, projectRoles), token);
    await recordAudit(tx, {
      action: "invitation.resent",
      orgId: ctx.orgId,
      actor: actorOf(ctx),
      target: { type: "invitation", id: inv.id },
      meta: ctx,
      after: { email: inv.email, ...(projectRoles.length ? { projectRoles: projectRoles.map((r) => ({ role: r.roleName, project: r.projectName, projectId: r.projectId })) } : {}) },
    });
    return outbox.id;
  });
  await deliverMail(outboxId);
  return { url: inviteUrl(token) };
}

export async function revokeInvitation(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "members:invite");
  const { invitationId } = InvitationIdInput.parse(raw);
  await db.$transaction(async (tx) => {
    const { count } = await tx.invitation.updateMany({
      where: { id: invitationId, orgId: ctx.orgId, acceptedAt: null, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    if (count === 0) {
      const exists = await tx.invitation.findFirst({ where: { id: invitationId, orgId: ctx.orgId }, select: { id: true } });
      if (!exists) throw new NotFound("invitation_not_found", "Invitation not found.");
      throw new Conflict("invitation_closed", "This invitation was already accepted or revoked.");
    }
    const inv = await tx.invitation.findFirstOrThrow({ where: { id: invitationId, orgId: ctx.orgId }, select: { email: true } });
    await redactMailLinks(tx, invitationId, "revoked");
    await recordAudit(tx, { action: "invitation.revoked", orgId: ctx.orgId, actor: actorOf(ctx), target: { type: "invitation", id: invitationId }, meta: ctx, before: { email: inv.email } });
  });
}

/** What the invitation page shows before accepting. Unknown tokens: NotFound. */
export async function previewInvitation(rawToken: unknown) {
  const token = InvitationToken.parse(rawToken);
  const inv = await db.invitation.findUnique({
    where: { tokenHash: hashToken(token) },
    select: {
      email: true,
      expiresAt: true,
      acceptedAt: true,
      revokedAt: true,
      org: { select: { name: true, slug: true } },
      role: { select: { name: true } },
      grants: { select: { role: { select: { name: true } }, project: { select: { name: true } } } },
    },
  });
  if (!inv) throw new NotFound("invitation_not_found", "This invitation link is not valid. Ask for a new one.");
  const projectRoles = inv.grants.map((g) => ({ roleName: g.role.name, projectName: g.project.name }));
  return { email: inv.email, orgName: inv.org.name, orgSlug: inv.org.slug, roleName: inv.role.name, invitedAs: invitedAsText(inv.role.name, projectRoles), status: invitationStatus(inv) };
}

/** Who sends an invitation: a member, or an API key (an organization's or a provisioning key). */
function sentBy(ctx: OrgCtx) {
  return { invitedById: userIdOf(ctx), invitedByApiKeyId: ctx.principal.type === "api_key" ? ctx.principal.keyId : null };
}

/**
 * An invitation gives what its sender could give when they sent it; by the
 * time it is accepted they may have been demoted, removed or revoked. The
 * sender must still be able to give its role: a member an owner invitation
 * only while an owner, any other role only holding its permissions without
 * conditions (as a membership role needs); a key only while active and
 * holding them so (provisioning keys while active). An invitation naming no
 * sender (whose account was deleted since) gives nothing.
 */
type InvitationGifts = {
  orgId: string;
  roleId: string;
  invitedById: string | null;
  invitedByApiKeyId: string | null;
  role: { isOwner: boolean };
  grants: Array<{ roleId: string; projectId: string }>;
};

async function assertInviterMayStillGive(tx: Tx, inv: InvitationGifts & { role: { name: string } }) {
  // Read under the lock that role changes take, so a demotion a moment ago counts.
  await lockOrganization(tx, inv.orgId);
  if (await senderMayStillGive(tx, inv)) return;
  throw new Forbidden("inviter_cannot_give", `Whoever sent this invitation can no longer give the ${inv.role.name} role. Ask someone in the organization to send it again.`);
}

async function senderMayStillGive(tx: Tx, inv: InvitationGifts) {
  const index = await getOrgIndex(inv.orgId);
  // The membership role across the organization, each project role on its project (and, to give
  // those as grants, grants:write, as when the invitation was sent).
  const gifts = [{ roleId: inv.roleId, projectId: null as string | null }, ...inv.grants];
  type Subject = { type: "user" | "api_key"; id: string };
  const holds = (subject: Subject, permission: string, projectId: string | null) =>
    holdingsOf(index, subject, permission, projectId ? { type: "project", id: projectId } : { type: "organization", id: inv.orgId }).some((h) => outsideHolding(h, UNCONDITIONED).length === 0);
  const givesUnconditioned = (subject: Subject) =>
    (inv.grants.length === 0 || holds(subject, "grants:write", null)) &&
    gifts.every(({ roleId, projectId }) => [...(index.roles.get(roleId)?.permissions ?? [])].every((p) => holds(subject, p, projectId)));
  if (inv.invitedById) {
    const inviter = await tx.membership.findFirst({ where: { orgId: inv.orgId, userId: inv.invitedById }, select: { role: { select: { isOwner: true } } } });
    if (!inviter) return false;
    if (inviter.role.isOwner || inv.role.isOwner) return inviter.role.isOwner;
    return givesUnconditioned({ type: "user", id: inv.invitedById });
  }
  if (inv.invitedByApiKeyId) {
    if (index.apiKeysById.has(inv.invitedByApiKeyId)) return !inv.role.isOwner && givesUnconditioned({ type: "api_key", id: inv.invitedByApiKeyId });
    const now = new Date();
    const instanceKey = await tx.apiKey.findFirst({
      where: { id: inv.invitedByApiKeyId, orgId: null, isInstanceAdmin: true, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
      select: { id: true },
    });
    return instanceKey !== null;
  }
  return false;
}

export async function acceptInvitation(ctx: UserCtx, rawToken: unknown) {
  const token = InvitationToken.parse(rawToken);
  const inv0 = await db.invitation.findUnique({ where: { tokenHash: hashToken(token) }, select: { orgId: true } });
  if (!inv0) throw new NotFound("invitation_not_found", "This invitation link is not valid. Ask for a new one.");
  return authzTransaction(inv0.orgId, async (tx) => {
    // The invitation held its seat: accepting it adds none, unless the plan's limit was lowered since.
    await assertRoomFor(tx, inv0.orgId, "members", 0);
    const inv = await tx.invitation.findUnique({
      where: { tokenHash: hashToken(token) },
      select: {
        id: true,
        orgId: true,
        email: true,
        roleId: true,
        invitedById: true,
        invitedByApiKeyId: true,
        expiresAt: true,
        acceptedAt: true,
        revokedAt: true,
        org: { select: { slug: true } },
        role: { select: { name: true, isOwner: true } },
        grants: { select: { roleId: true, projectId: true, role: { select: { name: true } }, project: { select: { name: true } } } },
      },
    });
    if (!inv) throw new NotFound("invitation_not_found", "This invitation link is not valid. Ask for a new one.");
    const status = invitationStatus(inv);
    if (status !== "pending") throw new Conflict(`invitation_${status}`, `This invitation was ${status === "expired" ? "valid for 7 days and has expired" : status}. Ask for a new one.`);
    if (inv.email !== ctx.principal.email.toLowerCase()) {
      throw new Forbidden("invitation_email_mismatch", `This invitation is for ${inv.email}. Sign in with that email to accept it.`);
    }
    // The address must be proven: anyone can create an account with any address.
    const invitee = await tx.user.findUniqueOrThrow({ where: { id: ctx.principal.userId }, select: { emailVerifiedAt: true } });
    if (!invitee.emailVerifiedAt) {
      throw new Forbidden("email_unverified", `Confirm ${inv.email} first: send yourself a confirmation link from your account page, then open this invitation again.`);
    }
    await assertInviterMayStillGive(tx, inv);
    // Marking it accepted with a guard makes a second, concurrent accept fail.
    const { count } = await tx.invitation.updateMany({ where: { id: inv.id, acceptedAt: null, revokedAt: null }, data: { acceptedAt: new Date() } });
    if (count === 0) throw new Conflict("invitation_accepted", "This invitation was accepted already.");
    const existing = await tx.membership.findFirst({ where: { orgId: inv.orgId, userId: ctx.principal.userId }, select: { id: true } });
    if (existing) throw new Conflict("already_member", "You are already a member of this organization.");
    await tx.membership.create({ data: { orgId: inv.orgId, userId: ctx.principal.userId, roleId: inv.roleId } });
    for (const given of inv.grants) {
      const grant = await tx.grant.create({
        data: { orgId: inv.orgId, roleId: given.roleId, userId: ctx.principal.userId, projectId: given.projectId, ipCidrs: [], createdById: inv.invitedById },
        select: { id: true },
      });
      await recordAudit(tx, {
        action: "grant.created",
        orgId: inv.orgId,
        actor: actorOf(ctx),
        target: { type: "grant", id: grant.id },
        meta: ctx,
        after: { role: given.role.name, subject: { type: "user", id: ctx.principal.userId, name: inv.email }, projectId: given.projectId, project: given.project.name, invitationId: inv.id },
      });
    }
    await redactMailLinks(tx, inv.id, "used");
    await recordAudit(tx, {
      action: "member.joined",
      orgId: inv.orgId,
      actor: actorOf(ctx),
      target: { type: "user", id: ctx.principal.userId },
      meta: ctx,
      after: { email: inv.email, role: inv.role.name, invitationId: inv.id },
    });
    return { orgSlug: inv.org.slug };
  });
}

/**
 * Someone who created their account through an invitation's link ("Create an
 * account to accept") joins when their sign-up link is used: that is the
 * second click the invitation would otherwise ask for. Whatever stands in the
 * way (another address, a revoked invitation, a sender who can no longer
 * give it) is left for the invitation page to explain. Returns where to go.
 */
export async function joinAfterSignUp(ctx: UserCtx, nextPath: string | null): Promise<string | null> {
  const token = invitationTokenIn(nextPath);
  if (!token) return nextPath;
  try {
    return `/${(await acceptInvitation(ctx, token)).orgSlug}`;
  } catch (error) {
    // The account exists and its session is open by now: whatever went wrong, the invitation page says the rest.
    if (!isDomainError(error)) logger.error({ err: error }, "joining through an invitation after sign-up failed");
    return nextPath;
  }
}

/** The token of an invitation page's path (/invite/<token>), else null. */
export function invitationTokenIn(path: string | null | undefined): string | null {
  return /^\/invite\/([A-Za-z0-9_-]{20,200})$/.exec(path ?? "")?.[1] ?? null;
}

/** What signing up through this path joins (a pending invitation's organization and roles), so the sign-up page can say it. */
export async function invitationJoinedBySignUp(path: string | null | undefined) {
  const token = invitationTokenIn(path);
  if (!token) return null;
  const invitation = await previewInvitation(token).catch(() => null);
  return invitation?.status === "pending" ? invitation : null;
}
