// SCIM 2.0 (RFC 7643/7644) for one organization, as its identity provider
// sees it: Users are the people it provisions (addresses in the
// organization's verified domains only), active ones are members with the
// Member role; Groups are Tollgate groups it made and whose members it keeps
// (their roles are given in Tollgate, by people who hold them). Filters are
// parsed by scim2-parse-filter, PATCH operations applied by scim-patch, after
// the forms Okta and Microsoft Entra send are brought to the standard's.
//
// Deactivating a user (active false, or DELETE) ends their membership, group
// memberships and grants here, revokes the API keys they made here, and, when
// their address is in a domain this organization verified (so the
// organization is their employer), ends every session they have.
import { filter as scimFilter, parse as parseFilter, type Filter } from "scim2-parse-filter";
import { scimPatch, type ScimPatchOperation, type ScimResource } from "scim-patch";
import { z } from "zod";
import { recordAudit, type AuditActor } from "../audit/record-audit.ts";
import { authzTransaction } from "../authz/org-index-cache.ts";
import { forgetCachedSession } from "../auth/sessions.ts";
import { assertRoomFor } from "../billing/limits.ts";
import type { ScimCtx } from "../context.ts";
import { db, type Tx } from "../db.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { DomainError } from "../errors.ts";
import { domainOfEmail, organizationOfVerifiedDomain } from "../sso/domains.ts";
import { scimBaseUrl, scimMemberRole } from "./tokens.ts";

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";
const MAX_PAGE = 200;

/** A SCIM error (RFC 7644 §3.12): its HTTP status, scimType and detail. */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    detail: string,
    readonly scimType?: string,
  ) {
    super(detail);
  }
  body() {
    return { schemas: [ERROR_SCHEMA], status: String(this.status), ...(this.scimType ? { scimType: this.scimType } : {}), detail: this.message };
  }
}

const actorOf = (ctx: ScimCtx): AuditActor => ({ userId: null, email: `SCIM token ${ctx.token.name}` });
const notFound = (what: string) => new ScimError(404, `${what} not found.`);

function invalid(error: z.ZodError): ScimError {
  const issue = error.issues[0]!;
  return new ScimError(400, `${issue.path.join(".") || "body"}: ${issue.message}`, "invalidValue");
}

// Microsoft Entra sends booleans as "True"/"False".
const ScimBoolean = z.preprocess((v) => (typeof v === "string" ? v.toLowerCase() === "true" : v), z.boolean());
const Email = z.string().trim().toLowerCase().pipe(z.email("must be an email address").max(254));

const UserInput = z.object({
  userName: Email,
  externalId: z.string().max(200).nullish(),
  active: ScimBoolean.optional(),
  displayName: z.string().max(200).nullish(),
  name: z
    .object({ givenName: z.string().max(100).nullish(), familyName: z.string().max(100).nullish(), formatted: z.string().max(200).nullish() })
    .partial()
    .nullish(),
  emails: z
    .array(z.object({ value: z.string().max(254), type: z.string().max(50).optional(), primary: ScimBoolean.optional() }))
    .max(20)
    .nullish(),
});
type UserInput = z.infer<typeof UserInput>;

const GroupInput = z.object({
  displayName: z.string().trim().min(1, "required").max(80, "at most 80 characters"),
  externalId: z.string().max(200).nullish(),
  members: z
    .array(z.object({ value: z.string() }))
    .max(10_000)
    .nullish(),
});

// ---------------------------------------------------------------------------
// Reading.

type UserRow = { userId: string; externalId: string | null; active: boolean; attributes: unknown; version: number; createdAt: Date; updatedAt: Date; user: { email: string; name: string } };
const userRowSelect = { userId: true, externalId: true, active: true, attributes: true, version: true, createdAt: true, updatedAt: true, user: { select: { email: true, name: true } } } as const;

