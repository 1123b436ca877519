// The Stripe client, from the environment: STRIPE_SECRET_KEY, and for tests
// or stripe-mock STRIPE_API_URL (a Stripe-compatible server). None: billing
// stays here (invoices are computed and kept, not sent).
import Stripe from "stripe";
import { env } from "../env.ts";
import { metrics } from "../observability/metrics.ts";

let cached: { key: string; client: Stripe } | null = null;

export function stripeFrom(secretKey: string, apiUrl?: string, options: { maxNetworkRetries?: number; timeout?: number } = {}): Stripe {
  const url = apiUrl ? new URL(apiUrl) : null;
  const stripe = new Stripe(secretKey, {
    // Network errors, 5xx and 409s are retried by the SDK with the same idempotency key.
    maxNetworkRetries: options.maxNetworkRetries ?? 3,
    timeout: options.timeout ?? 20_000,
    appInfo: { name: "Tollgate" },
    httpClient: countingHttpClient(),
    ...(url ? { host: url.hostname, port: Number(url.port || (url.protocol === "https:" ? 443 : 80)), protocol: url.protocol === "https:" ? "https" : "http" } : {}),
  });
  return stripe;
}

/** Node's HTTP client for Stripe, counting every error answer and every call that got none (each retry too). */
function countingHttpClient() {
  const base = Stripe.createNodeHttpClient();
  const counting = Object.create(base) as typeof base;
  counting.makeRequest = (...args: Parameters<typeof base.makeRequest>) =>
    base.makeRequest(...args).then(
      (response) => {
        if (response.getStatusCode() >= 400) metrics().stripeErrors.labels(String(response.getStatusCode())).inc();
        return response;
      },
      (error: unknown) => {
        metrics().stripeErrors.labels("0").inc();
        throw error;
      },
    );
  return counting;
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
