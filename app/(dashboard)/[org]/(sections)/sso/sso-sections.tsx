import { CheckCircle2, Circle, Globe, KeyRound } from "lucide-react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { can } from "@/lib/authz/authorize";
import type { OrgCtx } from "@/lib/context";
import { listRoles } from "@/lib/roles/roles";
import { listConnections, type SsoConnectionView } from "@/lib/sso/connections";
import { listDomains } from "@/lib/sso/domains";
import { listScimTokens } from "@/lib/scim/tokens";
import { listGroups } from "@/lib/groups/groups";
import { listGroupMappings } from "@/lib/sso/group-mappings";
import {
  AddDomainDialog,
  ConnectionActions,
  CopyValue,
  DomainActions,
  EditConnectionDialog,
  GroupMappings,
  NewConnectionDialog,
  NewScimTokenDialog,
  RevokeScimTokenButton,
  type RoleOption,
} from "./sso-controls";

const dateTime = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

type TestResult = { ok: boolean; reason?: string; detail?: string; claims?: Record<string, unknown> };

/** A section's heading, what it is for, and its main action. */
export function SectionHeading({ id, title, description, action }: { id: string; title: string; description: string; action?: React.ReactNode }) {
  return (
    <div className="flex flex-wrap items-end justify-between gap-2">
      <div>
        <h2 id={id} className="text-lg font-semibold">
          {title}
        </h2>
        <p className="text-sm text-muted-foreground">{description}</p>
      </div>
      {action}
    </div>
  );
}

function Step({ done, children }: { done: boolean; children: React.ReactNode }) {
  return (
    <li className="flex items-start gap-2">
      {done ? <CheckCircle2 className="mt-0.5 size-4 shrink-0 text-success" aria-label="Done" /> : <Circle className="mt-0.5 size-4 shrink-0 text-muted-foreground" aria-label="To do" />}
      <span>{children}</span>
    </li>
  );
}

