import type { Metadata } from "next";
import { LocalTime } from "@/components/local-time";
import { Notice } from "@/components/notice";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { getAccount } from "@/lib/auth/account";
import { currentSession } from "@/lib/auth/current-user";
import { mfaStatus } from "@/lib/auth/mfa";
import { listSessions } from "@/lib/auth/sessions";
import { requirePageUser } from "@/lib/http/page-context";
import { ChangePasswordForm, DeleteAccountButton, EmailSection, ProfileForm } from "./account-forms";
import { MfaSection } from "./mfa-section";
import { PasskeysSection } from "./passkeys-section";
import { listPasskeys } from "@/lib/auth/passkeys";
import { RevokeAllSessionsButton, RevokeSessionButton } from "./session-buttons";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage({ searchParams }: { searchParams: Promise<{ notice?: string }> }) {
  const { notice } = await searchParams;
  const ctx = await requirePageUser();
  const [account, current, sessions, mfa, passkeys] = await Promise.all([getAccount(ctx), currentSession(), listSessions(ctx.principal.userId), mfaStatus(ctx.principal.userId), listPasskeys(ctx)]);
  return (
    <div className="grid gap-6">
      <PageHeader title="Account" description={`Signed in as ${account.email}`} />
      <Notice code={notice} />
      <Card>
        <CardHeader>
          <CardTitle>Profile</CardTitle>
          <CardDescription>Your name, as your organizations see it.</CardDescription>
        </CardHeader>
        <CardContent>
          <ProfileForm name={account.name} />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Email address</CardTitle>
          <CardDescription>You sign in with it, and invitations are matched to it. A new address counts once you confirm it from its inbox.</CardDescription>
        </CardHeader>
        <CardContent>
          <EmailSection
            email={account.email}
            verified={Boolean(account.emailVerifiedAt)}
            pending={account.pendingEmail ? { email: account.pendingEmail.email, expiresAt: account.pendingEmail.expiresAt.toISOString() } : null}
            hasPassword={account.hasPassword}
          />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Password</CardTitle>
          <CardDescription>Changing it signs out every other browser.</CardDescription>
        </CardHeader>
        <CardContent>
          {account.hasPassword ? <ChangePasswordForm /> : <p className="text-sm text-muted-foreground">This account has no password yet. Sign out and use “Forgot your password?” to set one.</p>}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Two-step sign-in</CardTitle>
          <CardDescription>A code from an app on your phone, asked for after your password. Some grants hold only in sessions that used it.</CardDescription>
        </CardHeader>
        <CardContent>
          <MfaSection enabled={mfa.totp} recoveryCodesLeft={mfa.recoveryCodesLeft} hasPassword={account.hasPassword} />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Passkeys</CardTitle>
          <CardDescription>Sign in with your device instead of a password, or use a passkey as the second step after it.</CardDescription>
        </CardHeader>
        <CardContent>
          <PasskeysSection
            hasPassword={account.hasPassword}
            passkeys={passkeys.map((p) => ({ id: p.id, name: p.name, createdAt: p.createdAt.toISOString(), lastUsedAt: p.lastUsedAt?.toISOString() ?? null }))}
          />
        </CardContent>
      </Card>
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
                <TableHead>Last seen</TableHead>
                <TableHead className="hidden md:table-cell">Signed in</TableHead>
                <TableHead>
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {sessions.map((s) => (
                <TableRow key={s.id} data-testid={s.id === current?.sessionId ? "this-session" : "other-session"}>
                  <TableCell className="text-sm">
                    <div className="flex flex-wrap items-center gap-2">
                      <span title={s.userAgent ?? undefined}>{s.device}</span>
                      {s.id === current?.sessionId && <Badge variant="secondary">This browser</Badge>}
                    </div>
                  </TableCell>
                  <TableCell className="text-sm text-muted-foreground">{s.ip ?? "—"}</TableCell>
                  <TableCell className="text-sm text-muted-foreground">
                    <LocalTime date={s.lastSeenAt} />
                  </TableCell>
                  <TableCell className="hidden text-sm text-muted-foreground md:table-cell">
                    <LocalTime date={s.createdAt} relative={false} />
                  </TableCell>
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
      <Card className="border-destructive/40">
        <CardHeader>
          <CardTitle>Delete account</CardTitle>
          <CardDescription>
            Deletes your account, your memberships, group memberships and roles in every organization, and signs you out everywhere. Organizations you are the last owner of must get another owner, or
            be deleted, first.
          </CardDescription>
        </CardHeader>
        <CardContent>
          <DeleteAccountButton hasPassword={account.hasPassword} email={account.email} />
        </CardContent>
      </Card>
    </div>
  );
}
