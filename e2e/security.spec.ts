import { randomUUID } from "node:crypto";
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

/** Rows of each kind in an organization, made by SQL: real ids another tenant can try to reach. */
async function rowsOfEveryKind(slug: string) {
  const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  try {
    const one = async (sql: string, params: unknown[]) => (await client.query(sql, params)).rows[0].id as string;
    const org = await one(`SELECT id FROM "Organization" WHERE slug = $1`, [slug]);
    const owner = (await client.query(`SELECT id, "userId" FROM "Membership" WHERE "orgId" = $1`, [org])).rows[0] as { id: string; userId: string };
    const tag = randomUUID().slice(0, 8);
    const projectId = await one(`INSERT INTO "Project" (id, "orgId", name, slug, "updatedAt") VALUES (gen_random_uuid(), $1, 'Secret project', 'secret', now()) RETURNING id`, [org]);
    const roleId = await one(
      `INSERT INTO "Role" (id, "orgId", key, name, permissions, "updatedAt") VALUES (gen_random_uuid(), $1, 'secret-role', 'Secret role', '{projects:read}', now()) RETURNING id`,
      [org],
    );
    const groupId = await one(`INSERT INTO "Group" (id, "orgId", name, "updatedAt") VALUES (gen_random_uuid(), $1, 'Secret team', now()) RETURNING id`, [org]);
    await client.query(`INSERT INTO "GroupMember" ("groupId", "userId", "orgId") VALUES ($1, $2, $3)`, [groupId, owner.userId, org]);
    const apiKeyId = await one(
      `INSERT INTO "ApiKey" (id, "orgId", name, "publicId", "secretHash", "lastFour", permissions) VALUES (gen_random_uuid(), $1, 'Secret key', $2, 'not-a-hash', 'abcd', '{projects:read}') RETURNING id`,
      [org, `${tag}${tag}`],
    );
    const grantId = await one(`INSERT INTO "Grant" (id, "orgId", "roleId", "groupId", "projectId", "ipCidrs") VALUES (gen_random_uuid(), $1, $2, $3, $4, '{}') RETURNING id`, [
      org,
      roleId,
      groupId,
      projectId,
    ]);
    const invitationId = await one(
      `INSERT INTO "Invitation" (id, "orgId", email, "roleId", "tokenHash", "expiresAt") VALUES (gen_random_uuid(), $1, $2, $3, $4, now() + interval '7 days') RETURNING id`,
      [org, `invitee-${tag}@example.test`, roleId, `hash-${tag}`],
    );
    const connectionId = await one(
      `INSERT INTO "SsoConnection" (id, "orgId", protocol, name, "oidcIssuer", "oidcMetadata", "oidcClientId", "oidcClientSecretSealed", "updatedAt")
       VALUES (gen_random_uuid(), $1, 'oidc', 'Secret IdP', 'https://idp.example', '{"issuer":"https://idp.example","authorization_endpoint":"https://idp.example/a","token_endpoint":"https://idp.example/t","jwks_uri":"https://idp.example/k"}', 'client', 'v1.x.y', now()) RETURNING id`,
      [org],
    );
    const domainId = await one(`INSERT INTO "SsoDomain" (id, "orgId", domain, "verificationToken") VALUES (gen_random_uuid(), $1, $2, 'token') RETURNING id`, [org, `${tag}.example.test`]);
    const tokenId = await one(`INSERT INTO "ScimToken" (id, "orgId", name, "tokenHash", "lastFour") VALUES (gen_random_uuid(), $1, 'Secret SCIM', $2, 'abcd') RETURNING id`, [org, `scim-${tag}`]);
    const linkId = await one(
      `INSERT INTO "SetupLink" (id, "orgId", name, "tokenHash", "createdById", "expiresAt") VALUES (gen_random_uuid(), $1, 'Secret IT', $2, $3, now() + interval '1 day') RETURNING id`,
      [org, `setup-${tag}`, owner.userId],
    );
    return { orgId: org, userId: owner.userId, membershipId: owner.id, projectId, roleId, groupId, apiKeyId, grantId, invitationId, connectionId, domainId, tokenId, linkId };
  } finally {
    await client.end();
  }
}

/** Everything of an organization that its actions could change, to compare before and after. */
async function tenantRows(orgId: string) {
  const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  try {
    const rows: Record<string, unknown[]> = {};
    for (const table of ["Organization", "Membership", "Project", "Role", "Group", "GroupMember", "ApiKey", "Grant", "Invitation", "SsoConnection", "SsoDomain", "ScimToken", "SetupLink"]) {
      const column = table === "Organization" ? "id" : "orgId";
      rows[table] = (await client.query(`SELECT to_jsonb(t) AS row FROM "${table}" t WHERE "${column}" = $1 ORDER BY to_jsonb(t)::text`, [orgId])).rows;
    }
    return rows;
  } finally {
    await client.end();
  }
}

