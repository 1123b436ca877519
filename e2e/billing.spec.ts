import { expect, test } from "@playwright/test";
import { randomUUID } from "node:crypto";
import { expectAccessible, orgIdOf, ownerWithOrg, signUpInstanceAdmin } from "./helpers";

// The local Stripe the app bills through (playwright.config.ts starts it).
const stripeUrl = `http://127.0.0.1:${process.env.E2E_STRIPE_PORT ?? Number(process.env.E2E_PORT ?? 3100) + 1}`;

test("after a period closes, the org admin sees its Stripe invoice, and sees it turn paid when Stripe's webhook arrives; Checkout changes the plan", async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const { context: adminContext, page: admin } = await signUpInstanceAdmin(browser, "billing-admin", "/admin/api-keys", "Provisioning keys");
  const suffix = randomUUID().slice(0, 6);
  await admin.getByRole("button", { name: "New provisioning key" }).click();
  const keyDialog = admin.getByRole("dialog");
  await keyDialog.getByLabel("Name").fill(`billing ${suffix}`);
  await keyDialog.getByRole("button", { name: "Create key" }).click();
  const provisioningKey = await keyDialog.getByTestId("new-api-key").inputValue();
  await keyDialog.getByRole("button", { name: "Done" }).click();
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${baseURL}${path}`, {
      method,
      headers: { authorization: `Bearer ${provisioningKey}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };

  // A meter, two plans, and an organization on the first one since 33 days ago: its first period has ended.
  const meter = `calls_${suffix}`;
  expect((await api("POST", "/api/v1/meters", { key: meter, name: "API calls", eventType: `call.${suffix}`, aggregation: "count" })).status).toBe(201);
  const plan = (key: string, name: string, baseFee: number, entitlements = {}) =>
    api("POST", "/api/v1/plans", { key, name, currency: "usd", interval: "month", baseFee, selfServe: true, prices: [{ meter, price: { model: "per_unit", unitPrice: "10" } }], entitlements });
  expect((await plan(`starter-${suffix}`, "Starter", 1000)).status).toBe(201);
  // Scale allows one member, as a soft limit: the owner alone reaches it.
  expect((await plan(`scale-${suffix}`, "Scale", 5000, { members: 1, soft: ["members"] })).status).toBe(201);
  const { page, slug, context } = await ownerWithOrg(browser, "billing");
  const organization = await orgIdOf(slug);
  expect((await api("PUT", `/api/v1/organizations/${organization}/subscription`, { plan: `starter-${suffix}`, startAt: new Date(Date.now() - 33 * 86_400_000).toISOString() })).status).toBe(200);

  // Three calls ten days ago (in the ended period) are sent by the product's usage key.
  await admin.goto("/admin/api-keys");
  await admin.getByRole("button", { name: "New provisioning key" }).click();
  await keyDialog.getByLabel("Name").fill(`usage ${suffix}`);
  await keyDialog.getByLabel("Access").selectOption("usage");
  await keyDialog.getByRole("button", { name: "Create key" }).click();
  const usageKey = await keyDialog.getByTestId("new-api-key").inputValue();
  await keyDialog.getByRole("button", { name: "Done" }).click();
  const at = new Date(Date.now() - 10 * 86_400_000).toISOString();
  const sent = await fetch(`${baseURL}/api/v1/usage/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${usageKey}`, "content-type": "application/json" },
    body: JSON.stringify({ events: [1, 2, 3].map((n) => ({ id: `call-${suffix}-${n}`, type: `call.${suffix}`, timestamp: at, organization, properties: {} })) }),
  });
  expect(((await sent.json()) as { accepted: number }).accepted).toBe(3);

  await page.goto(`/${slug}/billing`);
  await expect(page.getByRole("heading", { name: "No invoices yet" })).toBeVisible();
  await expectAccessible(page);

  // The period-closing job runs (here: now, from the jobs page); the invoice goes to Stripe.
  await admin.goto("/admin/jobs");
  await admin.getByTestId("job-billing-close-periods").getByRole("button", { name: "Run Billing: close periods now" }).click();
  const row = page.getByTestId("invoice-row");
  await expect(async () => {
    await page.reload();
    await expect(row).toContainText("Due", { timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
  // $10.00 base fee and 3 calls at 10 cents.
  await expect(row).toContainText("$10.30");
  const link = row.getByRole("link", { name: /View/ });
  const hosted = (await link.getAttribute("href"))!;
  expect(hosted).toMatch(/\/hosted\/in_/);

  // Stripe collects the payment and tells Tollgate by webhook.
  const stripeInvoice = hosted.split("/").pop()!;
  expect((await fetch(`${stripeUrl}/_control/invoices/${stripeInvoice}/pay`, { method: "POST" })).status).toBe(200);
  await expect(async () => {
    await page.reload();
    await expect(row).toContainText("Paid", { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expectAccessible(page);

  // The org admin moves to the Scale plan through Stripe Checkout.
  await page.getByLabel("Change plan").selectOption(`scale-${suffix}`);
  await page.getByRole("button", { name: "Continue to Stripe" }).click();
  await page.waitForURL(`${stripeUrl}/checkout/**`);
  await page.getByRole("button", { name: "Pay" }).click();
  await page.waitForURL(`**/${slug}/billing?checkout=done`);
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole("heading", { name: /Scale/ })).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  // Prorated: the plan left is billed up to the change, on an invoice of its own.
  await expect(page.getByTestId("invoice-row")).toHaveCount(2);
  // At a limit: a banner on every page of the organization, and the limit's bar on the Billing page.
  await expect(page.getByTestId("limit-banner")).toContainText("At the plan's limit: 1 of 1 members");
  await expect(page.getByTestId("limit-members")).toContainText("1 of 1 (100%)");
  await page.goto(`/${slug}/members`);
  await expect(page.getByTestId("limit-banner")).toBeVisible();
  await expectAccessible(page);
  await page.goto(`/${slug}/billing`);

  // The portal button leads to Stripe's customer portal for this organization's customer.
  await page.getByRole("button", { name: "Payment methods and receipts" }).click();
  await page.waitForURL(`${stripeUrl}/portal/**`);
  await expect(page.getByRole("heading", { name: "Customer portal" })).toBeVisible();

  await context.close();
  await adminContext.close();
});
