import { expect, test } from "@playwright/test";
import pg from "pg";
import { expectAccessible, orgIdOf, ownerWithOrg } from "./helpers";
import { expectDestructiveConfirmation, expectUxRules } from "./ux-rules";

test("signed-out pages pass axe", async ({ page }) => {
  const bogus = "x".repeat(43);
  for (const path of [
    "/sign-in",
    "/sign-up",
    "/forgot-password",
    `/reset-password/${bogus}`,
    `/verify-email/${bogus}`,
    "/invite/not-a-real-token-but-long-enough-000",
    "/no-such-page/at-all",
    "/docs/api",
  ]) {
    await page.goto(path);
    await expect(page.locator("h1")).toBeVisible();
    // The API reference renders in the browser: axe looks once it has.
    if (path === "/docs/api") await expect(page.locator(".opblock").first()).toBeVisible({ timeout: 45_000 });
    await expectAccessible(page);
    await page.screenshot({ path: test.info().outputPath(`pages/signed-out/${path.replace(/^\//, "").replaceAll("/", "-").slice(0, 60) || "home"}.png`), fullPage: true });
  }
});

/**
 * One of each thing a page lists, so that the sweep sees rows, their actions
 * and their destructive buttons: a project, a group with a member, a second
 * member, a grant, an API key, a pending invitation and a second session.
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
            grp AS (INSERT INTO "Group" (id, "orgId", name, "updatedAt") VALUES (gen_random_uuid(), $1::uuid, 'Support', now()) RETURNING id),
            grouped AS (INSERT INTO "GroupMember" ("groupId", "userId", "orgId") SELECT grp.id, joined."userId", $1::uuid FROM grp, joined RETURNING "groupId"),
            granted AS (INSERT INTO "Grant" (id, "orgId", "roleId", "groupId", "projectId", "ipCidrs") SELECT gen_random_uuid(), $1::uuid, viewer.id, grp.id, project.id, '{}' FROM viewer, grp, project RETURNING id),
            keyed AS (INSERT INTO "ApiKey" (id, "orgId", name, "publicId", "secretHash", "lastFour", permissions, "createdById") SELECT gen_random_uuid(), $1::uuid, 'Backend', 'sweep' || substr(md5($1::text), 1, 12), 'not-a-usable-hash', 'abcd', '{authz:check}', owner.id FROM owner RETURNING id),
            invited AS (INSERT INTO "Invitation" (id, "orgId", email, "roleId", "tokenHash", "expiresAt", "invitedById") SELECT gen_random_uuid(), $1::uuid, 'sweep-invitee@e2e.test', viewer.id, md5($1::text || 'invitation'), now() + interval '7 days', owner.id FROM viewer, owner RETURNING id)
       INSERT INTO "Session" (id, "userId", "userAgent", "expiresAt") SELECT gen_random_uuid(), owner.id, 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1', now() + interval '1 day' FROM owner, grouped, granted, keyed, invited`,
      [orgId, ownerEmail],
    );
    // Other processes learn of the change as from any write (the org's authorization version).
    await client.query(`SELECT pg_notify('tollgate_authz', $1)`, [orgId]);
  } finally {
    await client.end();
  }
}

test("every signed-in page passes axe and the UX rules, on desktop and on a phone", async ({ browser }) => {
  test.setTimeout(540_000); // 23 pages x 2 viewports, each analysed by axe
  // TOLLGATE_ADMIN_EMAIL (playwright.config.ts) makes this account the instance admin.
  const { context, page, slug } = await ownerWithOrg(browser, "a11y", "admin@e2e.test");
  const sections = ["members", "projects", "groups", "roles", "access", "api-keys", "decisions", "audit", "usage", "billing", "settings"];
  await seedOrganization(await orgIdOf(slug), "admin@e2e.test");
  await page.goto("/admin/users?q=admin%40e2e.test");
  await expect(page.getByTestId("user-row-admin@e2e.test")).toBeVisible();
  const userPage = await page.getByTestId("user-row-admin@e2e.test").getByRole("link").getAttribute("href");
  const adminPages = [
    "/admin",
    `/admin/organizations/${await orgIdOf(slug)}`,
    "/admin/users",
    userPage!,
    "/admin/permissions",
    "/admin/api-keys",
    "/admin/meters",
    "/admin/plans",
    "/admin/jobs",
    "/admin/outbox",
  ];
  const paths = [...sections.map((s) => `/${slug}/${s}`), "/account", "/orgs/new", ...adminPages];
  const confirmed: string[] = [];
  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 390, height: 844 },
  ]) {
    await page.setViewportSize(viewport);
    for (const path of paths) {
      await page.goto(path);
      await expect(page.locator("h1").first()).toBeVisible();
      await expectAccessible(page);
      await expectUxRules(page, `${path} at ${viewport.width}px`);
      if (viewport.width > 1000 && (await expectDestructiveConfirmation(page, path))) confirmed.push(path);
      // Kept in test-results/ for people to look at every page at both widths.
      const name = path
        .replace(slug, "org")
        .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/, "id")
        .replace(/^\//, "")
        .replaceAll("/", "-");
      await page.screenshot({ path: test.info().outputPath(`pages/${viewport.width}px/${name}.png`), fullPage: true });
    }
  }
  // Destructive actions ask first, with a destructive confirmation, where the pages of this organization have any.
  // With the seeded rows: members, projects, groups, access, API keys, settings, account and the admin pages.
  expect(confirmed.length, `pages with a destructive action checked: ${confirmed.join(", ")}`).toBeGreaterThanOrEqual(6);
  // Dialogs too.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`/${slug}/members`);
  await page.getByRole("button", { name: "Invite member" }).click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await expectAccessible(page);
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog")).toHaveCount(0);
  // The instance admin sees every organization and the outbox.
  await page.goto("/admin");
  await expect(page.getByRole("table", { name: "All organizations" })).toContainText(slug);
  await context.close();
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
