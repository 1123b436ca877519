import { Lock } from "lucide-react";
import { EmptyState } from "@/components/ui/empty-state";

export function ForbiddenState({ reason }: { reason: string }) {
  return <EmptyState icon={<Lock />} title="You do not have access to this page" description={reason} />;
}
