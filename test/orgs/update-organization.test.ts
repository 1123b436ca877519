import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { db } from "../../lib/db.ts";
import { Conflict, Forbidden } from "../../lib/errors.ts";
import { deleteOrganization, getOrganization, renameOrganization } from "../../lib/orgs/update-organization.ts";
import { auditActions, createTestOrg } from "../helpers.ts";

const freshSlug = (prefix = "renamed") => `${prefix}-${randomUUID().slice(0, 8)}`;

describe("getOrganization", () => {
  it("returns the caller's organization to any member, viewers included", async () => {
    const { org, addMember } = await createTestOrg();
    const viewer = await addMember("viewer");
    expect(await getOrganization(viewer)).toEqual({ id: org.id, name: org.name, slug: org.slug, createdAt: expect.any(Date), decisionLogRetentionDays: 30 });
  });
});

describe("renameOrganization", () => {
  it("renames and re-slugs the organization and records organization.renamed with before and after", async () => {
    const { org, owner } = await createTestOrg();
    const slug = freshSlug();
    const result = await renameOrganization(owner, { name: "New Name", slug });

    expect(result).toEqual({ id: org.id, name: "New Name", slug });
    expect(await db.organization.findUniqueOrThrow({ where: { id: org.id } })).toMatchObject({ name: "New Name", slug });
    expect(await auditActions(org.id)).toHaveLength(2);
    const event = await db.auditEvent.findFirstOrThrow({ where: { orgId: org.id, action: "organization.renamed" } });
    expect(event).toMatchObject({
      actorId: owner.principal.userId,
      targetType: "organization",
      targetId: org.id,
      before: { name: org.name, slug: org.slug },
      after: { name: "New Name", slug },
    });
  });

  it("lets an admin rename (admins hold organization:update)", async () => {
    const { org, addMember } = await createTestOrg();
    const admin = await addMember("admin");
    await renameOrganization(admin, { name: "By Admin", slug: org.slug });
    expect((await db.organization.findUniqueOrThrow({ where: { id: org.id } })).name).toBe("By Admin");
  });

  it.each(["member", "viewer"] as const)("rejects a %s with Forbidden, changes nothing and writes no audit event", async (role) => {
    const { org, addMember } = await createTestOrg();
    const caller = await addMember(role);
    const error = await renameOrganization(caller, { name: "Hijacked", slug: freshSlug() }).catch((e) => e);
    expect(error).toBeInstanceOf(Forbidden);
    expect(error).toMatchObject({ code: "forbidden" });
    expect(await db.organization.findUniqueOrThrow({ where: { id: org.id } })).toMatchObject({ name: org.name, slug: org.slug });
    expect(await auditActions(org.id)).toEqual(["organization.created"]);
  });

  it("rejects the reserved slug admin and a slug with bad characters", async () => {
    const { org, owner } = await createTestOrg();
    await expect(renameOrganization(owner, { name: "X", slug: "admin" })).rejects.toBeInstanceOf(ZodError);
    await expect(renameOrganization(owner, { name: "X", slug: "Bad Slug!" })).rejects.toBeInstanceOf(ZodError);
    expect(await db.organization.findUniqueOrThrow({ where: { id: org.id } })).toMatchObject({ name: org.name, slug: org.slug });
    expect(await auditActions(org.id)).toEqual(["organization.created"]);
  });

  it("answers another organization's slug with Conflict slug_taken and writes no audit event", async () => {
    const { org, owner } = await createTestOrg();
    const other = await createTestOrg();
    const error = await renameOrganization(owner, { name: "Copycat", slug: other.org.slug }).catch((e) => e);
    expect(error).toBeInstanceOf(Conflict);
    expect(error).toMatchObject({ code: "slug_taken" });
    expect(await db.organization.findUniqueOrThrow({ where: { id: org.id } })).toMatchObject({ name: org.name, slug: org.slug });
    expect(await auditActions(org.id)).toEqual(["organization.created"]);
  });
});

