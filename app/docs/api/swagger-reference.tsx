"use client";
// Swagger UI over /api/v1/openapi.json: every route with its parameters, request
// and response bodies as examples and schemas, and "Try it out" with an API key.
// Its files come from our own server (lib/http/docs-assets.ts), not a CDN.
import { useEffect, useRef, useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Spinner } from "@/components/ui/spinner";
import "./swagger-overrides.css";

type SwaggerUIBundle = (options: Record<string, unknown>) => unknown;
declare global {
  interface Window {
    SwaggerUIBundle?: SwaggerUIBundle;
  }
}

const SCRIPT = "/docs/api/assets/swagger-ui-bundle.js";

let loading: Promise<SwaggerUIBundle> | null = null;

function withoutServers(document: Record<string, unknown>) {
  const copy = { ...document };
  delete copy.servers;
  return copy;
}

/** The renderer's script, added once however often the page mounts. */
function loadScript(): Promise<SwaggerUIBundle> {
  if (window.SwaggerUIBundle) return Promise.resolve(window.SwaggerUIBundle);
  loading ??= new Promise<SwaggerUIBundle>((resolve, reject) => {
    const script = document.createElement("script");
    script.src = SCRIPT;
    script.async = true;
    script.onload = () => (window.SwaggerUIBundle ? resolve(window.SwaggerUIBundle) : reject(new Error("renderer missing")));
    script.onerror = () => {
      loading = null;
      reject(new Error("renderer not loaded"));
    };
    document.head.appendChild(script);
  });
  return loading;
}

export function SwaggerReference({ documentUrl }: { documentUrl: string }) {
  const target = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<"loading" | "ready" | "failed">("loading");
  useEffect(() => {
    let cancelled = false;
    Promise.all([loadScript(), fetch(documentUrl).then((answer) => answer.json() as Promise<Record<string, unknown>>)])
      .then(([render, document]) => {
        if (cancelled || !target.current) return;
        render({
          // Without servers the calls go to this page's origin (the CSP allows no other), whatever NEXTAUTH_URL the document names.
          spec: withoutServers(document),
          domNode: target.current,
          // Deep links put a link inside each route's toggle button (nested controls).
          deepLinking: false,
          docExpansion: "list",
          defaultModelsExpandDepth: 0,
          displayRequestDuration: true,
          persistAuthorization: false,
          tryItOutEnabled: false,
          onComplete: () => {
            if (cancelled) return;
            setState("ready");
          },
        });
      })
      .catch(() => !cancelled && setState("failed"));
    return () => {
      cancelled = true;
    };
  }, [documentUrl]);
  return (
    <div className="grid gap-4">
      {state === "loading" && (
        <p role="status" className="flex items-center gap-2 text-sm text-muted-foreground">
          <Spinner /> Loading the API reference…
        </p>
      )}
      {state === "failed" && (
        <Alert variant="destructive">
          <AlertDescription>
            The interactive reference could not load. The document itself is at <a href={documentUrl}>{documentUrl}</a>.
          </AlertDescription>
        </Alert>
      )}
      <div ref={target} className="tollgate-api-reference" data-testid="api-reference" />
    </div>
  );
}
