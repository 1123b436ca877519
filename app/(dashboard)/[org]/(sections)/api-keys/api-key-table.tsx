import { KeyExpiresCell, KeyLastUsedCell, keyRestrictions, KeySecretCell, KeyStatusBadge } from "@/components/api-keys/key-cells";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { ApiKeyView } from "@/lib/apikeys/api-keys";
import { RevokeApiKeyButton, RotateApiKeyButton } from "./api-key-controls";
import { KeyUsageButton } from "./key-usage-dialog";

type Key = ApiKeyView;

export function ApiKeyTable({ keys, orgSlug, canWrite }: { keys: Key[]; orgSlug: string; canWrite: boolean }) {
  const now = Date.now();
  return (
    <Table aria-label="API keys">
      <TableHeader>
        <TableRow>
          <TableHead>Name</TableHead>
          <TableHead>Key</TableHead>
          <TableHead>Carries</TableHead>
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
          const restrictions = keyRestrictions(k);
          return (
            <TableRow key={k.id} data-testid={`api-key-${k.name}`}>
              <TableCell className="min-w-36 max-w-56 font-medium">
                {k.name}
                {k.description && (
                  <span className="block truncate text-xs font-normal text-muted-foreground" title={k.description}>
                    {k.description}
                  </span>
                )}
                <span className="block text-xs font-normal text-muted-foreground">{k.project ? `Project ${k.project.name}` : "Whole organization"}</span>
              </TableCell>
              <KeySecretCell display={k.display} previousSecretValidUntil={k.previousSecretValidUntil} />
              <TableCell className="max-w-xs text-sm">
                {k.role ? `Role ${k.role.name}` : k.permissions.join(", ")}
                {restrictions && <span className="block text-xs text-muted-foreground">{restrictions}</span>}
              </TableCell>
              <TableCell>
                <KeyStatusBadge status={k.status} />
              </TableCell>
              <KeyExpiresCell expiresAt={k.expiresAt} status={k.status} now={now} />
              <KeyLastUsedCell lastUsedAt={k.lastUsedAt} lastUsedIp={k.lastUsedIp} requestCount={k.requestCount} now={now} />
              <TableCell>
                <div className="flex flex-wrap justify-end gap-1">
                  <KeyUsageButton orgSlug={orgSlug} apiKeyId={k.id} name={k.name} />
                  {canWrite && usable && (
                    <>
                      <RotateApiKeyButton orgSlug={orgSlug} apiKeyId={k.id} name={k.name} />
                      <RevokeApiKeyButton orgSlug={orgSlug} apiKeyId={k.id} name={k.name} />
                    </>
                  )}
                </div>
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
