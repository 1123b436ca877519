"use server";
import { userAction } from "@/lib/http/actions";
import { acceptInvitation } from "@/lib/invitations/invitations";

export const acceptInvitationAction = userAction((ctx, token: string) => acceptInvitation(ctx, token));
