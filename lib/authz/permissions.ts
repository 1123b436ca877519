// The permission catalogue: the single list of what can be allowed. Built-in
// roles are rows synced from BUILT_IN_ROLES at start-up; nothing compares
// role names in code.
export const PERMISSIONS = {
  "organization:read": "See the organization",
  "organization:update": "Rename the organization and change its settings",
  "organization:delete": "Delete the organization",
  "members:read": "See members and invitations",
  "members:invite": "Invite people and manage invitations",
  "members:remove": "Remove members",
  "members:update": "Change members' roles",
  "roles:read": "See roles",
  "roles:write": "Create, edit and delete custom roles",
  "groups:read": "See groups",
  "groups:write": "Create groups and manage their members",
  "grants:read": "See who has which role where",
  "grants:write": "Give and take away roles (grants)",
  "projects:read": "See projects",
  "projects:create": "Create projects",
  "projects:update": "Rename projects",
  "projects:delete": "Delete projects",
  "apikeys:read": "See API keys",
  "apikeys:write": "Create, rotate and revoke API keys",
  "apikeys:verify": "Verify API keys presented to your own services (verify API)",
  "authz:check": "Ask for authorization decisions (check API)",
  "decisions:read": "Read the access decision log",
  "sso:read": "See single sign-on settings",
  "sso:write": "Configure single sign-on",
  "scim:manage": "Manage SCIM provisioning",
  "audit:read": "Read the audit log",
  "usage:read": "See usage",
  // Sending usage (usage:write) is not an organization's permission but an instance's, held by
  // usage keys (lib/authz/authorize.ts): a customer who could send events could claim the ids of
  // the product's own reports in advance, and have them dropped as duplicates.
  "billing:read": "See plans and invoices",
  "billing:write": "Change the plan and billing details",
} as const;

export type Permission = keyof typeof PERMISSIONS;
export const ALL_PERMISSIONS = Object.keys(PERMISSIONS) as Permission[];

export function isPermission(value: string): value is Permission {
  return Object.hasOwn(PERMISSIONS, value);
}

type BuiltInRole = {
  key: string;
  name: string;
  description: string;
  permissions: readonly Permission[];
  isOwner: boolean;
  position: number;
};

const READ: Permission[] = ["organization:read", "members:read", "roles:read", "groups:read", "projects:read"];
const ALL_BUT = (...excluded: Permission[]) => ALL_PERMISSIONS.filter((p) => !excluded.includes(p));

export const BUILT_IN_ROLES: readonly BuiltInRole[] = [
  {
    key: "owner",
    name: "Owner",
    description: "Full control, including deleting the organization",
    permissions: ALL_PERMISSIONS,
    isOwner: true,
    position: 0,
  },
  {
    key: "admin",
    name: "Admin",
    description: "Manages members, roles, keys and settings",
    permissions: ALL_BUT("organization:delete", "billing:write"),
    isOwner: false,
    position: 1,
  },
  {
    key: "member",
    name: "Member",
    description: "Works in the organization's projects",
    permissions: [...READ, "grants:read", "usage:read", "authz:check"],
    isOwner: false,
    position: 2,
  },
  {
    key: "billing",
    name: "Billing",
    description: "Manages the plan, invoices and usage",
    permissions: ["organization:read", "members:read", "usage:read", "billing:read", "billing:write"],
    isOwner: false,
    position: 3,
  },
  {
    key: "viewer",
    name: "Viewer",
    description: "Read-only access",
    permissions: [...READ],
    isOwner: false,
    position: 4,
  },
];
