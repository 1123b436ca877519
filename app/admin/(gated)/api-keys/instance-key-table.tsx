import { KeyExpiresCell, KeyLastUsedCell, keyRestrictions, KeySecretCell, KeyStatusBadge } from "@/components/api-keys/key-cells";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { InstanceKeyView } from "@/lib/admin/instance-keys";
import { RevokeInstanceKeyButton, RotateInstanceKeyButton } from "./instance-key-controls";

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
          return (
            <TableRow key={k.id} data-testid={`instance-key-${k.name}`}>
              <TableCell className="min-w-36 max-w-56 font-medium">
                {k.name}
                <span className="block text-xs font-normal text-muted-foreground">{k.access === "admin" ? "Instance admin" : "Usage events only"}</span>
                <span className="block text-xs font-normal text-muted-foreground">{keyRestrictions(k) ?? "Any address, no rate limit"}</span>
              </TableCell>
              <KeySecretCell display={k.display} previousSecretValidUntil={k.previousSecretValidUntil} />
              <TableCell>
                <KeyStatusBadge status={k.status} />
              </TableCell>
              <KeyExpiresCell expiresAt={k.expiresAt} status={k.status} now={now} />
              <KeyLastUsedCell lastUsedAt={k.lastUsedAt} lastUsedIp={k.lastUsedIp} requestCount={k.requestCount} now={now} />
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
