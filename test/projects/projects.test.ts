import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { authorize } from "../../lib/authz/authorize.ts";
import { db } from "../../lib/db.ts";
import { Conflict, Forbidden, NotFound } from "../../lib/errors.ts";
import { createGrant } from "../../lib/grants/grants.ts";
import { createProject, deleteProject, getProject, listProjects, updateProject } from "../../lib/projects/projects.ts";
import { createRole } from "../../lib/roles/roles.ts";
import { auditActions, createTestOrg } from "../helpers.ts";
import { auditEvent, fresh, slug, thrown } from "../grants/fixtures.ts";

describe("projects", () => {
  it("creates, renames and deletes a project, recording project.created, project.updated and project.deleted", async () => {
    const { org, owner } = await createTestOrg();
    const project = await createProject(owner, { name: " Web shop ", slug: "Web-Shop" });
    expect(project).toMatchObject({ name: "Web shop", slug: "web-shop" });
    const ctx = await fresh(owner); // its index knows the new project
    expect(await getProject(ctx, project.id)).toMatchObject({ id: project.id, slug: "web-shop" });

    const updated = await updateProject(ctx, { projectId: project.id, name: "Shop", slug: "shop" });
    expect(updated).toMatchObject({ id: project.id, name: "Shop", slug: "shop" });
    expect(await auditEvent(org.id, "project.updated")).toMatchObject({ targetId: project.id, before: { name: "Web shop", slug: "web-shop" }, after: { name: "Shop", slug: "shop" } });

    await deleteProject(ctx, { projectId: project.id });
    expect(await db.project.count({ where: { id: project.id } })).toBe(0);
    expect(await auditActions(org.id)).toEqual(["organization.created", "project.created", "project.updated", "project.deleted"]);
    expect((await auditEvent(org.id, "project.deleted")).before).toEqual({ name: "Shop", slug: "shop" });
  });

  it("lists this organization's projects by name, and not another organization's", async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    await createProject(a.owner, { name: "Zulu", slug: "zulu" });
    await createProject(a.owner, { name: "Alpha", slug: "alpha" });
    await createProject(b.owner, { name: "Bravo", slug: "bravo" });
    const viewer = await a.addMember("viewer");
    expect((await listProjects(viewer)).map((p) => p.slug)).toEqual(["alpha", "zulu"]);
  });

  it.each(["a", "-web", "web-", "web--shop", "web shop", "web_shop", "admin", "x".repeat(49)])("rejects the slug %j with a ZodError", async (bad) => {
    const { org, owner } = await createTestOrg();
    await expect(createProject(owner, { name: "Web", slug: bad })).rejects.toBeInstanceOf(ZodError);
    expect(await db.project.count({ where: { orgId: org.id } })).toBe(0);
  });

  it("refuses a slug taken in the same organization with Conflict slug_taken, on create and on update", async () => {
    const { org, owner } = await createTestOrg();
    await createProject(owner, { name: "Web", slug: "web" });
    const api = await createProject(owner, { name: "API", slug: "api-service" });
    const error = await thrown(() => createProject(owner, { name: "Web 2", slug: "web" }));
    expect(error).toBeInstanceOf(Conflict);
    expect(error).toMatchObject({ code: "slug_taken" });
    await expect(updateProject(await fresh(owner), { projectId: api.id, slug: "web" })).rejects.toMatchObject({ code: "slug_taken" });
    expect((await db.project.findUniqueOrThrow({ where: { id: api.id } })).slug).toBe("api-service");
    expect(await db.project.count({ where: { orgId: org.id } })).toBe(2);
  });

  it("allows the same slug in two organizations", async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    await createProject(a.owner, { name: "Web", slug: "web" });
    await expect(createProject(b.owner, { name: "Web", slug: "web" })).resolves.toMatchObject({ slug: "web" });
  });

  it("answers another organization's project with NotFound project_not_found and leaves it alone", async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    const theirs = await createProject(b.owner, { name: "Theirs", slug: "theirs" });
    for (const call of [
      () => getProject(a.owner, theirs.id),
      () => updateProject(a.owner, { projectId: theirs.id, name: "Mine" }),
      () => deleteProject(a.owner, { projectId: theirs.id }),
      () => getProject(a.owner, randomUUID()),
    ]) {
      const error = await thrown(call);
      expect(error).toBeInstanceOf(NotFound);
      expect(error).toMatchObject({ code: "project_not_found" });
    }
    expect(await db.project.findUniqueOrThrow({ where: { id: theirs.id } })).toMatchObject({ name: "Theirs" });
  });

  it("denies project-level authorize() on another organization's project, even to an owner", async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    const mine = await createProject(a.owner, { name: "Mine", slug: "mine" });
    const theirs = await createProject(b.owner, { name: "Theirs", slug: "theirs" });
    const ctx = await fresh(a.owner);
    expect(authorize(ctx, "projects:read", { type: "project", id: mine.id }).allowed).toBe(true);
    expect(authorize(ctx, "projects:read", { type: "project", id: theirs.id })).toEqual({
      allowed: false,
      code: "unknown_project",
      reason: `project ${theirs.id} does not exist in this organization`,
    });
    expect(authorize(ctx, "projects:read", { type: "organization", id: b.org.id })).toMatchObject({ allowed: false, reason: `organization ${b.org.id} is not this organization` });
  });

  it("lets viewers and members read projects but answers their changes with Forbidden", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const project = await createProject(owner, { name: "Web", slug: "web" });
    for (const key of ["viewer", "member"] as const) {
      const caller = await fresh(await addMember(key));
      await expect(getProject(caller, project.id)).resolves.toMatchObject({ id: project.id });
      for (const call of [
        () => createProject(caller, { name: "Mine", slug: slug() }),
        () => updateProject(caller, { projectId: project.id, name: "Mine" }),
        () => deleteProject(caller, { projectId: project.id }),
      ]) {
        const error = await thrown(call);
        expect(error).toBeInstanceOf(Forbidden);
        expect(error).toMatchObject({ code: "forbidden" });
      }
    }
    expect(await db.project.findMany({ where: { orgId: org.id }, select: { name: true } })).toEqual([{ name: "Web" }]);
  });

  it("lets a project grant of projects:update rename that project only", async () => {
    const { owner, addMember } = await createTestOrg();
    const p1 = await createProject(owner, { name: "One", slug: "one" });
    const p2 = await createProject(owner, { name: "Two", slug: "two" });
    const role = await createRole(owner, { name: "Project editor", permissions: ["projects:update"] });
    const member = await addMember("member");
    await createGrant(await fresh(owner), { roleId: role.id, subject: { type: "user", id: member.principal.userId }, projectId: p1.id });

    const ctx = await fresh(member);
    await expect(updateProject(ctx, { projectId: p1.id, name: "One!" })).resolves.toMatchObject({ name: "One!" });
    await expect(updateProject(ctx, { projectId: p2.id, name: "Two!" })).rejects.toBeInstanceOf(Forbidden);
  });

  it("deleting a project deletes its grants and the access they gave", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const project = await createProject(owner, { name: "Web", slug: "web" });
    const other = await createProject(owner, { name: "API", slug: "api-svc" });
    const role = await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
    const member = await addMember("member");
    const ownerCtx = await fresh(owner);
    const onProject = await createGrant(ownerCtx, { roleId: role.id, subject: { type: "user", id: member.principal.userId }, projectId: project.id });
    const onOther = await createGrant(ownerCtx, { roleId: role.id, subject: { type: "user", id: member.principal.userId }, projectId: other.id });
    expect(authorize(await fresh(member), "audit:read", { type: "project", id: project.id }).allowed).toBe(true);

    await deleteProject(ownerCtx, { projectId: project.id });

    expect(await db.grant.findMany({ where: { orgId: org.id }, select: { id: true } })).toEqual([{ id: onOther.id }]);
    expect(await db.grant.count({ where: { id: onProject.id } })).toBe(0);
    expect(authorize(await fresh(member), "audit:read", { type: "project", id: project.id })).toMatchObject({ allowed: false, reason: `project ${project.id} does not exist in this organization` });
  });
});
