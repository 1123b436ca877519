import { expect, test, type BrowserContext } from "@playwright/test";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { createOrg, expectAccessible, orgIdOf, ownerWithOrg, signUpInstanceAdmin } from "./helpers";
import { expectDestructiveConfirmation, expectUxRules } from "./ux-rules";

const SIGNED_OUT_PAGES = [
  "/sign-in",
  "/sign-up",
  "/forgot-password",
  `/reset-password/${"x".repeat(43)}`,
  `/verify-email/${"x".repeat(43)}`,
  "/invite/not-a-real-token-but-long-enough-000",
  "/portal",
  "/no-such-page/at-all",
  "/docs/api",
];

for (const path of SIGNED_OUT_PAGES) {
  test(`signed out: ${path.slice(0, 40)} passes axe`, async ({ page }) => {
    await page.goto(path);
    // The page's own heading (the API reference adds Swagger UI's title, another h1, once it has rendered).
    await expect(page.locator("h1").first()).toBeVisible();
    // The API reference renders in the browser: axe looks once it has.
    if (path === "/docs/api") await expect(page.locator(".opblock").first()).toBeVisible({ timeout: 45_000 });
    await expectAccessible(page);
    await page.screenshot({ path: test.info().outputPath(`pages/signed-out/${path.replace(/^\//, "").replaceAll("/", "-").slice(0, 60) || "home"}.png`), fullPage: true });
  });
}

/**
 * One of each thing a page lists, so that the sweep sees rows, their actions
 * and their destructive buttons: a project, a group with a member, a second
 * member, a custom role, a grant, an API key, a pending invitation and a
 * second session.
 */
async function seedOrganization(orgId: string, ownerEmail: string) {
  const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  try {
    await client.query(
      `WITH owner AS (SELECT id FROM "User" WHERE email = $2),
            viewer AS (SELECT id FROM "Role" WHERE "orgId" IS NULL AND key = 'viewer'),
            member AS (INSERT INTO "User" (id, email, name, "emailVerifiedAt", "updatedAt") VALUES (gen_random_uuid(), 'sweep-member-' || substr(md5($1::text), 1, 8) || '@e2e.test', 'Sweep Member', now(), now()) RETURNING id),
            joined AS (INSERT INTO "Membership" (id, "orgId", "userId", "roleId", "updatedAt") SELECT gen_random_uuid(), $1::uuid, member.id, viewer.id, now() FROM member, viewer RETURNING "userId"),
            project AS (INSERT INTO "Project" (id, "orgId", name, slug, "updatedAt") VALUES (gen_random_uuid(), $1::uuid, 'Web app', 'web-app', now()) RETURNING id),
            custom AS (INSERT INTO "Role" (id, "orgId", key, name, permissions, "updatedAt") VALUES (gen_random_uuid(), $1::uuid, 'support-agent', 'Support agent', '{members:read,audit:read}', now()) RETURNING id),
            grp AS (INSERT INTO "Group" (id, "orgId", name, "updatedAt") VALUES (gen_random_uuid(), $1::uuid, 'Support', now()) RETURNING id),
            grouped AS (INSERT INTO "GroupMember" ("groupId", "userId", "orgId") SELECT grp.id, joined."userId", $1::uuid FROM grp, joined RETURNING "groupId"),
            granted AS (INSERT INTO "Grant" (id, "orgId", "roleId", "groupId", "projectId", "ipCidrs") SELECT gen_random_uuid(), $1::uuid, viewer.id, grp.id, project.id, '{}' FROM viewer, grp, project RETURNING id),
            keyed AS (INSERT INTO "ApiKey" (id, "orgId", name, "publicId", "secretHash", "lastFour", permissions, "createdById") SELECT gen_random_uuid(), $1::uuid, 'Backend', 'sweep' || substr(md5($1::text), 1, 12), 'not-a-usable-hash', 'abcd', '{authz:check}', owner.id FROM owner RETURNING id),
            invited AS (INSERT INTO "Invitation" (id, "orgId", email, "roleId", "tokenHash", "expiresAt", "invitedById") SELECT gen_random_uuid(), $1::uuid, 'sweep-invitee@e2e.test', viewer.id, md5($1::text || 'invitation'), now() + interval '7 days', owner.id FROM viewer, owner RETURNING id)
       INSERT INTO "Session" (id, "userId", "userAgent", "expiresAt") SELECT gen_random_uuid(), owner.id, 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1', now() + interval '1 day' FROM owner, grouped, granted, keyed, invited, custom`,
      [orgId, ownerEmail],
    );
    // Other processes learn of the change as from any write (the org's authorization version).
    await client.query(`SELECT pg_notify('tollgate_authz', $1)`, [orgId]);
    const { rows } = await client.query(`SELECT id FROM "Group" WHERE "orgId" = $1`, [orgId]);
    return { groupId: rows[0].id as string };
  } finally {
    await client.end();
  }
}

