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
  "audit:read": "Read the audit log",
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

const READ: Permission[] = ["organization:read", "members:read", "roles:read"];

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
    description: "Manages members, invitations and settings",
    permissions: ALL_PERMISSIONS.filter((p) => p !== "organization:delete"),
    isOwner: false,
    position: 1,
  },
  {
    key: "member",
    name: "Member",
    description: "Works in the organization",
    permissions: [...READ],
    isOwner: false,
    position: 2,
  },
  {
    key: "viewer",
    name: "Viewer",
    description: "Read-only access",
    permissions: [...READ],
    isOwner: false,
    position: 3,
  },
];
