import { expect, test } from "@playwright/test";
import pg from "pg";
import { expectAccessible, inviteAndAccept, ownerWithOrg, uniqueEmail } from "./helpers";

test.beforeAll(async () => {
  // The instance admin declares the product's permissions (Instance admin > Product permissions).
  const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  await client.query(`INSERT INTO "ProductPermission" (key, description) VALUES ('traces:read', 'Read traces') ON CONFLICT DO NOTHING`);
  await client.end();
});

test("a custom role given to a group on one project changes a member's access, and the decision log explains the denial", async ({ browser }) => {
  const { context, page: owner, slug } = await ownerWithOrg(browser, "authz");
  const teammateEmail = uniqueEmail("analyst");
  const teammate = await inviteAndAccept(owner, browser, slug, teammateEmail, "Member: Works in the organization's projects");

  // Two projects.
  for (const name of ["Web", "Mobile"]) {
    await owner.goto(`/${slug}/projects`);
    await owner.getByRole("button", { name: "New project" }).click();
    await owner.getByRole("dialog").getByLabel("Name").fill(name);
    await owner.getByRole("dialog").getByRole("button", { name: "Create project" }).click();
    await expect(owner.getByRole("table", { name: "Projects" })).toContainText(name);
  }
  await expectAccessible(owner);

  // A group with the teammate in it.
  await owner.goto(`/${slug}/groups`);
  await owner.getByRole("button", { name: "New group" }).click();
  await owner.getByRole("dialog").getByLabel("Name").fill("ML team");
  await owner.getByRole("dialog").getByRole("button", { name: "Create group" }).click();
  await owner.getByRole("link", { name: "ML team" }).click();
  await owner.getByLabel("Add a member").selectOption({ label: `${teammateEmail.split("@")[0]} (${teammateEmail})` });
  await owner.getByRole("button", { name: "Add to group" }).click();
  await expect(owner.getByRole("table", { name: "Group members" })).toContainText(teammateEmail);
  await expectAccessible(owner);

  // A custom role made in the permission matrix.
  await owner.goto(`/${slug}/roles`);
  await owner.getByRole("button", { name: "New role" }).click();
  const roleDialog = owner.getByRole("dialog");
  await roleDialog.getByLabel("Name").fill("Trace reader");
  await roleDialog.getByLabel("Description").fill("Reads traces");
  await roleDialog.getByRole("checkbox", { name: "traces:read" }).check();
  await roleDialog.getByRole("checkbox", { name: "Viewer", exact: true }).check();
  await expectAccessible(owner);
  await roleDialog.getByRole("button", { name: "Create role" }).click();
  // Grouped by area: the product's own area keeps its name.
  const traceReader = owner.getByTestId("role-Trace reader");
  await expect(traceReader).toContainText("traces: read");
  // What it inherits from Viewer, on request.
  await traceReader.getByText("Viewer: 5 more permissions").click();
  await expect(traceReader).toContainText("Members: read");
  await expect(traceReader).toContainText("Organization: read");

  // Before: the teammate may not read traces on Web.
  await owner.goto(`/${slug}/access`);
  const checker = owner.getByRole("form", { name: "Check access" });
  const check = async (project: string) => {
    await checker.getByLabel("Member").selectOption({ label: `${teammateEmail.split("@")[0]} (${teammateEmail})` });
    await checker.getByLabel("Permission").fill("traces:read");
    await checker.getByLabel("On", { exact: true }).selectOption({ label: project });
    await checker.getByRole("button", { name: "Check" }).click();
    return owner.getByTestId("access-result");
  };
  await expect(await check("Web")).toContainText(/Denied.*no role of user .* grants traces:read on project/);

  // Give the group the role on Web only.
  await owner.getByRole("button", { name: "Give access" }).click();
  const grantDialog = owner.getByRole("dialog");
  await grantDialog.getByLabel("Who").selectOption({ label: "Group: ML team" });
  await grantDialog.getByLabel("Role").selectOption({ label: "Trace reader" });
  await grantDialog.getByLabel("Where").selectOption({ label: "Web" });
  await grantDialog.getByRole("button", { name: "Give access" }).click();
  await expect(owner.getByRole("table", { name: "Grants" })).toContainText("Group: ML team");
  await expectAccessible(owner);

  // After: allowed on Web through the group, still denied on Mobile.
  await expect(await check("Web")).toContainText(/Allowed.*role "Trace reader" via group "ML team" on project .* grants traces:read/);
  await expect(await check("Mobile")).toContainText("Denied");

  // The decision log explains the denial.
  await owner.goto(`/${slug}/decisions?principal=${encodeURIComponent(teammateEmail)}&permission=traces:read&result=denied`);
  const rows = owner.getByRole("table", { name: "Decisions" }).getByRole("row");
  await expect(rows.nth(1)).toContainText("denied");
  await expect(rows.nth(1)).toContainText(/no role of user .* grants traces:read on project/);
  await expect(rows.nth(1)).toContainText(teammateEmail);
  await expectAccessible(owner);

  // The teammate (a Member) sees projects but cannot manage roles.
  await teammate.page.goto(`/${slug}/roles`);
  await expect(teammate.page.getByRole("button", { name: "New role" })).toHaveCount(0);
  await teammate.context.close();
  await context.close();
});

test("an API key made in the UI answers the check API, and a revoked one is refused", async ({ browser, request }) => {
  const { context, page, slug, email } = await ownerWithOrg(browser, "keys-ui");
  await page.goto(`/${slug}/api-keys`);
  await page.getByRole("button", { name: "New API key" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill("product backend");
  await dialog.getByRole("checkbox", { name: "authz:check" }).check();
  await dialog.getByRole("button", { name: "Create key" }).click();
  const key = await dialog.getByTestId("new-api-key").inputValue();
  expect(key).toMatch(/^tg_live_/);
  await expectAccessible(page);
  await dialog.getByRole("button", { name: "Done" }).click();

  const check = () => request.post("/api/v1/authz/check", { headers: { authorization: `Bearer ${key}` }, data: { subject: { type: "user", id: email }, permission: "organization:delete" } });
  const allowed = await check();
  expect(allowed.status()).toBe(200);
  expect(await allowed.json()).toMatchObject({ allowed: true });

  await page.getByRole("button", { name: "Revoke key product backend" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Revoke key" }).click();
  await expect(page.getByRole("table", { name: "API keys" })).toContainText("revoked");
  const refused = await check();
  expect(refused.status()).toBe(401);
  expect((await refused.json()).error.code).toBe("revoked_api_key");
  await context.close();
});
