import { randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";
import { expectAccessible, ownerWithOrg, signUpInstanceAdmin } from "./helpers";

test("an instance admin defines a plan in the browser (a wrong key refused in words), puts an organization on it and grants it a credit", async ({ browser }) => {
  test.setTimeout(120_000);
  const { context, page } = await signUpInstanceAdmin(browser, "plans-admin", "/admin/meters", "Meters");
  const suffix = randomUUID().slice(0, 6);
  // A meter to price.
  await page.getByRole("button", { name: "New meter" }).click();
  const meterDialog = page.getByRole("dialog");
  await meterDialog.getByLabel("Key").fill(`seats_${suffix}`);
  await meterDialog.getByLabel("Name").fill(`Seats ${suffix}`);
  await meterDialog.getByLabel("Event type").fill(`seat.${suffix}`);
  await meterDialog.getByRole("button", { name: "Create meter" }).click();
  await expect(meterDialog).toBeHidden();
  await expect(page.getByText("Meter created")).toBeVisible();

  await page.goto("/admin/plans");
  await page.getByRole("button", { name: "New plan" }).click();
  const dialog = page.getByRole("dialog");
  await expectAccessible(page);
  await dialog.getByRole("textbox", { name: "Key", exact: true }).fill(`Team ${suffix}`);
  await dialog.getByRole("textbox", { name: "Name", exact: true }).fill("Team");
  await dialog.getByLabel("Base fee (minor units)").fill("4900");
  await dialog.locator(`#plan-price-seats_${suffix}`).fill("12.5");
  await dialog.locator(`#plan-included-seats_${suffix}`).fill("10");
  await dialog.getByRole("textbox", { name: "Members", exact: true }).fill("25");
  await dialog.getByLabel("Events a month").fill("1000000");
  await dialog.getByRole("checkbox", { name: "Soft" }).nth(2).check();
  await dialog.getByRole("button", { name: "Create plan" }).click();
  await expect(dialog.getByRole("textbox", { name: "Key", exact: true })).toHaveAccessibleDescription(/Lowercase letters, digits, _ and -, starting with a letter/);
  await expect(dialog.getByRole("textbox", { name: "Key", exact: true })).toHaveAttribute("aria-invalid", "true");
  await dialog.getByRole("textbox", { name: "Key", exact: true }).fill(`team-${suffix}`);
  await dialog.getByRole("button", { name: "Create plan" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText("Plan created")).toBeVisible();
  const row = page.getByTestId(`plan-row-team-${suffix}`);
  await expect(row).toContainText("$49.00 / month");
  await expect(row).toContainText(`Seats ${suffix}: 12.5 USD minor units per unit, 10 included`);
  await expect(row).toContainText("25 members · 1,000,000 events a month (soft) · no SSO");

  // An organization is put on it, and given a credit, from the list of organizations.
  const owner = await ownerWithOrg(browser, "plan-target");
  await page.goto("/admin");
  const org = page.getByTestId(`org-row-${owner.slug}`);
  await expect(org).toContainText("No plan");
  await org.getByRole("button", { name: /Choose a plan for/ }).click();
  const planDialog = page.getByRole("dialog");
  await planDialog.getByLabel("Plan").selectOption(`team-${suffix}`);
  await planDialog.getByRole("button", { name: "Save plan" }).click();
  await expect(planDialog).toBeHidden();
  await expect(page.getByText(/^Plan saved for /)).toBeVisible();
  await expect(org).toContainText("Team");
  await org.getByRole("button", { name: /Grant credit to/ }).click();
  const creditDialog = page.getByRole("dialog");
  await creditDialog.getByLabel("Amount (minor units)").fill("5000");
  await creditDialog.getByLabel("Description").fill("Welcome credit");
  await creditDialog.getByRole("button", { name: "Grant credit" }).click();
  await expect(creditDialog).toBeHidden();
  await expect(page.getByText(/^Credit granted to /)).toBeVisible();
  await expectAccessible(page);
  await owner.page.goto(`/${owner.slug}/billing`);
  await expect(owner.page.getByRole("heading", { name: /Team/ })).toBeVisible();
  await expect(owner.page.getByText("Welcome credit")).toBeVisible();
  await owner.context.close();
  await context.close();
});