function userResource(row: UserRow, groups: Array<{ value: string; display: string }>) {
  const attributes = (row.attributes ?? {}) as { name?: unknown; displayName?: string | null; emails?: unknown };
  return {
    schemas: [USER_SCHEMA],
    id: row.userId,
    ...(row.externalId ? { externalId: row.externalId } : {}),
    userName: row.user.email,
    ...(attributes.name ? { name: attributes.name } : {}),
    displayName: attributes.displayName ?? row.user.name,
    emails: (attributes.emails as unknown[] | undefined) ?? [{ value: row.user.email, type: "work", primary: true }],
    active: row.active,
    groups,
    meta: { resourceType: "User", created: row.createdAt.toISOString(), lastModified: row.updatedAt.toISOString(), location: `${scimBaseUrl()}/Users/${row.userId}`, version: `W/"${row.version}"` },
  };
}
export type ScimUserResource = ReturnType<typeof userResource>;

async function groupsOfUsers(orgId: string, userIds: string[]) {
  const rows = await db.groupMember.findMany({ where: { orgId, userId: { in: userIds }, group: { scim: { isNot: null } } }, select: { userId: true, group: { select: { id: true, name: true } } } });
  const byUser = new Map<string, Array<{ value: string; display: string }>>();
  for (const r of rows) byUser.set(r.userId, [...(byUser.get(r.userId) ?? []), { value: r.group.id, display: r.group.name }]);
  return byUser;
}

async function userResources(ctx: ScimCtx, where: { userId?: string } = {}) {
  const rows = await db.scimUser.findMany({ where: { orgId: ctx.orgId, ...where }, orderBy: { createdAt: "asc" }, select: userRowSelect });
  const groups = await groupsOfUsers(
    ctx.orgId,
    rows.map((r) => r.userId),
  );
  return rows.map((r) => userResource(r, groups.get(r.userId) ?? []));
}

async function groupResources(ctx: ScimCtx, where: { groupId?: string } = {}) {
  const rows = await db.scimGroup.findMany({
    where: { orgId: ctx.orgId, ...where },
    orderBy: { createdAt: "asc" },
    select: {
      groupId: true,
      externalId: true,
      version: true,
      createdAt: true,
      updatedAt: true,
      group: { select: { name: true, members: { select: { userId: true, user: { select: { email: true } } } } } },
    },
  });
  return rows.map((r) => ({
    schemas: [GROUP_SCHEMA],
    id: r.groupId,
    ...(r.externalId ? { externalId: r.externalId } : {}),
    displayName: r.group.name,
    members: r.group.members.map((m) => ({ value: m.userId, display: m.user.email, $ref: `${scimBaseUrl()}/Users/${m.userId}` })),
    meta: { resourceType: "Group", created: r.createdAt.toISOString(), lastModified: r.updatedAt.toISOString(), location: `${scimBaseUrl()}/Groups/${r.groupId}`, version: `W/"${r.version}"` },
  }));
}

// userName, email addresses and displayName are not case-exact (RFC 7643
// §4.1.1, §4.1.2, §4.2): filters compare them in lower case, on both sides.
const CASE_INSENSITIVE_PATH = /^(userName|displayName|emails(\.value)?|value)$/i;

function lowerCaseInsensitiveValues(node: Filter): Filter {
  const n = node as Filter & { attrPath?: string; compValue?: unknown; filters?: Filter[]; filter?: Filter; valFilter?: Filter };
  if (n.filters) return { ...n, filters: n.filters.map(lowerCaseInsensitiveValues) } as Filter;
  if (n.filter) return { ...n, filter: lowerCaseInsensitiveValues(n.filter) } as Filter;
  // emails[value eq "…"]: the inner comparison is on the address.
  if (n.valFilter) return { ...n, valFilter: lowerCaseInsensitiveValues(n.valFilter) } as Filter;
  if (typeof n.attrPath === "string" && CASE_INSENSITIVE_PATH.test(n.attrPath) && typeof n.compValue === "string") return { ...n, compValue: n.compValue.toLowerCase() } as Filter;
  return n;
}

/** The resource as filters see it: its case-insensitive values in lower case. */
function caseFolded(resource: object): object {
  const r = resource as { userName?: unknown; displayName?: unknown; emails?: Array<{ value?: unknown }> };
  const lower = (v: unknown) => (typeof v === "string" ? v.toLowerCase() : v);
  return {
    ...resource,
    userName: lower(r.userName),
    displayName: lower(r.displayName),
    ...(Array.isArray(r.emails) ? { emails: r.emails.map((e) => ({ ...e, value: lower(e.value) })) } : {}),
  };
}

export type ListQuery = { filter?: string | null; startIndex?: string | null; count?: string | null };

