// Shared by the SCIM tests: an organization with a verified domain and a
// SCIM token, and a client that speaks SCIM to the file's machine server
// with that token.
import { expect } from "vitest";
import { createScimToken } from "../../lib/scim/tokens.ts";
import { createTestOrg } from "../helpers.ts";
import { verifiedDomain } from "../sso/sso-fixtures.ts";

export const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";

/** An organization with a verified domain and a SCIM token "Okta"; `scim` calls /scim/v2 of `server` with the token. */
export async function provisionedOrg(server: { baseUrl: () => string }) {
  const t = await createTestOrg();
  const domain = await verifiedDomain(t.owner, t.org.slug);
  const { token, id: tokenId } = await createScimToken(t.owner, { name: "Okta" });
  const scim = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.baseUrl()}/scim/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/scim+json" }), ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== 204) expect(res.headers.get("content-type")).toMatch(/^application\/scim\+json/);
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  };
  return { ...t, domain, token, tokenId, scim };
}
