// Single sign-on end to end in Chromium: an org admin proves a domain
// (through a real DNS server), connects a real OpenID Connect provider
// (oidc-provider) or SAML provider (samlify), tests it, turns it on; then a
// new person of that domain signs in from the sign-in page and joins with the
// default role.
import { expect, test, type Page } from "@playwright/test";
import { randomUUID } from "node:crypto";
import { startDnsServer, type TestDnsServer } from "../test/sso/dns-server.ts";
import { startOidcProvider, type TestIdp } from "../test/sso/oidc-idp.ts";
import { startSamlIdp, type TestSamlIdp } from "../test/sso/saml-idp.ts";
import { expectAccessible, ownerWithOrg } from "./helpers.ts";

let idp: TestIdp;
let samlIdp: TestSamlIdp;
let dns: TestDnsServer;
test.beforeAll(async () => {
  idp = await startOidcProvider();
  samlIdp = await startSamlIdp("e2e-saml-idp");
  dns = await startDnsServer(Number(process.env.E2E_DNS_PORT));
});
test.afterAll(async () => {
  await idp?.close();
  await samlIdp?.close();
  await dns?.close();
});

/** Step 1 on the SSO page: the domain, proven by its TXT record. */
async function proveDomain(page: Page, domain: string) {
  await page.getByRole("button", { name: "Add domain" }).click();
  await page.getByRole("dialog").getByLabel("Domain").fill(domain);
  await page.getByRole("dialog").getByRole("button", { name: "Add domain" }).click();
  const row = page.getByRole("row", { name: new RegExp(domain) });
  await expect(row.getByText("Waiting for DNS")).toBeVisible();
  await row.getByRole("button", { name: "Verify" }).click();
  await expect(row.getByText(/No TXT record _tollgate-challenge\./)).toBeVisible();
  dns.publish(`_tollgate-challenge.${domain}`, [await row.getByRole("textbox", { name: `TXT value for ${domain}` }).inputValue()]);
  await row.getByRole("button", { name: "Verify" }).click();
  await expect(row.getByText("Verified")).toBeVisible();
}

