import { expect, test } from "@playwright/test";
import { randomUUID } from "node:crypto";
import { expectAccessible, signUpInstanceAdmin } from "./helpers";

test("an instance admin manages provisioning keys: expiry, IP allow list and limits, use, rotation with overlap, revocation", async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const { context, page } = await signUpInstanceAdmin(browser, "instance-admin", "/admin/api-keys", "Provisioning keys");

  // From the test process, as the product's back end calls Tollgate (from 127.0.0.1).
  const provision = async (key: string) => {
    const res = await fetch(`${baseURL}/api/v1/users?email=nobody%40example.test`, { headers: { authorization: `Bearer ${key}` } });
    const body = (await res.json()) as { error?: { code: string } };
    return { status: res.status, code: body.error?.code };
  };

  // A bad range is explained and creates nothing.
  const name = `sign-up ${randomUUID().slice(0, 6)}`;
  await page.getByRole("button", { name: "New provisioning key" }).click();
  const create = page.getByRole("dialog");
  await create.getByLabel("Name").fill(name);
  await expect(create.getByLabel("Expires", { exact: true })).toHaveValue("never");
  await create.getByLabel("Expires", { exact: true }).selectOption({ label: "In 30 days" });
  await create.getByLabel("Allowed IP addresses").fill("300.1.1.1");
  await create.getByRole("button", { name: "Create key" }).click();
  await expect(create.getByRole("alert")).toContainText("300.1.1.1 is not an IP address or CIDR range");
  await create.getByLabel("Allowed IP addresses").fill("127.0.0.1\n::1");
  await create.getByLabel("Requests per second").fill("20");
  await create.getByLabel("Requests per day").fill("5000");
  await expectAccessible(page);
  await create.getByRole("button", { name: "Create key" }).click();
  const first = await create.getByTestId("new-api-key").inputValue();
  expect(first).toMatch(/^tg_live_/);
  await create.getByRole("button", { name: "Done" }).click();

  const row = page.getByTestId(`instance-key-${name}`);
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("only from 127.0.0.1, ::1 · 20/s · 5,000/day");
  await expect(row).toContainText("active");
  await expect(row.getByTestId("expires")).not.toHaveText("Never");
  await expect(row.getByTestId("expires").locator("time")).toHaveAttribute("datetime", /^\d{4}-/);
  await expect(row.getByTestId("last-used")).toHaveText("Never");

  expect(await provision(first)).toEqual({ status: 200, code: undefined });
  // Usage is written in batches every ~10 s.
  await expect(async () => {
    await page.reload();
    await expect(row.getByTestId("last-used")).toContainText("1 request", { timeout: 500 });
  }).toPass({ timeout: 25_000 });
  await expect(row.getByTestId("last-used")).toContainText(/just now|ago/);

  // Rotate with the default overlap: the old secret keeps working for a while.
  await row.getByRole("button", { name: `Rotate key ${name}` }).click();
  const rotate = page.getByRole("dialog");
  await expect(rotate.getByRole("radio", { name: /Keep it working for 24 hours/ })).toBeChecked();
  await expectAccessible(page);
  await rotate.getByRole("button", { name: "Rotate key" }).click();
  const second = await rotate.getByTestId("new-api-key").inputValue();
  expect(second).not.toBe(first);
  await expect(rotate).toContainText("The old secret works until");
  await rotate.getByRole("button", { name: "Done" }).click();
  await expect(row).toContainText("Old secret works until");
  expect(await provision(first)).toMatchObject({ status: 200 });
  expect(await provision(second)).toMatchObject({ status: 200 });

  // Rotate again, stopping the replaced secret at once.
  await row.getByRole("button", { name: `Rotate key ${name}` }).click();
  await page
    .getByRole("dialog")
    .getByRole("radio", { name: /Stop the old secret now/ })
    .check();
  await page.getByRole("dialog").getByRole("button", { name: "Rotate key" }).click();
  const third = await page.getByRole("dialog").getByTestId("new-api-key").inputValue();
  await expect(page.getByRole("dialog")).toContainText("The old secret no longer works.");
  await page.getByRole("dialog").getByRole("button", { name: "Done" }).click();
  expect(await provision(second)).toEqual({ status: 401, code: "rotated_api_key" });
  expect(await provision(third)).toMatchObject({ status: 200 });

  // A key expiring within a week says so.
  const soon = `${name} soon`;
  await page.getByRole("button", { name: "New provisioning key" }).click();
  await page.getByRole("dialog").getByLabel("Name").fill(soon);
  await page.getByRole("dialog").getByLabel("Expires", { exact: true }).selectOption({ label: "In 7 days" });
  await page.getByRole("dialog").getByRole("button", { name: "Create key" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Done" }).click();
  await expect(page.getByTestId(`instance-key-${soon}`)).toContainText("expiring soon");
  await expect(page.getByTestId(`instance-key-${soon}`)).toContainText("Any address, no rate limit");

  // Revoke: every secret of the key stops working.
  await row.getByRole("button", { name: `Revoke key ${name}` }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Revoke key" }).click();
  await expect(row).toContainText("revoked");
  await expect(row.getByRole("button", { name: `Rotate key ${name}` })).toHaveCount(0);
  expect(await provision(third)).toEqual({ status: 401, code: "revoked_api_key" });
  await expectAccessible(page);
  await context.close();
});
