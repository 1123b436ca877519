import { describe, expect, it } from "vitest";
import { safeCallbackPath, signInErrorMessage } from "./safe-redirect.ts";

describe("safeCallbackPath", () => {
  it.each([
    ["/acme/members?x=1#top", "/acme/members?x=1#top"],
    ["/invite/abc", "/invite/abc"],
    ["//evil.com", "/"],
    ["/\\evil.com", "/"],
    ["/\t/evil.com", "/"],
    ["https://evil.com/x", "/"],
    ["javascript:alert(1)", "/"],
    // Paths that normalise to "//host": a browser would follow them off the site.
    ["/.//evil.test/x", "/"],
    ["/a/..//x", "/"],
    ["/%2e//x", "/"],
    ["/./\\x", "/"],
    ["/.//evil.test/x?y=1#z", "/"],
    ["/a/./b/../c", "/a/c"],
    [undefined, "/"],
  ])("turns %j into %j", (input, expected) => {
    expect(safeCallbackPath(input as string | undefined)).toBe(expected);
  });
});

describe("signInErrorMessage", () => {
  it("never echoes text from the URL", () => {
    expect(signInErrorMessage("Your account is suspended, call 555")).toBe("Sign-in failed. Try again.");
    expect(signInErrorMessage("CredentialsSignin")).toBe("Email or password is incorrect.");
  });
});