function LastTest({ connection, justTested }: { connection: SsoConnectionView; justTested: boolean }) {
  const test = connection.lastTest as TestResult | null;
  if (!test || !connection.lastTestAt) return <p className="text-sm text-muted-foreground">Not tested yet. Test it before turning it on.</p>;
  const when = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(connection.lastTestAt);
  if (!test.ok) {
    return (
      <Alert variant="destructive">
        <AlertDescription>
          {justTested ? "The test failed" : `The last test (${when} UTC) failed`}: {test.detail ?? test.reason}
        </AlertDescription>
      </Alert>
    );
  }
  return (
    <div className="grid gap-2">
      <Alert variant="success">
        <AlertDescription>{justTested ? "The test worked. This is what the provider sent:" : `The last test (${when} UTC) worked. The provider sent:`}</AlertDescription>
      </Alert>
      <Table aria-label={`What ${connection.name} sent`}>
        <TableHeader>
          <TableRow>
            <TableHead>{connection.protocol === "saml" ? "Attribute" : "Claim"}</TableHead>
            <TableHead>Value</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {Object.entries(test.claims ?? {}).map(([claim, value]) => (
            <TableRow key={claim}>
              <TableCell className="font-mono text-xs">{claim}</TableCell>
              <TableCell className="break-all font-mono text-xs">
                {typeof value === "string" ? value : Array.isArray(value) && value.every((v) => typeof v === "string") ? value.join(", ") : JSON.stringify(value)}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}

const EXPIRY_WARNING_MS = 30 * 86_400_000;

/** A SAML connection: what to give the provider (with copy buttons), what was read from it, and how strictly it is checked. */
function SamlDetails({ connection, saml }: { connection: SsoConnectionView; saml: NonNullable<SsoConnectionView["saml"]> }) {
  const now = Date.now();
  return (
    <div className="grid gap-4">
      <dl className="grid gap-3 text-sm sm:grid-cols-[12rem_1fr]">
        <dt className="text-muted-foreground">ACS URL (reply URL)</dt>
        <dd className="min-w-0">
          <CopyValue label={`ACS URL of ${connection.name}`} value={saml.acsUrl} />
        </dd>
        <dt className="text-muted-foreground">Entity ID (audience)</dt>
        <dd className="min-w-0">
          <CopyValue label={`Entity ID of ${connection.name}`} value={saml.spEntityId} />
        </dd>
        <dt className="text-muted-foreground">Our metadata</dt>
        <dd className="min-w-0">
          <CopyValue label={`Metadata URL of ${connection.name}`} value={saml.metadataUrl} />
        </dd>
      </dl>
      {saml.idpEntityId === "" ? (
        <Alert>
          <AlertDescription>Give your provider the ACS URL and entity ID above (or our metadata URL), then paste its metadata here with Edit.</AlertDescription>
        </Alert>
      ) : (
        <dl className="grid gap-3 text-sm sm:grid-cols-[12rem_1fr]">
          <dt className="text-muted-foreground">Provider sign-in URL</dt>
          <dd className="break-all font-mono text-xs">{saml.idpSsoUrl}</dd>
          <dt className="text-muted-foreground">Signing certificates</dt>
          <dd>
            <ul className="grid gap-1">
              {saml.idpCertificates.map((cert) => {
                const left = new Date(cert.notAfter).getTime() - now;
                return (
                  <li key={cert.fingerprintSha256} className="flex flex-wrap items-center gap-2">
                    <span className="font-mono text-xs">{cert.subject}</span>
                    <span className="text-muted-foreground">until {dateTime.format(new Date(cert.notAfter))} UTC</span>
                    {left < 0 ? <Badge variant="destructive">Expired</Badge> : left < EXPIRY_WARNING_MS ? <Badge variant="secondary">Expires soon</Badge> : null}
                  </li>
                );
              })}
            </ul>
          </dd>
          <dt className="text-muted-foreground">Checks</dt>
          <dd>
            {saml.allowIdpInitiated ? "Sign-ins started at the provider are accepted" : "Only sign-ins started here"} · {saml.allowSha1 ? "RSA-SHA1 accepted" : "SHA-256 signatures or stronger"} ·
            clocks may be {saml.clockSkewSeconds} s apart
          </dd>
          <dt className="text-muted-foreground">Not yet members</dt>
          <dd>{connection.defaultRole ? `Join as ${connection.defaultRole.name}` : "Are refused (members only)"}</dd>
        </dl>
      )}
    </div>
  );
}

/**
 * Single sign-on's set-up: the steps, domains, connections and SCIM tokens.
 * Shared by the organization's page (`target` its slug) and the setup-link
 * portal (`target` PORTAL_TARGET, `portal`: no roles or group mappings, which
 * a link does not reach).
 */
export async function SsoSetupSections({ ctx, target, portal, tested }: { ctx: OrgCtx; target: string; portal: boolean; tested?: string }) {
  const [{ data: connections }, { data: domains }] = await Promise.all([listConnections(ctx), listDomains(ctx)]);
  const scim = can(ctx, "scim:manage") ? await listScimTokens(ctx) : null;
  const groups = !portal && can(ctx, "groups:read") ? (await listGroups(ctx)).map((g) => ({ id: g.id, name: g.name })) : [];
  const mappings = portal ? new Map() : new Map(await Promise.all(connections.map(async (c) => [c.id, (await listGroupMappings(ctx, c.id)).data] as const)));
  const canWrite = can(ctx, "sso:write");
  const roles: RoleOption[] = !portal && canWrite && can(ctx, "roles:read") ? (await listRoles(ctx)).filter((r) => !r.isOwner).map((r) => ({ id: r.id, name: r.name })) : [];
  const verified = domains.some((d) => d.verified);
  const testedOk = connections.some((c) => (c.lastTest as TestResult | null)?.ok);
  const enabled = connections.some((c) => c.enabled);
  return (
    <>
      <Card>
        <CardHeader>
          <CardTitle asChild>
            <h2>Set-up</h2>
          </CardTitle>
        </CardHeader>
        <CardContent>
          <ol className="grid gap-2 text-sm">
            <Step done={verified}>Add your email domain and verify it with a DNS TXT record.</Step>
            <Step done={connections.length > 0}>
              Add the connection here, then create an app in your identity provider with its redirect URI (OpenID Connect) or its ACS URL and entity ID (SAML), shown below.
            </Step>
            <Step done={testedOk}>Test the connection: sign in once at your provider.</Step>
            <Step done={enabled}>Turn it on. The sign-in page then sends people of your domain to your provider as soon as they type their address.</Step>
          </ol>
        </CardContent>
      </Card>

      <section className="grid gap-3" aria-labelledby="sso-domains">
        <SectionHeading
          id="sso-domains"
          title="Domains"
          description="Addresses in a verified domain sign in through your provider, and only yours."
          action={canWrite && <AddDomainDialog orgSlug={target} />}
        />
        {domains.length === 0 ? (
          <EmptyState icon={<Globe />} titleAs="h3" title="No domains yet" description="Add the domain of your work addresses, such as example.com." />
        ) : (
          <Table aria-label="Domains">
            <TableHeader>
              <TableRow>
                <TableHead>Domain</TableHead>
                <TableHead>Status</TableHead>
                <TableHead>DNS record to publish</TableHead>
                <TableHead>
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {domains.map((d) => (
                <TableRow key={d.id}>
                  <TableCell className="font-medium">{d.domain}</TableCell>
                  <TableCell>{d.verified ? <Badge variant="success">Verified</Badge> : <Badge variant="outline">Waiting for DNS</Badge>}</TableCell>
                  <TableCell className="min-w-72">
                    {d.verified ? (
                      <span className="text-sm text-muted-foreground">Proven; the record may be removed.</span>
                    ) : (
                      <div className="grid gap-1 text-xs text-muted-foreground">
                        <span>
                          TXT at <span className="font-mono">{d.record.name}</span>
                        </span>
                        <CopyValue label={`TXT value for ${d.domain}`} value={d.record.value} />
                      </div>
                    )}
                  </TableCell>
                  <TableCell className="text-right">{canWrite && <DomainActions orgSlug={target} domain={d} />}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </section>

      <section className="grid gap-3" aria-labelledby="sso-connections">
        <SectionHeading
          id="sso-connections"
          title="Connections"
          description="Your identity provider. The oldest connection that is on is the one people sign in with."
          action={canWrite && <NewConnectionDialog orgSlug={target} roles={roles} />}
        />
        {connections.length === 0 ? (
          <EmptyState icon={<KeyRound />} titleAs="h3" title="No connections yet" description="Connect Okta, Microsoft Entra ID, Google Workspace or any OpenID Connect or SAML 2.0 provider." />
        ) : (
          connections.map((c) => (
            <Card key={c.id} aria-label={`Connection ${c.name}`}>
              <CardHeader>
                <div className="flex flex-wrap items-center justify-between gap-2">
                  <CardTitle asChild>
                    <h3 className="flex items-center gap-2">
                      {c.name} {c.enabled ? <Badge variant="success">On</Badge> : <Badge variant="outline">Off</Badge>}
                    </h3>
                  </CardTitle>
                  {canWrite && !(portal && c.enabled) && (
                    <EditConnectionDialog orgSlug={target} connection={{ id: c.id, name: c.name, protocol: c.protocol, defaultRoleId: c.defaultRole?.id ?? null, saml: c.saml }} roles={roles} />
                  )}
                </div>
                <CardDescription>{c.saml ? `SAML 2.0 · ${c.saml.idpEntityId || "provider not set yet"}` : `OpenID Connect · ${c.issuer}`}</CardDescription>
              </CardHeader>
              <CardContent className="grid gap-4">
                {c.saml ? (
                  <SamlDetails connection={c} saml={c.saml} />
                ) : (
                  <dl className="grid gap-3 text-sm sm:grid-cols-[12rem_1fr]">
                    <dt className="text-muted-foreground">Redirect URI</dt>
                    <dd className="min-w-0">
                      <CopyValue label={`Redirect URI of ${c.name}`} value={c.redirectUri} />
                    </dd>
                    <dt className="text-muted-foreground">Client ID</dt>
                    <dd className="break-all font-mono text-xs">{c.clientId}</dd>
                    <dt className="text-muted-foreground">Not yet members</dt>
                    <dd>{c.defaultRole ? `Join as ${c.defaultRole.name}` : "Are refused (members only)"}</dd>
                  </dl>
                )}
                {!portal && <GroupMappings orgSlug={target} connectionId={c.id} groupsClaim={c.groupsClaim} mappings={mappings.get(c.id) ?? []} groups={groups} canWrite={canWrite} />}
                <LastTest connection={c} justTested={tested === c.id} />
                {canWrite && <ConnectionActions orgSlug={target} connection={c} portal={portal} />}
              </CardContent>
            </Card>
          ))
        )}
      </section>

      {scim && (
        <section className="grid gap-3" aria-labelledby="scim">
          <SectionHeading
            id="scim"
            title="Provisioning (SCIM)"
            description="Your identity provider adds and removes people and keeps groups. Removing someone there ends their sessions here at once."
            action={<NewScimTokenDialog orgSlug={target} />}
          />
          <div className="grid gap-1 text-sm sm:max-w-xl">
            <span className="text-muted-foreground">SCIM base URL</span>
            <CopyValue label="SCIM base URL" value={scim.baseUrl} />
          </div>
          {scim.data.length === 0 ? (
            <EmptyState icon={<KeyRound />} titleAs="h3" title="No SCIM tokens yet" description="Make one and paste it, with the base URL, into your identity provider's provisioning settings." />
          ) : (
            <Table aria-label="SCIM tokens">
              <TableHeader>
                <TableRow>
                  <TableHead>Name</TableHead>
                  <TableHead>Token</TableHead>
                  <TableHead>Last used</TableHead>
                  <TableHead>Status</TableHead>
                  <TableHead>
                    <span className="sr-only">Actions</span>
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {scim.data.map((tk) => (
                  <TableRow key={tk.id}>
                    <TableCell className="font-medium">{tk.name}</TableCell>
                    <TableCell className="font-mono text-xs text-muted-foreground">tgscim_…{tk.lastFour}</TableCell>
                    <TableCell className="text-muted-foreground">{tk.lastUsedAt ? dateTime.format(tk.lastUsedAt) : "Never"}</TableCell>
                    <TableCell>{tk.revokedAt ? <Badge variant="outline">Revoked</Badge> : <Badge variant="success">Active</Badge>}</TableCell>
                    <TableCell className="text-right">{!tk.revokedAt && <RevokeScimTokenButton orgSlug={target} token={tk} />}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </section>
      )}
    </>
  );
}
