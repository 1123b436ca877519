import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { confirmSignUp, createOrg, expectAccessible, PASSWORD, signUp, uniqueEmail } from "./helpers";

test("an owner signs up, creates an organization, invites a teammate who accepts, changes their role and reads the audit log", async ({ browser }) => {
  const ownerContext = await browser.newContext();
  const owner = await ownerContext.newPage();
  const ownerEmail = uniqueEmail("owner");
  const teammateEmail = uniqueEmail("teammate");

  // Sign up and create an organization.
  await signUp(owner, { name: "Olive Owner", email: ownerEmail });
  await owner.waitForURL("**/orgs/new");
  await expect(owner.getByRole("heading", { name: "Create an organization" })).toBeVisible();
  const slug = await createOrg(owner, "Acme Rockets");
  await expect(owner.getByRole("heading", { name: "Members", level: 1 })).toBeVisible();
  await expect(owner.getByTestId(`member-${ownerEmail}`)).toContainText("Owner");

  // Invite a teammate as Viewer; the dialog shows the link (no SMTP here).
  await owner.getByRole("button", { name: "Invite member" }).click();
  const dialog = owner.getByRole("dialog");
  await dialog.getByLabel("Email").fill(teammateEmail);
  await dialog.getByLabel("Role").selectOption({ label: "Viewer: Read-only access" });
  await dialog.getByRole("button", { name: "Send invitation" }).click();
  const link = await dialog.getByTestId("invitation-link").inputValue();
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(owner.getByTestId(`invitation-${teammateEmail}`)).toContainText("pending");

  // The teammate opens the link in another browser, signs up and accepts.
  const teammateContext = await browser.newContext();
  const teammate = await teammateContext.newPage();
  await teammate.goto(new URL(link).pathname);
  await expect(teammate.getByRole("heading", { name: "Join Acme Rockets" })).toBeVisible();
  await expectAccessible(teammate);
  await teammate.getByRole("link", { name: "Create an account to accept" }).click();
  await expect(teammate.getByLabel("Email")).toHaveValue(teammateEmail);
  await teammate.getByLabel("Name").fill("Theo Teammate");
  await teammate.getByLabel("Password").fill(PASSWORD);
  await teammate.getByRole("button", { name: "Create account" }).click();
  // Signing up through the invitation is accepting it: the sign-up link leads into the organization.
  await confirmSignUp(teammate, teammateEmail);
  await teammate.waitForURL(`**/${slug}/members`);
  await expect(teammate.getByTestId(`member-${teammateEmail}`)).toContainText("Viewer");
  // A viewer sees no invite button and no audit log link.
  await expect(teammate.getByRole("button", { name: "Invite member" })).toHaveCount(0);
  await expect(teammate.getByRole("link", { name: "Audit log" })).toHaveCount(0);

  // The link works once: opened again by the teammate it leads into the organization, by anyone else it is spent.
  const reuse = await teammateContext.newPage();
  await reuse.goto(new URL(link).pathname);
  await reuse.waitForURL(`**/${slug}/members`);
  const strangerContext = await browser.newContext();
  const stranger = await strangerContext.newPage();
  await stranger.goto(new URL(link).pathname);
  await expect(stranger.getByText("This invitation can no longer be used")).toBeVisible();
  await strangerContext.close();

  // The owner makes the teammate an admin.
  await owner.reload();
  await expect(owner.getByTestId(`member-${teammateEmail}`)).toBeVisible();
  await owner.getByLabel(`Role of ${teammateEmail}`).selectOption({ label: "Admin" });
  await expect(owner.getByLabel(`Role of ${teammateEmail}`)).toHaveValue(/.+/);
  await expect
    .poll(async () => {
      await teammate.reload();
      return teammate.getByTestId(`member-${teammateEmail}`).textContent();
    })
    .toContain("Admin");

  // The audit log shows it all, newest first, and filters by action.
  await owner.getByRole("link", { name: "Audit log" }).click();
  await owner.waitForURL(`**/${slug}/audit`);
  const rows = owner.getByRole("table", { name: "Audit events" }).getByRole("row");
  await expect(rows.nth(1)).toContainText("member.role_changed");
  await expect(rows.nth(2)).toContainText("member.joined");
  await expect(rows.nth(3)).toContainText("member.invited");
  await expect(rows.nth(4)).toContainText("organization.created");
  await expectAccessible(owner);
  await owner.getByLabel("Action").selectOption("member.role_changed");
  await owner.getByRole("button", { name: "Filter" }).click();
  await expect(rows).toHaveCount(2);
  // The change in words, the stored JSON behind a toggle.
  await expect(rows.nth(1)).toContainText(/Role: Viewer →.*Admin/);
  await expect(rows.nth(1).getByText('"role": "Viewer"')).toBeHidden();
  await rows.nth(1).getByText("JSON").click();
  await expect(rows.nth(1)).toContainText('"role": "Viewer"');
  await expect(rows.nth(1)).toContainText('"role": "Admin"');
  // Exports hold what the filters select, with the change in words.
  const [csv] = await Promise.all([owner.waitForEvent("download"), owner.getByRole("button", { name: "Export CSV" }).click()]);
  expect(csv.suggestedFilename()).toMatch(new RegExp(`^audit-${slug}-\\d{4}-\\d{2}-\\d{2}\\.csv$`));
  const lines = (await readFile((await csv.path())!, "utf8")).trim().split("\r\n");
  expect(lines[0]).toBe("time,actor,actor_id,action,target_type,target_id,target_name,ip,changes,before,after");
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain(`member.role_changed`);
  expect(lines[1]).toContain(`Role: Viewer → Admin`);
  expect(lines[1]).toContain(teammateEmail);
  await expect(owner.getByRole("status").filter({ hasText: "Exported 1 event" })).toBeVisible();
  await owner.getByLabel("Actor").fill("nobody-matches");
  await owner.getByRole("button", { name: "Filter" }).click();
  await expect(owner.getByText("No events match these filters")).toBeVisible();

  // Members are searched by name or email.
  await owner.goto(`/${slug}/members`);
  await owner.getByRole("searchbox", { name: "Search members by name or email" }).fill("theo");
  await owner.getByRole("button", { name: "Search" }).click();
  await expect(owner.getByRole("table", { name: "Members" }).getByRole("row")).toHaveCount(2);
  await expect(owner.getByTestId(`member-${teammateEmail}`)).toBeVisible();
  await expect(owner.getByRole("heading", { name: "Members (1)" })).toBeVisible();
  await owner.getByRole("searchbox", { name: "Search members by name or email" }).fill("nobody-matches");
  await owner.getByRole("button", { name: "Search" }).click();
  await expect(owner.getByText("No members match")).toBeVisible();

  await ownerContext.close();
  await teammateContext.close();
});