/** A page of resources that match the filter (RFC 7644 §3.4.2): startIndex is 1-based. */
function listResponse<T extends object>(resources: T[], query: ListQuery) {
  let matched = resources;
  if (query.filter) {
    let parsed: Filter;
    try {
      parsed = parseFilter(query.filter);
    } catch (error) {
      throw new ScimError(400, `filter: ${(error as Error).message}`, "invalidFilter");
    }
    const matches = scimFilter(lowerCaseInsensitiveValues(parsed));
    matched = resources.filter((resource) => matches(caseFolded(resource)));
  }
  const startIndex = Math.max(1, Number.parseInt(query.startIndex ?? "1", 10) || 1);
  const count = Math.min(MAX_PAGE, Math.max(0, Number.parseInt(query.count ?? String(MAX_PAGE), 10) || 0));
  const page = matched.slice(startIndex - 1, startIndex - 1 + count);
  return { schemas: [LIST_SCHEMA], totalResults: matched.length, startIndex, itemsPerPage: page.length, Resources: page };
}

export async function listUsers(ctx: ScimCtx, query: ListQuery) {
  return listResponse(await userResources(ctx), query);
}
export async function listGroups(ctx: ScimCtx, query: ListQuery) {
  return listResponse(await groupResources(ctx), query);
}

const UUID = z.uuid();
export async function getUser(ctx: ScimCtx, id: string): Promise<ScimUserResource> {
  const [found] = UUID.safeParse(id).success ? await userResources(ctx, { userId: id }) : [];
  if (!found) throw notFound(`User ${id}`);
  return found;
}
export async function getGroup(ctx: ScimCtx, id: string) {
  const [found] = UUID.safeParse(id).success ? await groupResources(ctx, { groupId: id }) : [];
  if (!found) throw notFound(`Group ${id}`);
  return found;
}

/** If-Match (RFC 7644 §3.14): the change applies only to the version the client read. */
function assertVersion(current: string, ifMatch: string | null) {
  if (ifMatch && ifMatch !== "*" && ifMatch !== current) throw new ScimError(412, `The resource changed: it is now at ${current}.`);
}

// ---------------------------------------------------------------------------
// Users: create, replace, patch, delete.

function attributesOf(input: UserInput) {
  return JSON.parse(JSON.stringify({ name: input.name ?? undefined, displayName: input.displayName ?? undefined, emails: input.emails ?? undefined }));
}
const displayNameOf = (input: UserInput) =>
  (input.displayName ?? input.name?.formatted ?? [input.name?.givenName, input.name?.familyName].filter(Boolean).join(" ") ?? "").trim() || input.userName.split("@")[0]!;

/** Only addresses in a domain this organization verified are provisioned: an address elsewhere could be anyone's. */
async function assertOwnDomain(ctx: ScimCtx, email: string) {
  if ((await organizationOfVerifiedDomain(email)) !== ctx.orgId) {
    throw new ScimError(400, `userName: ${domainOfEmail(email)} is not a verified domain of this organization; verify it under Single sign-on first.`, "invalidValue");
  }
}

