import AxeBuilder from "@axe-core/playwright";
import { expect, type APIRequestContext, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import pg from "pg";

export const PASSWORD = "e2e password that is long";

export function uniqueEmail(prefix: string) {
  return `${prefix}-${randomUUID().slice(0, 8)}@example.test`;
}

/** Fails on any serious or critical axe violation of the current page. */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`)).toEqual([]);
}

/** The newest link to `page` (e.g. "/verify-email") in mail to `email`, read from the outbox (no SMTP in tests). */
export async function mailedLink(email: string, page: string): Promise<string> {
  const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  try {
    const pattern = new RegExp(`https?://\\S+${page}/[A-Za-z0-9_-]{43}`);
    for (let attempt = 0; attempt < 50; attempt++) {
      const { rows } = await client.query(`SELECT text FROM "OutboxEmail" WHERE "to" = $1 ORDER BY "createdAt" DESC LIMIT 1`, [email.toLowerCase()]);
      const link = rows[0] ? pattern.exec(rows[0].text)?.[0] : undefined;
      if (link) return new URL(link).pathname;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no mail to ${email} with a ${page} link`);
  } finally {
    await client.end();
  }
}

/** After "Create account": opens the mailed link and confirms; the browser is then signed in where the sign-up led. */
export async function confirmSignUp(page: Page, email: string, password = PASSWORD) {
  await expect(page.getByTestId("check-inbox")).toContainText(email.toLowerCase());
  await page.goto(await mailedLink(email, "/verify-email"));
  await page.getByLabel("Your password").fill(password);
  await page.getByRole("button", { name: "Confirm and continue" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/verify-email"));
}

/** Signs up through the form and the mailed link; ends signed in on /orgs/new (or where callbackUrl led). */
export async function signUp(page: Page, { name, email }: { name: string; email: string }) {
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await confirmSignUp(page, email);
}

export async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

export async function createOrg(page: Page, name: string) {
  await page.goto("/orgs/new");
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Create organization" }).click();
  await page.waitForURL(/\/[a-z0-9-]+\/members$/);
  return new URL(page.url()).pathname.split("/")[1]!;
}

/** A new signed-up user with an organization of their own, in a fresh browser context (or the one given). */
export async function ownerWithOrg(browser: Browser, prefix: string, email = uniqueEmail(prefix), context?: BrowserContext) {
  context ??= await browser.newContext();
  const page = await context.newPage();
  await signUp(page, { name: `${prefix} owner`, email });
  await page.waitForURL("**/orgs/new");
  const slug = await createOrg(page, `${prefix} ${randomUUID().slice(0, 6)}`);
  return { context, page, email, slug };
}

type ActionEntry = { id: string; name: string; file: string; page: string };

/** Every server action of the build, with a page that serves it. */
export function serverActions(): ActionEntry[] {
  const manifest = JSON.parse(readFileSync(".next/server/server-reference-manifest.json", "utf8"));
  return Object.entries(manifest.node as Record<string, { workers: Record<string, unknown>; exportedName: string; filename: string }>).map(([id, entry]) => ({
    id,
    name: entry.exportedName,
    file: entry.filename,
    page: Object.keys(entry.workers)[0]!,
  }));
}

/** The URL of an app route pattern such as app/(dashboard)/[org]/members/page. */
export function pageUrl(route: string, slug: string) {
  const path = route
    .replace(/^app/, "")
    .replace(/\/page$/, "")
    .replace(/\/\([^)]+\)/g, "")
    .replace("[org]", slug)
    .replace("[token]", "x".repeat(43))
    .replace(/\[[^\]]+\]/g, "00000000-0000-0000-0000-000000000000");
  return path || "/";
}

/** Calls a server action over raw HTTP, as a browser (or an attacker's page) would. */
export async function callServerAction(request: APIRequestContext, action: ActionEntry, slug: string, args: unknown[], headers: Record<string, string>) {
  return request.post(pageUrl(action.page, slug), {
    headers: { "Next-Action": action.id, Accept: "text/x-component", "Content-Type": "text/plain;charset=UTF-8", ...headers },
    data: JSON.stringify(args),
    maxRedirects: 0,
  });
}

/** The owner invites `email` with a role; the invitee signs up in a new browser context and accepts. */
export async function inviteAndAccept(owner: Page, browser: Browser, slug: string, email: string, roleLabel: string) {
  await owner.goto(`/${slug}/members`);
  await owner.getByRole("button", { name: "Invite member" }).click();
  const dialog = owner.getByRole("dialog");
  await dialog.getByLabel("Email").fill(email);
  await dialog.getByLabel("Role").selectOption({ label: roleLabel });
  await dialog.getByRole("button", { name: "Send invitation" }).click();
  const link = await dialog.getByTestId("invitation-link").inputValue();
  await dialog.getByRole("button", { name: "Done" }).click();
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(new URL(link).pathname);
  await page.getByRole("link", { name: "Create an account to accept" }).click();
  await page.getByLabel("Name").fill(email.split("@")[0]!);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  // Signing up through the invitation's link joins: no Accept click.
  await confirmSignUp(page, email);
  await page.waitForURL(`**/${slug}/members`);
  return { context, page };
}

/** A new account made an instance admin in the database (as a second admin would be; TOLLGATE_ADMIN_EMAIL is tested in test/auth), on `page`. */
export async function signUpInstanceAdmin(browser: Browser, prefix: string, landing: string, heading: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const email = uniqueEmail(prefix);
  await signUp(page, { name: "Instance admin", email });
  await page.waitForURL("**/orgs/new");
  const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  await client.query(`UPDATE "User" SET "isInstanceAdmin" = true WHERE email = $1`, [email]);
  await client.end();
  // Sessions cache the account for 2 s.
  await expect(async () => {
    await page.goto(landing);
    await expect(page.getByRole("heading", { name: heading, level: 1 })).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  return { context, page, email };
}

/** The organization's id, as the product would have it from provisioning. */
export async function orgIdOf(slug: string): Promise<string> {
  const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  const { rows } = await client.query(`SELECT id FROM "Organization" WHERE slug = $1`, [slug]);
  await client.end();
  return rows[0].id as string;
}
