import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { db } from "../../lib/db.ts";
import { Conflict } from "../../lib/errors.ts";
import { createOrganization } from "../../lib/orgs/create-organization.ts";
import { auditActions, createUser } from "../helpers.ts";

const freshSlug = (prefix = "acme") => `${prefix}-${randomUUID().slice(0, 8)}`;

describe("createOrganization", () => {
  it("creates the organization, makes the caller its owner and records organization.created", async () => {
    const user = await createUser();
    const slug = freshSlug();
    const org = await createOrganization(user, { name: "  Acme Corp  ", slug });

    expect(org).toEqual({ id: expect.any(String), name: "Acme Corp", slug });
    const membership = await db.membership.findFirstOrThrow({ where: { orgId: org.id }, include: { role: true } });
    expect(membership.userId).toBe(user.principal.userId);
    expect(membership.role).toMatchObject({ isOwner: true, isBuiltIn: true, orgId: null });

    expect(await auditActions(org.id)).toEqual(["organization.created"]);
    const event = await db.auditEvent.findFirstOrThrow({ where: { orgId: org.id } });
    expect(event).toMatchObject({
      actorId: user.principal.userId,
      actorEmail: user.principal.email,
      targetType: "organization",
      targetId: org.id,
      ip: user.ip,
      userAgent: user.userAgent,
      before: null,
      after: { name: "Acme Corp", slug },
    });
  });

  it("normalises the slug to lower case and trims it", async () => {
    const user = await createUser();
    const slug = freshSlug();
    const org = await createOrganization(user, { name: "Acme", slug: `  ${slug.toUpperCase()} ` });
    expect(org.slug).toBe(slug);
  });

  it.each(["admin", "Admin", "api", "sign-in", "_next"])("rejects the reserved slug %j with a ZodError and creates nothing", async (slug) => {
    const user = await createUser();
    await expect(createOrganization(user, { name: "Sneaky", slug })).rejects.toBeInstanceOf(ZodError);
    expect(await db.membership.count({ where: { userId: user.principal.userId } })).toBe(0);
  });

  it.each([
    ["spaces", "my org"],
    ["an underscore", "my_org"],
    ["a leading dash", "-myorg"],
    ["a trailing dash", "myorg-"],
    ["a double dash", "my--org"],
    ["a dot", "my.org"],
    ["a slash", "my/org"],
    ["non-ASCII letters", "café"],
    ["one character", "a"],
    ["49 characters", "a".repeat(49)],
  ])("rejects a slug with %s", async (_label, slug) => {
    const user = await createUser();
    const error = await createOrganization(user, { name: "Acme", slug }).catch((e) => e);
    expect(error).toBeInstanceOf(ZodError);
    expect((error as ZodError).issues[0]?.path).toEqual(["slug"]);
  });

  it("rejects an empty name and a name over 80 characters", async () => {
    const user = await createUser();
    await expect(createOrganization(user, { name: "   ", slug: freshSlug() })).rejects.toBeInstanceOf(ZodError);
    await expect(createOrganization(user, { name: "x".repeat(81), slug: freshSlug() })).rejects.toBeInstanceOf(ZodError);
  });

  it("answers a taken slug with Conflict slug_taken and leaves no second organization, membership or event", async () => {
    const first = await createUser();
    const second = await createUser();
    const slug = freshSlug();
    const org = await createOrganization(first, { name: "First", slug });

    const error = await createOrganization(second, { name: "Second", slug }).catch((e) => e);
    expect(error).toBeInstanceOf(Conflict);
    expect(error).toMatchObject({ code: "slug_taken" });

    expect(await db.organization.count({ where: { slug } })).toBe(1);
    expect(await db.membership.count({ where: { userId: second.principal.userId } })).toBe(0);
    expect(await auditActions(org.id)).toEqual(["organization.created"]);
    expect(await db.auditEvent.count({ where: { actorId: second.principal.userId } })).toBe(0);
  });

  it("treats a slug that differs only in case as taken", async () => {
    const user = await createUser();
    const slug = freshSlug();
    await createOrganization(user, { name: "First", slug });
    const error = await createOrganization(user, { name: "Second", slug: slug.toUpperCase() }).catch((e) => e);
    expect(error).toBeInstanceOf(Conflict);
    expect(error).toMatchObject({ code: "slug_taken" });
  });
});
