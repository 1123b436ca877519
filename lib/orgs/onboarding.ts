// The first steps of a new organization, ticked off by what has happened in
// it (nothing is ticked by hand): someone invited, a role of its own, an API
// key, a call of the check API, single sign-on, usage sent.
import { sql, sqlRows } from "../db/sql.ts";
import type { OrgCtx } from "../context.ts";

export type OnboardingStep = { key: string; title: string; description: string; href: string; done: boolean };

type Facts = { invited: boolean; role: boolean; key: boolean; checked: boolean; sso: boolean; usage: boolean };

/** The steps in order, each done or not, read in one query scoped to the caller's organization. */
export async function onboardingSteps(ctx: OrgCtx): Promise<OnboardingStep[]> {
  const orgId = ctx.orgId;
  const [facts] = await sqlRows<Facts>(sql`
    SELECT EXISTS (SELECT 1 FROM "Invitation" WHERE "orgId" = ${orgId}::uuid)
             OR EXISTS (SELECT 1 FROM "Membership" WHERE "orgId" = ${orgId}::uuid OFFSET 1) AS "invited",
           EXISTS (SELECT 1 FROM "Role" WHERE "orgId" = ${orgId}::uuid) AS "role",
           EXISTS (SELECT 1 FROM "ApiKey" WHERE "orgId" = ${orgId}::uuid) AS "key",
           -- Among the newest 10,000 decisions (read through the log's index, so the cost is bounded):
           -- once a product calls the check API, its checks are most of them.
           -- (A decision's source is its last field: see the DecisionLog model.)
           EXISTS (SELECT 1 FROM (SELECT "entries", sum("size") OVER (ORDER BY "lastAt" DESC, id DESC) - "size" AS "newer"
                                  FROM "DecisionLog" WHERE "orgId" = ${orgId}::uuid ORDER BY "lastAt" DESC, id DESC LIMIT 10000) newest
                   WHERE newest."newer" < 10000 AND newest."entries" ~ (chr(31) || 'check-api(-batch)?(' || chr(30) || '|$)')) AS "checked",
           EXISTS (SELECT 1 FROM "SsoConnection" WHERE "orgId" = ${orgId}::uuid) AS "sso",
           EXISTS (SELECT 1 FROM usage.event_id WHERE org_id = ${orgId}::uuid) AS "usage"`);
  const base = `/${ctx.orgSlug}`;
  return [
    { key: "invite", title: "Invite someone", description: "Bring in a teammate with a role.", href: `${base}/members`, done: facts!.invited },
    { key: "role", title: "Create a role", description: "A role of your own, with your product's permissions.", href: `${base}/roles`, done: facts!.role },
    { key: "key", title: "Make an API key", description: "For your product's backend to ask Tollgate.", href: `${base}/api-keys`, done: facts!.key },
    { key: "check", title: "Call the check API", description: "POST /api/v1/authz/check with the key: may this user do this?", href: "/docs/api", done: facts!.checked },
    { key: "sso", title: "Connect single sign-on", description: "Your identity provider, over SAML or OIDC.", href: `${base}/sso`, done: facts!.sso },
    { key: "usage", title: "Send usage", description: "Usage events from your product, priced by your plan.", href: `${base}/usage`, done: facts!.usage },
  ];
}
