import { expect, test, type APIResponse, type BrowserContext } from "@playwright/test";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ownerWithOrg } from "./helpers";

const PAGE_NONCE = /script-src 'self' 'nonce-([A-Za-z0-9+/_-]+={0,2})' 'strict-dynamic'/;

function expectBaseHeaders(res: APIResponse, what: string) {
  const h = res.headers();
  expect(h["x-content-type-options"], what).toBe("nosniff");
  expect(h["referrer-policy"], what).toBe("same-origin");
  expect(h["x-frame-options"], what).toBe("DENY");
  expect(h["content-security-policy"], what).toContain("frame-ancestors 'none'");
  // The e2e server's public URL is http://: no HSTS (the https case is in lib/http/security-headers.test.ts).
  expect(h["strict-transport-security"], what).toBeUndefined();
  expect(h["x-powered-by"], what).toBeUndefined();
}

/** The nonce of the page's CSP header, after checking that every <script> in the HTML carries it. */
async function pageNonce(res: APIResponse, what: string) {
  const csp = res.headers()["content-security-policy"] ?? "";
  for (const directive of ["default-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'"]) {
    expect(csp, what).toContain(directive);
  }
  expect(csp, what).not.toContain("unsafe-eval");
  const nonce = csp.match(PAGE_NONCE)?.[1];
  expect(nonce, `${what}: ${csp}`).toBeTruthy();
  const scripts = (await res.text()).match(/<script\b[^>]*>/g) ?? [];
  expect(scripts.length, what).toBeGreaterThan(0);
  for (const tag of scripts) expect(tag, what).toContain(`nonce="${nonce}"`);
  return nonce!;
}

test("pages, API answers, static assets and 404s carry the security headers", async ({ request }) => {
  const signIn = await request.get("/sign-in");
  expect(signIn.status()).toBe(200);
  expectBaseHeaders(signIn, "/sign-in");
  await pageNonce(signIn, "/sign-in");

  for (const path of ["/api/health", "/api/v1/openapi.json"]) {
    const res = await request.get(path);
    expect(res.status(), path).toBe(200);
    expectBaseHeaders(res, path);
    expect(res.headers()["content-security-policy"], path).toBe("default-src 'none'; frame-ancestors 'none'");
  }

  const html = await (await request.get("/sign-in")).text();
  const asset = html.match(/<script\b[^>]*\bsrc="(\/_next\/static\/[^"]+\.js)"/)?.[1];
  expect(asset).toBeTruthy();
  const script = await request.get(asset!);
  expect(script.status()).toBe(200);
  expectBaseHeaders(script, asset!);

  const missing = await request.get("/no/such/page");
  expect(missing.status()).toBe(404);
  expectBaseHeaders(missing, "404 page");
  await pageNonce(missing, "404 page");

  const missingAsset = await request.get("/_next/static/no-such-asset.js");
  expect(missingAsset.status()).toBe(404);
  expectBaseHeaders(missingAsset, "404 static asset");

  const missingApi = await request.get("/api/v1/no-such-endpoint");
  expect(missingApi.status()).toBe(404);
  expectBaseHeaders(missingApi, "404 under /api/v1");
});

test("every page render gets a fresh nonce that its scripts carry", async ({ request }) => {
  // /docs/api and the 404 page were prerendered at build time: they must render per request now.
  for (const path of ["/sign-in", "/sign-up", "/docs/api", "/no/such/page"]) {
    const first = await pageNonce(await request.get(path), path);
    const second = await pageNonce(await request.get(path), path);
    expect(second, path).not.toBe(first);
    expect(Buffer.from(first, "base64").length, path).toBeGreaterThanOrEqual(16);
  }
});

test("the sign-in page cannot be framed by another site", async ({ page, baseURL }) => {
  const signInUrl = new URL("/sign-in", baseURL).toString();
  // The other site is a real server on 127.0.0.1 (a public origin may not frame localhost at all in Chromium).
  const attacker = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(`<!doctype html><title>Win a prize</title><iframe src="${signInUrl}" width="600" height="600"></iframe>`);
  });
  await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
  const messages: string[] = [];
  page.on("console", (m) => messages.push(m.text()));
  try {
    // goto waits for the load event, which waits for the frame.
    await page.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    expect(frame).toBeDefined();
    expect(await frame!.getByRole("heading", { name: "Sign in to Tollgate" }).count()).toBe(0);
    expect(frame!.url()).not.toBe(signInUrl);
    await expect.poll(() => messages.find((m) => m.includes("frame-ancestors 'none'"))).toContain(new URL(baseURL!).origin);
  } finally {
    attacker.close();
  }
});

type Violation = { page: string; directive: string; blocked: string; sample: string };

/** Collects CSP violations (the DOM event and Chromium's console report) from every page of the context. */
async function collectCspViolations(context: BrowserContext) {
  const violations: Violation[] = [];
  await context.exposeFunction("__reportCspViolation", (v: Violation) => violations.push(v));
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { __reportCspViolation: (v: Violation) => void }).__reportCspViolation({
        page: location.pathname,
        directive: e.violatedDirective,
        blocked: e.blockedURI,
        sample: e.sample,
      });
    });
  });
  context.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) violations.push({ page: message.page()?.url() ?? "", directive: "console", blocked: "", sample: message.text() });
  });
  return violations;
}

test("signing up and using the dashboard under the CSP causes no violation", async ({ browser }) => {
  const context = await browser.newContext();
  const violations = await collectCspViolations(context);
  const documents: Array<{ url: string; csp: string | undefined }> = [];
  context.on("response", (res) => {
    if (res.request().resourceType() === "document") documents.push({ url: res.url(), csp: res.headers()["content-security-policy"] });
  });

  const { page, slug } = await ownerWithOrg(browser, "csp", undefined, context);
  await expect(page.getByRole("heading", { name: "Members", level: 1 })).toBeVisible();

  // A client-side dialog (Radix: portal, focus trap, scroll lock styles), opened and closed.
  await page.getByRole("button", { name: "Invite member" }).click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog")).toHaveCount(0);

  for (const [path, heading] of [
    ["projects", "Projects"],
    ["roles", "Roles"],
    ["access", "Access"],
    ["api-keys", "API keys"],
    ["audit", "Audit log"],
    ["usage", "Usage"],
    ["settings", "Settings"],
  ]) {
    await page.goto(`/${slug}/${path}`);
    await expect(page.getByRole("heading", { name: heading, level: 1 })).toBeVisible();
  }
  await page.goto(`/${slug}/projects`);
  await page.getByRole("button", { name: "New project" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Close" }).click();
  await expect(dialog).toHaveCount(0);
  // A client-side navigation through the sidebar (scripts loaded by scripts: 'strict-dynamic').
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Members", exact: true }).click();
  await page.waitForURL(`**/${slug}/members`);
  await page.getByRole("button", { name: "Invite member" }).click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog")).toHaveCount(0);

  expect(violations).toEqual([]);
  expect(documents.length).toBeGreaterThanOrEqual(9);
  for (const doc of documents) expect(doc.csp, doc.url).toMatch(PAGE_NONCE);

  // The collector works: content the policy forbids is reported.
  await page.evaluate(() => {
    const img = document.createElement("img");
    img.src = "https://images.example.invalid/pixel.png";
    document.body.append(img);
  });
  await expect.poll(() => violations.filter((v) => v.directive === "img-src").length).toBe(1);
  await context.close();
});
