// The texts of account mail. Links are one-time and expire; each text says so.
import { publicUrl } from "../env.ts";
import type { Mail } from "../mail/send-mail.ts";

const site = () => publicUrl().replace(/\/$/, "");

// The sign-up mail goes to an address the requester typed, so it carries none of their text (their name).
// Only the organization of an invitation sent to that very address is named,
// in the body (its invitation mail named it there already), with what the
// invitee joins as.
export type JoiningInvitation = { orgName: string; invitedAs: string };

export const signUpMail = (to: string, link: string, relatedId: string, joining?: JoiningInvitation | null): Mail => ({
  to,
  relatedId,
  subject: "Confirm your email to finish signing up to Tollgate",
  text: [
    "Hello,",
    "",
    "Confirm that this is your address to finish creating your Tollgate account:",
    "",
    link,
    "",
    ...(joining ? [`You were invited to join ${joining.orgName} as ${joining.invitedAs}: with your account made, you join it.`, ""] : []),
    "The link works once, with the password chosen when signing up, and expires in 24 hours. If you did not sign up, ignore this mail: no account is created without it.",
  ].join("\n"),
});

export const accountExistsMail = (to: string): Mail => ({
  to,
  subject: "You already have a Tollgate account",
  text: [
    "Someone (perhaps you) tried to create a Tollgate account with this address, which already has one.",
    "",
    `Sign in: ${site()}/sign-in`,
    `Forgot your password? Choose a new one: ${site()}/forgot-password`,
    "",
    "If it was not you, you can ignore this mail: nothing changed.",
  ].join("\n"),
});

export const resetPasswordMail = (to: string, link: string, relatedId: string): Mail => ({
  to,
  relatedId,
  subject: "Reset your Tollgate password",
  text: [
    "Choose a new password for your Tollgate account:",
    "",
    link,
    "",
    "The link works once and expires in 1 hour. Setting a new password signs you out everywhere.",
    "If you did not ask for this, ignore this mail: your password stays as it is.",
  ].join("\n"),
});

export const passwordChangedMail = (to: string): Mail => ({
  to,
  subject: "Your Tollgate password was changed",
  text: ["The password of your Tollgate account was just changed.", "", `If this was not you, reset it now: ${site()}/forgot-password`].join("\n"),
});

export const confirmEmailMail = (to: string, link: string, relatedId: string, change: boolean): Mail => ({
  to,
  relatedId,
  subject: change ? "Confirm your new email address for Tollgate" : "Confirm your email address for Tollgate",
  text: [
    change ? "Confirm this address to make it the email of your Tollgate account:" : "Confirm that this is the address of your Tollgate account:",
    "",
    link,
    "",
    "The link works once and expires in 24 hours. If you did not ask for this, ignore this mail.",
  ].join("\n"),
});

export const emailChangeRequestedMail = (to: string, newEmail: string): Mail => ({
  to,
  subject: "A change of your Tollgate email address was requested",
  text: [
    `Someone signed in to your Tollgate account asked to change its email address to ${newEmail}.`,
    "It changes only when a link sent to that address is used.",
    "",
    `If this was not you, change your password now: ${site()}/forgot-password`,
  ].join("\n"),
});

export const accountDeletedMail = (to: string): Mail => ({
  to,
  subject: "Your Tollgate account was deleted",
  text: ["Your Tollgate account and its memberships were deleted, as you asked.", "", `You can create a new account at any time: ${site()}/sign-up`].join("\n"),
});