test("an admin sets up OpenID Connect step by step, and a new person of the domain signs in through it", async ({ browser }) => {
  const { page, slug, context } = await ownerWithOrg(browser, "sso");
  const domain = `sso-${randomUUID().slice(0, 8)}.example.test`;
  await page.goto(`/${slug}/sso`);
  await expect(page.getByRole("heading", { name: "Single sign-on", level: 1 })).toBeVisible();
  await expect(page.getByText("No domains yet")).toBeVisible();
  await expect(page.getByText("No connections yet")).toBeVisible();
  await expectAccessible(page);

  // 1. The domain, proven by its TXT record.
  await proveDomain(page, domain);

  // 2. The connection, with the provider's endpoints discovered.
  await page.getByRole("button", { name: "New connection" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill("Test IdP");
  await dialog.getByLabel("Issuer URL").fill(idp.issuer);
  await dialog.getByLabel("Client ID").fill(`client-${slug}`);
  await dialog.getByLabel("Client secret").fill("e2e-client-secret");
  await dialog.getByLabel("People who sign in and are not members").selectOption({ label: "Join as Member" });
  await dialog.getByRole("button", { name: "Create connection" }).click();
  const card = page.getByLabel("Connection Test IdP");
  await expect(card.getByText("Off")).toBeVisible();
  const redirectUri = await card.getByRole("textbox", { name: "Redirect URI of Test IdP" }).inputValue();
  expect(redirectUri).toMatch(/\/api\/sso\/oidc\/[0-9a-f-]{36}\/callback$/);
  idp.addClient(`client-${slug}`, "e2e-client-secret", redirectUri);
  idp.accounts.set("new-person", { email: `new.person@${domain}`, email_verified: true, name: "New Person" });

  // 3. A test login shows what the provider sent.
  await card.getByRole("button", { name: "Test connection" }).click();
  await page.waitForURL(`${idp.issuer}/**`);
  await page.locator("input[name=login]").fill("new-person");
  await page.locator("input[name=password]").fill("anything");
  await page.locator("button[type=submit]").click();
  await page.waitForURL(`**/${slug}/sso?tested=*`);
  await expect(page.getByText("The test worked.")).toBeVisible();
  await expect(page.getByRole("table", { name: "What Test IdP sent" }).getByRole("cell", { name: `new.person@${domain}` })).toBeVisible();
  await expectAccessible(page);

  // 4. On.
  await card.getByRole("button", { name: "Turn on" }).click();
  await expect(card.getByText("On", { exact: true })).toBeVisible();

  // A new person of the domain, from the sign-in page: the address comes first, and sends them to the provider.
  const visitor = await browser.newContext();
  const person = await visitor.newPage();
  await person.goto("/sign-in");
  await person.getByLabel("Email").fill(`new.person@${domain}`);
  await expect(person.getByText("Your organization signs in with single sign-on.")).toBeVisible();
  await expect(person.getByLabel("Password")).toHaveCount(0);
  await person.getByRole("button", { name: "Continue with single sign-on" }).click();
  await person.waitForURL(`${idp.issuer}/**`);
  await person.locator("input[name=login]").fill("new-person");
  await person.locator("input[name=password]").fill("anything");
  await person.locator("button[type=submit]").click();
  await person.waitForURL(`**/${slug}/**`);
  await person.goto(`/${slug}/members`);
  await expect(person.getByRole("row", { name: /New Person/ })).toContainText("Member");

  // Provisioning: a SCIM token made on the page; deactivating the person there ends their session here at once.
  await page.getByRole("button", { name: "New SCIM token" }).click();
  await page.getByRole("dialog").getByLabel("Name").fill("Okta");
  await page.getByRole("dialog").getByRole("button", { name: "Make token" }).click();
  const scimToken = await page.getByRole("textbox", { name: "New SCIM token" }).inputValue();
  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("table", { name: "SCIM tokens" })).toContainText("Okta");
  const scimBase = await page.getByRole("textbox", { name: "SCIM base URL" }).inputValue();
  const scim = (method: string, path: string, body: unknown) =>
    fetch(`${scimBase}${path}`, { method, headers: { authorization: `Bearer ${scimToken}`, "content-type": "application/scim+json" }, body: JSON.stringify(body) });
  const provisioned = await scim("POST", "/Users", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: `new.person@${domain}`, active: true });
  expect(provisioned.status).toBe(201);
  const { id: personId } = (await provisioned.json()) as { id: string };
  const deactivated = await scim("PATCH", `/Users/${personId}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", value: { active: false } }] });
  expect(deactivated.status).toBe(200);
  await expect(async () => {
    await person.goto(`/${slug}/members`);
    expect(new URL(person.url()).pathname).toBe("/sign-in");
  }).toPass({ timeout: 10_000 });

  // Require single sign-on: a password is refused to the domain's addresses.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.getByLabel("Require single sign-on").check();
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByText("Single sign-on is required for your verified domains.")).toBeVisible();
  const passwordUser = await (await browser.newContext()).newPage();
  await passwordUser.goto("/sign-in");
  await passwordUser.getByLabel("Email").fill(`new.person@${domain}`);
  await passwordUser.getByRole("button", { name: "Sign in with a password instead" }).click();
  await passwordUser.getByLabel("Password").fill("any password at all");
  await passwordUser.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(passwordUser.getByText(`Addresses at ${domain} sign in with single sign-on.`)).toBeVisible();
  await passwordUser.context().close();

  // An address no organization verified: told so on the sign-in page.
  const stranger = await browser.newContext();
  const strangerPage = await stranger.newPage();
  await strangerPage.goto("/sign-in");
  await strangerPage.getByRole("button", { name: "Use single sign-on" }).click();
  await strangerPage.getByLabel("Work email").fill("someone@unclaimed.example.test");
  await strangerPage.getByRole("button", { name: "Continue with single sign-on" }).click();
  await expect(strangerPage.getByText("Single sign-on is not set up for that address.")).toBeVisible();

  await stranger.close();
  await visitor.close();
  await context.close();
});

test("an admin connects a SAML provider from its metadata, tests it, and a new person of the domain signs in through it", async ({ browser }) => {
  const { page, slug, context } = await ownerWithOrg(browser, "saml");
  const domain = `saml-${randomUUID().slice(0, 8)}.example.test`;
  await page.goto(`/${slug}/sso`);
  await proveDomain(page, domain);

  // The connection, from the provider's metadata pasted into the dialog.
  await page.getByRole("button", { name: "New connection" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("SAML 2.0").check();
  await dialog.getByLabel("Name").fill("Okta SAML");
  await dialog.getByLabel("Identity provider metadata (XML)").fill(samlIdp.metadataXml());
  await dialog.getByLabel("People who sign in and are not members").selectOption({ label: "Join as Member" });
  await expectAccessible(page);
  await dialog.getByRole("button", { name: "Create connection" }).click();
  const card = page.getByLabel("Connection Okta SAML");
  await expect(card.getByText("Off")).toBeVisible();
  await expect(card.getByText(`SAML 2.0 · ${samlIdp.entityId}`)).toBeVisible();
  expect(await card.getByRole("textbox", { name: "ACS URL of Okta SAML" }).inputValue()).toMatch(/\/api\/sso\/saml\/[0-9a-f-]{36}\/acs$/);
  await expect(card.getByText("CN=e2e-saml-idp")).toBeVisible();
  await expectAccessible(page);

  // A test login through the provider's page shows the attributes it sent.
  samlIdp.signInAs({ email: `saml.person@${domain}`, name: "Saml Person", groups: ["engineering"] });
  await card.getByRole("button", { name: "Test connection" }).click();
  await page.waitForURL(`${samlIdp.ssoUrl}**`);
  await page.getByRole("button", { name: "Continue to the application" }).click();
  await page.waitForURL(`**/${slug}/sso?tested=*`);
  await expect(page.getByText("The test worked.")).toBeVisible();
  await expect(page.getByRole("table", { name: "What Okta SAML sent" }).getByRole("cell", { name: "engineering" })).toBeVisible();

  await card.getByRole("button", { name: "Turn on" }).click();
  await expect(card.getByText("On", { exact: true })).toBeVisible();

  // A new person of the domain, from the sign-in page: the provider posts back from another site.
  const visitor = await browser.newContext();
  const person = await visitor.newPage();
  await person.goto("/sign-in");
  await person.getByRole("button", { name: "Use single sign-on" }).click();
  await person.getByLabel("Work email").fill(`saml.person@${domain}`);
  await person.getByRole("button", { name: "Continue with single sign-on" }).click();
  await person.waitForURL(`${samlIdp.ssoUrl}**`);
  await person.getByRole("button", { name: "Continue to the application" }).click();
  await person.waitForURL(`**/${slug}**`);
  await person.goto(`/${slug}/members`);
  await expect(person.getByRole("row", { name: /Saml Person/ })).toContainText("Member");

  // A member of the organization's own domain: an owner signs them out everywhere from the Members page.
  await page.goto(`/${slug}/members`);
  await page.getByRole("button", { name: `End the sessions of saml.person@${domain}` }).click();
  await page.getByRole("button", { name: "End their sessions" }).click();
  await expect(async () => {
    await person.goto(`/${slug}/members`);
    expect(new URL(person.url()).pathname).toBe("/sign-in");
  }).toPass({ timeout: 10_000 });
  // Only members of the verified domains are offered it (not the owner, whose address is elsewhere).
  await expect(page.getByRole("button", { name: /^End the sessions of/ })).toHaveCount(1);

  await visitor.close();
  await context.close();
});

test("an owner sends a setup link; the IT admin, without an account, connects SAML and tests it, until the link is revoked", async ({ browser }) => {
  const { page, slug, context } = await ownerWithOrg(browser, "portal");
  await page.goto(`/${slug}/sso`);
  await expect(page.getByText("No setup links yet")).toBeVisible();
  await page.getByRole("button", { name: "New setup link" }).click();
  await page.getByRole("dialog").getByLabel("Who it is for").fill("Acme IT");
  await page.getByRole("dialog").getByRole("button", { name: "Make link" }).click();
  const url = await page.getByRole("textbox", { name: "New setup link" }).inputValue();
  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("table", { name: "Setup links" })).toContainText("Acme IT");

  // The IT admin's browser: no Tollgate account, only the link.
  const itContext = await browser.newContext();
  const it = await itContext.newPage();
  await it.goto(url);
  await it.waitForURL("**/portal");
  await expect(it.getByRole("heading", { level: 1, name: /Set up single sign-on for/ })).toBeVisible();
  await expectAccessible(it);
  await it.getByRole("button", { name: "New connection" }).click();
  const dialog = it.getByRole("dialog");
  await dialog.getByLabel("SAML 2.0").check();
  await dialog.getByLabel("Name").fill("Acme Okta");
  await dialog.getByLabel("Identity provider metadata (XML)").fill(samlIdp.metadataXml());
  await dialog.getByRole("button", { name: "Create connection" }).click();
  const card = it.getByLabel("Connection Acme Okta");
  await expect(card.getByText(`SAML 2.0 · ${samlIdp.entityId}`)).toBeVisible();
  samlIdp.signInAs({ email: "it.admin@acme.example.test", name: "IT Admin" });
  await card.getByRole("button", { name: "Test connection" }).click();
  await it.waitForURL(`${samlIdp.ssoUrl}**`);
  await it.getByRole("button", { name: "Continue to the application" }).click();
  await it.waitForURL("**/portal?tested=*");
  await expect(it.getByText("The test worked.")).toBeVisible();
  // Nothing else: the organization's own pages are not theirs.
  await it.goto(`/${slug}/members`);
  await expect(it).toHaveURL(/\/sign-in/);

  // The owner sees the connection and revokes the link; the portal stops at once.
  await page.reload();
  await expect(page.getByLabel("Connection Acme Okta")).toBeVisible();
  await page.getByRole("button", { name: "Revoke setup link for Acme IT" }).click();
  await page.getByRole("button", { name: "Revoke link" }).click();
  await expect(page.getByRole("table", { name: "Setup links" })).toContainText("Revoked");
  await it.goto("/portal");
  await expect(it.getByText("This setup link does not work")).toBeVisible();

  await itContext.close();
  await context.close();
});
