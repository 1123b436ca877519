// "Require single sign-on": password sign-in refused to people of the
// verified domains while a connection is on, break-glass owners excepted;
// only owners name those; the API, its refusals and other organizations.
import { describe, expect, it } from "vitest";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { signIn, signInWithPasskey } from "../../lib/auth/sign-in.ts";
import { finishPasskeyRegistration, passkeySignInOptions, startPasskeyRegistration } from "../../lib/auth/passkeys.ts";
import { createSession } from "../../lib/auth/sessions.ts";
import { publicUrl } from "../../lib/env.ts";
import { SoftAuthenticator } from "../auth/soft-authenticator.ts";
import { requestSignUp } from "../../lib/auth/sign-up.ts";
import { db } from "../../lib/db.ts";
import { hashPassword } from "../../lib/secrets/secrets.ts";
import { createConnection, updateConnection } from "../../lib/sso/connections.ts";
import { updateSsoPolicy } from "../../lib/sso/policy.ts";
import { useMachineServer } from "../apikeys/http.ts";
import { builtInRole, createTestOrg, createUser, meta } from "../helpers.ts";
import { onPlanWithoutSso, useTestDns, verifiedDomain } from "./sso-fixtures.ts";

const server = useMachineServer();
useTestDns();
const PASSWORD = "a password of some length";

async function orgRequiringSso() {
  const t = await createTestOrg();
  const domain = await verifiedDomain(t.owner, t.org.slug);
  const connection = await createConnection(t.owner, {
    protocol: "oidc",
    name: "IdP",
    issuer: "https://idp.example.test",
    clientId: "c",
    clientSecret: "s",
    authorizationEndpoint: "https://idp.example.test/authorize",
    tokenEndpoint: "https://idp.example.test/token",
    jwksUri: "https://idp.example.test/jwks",
    enabled: true,
  });
  const withPassword = async (email: string) => {
    const user = await createUser({ email });
    await db.user.update({ where: { id: user.principal.userId }, data: { passwordHash: await hashPassword(PASSWORD) } });
    return user;
  };
  return { ...t, domain, connection, withPassword };
}

const passwordSignIn = (email: string) => signIn(meta(), { email, password: PASSWORD });

