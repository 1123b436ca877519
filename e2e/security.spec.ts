import { expect, test } from "@playwright/test";
import pg from "pg";
import { callServerAction, ownerWithOrg, serverActions } from "./helpers";

async function orgState(slug: string) {
  const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  try {
    const org = await client.query(`SELECT id, name, slug FROM "Organization" WHERE slug = $1`, [slug]);
    const id = org.rows[0]?.id;
    const counts = await client.query(
      `SELECT (SELECT count(*) FROM "Membership" WHERE "orgId" = $1) AS members,
              (SELECT count(*) FROM "Invitation" WHERE "orgId" = $1) AS invitations,
              (SELECT count(*) FROM "AuditEvent" WHERE "orgId" = $1) AS audit,
              (SELECT count(*) FROM "User" WHERE email LIKE '%@evil.example') AS attackers,
              (SELECT count(*) FROM "Organization" WHERE slug IN ('evil-org', 'pwned')) AS "attackerOrgs",
              (SELECT count(*) FROM "Session" s JOIN "Membership" m ON m."userId" = s."userId" WHERE m."orgId" = $1 AND s."revokedAt" IS NOT NULL) AS revoked`,
      [id],
    );
    return { org: org.rows[0], ...counts.rows[0] };
  } finally {
    await client.end();
  }
}

test("health and readiness answer JSON", async ({ request }) => {
  const health = await request.get("/api/health");
  expect(health.status()).toBe(200);
  expect(await health.json()).toMatchObject({ status: "ok" });
  const ready = await request.get("/api/ready");
  expect(ready.status()).toBe(200);
  expect(await ready.json()).toEqual({ status: "ready" });
  expect((await request.post("/api/health")).status()).toBe(405);
});

