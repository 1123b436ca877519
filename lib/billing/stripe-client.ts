// The Stripe client, from the environment: STRIPE_SECRET_KEY, and for tests
// or stripe-mock STRIPE_API_URL (a Stripe-compatible server). None: billing
// stays here (invoices are computed and kept, not sent).
import Stripe from "stripe";
import { env } from "../env.ts";

let cached: { key: string; client: Stripe } | null = null;

export function stripeFrom(secretKey: string, apiUrl?: string, options: { maxNetworkRetries?: number; timeout?: number } = {}): Stripe {
  const url = apiUrl ? new URL(apiUrl) : null;
  return new Stripe(secretKey, {
    // Network errors, 5xx and 409s are retried by the SDK with the same idempotency key.
    maxNetworkRetries: options.maxNetworkRetries ?? 3,
    timeout: options.timeout ?? 20_000,
    appInfo: { name: "Tollgate" },
    ...(url ? { host: url.hostname, port: Number(url.port || (url.protocol === "https:" ? 443 : 80)), protocol: url.protocol === "https:" ? "https" : "http" } : {}),
  });
}

/** The configured client, or null when Stripe is not configured. */
export function stripeClient(): Stripe | null {
  const { STRIPE_SECRET_KEY, STRIPE_API_URL } = env();
  if (!STRIPE_SECRET_KEY) return null;
  const key = `${STRIPE_SECRET_KEY}|${STRIPE_API_URL ?? ""}`;
  if (cached?.key !== key) cached = { key, client: stripeFrom(STRIPE_SECRET_KEY, STRIPE_API_URL) };
  return cached.client;
}

/** Whether payments go through Stripe here (Checkout, the portal, invoices sent). */
export const stripeConfigured = () => Boolean(env().STRIPE_SECRET_KEY);
