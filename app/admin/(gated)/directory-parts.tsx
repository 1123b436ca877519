// What the instance admin's organization and user pages share: a grid of
// facts, and the latest audit events.
import type { ReactNode } from "react";
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";

/** Dates and times as the directory pages show them (UTC). */
export const timeFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
export const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

export function Facts({ label, facts }: { label: string; facts: Array<[string, ReactNode]> }) {
  return (
    <dl aria-label={label} className="grid grid-cols-2 gap-4 rounded-lg border p-4 lg:grid-cols-4">
      {facts.map(([name, value]) => (
        <div key={name} className="grid gap-1">
          <dt className="text-sm text-muted-foreground">{name}</dt>
          <dd className="font-medium break-words">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

export type RecentEvent = { id: string; createdAt: Date; action: string; detail: ReactNode; targetType: string };

export function RecentAudit({ heading, events, detailLabel, empty }: { heading: string; events: RecentEvent[]; detailLabel: string; empty: ReactNode }) {
  return (
    <section aria-labelledby="recent-audit-heading" className="grid gap-3">
      <h2 id="recent-audit-heading" className="text-lg font-semibold">
        {heading}
      </h2>
      {events.length === 0 ? (
        empty
      ) : (
        <Table aria-label={heading}>
          <TableHeader>
            <TableRow>
              <TableHead>Time (UTC)</TableHead>
              <TableHead>Action</TableHead>
              <TableHead>{detailLabel}</TableHead>
              <TableHead>Target</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {events.map((e) => (
              <TableRow key={e.id}>
                <TableCell className="whitespace-nowrap text-muted-foreground">{timeFormat.format(e.createdAt)}</TableCell>
                <TableCell>
                  <Badge variant="outline">{e.action}</Badge>
                </TableCell>
                <TableCell>{e.detail}</TableCell>
                <TableCell className="text-muted-foreground">{e.targetType}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </section>
  );
}

export type MembershipRow = { key: string; href: string; name: string; detail: string; role: { name: string; isOwner: boolean }; joinedAt: Date };

/** Memberships seen from either side: an organization's members, or a user's organizations. */
export function MembershipTable({ label, subject, rows }: { label: string; subject: string; rows: MembershipRow[] }) {
  return (
    <Table aria-label={label}>
      <TableHeader>
        <TableRow>
          <TableHead>{subject}</TableHead>
          <TableHead>Role</TableHead>
          <TableHead>Joined</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((row) => (
          <TableRow key={row.key}>
            <TableCell>
              <Link href={row.href} className="font-medium underline-offset-4 hover:underline">
                {row.name}
              </Link>
              <span className="block text-sm text-muted-foreground">{row.detail}</span>
            </TableCell>
            <TableCell>{row.role.isOwner ? <Badge>{row.role.name}</Badge> : row.role.name}</TableCell>
            <TableCell className="whitespace-nowrap text-muted-foreground">{dateFormat.format(row.joinedAt)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
