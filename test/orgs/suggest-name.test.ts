import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createOrganization } from "../../lib/orgs/create-organization.ts";
import { organizationSuggestion, suggestedOrganizationName } from "../../lib/orgs/suggest-name.ts";
import { createUser } from "../helpers.ts";

describe("a first organization's suggested name", () => {
  it("is the company of a work address, else the person's first name, else a plain one", () => {
    expect(suggestedOrganizationName({ name: "Ada Lovelace", email: "ada@acme.io" })).toBe("Acme");
    expect(suggestedOrganizationName({ name: "Ada Lovelace", email: "ada@gmail.com" })).toBe("Ada's organization");
    expect(suggestedOrganizationName({ name: null, email: "ada@outlook.com" })).toBe("My organization");
    expect(suggestedOrganizationName({ name: "Ada", email: "ada@mail.acme.co.uk" })).toBe("Acme");
    expect(suggestedOrganizationName({ name: "Ada", email: "ada@yahoo.co.uk" })).toBe("Ada's organization");
  });

  it("comes with a slug no organization has, which creates the organization as it is", async () => {
    const company = `co${randomUUID().slice(0, 8)}`;
    const first = await createUser({ email: `a@${company}.example`, name: "A" });
    const suggested = await organizationSuggestion(first);
    expect(suggested).toEqual({ name: company.charAt(0).toUpperCase() + company.slice(1), slug: company });
    await createOrganization(first, suggested);

    const second = await createUser({ email: `b@${company}.example`, name: "B" });
    const next = await organizationSuggestion(second);
    expect(next.slug).toBe(`${company}-2`);
    await expect(createOrganization(second, next)).resolves.toMatchObject({ slug: `${company}-2` });
    // Someone who already belongs to an organization is making another: nothing is suggested.
    expect(await organizationSuggestion(second)).toEqual({ name: "", slug: "" });
  });
});
