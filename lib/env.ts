// The environment, parsed once. A bad value stops start-up with one line that
// names the variable (see server/main.ts).
import os from "node:os";
import path from "node:path";
import { z } from "zod";

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL")
      .optional(),
  ),
  NEXTAUTH_SECRET: optionalString,
  /** Keys the hashes of API keys; its length is checked at start-up (server/boot.ts), as NEXTAUTH_SECRET's. */
  TOLLGATE_API_KEY_SECRET: optionalString,
  /** Old hashing secrets, comma-separated: keys they hashed keep working and are re-hashed on use. */
  TOLLGATE_API_KEY_SECRET_PREVIOUS: optionalString.pipe(
    z
      .string()
      .refine(
        (v) =>
          v
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean)
            .every((s) => s.length >= 32),
        "each secret (comma-separated) must be at least 32 characters",
      )
      .optional(),
  ),
  NEXTAUTH_URL: optionalString.pipe(z.string().url("must be a URL such as https://tollgate.example.com").optional()),
  TOLLGATE_DATA_DIR: optionalString,
  TOLLGATE_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  TOLLGATE_ADMIN_EMAIL: optionalString.pipe(z.string().email("must be an email address").optional()),
  TOLLGATE_SIGN_UPS_PER_HOUR: z.coerce.number().int().min(1).max(1_000_000).default(20),
  TOLLGATE_TRUST_PROXY: z.enum(["0", "1", "true", "false"]).default("false"),
  TOLLGATE_PERMISSIONS_FILE: optionalString,
  REDIS_URL: optionalString.pipe(
    z
      .string()
      .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
      .optional(),
  ),
  SMTP_URL: optionalString,
  MAIL_FROM: z.string().default("Tollgate <no-reply@localhost>"),
  /** Usage events older than this many days are refused (late events inside it count in their own period). */
  TOLLGATE_USAGE_MAX_AGE_DAYS: z.coerce.number().int().min(1).max(3650).default(35),
  /** Usage events this many minutes or less ahead of the server's clock are taken (clock skew); later ones are refused. */
  TOLLGATE_USAGE_MAX_FUTURE_MINUTES: z.coerce.number().int().min(0).max(1440).default(5),
  /** Raw usage events and their dedup claims are kept this long (whole months are dropped); rollups stay. */
  TOLLGATE_USAGE_RETENTION_DAYS: z.coerce.number().int().min(35).max(3650).default(400),
  /** Whether `npm start` works the background job queues itself; "false" when a separate `npm run worker` does. */
  TOLLGATE_IN_PROCESS_WORKER: z.enum(["true", "false"], "must be true or false").default("true"),
  /** Stripe: the secret key (sk_live_… or sk_test_…); none: invoices are computed and kept here, not sent. */
  STRIPE_SECRET_KEY: optionalString,
  /** Stripe: the signing secret of the webhook endpoint (whsec_…) that POSTs to /api/webhooks/stripe. */
  STRIPE_WEBHOOK_SECRET: optionalString,
  /** A Stripe-compatible server to use instead of https://api.stripe.com (tests, stripe-mock). */
  STRIPE_API_URL: optionalString.pipe(z.string().url("must be a URL such as http://127.0.0.1:12111").optional()),
  /** Days an organization keeps its plan after a failed payment, before its plan's fallback entitlements apply. */
  TOLLGATE_BILLING_GRACE_DAYS: z.coerce.number().int().min(0).max(90).default(7),
  /** Minutes after a period ends before it is invoiced (events sent later count as corrections on the next invoice). */
  TOLLGATE_BILLING_CLOSE_DELAY_MINUTES: z.coerce.number().int().min(0).max(1440).default(60),
  /** Single sign-on: let connections reach identity providers over plain http (a provider on this machine, in tests or development). Never in production. */
  TOLLGATE_SSO_ALLOW_HTTP: z.enum(["true", "false"], "must be true or false").default("false"),
  /** On SIGTERM, seconds to keep serving with readiness at 503 before closing, so a load balancer stops sending first (add them to the stop timeout). */
  TOLLGATE_SHUTDOWN_DELAY_SECONDS: z.coerce.number().int().min(0).max(60).default(0),
  /** The bearer token Prometheus presents at /api/metrics; unset, metrics are not served. */
  TOLLGATE_METRICS_TOKEN: optionalString.pipe(z.string().min(16, "must be at least 16 characters").optional()),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

const CheckedEnvSchema = EnvSchema.refine((e) => e.TOLLGATE_USAGE_MAX_AGE_DAYS <= e.TOLLGATE_USAGE_RETENTION_DAYS - 31, {
  path: ["TOLLGATE_USAGE_MAX_AGE_DAYS"],
  message: "must be at most TOLLGATE_USAGE_RETENTION_DAYS minus 31, so that no event is taken whose duplicate record was already dropped",
});

export type Env = z.infer<typeof EnvSchema>;

export class EnvError extends Error {}

export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const result = CheckedEnvSchema.safeParse(source);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new EnvError(`${issue.path.join(".")}: ${issue.message}`);
  }
  return result.data;
}

let cached: Env | undefined;
export function env(): Env {
  cached ??= parseEnv();
  return cached;
}

export function defaultDataDir(): string {
  if (process.getuid?.() === 0) return "/var/lib/tollgate";
  const base = process.env.XDG_DATA_HOME || path.join(os.homedir(), ".local", "share");
  return path.join(base, "tollgate");
}

export function dataDir(): string {
  return path.resolve(/*turbopackIgnore: true*/ env().TOLLGATE_DATA_DIR ?? defaultDataDir());
}

export function trustProxy(): boolean {
  const v = env().TOLLGATE_TRUST_PROXY;
  return v === "1" || v === "true";
}

export function publicUrl(): string {
  return env().NEXTAUTH_URL ?? `http://localhost:${env().PORT}`;
}
