// POST /api/v1/keys/verify: the customer's own services ask whether a key
// presented to them is good, like Unkey's verify. The asking key needs
// apikeys:verify; keys of other organizations are simply not valid, so the
// answer never tells one tenant about another's keys.
import { z } from "zod";
import { authorize } from "../authz/authorize.ts";
import type { IndexedApiKey } from "../authz/org-index.ts";
import { isValidIp } from "../authz/cidr.ts";
import { Forbidden } from "../errors.ts";
import type { OrgCtx } from "../context.ts";
import { admitKey, auditKeyFailure, checkKeyAfterLoading, checkKeyCached, type KeyCheck, type KeyFailureCode } from "./authenticate-api-key.ts";

export const VerifyKeyInput = z.strictObject({
  key: z.string().min(1, "key: send the key to verify").max(200, "key: too long to be an API key"),
  /** The address the key was presented from, checked against the key's IP allow list. */
  ip: z.string().trim().max(64).refine(isValidIp, "must be an IPv4 or IPv6 address").optional(),
});
export type VerifyKeyInput = z.infer<typeof VerifyKeyInput>;

export type VerifyResult = {
  valid: boolean;
  keyId: string | null;
  orgId: string | null;
  projectId: string | null;
  name: string | null;
  permissions: string[];
  expiresAt: string | null;
  reason: KeyFailureCode | null;
  retryAfterSeconds?: number;
};

const sortedPermissions = new WeakMap<IndexedApiKey, string[]>();
function permissionsOf(entry: IndexedApiKey) {
  let list = sortedPermissions.get(entry);
  if (!list) sortedPermissions.set(entry, (list = [...entry.permissions].sort()));
  return list;
}

function answer(check: KeyCheck, callerOrgId: string): VerifyResult {
  // A wrong secret proves nothing about the key: its details stay hidden.
  const entry = check.entry && check.index?.orgId === callerOrgId && (check.ok || check.code !== "invalid_api_key") ? check.entry : undefined;
  const reason = check.ok ? null : entry || check.code === "malformed_api_key" ? check.code : "invalid_api_key";
  return {
    valid: check.ok,
    keyId: entry?.id ?? null,
    orgId: entry ? callerOrgId : null,
    projectId: entry?.projectId ?? null,
    name: entry?.name ?? null,
    permissions: entry && check.ok ? permissionsOf(entry) : [],
    expiresAt: entry?.expiresAtMs != null ? new Date(entry.expiresAtMs).toISOString() : null,
    reason,
    ...(!check.ok && check.code === "rate_limited" ? { retryAfterSeconds: check.retryAfterSeconds } : {}),
  };
}

export async function verifyKey(ctx: OrgCtx, input: VerifyKeyInput): Promise<VerifyResult> {
  const caller = ctx;
  const asking = authorize(ctx, "apikeys:verify", undefined, "verify-api");
  if (!asking.allowed) throw new Forbidden("forbidden", `This key needs the apikeys:verify permission: ${asking.reason}`);

  const ip = input.ip ?? ctx.ip;
  let check = checkKeyCached(input.key, ip) ?? (await checkKeyAfterLoading(input.key, ip));
  if (check.ok && check.index.orgId !== caller.orgId) check = { ok: false, code: "invalid_api_key" };
  if (check.ok) {
    const admitted = admitKey(check, ip);
    check = admitted instanceof Promise ? await admitted : admitted;
  }
  // Refusals are audited in the asking organization; another tenant's key is just "invalid" there.
  if (!check.ok) auditKeyFailure(check.index && check.index.orgId !== caller.orgId ? { ok: false, code: "invalid_api_key" } : check, { ip, userAgent: ctx.userAgent }, "verify", caller.orgId);
  return answer(check, caller.orgId);
}
