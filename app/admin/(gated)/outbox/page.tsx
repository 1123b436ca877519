import type { Metadata } from "next";
import { Inbox } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { listOutbox } from "@/lib/admin/instance-admin";
import { requirePageUser } from "@/lib/http/page-context";
import { MailText } from "./mail-text";

export const metadata: Metadata = { title: "Outbox" };
const timeFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export default async function OutboxPage() {
  const ctx = await requirePageUser();
  if (!ctx.principal.isInstanceAdmin) return null;
  const mails = await listOutbox(ctx);
  return (
    <div className="grid gap-6">
      <PageHeader title="Outbox" description="Mail Tollgate sent or, without SMTP settings, kept here for you to forward. Newest first." />
      {mails.length === 0 ? (
        <EmptyState icon={<Inbox />} title="No mail yet" description="Invitations and other messages appear here." />
      ) : (
        <ul className="grid gap-4" aria-label="Messages">
          {mails.map((m) => (
            <li key={m.id} className="rounded-lg border border-border p-4" data-testid="outbox-message">
              <div className="flex flex-wrap items-center justify-between gap-2">
                <h2 className="font-medium">{m.subject}</h2>
                <Badge variant={m.sentAt ? "success" : m.error ? "destructive" : "secondary"}>{m.sentAt ? "sent" : m.error ? "failed" : "in outbox"}</Badge>
              </div>
              <p className="text-sm text-muted-foreground">
                To {m.to} · {timeFormat.format(m.createdAt)}
              </p>
              <MailText id={m.id} text={m.text} hasLiveLinks={m.hasLiveLinks} />
              {m.error && <p className="mt-2 text-sm text-destructive">{m.error}</p>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
