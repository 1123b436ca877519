import type { Metadata } from "next";
import Link from "next/link";
import { UserRound } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { PageLinks, SearchForm } from "@/components/search-pages";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { countAllUsers, listAllUsers } from "@/lib/admin/instance-directory";
import { isDomainError } from "@/lib/errors";
import { requirePageUser } from "@/lib/http/page-context";
import { dateFormat } from "../directory-parts";

export const metadata: Metadata = { title: "All users" };
const USERS_PER_PAGE = 50;
const BASE = "/admin/users";

export default async function AdminUsersPage({ searchParams }: { searchParams: Promise<{ q?: string; cursor?: string }> }) {
  const ctx = await requirePageUser();
  if (!ctx.principal.isInstanceAdmin) return null;
  const { q, cursor } = await searchParams;
  const search = typeof q === "string" ? q.trim().slice(0, 254) : "";
  const after = typeof cursor === "string" ? cursor : undefined;
  const [page, count] = await Promise.all([
    listAllUsers(ctx, { cursor: after, limit: USERS_PER_PAGE }, search).catch((error: unknown) => {
      // A cursor that is not one of ours (edited by hand): the first page instead.
      if (after && isDomainError(error)) return listAllUsers(ctx, { limit: USERS_PER_PAGE }, search);
      throw error;
    }),
    countAllUsers(ctx, search),
  ]);
  const users = page.data;
  return (
    <div className="grid gap-6">
      <PageHeader title="All users" description="Every account on this Tollgate instance, newest first." />
      <section aria-labelledby="users-heading" className="grid gap-3">
        <h2 id="users-heading" className="text-lg font-semibold">
          Users <span className="text-muted-foreground">({count})</span>
        </h2>
        <SearchForm base={BASE} search={search} what="users" />
        {users.length === 0 ? (
          search ? (
            <EmptyState icon={<UserRound />} titleAs="h3" title="No users match" description={`Nobody's name or email holds “${search}”.`} />
          ) : (
            <EmptyState icon={<UserRound />} titleAs="h3" title="No users yet" description="Accounts appear here as people sign up or are provisioned." />
          )
        ) : (
          <Table aria-label="All users">
            <TableHeader>
              <TableRow>
                <TableHead>User</TableHead>
                <TableHead className="text-right">Organizations</TableHead>
                <TableHead>Status</TableHead>
                <TableHead>Created</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {users.map((u) => (
                <TableRow key={u.id} data-testid={`user-row-${u.email}`}>
                  <TableCell>
                    <Link href={`${BASE}/${u.id}`} className="font-medium underline-offset-4 hover:underline">
                      {u.name}
                    </Link>
                    <span className="block text-sm text-muted-foreground">{u.email}</span>
                  </TableCell>
                  <TableCell className="text-right">{u.organizations}</TableCell>
                  <TableCell>
                    <span className="flex flex-wrap gap-1">
                      {u.emailVerifiedAt ? <Badge variant="outline">Confirmed</Badge> : <Badge variant="secondary">Not confirmed</Badge>}
                      {u.isInstanceAdmin && <Badge>Instance admin</Badge>}
                    </span>
                  </TableCell>
                  <TableCell className="whitespace-nowrap text-muted-foreground">{dateFormat.format(u.createdAt)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
        <PageLinks base={BASE} search={search} after={after} nextCursor={page.nextCursor} label="User pages" />
      </section>
    </div>
  );
}
