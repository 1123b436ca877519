// GET|POST|PATCH|DELETE /api/v1/...: the management API of an organization,
// acted on by an API key through the same domain functions as the UI.
import { z } from "zod";
import { CheckBatchInput, CheckInput } from "../authz/check-access.ts";
import { NotFound } from "../errors.ts";
import { CreateGrantInput, createGrant, deleteGrant, listGrants, ListGrantsQuery } from "../grants/grants.ts";
import { addGroupMember, CreateGroupInput, createGroup, deleteGroup, getGroup, listGroups, removeGroupMember, UpdateGroupInput, updateGroup } from "../groups/groups.ts";
import { CreateInvitationInput } from "../invitations/schemas.ts";
import { createInvitation, listInvitations, resendInvitation, revokeInvitation } from "../invitations/invitations.ts";
import { changeMemberRole, listMembers, removeMember } from "../members/members.ts";
import { CreateProjectInput, createProject, deleteProject, getProject, listProjects, UpdateProjectInput, updateProject } from "../projects/projects.ts";
import { CreateRoleInput, createRole, deleteRole, getRole, listRoles, UpdateRoleInput, updateRole } from "../roles/roles.ts";
import { PageQuery, paginate, type ApiRouteDef } from "./api-v1.ts";
import { ApiKeyPolicyInput, CreateApiKeyInput, createApiKey, getApiKey, getApiKeyPolicy, ListApiKeysQuery, listApiKeys, revokeApiKey, RotateApiKeyInput, rotateApiKey, updateApiKeyPolicy } from "../apikeys/api-keys.ts";
import { VerifyKeyInput } from "../apikeys/verify-key.ts";
import {
  deleteOrganizationById,
  FindUsersQuery,
  findUsers,
  getOrganizationById,
  getUser,
  listOrganizations,
  ProvisionOrganizationInput,
  provisionOrganization,
  ProvisionUserInput,
  provisionUser,
  UpdateOrganizationInput,
  updateOrganizationById,
} from "../admin/provisioning.ts";

/** A path id: anything that is not a UUID cannot exist, so it is a 404 like any unknown id. */
function id(params: Record<string, string>, name: string, what: string) {
  const value = params[name]!;
  if (!z.uuid().safeParse(value).success) throw new NotFound(`${what}_not_found`, `${what.replace("_", " ")} not found.`);
  return value;
}

const list = <T extends { id: string }>(items: T[], query: Record<string, unknown>) => paginate(items, query);

