"use server";
import { openCustomerPortal, startCheckout } from "@/lib/billing/billing-account";
import { orgAction } from "@/lib/http/actions";

export const startCheckoutAction = orgAction((ctx, input: unknown) => startCheckout(ctx, input));
export const openPortalAction = orgAction((ctx) => openCustomerPortal(ctx));
