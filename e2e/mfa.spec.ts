// Two-step sign-in in Chromium: set up an authenticator from the account
// page (the test computes the codes as the app would, with otplib), keep the
// recovery codes, then sign in with password and code, and with a recovery code;
// and a passkey, on Chromium's virtual authenticator.
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

test("a passkey is added from the account page, then signs in alone and as the step after the password", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  // Chromium's virtual authenticator stands in for the device (platform, with user verification).
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  const email = uniqueEmail("passkey");
  await signUp(page, { name: "Passkey User", email });
  await page.goto("/account");
  await expect(page.getByText("No passkeys yet")).toBeVisible();
  await page.getByLabel("Passkey name").fill("Test laptop");
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(page.getByText("enter your current password to add a passkey")).toBeVisible();
  await page.getByLabel("Your password (to add a passkey)").fill(PASSWORD);
  await page.getByRole("button", { name: "Add a passkey" }).click();
  // The first second factor brings recovery codes.
  await expect(page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem")).toHaveCount(10);
  await page.getByRole("button", { name: "I have saved them" }).click();
  await expect(page.getByRole("table", { name: "Passkeys" })).toContainText("Test laptop");
  await page.waitForLoadState("networkidle");
  await expectAccessible(page);

  // Signed out: the passkey alone signs in.
  await context.clearCookies();
  await page.goto("/sign-in");
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/sign-in"));

  // The password now asks for a second step, which the passkey gives.
  await context.clearCookies();
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByLabel("Authentication code")).toBeVisible();
  await page.getByRole("button", { name: "Use a passkey instead" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/sign-in"));
  await page.goto("/account");
  await expect(page.getByRole("table", { name: "Passkeys" })).not.toContainText("Never");
  await context.close();
});
