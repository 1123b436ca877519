"use client";
import { useRouter } from "next/navigation";
import { ConfirmAction } from "@/components/confirm-action";
import { Button } from "@/components/ui/button";
import { NativeSelect } from "@/components/ui/select";
import { useServerAction } from "@/lib/client/use-server-action";
import { changeMemberRoleAction, endMemberSessionsAction, leaveOrganizationAction, removeMemberAction } from "./actions";
import type { RoleOption } from "./invite-dialog";

export function MemberRoleSelect({ orgSlug, membershipId, roleId, roles, memberEmail }: { orgSlug: string; membershipId: string; roleId: string; roles: RoleOption[]; memberEmail: string }) {
  const change = useServerAction((input: unknown) => changeMemberRoleAction(orgSlug, input));
  return (
    <div className="grid gap-1">
      <NativeSelect
        aria-label={`Role of ${memberEmail}`}
        defaultValue={roleId}
        disabled={change.isPending}
        onChange={(e) => change.mutate({ membershipId, roleId: e.target.value })}
        className="h-8 w-36"
      >
        {roles.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name}
          </option>
        ))}
      </NativeSelect>
      {change.error && (
        <p role="alert" className="text-sm text-destructive">
          {change.error.message}
        </p>
      )}
    </div>
  );
}

export function RemoveMemberButton({ orgSlug, membershipId, memberEmail }: { orgSlug: string; membershipId: string; memberEmail: string }) {
  const remove = useServerAction((input: unknown) => removeMemberAction(orgSlug, input));
  return (
    <ConfirmAction
      trigger={
        <Button variant="ghost" size="sm" aria-label={`Remove ${memberEmail}`}>
          Remove
        </Button>
      }
      title={`Remove ${memberEmail}?`}
      description="They lose access to this organization at once. You can invite them again later."
      confirmLabel="Remove member"
      run={async () => void (await remove.mutateAsync({ membershipId }))}
    />
  );
}

/** Signs a member of the organization's own domains out everywhere (a lost laptop, a departure). */
export function EndSessionsButton({ orgSlug, userId, memberEmail }: { orgSlug: string; userId: string; memberEmail: string }) {
  const end = useServerAction((input: unknown) => endMemberSessionsAction(orgSlug, input));
  return (
    <ConfirmAction
      trigger={
        <Button variant="ghost" size="sm" aria-label={`End the sessions of ${memberEmail}`}>
          End sessions
        </Button>
      }
      title={`Sign ${memberEmail} out everywhere?`}
      description="Every browser they are signed in with is signed out within seconds. They stay a member and can sign in again."
      confirmLabel="End their sessions"
      run={async () => void (await end.mutateAsync({ userId }))}
    />
  );
}

export function LeaveButton({ orgSlug }: { orgSlug: string }) {
  const router = useRouter();
  const leave = useServerAction(() => leaveOrganizationAction(orgSlug, undefined), { refresh: false });
  return (
    <ConfirmAction
      trigger={<Button variant="outline">Leave organization</Button>}
      title="Leave this organization?"
      description="You lose access at once. An admin can invite you again."
      confirmLabel="Leave"
      run={async () => {
        await leave.mutateAsync(undefined);
        router.push("/");
        router.refresh();
      }}
    />
  );
}
