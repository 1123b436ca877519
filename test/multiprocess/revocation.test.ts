// Revocation and rotation seen by two separate app processes: each caches
// the organization's keys; a change made anywhere must reach both within 1 s.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, revokeApiKey, rotateApiKey } from "../../lib/apikeys/api-keys.ts";
import { flushDecisionLog } from "../../lib/authz/decision-log.ts";
import { deleteOrganization } from "../../lib/orgs/update-organization.ts";
import { createTestOrg, until } from "../helpers.ts";
import { countDecisions } from "../fixtures/logged-decisions.ts";

type AppProcess = { url: string; child: ChildProcess };
const processes: AppProcess[] = [];

function startProcess(): Promise<AppProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/api-process.ts"], {
    env: { ...process.env, LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`api process exited with ${code}`)));
    createInterface({ input: child.stdout! }).once("line", (line) => resolve({ url: `http://127.0.0.1:${JSON.parse(line).port}`, child }));
  });
}

beforeAll(async () => {
  processes.push(...(await Promise.all([startProcess(), startProcess()])));
}, 60_000);
afterAll(() => {
  for (const p of processes) p.child.kill("SIGTERM");
});

const check = (p: AppProcess, key: string, userId: string) =>
  fetch(`${p.url}/api/v1/authz/check`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ subject: { type: "user", id: userId }, permission: "members:read" }),
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as { error?: { code: string } } }));

/**
 * Polls every process until `done` holds for each; returns, for the slowest
 * process, when (after `since`) the first request that saw the change was
 * sent, so a slow answer on a loaded machine is not counted as slow propagation.
 */
async function timeUntilAll(since: number, done: (p: AppProcess) => Promise<boolean>, limitMs = 5_000) {
  const seenAt = new Map<AppProcess, number>();
  while (seenAt.size < processes.length && Date.now() - since < limitMs) {
    for (const p of processes) {
      if (seenAt.has(p)) continue;
      const sentAt = Date.now();
      if (await done(p)) seenAt.set(p, sentAt);
    }
    if (seenAt.size < processes.length) await new Promise((r) => setTimeout(r, 20));
  }
  expect(seenAt.size, "every process saw the change").toBe(processes.length);
  return Math.max(...[...seenAt.values()].map((t) => t - since));
}

describe("API keys across two app processes", () => {
  it("a revocation made elsewhere stops the key in every process within 1 s", async () => {
    const { owner } = await createTestOrg();
    const { key, apiKey } = await createApiKey(owner, { name: "shared", permissions: ["authz:check"] });
    const userId = owner.principal.type === "user" ? owner.principal.userId : "";
    // Both processes have the key cached and verified.
    for (const p of processes) for (let i = 0; i < 3; i++) expect((await check(p, key, userId)).status).toBe(200);

    await revokeApiKey(owner, { apiKeyId: apiKey.id });
    const elapsed = await timeUntilAll(Date.now(), async (p) => {
      const res = await check(p, key, userId);
      return res.status === 401 && res.body.error?.code === "revoked_api_key";
    });
    expect(elapsed).toBeLessThan(1_000);
  });

  it("a rotation without overlap stops the old secret in every process, and the new one works in both", async () => {
    const { owner } = await createTestOrg();
    const { key: oldKey, apiKey } = await createApiKey(owner, { name: "rotating", permissions: ["authz:check"] });
    const userId = owner.principal.type === "user" ? owner.principal.userId : "";
    for (const p of processes) expect((await check(p, oldKey, userId)).status).toBe(200);

    const { key: newKey } = await rotateApiKey(owner, { apiKeyId: apiKey.id, overlapHours: 0 });
    const elapsed = await timeUntilAll(Date.now(), async (p) => (await check(p, oldKey, userId)).body.error?.code === "rotated_api_key");
    expect(elapsed).toBeLessThan(1_000);
    for (const p of processes) expect((await check(p, newKey, userId)).status).toBe(200);
  });

  it("deleting an organization stops its keys in every process at once, and purges its decisions", async () => {
    const { owner, org } = await createTestOrg();
    const { key } = await createApiKey(owner, { name: "doomed", permissions: ["authz:check"] });
    const userId = owner.principal.type === "user" ? owner.principal.userId : "";
    for (const p of processes) expect((await check(p, key, userId)).status).toBe(200);
    await flushDecisionLog();
    expect(await countDecisions(org.id)).toBeGreaterThan(0);

    await deleteOrganization(owner, { confirmSlug: org.slug });
    const elapsed = await timeUntilAll(Date.now(), async (p) => (await check(p, key, userId)).status === 401);
    expect(elapsed).toBeLessThan(1_000);
    // Decisions the other processes still had buffered are swept shortly after.
    await until("no decision of the deleted organization is left", async () => (await countDecisions(org.id)) === 0);
  });
});