describe("deleteOrganization", () => {
  it("deletes the organization with its memberships and invitations, keeping the organization.deleted event", async () => {
    const { org, owner, addMember } = await createTestOrg();
    await addMember("member");
    const role = await db.role.findFirstOrThrow({ where: { orgId: null, key: "viewer" } });
    await db.invitation.create({
      data: { orgId: org.id, email: "x@example.test", roleId: role.id, tokenHash: randomUUID(), expiresAt: new Date(Date.now() + 60_000) },
    });

    await deleteOrganization(owner, { confirmSlug: org.slug });

    expect(await db.organization.findUnique({ where: { id: org.id } })).toBeNull();
    expect(await db.membership.count({ where: { orgId: org.id } })).toBe(0);
    expect(await db.invitation.count({ where: { orgId: org.id } })).toBe(0);
    expect(await auditActions(org.id)).toEqual(["organization.created", "organization.deleted"]);
    const event = await db.auditEvent.findFirstOrThrow({ where: { orgId: org.id, action: "organization.deleted" } });
    expect(event).toMatchObject({ actorId: owner.principal.userId, targetId: org.id, before: { name: org.name, slug: org.slug }, after: null });
  });

  it("accepts the confirmation with surrounding whitespace", async () => {
    const { org, owner } = await createTestOrg();
    await deleteOrganization(owner, { confirmSlug: `  ${org.slug}\n` });
    expect(await db.organization.findUnique({ where: { id: org.id } })).toBeNull();
  });

  it.each([
    ["a different slug", "something-else"],
    ["the slug in another case", "UPPER"],
    ["an empty confirmation", ""],
    ["the organization's name", "NAME"],
  ])("refuses %s with Conflict confirmation_mismatch and deletes nothing", async (_label, confirm) => {
    const { org, owner } = await createTestOrg();
    const confirmSlug = confirm === "UPPER" ? org.slug.toUpperCase() : confirm === "NAME" ? org.name : confirm;
    const error = await deleteOrganization(owner, { confirmSlug }).catch((e) => e);
    expect(error).toBeInstanceOf(Conflict);
    expect(error).toMatchObject({ code: "confirmation_mismatch" });
    expect(await db.organization.findUnique({ where: { id: org.id } })).not.toBeNull();
    expect(await auditActions(org.id)).toEqual(["organization.created"]);
  });

  it("rejects a missing confirmation with a ZodError", async () => {
    const { org, owner } = await createTestOrg();
    await expect(deleteOrganization(owner, {})).rejects.toBeInstanceOf(ZodError);
    expect(await db.organization.findUnique({ where: { id: org.id } })).not.toBeNull();
  });

  it.each(["admin", "member", "viewer"] as const)("rejects a %s (only owners hold organization:delete) even with the right slug, and writes no audit event", async (role) => {
    const { org, addMember } = await createTestOrg();
    const caller = await addMember(role);
    const error = await deleteOrganization(caller, { confirmSlug: org.slug }).catch((e) => e);
    expect(error).toBeInstanceOf(Forbidden);
    expect(error).toMatchObject({ code: "forbidden" });
    expect(error.message).toContain("organization:delete");
    expect(await db.organization.findUnique({ where: { id: org.id } })).not.toBeNull();
    expect(await auditActions(org.id)).toEqual(["organization.created"]);
  });

  it("deletes an organization whose custom role is held by a member and named by an invitation", async () => {
    // Role, Membership and Invitation all cascade from Organization, while
    // Membership.roleId and Invitation.roleId RESTRICT deleting a role.
    const { org, owner, addMember } = await createTestOrg();
    const member = await addMember("member");
    const custom = await db.role.create({ data: { orgId: org.id, key: "auditor", name: "Auditor", permissions: ["organization:read", "audit:read"] } });
    await db.membership.update({ where: { id: member.membership.id }, data: { roleId: custom.id } });
    await db.invitation.create({
      data: { orgId: org.id, email: "y@example.test", roleId: custom.id, tokenHash: randomUUID(), expiresAt: new Date(Date.now() + 60_000) },
    });

    await deleteOrganization(owner, { confirmSlug: org.slug });

    expect(await db.organization.findUnique({ where: { id: org.id } })).toBeNull();
    expect(await db.role.findUnique({ where: { id: custom.id } })).toBeNull();
  });
});
