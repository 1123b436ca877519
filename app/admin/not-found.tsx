import Link from "next/link";
import { SearchX } from "lucide-react";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";

// An organization or user the instance admin's link or URL names, and that is not there: a 404 inside the shell.
export default function AdminNotFound() {
  return (
    <EmptyState
      icon={<SearchX />}
      title="Not found"
      description="No organization or user has this id: it was deleted, or the link is wrong."
      action={
        <Button variant="outline" asChild>
          <Link href="/admin">All organizations</Link>
        </Button>
      }
    />
  );
}
