// GET|POST /api/auth/*: next-auth (sign-in, sign-out, session). Writes are
// refused unless they come from this site.
import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/auth-options";
import { errorToResponse } from "@/lib/errors";
import { assertSameOrigin } from "@/lib/http/same-origin";

type RouteContext = { params: Promise<{ nextauth: string[] }> };

async function handle(req: Request, context: RouteContext) {
  if (req.method !== "GET" && req.method !== "HEAD") {
    try {
      assertSameOrigin(req.headers);
    } catch (error) {
      const { status, body } = errorToResponse(error);
      return Response.json(body, { status });
    }
  }
  const handler = NextAuth(authOptions());
  return handler(req, { params: await context.params });
}

export { handle as GET, handle as POST };
