import { expect, test } from "@playwright/test";
import { expectAccessible, signUpInstanceAdmin } from "./helpers";

test("an instance admin sees the background jobs, runs one now and sees it complete", async ({ browser }) => {
  test.setTimeout(120_000);
  const { context, page } = await signUpInstanceAdmin(browser, "jobs-admin", "/admin/jobs", "Jobs");
  const retention = page.getByTestId("job-usage-retention");
  await expect(retention).toContainText("Runs on cron 17 3 * * * (UTC).");
  await expect(retention.getByTestId("job-counts")).toContainText("failed in the last 7 days");
  await expectAccessible(page);
  await retention.getByRole("button", { name: "Run Usage retention now" }).click();
  await expect(async () => {
    await page.reload();
    await expect(retention.getByRole("table", { name: "Last runs of Usage retention" })).toContainText("completed", { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expect(retention.getByRole("table", { name: "Last runs of Usage retention" })).toContainText("partitionsDropped");
  await context.close();
});
