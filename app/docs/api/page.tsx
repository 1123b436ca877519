import type { Metadata } from "next";
import Link from "next/link";
import { Logo } from "@/components/logo";
import { Badge } from "@/components/ui/badge";
import { openApiDocument } from "@/lib/http/api-v1";
import { apiV1Routes } from "@/lib/http/api-v1-routes";

export const metadata: Metadata = { title: "API reference" };

type Operation = {
  summary: string;
  description: string;
  tags: string[];
  parameters?: Array<{ name: string; in: string; required: boolean }>;
  requestBody?: { content: { "application/json": { schema: unknown } } };
  responses: Record<string, { description?: string; $ref?: string; content?: { "application/json": { schema: { $ref?: string } } } }>;
};

const schemaName = (ref: string | undefined) => ref?.split("/").at(-1);

/** What an operation answers: its success body's schema, then the error statuses. */
function Answers({ responses }: { responses: Operation["responses"] }) {
  const [[status, success], ...errors] = Object.entries(responses);
  const name = schemaName(success?.content?.["application/json"].schema.$ref);
  return (
    <p>
      Answers {status}
      {name ? (
        <>
          {" "}
          with{" "}
          <a className="text-primary underline underline-offset-4" href={`#schema-${name}`}>
            {name}
          </a>
        </>
      ) : (
        " without a body"
      )}
      ; errors {errors.map(([code]) => code).join(", ")} with{" "}
      <a className="text-primary underline underline-offset-4" href="#schema-Error">
        Error
      </a>
      .
    </p>
  );
}

// Renders /api/v1/openapi.json: the same document, generated from the same zod schemas.
export default function ApiReferencePage() {
  const document = openApiDocument(apiV1Routes, process.env.NEXTAUTH_URL ?? "http://localhost:3000");
  const operations = Object.entries(document.paths).flatMap(([path, ops]) => Object.entries(ops as Record<string, Operation>).map(([method, op]) => ({ path, method, op })));
  const tags = [...new Set(operations.map((o) => o.op.tags[0]!))];
  return (
    <main className="mx-auto grid max-w-4xl gap-8 px-4 py-10">
      <Link href="/" className="w-fit">
        <Logo />
      </Link>
      <header className="grid gap-2">
        <h1 className="text-3xl font-semibold">API reference</h1>
        <p className="text-muted-foreground">{document.info.description}</p>
        <p className="text-sm">
          Machine-readable:{" "}
          <a className="text-primary underline underline-offset-4" href="/api/v1/openapi.json">
            /api/v1/openapi.json
          </a>{" "}
          (OpenAPI 3.1). Errors are <code className="rounded bg-muted px-1">{'{ "error": { "code", "message" } }'}</code>.
        </p>
      </header>
      {tags.map((tag) => (
        <section key={tag} aria-labelledby={`tag-${tag}`} className="grid gap-3">
          <h2 id={`tag-${tag}`} className="text-xl font-semibold">
            {tag}
          </h2>
          {operations
            .filter((o) => o.op.tags[0] === tag)
            .map(({ path, method, op }) => (
              <details key={`${method} ${path}`} className="rounded-lg border border-border p-4">
                <summary className="flex cursor-pointer flex-wrap items-center gap-3">
                  <Badge variant={method === "get" ? "secondary" : method === "delete" ? "destructive" : "default"}>{method.toUpperCase()}</Badge>
                  <code className="text-sm">{path}</code>
                  <span className="text-sm text-muted-foreground">{op.summary}</span>
                </summary>
                <div className="mt-3 grid gap-2 text-sm">
                  <p>{op.description}</p>
                  {op.parameters && <p>Parameters: {op.parameters.map((p) => `${p.name} (${p.in}${p.required ? ", required" : ""})`).join(", ")}</p>}
                  {op.requestBody && (
                    <pre className="overflow-x-auto rounded bg-muted p-3 text-xs" tabIndex={0} aria-label={`Request body schema of ${method.toUpperCase()} ${path}`}>
                      {JSON.stringify(op.requestBody.content["application/json"].schema, null, 2)}
                    </pre>
                  )}
                  <Answers responses={op.responses} />
                </div>
              </details>
            ))}
        </section>
      ))}
      <section aria-labelledby="schemas" className="grid gap-3">
        <h2 id="schemas" className="text-xl font-semibold">
          Schemas
        </h2>
        {Object.entries(document.components.schemas).map(([name, schema]) => (
          <details key={name} id={`schema-${name}`} className="rounded-lg border border-border p-4">
            <summary className="cursor-pointer">
              <code className="text-sm">{name}</code>
            </summary>
            <pre className="mt-3 overflow-x-auto rounded bg-muted p-3 text-xs" tabIndex={0} aria-label={`Schema ${name}`}>
              {JSON.stringify(schema, null, 2)}
            </pre>
          </details>
        ))}
      </section>
    </main>
  );
}
