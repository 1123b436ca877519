"use client";
// Permissions to choose from, grouped by area, each with what it allows, and
// a search over keys and descriptions. Rows a search hides stay in the form:
// what was ticked before searching is still sent.
import { useId, useState } from "react";
import { useFieldError } from "@/components/form-errors";
import { areaName, areaOf } from "@/components/permission-areas";
import { Input } from "@/components/ui/input";
import type { PermissionChoice } from "@/lib/permissions/permission-choices";

function groupsOf(permissions: PermissionChoice[]) {
  const groups = new Map<string, { title: string; product: boolean; items: PermissionChoice[] }>();
  for (const p of permissions) {
    const area = areaOf(p.key);
    const id = `${p.product ? "product" : "tollgate"}:${area}`;
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { title: p.product ? area : areaName(area), product: p.product, items: [] }));
    group.items.push(p);
  }
  return [...groups.values()];
}

const matches = (p: PermissionChoice, query: string) => !query || p.key.toLowerCase().includes(query) || p.description.toLowerCase().includes(query);

export function PermissionPicker({
  permissions,
  selected = [],
  name = "permissions",
  legend = "Permissions",
  hint,
}: {
  permissions: PermissionChoice[];
  selected?: readonly string[];
  name?: string;
  legend?: string;
  hint?: string;
}) {
  const id = useId();
  const [query, setQuery] = useState("");
  const [ticked, setTicked] = useState(() => new Set(selected));
  const error = useFieldError(name);
  const q = query.trim().toLowerCase();
  // What the role carries that is no longer declared stays visible, so that saving does not drop it unseen.
  const known = new Set(permissions.map((p) => p.key));
  const choices = [...permissions, ...selected.filter((key) => !known.has(key)).map((key) => ({ key, description: "No longer declared: untick to remove it", product: true }))];
  const groups = groupsOf(choices);
  const shown = choices.filter((p) => matches(p, q)).length;
  const describedBy = [hint && `${id}-hint`, error && `${id}-error`, `${id}-count`].filter(Boolean).join(" ");

  const toggle = (key: string, on: boolean) =>
    setTicked((current) => {
      const next = new Set(current);
      if (on) next.add(key);
      else next.delete(key);
      return next;
    });

  return (
    <fieldset className="grid gap-2" aria-describedby={describedBy}>
      <legend className="mb-1 text-sm font-medium">{legend}</legend>
      {hint && (
        <p id={`${id}-hint`} className="text-sm text-muted-foreground">
          {hint}
        </p>
      )}
      <div className="flex flex-wrap items-center gap-3">
        <Input
          type="search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          // Enter searches; it must not submit the form around the picker with half a selection.
          onKeyDown={(e) => e.key === "Enter" && e.preventDefault()}
          placeholder="Search permissions"
          aria-label="Search permissions"
          className="max-w-xs"
        />
        <span id={`${id}-count`} className="text-sm text-muted-foreground" aria-live="polite">
          {ticked.size === 0 ? "None selected" : `${ticked.size} selected`}
        </span>
      </div>
      {error && (
        <p id={`${id}-error`} className="text-sm text-destructive">
          {error}
        </p>
      )}
      <div className={`max-h-72 overflow-y-auto rounded-md border ${error ? "border-destructive" : "border-border"}`}>
        {groups.map((group) => {
          const visible = group.items.filter((p) => matches(p, q));
          return (
            <div key={`${group.product}:${group.title}`} hidden={visible.length === 0} className="border-b border-border px-3 py-2 last:border-b-0">
              <p className="mb-1 text-xs font-semibold uppercase tracking-wide text-muted-foreground">
                {group.title}
                {group.product && <span className="ml-1 font-normal normal-case">(declared by your product: instance admin → Permissions)</span>}
              </p>
              <ul className="grid gap-1">
                {group.items.map((p) => (
                  <li key={p.key} hidden={!matches(p, q)}>
                    <label className="flex items-start gap-2 text-sm">
                      <input
                        type="checkbox"
                        name={name}
                        value={p.key}
                        checked={ticked.has(p.key)}
                        onChange={(e) => toggle(p.key, e.target.checked)}
                        className="mt-0.5 size-4 shrink-0 accent-primary"
                        aria-label={p.key}
                        aria-describedby={`${id}-${p.key}`}
                      />
                      <span className="grid">
                        <span className="font-mono text-xs">{p.key}</span>
                        <span id={`${id}-${p.key}`} className="text-muted-foreground">
                          {p.description}
                        </span>
                      </span>
                    </label>
                  </li>
                ))}
              </ul>
            </div>
          );
        })}
        {shown === 0 && (
          <p className="px-3 py-4 text-sm text-muted-foreground" role="status">
            {q ? `No permission matches “${query.trim()}”.` : "No permissions to choose from."}
          </p>
        )}
      </div>
    </fieldset>
  );
}
