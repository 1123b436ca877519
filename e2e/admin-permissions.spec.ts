import { expect, test } from "@playwright/test";
import pg from "pg";
import { expectAccessible, signUp, uniqueEmail } from "./helpers";

test("an instance admin declares, edits and retires a product permission", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const email = uniqueEmail("permissions-admin");
  await signUp(page, { name: "Permissions admin", email });
  await page.waitForURL("**/orgs/new");
  const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  await client.query(`UPDATE "User" SET "isInstanceAdmin" = true WHERE email = $1`, [email]);
  await client.end();
  // Sessions cache the account for 2 s.
  await expect(async () => {
    await page.goto("/admin/permissions");
    await expect(page.getByRole("heading", { name: "Product permissions", level: 1 })).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });

  const key = `reports${Date.now().toString(36)}:export`;
  await page.getByRole("textbox", { name: "Permission", exact: false }).fill(key);
  await page.getByRole("textbox", { name: "Description" }).fill("Export reports");
  await page.getByRole("button", { name: "Declare" }).click();
  const row = page.getByRole("row").filter({ hasText: key });
  await expect(row).toContainText("Export reports");

  await row.getByRole("button", { name: `Edit ${key}` }).click();
  await page.getByRole("dialog").getByLabel("Description").fill("Export every report");
  await page.getByRole("dialog").getByRole("button", { name: "Save" }).click();
  await expect(row).toContainText("Export every report");
  await expectAccessible(page);

  await row.getByRole("button", { name: `Retire ${key}` }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Retire permission" }).click();
  await expect(page.getByRole("row").filter({ hasText: key })).toHaveCount(0);
  await context.close();
});
