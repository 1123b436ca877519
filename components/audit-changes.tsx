// An audit event's change in words, one line per field ("Role: Viewer →
// Admin"), with the stored JSON behind a toggle.
import { changeLines } from "@/lib/audit/change-lines";

export function AuditChanges({ before, after }: { before: unknown; after: unknown }) {
  if (before == null && after == null) return null;
  const lines = changeLines(before, after);
  return (
    <div className="grid gap-1">
      {lines.length > 0 && (
        <ul className="grid gap-0.5 text-sm">
          {lines.map((line) => (
            <li key={line.field}>
              <span className="font-medium">{line.field}:</span>{" "}
              {line.before !== undefined && line.after !== undefined ? (
                <>
                  <span className="text-muted-foreground">{line.before}</span> <span aria-hidden="true">→</span>
                  <span className="sr-only">changed to</span> {line.after}
                </>
              ) : line.after !== undefined ? (
                line.after
              ) : (
                <span className="text-muted-foreground line-through">
                  <span className="sr-only">removed: </span>
                  {line.before}
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      <details>
        <summary className="cursor-pointer text-xs whitespace-nowrap text-primary">JSON</summary>
        <dl className="mt-2 grid gap-1 text-xs">
          {(
            [
              ["Before", before],
              ["After", after],
            ] as const
          )
            .filter(([, value]) => value != null)
            .map(([term, value]) => (
              <div key={term}>
                <dt className="font-medium">{term}</dt>
                <dd>
                  <pre className="break-all whitespace-pre-wrap">{JSON.stringify(value, null, 1)}</pre>
                </dd>
              </div>
            ))}
        </dl>
      </details>
    </div>
  );
}
