// The first-steps checklist ticks itself off from what happened in the
// organization, and only in it: another organization's doings tick nothing.
import { describe, expect, it } from "vitest";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { checkAccess } from "../../lib/authz/check-access.ts";
import { flushDecisionLog } from "../../lib/authz/decision-log.ts";
import { createInvitation } from "../../lib/invitations/invitations.ts";
import { onboardingSteps } from "../../lib/orgs/onboarding.ts";
import { createRole } from "../../lib/roles/roles.ts";
import { keyRequestContext } from "../../lib/auth/request-context.ts";
import { slug } from "../grants/fixtures.ts";
import { builtInRole, createTestOrg, meta, uniqueEmail } from "../helpers.ts";

const doneSteps = async (ctx: Parameters<typeof onboardingSteps>[0]) => (await onboardingSteps(ctx)).filter((s) => s.done).map((s) => s.key);

describe("the first steps of an organization", () => {
  it("start undone, tick as they happen, and count nothing of another organization", async () => {
    const { owner } = await createTestOrg();
    const other = await createTestOrg();
    expect(await doneSteps(owner)).toEqual([]);
    expect((await onboardingSteps(owner)).map((s) => s.key)).toEqual(["invite", "role", "key", "check", "sso", "usage"]);

    // Everything happens in the other organization first.
    await createInvitation(other.owner, { email: uniqueEmail(), roleId: (await builtInRole("viewer")).id });
    await createRole(other.owner, { name: `Role ${slug()}`, permissions: ["organization:read"] });
    await createApiKey(other.owner, { name: "other", permissions: ["authz:check"] });
    expect(await doneSteps(owner)).toEqual([]);

    await createInvitation(owner, { email: uniqueEmail(), roleId: (await builtInRole("viewer")).id });
    await createRole(owner, { name: `Role ${slug()}`, permissions: ["organization:read"] });
    const key = await createApiKey(owner, { name: "backend", permissions: ["authz:check"] });
    expect(await doneSteps(owner)).toEqual(["invite", "role", "key"]);

    // A check asked with the key, through the check API's own door, ticks "Call the check API".
    const keyCtx = await keyRequestContext(key.key, meta(), null);
    checkAccess(keyCtx, { subject: { type: "user", id: owner.principal.userId }, permission: "members:read", context: {} });
    await flushDecisionLog();
    expect(await doneSteps(owner)).toEqual(["invite", "role", "key", "check"]);
  });
});