test("a cross-site or null-origin post to every state-changing endpoint is refused and changes nothing", async ({ browser, playwright }) => {
  const victim = await ownerWithOrg(browser, "csrf");
  const cookies = (await victim.context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  const before = await orgState(victim.slug);
  const actions = serverActions();
  expect(actions.map((a) => a.name)).toEqual(expect.arrayContaining(["signUpAction", "createOrganizationAction", "deleteOrganizationAction", "inviteMemberAction"]));
  const request = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  const argsFor: Record<string, unknown[]> = {
    signUpAction: [{ name: "Mallory", email: "mallory@evil.example", password: "mallory's long password" }],
    createOrganizationAction: [{ name: "Evil", slug: "evil-org" }],
    acceptInvitationAction: ["x".repeat(43)],
    revokeSessionAction: ["00000000-0000-0000-0000-000000000000"],
    revokeAllSessionsAction: [undefined],
    deleteOrganizationAction: [victim.slug, { confirmSlug: victim.slug }],
    renameOrganizationAction: [victim.slug, { name: "Pwned", slug: "pwned" }],
    inviteMemberAction: [victim.slug, { email: "mallory@evil.example", roleId: "00000000-0000-0000-0000-000000000000" }],
    leaveOrganizationAction: [victim.slug, undefined],
  };
  for (const origin of ["https://evil.example", "null"]) {
    for (const action of actions) {
      const args = argsFor[action.name] ?? [victim.slug, {}];
      const res = await callServerAction(request, action, victim.slug, args, { Origin: origin, Cookie: cookies });
      expect(res.status(), `${action.name} with Origin ${origin}`).toBe(403);
    }
    for (const path of ["/api/auth/signout", "/api/auth/callback/credentials"]) {
      const res = await request.post(path, { headers: { Origin: origin, Cookie: cookies }, form: { email: victim.email, password: "x" }, maxRedirects: 0 });
      expect(res.status(), `${path} with Origin ${origin}`).toBe(403);
    }
  }
  expect(await orgState(victim.slug)).toEqual(before);
  // Still signed in: the session survived the forged sign-out.
  await victim.page.goto(`/${victim.slug}/settings`);
  await expect(victim.page.getByLabel("Name")).toHaveValue(before.org.name);
  await request.dispose();
  await victim.context.close();
});

test("another organization's pages are 404 and its actions change nothing", async ({ browser, playwright }) => {
  const a = await ownerWithOrg(browser, "tenant-a");
  const b = await ownerWithOrg(browser, "tenant-b");
  const groupOfA = await orgState(a.slug).then(async (s) => {
    const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
    await client.connect();
    const { rows } = await client.query(`INSERT INTO "Group" (id, "orgId", name, "updatedAt") VALUES (gen_random_uuid(), $1, 'Secret team', now()) RETURNING id`, [s.org.id]);
    await client.end();
    return rows[0].id as string;
  });
  for (const path of ["members", "projects", "groups", `groups/${groupOfA}`, "roles", "access", "api-keys", "decisions", "audit", "settings", ""]) {
    const res = await b.page.goto(`/${a.slug}/${path}`);
    expect(res?.status(), `/${a.slug}/${path}`).toBe(404);
  }
  const before = await orgState(a.slug);
  const cookies = (await b.context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  const origin = new URL(test.info().project.use.baseURL!).origin;
  const request = await playwright.request.newContext({ baseURL: origin });
  const orgActions = serverActions().filter((x) => x.file.includes("[org]"));
  expect(orgActions.length).toBeGreaterThanOrEqual(8);
  for (const action of orgActions) {
    const args = [
      a.slug,
      {
        name: "Pwned",
        slug: "pwned",
        confirmSlug: a.slug,
        email: "x@evil.example",
        roleId: "00000000-0000-0000-0000-000000000000",
        membershipId: "00000000-0000-0000-0000-000000000000",
        invitationId: "00000000-0000-0000-0000-000000000000",
      },
    ];
    const res = await callServerAction(request, action, b.slug, args, { Origin: origin, Cookie: cookies });
    const body = await res.text();
    expect(body, action.name).toContain('"code":"organization_not_found"');
  }
  expect(await orgState(a.slug)).toEqual(before);
  await request.dispose();
  await a.context.close();
  await b.context.close();
});

test("x-middleware-subrequest gains nothing", async ({ request, browser }) => {
  const { slug, context } = await ownerWithOrg(browser, "mw");
  const res = await request.get(`/${slug}/members`, {
    headers: { "x-middleware-subrequest": "middleware:middleware:middleware:middleware:middleware" },
    maxRedirects: 0,
  });
  expect(res.status()).toBe(307);
  expect(res.headers()["location"]).toContain("/sign-in");
  for (const path of ["/account", "/admin", "/admin/outbox", "/orgs/new", `/${slug}/audit`, `/${slug}/settings`]) {
    const signedOut = await request.get(path, { maxRedirects: 0 });
    expect(signedOut.status(), path).toBe(307);
    expect(signedOut.headers()["location"], path).toContain("/sign-in");
  }
  await context.close();
});

test("session cookies are HttpOnly and SameSite=Lax", async ({ browser }) => {
  const { context } = await ownerWithOrg(browser, "cookie");
  const session = (await context.cookies()).find((c) => c.name.endsWith("next-auth.session-token"));
  expect(session).toBeDefined();
  expect(session!.httpOnly).toBe(true);
  expect(session!.sameSite).toBe("Lax");
  await context.close();
});

test("server actions refuse NUL characters and unpaired surrogates with a clear error, changing nothing", async ({ browser, playwright }) => {
  const { context, slug } = await ownerWithOrg(browser, "text");
  const cookies = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  const origin = new URL(test.info().project.use.baseURL!).origin;
  const request = await playwright.request.newContext({ baseURL: origin });
  const create = serverActions().find((a) => a.name === "createOrganizationAction")!;
  const rename = serverActions().find((a) => a.name === "renameOrganizationAction")!;
  for (const name of ["Evil\u0000Org", "Evil\ud800Org"]) {
    const created = await callServerAction(request, create, slug, [{ name, slug: "nul-org" }], { Origin: origin, Cookie: cookies });
    expect(await created.text()).toContain('"code":"invalid_text"');
    const renamed = await callServerAction(request, rename, slug, [slug, { name, slug }], { Origin: origin, Cookie: cookies });
    expect(await renamed.text()).toContain('"code":"invalid_text"');
  }
  const state = await orgState(slug);
  expect(state.org.name).not.toContain("Evil");
  const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  expect((await client.query(`SELECT count(*)::int AS n FROM "Organization" WHERE slug = 'nul-org'`)).rows[0].n).toBe(0);
  await client.end();
  await request.dispose();
  await context.close();
});
