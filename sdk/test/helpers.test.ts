// The Next.js and Express helpers against a real Tollgate server, with web
// Request objects and a minimal fake Express response.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requirePermission } from "../src/express.ts";
import { AuthenticationError, Tollgate } from "../src/index.ts";
import { withPermission } from "../src/next.ts";
import { orgWithCheckKey, startTollgate } from "./real-server.ts";

let server: Awaited<ReturnType<typeof startTollgate>>;
beforeAll(async () => {
  server = await startTollgate();
});
afterAll(() => server.close());

async function setup() {
  const org = await orgWithCheckKey();
  return { ...org, tollgate: new Tollgate({ baseUrl: server.baseUrl, apiKey: org.key }) };
}

const unreachable = () => new Tollgate({ baseUrl: "http://127.0.0.1:1", apiKey: "k", retries: 0 });
const request = (user?: string, project?: string) => new Request(`http://app.test/api/things${project ? `?project=${project}` : ""}`, { headers: user ? { "x-user": user } : {} });
const userOf = (req: Request) => req.headers.get("x-user");

describe("withPermission (Next.js route handlers)", () => {
  const handler = async (_req: Request, ctx: { params: Promise<{ id: string }> }) => Response.json({ ok: true, id: (await ctx.params).id });
  const ctx = { params: Promise.resolve({ id: "42" }) };

  it("runs the handler when allowed, passing the route context through", async () => {
    const { tollgate, viewer } = await setup();
    const GET = withPermission(tollgate, { permission: "members:read", subject: userOf }, handler);
    const res = await GET(request(viewer.principal.userId), ctx);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, id: "42" });
  });

  it("answers 403 with the reason when denied, on the resource the request names", async () => {
    const { tollgate, viewer, project } = await setup();
    let ran = false;
    const POST = withPermission(
      tollgate,
      { permission: "members:invite", subject: userOf, resource: (req) => ({ type: "project", id: new URL(req.url).searchParams.get("project")! }) },
      () => ((ran = true), new Response("no")),
    );
    const res = await POST(request(viewer.principal.userId, project.id), ctx);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: { code: "forbidden", message: `no role of user ${viewer.principal.userId} grants members:invite on project ${project.id}` } });
    expect(ran).toBe(false);
  });

  it("answers 401 without a subject, 403 for users outside the organization, 503 when Tollgate fails", async () => {
    const { tollgate } = await setup();
    const GET = withPermission(tollgate, { permission: "members:read", subject: userOf }, handler);
    const anonymous = await GET(request(), ctx);
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).error.code).toBe("unauthenticated");
    const stranger = await GET(request("stranger@example.test"), ctx);
    expect(stranger.status).toBe(403);
    const down = await withPermission(unreachable(), { permission: "members:read", subject: () => "u1" }, handler)(request(), ctx);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ error: { code: "authorization_unavailable", message: "Permissions could not be checked right now. Try again shortly." } });
  });
});

type FakeReq = { user?: { id: string }; params: { project?: string }; tollgate?: { allowed: boolean; reason: string } };
function fakeRes() {
  const res = { statusCode: 200, body: undefined as unknown, status: (code: number) => ((res.statusCode = code), res), json: (body: unknown) => ((res.body = body), res) };
  return res;
}
async function run(middleware: ReturnType<typeof requirePermission<FakeReq>>, req: FakeReq) {
  const res = fakeRes();
  const calls: unknown[][] = [];
  await middleware(req, res, (...args: unknown[]) => void calls.push(args));
  return { res, next: calls };
}

describe("requirePermission (Express middleware)", () => {
  it("calls next() when allowed and attaches the decision as req.tollgate", async () => {
    const { tollgate, viewer } = await setup();
    const req: FakeReq = { user: { id: viewer.principal.userId }, params: {} };
    const { res, next } = await run(requirePermission<FakeReq>(tollgate, { permission: "members:read", subject: (r) => r.user?.id }), req);
    expect(next).toEqual([[]]);
    expect(res.body).toBeUndefined();
    expect(req.tollgate).toEqual({ allowed: true, reason: 'membership role "Viewer" grants members:read' });
  });

  it("answers 403 with the reason when denied, and 401 without a subject", async () => {
    const { tollgate, viewer, project } = await setup();
    const middleware = requirePermission<FakeReq>(tollgate, {
      permission: "members:invite",
      subject: (r) => r.user?.id,
      resource: (r) => (r.params.project ? { type: "project", id: r.params.project } : undefined),
    });
    const req: FakeReq = { user: { id: viewer.principal.userId }, params: { project: project.id } };
    const denied = await run(middleware, req);
    expect(denied.next).toEqual([]);
    expect(denied.res.statusCode).toBe(403);
    expect(denied.res.body).toEqual({ error: { code: "forbidden", message: `no role of user ${viewer.principal.userId} grants members:invite on project ${project.id}` } });
    expect(req.tollgate?.allowed).toBe(false);
    const anonymous = await run(middleware, { params: {} });
    expect(anonymous.res.statusCode).toBe(401);
    expect(anonymous.next).toEqual([]);
  });

  it("passes Tollgate errors to next(err)", async () => {
    const { viewer } = await setup();
    const badKey = new Tollgate({ baseUrl: server.baseUrl, apiKey: "tg_live_nope" });
    const { res, next } = await run(requirePermission(badKey, { permission: "members:read", subject: () => viewer.principal.userId }), { params: {} });
    expect(next).toHaveLength(1);
    expect(next[0]![0]).toBeInstanceOf(AuthenticationError);
    expect(res.body).toBeUndefined();
    const down = await run(requirePermission(unreachable(), { permission: "members:read", subject: () => "u1" }), { params: {} });
    expect(down.next[0]![0]).toMatchObject({ name: "NetworkError" });
  });
});
