// A searched, paged list's controls, as plain links and a GET form (they work
// before JavaScript loads): the search box with Clear, and First/Next page.
import Link from "next/link";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";

/** `what`: the plural the list holds, e.g. "members". */
export function SearchForm({ base, search, what }: { base: string; search: string; what: string }) {
  return (
    <form method="get" action={base} role="search" aria-label={`Search ${what}`} className="flex max-w-md gap-2">
      <Input name="q" type="search" aria-label={`Search ${what} by name or email`} placeholder="Search by name or email" defaultValue={search} />
      <Button type="submit" variant="outline">
        Search
      </Button>
      {search && (
        <Button variant="ghost" asChild>
          <Link href={base}>Clear</Link>
        </Button>
      )}
    </form>
  );
}

/** First page (when not on it) and Next page (when there is one), keeping the search. */
export function PageLinks({ base, search, after, nextCursor, label }: { base: string; search: string; after?: string; nextCursor: string | null; label: string }) {
  if (!after && !nextCursor) return null;
  return (
    <nav aria-label={label} className="flex justify-between">
      {after ? (
        <Button variant="outline" asChild>
          <Link href={search ? `${base}?${new URLSearchParams({ q: search })}` : base}>First page</Link>
        </Button>
      ) : (
        <span />
      )}
      {nextCursor && (
        <Button variant="outline" asChild>
          <Link href={`${base}?${new URLSearchParams({ ...(search && { q: search }), cursor: nextCursor })}`}>Next page</Link>
        </Button>
      )}
    </nav>
  );
}
