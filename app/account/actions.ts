"use server";
import { z } from "zod";
import { changePassword, deleteAccount, requestEmailChange, sendEmailConfirmation, updateProfile } from "@/lib/auth/account";
import { confirmTotpEnrollment, disableTotp, regenerateRecoveryCodes, startTotpEnrollment } from "@/lib/auth/mfa";
import { revokeAllSessions, revokeSession } from "@/lib/auth/revoke-sessions";
import { userAction } from "@/lib/http/actions";

export const revokeSessionAction = userAction((ctx, sessionId: string) => revokeSession(ctx, z.uuid("Unknown session").parse(sessionId)));
export const revokeAllSessionsAction = userAction((ctx) => revokeAllSessions(ctx));
export const updateProfileAction = userAction((ctx, input: unknown) => updateProfile(ctx, input));
export const changePasswordAction = userAction((ctx, input: unknown) => changePassword(ctx, input));
export const requestEmailChangeAction = userAction((ctx, input: unknown) => requestEmailChange(ctx, input));
export const sendEmailConfirmationAction = userAction((ctx) => sendEmailConfirmation(ctx));
export const deleteAccountAction = userAction((ctx, input: unknown) => deleteAccount(ctx, input));
export const startTotpAction = userAction((ctx, input: unknown) => startTotpEnrollment(ctx, input));
export const confirmTotpAction = userAction((ctx, input: unknown) => confirmTotpEnrollment(ctx, input));
export const disableTotpAction = userAction((ctx, input: unknown) => disableTotp(ctx, input));
export const regenerateRecoveryCodesAction = userAction((ctx, input: unknown) => regenerateRecoveryCodes(ctx, input));