type Sweep = { context: BrowserContext; slug: string; orgId: string; groupId: string; userPage: string };
/** `destructive`: whether the page (with the seeded rows) has a destructive action to confirm; not said for instance-wide pages, which list what other specs made. */
type SweptPage = { name: string; path: (sweep: Sweep) => string; destructive?: boolean };

const section = (name: string, destructive: boolean): SweptPage => ({ name, path: ({ slug }) => `/${slug}/${name}`, destructive });
/** Every signed-in page. */
const SIGNED_IN_PAGES: SweptPage[] = [
  section("members", true),
  section("projects", true),
  section("groups", false),
  { name: "group", path: ({ slug, groupId }) => `/${slug}/groups/${groupId}`, destructive: true },
  section("roles", true),
  section("access", true),
  section("api-keys", true),
  section("decisions", false),
  section("audit", false),
  section("usage", false),
  section("billing", false),
  section("sso", false),
  section("settings", true),
  { name: "account", path: () => "/account", destructive: true },
  { name: "new organization", path: () => "/orgs/new", destructive: false },
  { name: "admin: organizations", path: () => "/admin" },
  { name: "admin: organization", path: ({ orgId }) => `/admin/organizations/${orgId}` },
  { name: "admin: users", path: () => "/admin/users" },
  { name: "admin: user", path: ({ userPage }) => userPage },
  { name: "admin: permissions", path: () => "/admin/permissions" },
  { name: "admin: provisioning keys", path: () => "/admin/api-keys" },
  { name: "admin: meters", path: () => "/admin/meters" },
  { name: "admin: plans", path: () => "/admin/plans" },
  { name: "admin: jobs", path: () => "/admin/jobs" },
  { name: "admin: outbox", path: () => "/admin/outbox" },
];

test.describe("every signed-in page passes axe and the UX rules, on desktop and on a phone", () => {
  // One instance admin's seeded organization for all the pages. A failed test restarts the worker, and this runs again for the rest with a new one.
  let sweep: Sweep;
  test.beforeAll(async ({ browser }) => {
    const { context, page, email } = await signUpInstanceAdmin(browser, "a11y", "/admin/api-keys", "Provisioning keys");
    const slug = await createOrg(page, `a11y ${randomUUID().slice(0, 6)}`);
    const orgId = await orgIdOf(slug);
    const { groupId } = await seedOrganization(orgId, email);
    await page.goto(`/admin/users?q=${encodeURIComponent(email)}`);
    const userPage = await page.getByTestId(`user-row-${email}`).getByRole("link").getAttribute("href");
    await page.close();
    sweep = { context, slug, orgId, groupId, userPage: userPage! };
  });
  test.afterAll(async () => {
    await sweep?.context.close();
  });

  for (const swept of SIGNED_IN_PAGES) {
    test(swept.name, async () => {
      const page = await sweep.context.newPage();
      const path = swept.path(sweep);
      for (const viewport of [
        { width: 1280, height: 800 },
        { width: 390, height: 844 },
      ]) {
        await page.setViewportSize(viewport);
        await page.goto(path);
        await expect(page.locator("h1").first()).toBeVisible();
        await expectAccessible(page);
        await expectUxRules(page, `${path} at ${viewport.width}px`);
        // Destructive actions ask first, with a destructive confirmation.
        if (viewport.width > 1000) {
          const confirmed = await expectDestructiveConfirmation(page, path);
          if (swept.destructive !== undefined) expect(confirmed > 0, `${path}: has a destructive action to confirm`).toBe(swept.destructive);
        }
        // Kept in test-results/ for people to look at every page at both widths.
        const name = swept.name.replace(/[^a-z0-9]+/g, "-");
        await page.screenshot({ path: test.info().outputPath(`pages/${viewport.width}px/${name}.png`), fullPage: true });
      }
      await page.close();
    });
  }

  test("a dialog passes axe, and the instance admin sees every organization", async () => {
    const page = await sweep.context.newPage();
    await page.goto(`/${sweep.slug}/members`);
    await page.getByRole("button", { name: "Invite member" }).click();
    await expect(page.getByRole("dialog")).toBeVisible();
    await expectAccessible(page);
    await page.keyboard.press("Escape");
    await expect(page.getByRole("dialog")).toHaveCount(0);
    await page.goto("/admin");
    await expect(page.getByRole("table", { name: "All organizations" })).toContainText(sweep.slug);
    await page.close();
  });
});

test("the sidebar works from the keyboard, and a skip link goes past it", async ({ browser }) => {
  const { context, page, slug } = await ownerWithOrg(browser, "keys");
  await page.goto(`/${slug}/members`);
  // The first Tab reaches "Skip to content", which shows itself and moves focus to the page.
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press("Enter");
  await expect(page.locator("main#main")).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("main").locator(":focus")).toHaveCount(1);
  const switcher = page.getByRole("button", { name: /Switch organization/ });
  await switcher.focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("menuitem", { name: "New organization" })).toBeVisible();
  await page.keyboard.press("Escape");
  await page.getByRole("link", { name: "Settings" }).focus();
  await page.keyboard.press("Enter");
  await page.waitForURL(`**/${slug}/settings`);
  await context.close();
});
