// A reason or log text with its ids shown as names (the id on hover), or as a
// short id where the name is not known (another organization's, or gone).
import { Fragment } from "react";

const UUID = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i;

export function ReasonText({ text, names }: { text: string; names: ReadonlyMap<string, string> | Readonly<Record<string, string>> }) {
  const nameOf = (id: string) => (names instanceof Map ? names.get(id.toLowerCase()) : (names as Record<string, string>)[id.toLowerCase()]);
  return (
    <>
      {text.split(UUID).map((part, i) =>
        i % 2 === 1 ? (
          <span key={i} title={part} className="font-medium">
            {nameOf(part) ?? `${part.slice(0, 8)}…`}
          </span>
        ) : (
          <Fragment key={i}>{part}</Fragment>
        ),
      )}
    </>
  );
}
