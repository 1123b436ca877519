// An invitation can carry roles on projects besides the membership role: the
// new member gets them as grants when accepting. They are checked as grants
// are (the sender writes grants and holds what they give, there), again when
// accepted, and an organization's invitation names only its own projects and roles.
import { describe, expect, it } from "vitest";
import { authzTransaction, getOrgIndex } from "../../lib/authz/org-index-cache.ts";
import { resolveOrgContext } from "../../lib/auth/request-context.ts";
import { decide } from "../../lib/authz/decide.ts";
import { completeSignUp, requestSignUp } from "../../lib/auth/sign-up.ts";
import { db } from "../../lib/db.ts";
import { acceptInvitation, createInvitation, invitationJoinedBySignUp, listInvitations, previewInvitation, resendInvitation } from "../../lib/invitations/invitations.ts";
import { createProject } from "../../lib/projects/projects.ts";
import { createRole, updateRole } from "../../lib/roles/roles.ts";
import { declarePermission, fresh, slug, thrown } from "../grants/fixtures.ts";
import { builtInRole, createTestOrg, createUser, latestMail, meta, uniqueEmail } from "../helpers.ts";

const tokenOf = (url: string) => url.split("/invite/")[1]!;

async function orgWithProjects() {
  const { org, owner, addMember } = await createTestOrg();
  const traces = await declarePermission("traces", "read");
  const web = await createProject(owner, { name: "Web", slug: slug("web") });
  const api = await createProject(owner, { name: "API", slug: slug("api") });
  const developer = await createRole(owner, { name: `Developer ${slug()}`, permissions: [traces] });
  return { org, owner: await fresh(owner), addMember, traces, web, api, developer };
}

const viewerId = async () => (await builtInRole("viewer")).id;
/** What the Viewer role holds: a sender inviting as Viewer holds it too. */
const VIEWER = ["organization:read", "members:read", "roles:read", "groups:read", "projects:read"];

