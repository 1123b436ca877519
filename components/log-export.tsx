"use client";
// Export buttons of a log page: the server collects what the filters select
// (not only the page shown) and the browser saves it as a file.
import { Download } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Spinner } from "@/components/ui/spinner";
import { toast } from "@/components/ui/toaster";
import { useServerAction } from "@/lib/client/use-server-action";
import type { ActionResult } from "@/lib/http/actions";
import type { LogExport } from "@/lib/export/export-logs";

type Format = "csv" | "json";

function save({ fileName, contentType, text }: LogExport) {
  const url = URL.createObjectURL(new Blob([text], { type: contentType }));
  const link = Object.assign(document.createElement("a"), { href: url, download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}

export function LogExportButtons({
  action,
  orgSlug,
  query,
  noun,
}: {
  action: (orgSlug: string, input: unknown) => Promise<ActionResult<LogExport>>;
  orgSlug: string;
  /** The page's filters, as the list takes them. */
  query: Record<string, string | undefined>;
  /** What a row is, one and many: ["event", "events"]. */
  noun: readonly [string, string];
}) {
  const run = useServerAction((format: Format) => action(orgSlug, { ...query, format }), {
    refresh: false,
    errorToast: true,
    onSuccess: (file) => {
      save(file);
      const count = `${file.rows.toLocaleString("en")} ${file.rows === 1 ? noun[0] : noun[1]}`;
      toast.success(file.truncated ? `Exported the newest ${count} (the most one file holds)` : `Exported ${count}`);
    },
  });
  const pending = run.isPending ? run.variables : undefined;
  return (
    <div className="flex gap-2" role="group" aria-label={`Export the ${noun[1]} these filters select`}>
      {(["csv", "json"] as const).map((format) => (
        <Button key={format} type="button" variant="outline" size="sm" disabled={run.isPending} onClick={() => run.mutate(format)}>
          {pending === format ? <Spinner /> : <Download className="size-4" aria-hidden="true" />}
          Export {format.toUpperCase()}
        </Button>
      ))}
    </div>
  );
}
