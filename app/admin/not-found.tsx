import Link from "next/link";
import { SearchX } from "lucide-react";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";

// An instance-admin page that is not there (an organization or user since deleted, a wrong link): a 404 inside the shell.
export default function AdminNotFound() {
  return (
    <EmptyState
      icon={<SearchX />}
      title="Not found"
      description="There is no such page here: what it showed was deleted, or the link is wrong."
      action={
        <Button variant="outline" asChild>
          <Link href="/admin">All organizations</Link>
        </Button>
      }
    />
  );
}
