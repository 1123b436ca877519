// Said to the sign-in form when the password was right and the account has
// an authenticator: the form then asks for the code (shared with the client).
export const MFA_REQUIRED_MESSAGE = "Enter the 6-digit code from your authenticator app.";
