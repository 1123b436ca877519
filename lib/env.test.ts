import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "./env.ts";

describe("parseEnv", () => {
  it("gives the documented defaults", () => {
    const env = parseEnv({} as NodeJS.ProcessEnv);
    expect(env).toMatchObject({ PORT: 3000, TOLLGATE_PG_PORT: 54329, NODE_ENV: "production", LOG_LEVEL: "info" });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it.each([
    [{ PORT: "http" }, /^PORT: /],
    [{ DATABASE_URL: "mysql://localhost/x" }, /^DATABASE_URL: must be a postgresql:\/\/ URL$/],
    [{ NEXTAUTH_URL: "tollgate" }, /^NEXTAUTH_URL: must be a URL/],
    [{ TOLLGATE_ADMIN_EMAIL: "nobody" }, /^TOLLGATE_ADMIN_EMAIL: must be an email address$/],
    [{ TOLLGATE_USAGE_MAX_AGE_DAYS: "100", TOLLGATE_USAGE_RETENTION_DAYS: "120" }, /^TOLLGATE_USAGE_MAX_AGE_DAYS: must be at most TOLLGATE_USAGE_RETENTION_DAYS minus 31/],
    [{ TOLLGATE_API_KEY_SECRET_PREVIOUS: `${"x".repeat(32)},short` }, /^TOLLGATE_API_KEY_SECRET_PREVIOUS: each secret \(comma-separated\) must be at least 32 characters$/],
  ])("names the variable of a bad value %j", (source, message) => {
    expect(() => parseEnv(source as unknown as NodeJS.ProcessEnv)).toThrow(EnvError);
    expect(() => parseEnv(source as unknown as NodeJS.ProcessEnv)).toThrow(message);
  });

  it("takes a comma-separated list of previous API key hashing secrets", () => {
    const previous = ` ${"a".repeat(32)}, ${"b".repeat(40)} ,`;
    expect(parseEnv({ TOLLGATE_API_KEY_SECRET_PREVIOUS: previous } as unknown as NodeJS.ProcessEnv).TOLLGATE_API_KEY_SECRET_PREVIOUS).toBe(previous.trim());
    expect(parseEnv({ TOLLGATE_API_KEY_SECRET_PREVIOUS: "" } as unknown as NodeJS.ProcessEnv).TOLLGATE_API_KEY_SECRET_PREVIOUS).toBeUndefined();
  });

  it("treats an empty DATABASE_URL as unset", () => {
    expect(parseEnv({ DATABASE_URL: "" } as unknown as NodeJS.ProcessEnv).DATABASE_URL).toBeUndefined();
  });
});
