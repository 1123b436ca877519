"use server";
import { revokeAllSessions, revokeSession } from "@/lib/auth/revoke-sessions";
import { userAction } from "@/lib/http/actions";

export const revokeSessionAction = userAction((ctx, sessionId: string) => revokeSession(ctx, String(sessionId)));
export const revokeAllSessionsAction = userAction((ctx) => revokeAllSessions(ctx));
