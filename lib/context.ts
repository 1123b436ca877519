// What every domain function receives: who is calling, for which
// organization, and from where. Built by lib/http (routes) and
// lib/http/org-action.ts (server actions), never from client input.
import type { OrgIndex } from "./authz/org-index.ts";

export type UserPrincipal = {
  type: "user";
  userId: string;
  email: string;
  isInstanceAdmin: boolean;
};

/** An API key acting in its organization (management API). */
export type ApiKeyActor = { type: "api_key"; keyId: string; name: string; display: string; instance?: boolean };

/** An instance-admin API key outside any organization (provisioning routes). */
export type InstanceCtx = RequestMeta & { principal: ApiKeyActor & { instance: true } };

export type Principal = UserPrincipal | ApiKeyActor;

export type RequestMeta = { requestId: string; ip: string | null; userAgent: string | null };

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
};

/** A member acting in their organization: what pages and server actions get. */
export type MemberCtx = OrgCtx & { principal: UserPrincipal; membership: Membership };

/** The user behind a context, when there is one (keys have none). */
export function userIdOf(ctx: { principal: Principal }): string | null {
  return ctx.principal.type === "user" ? ctx.principal.userId : null;
}

/** A signed-in caller outside any organization (create org, accept invitation). */
export type UserCtx = RequestMeta & { principal: UserPrincipal };
