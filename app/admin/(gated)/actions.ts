"use server";
import { z } from "zod";
import { grantCredit } from "@/lib/billing/billing-account";
import { subscribeOrganization } from "@/lib/billing/subscriptions";
import { userAction } from "@/lib/http/actions";

/** { orgId, body }: the organization acted on, and what the API route would take as its body. */
const ForOrganization = z.strictObject({ orgId: z.uuid("Unknown organization"), body: z.unknown() });

export const subscribeOrganizationAction = userAction((ctx, input: unknown) => {
  const { orgId, body } = ForOrganization.parse(input);
  return subscribeOrganization(ctx, orgId, body);
});
export const grantCreditAction = userAction(async (ctx, input: unknown) => {
  const { orgId, body } = ForOrganization.parse(input);
  await grantCredit(ctx, orgId, body);
  return null;
});
