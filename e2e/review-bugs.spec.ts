import { expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { inviteAndAccept, ownerWithOrg, signUpInstanceAdmin, uniqueEmail } from "./helpers";

// The bugs the admin-journey review saw (issue 14, section 1), one test each,
// on one organization: its owner and one member who joined by invitation.
// In file order (the last one removes the member).
test.describe.configure({ mode: "serial" });

let owner: { context: BrowserContext; page: Page; email: string; slug: string };
let memberEmail: string;
let memberContext: BrowserContext;

test.beforeAll(async ({ browser }: { browser: Browser }) => {
  owner = await ownerWithOrg(browser, "review");
  memberEmail = uniqueEmail("teammate");
  memberContext = (await inviteAndAccept(owner.page, browser, owner.slug, memberEmail, "Viewer: Read-only access")).context;
});

test.afterAll(async () => {
  await Promise.all([owner.context.close(), memberContext.close()]);
});

const memberLabel = (email: string) => `${email.split("@")[0]} (${email})`;

test("the role select's arrow sits inside the select", async () => {
  const page = owner.page;
  await page.goto(`/${owner.slug}/members`);
  const select = page.getByLabel(`Role of ${memberEmail}`);
  const box = (await select.boundingBox())!;
  const arrow = (await select.locator("xpath=..").locator("svg").boundingBox())!;
  expect(arrow.x + arrow.width).toBeLessThanOrEqual(box.x + box.width);
  expect(arrow.x).toBeGreaterThan(box.x + box.width / 2);
});

test("after an invitation is sent, focus is on Done and Enter closes the dialog", async () => {
  const page = owner.page;
  await page.goto(`/${owner.slug}/members`);
  await page.getByRole("button", { name: "Invite member" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Email").fill(uniqueEmail("focus"));
  await dialog.getByLabel("Role").selectOption({ label: "Viewer: Read-only access" });
  await dialog.getByLabel("Email").press("Enter");
  await expect(dialog.getByTestId("invitation-link")).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Done" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Invite member" })).toBeFocused();
});

test("after someone is added to a group, the select goes back to its prompt instead of choosing the next person", async () => {
  const page = owner.page;
  await page.goto(`/${owner.slug}/groups`);
  await page.getByRole("button", { name: "New group" }).click();
  await page.getByRole("dialog").getByLabel("Name").fill("Reviewers");
  await page.getByRole("dialog").getByRole("button", { name: "Create group" }).click();
  await page.getByRole("link", { name: "Reviewers" }).click();
  const select = page.getByLabel("Add a member");
  await select.selectOption({ label: memberLabel(memberEmail) });
  await page.getByRole("button", { name: "Add to group" }).click();
  await expect(page.getByRole("table", { name: "Group members" })).toContainText(memberEmail);
  await expect(select).toHaveValue("");
  // Nothing chosen: nobody is added by one more click.
  await page.getByRole("button", { name: "Add to group" }).click();
  await expect(page.getByRole("table", { name: "Group members" })).not.toContainText(owner.email);
});

