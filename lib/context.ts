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

export type Principal = UserPrincipal;

export type RequestMeta = { requestId: string; ip: string | null; userAgent: string | null };

/** A caller acting inside one organization through their membership. */
export type OrgCtx = RequestMeta & {
  principal: UserPrincipal;
  orgId: string;
  orgSlug: string;
  membership: { id: string; roleId: string; roleName: string; isOwner: boolean };
  /** The organization's authorization index, as of the start of this request. */
  authz: OrgIndex;
  /** Whether this session passed MFA (grants may require it). */
  mfa: boolean;
};

/** A signed-in caller outside any organization (create org, accept invitation). */
export type UserCtx = RequestMeta & { principal: UserPrincipal };
