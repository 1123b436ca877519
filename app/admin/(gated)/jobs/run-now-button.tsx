"use client";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { useServerAction } from "@/lib/client/use-server-action";
import { runJobNowAction } from "./actions";

export function RunNowButton({ name, title }: { name: string; title: string }) {
  const router = useRouter();
  const run = useServerAction(runJobNowAction, { onSuccess: () => router.refresh() });
  return (
    <Button variant="outline" size="sm" disabled={run.isPending} aria-label={`Run ${title} now`} onClick={() => run.mutate(name)}>
      {run.isPending ? "Queuing…" : "Run now"}
    </Button>
  );
}
