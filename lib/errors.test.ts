import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Conflict, errorToResponse, Forbidden, Invalid, LimitExceeded, NotFound, RateLimited, Unauthenticated } from "./errors.ts";

describe("errorToResponse", () => {
  it.each([
    [new Unauthenticated("a", "m"), 401],
    [new Forbidden("a", "m"), 403],
    [new NotFound("a", "m"), 404],
    [new Conflict("a", "m"), 409],
    [new Invalid("a", "m"), 400],
    [new RateLimited("a", "m", 5), 429],
    [new LimitExceeded("a", "m"), 402],
  ])("maps %s to %i with its code and message", (error, status) => {
    const res = errorToResponse(error);
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error: { code: "a", message: "m" } });
  });

  it("adds Retry-After to rate limits", () => {
    expect(errorToResponse(new RateLimited("slow_down", "m", 42)).headers).toEqual({ "Retry-After": "42" });
  });

  it("names the field of a zod error", () => {
    const result = z.object({ email: z.email("Enter a valid email address") }).safeParse({ email: "nope" });
    expect(errorToResponse(result.error).body.error).toEqual({ code: "invalid", message: "email: Enter a valid email address" });
  });

  it("hides unknown errors behind a generic message with the request id", () => {
    const res = errorToResponse(new Error("SELECT * FROM secrets failed at line 3"), "req-1");
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toContain("secrets");
    expect(res.body.error.requestId).toBe("req-1");
  });
});
