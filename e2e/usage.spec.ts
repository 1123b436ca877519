import { expect, test } from "@playwright/test";
import { randomUUID } from "node:crypto";
import { expectAccessible, orgIdOf, ownerWithOrg, signUpInstanceAdmin } from "./helpers";

test("an instance admin defines a meter and a usage key; the product sends usage; the org admin sees it rise on the Usage page, exports it, and sees it priced on the Billing page", async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(180_000);
  const { context: adminContext, page: admin } = await signUpInstanceAdmin(browser, "meters-admin", "/admin/meters", "Meters");
  const suffix = randomUUID().slice(0, 6);
  const key = `tokens_${suffix}`;
  const eventType = `llm.completion.${suffix}`;

  // A meter with a mistake is explained and not made; then made.
  await admin.getByRole("button", { name: "New meter" }).click();
  const dialog = admin.getByRole("dialog");
  await dialog.getByLabel("Key").fill(key);
  await dialog.getByLabel("Name").fill("LLM tokens");
  await dialog.getByLabel("Event type").fill(eventType);
  await dialog.getByLabel("Aggregation").selectOption({ label: "Sum of a value" });
  await dialog.getByRole("button", { name: "Create meter" }).click();
  await expect(dialog.getByLabel("Value property")).toHaveAccessibleDescription(/A sum meter needs the property that holds the value/);
  await expect(dialog.getByLabel("Value property")).toHaveAttribute("aria-invalid", "true");
  await dialog.getByLabel("Value property").fill("tokens");
  await dialog.getByLabel("Group by").fill("model");
  await expectAccessible(admin);
  await dialog.getByRole("button", { name: "Create meter" }).click();
  await expect(dialog).toBeHidden();
  await expect(admin.getByTestId(`meter-row-${key}`)).toContainText("Sum of tokens");
  await expect(admin.getByTestId(`meter-row-${key}`)).toContainText("by model");

  // A usage key for the product's back end.
  await admin.goto("/admin/api-keys");
  await admin.getByRole("button", { name: "New provisioning key" }).click();
  const keyDialog = admin.getByRole("dialog");
  await keyDialog.getByLabel("Name").fill(`usage ${suffix}`);
  await keyDialog.getByLabel("Access").selectOption("usage");
  await keyDialog.getByRole("button", { name: "Create key" }).click();
  const usageKey = await keyDialog.getByTestId("new-api-key").inputValue();
  await keyDialog.getByRole("button", { name: "Done" }).click();
  await expect(admin.getByTestId(`instance-key-usage ${suffix}`)).toContainText("Usage events only");

  // The org admin's Usage page: the meter is there, at zero.
  const { page, slug, context } = await ownerWithOrg(browser, "usage");
  await page.goto(`/${slug}/usage`);
  await expect(page.getByRole("heading", { name: "Usage", level: 1 })).toBeVisible();
  const card = page.getByTestId(`meter-${key}`);
  await expect(card.getByTestId("meter-total")).toHaveText("0");
  await expect(card).toContainText("No usage this month yet.");

  // The product reports usage (one event twice: counted once).
  const send = async (events: unknown[]) => {
    const res = await fetch(`${baseURL}/api/v1/usage/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${usageKey}`, "content-type": "application/json" },
      body: JSON.stringify({ events }),
    });
    return { status: res.status, body: (await res.json()) as { accepted: number; duplicates: number } };
  };
  const organization = await orgIdOf(slug);
  const now = new Date().toISOString();
  const first = await send([
    { id: `a-${suffix}`, type: eventType, timestamp: now, organization, properties: { tokens: 1200, model: "small" } },
    { id: `b-${suffix}`, type: eventType, timestamp: now, organization, properties: { tokens: "34.5", model: "large" } },
  ]);
  expect(first).toEqual({ status: 202, body: expect.objectContaining({ accepted: 2, duplicates: 0 }) });
  expect((await send([{ id: `a-${suffix}`, type: eventType, timestamp: now, organization, properties: { tokens: 1200, model: "small" } }])).body.duplicates).toBe(1);

  await page.reload();
  await expect(card.getByTestId("meter-total")).toHaveText("1234.5");
  await expect(card.getByRole("table", { name: "LLM tokens by day" })).toContainText("1234.5");
  await expectAccessible(page);

  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export CSV" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`usage-${slug}-${now.slice(0, 7)}.csv`);
  const csv = await (await file.createReadStream()).toArray();
  expect(Buffer.concat(csv).toString()).toContain(`${key},${now.slice(0, 10)},1234.5`);

  // The billing page: no plan yet, then the plan's price of this usage so far.
  await page.goto(`/${slug}/billing`);
  await expect(page.getByRole("heading", { name: "No plan yet" })).toBeVisible();
  await admin.getByRole("button", { name: "New provisioning key" }).click();
  await keyDialog.getByLabel("Name").fill(`billing ${suffix}`);
  await keyDialog.getByRole("button", { name: "Create key" }).click();
  const provisioningKey = await keyDialog.getByTestId("new-api-key").inputValue();
  await keyDialog.getByRole("button", { name: "Done" }).click();
  const api = (method: string, path: string, body: unknown) =>
    fetch(`${baseURL}${path}`, { method, headers: { authorization: `Bearer ${provisioningKey}`, "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.status);
  const planKey = `pro-${suffix}`;
  expect(
    await api("POST", "/api/v1/plans", { key: planKey, name: "Pro", currency: "usd", interval: "month", baseFee: 2900, prices: [{ meter: key, price: { model: "per_unit", unitPrice: "0.1" } }] }),
  ).toBe(201);
  expect(await api("PUT", `/api/v1/organizations/${organization}/subscription`, { plan: planKey, startAt: new Date(Date.now() - 3_600_000).toISOString() })).toBe(200);
  await admin.goto("/admin/plans");
  await expect(admin.getByTestId(`plan-row-${planKey}`)).toContainText("$29.00 / month");
  await expect(admin.getByTestId(`plan-row-${planKey}`)).toContainText("LLM tokens: 0.1 USD minor units per unit");
  await page.reload();
  await expect(page.getByRole("heading", { name: /Pro/ })).toBeVisible();
  // $29 base fee + 1234.5 tokens at 0.1 cent = 123.45 cents, rounded to 123.
  await expect(page.getByRole("table", { name: "Invoice preview" })).toContainText("LLM tokens");
  await expect(page.getByTestId("preview-total")).toHaveText("$30.23");
  await expectAccessible(page);

  await context.close();
  await adminContext.close();
});
