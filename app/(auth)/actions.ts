"use server";
import { signUp } from "@/lib/auth/sign-up";
import { publicAction } from "@/lib/http/actions";

export const signUpAction = publicAction(async (meta, input: unknown) => {
  const user = await signUp(meta, input);
  return { email: user.email };
});
