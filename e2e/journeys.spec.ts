import { expect, test, type Locator, type Page } from "@playwright/test";
import { mailedLink, PASSWORD, uniqueEmail } from "./helpers";

// The main journeys, counted in the actions a person takes (a click, a field
// filled, a choice made, a link followed from mail, a call of the API), so
// that they stay short: the test fails when one grows past its budget.
class Journey {
  actions = 0;
  constructor(readonly page: Page) {}
  async click(target: Locator) {
    this.actions++;
    await target.click();
  }
  async fill(target: Locator, value: string) {
    this.actions++;
    await target.fill(value);
  }
  async follow(path: string) {
    this.actions++;
    await this.page.goto(path);
  }
  async choose(select: Locator, label: string) {
    this.actions++;
    await select.selectOption({ label });
  }
  async call<T>(work: () => Promise<T>) {
    this.actions++;
    return work();
  }
}

test("the main journeys stay short: sign-up to a working organization, an empty organization to an API key the check API answers, an invitation to a custom role on one project", async ({
  page,
  request,
}) => {
  const email = uniqueEmail("journey");
  await page.goto("/sign-up");

  const signUp = new Journey(page);
  await signUp.fill(page.getByLabel("Name"), "Journey Person");
  await signUp.fill(page.getByLabel("Email"), email);
  await signUp.fill(page.getByLabel("Password"), PASSWORD);
  await signUp.click(page.getByRole("button", { name: "Create account" }));
  await expect(page.getByTestId("check-inbox")).toContainText(email);
  await signUp.follow(await mailedLink(email, "/verify-email"));
  await signUp.fill(page.getByLabel("Your password"), PASSWORD);
  await signUp.click(page.getByRole("button", { name: "Confirm and continue" }));
  // The organization's name is suggested (here the address's domain, "Example"): confirming it is enough.
  await expect(page.getByLabel("Name")).toHaveValue("Example");
  await signUp.click(page.getByRole("button", { name: "Create organization" }));
  await expect(page.getByRole("heading", { name: "Members", level: 1 })).toBeVisible();
  const slug = new URL(page.url()).pathname.split("/")[1]!;
  test.info().annotations.push({ type: "journey", description: `sign-up to a working organization: ${signUp.actions} actions` });
  expect(signUp.actions).toBeLessThanOrEqual(8);

  const firstKey = new Journey(page);
  await firstKey.click(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API keys" }));
  await firstKey.click(page.getByRole("button", { name: "New API key" }));
  const dialog = page.getByRole("dialog");
  await firstKey.fill(dialog.getByLabel("Name"), "product backend");
  await firstKey.click(dialog.getByRole("checkbox", { name: "authz:check" }));
  await firstKey.click(dialog.getByRole("button", { name: "Create key" }));
  await firstKey.click(dialog.getByRole("button", { name: "Copy key" }));
  const key = await dialog.getByTestId("new-api-key").inputValue();
  await firstKey.click(dialog.getByRole("button", { name: "Done" }));
  const answer = await firstKey.call(() =>
    request.post("/api/v1/authz/check", { headers: { authorization: `Bearer ${key}` }, data: { subject: { type: "user", id: email }, permission: "members:read" } }),
  );
  expect(answer.status()).toBe(200);
  expect(await answer.json()).toMatchObject({ allowed: true });
  test.info().annotations.push({ type: "journey", description: `empty organization (${slug}) to an API key the check API answers: ${firstKey.actions} actions` });
  // The issue allows 12; the budget is what it takes today, so that any growth is seen.
  expect(firstKey.actions).toBeLessThanOrEqual(8);

  // "Get started" on the members page has ticked off the key and the check (the check once the decision log is written).
  await expect(async () => {
    await page.goto(`/${slug}/members`);
    await expect(page.getByTestId("onboarding-key")).toHaveAttribute("data-done", "true");
    await expect(page.getByTestId("onboarding-check")).toHaveAttribute("data-done", "true", { timeout: 1_000 });
  }).toPass();
  await expect(page.getByTestId("onboarding-role")).toHaveAttribute("data-done", "false");
  await expect(page.getByRole("progressbar", { name: "Steps done" })).toHaveAttribute("aria-valuenow", "2");

  // The organization has a custom role and a project (made here, not counted: they are journeys of their own).
  await page.goto(`/${slug}/roles`);
  await page.getByRole("button", { name: "New role" }).click();
  await page.getByRole("dialog").getByLabel("Name").fill("Developer");
  // Near its limit a field says how much room is left.
  const description = page.getByRole("dialog").getByLabel("Description");
  await description.fill("x".repeat(250));
  await expect(page.getByRole("dialog").getByText("50 characters left")).toBeVisible();
  await expect(description).toHaveAttribute("aria-describedby", /role-description-count/);
  await description.fill("Builds the product");
  await expect(page.getByRole("dialog").getByText(/characters left/)).toHaveCount(0);
  await page.getByRole("dialog").getByRole("checkbox", { name: "grants:read" }).check();
  await page.getByRole("dialog").getByRole("button", { name: "Create role" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await page.goto(`/${slug}/projects`);
  await page.getByRole("button", { name: "New project" }).click();
  await page.getByRole("dialog").getByLabel("Name").fill("Web");
  await page.getByRole("dialog").getByRole("button", { name: "Create project" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);

  // Inviting someone who then holds the custom role on one project: the invitation carries it.
  const invitee = uniqueEmail("invitee");
  const invite = new Journey(page);
  await invite.click(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Members" }));
  await invite.click(page.getByRole("button", { name: "Invite member" }));
  const inviteDialog = page.getByRole("dialog");
  await invite.fill(inviteDialog.getByLabel("Email"), invitee);
  // The membership role starts at the least one (Viewer): nothing to choose there.
  await expect(inviteDialog.locator("select[name=roleId]")).toHaveValue(/.+/);
  await invite.choose(inviteDialog.getByLabel("Project"), "Web");
  await invite.choose(inviteDialog.getByLabel("Role there"), "Developer");
  await invite.click(inviteDialog.getByRole("button", { name: "Send invitation" }));
  await expect(inviteDialog.getByTestId("invitation-link")).toBeVisible();
  const inviteeContext = await page.context().browser()!.newContext();
  const inviteePage = await inviteeContext.newPage();
  const joining = new Journey(inviteePage);
  await joining.follow(await mailedLink(invitee, "/invite"));
  await joining.click(inviteePage.getByRole("link", { name: "Create an account to accept" }));
  // The page says, before the account is made, that making it joins the organization and as what.
  await expect(inviteePage.getByTestId("sign-up-purpose")).toContainText(`accepts the invitation to join`);
  await expect(inviteePage.getByTestId("sign-up-purpose")).toContainText("Viewer, and Developer on the Web project");
  await joining.fill(inviteePage.getByLabel("Name"), "Invited Person");
  await joining.fill(inviteePage.getByLabel("Password"), PASSWORD);
  await joining.click(inviteePage.getByRole("button", { name: "Create account" }));
  await expect(inviteePage.getByTestId("check-inbox")).toContainText(invitee);
  await joining.follow(await mailedLink(invitee, "/verify-email"));
  await joining.fill(inviteePage.getByLabel("Your password"), PASSWORD);
  await joining.click(inviteePage.getByRole("button", { name: "Confirm and continue" }));
  await inviteePage.waitForURL(`**/${slug}/members`);
  await inviteeContext.close();
  // The owner sees what the invitation gave: a grant of Developer on Web to the new member.
  await page.goto(`/${slug}/access`);
  const grantRow = page.getByRole("table", { name: "Grants" }).getByRole("row").filter({ hasText: invitee });
  await expect(grantRow).toContainText("Developer");
  await expect(grantRow).toContainText("Web");
  const invited = invite.actions + joining.actions;
  test.info().annotations.push({ type: "journey", description: `inviting someone who then holds a custom role on one project: ${invited} actions` });
  // The issue allows 15; the budget is today's count.
  expect(invited).toBeLessThanOrEqual(14);
});