/** The membership and what hangs on it follow `active`. Inside the caller's transaction. */
async function applyActive(tx: Tx, ctx: ScimCtx, user: { id: string; email: string }, active: boolean) {
  const membership = await tx.membership.findUnique({ where: { orgId_userId: { orgId: ctx.orgId, userId: user.id } }, select: { id: true, role: { select: { isOwner: true, name: true } } } });
  if (active) {
    if (membership) return { joined: false };
    await assertRoomFor(tx, ctx.orgId, "members", 1);
    const role = await scimMemberRole();
    await tx.membership.create({ data: { orgId: ctx.orgId, userId: user.id, roleId: role.id } });
    await recordAudit(tx, {
      action: "member.added",
      orgId: ctx.orgId,
      actor: actorOf(ctx),
      target: { type: "user", id: user.id },
      meta: ctx,
      after: { email: user.email, role: role.name, via: "scim" },
    });
    return { joined: true };
  }
  if (membership?.role.isOwner) throw new ScimError(400, `${user.email} is an owner of this organization: an owner removes owners, in Tollgate.`, "mutability");
  if (membership) {
    await tx.membership.delete({ where: { id: membership.id } });
    await tx.groupMember.deleteMany({ where: { orgId: ctx.orgId, userId: user.id } });
    await tx.grant.deleteMany({ where: { orgId: ctx.orgId, userId: user.id } });
  }
  const keys = await tx.apiKey.updateMany({ where: { orgId: ctx.orgId, createdById: user.id, revokedAt: null }, data: { revokedAt: new Date() } });
  // Their employer (the organization that verified their domain) ends every session they have; an instance admin's are the instance's.
  const instanceAdmin = (await tx.user.findUnique({ where: { id: user.id }, select: { isInstanceAdmin: true } }))?.isInstanceAdmin === true;
  const employer = !instanceAdmin && (await organizationOfVerifiedDomain(user.email)) === ctx.orgId;
  const sessions = employer ? await tx.session.findMany({ where: { userId: user.id, revokedAt: null }, select: { id: true } }) : [];
  if (sessions.length) await tx.session.updateMany({ where: { id: { in: sessions.map((s) => s.id) } }, data: { revokedAt: new Date() } });
  await recordAudit(tx, {
    action: "scim.user.deactivated",
    orgId: ctx.orgId,
    actor: actorOf(ctx),
    target: { type: "user", id: user.id },
    meta: ctx,
    after: { email: user.email, memberRemoved: membership !== null, apiKeysRevoked: keys.count, sessionsEnded: sessions.length },
  });
  return { joined: false, endedSessions: sessions.map((s) => s.id) };
}

/** Runs a change that may end sessions: their cache entries here are dropped once it commits. */
async function changing<T>(ctx: ScimCtx, work: (tx: Tx) => Promise<T & { endedSessions?: string[] }>): Promise<T> {
  try {
    const result = await authzTransaction(ctx.orgId, work);
    result.endedSessions?.forEach(forgetCachedSession);
    return result;
  } catch (error) {
    if (error instanceof ScimError) throw error;
    if (isUniqueViolation(error)) throw new ScimError(409, "A resource with this userName, externalId or displayName exists already.", "uniqueness");
    if (error instanceof DomainError) throw new ScimError(error.kind === "limit_exceeded" ? 403 : 400, error.message);
    throw error;
  }
}

export async function createUser(ctx: ScimCtx, body: unknown): Promise<ScimUserResource> {
  const parsed = UserInput.safeParse(body);
  if (!parsed.success) throw invalid(parsed.error);
  const input = parsed.data;
  await assertOwnDomain(ctx, input.userName);
  const active = input.active ?? true;
  const created = await changing(ctx, async (tx) => {
    const user =
      (await tx.user.findUnique({ where: { email: input.userName }, select: { id: true, email: true } })) ??
      (await tx.user.create({ data: { email: input.userName, name: displayNameOf(input).slice(0, 100), emailVerifiedAt: new Date(), origin: "scim" }, select: { id: true, email: true } }));
    if (await tx.scimUser.findUnique({ where: { orgId_userId: { orgId: ctx.orgId, userId: user.id } }, select: { userId: true } })) {
      throw new ScimError(409, `${input.userName} is provisioned already.`, "uniqueness");
    }
    await tx.scimUser.create({ data: { orgId: ctx.orgId, userId: user.id, externalId: input.externalId ?? null, active, attributes: attributesOf(input) } });
    await recordAudit(tx, { action: "scim.user.created", orgId: ctx.orgId, actor: actorOf(ctx), target: { type: "user", id: user.id }, meta: ctx, after: { email: user.email, active } });
    const effect = await applyActive(tx, ctx, user, active);
    return { ...effect, id: user.id };
  });
  return getUser(ctx, created.id);
}

async function storedUser(ctx: ScimCtx, id: string) {
  if (!UUID.safeParse(id).success) throw notFound(`User ${id}`);
  const row = await db.scimUser.findUnique({ where: { orgId_userId: { orgId: ctx.orgId, userId: id } }, select: userRowSelect });
  if (!row) throw notFound(`User ${id}`);
  return row;
}

