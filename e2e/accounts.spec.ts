// Accounts as people use them: sign-up through the mailed link, forgot and
// reset password, the account page, deleting an account.
import { expect, test } from "@playwright/test";
import pg from "pg";
import { expectAccessible, mailedLink, ownerWithOrg, PASSWORD, signIn, uniqueEmail } from "./helpers";

const NEW_PASSWORD = "a fresh and long password";

test("sign up, confirm from the outbox, sign out, reset the password through “Forgot password”, sign in with the new one", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const email = uniqueEmail("journey");

  await page.goto("/sign-up");
  await page.getByLabel("Name").fill("Jo Journey");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByTestId("check-inbox")).toContainText(`We sent a link to ${email}`);
  await expectAccessible(page);

  await page.goto(await mailedLink(email, "/verify-email"));
  await expect(page.getByRole("heading", { name: "Confirm your email" })).toBeVisible();
  await expectAccessible(page);
  // Only the password chosen at sign-up finishes it.
  await page.getByLabel("Your password").fill("not the password I chose");
  await page.getByRole("button", { name: "Confirm and continue" }).click();
  await expect(page.getByText("This is not the password chosen when signing up")).toBeVisible();
  await expect(page.getByLabel("Your password")).toHaveAttribute("aria-invalid", "true");
  await page.getByLabel("Your password").fill(PASSWORD);
  await page.getByRole("button", { name: "Confirm and continue" }).click();
  await page.waitForURL("**/orgs/new");

  await page.getByRole("button", { name: /Account menu for/ }).click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await page.waitForURL("**/sign-in**");

  await page.getByRole("link", { name: "Forgot your password?" }).click();
  // The sign-in page has an Email field too: fill only once the new page is there.
  await expect(page.getByRole("heading", { name: "Forgot your password?" })).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send the link" }).click();
  await expect(page.getByTestId("check-inbox")).toContainText(email);
  await expectAccessible(page);

  const resetLink = await mailedLink(email, "/reset-password");
  await page.goto(resetLink);
  await page.getByRole("textbox", { name: "New password", exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("New password, again").fill("not the same password");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByText("The two passwords differ")).toBeVisible();
  await expect(page.getByRole("textbox", { name: "New password", exact: true })).toHaveAttribute("aria-invalid", "true");
  await page.getByLabel("New password, again").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Set new password" }).click();
  await page.waitForURL("**/sign-in?notice=password-reset**");
  await expect(page.getByText("Your password was changed")).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue(email);

  await signIn(page, email, PASSWORD);
  await expect(page.locator("form [role=alert]")).toHaveText("Email or password is incorrect.");
  await signIn(page, email, NEW_PASSWORD);
  await page.waitForURL("**/orgs/new");

  // The link worked once.
  await page.goto(resetLink);
  await expect(page.getByText("This link cannot be used")).toBeVisible();
  await context.close();
});

test("a taken address gets the same answer at sign-up, and no second account", async ({ browser }) => {
  const { email, context } = await ownerWithOrg(browser, "taken");
  const page = await (await browser.newContext()).newPage();
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill("Mallory");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("mallory's long password");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByTestId("check-inbox")).toContainText(`We sent a link to ${email}`);
  await context.close();
});

test("the account page renames, changes the password (ending other sessions), names browsers, and deletes the account", async ({ browser }) => {
  const first = await ownerWithOrg(browser, "account");
  const otherContext = await browser.newContext({
    userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
  });
  const other = await otherContext.newPage();
  await signIn(other, first.email);
  await other.waitForURL(`**/${first.slug}/members`);

  const page = first.page;
  await page.goto("/account");
  const sessions = page.getByRole("table", { name: "Sessions" });
  await expect(page.getByTestId("this-session")).toContainText("This browser");
  await expect(page.getByTestId("this-session")).toContainText(/Chrome on Linux/);
  await expect(sessions).toContainText("Safari on iOS");
  await expectAccessible(page);

  await page.getByRole("textbox", { name: "Name", exact: true }).fill("Renamed Person");
  await page.getByRole("button", { name: "Save name" }).click();
  await expect(page.getByText("Name saved.")).toBeVisible();

  await page.getByLabel("Current password").fill("not my password at all");
  await page.getByRole("textbox", { name: "New password", exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("New password, again").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByLabel("Current password")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("Your current password is not right.")).toBeVisible();
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("textbox", { name: "New password", exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("New password, again").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Password changed. 1 other session signed out.")).toBeVisible();
  await expect
    .poll(
      async () => {
        await other.goto(`/${first.slug}/members`);
        return new URL(other.url()).pathname;
      },
      { timeout: 10_000 },
    )
    .toBe("/sign-in");

  // The last owner of an organization cannot leave it ownerless.
  await page.getByRole("button", { name: "Delete account…" }).click();
  await page.getByRole("dialog").getByLabel("Your password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Delete my account" }).click();
  await expect(page.getByRole("dialog")).toContainText("You are the last owner of");
  await page.keyboard.press("Escape");
  await page.goto(`/${first.slug}/settings`);
  await page.getByRole("button", { name: "Delete organization" }).click();
  await page.getByRole("dialog").getByLabel("Organization slug").fill(first.slug);
  await page.getByRole("dialog").getByRole("button", { name: "Delete forever" }).click();
  await page.waitForURL("**/orgs/new");

  await page.goto("/account");
  await page.getByRole("button", { name: "Delete account…" }).click();
  await page.getByRole("dialog").getByLabel("Your password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Delete my account" }).click();
  await page.waitForURL("**/sign-in?notice=account-deleted**");
  await expect(page.getByText("Your account was deleted.")).toBeVisible();
  await signIn(page, first.email, NEW_PASSWORD);
  await expect(page.locator("form [role=alert]")).toHaveText("Email or password is incorrect.");
  await first.context.close();
  await otherContext.close();
});

test("an ended session gets no user from /api/auth/session, and its cookie is cleared", async ({ browser }) => {
  const { context, page } = await ownerWithOrg(browser, "ended");
  const live = await page.request.get("/api/auth/session");
  expect((await live.json()).user?.email).toBeTruthy();
  const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  const cookie = (await context.cookies()).find((c) => c.name.endsWith("next-auth.session-token"))!;
  await client.query(`UPDATE "Session" SET "revokedAt" = now() WHERE "revokedAt" IS NULL AND "userId" = (SELECT id FROM "User" WHERE email = $1)`, [(await live.json()).user.email]);
  await client.end();
  await expect
    .poll(
      async () => {
        const res = await page.request.get("/api/auth/session", { headers: { cookie: `${cookie.name}=${cookie.value}` } });
        return { body: await res.json(), cleared: (res.headers()["set-cookie"] ?? "").includes(`${cookie.name}=;`) };
      },
      { timeout: 10_000 },
    )
    .toEqual({ body: {}, cleared: true });
  await context.close();
});