describe("require single sign-on", () => {
  it("refuses a password to people of the domain (existing or not, before the password is checked) and lets others in", async () => {
    const t = await orgRequiringSso();
    const employee = await t.withPassword(`employee@${t.domain}`);
    const outsider = await t.withPassword(`outsider-${t.org.slug}@elsewhere.example.test`);
    expect((await passwordSignIn(employee.principal.email)).user.id).toBe(employee.principal.userId);

    await updateSsoPolicy(t.owner, { requireSso: true });
    await expect(passwordSignIn(employee.principal.email)).rejects.toMatchObject({ code: "sso_required" });
    await expect(passwordSignIn(`EMPLOYEE@${t.domain.toUpperCase()}`)).rejects.toMatchObject({ code: "sso_required" });
    await expect(passwordSignIn(`nobody@${t.domain}`)).rejects.toMatchObject({ code: "sso_required" });
    expect((await passwordSignIn(outsider.principal.email)).user.id).toBe(outsider.principal.userId);
    // Nor a passkey of theirs: it is the organization's provider or nothing.
    const keyed = await t.withPassword(`keyed@${t.domain}`);
    const { id: sessionId } = await createSession(keyed.principal.userId, meta());
    const authenticator = new SoftAuthenticator(new URL(publicUrl()).origin);
    const employeeCtx = { ...keyed, sessionId };
    await finishPasskeyRegistration(employeeCtx, { name: "Laptop", response: authenticator.create(await startPasskeyRegistration(employeeCtx, { password: PASSWORD })) });
    const assertion = JSON.stringify(authenticator.get(await passkeySignInOptions(meta())));
    await expect(signInWithPasskey(meta(), { assertion })).rejects.toMatchObject({ code: "sso_required" });
    // Nor is a password account made for the domain by signing up.
    await expect(requestSignUp(meta(), { name: "New", email: `newcomer@${t.domain}`, password: PASSWORD })).rejects.toMatchObject({ code: "sso_required" });

    // With no connection on, nobody would get in: the requirement rests until one is on again.
    await updateConnection(t.owner, { connectionId: t.connection.id, enabled: false });
    expect((await passwordSignIn(employee.principal.email)).user.id).toBe(employee.principal.userId);
  });

  it("a break-glass owner keeps a password; the flag means nothing once they are no longer an owner", async () => {
    const t = await orgRequiringSso();
    const owner = await t.withPassword(`owner@${t.domain}`);
    await db.membership.create({ data: { orgId: t.org.id, userId: owner.principal.userId, roleId: (await builtInRole("owner")).id } });
    const policy = await updateSsoPolicy(t.owner, { requireSso: true, breakGlassUserIds: [owner.principal.userId] });
    expect(policy.breakGlassOwners.map((o) => o.email)).toEqual([owner.principal.email]);
    expect((await passwordSignIn(owner.principal.email)).user.id).toBe(owner.principal.userId);

    await db.membership.update({ where: { orgId_userId: { orgId: t.org.id, userId: owner.principal.userId } }, data: { roleId: (await builtInRole("admin")).id } });
    await expect(passwordSignIn(owner.principal.email)).rejects.toMatchObject({ code: "sso_required" });
  });

  it("only owners name break-glass owners, and only owners can be named; requiring needs a connection on", async () => {
    const t = await orgRequiringSso();
    const admin = await t.addMember("admin");
    const member = await t.addMember("member");
    await expect(updateSsoPolicy(admin, { requireSso: true, breakGlassUserIds: [admin.principal.userId] })).rejects.toMatchObject({ code: "owner_required" });
    await expect(updateSsoPolicy(t.owner, { requireSso: true, breakGlassUserIds: [member.principal.userId] })).rejects.toMatchObject({ code: "not_an_owner" });
    // Requiring SSO is an owner's decision; an admin may turn it off, keeping the owners' list as it is.
    await expect(updateSsoPolicy(admin, { requireSso: true })).rejects.toMatchObject({ code: "owner_required" });
    await updateSsoPolicy(t.owner, { requireSso: true, breakGlassUserIds: [t.owner.principal.userId] });
    expect((await updateSsoPolicy(admin, { requireSso: false })).breakGlassOwners.map((o) => o.userId)).toEqual([t.owner.principal.userId]);
    // Nothing refused changed anything.
    expect(await db.membership.count({ where: { orgId: t.org.id, ssoBypass: true } })).toBe(1);

    const other = await createTestOrg();
    await expect(updateSsoPolicy(other.owner, { requireSso: true })).rejects.toMatchObject({ code: "no_enabled_connection" });
    expect((await db.organization.findUniqueOrThrow({ where: { id: other.org.id } })).ssoRequired).toBe(false);
  });

  it("over the API: read and set, audited; another organization's owner cannot be named", async () => {
    const t = await orgRequiringSso();
    const other = await createTestOrg();
    const { key } = await createApiKey(t.owner, { name: "k", roleId: (await builtInRole("admin")).id });
    expect((await server.call("GET", "/api/v1/sso/policy", { key })).body).toEqual({ requireSso: false, breakGlassOwners: [] });
    expect((await server.call("PUT", "/api/v1/sso/policy", { key, body: { requireSso: true } })).body.error.code).toBe("owner_required");
    await updateSsoPolicy(t.owner, { requireSso: true });
    expect((await server.call("GET", "/api/v1/sso/policy", { key })).body).toMatchObject({ requireSso: true });
    // A key is never an owner: it cannot name break-glass owners.
    const named = await server.call("PUT", "/api/v1/sso/policy", { key, body: { requireSso: true, breakGlassUserIds: [other.owner.principal.userId] } });
    expect(named.status).toBe(403);
    await expect(updateSsoPolicy(t.owner, { requireSso: true, breakGlassUserIds: [other.owner.principal.userId] })).rejects.toMatchObject({ code: "member_not_found" });
    expect((await server.call("PUT", "/api/v1/sso/policy", { key, body: { requireSso: "yes" } })).status).toBe(400);
    expect(await db.auditEvent.count({ where: { orgId: t.org.id, action: "sso.policy.updated" } })).toBe(1);
  });

  it("a plan without single sign-on gives the password back, so nobody is locked out", async () => {
    const t = await orgRequiringSso();
    const employee = await t.withPassword(`late@${t.domain}`);
    await updateSsoPolicy(t.owner, { requireSso: true });
    await expect(passwordSignIn(employee.principal.email)).rejects.toMatchObject({ code: "sso_required" });
    await onPlanWithoutSso(t.org);
    expect((await passwordSignIn(employee.principal.email)).user.id).toBe(employee.principal.userId);
  });
});
