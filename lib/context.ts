// What every domain function receives: who is calling, for which
// organization, and from where. Built only by lib/auth/request-context.ts
// (the one door), never from client input.
import type { Decision } from "./authz/decide.ts";
import type { OrgIndex } from "./authz/org-index.ts";

export type UserPrincipal = {
  type: "user";
  userId: string;
  email: string;
  isInstanceAdmin: boolean;
  /** This session passed a second factor (from the Session row; absent: no). */
  mfa?: boolean;
  /** Set when the MFA came from an organization's identity provider: it counts in that organization only. */
  mfaOrgId?: string;
  /** The browser session behind it (absent for contexts built without one, as in tests): organizations' session policies read it. */
  session?: { id: string; createdAt: number; lastSeenAt: number };
  /** Acting through an owner's setup link (the IT admin's portal), not signed in as that owner. */
  setupLink?: { id: string; name: string };
};

/**
 * An API key: an organization's key (acting in it, possibly only on one
 * project), or an instance-admin key (`instance`), which belongs to no
 * organization and acts in any one it names.
 */
export type ApiKeyActor = {
  type: "api_key";
  keyId: string;
  name: string;
  display: string;
  projectId?: string | null;
  /** An instance-admin key: holds instance:admin, acts in any organization. */
  instance?: boolean;
  /** An instance-level key that is not an admin's holds only these instance permissions (e.g. usage:write). */
  instancePermissions?: readonly string[];
  /** Acting through a setup link this key made (the IT admin's portal), not as the key's own caller. */
  setupLink?: { id: string; name: string };
};

export type Principal = UserPrincipal | ApiKeyActor;

export type RequestMeta = { requestId: string; ip: string | null; userAgent: string | null };

/** A caller outside any organization: an instance-admin user or key (provisioning), or any signed-in user. */
export type InstanceCtx = RequestMeta & { principal: Principal };

type Membership = { id: string; roleId: string; roleName: string; isOwner: boolean };

/** A caller acting inside one organization: a member (UI) or an API key (API). */
export type OrgCtx = RequestMeta & {
  principal: Principal;
  orgId: string;
  orgSlug: string;
  /** The caller's membership; null for API keys. */
  membership: Membership | null;
  /** The organization's authorization index, as of the start of this request. */
  authz: OrgIndex;
  /** Whether this session passed MFA (grants may require it). */
  mfa: boolean;
  /**
   * Decisions already made in this request, by permission and resource: a
   * request checks (and logs) each permission once, however many layers ask.
   * Set by the door for each request; contexts without it decide every time.
   */
  decided?: Map<string, Decision>;
  /**
   * A caller that may use only these permissions, whatever its principal
   * holds (a setup link: single sign-on only, on its maker's behalf).
   */
  limitedTo?: { permissions: readonly string[]; reason: string };
};

/** A member acting in their organization: what pages and server actions get. */
export type MemberCtx = OrgCtx & { principal: UserPrincipal; membership: Membership };

/** The user behind a context, when there is one (keys have none). */
export function userIdOf(ctx: { principal: Principal }): string | null {
  return ctx.principal.type === "user" ? ctx.principal.userId : null;
}

/** A signed-in caller outside any organization (create org, accept invitation). */
export type UserCtx = RequestMeta & { principal: UserPrincipal };

/** An organization's identity provider, provisioning over SCIM with one of the organization's SCIM tokens. */
export type ScimCtx = RequestMeta & { orgId: string; token: { id: string; name: string } };
