"use client";
// Toasts: "Project created", "Role saved". A small store outside React so that
// any client code can call toast(); one <Toaster/> in the providers shows them
// in a polite live region (errors in an assertive one), each for a few seconds.
import { CheckCircle2, CircleAlert, X } from "lucide-react";
import { useSyncExternalStore } from "react";
import { cn } from "./cn";

type Toast = { id: number; kind: "success" | "error"; message: string };

const SHOWN_MS = 5_000;
let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((listener) => listener());

function dismiss(id: number) {
  if (!toasts.some((t) => t.id === id)) return;
  toasts = toasts.filter((t) => t.id !== id);
  emit();
}

// While a modal dialog is open, Radix hides the rest of the page from assistive
// technology (and a click on a toast would close the dialog): toasts wait for it to close.
const modalOpen = () => typeof document !== "undefined" && document.querySelector('[role="dialog"][aria-modal="true"], [role="alertdialog"]') !== null;

function show(kind: Toast["kind"], message: string, waited = 0) {
  if (modalOpen() && waited < 30_000) {
    setTimeout(() => show(kind, message, waited + 100), 100);
    return;
  }
  const id = nextId++;
  // At most three at once: the oldest goes first.
  toasts = [...toasts.slice(-2), { id, kind, message }];
  emit();
  setTimeout(() => dismiss(id), kind === "error" ? 2 * SHOWN_MS : SHOWN_MS);
}

export const toast = {
  success: (message: string) => show("success", message),
  error: (message: string) => show("error", message),
};

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => void listeners.delete(listener);
};
const EMPTY: Toast[] = [];

export function Toaster() {
  const shown = useSyncExternalStore(
    subscribe,
    () => toasts,
    () => EMPTY,
  );
  const list = (kind: Toast["kind"]) =>
    shown
      .filter((t) => t.kind === kind)
      .map((t) => (
        <div
          key={t.id}
          data-testid="toast"
          className={cn(
            "pointer-events-auto flex items-start gap-2 rounded-lg border bg-card px-4 py-3 text-sm text-card-foreground shadow-lg",
            kind === "error" && "border-destructive/40 text-destructive",
          )}
        >
          {kind === "success" ? <CheckCircle2 aria-hidden="true" className="mt-0.5 size-4 shrink-0 text-success" /> : <CircleAlert aria-hidden="true" className="mt-0.5 size-4 shrink-0" />}
          <span className="flex-1">{t.message}</span>
          <button
            type="button"
            onClick={() => dismiss(t.id)}
            className="rounded-sm text-muted-foreground hover:text-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
          >
            <X aria-hidden="true" className="size-4" />
            <span className="sr-only">Dismiss notification</span>
          </button>
        </div>
      ));
  return (
    <div className="pointer-events-none fixed inset-x-4 bottom-4 z-[100] grid gap-2 sm:left-auto sm:w-96">
      <div role="status" aria-live="polite" aria-label="Notifications" className="grid gap-2">
        {list("success")}
      </div>
      <div role="alert" aria-live="assertive" aria-label="Errors" className="grid gap-2">
        {list("error")}
      </div>
    </div>
  );
}