/** Makes the stored user what `input` says (PUT, and PATCH after its operations are applied). */
async function writeUser(ctx: ScimCtx, row: UserRow, input: UserInput, action: string) {
  if (input.userName !== row.user.email) throw new ScimError(400, "userName: an address cannot be changed over SCIM; provision the new address as a new user.", "mutability");
  const active = input.active ?? row.active;
  await changing(ctx, async (tx) => {
    const updated = await tx.scimUser.updateMany({
      where: { orgId: ctx.orgId, userId: row.userId, version: row.version },
      data: { externalId: input.externalId ?? null, active, attributes: attributesOf(input), version: { increment: 1 } },
    });
    if (updated.count !== 1) throw new ScimError(412, "The resource changed meanwhile; read it again.");
    const user = { id: row.userId, email: row.user.email };
    const effect = active === row.active ? {} : await applyActive(tx, ctx, user, active);
    await recordAudit(tx, { action, orgId: ctx.orgId, actor: actorOf(ctx), target: { type: "user", id: row.userId }, meta: ctx, after: { email: user.email, active } });
    return effect;
  });
  return getUser(ctx, row.userId);
}

export async function replaceUser(ctx: ScimCtx, id: string, body: unknown, ifMatch: string | null) {
  const row = await storedUser(ctx, id);
  assertVersion(`W/"${row.version}"`, ifMatch);
  const parsed = UserInput.safeParse(body);
  if (!parsed.success) throw invalid(parsed.error);
  return writeUser(ctx, row, parsed.data, "scim.user.replaced");
}

const PatchBody = z.object({
  schemas: z.array(z.string()).refine((s) => s.includes(PATCH_SCHEMA), `schemas must include ${PATCH_SCHEMA}`),
  Operations: z
    .array(z.object({ op: z.string(), path: z.string().optional(), value: z.unknown().optional() }))
    .min(1, "at least one operation")
    .max(1000),
});
type PatchOperation = { op: "add" | "remove" | "replace"; path?: string; value?: unknown };

/** The operations, brought to RFC 7644's form: lower-case op names (Entra sends "Replace"), known ops only. */
function operationsOf(body: unknown): PatchOperation[] {
  const parsed = PatchBody.safeParse(body);
  if (!parsed.success) throw invalid(parsed.error);
  return parsed.data.Operations.map((o) => {
    const op = o.op.toLowerCase();
    if (op !== "add" && op !== "remove" && op !== "replace") throw new ScimError(400, `Operations: unknown op "${o.op}"`, "invalidSyntax");
    return { op, path: o.path, value: o.value };
  });
}

export async function patchUser(ctx: ScimCtx, id: string, body: unknown, ifMatch: string | null) {
  const operations = operationsOf(body);
  const row = await storedUser(ctx, id);
  assertVersion(`W/"${row.version}"`, ifMatch);
  const current = userResource(row, []);
  let patched: Record<string, unknown>;
  try {
    patched = scimPatch(structuredClone(current) as unknown as ScimResource, operations as ScimPatchOperation[], { mutateDocument: false }) as unknown as Record<string, unknown>;
  } catch (error) {
    throw new ScimError(400, `Operations: ${(error as Error).message}`, "invalidPath");
  }
  const parsed = UserInput.safeParse(patched);
  if (!parsed.success) throw invalid(parsed.error);
  return writeUser(ctx, row, parsed.data, "scim.user.patched");
}

export async function deleteUser(ctx: ScimCtx, id: string, ifMatch: string | null) {
  const row = await storedUser(ctx, id);
  assertVersion(`W/"${row.version}"`, ifMatch);
  await changing(ctx, async (tx) => {
    const effect = row.active ? await applyActive(tx, ctx, { id: row.userId, email: row.user.email }, false) : {};
    await tx.scimUser.delete({ where: { orgId_userId: { orgId: ctx.orgId, userId: row.userId } } });
    await recordAudit(tx, { action: "scim.user.deleted", orgId: ctx.orgId, actor: actorOf(ctx), target: { type: "user", id: row.userId }, meta: ctx, before: { email: row.user.email } });
    return effect;
  });
}

// ---------------------------------------------------------------------------
// Groups.

/** Members a group may hold: active SCIM users of this organization (so, members). */
async function assertMembersProvisioned(tx: Tx, ctx: ScimCtx, userIds: string[]) {
  const unique = [...new Set(userIds)];
  if (unique.some((id) => !UUID.safeParse(id).success)) throw new ScimError(400, "members: every value is the id of a provisioned user.", "invalidValue");
  const found = await tx.scimUser.findMany({ where: { orgId: ctx.orgId, userId: { in: unique }, active: true }, select: { userId: true } });
  const missing = unique.filter((id) => !found.some((f) => f.userId === id));
  if (missing.length) throw new ScimError(400, `members: ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not an active provisioned user of this organization.`, "invalidValue");
  return unique;
}

