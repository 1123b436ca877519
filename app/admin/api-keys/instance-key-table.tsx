import { KeyStatusBadge, KeyTime, keyTimeFormat, relativeTime } from "@/components/api-keys/key-cells";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { InstanceKeyView } from "@/lib/admin/instance-keys";
import { RevokeInstanceKeyButton, RotateInstanceKeyButton } from "./instance-key-controls";

function restrictions(k: InstanceKeyView) {
  const parts = [
    k.ipAllowList.length ? `only from ${k.ipAllowList.join(", ")}` : null,
    k.rateLimitPerSecond !== null ? `${k.rateLimitPerSecond.toLocaleString("en")}/s` : null,
    k.rateLimitPerDay !== null ? `${k.rateLimitPerDay.toLocaleString("en")}/day` : null,
  ].filter(Boolean);
  return parts.length ? parts.join(" · ") : "Any address, no rate limit";
}

export function InstanceKeyTable({ keys }: { keys: InstanceKeyView[] }) {
  const now = Date.now();
  return (
    <Table aria-label="Provisioning keys">
      <TableHeader>
        <TableRow>
          <TableHead>Name</TableHead>
          <TableHead>Key</TableHead>
          <TableHead>Status</TableHead>
          <TableHead>Expires</TableHead>
          <TableHead>Last used</TableHead>
          <TableHead>
            <span className="sr-only">Actions</span>
          </TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {keys.map((k) => {
          const usable = k.status === "active" || k.status === "expiring";
          // present() makes it a number; its inferred type (bigint & number) does not say so.
          const requests = Number(k.requestCount);
          return (
            <TableRow key={k.id} data-testid={`instance-key-${k.name}`}>
              <TableCell className="min-w-36 max-w-56 font-medium">
                {k.name}
                <span className="block text-xs font-normal text-muted-foreground">{restrictions(k)}</span>
              </TableCell>
              <TableCell className="min-w-40 max-w-48">
                <span className="font-mono text-xs break-all">{k.display}</span>
                {k.previousSecretValidUntil && <span className="block text-xs text-muted-foreground">Old secret works until {keyTimeFormat.format(k.previousSecretValidUntil)} UTC</span>}
              </TableCell>
              <TableCell>
                <KeyStatusBadge status={k.status} />
              </TableCell>
              <TableCell className="text-sm" data-testid="expires">
                {k.expiresAt ? (
                  <>
                    <KeyTime date={k.expiresAt} now={now} />
                    {k.status !== "revoked" && relativeTime(k.expiresAt, now) && <span className="block whitespace-nowrap text-xs text-muted-foreground">{relativeTime(k.expiresAt, now)}</span>}
                  </>
                ) : (
                  <span className="text-muted-foreground">Never</span>
                )}
              </TableCell>
              <TableCell className="min-w-28 text-sm" data-testid="last-used">
                {k.lastUsedAt ? (
                  <>
                    <KeyTime date={k.lastUsedAt} now={now} relative />
                    <span className="block text-xs text-muted-foreground">
                      {k.lastUsedIp ? `from ${k.lastUsedIp} · ` : ""}
                      {requests.toLocaleString("en")} {requests === 1 ? "request" : "requests"}
                    </span>
                  </>
                ) : (
                  <span className="text-muted-foreground">Never</span>
                )}
              </TableCell>
              <TableCell>
                {usable && (
                  <div className="flex flex-wrap justify-end gap-1">
                    <RotateInstanceKeyButton apiKeyId={k.id} name={k.name} />
                    <RevokeInstanceKeyButton apiKeyId={k.id} name={k.name} />
                  </div>
                )}
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
