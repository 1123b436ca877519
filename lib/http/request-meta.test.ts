import { describe, expect, it } from "vitest";
import { newRequestId } from "./request-meta.ts";

describe("newRequestId", () => {
  it("gives 16 URL-safe characters, none twice, across many refills of its random bytes", () => {
    const ids = Array.from({ length: 5_000 }, newRequestId);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
