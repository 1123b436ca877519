// Bearer API key -> the key's principal, served from the organization's
// index (revocation invalidates it everywhere through authzTransaction).
// Unknown public ids are cached as misses briefly, so floods of bad keys do
// not reach the database.
import { db } from "../db.ts";
import { Unauthenticated } from "../errors.ts";
import { freshOrgIndex, getOrgIndex, onAuthzChange } from "../authz/org-index-cache.ts";
import type { IndexedApiKey, OrgIndex } from "../authz/org-index.ts";
import { displayKey, parseKey, secretMatches } from "./key-format.ts";

const MISS_TTL_MS = 1_000;
// `verified` remembers which full key strings matched which index entry, so a
// repeat request skips the HMAC; a reloaded index has new entries, so any
// change to the key (revocation included) forces a fresh comparison.
type State = { orgOf: Map<string, string>; misses: Map<string, number>; verified: Map<string, IndexedApiKey>; subscribed: boolean };
const state: State = ((globalThis as { __tollgateKeyLookup?: State }).__tollgateKeyLookup ??= { orgOf: new Map(), misses: new Map(), verified: new Map(), subscribed: false });
state.verified ??= new Map();
if (!state.subscribed) {
  state.subscribed = true;
  onAuthzChange(() => state.misses.clear());
}

export type ApiKeyPrincipal = { type: "api_key"; keyId: string; orgId: string; projectId: string | null; authz: OrgIndex };
/** An instance-admin key: belongs to no organization, may act in any (provisioning). */
export type InstanceKeyPrincipal = { type: "instance_key"; keyId: string; name: string; display: string };

const invalid = (code: string, message: string) => new Unauthenticated(code, message);

async function orgOfPublicId(publicId: string): Promise<string | null> {
  const known = state.orgOf.get(publicId);
  if (known) return known;
  const missedAt = state.misses.get(publicId);
  if (missedAt && Date.now() - missedAt < MISS_TTL_MS) return null;
  const row = await db.apiKey.findUnique({ where: { publicId }, select: { orgId: true } });
  if (!row || !row.orgId) {
    if (state.misses.size > 100_000) state.misses.clear();
    state.misses.set(publicId, Date.now());
    return null;
  }
  state.orgOf.set(publicId, row.orgId); // a key never changes organization
  return row.orgId;
}

export function bearerToken(header: string | undefined | null): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

function parse(key: string | null) {
  if (!key) throw invalid("missing_api_key", "Send an API key as `Authorization: Bearer <key>`.");
  const parsed = parseKey(key);
  if (!parsed) throw invalid("malformed_api_key", "This is not a Tollgate API key.");
  return parsed;
}

/** Verifies a full key string; throws Unauthenticated with a reason code. */
export async function authenticateApiKey(key: string | null, now = Date.now()): Promise<ApiKeyPrincipal> {
  const parsed = parse(key);
  const orgId = await orgOfPublicId(parsed.publicId);
  return principalFor(parsed, orgId ? await getOrgIndex(orgId) : null, now);
}

/** The same, without a single await when the key's organization is cached (the hot path); null otherwise. */
export function authenticateApiKeyCached(key: string | null, now = Date.now()): ApiKeyPrincipal | null {
  const remembered = key ? state.verified.get(key) : undefined;
  if (remembered) {
    const orgId = state.orgOf.get(remembered.publicId);
    const index = orgId ? freshOrgIndex(orgId) : undefined;
    if (index && index.apiKeysByPublicId.get(remembered.publicId) === remembered && !remembered.revoked && (remembered.expiresAtMs === null || now < remembered.expiresAtMs)) {
      return { type: "api_key", keyId: remembered.id, orgId: index.orgId, projectId: remembered.projectId, authz: index };
    }
  }
  const parsed = parse(key);
  const orgId = state.orgOf.get(parsed.publicId);
  const index = orgId ? freshOrgIndex(orgId) : undefined;
  return index ? principalFor(parsed, index, now) : null;
}

function principalFor(parsed: { publicId: string; secret: string }, index: OrgIndex | null, now: number): ApiKeyPrincipal {
  const entry = index?.apiKeysByPublicId.get(parsed.publicId);
  if (!index || !entry || !secretMatches(parsed.secret, entry.secretHash)) throw invalid("invalid_api_key", "This API key is not valid.");
  if (state.verified.size > 10_000) state.verified.clear();
  state.verified.set(`tg_live_${parsed.publicId}_${parsed.secret}`, entry);
  if (entry.revoked) throw invalid("revoked_api_key", "This API key was revoked.");
  if (entry.expiresAtMs !== null && now >= entry.expiresAtMs) throw invalid("expired_api_key", "This API key has expired.");
  return { type: "api_key", keyId: entry.id, orgId: index.orgId, projectId: entry.projectId, authz: index };
}

/**
 * Any key: an organization's key, or an instance-admin key. Instance keys are
 * rare and used for provisioning, so they are read from the database on each
 * request (revocation is immediate).
 */
export async function authenticateAnyKey(key: string | null, now = Date.now()): Promise<ApiKeyPrincipal | InstanceKeyPrincipal> {
  const parsed = parse(key);
  if (await orgOfPublicId(parsed.publicId)) return authenticateApiKey(key, now);
  const row = await db.apiKey.findUnique({
    where: { publicId: parsed.publicId },
    select: { id: true, name: true, lastFour: true, secretHash: true, isInstanceAdmin: true, orgId: true, revokedAt: true, expiresAt: true },
  });
  if (!row || row.orgId || !row.isInstanceAdmin || !secretMatches(parsed.secret, Buffer.from(row.secretHash, "hex"))) throw invalid("invalid_api_key", "This API key is not valid.");
  if (row.revokedAt) throw invalid("revoked_api_key", "This API key was revoked.");
  if (row.expiresAt && now >= row.expiresAt.getTime()) throw invalid("expired_api_key", "This API key has expired.");
  return { type: "instance_key", keyId: row.id, name: row.name, display: displayKey(parsed.publicId, row.lastFour) };
}
