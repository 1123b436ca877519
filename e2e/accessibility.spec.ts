import { expect, test } from "@playwright/test";
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

test("every signed-in page passes axe and the UX rules, on desktop and on a phone", async ({ browser }) => {
  test.setTimeout(540_000); // 23 pages x 2 viewports, each analysed by axe
  // TOLLGATE_ADMIN_EMAIL (playwright.config.ts) makes this account the instance admin.
  const { context, page, slug } = await ownerWithOrg(browser, "a11y", "admin@e2e.test");
  const sections = ["members", "projects", "groups", "roles", "access", "api-keys", "decisions", "audit", "usage", "billing", "settings"];
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
  expect(confirmed.length, `pages with a destructive action checked: ${confirmed.join(", ")}`).toBeGreaterThanOrEqual(2);
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
