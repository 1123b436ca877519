// Role names as people read them: look-alikes compare equal, distinct names do not.
import { describe, expect, it } from "vitest";
import { readableRoleName, roleNameSkeletons } from "./role-names.ts";

const same = (a: string, b: string) => {
  const [x1, x2] = roleNameSkeletons(a);
  const [y1, y2] = roleNameSkeletons(b);
  return x1 === y1 || x2 === y2;
};

describe("roleNameSkeletons", () => {
  it.each([
    ["\u0410dmin", "Admin"],
    ["\u041Ewner", "Owner"],
    ["\u0430dmin", "admin"],
    ["\u0391dmin", "Admin"],
    ["\u039Cember", "Member"],
    ["\u039C\u0395\u039C\u0392\u0395R", "MEMBER"],
    ["B\u0456lling", "Billing"],
    ["Owner\u2800", "Owner"],
    ["Ow\u3164ner", "Owner"],
    ["\uFFA0Owner", "Owner"],
    ["Owner\u{1D159}", "Owner"],
    ["Ｏｗｎｅｒ", "Owner"],
    ["Own\u200Ber", "Owner"],
    ["owner", "Owner"],
    ["Owner ", "Owner"],
    ["Support\u2800agents", "Support agents"],
    ["ADMIN", "Admin"],
    ["VIEWER", "Viewer"],
    ["BILLING", "Billing"],
    ["\u0410DMIN", "Admin"],
  ])("reads %j like %j", (lookAlike, name) => {
    expect(same(lookAlike, name)).toBe(true);
  });

  it("keeps distinct names apart, non-Latin ones too", () => {
    for (const [a, b] of [
      ["Admin", "Admins"],
      ["Owner", "Owners' deputies"],
      ["Бухгалтер", "Аудитор"],
      ["監査役", "監査"],
      ["Support agents", "Support"],
    ]) {
      expect(same(a!, b!), `${a} / ${b}`).toBe(false);
    }
  });

  it("reads blanks that are not spaces as spaces, and Hangul fillers as nothing, so a name of blanks reads as empty", () => {
    for (const blank of ["\u2800", "\u3164", "\uFFA0", "\u115F", "\u1160", "\u{1D159}"]) {
      expect(readableRoleName(`${blank}${blank}`), JSON.stringify(blank)).toBe("");
    }
  });
});
