import { expect, test } from "@playwright/test";
import { expectAccessible, signUpInstanceAdmin } from "./helpers";

test("an instance admin declares, edits and retires a product permission", async ({ browser }) => {
  const { context, page } = await signUpInstanceAdmin(browser, "permissions-admin", "/admin/permissions", "Product permissions");

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