describe("an invitation with a role on a project", () => {
  it("gives the new member that role on that project only, as a grant, when accepted", async () => {
    const { org, owner, traces, web, api, developer } = await orgWithProjects();
    const email = uniqueEmail("dev");
    const invitation = await createInvitation(owner, { email, roleId: await viewerId(), projectRoles: [{ projectId: web.id, roleId: developer.id }] });
    expect(invitation.projectRoles).toEqual([{ projectId: web.id, roleId: developer.id, projectName: "Web", roleName: developer.name }]);
    const preview = await previewInvitation(tokenOf(invitation.url));
    expect(preview.invitedAs).toBe(`Viewer, and ${developer.name} on the Web project`);
    expect((await latestMail(email)).mail!.text).toContain(`as Viewer, and ${developer.name} on the Web project`);
    const [listed] = (await listInvitations(owner)).filter((i) => i.email === email);
    expect(listed!.projectRoles).toEqual([{ projectId: web.id, roleId: developer.id, projectName: "Web", roleName: developer.name }]);

    const invitee = await createUser({ email });
    await acceptInvitation(invitee, tokenOf(invitation.url));

    const grants = await db.grant.findMany({ where: { orgId: org.id, userId: invitee.principal.userId } });
    expect(grants).toMatchObject([{ roleId: developer.id, projectId: web.id, ipCidrs: [], validUntil: null, requireMfa: false }]);
    const index = await getOrgIndex(org.id);
    const subject = { type: "user", id: invitee.principal.userId } as const;
    expect(decide(index, subject, traces, { type: "project", id: web.id }, {}).allowed).toBe(true);
    expect(decide(index, subject, traces, { type: "project", id: api.id }, {}).allowed).toBe(false);
    expect(decide(index, subject, traces, { type: "organization", id: org.id }, {}).allowed).toBe(false);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { orgId: org.id, action: "grant.created", targetId: grants[0]!.id } });
    expect(audit.after).toMatchObject({ role: developer.name, project: "Web", projectId: web.id });
  });

  it("refuses another organization's project or role, and a role nobody may hold on a project, writing nothing", async () => {
    const { org, owner, web, developer } = await orgWithProjects();
    const other = await orgWithProjects();
    const before = await db.invitation.count({ where: { orgId: org.id } });
    const invite = (projectRoles: unknown) => thrown(() => createInvitation(owner, { email: uniqueEmail(), roleId: developer.id, projectRoles }));

    const foreignProject = await invite([{ projectId: other.web.id, roleId: developer.id }]);
    expect(foreignProject).toMatchObject({ code: "project_not_found", message: "projectRoles.0.projectId: project not found." });
    expect(await invite([{ projectId: web.id, roleId: other.developer.id }])).toMatchObject({ code: "role_not_found" });
    expect(await invite([{ projectId: web.id, roleId: (await builtInRole("owner")).id }])).toMatchObject({ code: "owner_role_not_grantable" });
    expect(await invite([{ projectId: web.id }])).toMatchObject({ name: "ZodError" });
    expect(await db.invitation.count({ where: { orgId: org.id } })).toBe(before);
  });

  it("is refused to a sender who cannot write grants, or does not hold the role's permissions there", async () => {
    const { org, owner, web, developer } = await orgWithProjects();
    const inviterRole = await createRole(owner, { name: `Inviter ${slug()}`, permissions: ["organization:read", "members:read", "members:invite"] });
    const granterRole = await createRole(owner, { name: `Granter ${slug()}`, permissions: ["organization:read", "members:read", "members:invite", "grants:read", "grants:write"] });
    const asMemberWith = async (roleId: string) => {
      const user = await createUser();
      await authzTransaction(org.id, (tx) => tx.membership.create({ data: { orgId: org.id, userId: user.principal.userId, roleId } }));
      return resolveOrgContext(user.principal, org.slug, meta());
    };
    const inviter = await asMemberWith(inviterRole.id);
    const granter = await asMemberWith(granterRole.id);
    const projectRoles = [{ projectId: web.id, roleId: developer.id }];
    const before = await db.invitation.count({ where: { orgId: org.id } });

    // Without project roles both may invite as Viewer; with one, the first lacks grants:write, the second the role's permission.
    expect(await thrown(() => createInvitation(inviter, { email: uniqueEmail(), roleId: inviterRole.id, projectRoles }))).toMatchObject({ code: "forbidden" });
    const refused = await thrown(() => createInvitation(granter, { email: uniqueEmail(), roleId: granterRole.id, projectRoles }));
    expect(refused).toMatchObject({ code: "privilege_escalation" });
    expect(refused.message).toContain(`give the ${developer.name} role on the Web project`);
    expect(await db.invitation.count({ where: { orgId: org.id } })).toBe(before);
  });

  it("gives nothing when, by the time it is accepted, the sender no longer holds the role's permissions", async () => {
    const { org, owner, addMember, web, developer } = await orgWithProjects();
    const admin = await addMember("admin");
    const traces = [...(await getOrgIndex(org.id)).roles.get(developer.id)!.permissions][0]!;
    // The admin holds the product permission through a grant on Web, made by the owner.
    const holder = await createRole(owner, { name: `Holder ${slug()}`, permissions: [traces] });
    const grant = await authzTransaction(org.id, (tx) => tx.grant.create({ data: { orgId: org.id, roleId: holder.id, userId: admin.principal.userId, projectId: web.id, ipCidrs: [] } }));
    const email = uniqueEmail("late");
    const invitation = await createInvitation(await fresh(admin), { email, roleId: await viewerId(), projectRoles: [{ projectId: web.id, roleId: developer.id }] });

    // The role grows past what the sender holds: accepting now would give more than they could.
    await updateRole(owner, { roleId: developer.id, permissions: [traces, await declarePermission("evals", "run")] });
    const invitee = await createUser({ email });
    const error = await thrown(() => acceptInvitation(invitee, tokenOf(invitation.url)));
    expect(error).toMatchObject({ code: "inviter_cannot_give" });
    expect(await db.membership.count({ where: { orgId: org.id, userId: invitee.principal.userId } })).toBe(0);
    expect(await db.grant.count({ where: { orgId: org.id, userId: invitee.principal.userId } })).toBe(0);

    // Resending checks the sender who sends it again.
    await authzTransaction(org.id, (tx) => tx.grant.delete({ where: { id: grant.id } }));
    const adminNow = await fresh(admin);
    expect(await thrown(() => resendInvitation(adminNow, { invitationId: invitation.id }))).toMatchObject({ code: "privilege_escalation" });
  });
});

