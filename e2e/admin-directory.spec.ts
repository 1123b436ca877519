import { expect, test } from "@playwright/test";
import { inviteAndAccept, ownerWithOrg, signUpInstanceAdmin, uniqueEmail } from "./helpers";

test("an instance admin opens an organization, goes to one of its members and back, and finds users by name", async ({ browser }) => {
  const admin = await signUpInstanceAdmin(browser, "dir-admin", "/admin/users", "All users");
  const { page } = admin;
  // An organization of someone else, with a second member.
  const owner = await ownerWithOrg(browser, "dir-owner");
  const memberEmail = uniqueEmail("dir-member");
  await inviteAndAccept(owner.page, browser, owner.slug, memberEmail, "Viewer: Read-only access");

  await page.goto("/admin");
  await page.getByTestId(`org-row-${owner.slug}`).getByRole("link").click();
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  const facts = page.getByRole("definition");
  await expect(page.getByLabel("Organization facts")).toContainText("Members2");
  await expect(facts.first()).toBeVisible();
  const members = page.getByRole("table", { name: "Members" });
  await expect(members.getByRole("row")).toHaveCount(3);
  await expect(members).toContainText("Owner");
  await expect(page.getByRole("table", { name: "Recent changes" })).toContainText("organization.created");
  const orgUrl = page.url();

  await members.getByRole("row").filter({ hasText: memberEmail }).getByRole("link").click();
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(page.getByText(memberEmail).first()).toBeVisible();
  await expect(page.getByLabel("User facts")).toContainText("Active sessions1");
  const orgs = page.getByRole("table", { name: "Organizations" });
  await expect(orgs).toContainText("Viewer");
  await orgs.getByRole("link").click();
  await expect(page).toHaveURL(orgUrl);

  // All users: searched, linked; a nonsense or unknown id is a 404 page.
  await page.goto("/admin/users");
  await page.getByRole("searchbox", { name: "Search users by name or email" }).fill(memberEmail);
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByRole("table", { name: "All users" }).getByRole("row")).toHaveCount(2);
  await expect(page.getByTestId(`user-row-${memberEmail}`)).toContainText("Confirmed");
  expect((await page.goto("/admin/users/not-a-user"))?.status()).toBe(404);
  expect((await page.goto("/admin/organizations/00000000-0000-4000-8000-000000000000"))?.status()).toBe(404);

  // Someone who is not an instance admin sees a 403 with the reason, and nothing of the user.
  const userUrl = `/admin/users/${(await page.goto("/admin/users"), await page.getByTestId(`user-row-${memberEmail}`).getByRole("link").getAttribute("href"))!.split("/").pop()}`;
  const response = await owner.page.goto(userUrl);
  expect(response?.status()).toBe(403);
  await expect(owner.page.getByText("Only instance admins can see this page.")).toBeVisible();
  await expect(owner.page.getByText(memberEmail)).toHaveCount(0);

  await owner.context.close();
  await admin.context.close();
});
