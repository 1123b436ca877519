// Exports of the audit and decision logs: what the filters select, only the
// caller's organization, only for who may read the log; CSV a spreadsheet
// opens safely; changes in words.
import { describe, expect, it } from "vitest";
import { changeLines, changeLineText, valueText } from "../../lib/audit/change-lines.ts";
import { authorize } from "../../lib/authz/authorize.ts";
import { flushDecisionLog } from "../../lib/authz/decision-log.ts";
import { csvField, toCsv } from "../../lib/export/csv.ts";
import { exportAuditEvents, exportDecisions } from "../../lib/export/export-logs.ts";
import { changeMemberRole } from "../../lib/members/members.ts";
import { createProject } from "../../lib/projects/projects.ts";
import { fresh, slug, thrown } from "../grants/fixtures.ts";
import { builtInRole, createTestOrg } from "../helpers.ts";

const csvLines = (text: string) => text.trimEnd().split("\r\n");

describe("changes in words", () => {
  it("names each changed field once, with before and after", () => {
    expect(changeLines({ role: "Viewer" }, { role: "Admin" }).map(changeLineText)).toEqual(["Role: Viewer → Admin"]);
    expect(changeLines(null, { name: "Web", slug: "web" }).map(changeLineText)).toEqual(["Name: Web", "Slug: web"]);
    expect(changeLines({ name: "Web", ipCidrs: ["10.0.0.0/8"] }, null).map(changeLineText)).toEqual(["Name: Web (removed)", "Ip cidrs: 10.0.0.0/8 (removed)"]);
    expect(changeLines({ name: "Same", validUntil: null }, { name: "Same", validUntil: "2027-01-01" }).map(changeLineText)).toEqual(["Valid until: none → 2027-01-01"]);
    expect(changeLines({ a: 1 }, { a: 1 })).toEqual([]);
    expect(valueText({ type: "user", id: "u1", name: "ada@example.test" })).toBe("ada@example.test");
    expect(valueText({ requireMfa: true, ipCidrs: [] })).toBe("require mfa yes");
  });
});

describe("CSV", () => {
  it("quotes what needs quotes and defuses formulas", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
    expect(csvField('=HYPERLINK("http://evil")')).toBe('"\'=HYPERLINK(""http://evil"")"');
    expect(csvField("+1")).toBe("'+1");
    expect(csvField(-1)).toBe("-1");
    expect(csvField(null)).toBe("");
    expect(csvField({ a: 1 })).toBe('"{""a"":1}"');
    expect(toCsv([["n", (r: number) => r]], [1, 2])).toBe("n\r\n1\r\n2\r\n");
  });
});

describe("exporting the audit log", () => {
  it("holds the events the filters select, of this organization only, with names and the change in words", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const other = await createTestOrg();
    const viewer = await addMember("viewer", "Vera Viewer");
    await changeMemberRole(owner, { userId: viewer.principal.userId, roleId: (await builtInRole("admin")).id });
    await changeMemberRole(other.owner, { userId: (await other.addMember("viewer")).principal.userId, roleId: (await builtInRole("admin")).id });
    await createProject(owner, { name: "Web", slug: slug("web") });

    const csv = await exportAuditEvents(owner, { format: "csv", action: "member.role_changed" });
    expect(csv).toMatchObject({ contentType: "text/csv", rows: 1, truncated: false });
    expect(csv.fileName).toMatch(new RegExp(`^audit-${org.slug}-\\d{4}-\\d{2}-\\d{2}\\.csv$`));
    const lines = csvLines(csv.text);
    expect(lines[0]).toBe("time,actor,actor_id,action,target_type,target_id,target_name,ip,changes,before,after");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`member.role_changed,user,${viewer.principal.userId},${viewer.principal.email},`);
    expect(lines[1]).toContain("Role: Viewer → Admin");

    const json = await exportAuditEvents(owner, { format: "json" });
    const events = JSON.parse(json.text) as Array<{ action: string; target: { name: string | null } }>;
    expect(events.map((e) => e.action)).toEqual(["project.created", "member.role_changed", "organization.created"]);
    expect(json.rows).toBe(3);
  });

  it("is refused to whoever may not read the log, and refuses a format it does not know", async () => {
    const { owner, addMember } = await createTestOrg();
    const member = await addMember("member");
    expect(await thrown(() => exportAuditEvents(member, { format: "csv" }))).toMatchObject({ code: "forbidden" });
    expect(await thrown(() => exportAuditEvents(owner, { format: "xlsx" }))).toMatchObject({ name: "ZodError" });
  });
});

describe("exporting the decision log", () => {
  it("holds the decisions the filters select, of this organization only, with names beside ids", async () => {
    const { owner, addMember } = await createTestOrg();
    const other = await createTestOrg();
    const viewer = await addMember("viewer", "Vera Viewer");
    authorize(viewer, "apikeys:write");
    authorize(viewer, "members:read");
    authorize(other.owner, "apikeys:write");
    await flushDecisionLog();
    const ownerNow = await fresh(owner);

    const csv = await exportDecisions(ownerNow, { format: "csv", result: "denied" });
    const lines = csvLines(csv.text);
    expect(lines[0]).toBe("time,principal_type,principal_id,principal_name,permission,resource_type,resource_id,resource_name,allowed,reason,source,latency_us");
    expect(lines.slice(1)).toHaveLength(1);
    expect(lines[1]).toContain(`user,${viewer.principal.userId},${viewer.principal.email},apikeys:write,organization,${owner.orgId},this organization,false,`);
    expect(lines[1]).toContain(",Admin UI,");

    const json = JSON.parse((await exportDecisions(ownerNow, { format: "json", principal: viewer.principal.email })).text) as Array<{ permission: string; allowed: boolean }>;
    expect(json.map((d) => [d.permission, d.allowed]).sort()).toEqual([
      ["apikeys:write", false],
      ["members:read", true],
    ]);
  });

  it("is refused to whoever may not read decisions", async () => {
    const { addMember } = await createTestOrg();
    expect(await thrown(async () => exportDecisions(await addMember("viewer"), { format: "json" }))).toMatchObject({ code: "forbidden" });
  });
});
