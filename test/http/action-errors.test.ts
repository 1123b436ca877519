import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Invalid, NotFound } from "../../lib/errors.ts";
import { domainFailure } from "../../lib/http/actions.ts";

const messageOf = (schema: z.ZodType, value: unknown) => {
  const result = schema.safeParse(value);
  if (result.success) throw new Error("expected a refusal");
  return result.error.issues.map((issue) => issue.message);
};

describe("default validation messages in people's words", () => {
  it("says Required for a missing or empty value, not zod's type talk", () => {
    expect(messageOf(z.strictObject({ name: z.string() }), {})).toEqual(["Required"]);
    expect(messageOf(z.string(), null)).toEqual(["Required"]);
    expect(messageOf(z.string().min(1), "")).toEqual(["Required"]);
  });

  it("gives lengths, formats and choices plainly", () => {
    expect(messageOf(z.string().max(3), "abcd")).toEqual(["At most 3 characters"]);
    expect(messageOf(z.string().min(12), "short")).toEqual(["At least 12 characters"]);
    expect(messageOf(z.email(), "nope")).toEqual(["Enter a valid email address, e.g. name@example.com"]);
    expect(messageOf(z.uuid(), "x")).toEqual(["Choose one from the list"]);
    expect(messageOf(z.enum(["user", "group"]), "x")).toEqual(["Choose one of: user, group"]);
    expect(messageOf(z.array(z.string()).max(1), ["a", "b"])).toEqual(["At most 1"]);
  });

  it("keeps a schema's own message and zod's naming of unknown keys", () => {
    expect(messageOf(z.string().min(1, "Enter a name"), "")).toEqual(["Enter a name"]);
    expect(messageOf(z.strictObject({}), { secret: 1 })).toEqual(['Unrecognized key: "secret"']);
  });
});

describe("a refusal as a form sees it", () => {
  it("moves an API message's field prefix onto the field", () => {
    expect(domainFailure(new NotFound("subject_not_found", "subject: no user x in this organization"), { subject: {} })).toEqual({
      ok: false,
      error: { code: "subject_not_found", message: "No user x in this organization", fields: { subject: "No user x in this organization" } },
    });
  });

  it("takes a prefix for a field only when the input has that field (a role may be called “ops: on-call”)", () => {
    expect(domainFailure(new Invalid("role_in_use", "ops: on-call is held by 2 members"), { roleId: "x" }).error).toEqual({ code: "role_in_use", message: "ops: on-call is held by 2 members" });
  });

  it("uses a declared field, and leaves a plain sentence for the form as a whole", () => {
    expect(domainFailure(new Invalid("unknown_permission", "Not declared.", { field: "permission" })).error).toMatchObject({ fields: { permission: "Not declared." } });
    expect(domainFailure(new Invalid("last_owner", "The last owner cannot leave.")).error).toEqual({ code: "last_owner", message: "The last owner cannot leave." });
  });
});
