"use client";
import { CircleAlert } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ConfirmAction } from "@/components/confirm-action";
import { Button } from "@/components/ui/button";
import { NativeSelect } from "@/components/ui/select";
import { useServerAction } from "@/lib/client/use-server-action";
import { changeMemberRoleAction, endMemberSessionsAction, leaveOrganizationAction, removeMemberAction } from "./actions";
import type { RoleOption } from "./invite-dialog";

/**
 * The role as stored until a change is accepted: a refused one puts the select
 * back and says why beside it (an icon with the reason, a toast), in a slot
 * kept free so that the row does not move.
 */
export function MemberRoleSelect({ orgSlug, membershipId, roleId, roles, memberEmail }: { orgSlug: string; membershipId: string; roleId: string; roles: RoleOption[]; memberEmail: string }) {
  const [shown, setShown] = useState(roleId);
  const [stored, setStored] = useState(roleId);
  // A refresh that brings another stored role (changed elsewhere) wins over what was shown.
  if (stored !== roleId) {
    setStored(roleId);
    setShown(roleId);
  }
  const change = useServerAction((input: { membershipId: string; roleId: string }) => changeMemberRoleAction(orgSlug, input), {
    successToast: (data) => `${memberEmail} is now ${roles.find((r) => r.id === data.roleId)?.name ?? "updated"}`,
    errorToast: true,
    onError: () => setShown(roleId),
  });
  const errorId = `role-error-${membershipId}`;
  return (
    <div className="flex items-center gap-1.5">
      <NativeSelect
        aria-label={`Role of ${memberEmail}`}
        value={shown}
        disabled={change.isPending}
        aria-invalid={change.error ? true : undefined}
        aria-describedby={change.error ? errorId : undefined}
        onChange={(e) => {
          setShown(e.target.value);
          change.mutate({ membershipId, roleId: e.target.value });
        }}
        wrapperClassName="w-36"
        className="h-8"
      >
        {roles.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name}
          </option>
        ))}
      </NativeSelect>
      <span className="inline-flex size-4 shrink-0 text-destructive">
        {change.error && (
          <>
            <CircleAlert aria-hidden="true" className="size-4">
              <title>{change.error.message}</title>
            </CircleAlert>
            <span id={errorId} className="sr-only">
              {change.error.message}
            </span>
          </>
        )}
      </span>
    </div>
  );
}

export function RemoveMemberButton({ orgSlug, membershipId, memberEmail }: { orgSlug: string; membershipId: string; memberEmail: string }) {
  const remove = useServerAction((input: unknown) => removeMemberAction(orgSlug, input), { successToast: `${memberEmail} removed` });
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
  const end = useServerAction((input: unknown) => endMemberSessionsAction(orgSlug, input), { successToast: `${memberEmail} is signed out everywhere` });
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