describe("a sender who can no longer write grants", () => {
  it("gives no project role when the invitation is accepted, nor the membership", async () => {
    const { org, owner, web, developer } = await orgWithProjects();
    const traces = [...(await getOrgIndex(org.id)).roles.get(developer.id)!.permissions][0]!;
    const granter = await createRole(owner, { name: `Granter ${slug()}`, permissions: [...VIEWER, "members:invite", "grants:read", "grants:write", traces] });
    const user = await createUser();
    const membership = await authzTransaction(org.id, (tx) => tx.membership.create({ data: { orgId: org.id, userId: user.principal.userId, roleId: granter.id } }));
    const sender = await resolveOrgContext(user.principal, org.slug, meta());
    const email = uniqueEmail("late-grants");
    const invitation = await createInvitation(sender, { email, roleId: await viewerId(), projectRoles: [{ projectId: web.id, roleId: developer.id }] });
    // The sender keeps the role's permission but loses grants:write.
    const keeper = await createRole(owner, { name: `Keeper ${slug()}`, permissions: [...VIEWER, "members:invite", traces] });
    await authzTransaction(org.id, (tx) => tx.membership.update({ where: { id: membership.id }, data: { roleId: keeper.id } }));

    const invitee = await createUser({ email });
    expect(await thrown(() => acceptInvitation(invitee, tokenOf(invitation.url)))).toMatchObject({ code: "inviter_cannot_give" });
    expect(await db.grant.count({ where: { orgId: org.id, userId: invitee.principal.userId } })).toBe(0);
  });
});

describe("signing up through an invitation's link", () => {
  it("is said on the sign-up page before the account is made: which organization, as what", async () => {
    const { org, owner, web, developer } = await orgWithProjects();
    const invitation = await createInvitation(owner, { email: uniqueEmail("told"), roleId: await viewerId(), projectRoles: [{ projectId: web.id, roleId: developer.id }] });
    const joining = await invitationJoinedBySignUp(`/invite/${tokenOf(invitation.url)}`);
    expect(joining).toMatchObject({ orgName: org.name, invitedAs: `Viewer, and ${developer.name} on the Web project`, status: "pending" });
    expect(await invitationJoinedBySignUp("/orgs/new")).toBeNull();
    expect(await invitationJoinedBySignUp("/invite/not-a-real-token-but-long-enough")).toBeNull();
  });

  const PASSWORD = "correct horse battery staple";

  it("joins the organization when the sign-up link is used, with the invitation's roles, without another click", async () => {
    const { org, owner, web, developer } = await orgWithProjects();
    const email = uniqueEmail("newcomer");
    const invitation = await createInvitation(owner, { email, roleId: await viewerId(), projectRoles: [{ projectId: web.id, roleId: developer.id }] });
    const invitePath = `/invite/${tokenOf(invitation.url)}`;
    await requestSignUp({ ...meta(), ip: "198.51.100.23" }, { name: "Nia", email, password: PASSWORD, nextPath: invitePath });
    const { token } = await latestMail(email, "/verify-email");

    const done = await completeSignUp(meta(), { token, password: PASSWORD });

    expect(done.nextPath).toBe(`/${org.slug}`);
    expect(await db.membership.findFirst({ where: { orgId: org.id, userId: done.user.id }, select: { role: { select: { key: true } } } })).toEqual({ role: { key: "viewer" } });
    expect(await db.grant.count({ where: { orgId: org.id, userId: done.user.id, projectId: web.id, roleId: developer.id } })).toBe(1);
    expect((await previewInvitation(tokenOf(invitation.url))).status).toBe("accepted");
  });

  it("leaves an invitation for another address alone, and goes where the link said", async () => {
    const { org, owner } = await orgWithProjects();
    const invitation = await createInvitation(owner, { email: uniqueEmail("someone"), roleId: await viewerId() });
    const invitePath = `/invite/${tokenOf(invitation.url)}`;
    const email = uniqueEmail("other");
    await requestSignUp({ ...meta(), ip: "198.51.100.24" }, { name: "Oz", email, password: PASSWORD, nextPath: invitePath });
    const { token } = await latestMail(email, "/verify-email");

    const done = await completeSignUp(meta(), { token, password: PASSWORD });

    expect(done.nextPath).toBe(invitePath);
    expect(await db.membership.count({ where: { orgId: org.id, userId: done.user.id } })).toBe(0);
    expect((await previewInvitation(tokenOf(invitation.url))).status).toBe("pending");
  });
});
