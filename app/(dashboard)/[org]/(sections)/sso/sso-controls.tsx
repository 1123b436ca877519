"use client";
import { Copy, Plus, Upload } from "lucide-react";
import { useState } from "react";
import { ConfirmAction } from "@/components/confirm-action";
import { ShownOnce } from "@/components/shown-once";
import { FormDialog } from "@/components/form-dialog";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { CountedInput } from "@/components/ui/counted-input";
import { NativeSelect } from "@/components/ui/select";
import { Textarea } from "@/components/ui/textarea";
import { Spinner } from "@/components/ui/spinner";
import { useServerAction } from "@/lib/client/use-server-action";
import {
  createGroupMappingAction,
  deleteGroupMappingAction,
  createScimTokenAction,
  revokeScimTokenAction,
  addDomainAction,
  createConnectionAction,
  deleteConnectionAction,
  removeDomainAction,
  testConnectionAction,
  updateConnectionAction,
  updateSsoPolicyAction,
  verifyDomainAction,
  createSetupLinkAction,
  revokeSetupLinkAction,
} from "./actions";

export type RoleOption = { id: string; name: string };

/** A value to paste elsewhere (a redirect URI, a DNS record), with a copy button. */
export function CopyValue({ label, value }: { label: string; value: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="flex min-w-0 gap-2">
      <Input readOnly aria-label={label} value={value} className="font-mono text-xs" onFocus={(e) => e.currentTarget.select()} />
      <Button
        type="button"
        variant="outline"
        size="sm"
        aria-label={`Copy ${label.toLowerCase()}`}
        onClick={() =>
          navigator.clipboard?.writeText(value).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        <Copy className="size-4" aria-hidden="true" />
        {copied ? "Copied" : "Copy"}
      </Button>
    </div>
  );
}

const optional = (value: FormDataEntryValue | null) => (typeof value === "string" && value.trim() !== "" ? value.trim() : undefined);

function DefaultRoleField({ roles, defaultValue }: { roles: RoleOption[]; defaultValue?: string }) {
  return (
    <FormField id="sso-default-role" label="People who sign in and are not members" description="They join with this role if their address is in one of your verified domains.">
      {(p) => (
        <NativeSelect {...p} name="defaultRoleId" defaultValue={defaultValue ?? ""}>
          <option value="">Are refused (members only)</option>
          {roles.map((r) => (
            <option key={r.id} value={r.id}>
              Join as {r.name}
            </option>
          ))}
        </NativeSelect>
      )}
    </FormField>
  );
}

/** The identity provider's SAML metadata: pasted, or read from a downloaded file into the same box. */
function MetadataField({ id, label, description, required }: { id: string; label: string; description: string; required?: boolean }) {
  const [xml, setXml] = useState("");
  return (
    <FormField id={id} label={label} description={description} required={required}>
      {(p) => (
        <div className="grid gap-2">
          <Textarea {...p} name="metadataXml" rows={5} value={xml} onChange={(e) => setXml(e.target.value)} className="font-mono text-xs" spellCheck={false} />
          <label className="inline-flex w-fit cursor-pointer items-center gap-2 text-sm text-primary underline-offset-4 hover:underline">
            <Upload className="size-4" aria-hidden="true" />
            Upload the metadata file
            <input type="file" accept=".xml,application/xml,text/xml,application/samlmetadata+xml" className="sr-only" onChange={async (e) => setXml((await e.target.files?.[0]?.text()) ?? xml)} />
          </label>
        </div>
      )}
    </FormField>
  );
}

export function NewConnectionDialog({ orgSlug, roles }: { orgSlug: string; roles: RoleOption[] }) {
  const [protocol, setProtocol] = useState<"oidc" | "saml">("oidc");
  return (
    <FormDialog
      trigger={
        <Button>
          <Plus className="size-4" aria-hidden="true" />
          New connection
        </Button>
      }
      title="Connect an identity provider"
      description="Okta, Microsoft Entra ID, Google Workspace, Auth0, Keycloak, ADFS and others, with OpenID Connect or SAML 2.0."
      submitLabel="Create connection"
      successToast="Connection created"
      wide
      action={(input) => createConnectionAction(orgSlug, input)}
      toInput={(f) =>
        protocol === "saml"
          ? { protocol, name: f.get("name"), metadataXml: optional(f.get("metadataXml")), defaultRoleId: optional(f.get("defaultRoleId")) ?? null }
          : {
              protocol,
              name: f.get("name"),
              issuer: f.get("issuer"),
              clientId: f.get("clientId"),
              clientSecret: f.get("clientSecret"),
              authorizationEndpoint: optional(f.get("authorizationEndpoint")),
              tokenEndpoint: optional(f.get("tokenEndpoint")),
              jwksUri: optional(f.get("jwksUri")),
              defaultRoleId: optional(f.get("defaultRoleId")) ?? null,
            }
      }
    >
      <fieldset className="grid gap-2">
        <legend className="mb-1 text-sm font-medium">Protocol</legend>
        <div className="flex flex-wrap gap-4 text-sm">
          {(
            [
              ["oidc", "OpenID Connect"],
              ["saml", "SAML 2.0"],
            ] as const
          ).map(([value, label]) => (
            <label key={value} className="flex items-center gap-2">
              <input type="radio" name="protocol" value={value} checked={protocol === value} onChange={() => setProtocol(value)} className="size-4 accent-primary" />
              {label}
            </label>
          ))}
        </div>
      </fieldset>
      <FormField id="sso-name" label="Name" required>
        {(p) => <CountedInput {...p} name="name" maxLength={100} placeholder="e.g. Okta" />}
      </FormField>
      {protocol === "saml" ? (
        <MetadataField
          id="sso-metadata"
          label="Identity provider metadata (XML)"
          description="Paste or upload it now, or later: the connection's ACS URL and entity ID, shown once it is made, are what your provider asks for first."
        />
      ) : (
        <>
          <FormField id="sso-issuer" label="Issuer URL" description="Its discovery document (/.well-known/openid-configuration) gives the endpoints." required>
            {(p) => <Input {...p} name="issuer" type="url" placeholder="https://your-company.okta.com" />}
          </FormField>
          <div className="grid gap-4 sm:grid-cols-2">
            <FormField id="sso-client-id" label="Client ID" required>
              {(p) => <Input {...p} name="clientId" autoComplete="off" />}
            </FormField>
            <FormField id="sso-client-secret" label="Client secret" description="Kept encrypted; never shown again." required>
              {(p) => <Input {...p} name="clientSecret" type="password" autoComplete="new-password" />}
            </FormField>
          </div>
          <details className="rounded-md border p-3 text-sm">
            <summary className="cursor-pointer font-medium">Enter the endpoints instead (no discovery document)</summary>
            <div className="mt-3 grid gap-4">
              <FormField id="sso-authorization-endpoint" label="Authorization endpoint">
                {(p) => <Input {...p} name="authorizationEndpoint" type="url" placeholder="https://…/authorize" />}
              </FormField>
              <FormField id="sso-token-endpoint" label="Token endpoint">
                {(p) => <Input {...p} name="tokenEndpoint" type="url" placeholder="https://…/token" />}
              </FormField>
              <FormField id="sso-jwks-uri" label="JWKS URI">
                {(p) => <Input {...p} name="jwksUri" type="url" placeholder="https://…/keys" />}
              </FormField>
            </div>
          </details>
        </>
      )}
      <DefaultRoleField roles={roles} />
    </FormDialog>
  );
}

export type EditableConnection = {
  id: string;
  name: string;
  protocol: string;
  defaultRoleId: string | null;
  saml: { allowIdpInitiated: boolean; allowSha1: boolean; clockSkewSeconds: number } | null;
};

export function EditConnectionDialog({ orgSlug, connection, roles }: { orgSlug: string; connection: EditableConnection; roles: RoleOption[] }) {
  const saml = connection.saml;
  return (
    <FormDialog
      trigger={
        <Button variant="outline" size="sm">
          Edit
        </Button>
      }
      title={`Edit ${connection.name}`}
      submitLabel="Save changes"
      successToast={`${connection.name} saved`}
      wide={saml !== null}
      action={(input) => updateConnectionAction(orgSlug, input)}
      toInput={(f) => {
        const common = { connectionId: connection.id, name: f.get("name"), defaultRoleId: optional(f.get("defaultRoleId")) ?? null };
        if (!saml) return { ...common, clientSecret: optional(f.get("clientSecret")) };
        const changed = <T,>(value: T, was: T) => (value === was ? undefined : value);
        return {
          ...common,
          metadataXml: optional(f.get("metadataXml")),
          allowIdpInitiated: changed(f.get("allowIdpInitiated") === "on", saml.allowIdpInitiated),
          allowSha1: changed(f.get("allowSha1") === "on", saml.allowSha1),
          // An emptied field keeps the tolerance there is (0 is typed as 0).
          clockSkewSeconds: f.get("clockSkewSeconds") === "" ? undefined : changed(Number(f.get("clockSkewSeconds")), saml.clockSkewSeconds),
        };
      }}
    >
      <FormField id="sso-edit-name" label="Name" required>
        {(p) => <CountedInput {...p} name="name" maxLength={100} defaultValue={connection.name} />}
      </FormField>
      {saml ? (
        <>
          <MetadataField
            id="sso-edit-metadata"
            label="New identity provider metadata (XML)"
            description="Replaces the provider's entity ID, sign-in URL and certificates. While it rotates its certificate, metadata listing both keeps sign-in working. Leave empty to keep them."
          />
          <FormField id="sso-edit-skew" label="Clock tolerance (seconds)" description="How far the provider's clock may be off, 0–600.">
            {(p) => <Input {...p} name="clockSkewSeconds" type="number" min={0} max={600} step={1} defaultValue={saml.clockSkewSeconds} className="w-32" />}
          </FormField>
          <label className="flex items-start gap-2 text-sm">
            <input type="checkbox" name="allowIdpInitiated" defaultChecked={saml.allowIdpInitiated} className="mt-0.5 size-4 accent-primary" />
            <span>
              Accept sign-ins started at the provider (its app tile).
              <span className="block text-muted-foreground">They cannot be tied to a browser that asked for them; leave off unless your people start there.</span>
            </span>
          </label>
          <label className="flex items-start gap-2 text-sm">
            <input type="checkbox" name="allowSha1" defaultChecked={saml.allowSha1} className="mt-0.5 size-4 accent-primary" />
            <span>
              Accept RSA-SHA1 signatures.
              <span className="block text-muted-foreground">Only for a provider that cannot sign with SHA-256.</span>
            </span>
          </label>
        </>
      ) : (
        <FormField id="sso-edit-secret" label="New client secret" description="Leave empty to keep the current one.">
          {(p) => <Input {...p} name="clientSecret" type="password" autoComplete="new-password" />}
        </FormField>
      )}
      <DefaultRoleField roles={roles} defaultValue={connection.defaultRoleId ?? ""} />
    </FormDialog>
  );
}

/** Test, turn on or off, delete. Through a setup link (`portal`) a connection is set up and tested; an owner turns it on in Tollgate. */
export function ConnectionActions({ orgSlug, connection, portal = false }: { orgSlug: string; connection: { id: string; name: string; enabled: boolean }; portal?: boolean }) {
  const test = useServerAction((input: unknown) => testConnectionAction(orgSlug, input), { refresh: false, onSuccess: ({ url }) => window.location.assign(url) });
  const toggle = useServerAction((input: unknown) => updateConnectionAction(orgSlug, input), { successToast: "Connection saved" });
  const remove = useServerAction((input: unknown) => deleteConnectionAction(orgSlug, input), { successToast: "Connection deleted" });
  const error = test.error ?? toggle.error;
  return (
    <div className="grid gap-2">
      <div className="flex flex-wrap items-center gap-2">
        <Button variant="outline" size="sm" disabled={test.isPending} onClick={() => test.mutate({ connectionId: connection.id })}>
          {test.isPending && <Spinner />}
          Test connection
        </Button>
        {!portal && (
          <Button
            variant={connection.enabled ? "outline" : "default"}
            size="sm"
            disabled={toggle.isPending}
            onClick={() => toggle.mutate({ connectionId: connection.id, enabled: !connection.enabled })}
          >
            {toggle.isPending && <Spinner />}
            {connection.enabled ? "Turn off" : "Turn on"}
          </Button>
        )}
        {(!portal || !connection.enabled) && (
          <ConfirmAction
            trigger={
              <Button variant="destructive" size="sm">
                Delete
              </Button>
            }
            title={`Delete ${connection.name}?`}
            description="Nobody can sign in through it any more. Sessions it started stay until they end."
            confirmLabel="Delete connection"
            run={async () => void (await remove.mutateAsync({ connectionId: connection.id }))}
          />
        )}
        {portal && <span className="text-sm text-muted-foreground">{connection.enabled ? "It is on; only an owner changes it now." : "Once the test works, an owner turns it on in Tollgate."}</span>}
      </div>
      {error && (
        <Alert variant="destructive">
          <AlertDescription>{error.message}</AlertDescription>
        </Alert>
      )}
    </div>
  );
}

export function AddDomainDialog({ orgSlug }: { orgSlug: string }) {
  return (
    <FormDialog
      trigger={
        <Button variant="outline">
          <Plus className="size-4" aria-hidden="true" />
          Add domain
        </Button>
      }
      title="Add an email domain"
      description="People whose address is in a verified domain are sent to your identity provider."
      submitLabel="Add domain"
      successToast="Domain added"
      action={(input) => addDomainAction(orgSlug, input)}
      toInput={(f) => ({ domain: f.get("domain") })}
    >
      <FormField id="sso-domain" label="Domain" required>
        {(p) => <Input {...p} name="domain" placeholder="e.g. example.com" autoComplete="off" />}
      </FormField>
    </FormDialog>
  );
}

export function DomainActions({ orgSlug, domain }: { orgSlug: string; domain: { id: string; domain: string; verified: boolean } }) {
  const verify = useServerAction((input: unknown) => verifyDomainAction(orgSlug, input));
  const remove = useServerAction((input: unknown) => removeDomainAction(orgSlug, input), { successToast: "Domain removed" });
  return (
    <div className="grid justify-items-end gap-2">
      <div className="flex gap-2">
        {!domain.verified && (
          <Button size="sm" disabled={verify.isPending} onClick={() => verify.mutate({ domainId: domain.id })}>
            {verify.isPending && <Spinner />}
            Verify
          </Button>
        )}
        <ConfirmAction
          trigger={
            <Button variant="destructive" size="sm" aria-label={`Remove ${domain.domain}`}>
              Remove
            </Button>
          }
          title={`Remove ${domain.domain}?`}
          description="Its people are no longer sent to your identity provider, and new ones can no longer join by signing in."
          confirmLabel="Remove domain"
          run={async () => void (await remove.mutateAsync({ domainId: domain.id }))}
        />
      </div>
      {verify.error && (
        <Alert variant="destructive" className="max-w-md text-left">
          <AlertDescription>{verify.error.message}</AlertDescription>
        </Alert>
      )}
    </div>
  );
}

/**
 * Require SSO, and the owners who keep a password (break-glass). Only owners
 * change that list; others see it and can turn the requirement on and off.
 */
export function SsoPolicyForm({
  orgSlug,
  requireSso,
  owners,
  callerIsOwner,
  canWrite,
}: {
  orgSlug: string;
  requireSso: boolean;
  owners: Array<{ userId: string; email: string; name: string; breakGlass: boolean }>;
  callerIsOwner: boolean;
  canWrite: boolean;
}) {
  const save = useServerAction((input: unknown) => updateSsoPolicyAction(orgSlug, input));
  return (
    <form
      className="grid gap-4"
      onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        save.mutate({ requireSso: form.get("requireSso") === "on", ...(callerIsOwner ? { breakGlassUserIds: form.getAll("breakGlass").map(String) } : {}) });
      }}
    >
      {save.error && (
        <Alert variant="destructive">
          <AlertDescription>{save.error.message}</AlertDescription>
        </Alert>
      )}
      {save.isSuccess && (
        <Alert variant="success">
          <AlertDescription>Saved.</AlertDescription>
        </Alert>
      )}
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" name="requireSso" defaultChecked={requireSso} disabled={!canWrite} className="mt-0.5 size-4" />
        <span>
          <span className="font-medium">Require single sign-on</span>
          <span className="block text-muted-foreground">People of your verified domains cannot sign in with a password while a connection is on.</span>
        </span>
      </label>
      <fieldset className="grid gap-2 text-sm" disabled={!canWrite || !callerIsOwner}>
        <legend className="font-medium">Owners who may still use a password (break-glass)</legend>
        <p className="text-muted-foreground">{callerIsOwner ? "If your identity provider is down, they can still get in." : "Only owners change this list."}</p>
        {owners.map((o) => (
          <label key={o.userId} className="flex items-center gap-2">
            <input type="checkbox" name="breakGlass" value={o.userId} defaultChecked={o.breakGlass} className="size-4" />
            {o.name} <span className="text-muted-foreground">({o.email})</span>
          </label>
        ))}
      </fieldset>
      {canWrite && (
        <div>
          <Button type="submit" disabled={save.isPending}>
            {save.isPending && <Spinner />}
            Save policy
          </Button>
        </div>
      )}
    </form>
  );
}

