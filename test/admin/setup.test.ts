// First run: the instance without an admin. Runs on a database of its own,
// since "no instance admin exists" is a fact about the whole database.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSetupToken, completeSetup, instanceNeedsSetup, issueSetupLink } from "../../lib/admin/setup.ts";
import { signIn } from "../../lib/auth/sign-in.ts";
import { createDatabaseIfMissing } from "../../lib/db/embedded-postgres.ts";
import { migrateDatabase } from "../../lib/db/migrate.ts";
import { Forbidden } from "../../lib/errors.ts";
import { meta } from "../helpers.ts";

const name = `tollgate_setup_${randomUUID().slice(0, 8)}`;
const admin = new URL(process.env.TEST_ADMIN_DATABASE_URL!);
admin.pathname = "/postgres";
let db: typeof import("../../lib/db.ts").db;

beforeAll(async () => {
  await createDatabaseIfMissing(admin.toString(), name);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  await migrateDatabase(url.toString());
  const dbModule = await import("../../lib/db.ts");
  await dbModule.disconnectDb();
  process.env.DATABASE_URL = url.toString();
  db = dbModule.db;
  const { syncBuiltInRoles } = await import("../../lib/authz/sync-built-in-roles.ts");
  await syncBuiltInRoles();
});

afterAll(async () => {
  const { disconnectDb } = await import("../../lib/db.ts");
  await disconnectDb();
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await client.end();
});

const input = (token: string) => ({ token, name: "Ada Admin", email: "ada@setup.test", password: "a long admin password", organization: { name: "Acme", slug: "acme" } });

describe("first run", () => {
  it("is not claimable without the printed link, and the link sets up the admin and the first organization once", async () => {
    expect(await instanceNeedsSetup()).toBe(true);
    const link = (await issueSetupLink())!;
    expect(link).toMatch(/^http:\/\/localhost:\d+\/setup\?token=[A-Za-z0-9_-]{43}$/);
    const token = new URL(link).searchParams.get("token")!;
    expect(await checkSetupToken(undefined)).toBe("missing");
    expect(await checkSetupToken("x".repeat(43))).toBe("invalid");
    expect(await checkSetupToken(token)).toBe("valid");

    const wrong = await completeSetup(meta(), input("y".repeat(43))).catch((e) => e);
    expect(wrong).toBeInstanceOf(Forbidden);
    expect(wrong.code).toBe("invalid_setup_token");
    expect(await db.user.count()).toBe(0);
    expect(await db.organization.count()).toBe(0);

    expect(await completeSetup(meta(), input(token))).toEqual({ email: "ada@setup.test", orgSlug: "acme" });
    const user = await db.user.findUniqueOrThrow({ where: { email: "ada@setup.test" } });
    expect(user).toMatchObject({ isInstanceAdmin: true, origin: "setup" });
    expect(user.emailVerifiedAt).not.toBeNull();
    const membership = await db.membership.findFirstOrThrow({ where: { userId: user.id }, include: { role: true, org: true } });
    expect(membership.role.isOwner).toBe(true);
    expect(membership.org.slug).toBe("acme");
    await expect(signIn(meta(), { email: "ada@setup.test", password: "a long admin password" })).resolves.toBeTruthy();
    expect(await db.setupToken.count()).toBe(0);
    expect(await instanceNeedsSetup()).toBe(false);
    expect(await issueSetupLink()).toBeNull();

    const again = await completeSetup(meta(), { ...input(token), email: "eve@setup.test", organization: { name: "Eve", slug: "eve" } }).catch((e) => e);
    // The link is spent: it is refused before anything else is looked at.
    expect(again).toBeInstanceOf(Forbidden);
    expect(again.code).toBe("invalid_setup_token");
    expect(await db.user.count({ where: { email: "eve@setup.test" } })).toBe(0);
  });
});
