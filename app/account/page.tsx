import type { Metadata } from "next";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { currentSession } from "@/lib/auth/current-user";
import { listSessions } from "@/lib/auth/sessions";
import { requirePageUser } from "@/lib/http/page-context";
import { RevokeAllSessionsButton, RevokeSessionButton } from "./session-buttons";

export const metadata: Metadata = { title: "Account" };
const timeFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export default async function AccountPage() {
  const ctx = await requirePageUser();
  const current = await currentSession();
  const sessions = await listSessions(ctx.principal.userId);
  return (
    <div className="grid gap-6">
      <PageHeader title="Account" description={`Signed in as ${ctx.principal.email}`} />
      <Card>
        <CardHeader>
          <CardTitle>Sessions</CardTitle>
          <CardDescription>Browsers signed in to your account. Ending a session signs that browser out within seconds.</CardDescription>
        </CardHeader>
        <CardContent className="grid gap-4">
          <Table aria-label="Sessions">
            <TableHeader>
              <TableRow>
                <TableHead>Browser</TableHead>
                <TableHead>IP</TableHead>
                <TableHead>Signed in (UTC)</TableHead>
                <TableHead>
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {sessions.map((s) => (
                <TableRow key={s.id}>
                  <TableCell className="max-w-xs truncate text-sm">
                    {s.userAgent ?? "Unknown browser"} {s.id === current?.sessionId && <Badge variant="secondary">This browser</Badge>}
                  </TableCell>
                  <TableCell className="text-sm text-muted-foreground">{s.ip ?? "—"}</TableCell>
                  <TableCell className="text-sm text-muted-foreground">{timeFormat.format(s.createdAt)}</TableCell>
                  <TableCell className="text-right">{s.id !== current?.sessionId && <RevokeSessionButton sessionId={s.id} />}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          <div>
            <RevokeAllSessionsButton />
          </div>
        </CardContent>
      </Card>
    </div>
  );
}
