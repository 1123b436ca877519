import type { ReactNode } from "react";
import { Lock } from "lucide-react";
import { EmptyState } from "@/components/ui/empty-state";

/** `reason`: why, in words (with names, not ids: see ReasonText). */
export function ForbiddenState({ reason }: { reason: ReactNode }) {
  return <EmptyState icon={<Lock />} title="You do not have access to this page" description={reason} />;
}
