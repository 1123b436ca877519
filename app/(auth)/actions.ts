"use server";
import { confirmEmail } from "@/lib/auth/account";
import { requestPasswordReset, resetPassword } from "@/lib/auth/password-reset";
import { requestSignUp } from "@/lib/auth/sign-up";
import { completeSetup } from "@/lib/admin/setup";
import { passkeySignInOptions } from "@/lib/auth/passkeys";
import { ssoRouteFor } from "@/lib/sso/sign-in";
import { publicAction, userAction } from "@/lib/http/actions";
import { safeCallbackPath } from "@/lib/http/safe-redirect";

export const signUpAction = publicAction(async (meta, input: { callbackUrl?: string } & Record<string, unknown>) => {
  const { callbackUrl, ...rest } = input ?? {};
  return requestSignUp(meta, { ...rest, nextPath: safeCallbackPath(typeof callbackUrl === "string" ? callbackUrl : null) });
});
export const requestPasswordResetAction = publicAction((meta, input: unknown) => requestPasswordReset(meta, input));
export const resetPasswordAction = publicAction((meta, input: unknown) => resetPassword(meta, input));
export const confirmEmailAction = userAction((ctx, token: string) => confirmEmail(ctx, token));
export const completeSetupAction = publicAction((meta, input: unknown) => completeSetup(meta, input));
export const passkeyOptionsAction = publicAction((meta) => passkeySignInOptions(meta));
export const ssoRouteAction = publicAction((meta, input: { email: string }) => ssoRouteFor(input, meta));
