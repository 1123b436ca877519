// The check API's logic: a product asks whether one of its organization's
// users may do something. The asking key needs authz:check where it asks;
// subjects and resources outside the key's organization are NotFound.
import { z } from "zod";
import { Forbidden, NotFound } from "../errors.ts";
import type { ApiKeyPrincipal } from "../apikeys/authenticate-api-key.ts";
import { recordDecision } from "./decision-log.ts";
import { decide, type AuthzResource, type Decision } from "./decide.ts";

export const CheckInput = z.object({
  subject: z.object({ type: z.literal("user"), id: z.string().trim().min(1, "subject.id: required").max(254) }),
  permission: z.string().trim().min(1, "required").max(200),
  resource: z.object({ type: z.enum(["organization", "project"]), id: z.string().trim().min(1).max(100) }).optional(),
  context: z.object({ ip: z.string().trim().max(64).nullish(), mfa: z.boolean().optional() }).default({}),
});
export type CheckInput = z.infer<typeof CheckInput>;
export const CheckBatchInput = z.object({ checks: z.array(z.unknown()).min(1, "give at least one check").max(100, "at most 100 checks a request") });

export type CheckResult = { allowed: boolean; reason: string; version: number };

function record(caller: ApiKeyPrincipal, subjectId: string, permission: string, resource: AuthzResource, decision: Decision, startedAt: number, source: string) {
  recordDecision({
    orgId: caller.orgId,
    principalType: "user",
    principalId: subjectId,
    permission,
    resourceType: resource.type,
    resourceId: resource.id,
    allowed: decision.allowed,
    reason: decision.reason,
    latencyUs: Math.round((performance.now() - startedAt) * 1000),
    source,
    createdAt: new Date(),
  });
}

export function checkAccess(caller: ApiKeyPrincipal, input: CheckInput, source = "check-api"): CheckResult {
  const startedAt = performance.now();
  const index = caller.authz;
  const resource: AuthzResource = input.resource ? (input.resource as AuthzResource) : { type: "organization", id: caller.orgId };
  if (resource.type === "organization" ? resource.id !== caller.orgId : !index.projects.has(resource.id)) {
    throw new NotFound("resource_not_found", `resource: ${resource.type} ${resource.id} not found`);
  }
  const asking = decide(index, { type: "api_key", id: caller.keyId }, "authz:check", resource);
  if (!asking.allowed) throw new Forbidden("forbidden", `This key needs the authz:check permission here: ${asking.reason}`);
  const subjectId = input.subject.id.includes("@") ? index.userByEmail.get(input.subject.id.toLowerCase()) : input.subject.id;
  if (!subjectId || !index.memberRole.has(subjectId)) throw new NotFound("subject_not_found", `subject: no user ${input.subject.id} in this organization`);
  const decision = decide(index, { type: "user", id: subjectId }, input.permission, resource, { ip: input.context.ip, mfa: input.context.mfa });
  record(caller, subjectId, input.permission, resource, decision, startedAt, source);
  return { allowed: decision.allowed, reason: decision.reason, version: index.version };
}