export function NewScimTokenDialog({ orgSlug }: { orgSlug: string }) {
  return (
    <FormDialog
      trigger={
        <Button variant="outline">
          <Plus className="size-4" aria-hidden="true" />
          New SCIM token
        </Button>
      }
      title="Make a SCIM token"
      description="Your identity provider adds, changes and removes your people with it. Active people join as Member."
      submitLabel="Make token"
      action={(input) => createScimTokenAction(orgSlug, input)}
      toInput={(f) => ({ name: f.get("name") })}
      success={(data, close) => <ShownOnce secret={data.token} close={close} what="token" label="New SCIM token" />}
    >
      <FormField id="scim-token-name" label="Name" required>
        {(p) => <CountedInput {...p} name="name" maxLength={100} placeholder="e.g. Okta" />}
      </FormField>
    </FormDialog>
  );
}

export function RevokeScimTokenButton({ orgSlug, token }: { orgSlug: string; token: { id: string; name: string } }) {
  const revoke = useServerAction((input: unknown) => revokeScimTokenAction(orgSlug, input));
  return (
    <ConfirmAction
      trigger={
        <Button variant="destructive" size="sm" aria-label={`Revoke SCIM token ${token.name}`}>
          Revoke
        </Button>
      }
      title={`Revoke ${token.name}?`}
      description="Your identity provider can no longer provision with it. People it provisioned stay as they are."
      confirmLabel="Revoke token"
      run={async () => void (await revoke.mutateAsync({ tokenId: token.id }))}
    />
  );
}

