import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { signUp } from "../../lib/auth/sign-up.ts";
import { db } from "../../lib/db.ts";
import { Conflict } from "../../lib/errors.ts";
import { meta, uniqueEmail } from "../helpers.ts";

describe("signUp", () => {
  it("stores an argon2id hash, never the password, and audits the sign-up", async () => {
    const email = uniqueEmail("Sign-Up");
    const user = await signUp(meta(), { name: "Ada", email, password: "correct horse battery staple" });
    expect(user.email).toBe(email.toLowerCase());
    const row = await db.user.findUniqueOrThrow({ where: { id: user.id }, omit: { passwordHash: false } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row.passwordHash).not.toContain("correct horse");
    const events = await db.auditEvent.findMany({ where: { actorId: user.id } });
    expect(events.map((e) => e.action)).toEqual(["user.signed_up"]);
    expect(events[0]!.ip).toBe("203.0.113.7");
  });

  it("rejects a password shorter than 12 characters and creates nothing", async () => {
    const email = uniqueEmail();
    const error = await signUp(meta(), { name: "Bo", email, password: "short-pass1" }).catch((e) => e);
    expect(error).toBeInstanceOf(ZodError);
    expect((error as ZodError).issues[0]!.message).toBe("Password must be at least 12 characters");
    expect(await db.user.count({ where: { email } })).toBe(0);
  });

  it("rejects an invalid email with a message naming the field", async () => {
    const error = await signUp(meta(), { name: "Bo", email: "not-an-email", password: "long enough password" }).catch((e) => e);
    expect(error).toBeInstanceOf(ZodError);
    expect((error as ZodError).issues[0]!.path).toEqual(["email"]);
  });

  it("refuses a second account with the same email, whatever its case", async () => {
    const email = uniqueEmail();
    await signUp(meta(), { name: "One", email, password: "long enough password" });
    const error = await signUp(meta(), { name: "Two", email: email.toUpperCase(), password: "long enough password" }).catch((e) => e);
    expect(error).toBeInstanceOf(Conflict);
    expect(error.code).toBe("email_taken");
  });

  it("makes the account named by TOLLGATE_ADMIN_EMAIL an instance admin, and not others", async () => {
    const adminEmail = uniqueEmail("admin");
    process.env.TOLLGATE_ADMIN_EMAIL = adminEmail;
    try {
      const other = await signUp(meta(), { name: "Other", email: uniqueEmail(), password: "long enough password" });
      const admin = await signUp(meta(), { name: "Admin", email: adminEmail, password: "long enough password" });
      expect(other.isInstanceAdmin).toBe(false);
      expect(admin.isInstanceAdmin).toBe(true);
    } finally {
      delete process.env.TOLLGATE_ADMIN_EMAIL;
    }
  });
});
