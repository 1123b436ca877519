import { expect, test } from "@playwright/test";
import { expectAccessible, ownerWithOrg } from "./helpers";

test("an API key's whole life in the UI: create, use, rotate, revoke, filter, and the key policy", async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const { context, page, slug, email } = await ownerWithOrg(browser, "key-life");
  // From the test process, not the page: the way a product's back end calls Tollgate.
  const check = async (key: string) => {
    const res = await fetch(`${baseURL}/api/v1/authz/check`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ subject: { type: "user", id: email }, permission: "organization:delete" }),
    });
    const body = (await res.json()) as { allowed?: boolean; error?: { code: string } };
    return { status: res.status, allowed: body.allowed, code: body.error?.code };
  };

  await page.goto(`/${slug}/api-keys`);
  await expect(page.getByRole("heading", { name: "No API keys yet" })).toBeVisible();
  await expect(page.getByRole("form", { name: "Filter API keys" })).toHaveCount(0);
  await expectAccessible(page);

  // Create a key with every option the dialog offers.
  await page.getByRole("button", { name: "New API key" }).click();
  const create = page.getByRole("dialog");
  await create.getByLabel("Name").fill("billing service");
  await create.getByLabel("Description").fill("Checks access before charging");
  // Grouped and searchable: a search narrows the list, and what is ticked is sent.
  await create.getByRole("searchbox", { name: "Search permissions" }).fill("check API");
  await expect(create.getByRole("checkbox", { name: "apikeys:read" })).toBeHidden();
  await create.getByRole("checkbox", { name: "authz:check" }).check();
  await expect(create.getByText("1 selected")).toBeVisible();
  await create.screenshot({ path: test.info().outputPath("create-key-permission-picker.png") });
  await expect(create.getByLabel("Expires", { exact: true })).toHaveValue("never");
  await create.getByLabel("Expires", { exact: true }).selectOption({ label: "In 90 days" });
  await create.getByLabel("Allowed IP addresses").fill("127.0.0.1\n::1");
  await create.getByLabel("Requests per second").fill("50");
  await expectAccessible(page);
  await create.getByRole("button", { name: "Create key" }).click();
  const first = await create.getByTestId("new-api-key").inputValue();
  expect(first).toMatch(/^tg_live_/);
  await create.getByRole("button", { name: "Done" }).click();

  const row = page.getByRole("table", { name: "API keys" }).getByRole("row").filter({ hasText: "billing service" });
  await expect(row).toContainText("Checks access before charging");
  await expect(row).toContainText("authz:check");
  await expect(row).toContainText("only from 127.0.0.1, ::1 · 50/s");
  await expect(row).toContainText("active");
  await expect(row.getByTestId("last-used")).toHaveText("Never");

  expect(await check(first)).toMatchObject({ status: 200, allowed: true });
  // Usage is written in batches every ~10 s.
  await expect(async () => {
    await page.reload();
    await expect(row.getByTestId("last-used")).toContainText("1 request", { timeout: 500 });
  }).toPass({ timeout: 25_000 });
  await expect(row.getByTestId("last-used")).toContainText(/just now|ago/);

  // Its usage by day: a chart, and the exact figures beside it.
  await row.getByRole("button", { name: "Usage of key billing service" }).click();
  const usage = page.getByRole("dialog", { name: "Usage of billing service" });
  await expect(usage).toContainText("Last 30 days: 1 request, 0 refused");
  const today = usage.getByRole("table", { name: "billing service by day" }).getByRole("row").nth(1).getByRole("cell");
  await expect(today).toHaveText([new Date().toISOString().slice(0, 10), "1", "0"]);
  await expect(usage.getByRole("img", { name: /billing service: 1 request and 0 refused/ })).toBeVisible();
  await expectAccessible(page);
  await usage.screenshot({ path: test.info().outputPath("api-key-usage.png") });
  await usage.getByRole("button", { name: "Close" }).click();

  // Rotate, stopping the old secret at once.
  await row.getByRole("button", { name: "Rotate key billing service" }).click();
  const rotate = page.getByRole("dialog");
  await expect(rotate.getByRole("radio", { name: /Keep it working for 24 hours/ })).toBeChecked();
  await rotate.getByRole("radio", { name: /Stop the old secret now/ }).check();
  await expectAccessible(page);
  await rotate.getByRole("button", { name: "Rotate key" }).click();
  const second = await rotate.getByTestId("new-api-key").inputValue();
  expect(second).not.toBe(first);
  await expect(rotate).toContainText("The old secret no longer works.");
  await rotate.getByRole("button", { name: "Done" }).click();
  await expect.poll(() => check(first), { timeout: 5_000 }).toMatchObject({ status: 401, code: "rotated_api_key" });
  expect(await check(second)).toMatchObject({ status: 200, allowed: true });

  // Rotate again with the default overlap: the secret it replaces keeps working for a while.
  await row.getByRole("button", { name: "Rotate key billing service" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Rotate key" }).click();
  const third = await page.getByRole("dialog").getByTestId("new-api-key").inputValue();
  await expect(page.getByRole("dialog")).toContainText("The old secret works until");
  await page.getByRole("dialog").getByRole("button", { name: "Done" }).click();
  await expect(row).toContainText("Old secret works until");
  expect(await check(second)).toMatchObject({ status: 200 });
  expect(await check(third)).toMatchObject({ status: 200 });

  // Revoke: every secret of the key stops working.
  await row.getByRole("button", { name: "Revoke key billing service" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Revoke key" }).click();
  await expect(row).toContainText("revoked");
  await expect(row.getByRole("button", { name: "Rotate key billing service" })).toHaveCount(0);
  await expect.poll(() => check(third), { timeout: 5_000 }).toMatchObject({ status: 401, code: "revoked_api_key" });
  // Revoking drops the secret the rotation replaced: it is no longer this key's at all.
  expect(await check(second)).toMatchObject({ status: 401 });

  // Filters live in the URL.
  const filters = page.getByRole("form", { name: "Filter API keys" });
  await filters.getByLabel("Status").selectOption({ label: "Revoked" });
  await filters.getByRole("button", { name: "Filter" }).click();
  await page.waitForURL(/status=revoked/);
  await expect(row).toContainText("revoked");
  await filters.getByLabel("Status").selectOption({ label: "Active" });
  await filters.getByRole("button", { name: "Filter" }).click();
  await page.waitForURL(/status=active/);
  await expect(page.getByRole("heading", { name: "No keys match these filters" })).toBeVisible();
  await expectAccessible(page);
  await page.goto(`/${slug}/api-keys?status=revoked&scope=organization`);
  await expect(row).toBeVisible();
  await page.goto(`/${slug}/api-keys?scope=project`);
  await expect(page.getByRole("heading", { name: "No keys match these filters" })).toBeVisible();
  await page.getByRole("link", { name: "Show all keys" }).click();
  await expect(row).toBeVisible();

  // The key policy: once expiry is required, "Never" is no longer offered.
  const policy = page.getByRole("form", { name: "Key policy" });
  await policy.getByLabel("New keys must have an expiry date").check();
  await policy.getByLabel("Maximum lifetime (days)").fill("60");
  await policy.getByLabel("Default requests per day").fill("100000");
  await policy.getByRole("button", { name: "Save policy" }).click();
  await expect(policy.getByRole("status")).toContainText("Saved");
  await page.reload();
  await expect(policy.getByLabel("New keys must have an expiry date")).toBeChecked();
  await expect(policy.getByLabel("Maximum lifetime (days)")).toHaveValue("60");
  await page.getByRole("button", { name: "New API key" }).click();
  const expiry = page.getByRole("dialog").getByLabel("Expires", { exact: true });
  await expect(expiry.locator("option")).toHaveText(["In 7 days", "In 30 days", "In 60 days (the maximum)", "On a date…"]);
  await expect(page.getByRole("dialog")).toContainText("at most 60 days");
  await expect(page.getByRole("dialog")).toContainText("default (100,000)");
  await context.close();
});
