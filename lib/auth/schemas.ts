import { z } from "zod";
import { MIN_PASSWORD_LENGTH } from "../secrets/secrets.ts";

export const Email = z.string().trim().toLowerCase().pipe(z.email("Enter a valid email address").max(254, "Email is too long"));

export const Password = z.string().min(MIN_PASSWORD_LENGTH, `Password must be at least ${MIN_PASSWORD_LENGTH} characters`).max(200, "Password must be at most 200 characters");

/** A person's name: one line of text (it is shown in lists and mail, so no line breaks or control characters). */
export const PersonName = z
  .string()
  .trim()
  .min(1, "Enter your name")
  .max(100, "Name must be at most 100 characters")
  .regex(/^[^\p{Cc}\u2028\u2029]*$/u, "A name is one line, without control characters");

export const SignUpInput = z.object({
  name: PersonName,
  email: Email,
  password: Password,
});
export type SignUpInput = z.infer<typeof SignUpInput>;

export const SignInInput = z.object({
  email: Email,
  password: z.string().min(1, "Enter your password").max(200),
  /** The second step, for an account with an authenticator: its code, or a recovery code. */
  code: z.string().max(32).optional(),
  /** Or the second step by passkey: its answer to a sign-in challenge (JSON, as @simplewebauthn/browser gives it). */
  passkey: z.string().max(20_000).optional(),
});
