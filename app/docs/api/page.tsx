import type { Metadata } from "next";
import Link from "next/link";
import { Logo } from "@/components/logo";
import { SwaggerReference } from "./swagger-reference";

export const metadata: Metadata = { title: "API reference" };

// The reference of /api/v1/openapi.json (the document generated from the routes' zod schemas), rendered by Swagger UI.
export default function ApiReferencePage() {
  return (
    <main id="main" className="mx-auto grid max-w-6xl gap-8 px-4 py-10">
      <Link href="/" className="w-fit">
        <Logo />
      </Link>
      <header className="grid gap-2">
        <h1 className="text-3xl font-semibold">API reference</h1>
        <p className="text-sm">
          Machine-readable:{" "}
          <a className="text-primary underline underline-offset-4" href="/api/v1/openapi.json">
            /api/v1/openapi.json
          </a>{" "}
          (OpenAPI 3.1). Errors are <code className="rounded bg-muted px-1">{'{ "error": { "code", "message" } }'}</code>.
        </p>
      </header>
      {/* Swagger UI's own styles, from our server (React puts the stylesheet in the head). */}
      <link rel="stylesheet" href="/docs/api/assets/swagger-ui.css" precedence="default" />
      <SwaggerReference documentUrl="/api/v1/openapi.json" />
    </main>
  );
}