async function setGroupMembers(tx: Tx, ctx: ScimCtx, groupId: string, wanted: string[]) {
  const current = (await tx.groupMember.findMany({ where: { groupId }, select: { userId: true } })).map((m) => m.userId);
  const add = wanted.filter((id) => !current.includes(id));
  const remove = current.filter((id) => !wanted.includes(id));
  if (remove.length) await tx.groupMember.deleteMany({ where: { groupId, userId: { in: remove } } });
  if (add.length) await tx.groupMember.createMany({ data: add.map((userId) => ({ groupId, userId, orgId: ctx.orgId })) });
  return { added: add.length, removed: remove.length };
}

export async function createGroup(ctx: ScimCtx, body: unknown) {
  const parsed = GroupInput.safeParse(body);
  if (!parsed.success) throw invalid(parsed.error);
  const input = parsed.data;
  const created = await changing(ctx, async (tx) => {
    const members = await assertMembersProvisioned(
      tx,
      ctx,
      (input.members ?? []).map((m) => m.value),
    );
    const group = await tx.group.create({ data: { orgId: ctx.orgId, name: input.displayName, description: "Provisioned by your identity provider (SCIM)" }, select: { id: true } });
    await tx.scimGroup.create({ data: { groupId: group.id, orgId: ctx.orgId, externalId: input.externalId ?? null } });
    await setGroupMembers(tx, ctx, group.id, members);
    await recordAudit(tx, {
      action: "scim.group.created",
      orgId: ctx.orgId,
      actor: actorOf(ctx),
      target: { type: "group", id: group.id },
      meta: ctx,
      after: { name: input.displayName, members: members.length },
    });
    return { id: group.id };
  });
  return getGroup(ctx, created.id);
}

async function storedGroup(ctx: ScimCtx, id: string) {
  if (!UUID.safeParse(id).success) throw notFound(`Group ${id}`);
  const row = await db.scimGroup.findFirst({ where: { groupId: id, orgId: ctx.orgId }, select: { groupId: true, version: true, externalId: true, group: { select: { name: true } } } });
  if (!row) throw notFound(`Group ${id}`);
  return row;
}

/** A group's new members, worked out from its members as the writing transaction reads them (so a change made meanwhile in Tollgate is not undone). */
type MembersChange = (current: Set<string>) => Set<string>;

async function writeGroup(ctx: ScimCtx, row: { groupId: string; version: number }, change: { displayName?: string; externalId?: string | null; members?: MembersChange }, action: string) {
  await changing(ctx, async (tx) => {
    const bumped = await tx.scimGroup.updateMany({
      where: { groupId: row.groupId, orgId: ctx.orgId, version: row.version },
      data: { version: { increment: 1 }, ...(change.externalId !== undefined ? { externalId: change.externalId } : {}) },
    });
    if (bumped.count !== 1) throw new ScimError(412, "The resource changed meanwhile; read it again.");
    if (change.displayName !== undefined) await tx.group.update({ where: { id: row.groupId, orgId: ctx.orgId }, data: { name: change.displayName } });
    let counts = null;
    if (change.members) {
      // Members added in Tollgate stay valid; those the provider adds must be its active users.
      const current = new Set((await tx.groupMember.findMany({ where: { groupId: row.groupId }, select: { userId: true } })).map((m) => m.userId));
      const next = change.members(new Set(current));
      await assertMembersProvisioned(
        tx,
        ctx,
        [...next].filter((id) => !current.has(id)),
      );
      counts = await setGroupMembers(tx, ctx, row.groupId, [...next]);
    }
    await recordAudit(tx, {
      action,
      orgId: ctx.orgId,
      actor: actorOf(ctx),
      target: { type: "group", id: row.groupId },
      meta: ctx,
      after: { ...(change.displayName ? { name: change.displayName } : {}), ...(counts ?? {}) },
    });
    return {};
  });
  return getGroup(ctx, row.groupId);
}

