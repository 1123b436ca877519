"use server";
import { revokeAllSessions, revokeSession } from "@/lib/auth/revoke-sessions";
import { userAction } from "@/lib/http/actions";
import { z } from "zod";

export const revokeSessionAction = userAction((ctx, sessionId: string) => revokeSession(ctx, z.uuid("Unknown session").parse(sessionId)));
export const revokeAllSessionsAction = userAction((ctx) => revokeAllSessions(ctx));
