import { expect, test } from "@playwright/test";
import { ownerWithOrg, signIn } from "./helpers";

test("sign out everywhere ends the other browser's session", async ({ browser }) => {
  const first = await ownerWithOrg(browser, "sessions");
  const secondContext = await browser.newContext();
  const second = await secondContext.newPage();
  await signIn(second, first.email);
  await second.waitForURL(`**/${first.slug}/members`);

  await first.page.goto("/account");
  await expect(first.page.getByRole("table", { name: "Sessions" }).getByRole("row")).toHaveCount(3);
  await first.page.getByRole("button", { name: "Sign out everywhere" }).click();
  // It asks first: every session ends, this one too.
  await first.page.getByRole("alertdialog").getByRole("button", { name: "Sign out everywhere" }).click();
  await first.page.waitForURL("**/sign-in**");

  await expect
    .poll(
      async () => {
        await second.goto(`/${first.slug}/members`);
        return new URL(second.url()).pathname;
      },
      { timeout: 10_000 },
    )
    .toBe("/sign-in");
  await first.context.close();
  await secondContext.close();
});

test("a wrong password shows a clear message, and a failing browser waits a little longer after each failure", async ({ browser }) => {
  const { email, context } = await ownerWithOrg(browser, "throttle");
  const page = await (await browser.newContext()).newPage();
  for (let i = 0; i < 5; i++) {
    await signIn(page, email, "definitely the wrong password");
    await expect(page.locator("form [role=alert]")).toHaveText("Email or password is incorrect.");
  }
  // Now this browser must wait (2 s, then 4, 8…) and an attempt meanwhile is refused. A slow machine can let
  // the first wait lapse before the next attempt lands, so try again: each failure doubles the wait.
  const alert = page.locator("form [role=alert]");
  await expect(async () => {
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("definitely the wrong password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(alert).toHaveText(/Too many failed sign-in attempts\. Try again in \d+ seconds?\./, { timeout: 3_000 });
  }).toPass({ timeout: 40_000 });
  const seconds = Number(/in (\d+) second/.exec((await alert.textContent()) ?? "")![1]);
  expect(seconds).toBeLessThanOrEqual(16);
  // The wait is short and only for this source: then the right password works.
  await page.waitForTimeout(seconds * 1000 + 500);
  await signIn(page, email);
  await page.waitForURL((url) => !url.pathname.startsWith("/sign-in"));
  await context.close();
});

test("signing out from the user menu ends the session on the server", async ({ browser }) => {
  const { page, slug, context } = await ownerWithOrg(browser, "signout");
  const cookies = await context.cookies();
  await page.getByRole("button", { name: /Account menu for/ }).click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await page.waitForURL("**/sign-in**");
  // Replaying the old cookie gets nowhere: the session row is revoked.
  const replay = await browser.newContext();
  await replay.addCookies(cookies);
  const res = await (await replay.newPage()).goto(`/${slug}/members`);
  expect(new URL(res!.url()).pathname).toBe("/sign-in");
  await replay.close();
  await context.close();
});
