// Two-step sign-in in Chromium: set up an authenticator from the account
// page (the test computes the codes as the app would, with otplib), keep the
// recovery codes, then sign in with password and code, and with a recovery code.
import { expect, test } from "@playwright/test";
import { generate } from "otplib";
import { expectAccessible, PASSWORD, signUp, uniqueEmail } from "./helpers.ts";

const codeAt = (secret: string, at: number) => generate({ secret, epoch: Math.floor(at / 1000) });

test("an authenticator app is set up from the account page and asked for at the next sign-in", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const email = uniqueEmail("mfa");
  await signUp(page, { name: "Mfa User", email });
  await page.goto("/account");
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  await expect(page.getByText("enter your current password to set up two-step sign-in")).toBeVisible();
  await page.getByLabel("Password (to confirm it is you)").fill(PASSWORD);
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  await expect(page.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  const secret = (await page.getByTestId("totp-secret").textContent())!.trim();
  await page.getByLabel("Code from the app").fill("000000");
  await page.getByRole("button", { name: "Turn on" }).click();
  await expect(page.getByText("that code is not right", { exact: false })).toBeVisible();
  await page.getByLabel("Code from the app").fill(await codeAt(secret, Date.now()));
  await page.getByRole("button", { name: "Turn on" }).click();
  const listed = page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem");
  await expect(listed).toHaveCount(10);
  const codes = (await listed.allTextContents()).map((c) => c.trim());
  // Turning it on refreshes the page (router.refresh): axe looks once that has settled.
  await page.waitForLoadState("networkidle");
  await expect(page).toHaveTitle(/Account/);
  await expectAccessible(page);
  await page.getByRole("button", { name: "I have saved them" }).click();
  await expect(page.getByText("10 recovery codes left.")).toBeVisible();
  await context.close();

  // Password first, then the code (the next time step's: the enrolment took this one's).
  const again = await (await browser.newContext()).newPage();
  await again.goto("/sign-in");
  await again.getByLabel("Email").fill(email);
  await again.getByLabel("Password").fill(PASSWORD);
  await again.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(again.getByLabel("Authentication code")).toBeVisible();
  await again.getByLabel("Authentication code").fill(await codeAt(secret, Date.now() + 30_000));
  await again.getByRole("button", { name: "Sign in", exact: true }).click();
  await again.waitForURL((url) => !url.pathname.startsWith("/sign-in"));
  await again.context().close();

  // A recovery code instead, once.
  const lost = await (await browser.newContext()).newPage();
  await lost.goto("/sign-in");
  await lost.getByLabel("Email").fill(email);
  await lost.getByLabel("Password").fill(PASSWORD);
  await lost.getByRole("button", { name: "Sign in", exact: true }).click();
  await lost.getByLabel("Authentication code").fill(codes[0]!);
  await lost.getByRole("button", { name: "Sign in", exact: true }).click();
  await lost.waitForURL((url) => !url.pathname.startsWith("/sign-in"));
  await lost.goto("/account");
  await expect(lost.getByText("9 recovery codes left.")).toBeVisible();
  await lost.context().close();
});