test("another organization's pages are 404 and its actions, given its real ids, change nothing", async ({ browser, playwright }) => {
  const a = await ownerWithOrg(browser, "tenant-a");
  const b = await ownerWithOrg(browser, "tenant-b");
  const ofA = await rowsOfEveryKind(a.slug);
  for (const path of ["members", "projects", "groups", `groups/${ofA.groupId}`, "roles", "access", "api-keys", "decisions", "audit", "sso", "settings", ""]) {
    const res = await b.page.goto(`/${a.slug}/${path}`);
    expect(res?.status(), `/${a.slug}/${path}`).toBe(404);
  }
  // A's group under B's own organization is not found either: a real 404, decided before the page streams.
  expect((await b.page.goto(`/${b.slug}/groups/${ofA.groupId}`))?.status()).toBe(404);
  await expect(b.page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await expect(b.page.getByText("Secret team")).toHaveCount(0);

  const before = await orgState(a.slug);
  const rowsBefore = await tenantRows(ofA.orgId);
  const cookies = (await b.context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  const origin = new URL(test.info().project.use.baseURL!).origin;
  const request = await playwright.request.newContext({ baseURL: origin });
  const orgActions = serverActions().filter((x) => x.file.includes("[org]"));
  expect(orgActions.length).toBeGreaterThanOrEqual(8);
  const idsOfA = {
    projectId: ofA.projectId,
    roleId: ofA.roleId,
    groupId: ofA.groupId,
    userId: ofA.userId,
    apiKeyId: ofA.apiKeyId,
    grantId: ofA.grantId,
    invitationId: ofA.invitationId,
    membershipId: ofA.membershipId,
    connectionId: ofA.connectionId,
    domainId: ofA.domainId,
    tokenId: ofA.tokenId,
    linkId: ofA.linkId,
    subject: { type: "group", id: ofA.groupId },
    permission: "projects:read",
  };
  // Naming A's organization: B is no member of it.
  for (const action of orgActions) {
    const args = [a.slug, { ...idsOfA, name: "Pwned", slug: "pwned", confirmSlug: a.slug, email: "x@evil.example" }];
    const res = await callServerAction(request, action, b.slug, args, { Origin: origin, Cookie: cookies });
    expect(await res.text(), action.name).toContain('"code":"organization_not_found"');
  }
  // In B's own organization, where B may do everything: A's ids are not found there.
  const withoutIdsOfA = [
    "createProjectAction",
    "createGroupAction",
    "createRoleAction",
    "renameOrganizationAction",
    "deleteOrganizationAction",
    "setDecisionRetentionAction",
    "updateApiKeyPolicyAction",
    "leaveOrganizationAction",
    // Billing acts on the caller's own organization; a plan key is the instance's, not A's.
    "startCheckoutAction",
    "openPortalAction",
    // A domain is named, not an id (a domain another organization verified is refused as taken).
    "addDomainAction",
    // A SCIM token is made in the caller's own organization, from a name.
    "createScimTokenAction",
    // A setup link is made in the caller's own organization, from a name.
    "createSetupLinkAction",
    "updateSecurityPolicyAction",
    // Exports read the caller's own organization's log; their filters select rows, they name none.
    "exportAuditAction",
    "exportDecisionsAction",
  ];
  const argsInB: Record<string, object> = {
    deleteProjectAction: { projectId: ofA.projectId },
    createGrantAction: { roleId: ofA.roleId, subject: { type: "group", id: ofA.groupId } },
    deleteGrantAction: { grantId: ofA.grantId },
    explainAccessAction: { userId: ofA.userId, permission: "projects:read" },
    createApiKeyAction: { name: "Pwned", roleId: ofA.roleId },
    rotateApiKeyAction: { apiKeyId: ofA.apiKeyId },
    revokeApiKeyAction: { apiKeyId: ofA.apiKeyId },
    keyUsageAction: { apiKeyId: ofA.apiKeyId },
    inviteMemberAction: { email: "x@evil.example", roleId: ofA.roleId },
    inviteMembersAction: { emails: ["x@evil.example", "y@evil.example"], roleId: ofA.roleId },
    resendInvitationAction: { invitationId: ofA.invitationId },
    revokeInvitationAction: { invitationId: ofA.invitationId },
    changeMemberRoleAction: { membershipId: ofA.membershipId, roleId: ofA.roleId },
    removeMemberAction: { membershipId: ofA.membershipId },
    updateRoleAction: { roleId: ofA.roleId, name: "Pwned" },
    deleteRoleAction: { roleId: ofA.roleId },
    deleteGroupAction: { groupId: ofA.groupId },
    addGroupMemberAction: { groupId: ofA.groupId, userId: ofA.userId },
    removeGroupMemberAction: { groupId: ofA.groupId, userId: ofA.userId },
    createConnectionAction: { protocol: "oidc", name: "Pwned", issuer: "https://idp.example", clientId: "c", clientSecret: "s", defaultRoleId: ofA.roleId },
    updateConnectionAction: { connectionId: ofA.connectionId, enabled: true },
    deleteConnectionAction: { connectionId: ofA.connectionId },
    testConnectionAction: { connectionId: ofA.connectionId },
    verifyDomainAction: { domainId: ofA.domainId },
    removeDomainAction: { domainId: ofA.domainId },
    updateSsoPolicyAction: { requireSso: false, breakGlassUserIds: [ofA.userId] },
    revokeScimTokenAction: { tokenId: ofA.tokenId },
    revokeSetupLinkAction: { linkId: ofA.linkId },
    endMemberSessionsAction: { userId: ofA.userId },
    createGroupMappingAction: { connectionId: ofA.connectionId, idpGroup: "x", groupId: ofA.groupId },
    deleteGroupMappingAction: { connectionId: ofA.connectionId, mappingId: ofA.connectionId },
  };
  for (const action of orgActions) {
    if (withoutIdsOfA.includes(action.name)) continue;
    expect(argsInB[action.name], `${action.name}: give it A's ids in argsInB, or list it in withoutIdsOfA`).toBeDefined();
    const res = await callServerAction(request, action, b.slug, [b.slug, argsInB[action.name]], { Origin: origin, Cookie: cookies });
    expect(await res.text(), action.name).toMatch(/"code":"[a-z_]+_not_found"/);
  }
  expect(await orgState(a.slug)).toEqual(before);
  expect(await tenantRows(ofA.orgId)).toEqual(rowsBefore);
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
