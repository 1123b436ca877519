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
  ])("names the variable of a bad value %j", (source, message) => {
    expect(() => parseEnv(source as unknown as NodeJS.ProcessEnv)).toThrow(EnvError);
    expect(() => parseEnv(source as unknown as NodeJS.ProcessEnv)).toThrow(message);
  });

  it("treats an empty DATABASE_URL as unset", () => {
    expect(parseEnv({ DATABASE_URL: "" } as unknown as NodeJS.ProcessEnv).DATABASE_URL).toBeUndefined();
  });
});