/** Provider groups mapped to Tollgate groups, for one connection: listed, added, removed. */
export function GroupMappings({
  orgSlug,
  connectionId,
  groupsClaim,
  mappings,
  groups,
  canWrite,
}: {
  orgSlug: string;
  connectionId: string;
  groupsClaim: string;
  mappings: Array<{ id: string; idpGroup: string; group: { id: string; name: string } }>;
  groups: Array<{ id: string; name: string }>;
  canWrite: boolean;
}) {
  const add = useServerAction((input: unknown) => createGroupMappingAction(orgSlug, input));
  const remove = useServerAction((input: unknown) => deleteGroupMappingAction(orgSlug, input));
  const error = add.error ?? remove.error;
  return (
    <div className="grid gap-2 text-sm">
      <p className="text-muted-foreground">
        Groups in the <code className="font-mono text-xs">{groupsClaim}</code> claim join people to Tollgate groups at every sign-in, and leave them when gone.
      </p>
      {mappings.length > 0 && (
        <ul aria-label="Group mappings" className="grid gap-1">
          {mappings.map((m) => (
            <li key={m.id} className="flex items-center justify-between gap-2 rounded-md border px-3 py-1.5">
              <span>
                <span className="font-mono text-xs">{m.idpGroup}</span> → {m.group.name}
              </span>
              {canWrite && (
                <Button
                  variant="ghost"
                  size="sm"
                  aria-label={`Remove mapping of ${m.idpGroup} to ${m.group.name}`}
                  disabled={remove.isPending}
                  onClick={() => remove.mutate({ connectionId, mappingId: m.id })}
                >
                  Remove
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
      {canWrite && groups.length > 0 && (
        <form
          className="flex flex-wrap items-end gap-2"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.currentTarget);
            add.mutate({ connectionId, idpGroup: f.get("idpGroup"), groupId: f.get("groupId") });
          }}
        >
          <FormField id={`idp-group-${connectionId}`} label="Provider group">
            {(p) => <Input {...p} name="idpGroup" maxLength={200} placeholder="e.g. engineering" className="w-48" />}
          </FormField>
          <FormField id={`tollgate-group-${connectionId}`} label="Tollgate group">
            {(p) => (
              <NativeSelect {...p} name="groupId" wrapperClassName="w-48">
                {groups.map((g) => (
                  <option key={g.id} value={g.id}>
                    {g.name}
                  </option>
                ))}
              </NativeSelect>
            )}
          </FormField>
          <Button type="submit" variant="outline" disabled={add.isPending}>
            Map group
          </Button>
        </form>
      )}
      {error && (
        <Alert variant="destructive">
          <AlertDescription>{error.message}</AlertDescription>
        </Alert>
      )}
    </div>
  );
}

export function NewSetupLinkDialog({ orgSlug }: { orgSlug: string }) {
  return (
    <FormDialog
      trigger={
        <Button variant="outline">
          <Plus className="size-4" aria-hidden="true" />
          New setup link
        </Button>
      }
      title="Make a setup link"
      description="Whoever opens it can set up your single sign-on connection, domains and SCIM tokens on your behalf until it expires. Send it privately."
      submitLabel="Make link"
      action={(input) => createSetupLinkAction(orgSlug, input)}
      toInput={(f) => ({ name: f.get("name"), expiresInHours: Number(f.get("expiresInHours")) })}
      success={(data, close) => <ShownOnce secret={data.url} close={close} what="link" label="New setup link" />}
    >
      <FormField id="setup-link-name" label="Who it is for" description="Shown in the list and the audit log." required>
        {(p) => <CountedInput {...p} name="name" maxLength={100} placeholder="e.g. Acme IT" />}
      </FormField>
      <FormField id="setup-link-expiry" label="Valid for">
        {(p) => (
          <NativeSelect {...p} name="expiresInHours" defaultValue="72">
            <option value="1">1 hour</option>
            <option value="24">1 day</option>
            <option value="72">3 days</option>
            <option value="168">7 days</option>
          </NativeSelect>
        )}
      </FormField>
    </FormDialog>
  );
}

export function RevokeSetupLinkButton({ orgSlug, link }: { orgSlug: string; link: { id: string; name: string } }) {
  const revoke = useServerAction((input: unknown) => revokeSetupLinkAction(orgSlug, input));
  return (
    <ConfirmAction
      trigger={
        <Button variant="destructive" size="sm" aria-label={`Revoke setup link for ${link.name}`}>
          Revoke
        </Button>
      }
      title={`Revoke the setup link for ${link.name}?`}
      description="It stops working at once, also in a browser that has it open. What was set up with it stays."
      confirmLabel="Revoke link"
      run={async () => void (await revoke.mutateAsync({ linkId: link.id }))}
    />
  );
}
