// What the SCIM server says of itself (RFC 7643 §5–7, RFC 7644 §4): what it
// supports, its resource types, and the attributes of each.
import { GROUP_SCHEMA, LIST_SCHEMA, USER_SCHEMA } from "./scim.ts";
import { scimBaseUrl } from "./tokens.ts";

export function serviceProviderConfig() {
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
    documentationUri: `${scimBaseUrl().replace(/\/scim\/v2$/, "")}/docs/api`,
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: 200 },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [{ type: "oauthbearertoken", name: "Bearer token", description: "A SCIM token made on the organization's Single sign-on page.", primary: true }],
    meta: { resourceType: "ServiceProviderConfig", location: `${scimBaseUrl()}/ServiceProviderConfig` },
  };
}

const resourceTypes = () => [
  {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
    id: "User",
    name: "User",
    endpoint: "/Users",
    schema: USER_SCHEMA,
    meta: { resourceType: "ResourceType", location: `${scimBaseUrl()}/ResourceTypes/User` },
  },
  {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
    id: "Group",
    name: "Group",
    endpoint: "/Groups",
    schema: GROUP_SCHEMA,
    meta: { resourceType: "ResourceType", location: `${scimBaseUrl()}/ResourceTypes/Group` },
  },
];

const attribute = (name: string, type: string, extra: Record<string, unknown> = {}) => ({
  name,
  type,
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: "readWrite",
  returned: "default",
  uniqueness: "none",
  ...extra,
});

const schemas = () => [
  {
    id: USER_SCHEMA,
    name: "User",
    description: "A person the identity provider provisions",
    attributes: [
      attribute("userName", "string", { required: true, uniqueness: "server", mutability: "immutable" }),
      attribute("name", "complex", { subAttributes: [attribute("givenName", "string"), attribute("familyName", "string"), attribute("formatted", "string")] }),
      attribute("displayName", "string"),
      attribute("active", "boolean"),
      attribute("emails", "complex", { multiValued: true, subAttributes: [attribute("value", "string"), attribute("type", "string"), attribute("primary", "boolean")] }),
      attribute("groups", "complex", { multiValued: true, mutability: "readOnly", subAttributes: [attribute("value", "string"), attribute("display", "string")] }),
    ],
    meta: { resourceType: "Schema", location: `${scimBaseUrl()}/Schemas/${USER_SCHEMA}` },
  },
  {
    id: GROUP_SCHEMA,
    name: "Group",
    description: "A group whose members the identity provider keeps",
    attributes: [
      attribute("displayName", "string", { required: true, uniqueness: "server" }),
      attribute("members", "complex", { multiValued: true, subAttributes: [attribute("value", "string", { mutability: "immutable" }), attribute("display", "string", { mutability: "readOnly" })] }),
    ],
    meta: { resourceType: "Schema", location: `${scimBaseUrl()}/Schemas/${GROUP_SCHEMA}` },
  },
];

const list = <T>(resources: T[]) => ({ schemas: [LIST_SCHEMA], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources });

export const resourceTypeList = () => list(resourceTypes());
export const schemaList = () => list(schemas());
export const resourceTypeById = (id: string) => resourceTypes().find((r) => r.id === id) ?? null;
export const schemaById = (id: string) => schemas().find((s) => s.id === id) ?? null;