export const apiV1Routes: ApiRouteDef[] = [
  // Authorization checks (served by dedicated fast routes; listed here for the document).
  { method: "POST", path: "/api/v1/authz/check", summary: "May this user do this, here, now?", tag: "Authorization", permission: "authz:check", body: CheckInput, docOnly: true, handler: () => null },
  { method: "POST", path: "/api/v1/authz/check-batch", summary: "Up to 100 checks, answered in order", tag: "Authorization", permission: "authz:check", body: CheckBatchInput, docOnly: true, handler: () => null },

  // Projects
  { method: "GET", path: "/api/v1/projects", summary: "List projects", tag: "Projects", permission: "projects:read", query: PageQuery, handler: async (ctx, { query }) => list(await listProjects(ctx), query) },
  { method: "POST", path: "/api/v1/projects", summary: "Create a project", tag: "Projects", permission: "projects:create", body: CreateProjectInput, status: 201, handler: (ctx, { body }) => createProject(ctx, body) },
  { method: "GET", path: "/api/v1/projects/{projectId}", summary: "Get a project", tag: "Projects", permission: "projects:read", handler: (ctx, { params }) => getProject(ctx, id(params, "projectId", "project")) },
  { method: "PATCH", path: "/api/v1/projects/{projectId}", summary: "Rename a project", tag: "Projects", permission: "projects:update", body: UpdateProjectInput.omit({ projectId: true }), handler: (ctx, { params, body }) => updateProject(ctx, { ...(body as object), projectId: id(params, "projectId", "project") }) },
  { method: "DELETE", path: "/api/v1/projects/{projectId}", summary: "Delete a project", tag: "Projects", permission: "projects:delete", status: 204, handler: (ctx, { params }) => deleteProject(ctx, { projectId: id(params, "projectId", "project") }) },

  // Members and invitations
  { method: "GET", path: "/api/v1/members", summary: "List members", tag: "Members", permission: "members:read", query: PageQuery, handler: async (ctx, { query }) => list(await listMembers(ctx), query) },
  { method: "PATCH", path: "/api/v1/members/{membershipId}", summary: "Change a member's role", tag: "Members", permission: "members:update", body: z.object({ roleId: z.uuid("Choose a role") }), handler: (ctx, { params, body }) => changeMemberRole(ctx, { ...(body as object), membershipId: id(params, "membershipId", "member") }) },
  { method: "DELETE", path: "/api/v1/members/{membershipId}", summary: "Remove a member", tag: "Members", permission: "members:remove", status: 204, handler: (ctx, { params }) => removeMember(ctx, { membershipId: id(params, "membershipId", "member") }) },
  { method: "GET", path: "/api/v1/invitations", summary: "List pending invitations", tag: "Members", permission: "members:read", query: PageQuery, handler: async (ctx, { query }) => list(await listInvitations(ctx), query) },
  { method: "POST", path: "/api/v1/invitations", summary: "Invite someone by email", tag: "Members", permission: "members:invite", body: CreateInvitationInput, status: 201, handler: (ctx, { body }) => createInvitation(ctx, body) },
  { method: "POST", path: "/api/v1/invitations/{invitationId}/resend", summary: "Send an invitation again (new link)", tag: "Members", permission: "members:invite", handler: (ctx, { params }) => resendInvitation(ctx, { invitationId: id(params, "invitationId", "invitation") }) },
  { method: "DELETE", path: "/api/v1/invitations/{invitationId}", summary: "Revoke an invitation", tag: "Members", permission: "members:invite", status: 204, handler: (ctx, { params }) => revokeInvitation(ctx, { invitationId: id(params, "invitationId", "invitation") }) },

  // Groups
  { method: "GET", path: "/api/v1/groups", summary: "List groups", tag: "Groups", permission: "groups:read", query: PageQuery, handler: async (ctx, { query }) => list(await listGroups(ctx), query) },
  { method: "POST", path: "/api/v1/groups", summary: "Create a group", tag: "Groups", permission: "groups:write", body: CreateGroupInput, status: 201, handler: (ctx, { body }) => createGroup(ctx, body) },
  { method: "GET", path: "/api/v1/groups/{groupId}", summary: "Get a group with its members", tag: "Groups", permission: "groups:read", handler: (ctx, { params }) => getGroup(ctx, id(params, "groupId", "group")) },
  { method: "PATCH", path: "/api/v1/groups/{groupId}", summary: "Rename or describe a group", tag: "Groups", permission: "groups:write", body: UpdateGroupInput.omit({ groupId: true }), handler: (ctx, { params, body }) => updateGroup(ctx, { ...(body as object), groupId: id(params, "groupId", "group") }) },
  { method: "DELETE", path: "/api/v1/groups/{groupId}", summary: "Delete a group", tag: "Groups", permission: "groups:write", status: 204, handler: (ctx, { params }) => deleteGroup(ctx, { groupId: id(params, "groupId", "group") }) },
  { method: "POST", path: "/api/v1/groups/{groupId}/members", summary: "Add a member to a group", tag: "Groups", permission: "groups:write", body: z.object({ userId: z.uuid("Unknown user") }), status: 204, handler: (ctx, { params, body }) => addGroupMember(ctx, { ...(body as object), groupId: id(params, "groupId", "group") }) },
  { method: "DELETE", path: "/api/v1/groups/{groupId}/members/{userId}", summary: "Remove a member from a group", tag: "Groups", permission: "groups:write", status: 204, handler: (ctx, { params }) => removeGroupMember(ctx, { groupId: id(params, "groupId", "group"), userId: id(params, "userId", "group_member") }) },

  // Roles
  { method: "GET", path: "/api/v1/roles", summary: "List built-in and custom roles", tag: "Roles", permission: "roles:read", query: PageQuery, handler: async (ctx, { query }) => list(await listRoles(ctx), query) },
  { method: "POST", path: "/api/v1/roles", summary: "Create a custom role", tag: "Roles", permission: "roles:write", body: CreateRoleInput, status: 201, handler: (ctx, { body }) => createRole(ctx, body) },
  { method: "GET", path: "/api/v1/roles/{roleId}", summary: "Get a role", tag: "Roles", permission: "roles:read", handler: (ctx, { params }) => getRole(ctx, id(params, "roleId", "role")) },
  { method: "PATCH", path: "/api/v1/roles/{roleId}", summary: "Change a custom role", tag: "Roles", permission: "roles:write", body: UpdateRoleInput.omit({ roleId: true }), handler: (ctx, { params, body }) => updateRole(ctx, { ...(body as object), roleId: id(params, "roleId", "role") }) },
  { method: "DELETE", path: "/api/v1/roles/{roleId}", summary: "Delete a custom role (?reassignTo= moves its holders)", tag: "Roles", permission: "roles:write", query: z.object({ reassignTo: z.uuid().optional() }), status: 204, handler: (ctx, { params, query }) => deleteRole(ctx, { roleId: id(params, "roleId", "role"), reassignTo: query.reassignTo }) },

  // Provisioning with instance-admin keys: the product's own sign-up creates tenants and users.
  { scope: "instance", method: "GET", path: "/api/v1/organizations", summary: "List every organization", tag: "Provisioning", permission: "instance-admin", query: PageQuery, handler: async (ctx, { query }) => list(await listOrganizations(ctx), query) },
  { scope: "instance", method: "POST", path: "/api/v1/organizations", summary: "Create an organization with its owner (found or created by email / externalId)", tag: "Provisioning", permission: "instance-admin", body: ProvisionOrganizationInput, status: 201, handler: (ctx, { body }) => provisionOrganization(ctx, body) },
  { scope: "instance", method: "GET", path: "/api/v1/organizations/{orgId}", summary: "Get an organization", tag: "Provisioning", permission: "instance-admin", handler: (ctx, { params }) => getOrganizationById(ctx, id(params, "orgId", "organization")) },
  { scope: "instance", method: "PATCH", path: "/api/v1/organizations/{orgId}", summary: "Rename an organization", tag: "Provisioning", permission: "instance-admin", body: UpdateOrganizationInput, handler: (ctx, { params, body }) => updateOrganizationById(ctx, id(params, "orgId", "organization"), body) },
  { scope: "instance", method: "DELETE", path: "/api/v1/organizations/{orgId}", summary: "Delete an organization", tag: "Provisioning", permission: "instance-admin", status: 204, handler: (ctx, { params }) => deleteOrganizationById(ctx, id(params, "orgId", "organization")) },
  { scope: "instance", method: "GET", path: "/api/v1/users", summary: "Find users by email or externalId", tag: "Provisioning", permission: "instance-admin", query: FindUsersQuery, handler: async (ctx, { query }) => ({ data: await findUsers(ctx, query) }) },
  { scope: "instance", method: "POST", path: "/api/v1/users", summary: "Create or find a user by email or externalId", tag: "Provisioning", permission: "instance-admin", body: ProvisionUserInput, handler: (ctx, { body }) => provisionUser(ctx, body) },
  { scope: "instance", method: "GET", path: "/api/v1/users/{userId}", summary: "Get a user and their memberships", tag: "Provisioning", permission: "instance-admin", handler: (ctx, { params }) => getUser(ctx, id(params, "userId", "user")) },

  // API keys
  { method: "POST", path: "/api/v1/keys/verify", summary: "Verify a key presented to your own service", tag: "API keys", permission: "apikeys:verify", body: VerifyKeyInput, docOnly: true, handler: () => null },
  { method: "GET", path: "/api/v1/api-keys", summary: "List API keys (?status=active|expiring|expired|revoked, ?scope=organization|project|<projectId>)", tag: "API keys", permission: "apikeys:read", query: ListApiKeysQuery.extend(PageQuery.shape), handler: async (ctx, { query }) => list(await listApiKeys(ctx, query), query) },
  { method: "POST", path: "/api/v1/api-keys", summary: "Create an API key (the secret is in the answer, once)", tag: "API keys", permission: "apikeys:write", body: CreateApiKeyInput, status: 201, handler: (ctx, { body }) => createApiKey(ctx, body) },
  { method: "GET", path: "/api/v1/api-keys/{apiKeyId}", summary: "Get an API key (never its secret)", tag: "API keys", permission: "apikeys:read", handler: (ctx, { params }) => getApiKey(ctx, id(params, "apiKeyId", "api_key")) },
  { method: "POST", path: "/api/v1/api-keys/{apiKeyId}/rotate", summary: "New secret; the old one works for overlapHours more (default 24)", tag: "API keys", permission: "apikeys:write", body: RotateApiKeyInput.omit({ apiKeyId: true }), handler: (ctx, { params, body }) => rotateApiKey(ctx, { ...(body as object), apiKeyId: id(params, "apiKeyId", "api_key") }) },
  { method: "DELETE", path: "/api/v1/api-keys/{apiKeyId}", summary: "Revoke an API key (stops at once, everywhere)", tag: "API keys", permission: "apikeys:write", status: 204, handler: (ctx, { params }) => revokeApiKey(ctx, { apiKeyId: id(params, "apiKeyId", "api_key") }) },
  { method: "GET", path: "/api/v1/api-key-policy", summary: "The organization's API key policy", tag: "API keys", permission: "apikeys:read", handler: (ctx) => getApiKeyPolicy(ctx) },
  { method: "PUT", path: "/api/v1/api-key-policy", summary: "Set the API key policy (expiry rules, default rate limits)", tag: "API keys", permission: "organization:update", body: ApiKeyPolicyInput, handler: (ctx, { body }) => updateApiKeyPolicy(ctx, body) },

  // Grants
  { method: "GET", path: "/api/v1/grants", summary: "List grants", tag: "Grants", permission: "grants:read", query: ListGrantsQuery.extend(PageQuery.shape), handler: async (ctx, { query }) => list(await listGrants(ctx, query), query) },
  { method: "POST", path: "/api/v1/grants", summary: "Give a role to a member, group or API key", tag: "Grants", permission: "grants:write", body: CreateGrantInput, status: 201, handler: (ctx, { body }) => createGrant(ctx, body) },
  { method: "DELETE", path: "/api/v1/grants/{grantId}", summary: "Take a grant away", tag: "Grants", permission: "grants:write", status: 204, handler: (ctx, { params }) => deleteGrant(ctx, { grantId: id(params, "grantId", "grant") }) },
];
