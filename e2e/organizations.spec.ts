import { expect, test } from "@playwright/test";
import { createOrg, ownerWithOrg } from "./helpers";

test("an owner switches between organizations, renames one and deletes it after confirming", async ({ browser }) => {
  const { context, page, slug: first } = await ownerWithOrg(browser, "orgs");
  const second = await createOrg(page, "Second Org");

  // Switch back to the first organization through the switcher.
  await page.getByRole("button", { name: /Organization: Second Org/ }).click();
  await page.getByRole("menuitem", { name: /^orgs / }).click();
  await page.waitForURL(`**/${first}/members`);

  // Rename the second one: a taken slug is refused with a clear message.
  await page.goto(`/${second}/settings`);
  await page.getByLabel("Slug").fill(first);
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText(`The slug "${first}" is taken. Choose another.`)).toBeVisible();
  const renamed = `${second}-renamed`;
  await page.getByLabel("Name").fill("Renamed Org");
  await page.getByLabel("Slug").fill(renamed);
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.waitForURL(`**/${renamed}/settings`);
  await expect(page.getByRole("button", { name: /Organization: Renamed Org/ })).toBeVisible();

  // Delete it: the button stays disabled until the slug is typed.
  await page.getByRole("button", { name: "Delete organization" }).click();
  const dialog = page.getByRole("dialog");
  const confirm = dialog.getByRole("button", { name: "Delete forever" });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel("Organization slug").fill(renamed);
  await confirm.click();
  await page.waitForURL(`**/${first}/members`);
  expect((await page.goto(`/${renamed}/members`))?.status()).toBe(404);
  await context.close();
});