test("grant form errors sit under their fields in people's words, all at once, with the fields marked", async () => {
  const page = owner.page;
  await page.goto(`/${owner.slug}/access`);
  await page.getByRole("button", { name: "Give access" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Only from these networks").fill("10.0.0.0/8, 10.0.0.300");
  await dialog.getByRole("button", { name: "Give access" }).click();
  const networks = dialog.getByLabel("Only from these networks");
  await expect(networks).toHaveAttribute("aria-invalid", "true");
  await expect(networks).toHaveAccessibleDescription(/10\.0\.0\.300/);
  await expect(dialog.getByLabel("Who")).toHaveAttribute("aria-invalid", "true");
  await expect(dialog.getByLabel("Role")).toHaveAttribute("aria-invalid", "true");
  await expect(dialog).not.toContainText("conditions.");
  await expect(dialog).not.toContainText("ipCidrs");
  await expect(dialog).not.toContainText("roleId");
  await dialog.screenshot({ path: test.info().outputPath("grant-errors.png") });
});

test("the access checker takes the request's address and MFA, so it answers as the API does for a grant with an IP condition", async () => {
  const page = owner.page;
  await page.goto(`/${owner.slug}/access`);
  await page.getByRole("button", { name: "Give access" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Who").selectOption({ label: memberLabel(memberEmail) });
  await dialog.getByLabel("Role").selectOption({ label: "Admin" });
  await dialog.getByLabel("Only from these networks").fill("10.0.0.0/8");
  await dialog.getByRole("button", { name: "Give access" }).click();
  await expect(dialog).toHaveCount(0);

  const checker = page.getByRole("form", { name: "Check access" });
  await checker.getByLabel("Member").selectOption({ label: memberLabel(memberEmail) });
  await checker.getByLabel("Permission").fill("members:invite");
  await checker.getByLabel("From IP address").fill("10.1.2.3");
  await checker.getByRole("button", { name: "Check" }).click();
  await expect(page.getByTestId("access-result")).toContainText("Allowed");
  await checker.getByLabel("From IP address").fill("192.0.2.1");
  await checker.getByRole("button", { name: "Check" }).click();
  await expect(page.getByTestId("access-result")).toContainText("Denied");
  // The reason names the grant's role and subject, not their ids.
  await expect(page.getByTestId("access-result")).not.toContainText(/[0-9a-f]{8}-[0-9a-f]{4}-/);
  await expect(checker.getByLabel("The session used MFA")).not.toBeChecked();
  await page.screenshot({ path: test.info().outputPath("access-checker.png"), fullPage: true });
});

test("the account page shows which session is this browser's, at desktop and phone width", async () => {
  const page = owner.page;
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto("/account");
    const badge = page.getByTestId("this-session").getByText("This browser");
    await expect(badge).toBeVisible();
    const clipped = await badge.evaluate((el) => {
      const own = el.getBoundingClientRect();
      for (let parent = el.parentElement; parent; parent = parent.parentElement) {
        const style = getComputedStyle(parent);
        if (style.overflow === "visible" && style.overflowX === "visible") continue;
        const box = parent.getBoundingClientRect();
        if (own.left < box.left - 1 || own.right > box.right + 1) return true;
      }
      return false;
    });
    expect(clipped).toBe(false);
  }
  await page.setViewportSize({ width: 1280, height: 720 });
});

test("an instance admin's sidebar highlights one item per page", async ({ browser }) => {
  const admin = await signUpInstanceAdmin(browser, "review-admin", "/admin/permissions", "Product permissions");
  for (const path of ["/admin", "/admin/users", "/admin/permissions", "/admin/plans", "/admin/outbox"]) {
    await admin.page.goto(path);
    await expect(admin.page.getByRole("navigation", { name: "Main" }).locator('[aria-current="page"]')).toHaveCount(1);
  }
  await admin.context.close();
});

test("a refused role change puts the select back to the stored role and says why beside it, without the row changing height", async () => {
  const page = owner.page;
  await page.goto(`/${owner.slug}/members`);
  const select = page.getByLabel(`Role of ${memberEmail}`);
  const stored = await select.inputValue();
  const row = page.getByTestId(`member-${memberEmail}`);
  const height = (await row.boundingBox())!.height;
  // Meanwhile, in another tab, the member is removed: the change this page asks for is refused.
  const other = await owner.context.newPage();
  await other.goto(`/${owner.slug}/members`);
  await other.getByRole("button", { name: `Remove ${memberEmail}` }).click();
  await other.getByRole("alertdialog").getByRole("button", { name: "Remove member" }).click();
  await expect(other.getByTestId(`member-${memberEmail}`)).toHaveCount(0);
  await other.close();
  await select.selectOption({ label: "Admin" });
  await expect(page.getByRole("alert").filter({ hasText: "Member not found" })).toBeVisible();
  await expect(select).toHaveValue(stored);
  await expect(select).toHaveAttribute("aria-invalid", "true");
  await expect(select).toHaveAccessibleDescription(/Member not found/);
  expect((await row.boundingBox())!.height).toBe(height);
  await page.screenshot({ path: test.info().outputPath("refused-role-change.png") });
});
