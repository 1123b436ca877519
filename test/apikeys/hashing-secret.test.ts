// API keys are hashed with a secret of their own (TOLLGATE_API_KEY_SECRET),
// not NEXTAUTH_SECRET: changing the session secret leaves keys working, the
// hashing secret rotates (the old one listed in TOLLGATE_API_KEY_SECRET_PREVIOUS)
// with keys re-hashed on use, and hashes made before versioning still verify.
// Other secrets mean other processes: app processes started with their own environment.
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac, hkdfSync } from "node:crypto";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { createApiKey, rotateApiKey } from "../../lib/apikeys/api-keys.ts";
import { buildKeyring, hashSecret } from "../../lib/secrets/key-hashing.ts";
import { parseKey } from "../../lib/apikeys/key-format.ts";
import { flushKeyUsage } from "../../lib/apikeys/key-usage.ts";
import { authzTransaction } from "../../lib/authz/org-index-cache.ts";
import { db } from "../../lib/db.ts";
import { createTestOrg } from "../helpers.ts";
import { policyRequest, useMachineServer } from "./http.ts";

const { call } = useMachineServer();
const NEW_SECRET = "rotated-api-key-hashing-secret-of-32-characters";
const OTHER_SESSION_SECRET = "a-different-nextauth-secret-of-32-characters";

type AppProcess = { url: string; child: ChildProcess; exited: Promise<unknown> };
const running = new Set<AppProcess>();
afterAll(() => {
  for (const p of running) p.child.kill("SIGTERM");
});

/** An API-only app process (as `npm start` serves the API) with these variables changed. */
function startApp(env: Record<string, string>): Promise<AppProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/api-process.ts"], {
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`api process exited with ${code}`)));
    createInterface({ input: child.stdout! }).once("line", (line) => {
      const app = { url: `http://127.0.0.1:${JSON.parse(line).port}`, child, exited };
      running.add(app);
      resolve(app);
    });
  });
}

/** Stops the process the way a restart does: it writes what it gathered (usage, re-hashes) first. */
async function stopApp(app: AppProcess) {
  app.child.kill("SIGTERM");
  await app.exited;
  running.delete(app);
}

async function policyStatus(app: AppProcess, key: string) {
  const res = await fetch(`${app.url}/api/v1/api-key-policy`, { headers: { authorization: `Bearer ${key}` } });
  const body = (await res.json()) as { error?: { code: string } };
  return { status: res.status, code: body.error?.code };
}

const secretOf = (key: string) => parseKey(key)!.secret;
const storedHash = async (id: string) => (await db.apiKey.findUniqueOrThrow({ where: { id }, select: { secretHash: true } })).secretHash;
/** The hash as keys were stored before versioning: HMAC keyed by HKDF(NEXTAUTH_SECRET). */
const legacyHash = (secret: string) =>
  createHmac("sha256", Buffer.from(hkdfSync("sha256", process.env.NEXTAUTH_SECRET!, "tollgate", "api-key-hmac-v1", 32)))
    .update(secret)
    .digest("hex");

async function readerKeys(n: number) {
  const { owner, org } = await createTestOrg({ slugPrefix: "hashing" });
  const keys = [];
  for (let i = 0; i < n; i++) keys.push(await createApiKey(owner, { name: `reader ${i}`, permissions: ["apikeys:read"] }));
  return { owner, org, keys };
}

describe("the API key hashing secret", () => {
  it("keeps keys working when NEXTAUTH_SECRET changes", { timeout: 60_000 }, async () => {
    const { keys } = await readerKeys(1);
    const app = await startApp({ NEXTAUTH_SECRET: OTHER_SESSION_SECRET });
    try {
      expect(await policyStatus(app, keys[0]!.key)).toEqual({ status: 200, code: undefined });
    } finally {
      await stopApp(app);
    }
  });

  it("rotates: with the old secret listed as previous, keys keep working and are re-hashed; without it, keys not re-hashed are invalid", { timeout: 90_000 }, async () => {
    const { keys } = await readerKeys(2);
    const [used, unused] = keys as [(typeof keys)[0], (typeof keys)[0]];
    const before = await storedHash(unused.apiKey.id);

    const rotating = await startApp({ TOLLGATE_API_KEY_SECRET: NEW_SECRET, TOLLGATE_API_KEY_SECRET_PREVIOUS: process.env.TOLLGATE_API_KEY_SECRET! });
    try {
      expect(await policyStatus(rotating, used.key)).toEqual({ status: 200, code: undefined });
    } finally {
      await stopApp(rotating);
    }
    const newRing = buildKeyring({ current: NEW_SECRET });
    expect(await storedHash(used.apiKey.id)).toBe(hashSecret(secretOf(used.key), newRing));
    expect(await storedHash(unused.apiKey.id)).toBe(before);

    const rotated = await startApp({ TOLLGATE_API_KEY_SECRET: NEW_SECRET, TOLLGATE_API_KEY_SECRET_PREVIOUS: "" });
    try {
      expect(await policyStatus(rotated, used.key)).toEqual({ status: 200, code: undefined });
      expect(await policyStatus(rotated, unused.key)).toEqual({ status: 401, code: "invalid_api_key" });
    } finally {
      await stopApp(rotated);
    }
  });

  it("verifies a key hashed before versioning (keyed by NEXTAUTH_SECRET) and re-hashes it, so it then survives a change of NEXTAUTH_SECRET", { timeout: 60_000 }, async () => {
    const { org, keys } = await readerKeys(1);
    const { key, apiKey } = keys[0]!;
    await authzTransaction(org.id, (tx) => tx.apiKey.update({ where: { id: apiKey.id }, data: { secretHash: legacyHash(secretOf(key)) } }));
    expect((await policyRequest(call, key)).status).toBe(200);
    await flushKeyUsage();
    expect(await storedHash(apiKey.id)).toBe(hashSecret(secretOf(key)));

    const app = await startApp({ NEXTAUTH_SECRET: OTHER_SESSION_SECRET });
    try {
      expect(await policyStatus(app, key)).toEqual({ status: 200, code: undefined });
    } finally {
      await stopApp(app);
    }
  });

  it("re-hashes the secret a rotation replaced when it is used in its overlap window", async () => {
    const { owner, org, keys } = await readerKeys(1);
    const { key: oldKey, apiKey } = keys[0]!;
    const { key: newKey } = await rotateApiKey(owner, { apiKeyId: apiKey.id, overlapHours: 1 });
    await authzTransaction(org.id, (tx) => tx.apiKey.update({ where: { id: apiKey.id }, data: { previousSecretHash: legacyHash(secretOf(oldKey)) } }));
    expect((await policyRequest(call, oldKey)).status).toBe(200);
    await flushKeyUsage();
    const row = await db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id }, select: { secretHash: true, previousSecretHash: true } });
    expect(row).toEqual({ secretHash: hashSecret(secretOf(newKey)), previousSecretHash: hashSecret(secretOf(oldKey)) });
    expect((await policyRequest(call, newKey)).status).toBe(200);
  });
});