export async function replaceGroup(ctx: ScimCtx, id: string, body: unknown, ifMatch: string | null) {
  const row = await storedGroup(ctx, id);
  assertVersion(`W/"${row.version}"`, ifMatch);
  const parsed = GroupInput.safeParse(body);
  if (!parsed.success) throw invalid(parsed.error);
  const members = new Set((parsed.data.members ?? []).map((m) => m.value));
  return writeGroup(ctx, row, { displayName: parsed.data.displayName, externalId: parsed.data.externalId ?? null, members: () => members }, "scim.group.replaced");
}

const memberValues = (value: unknown): string[] => {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.map((m) => (m && typeof m === "object" ? String((m as { value?: unknown }).value ?? "") : String(m)));
};

/**
 * Group PATCH: members added, removed (by `members[value eq "…"]`, or, as
 * Entra sends it, with the members in `value`) or replaced; displayName and
 * externalId replaced (also as a value object without a path, as Okta sends).
 */
export async function patchGroup(ctx: ScimCtx, id: string, body: unknown, ifMatch: string | null) {
  const operations = operationsOf(body);
  const row = await storedGroup(ctx, id);
  assertVersion(`W/"${row.version}"`, ifMatch);
  // The member operations are kept in order and applied to the members the write reads, inside its transaction.
  const memberSteps: MembersChange[] = [];
  const step = (apply: (members: Set<string>) => Set<string> | void) => memberSteps.push((members) => apply(members) ?? members);
  const change: { displayName?: string; externalId?: string | null } = {};
  for (const { op, path, value } of operations) {
    const target = path?.trim();
    const filtered = target ? /^members\[\s*value\s+eq\s+"([^"]+)"\s*\]$/i.exec(target) : null;
    if (filtered) {
      if (op !== "remove") throw new ScimError(400, `Operations: ${op} on a filtered members path is not supported`, "invalidPath");
      const userId = filtered[1]!;
      step((members) => void members.delete(userId));
    } else if (target?.toLowerCase() === "members") {
      const values = memberValues(value);
      if (op === "add") step((members) => values.forEach((v) => members.add(v)));
      else if (op === "remove") step((members) => (values.length ? values : [...members]).forEach((v) => members.delete(v)));
      else step(() => new Set(values));
    } else if (target?.toLowerCase() === "displayname" || target?.toLowerCase() === "externalid") {
      if (op === "remove") throw new ScimError(400, `Operations: ${target} cannot be removed`, "mutability");
      if (target.toLowerCase() === "displayname") change.displayName = GroupInput.shape.displayName.parse(value);
      else change.externalId = value === null ? null : String(value);
    } else if (!target && op !== "remove" && value && typeof value === "object") {
      const v = value as Record<string, unknown>;
      for (const [key, item] of Object.entries(v)) {
        if (key.toLowerCase() === "displayname") change.displayName = GroupInput.shape.displayName.parse(item);
        else if (key.toLowerCase() === "externalid") change.externalId = item === null ? null : String(item);
        else if (key.toLowerCase() === "members") {
          const values = memberValues(item);
          if (op === "add") step((members) => values.forEach((m) => members.add(m)));
          else step(() => new Set(values));
        } else if (key !== "id" && key !== "schemas") throw new ScimError(400, `Operations: unknown attribute ${key}`, "invalidPath");
      }
    } else {
      throw new ScimError(400, `Operations: unsupported path ${target ?? "(none)"}`, "invalidPath");
    }
  }
  const members: MembersChange | undefined = memberSteps.length ? (current) => memberSteps.reduce((set, apply) => apply(set), current) : undefined;
  return writeGroup(ctx, row, { ...change, ...(members ? { members } : {}) }, "scim.group.patched");
}

export async function deleteGroup(ctx: ScimCtx, id: string, ifMatch: string | null) {
  const row = await storedGroup(ctx, id);
  assertVersion(`W/"${row.version}"`, ifMatch);
  await changing(ctx, async (tx) => {
    await tx.grant.deleteMany({ where: { orgId: ctx.orgId, groupId: row.groupId } });
    await tx.group.delete({ where: { id: row.groupId, orgId: ctx.orgId } });
    await recordAudit(tx, { action: "scim.group.deleted", orgId: ctx.orgId, actor: actorOf(ctx), target: { type: "group", id: row.groupId }, meta: ctx, before: { name: row.group.name } });
    return {};
  });
}
