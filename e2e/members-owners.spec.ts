import { expect, test } from "@playwright/test";
import { expectAccessible, inviteAndAccept, ownerWithOrg, uniqueEmail } from "./helpers";

// Only an owner makes, demotes or removes an owner: the members page offers
// none of it to anyone else (lib/members/owner-only.ts refuses it anyway).
test("the members page offers Owner, and an owner's role and removal, only to owners", async ({ browser }) => {
  const { context, page: owner, slug, email: ownerEmail } = await ownerWithOrg(browser, "owners");
  const adminEmail = uniqueEmail("admin");
  const memberEmail = uniqueEmail("member");
  const admin = await inviteAndAccept(owner, browser, slug, adminEmail, "Admin: Manages members, roles, keys and settings");
  const member = await inviteAndAccept(owner, browser, slug, memberEmail, "Member: Works in the organization's projects");

  // The owner may make the admin an owner.
  await owner.goto(`/${slug}/members`);
  await expect(owner.getByLabel(`Role of ${adminEmail}`).locator("option", { hasText: /^Owner$/ })).toHaveCount(1);

  // The admin manages members, but is offered no ownership and cannot touch the owner.
  const page = admin.page;
  await page.goto(`/${slug}/members`);
  const memberRole = page.getByLabel(`Role of ${memberEmail}`);
  await expect(memberRole).toBeVisible();
  await expect(memberRole.locator("option", { hasText: /^Admin$/ })).toHaveCount(1);
  await expect(memberRole.locator("option", { hasText: /^Owner$/ })).toHaveCount(0);
  const ownerRow = page.getByTestId(`member-${ownerEmail}`);
  await expect(ownerRow).toContainText("Owner");
  await expect(page.getByLabel(`Role of ${ownerEmail}`)).toHaveCount(0);
  await expect(page.getByRole("button", { name: `Remove ${ownerEmail}` })).toHaveCount(0);
  await expect(page.getByRole("button", { name: `Remove ${memberEmail}` })).toBeVisible();

  await page.getByRole("button", { name: "Invite member" }).click();
  const invite = page.getByRole("dialog").getByLabel("Role");
  await expect(invite.locator("option", { hasText: /^Admin:/ })).toHaveCount(1);
  await expect(invite.locator("option", { hasText: /^Owner:/ })).toHaveCount(0);
  await page.keyboard.press("Escape");
  await expectAccessible(page);

  await Promise.all([context.close(), admin.context.close(), member.context.close()]);
});

test("a section a member may not open answers a real 403 inside the dashboard, with the reason, and logs one decision", async ({ browser }) => {
  const owner = await ownerWithOrg(browser, "forbid");
  const email = uniqueEmail("viewer");
  const viewer = await inviteAndAccept(owner.page, browser, owner.slug, email, "Viewer: Read-only access");
  const res = await viewer.page.goto(`/${owner.slug}/decisions`);
  expect(res?.status()).toBe(403);
  await expect(viewer.page.getByText("You do not have access to this page")).toBeVisible();
  await expect(viewer.page.getByText("None of your roles grants decisions:read.")).toBeVisible();
  await expect(viewer.page.getByRole("navigation").getByRole("link", { name: "Members" }).first()).toBeVisible();
  expect((await viewer.page.goto(`/${owner.slug}/members`))?.status()).toBe(200);
  // Settings they may read but not change: every disabled form says why.
  await viewer.page.goto(`/${owner.slug}/settings`);
  await expect(viewer.page.getByLabel("Name")).toBeDisabled();
  await expect(viewer.page.getByText(/Only members allowed to update the organization can change (these|them|it)\./)).toHaveCount(3);
  // The owner's decision log shows that denial once (layout and page share one decision).
  await owner.page.goto(`/${owner.slug}/decisions?permission=decisions:read&result=denied`);
  await expect(owner.page.getByRole("table", { name: "Decisions" }).getByRole("row")).toHaveCount(2);
  await viewer.context.close();
  await owner.context.close();
});
