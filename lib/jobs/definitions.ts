// The background jobs: what each does, when it runs on its own, and how it is
// retried. Every job is idempotent: run twice, it does its work once.
import { closeDuePeriods, draftInvoices } from "../billing/invoicing.ts";
import { sendLimitAlerts } from "../billing/limit-alerts.ts";
import { billingSettings } from "../billing/billing-settings.ts";
import { reportUsageToStripe } from "../billing/stripe-meters.ts";
import { sendDraftInvoices } from "../billing/stripe-sync.ts";
import { processPendingStripeEvents } from "../billing/stripe-webhooks.ts";
import { env } from "../env.ts";
import { logger } from "../logger.ts";
import { purgeSsoLogins } from "../sso/sign-in.ts";
import { purgeWebAuthnChallenges } from "../auth/passkeys.ts";
import { prepareMonths, purgeOldUsage, rebuildRollups } from "../usage/event-store.ts";

export type JobDefinition = {
  name: string;
  title: string;
  description: string;
  /** Cron (UTC) on which it is queued by itself; none: only on demand. */
  schedule?: string;
  retryLimit: number;
  /** Seconds before the first retry; doubled on each one. */
  retryDelay: number;
  expireInSeconds: number;
  run: (data: Record<string, unknown>) => Promise<unknown>;
};

const HOUR = 3_600_000;

export const JOBS: JobDefinition[] = [
  {
    name: "billing-close-periods",
    title: "Billing: close periods",
    description: "Computes the invoice of every subscription period that has ended (usage, corrections for late usage, credits) and queues it for Stripe.",
    schedule: "*/10 * * * *",
    retryLimit: 5,
    retryDelay: 60,
    expireInSeconds: 30 * 60,
    run: async () => {
      // Priced in Stripe: Stripe makes the invoices; Tollgate bills only what came before the switch.
      const settings = await billingSettings();
      const made = await closeDuePeriods(new Date(), undefined, settings.mode === "stripe_meters" ? (settings.since ?? new Date(0)) : undefined);
      // One job sends the new drafts, and any a failed run left behind, several at a time.
      const { enqueueJob } = await import("./jobs.ts");
      const drafts = await draftInvoices();
      if (drafts.length) await enqueueJob("billing-send-invoice", {}, { singletonKey: "drafts" });
      return { invoicesMade: made.length, drafts: drafts.length };
    },
  },
  {
    name: "billing-send-invoice",
    title: "Billing: send invoices to Stripe",
    description: "Creates each draft invoice in Stripe (customer, items, finalize), eight at a time, with idempotency keys from our own ids; with an invoice id, that one.",
    retryLimit: 8,
    retryDelay: 30,
    expireInSeconds: 15 * 60,
    run: async (data) => sendDraftInvoices(typeof data.invoiceId === "string" ? [data.invoiceId] : await draftInvoices()),
  },
  {
    name: "billing-limit-alerts",
    title: "Billing: limit alerts",
    description: "Mails each organization's billing managers when its use of a plan limit reaches 80% or 100% (once per crossing).",
    schedule: "*/5 * * * *",
    retryLimit: 3,
    retryDelay: 60,
    expireInSeconds: 10 * 60,
    run: () => sendLimitAlerts(),
  },
  {
    name: "stripe-meter-report",
    title: "Billing: usage to Stripe meters",
    description:
      "When the instance bills through Stripe Billing Meters, reports each organization's usage of count and sum meters that Stripe has not been told of (the last 3 hours; once an hour, the whole late-event window).",
    schedule: "*/5 * * * *",
    retryLimit: 5,
    retryDelay: 60,
    expireInSeconds: 30 * 60,
    run: async (data) => {
      const settings = await billingSettings();
      if (settings.mode !== "stripe_meters") return { skipped: "billing mode is invoices" };
      const wholeWindow = new Date().getUTCMinutes() < 5;
      return reportUsageToStripe({ since: settings.since, lookbackHours: typeof data.lookbackHours === "number" ? data.lookbackHours : wholeWindow ? env().TOLLGATE_USAGE_MAX_AGE_DAYS * 24 + 1 : 3 });
    },
  },
  {
    name: "stripe-events",
    title: "Stripe events",
    description: "Applies Stripe webhook events that were stored but not yet applied (a failure while they arrived).",
    schedule: "* * * * *",
    retryLimit: 3,
    retryDelay: 30,
    expireInSeconds: 10 * 60,
    run: () => processPendingStripeEvents(),
  },
  {
    name: "usage-rollup-check",
    title: "Usage rollup check",
    description: "Recomputes the last two days of usage rollups from the raw events and repairs any row that differs.",
    schedule: "23 * * * *",
    retryLimit: 5,
    retryDelay: 30,
    expireInSeconds: 15 * 60,
    run: async () => {
      const now = Date.now();
      const report = await rebuildRollups({ from: new Date(now - 48 * HOUR), to: new Date(now + HOUR), repair: true });
      if (report.differences) logger.warn({ differences: report.differences, examples: report.examples.slice(0, 3) }, "usage: rollups differed from the raw events and were repaired");
      return { rowsChecked: report.rowsChecked, differences: report.differences };
    },
  },
  {
    name: "usage-partitions",
    title: "Usage partitions",
    description: "Makes the raw event partitions of this month and the next two ahead of need.",
    schedule: "11 1 * * *",
    retryLimit: 5,
    retryDelay: 60,
    expireInSeconds: 10 * 60,
    run: async () => {
      await prepareMonths();
      return { ok: true };
    },
  },
  {
    name: "usage-retention",
    title: "Usage retention",
    description: "Drops raw usage events and their de-duplication records older than TOLLGATE_USAGE_RETENTION_DAYS (rollups stay).",
    schedule: "17 3 * * *",
    retryLimit: 5,
    retryDelay: 60,
    expireInSeconds: 60 * 60,
    run: () => purgeOldUsage(env().TOLLGATE_USAGE_RETENTION_DAYS),
  },
  {
    name: "sso-login-purge",
    title: "Sign-ins: unfinished ones",
    description: "Drops sign-ins that went to an identity provider and never came back (a day after they expired), SAML assertion IDs past their validity, and unanswered passkey challenges.",
    schedule: "41 * * * *",
    retryLimit: 3,
    retryDelay: 60,
    expireInSeconds: 10 * 60,
    run: async () => ({ purged: await purgeSsoLogins(), passkeyChallenges: await purgeWebAuthnChallenges() }),
  },
];
