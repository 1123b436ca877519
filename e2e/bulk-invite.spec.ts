import { expect, test } from "@playwright/test";
import { expectAccessible, ownerWithOrg, uniqueEmail } from "./helpers";

test("several people are invited at once: a malformed address refuses all, then each gets an invitation and a result", async ({ browser }) => {
  const { context, page, slug } = await ownerWithOrg(browser, "bulk");
  await page.goto(`/${slug}/members`);
  await page.getByRole("button", { name: "Invite member" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("button", { name: "Invite several at once" }).click();
  const [ada, grace] = [uniqueEmail("ada"), uniqueEmail("grace")];
  const emails = dialog.getByLabel("Email addresses");
  await emails.fill(`Ada <${ada}>, broken@\n${grace}`);
  await dialog.getByRole("button", { name: "Send invitations" }).click();
  await expect(emails).toHaveAttribute("aria-invalid", "true");
  await expect(dialog).toContainText("“broken@” is not a valid email address. Nothing was sent.");
  await expectAccessible(page);

  await emails.fill(`Ada <${ada}>\n${grace}`);
  await dialog.getByRole("button", { name: "Send invitations" }).click();
  await expect(dialog.getByTestId(`bulk-invite-${ada}`)).toContainText("Sent");
  await expect(dialog.getByTestId(`bulk-invite-${grace}`)).toContainText("Sent");
  await expect(dialog.getByRole("button", { name: "Done" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByTestId(`invitation-${ada}`)).toContainText("pending");
  await expect(page.getByTestId(`invitation-${grace}`)).toContainText("pending");

  // Again with one of them: it is reported beside the new one, not sent twice.
  const alan = uniqueEmail("alan");
  await page.getByRole("button", { name: "Invite member" }).click();
  await dialog.getByRole("button", { name: "Invite several at once" }).click();
  await dialog.getByLabel("Email addresses").fill(`${ada} ${alan}`);
  await dialog.getByRole("button", { name: "Send invitations" }).click();
  await expect(dialog.getByTestId(`bulk-invite-${ada}`)).toContainText("already has a pending invitation");
  await expect(dialog.getByTestId(`bulk-invite-${alan}`)).toContainText("Sent");
  await context.close();
});
