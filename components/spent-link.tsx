// What a page opened by a mailed link shows when the link cannot be used, and where to get a new one.
import Link from "next/link";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";

export function SpentLink({ problem, next }: { problem: string; next: { href: string; label: string } }) {
  return (
    <>
      <Alert variant="destructive">
        <AlertTitle>This link cannot be used</AlertTitle>
        <AlertDescription>{problem}</AlertDescription>
      </Alert>
      <Link className="text-center text-sm font-medium text-primary underline-offset-4 hover:underline" href={next.href}>
        {next.label}
      </Link>
    </>
  );
}
