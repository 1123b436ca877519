import AxeBuilder from "@axe-core/playwright";
import { expect, type APIRequestContext, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";

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

export async function signUp(page: Page, { name, email }: { name: string; email: string }) {
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
}

export async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
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
  await page.getByRole("button", { name: /^Accept and join/ }).click();
  await page.waitForURL(`**/${slug}/members`);
  return { context, page };
}
