// With SMTP_URL set, invitations are sent through a real SMTP server
// (smtp-server, started here) and the outbox row records the delivery.
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../lib/db.ts";
import { createInvitation } from "../../lib/invitations/invitations.ts";
import { mailHtml } from "../../lib/mail/html.ts";
import { builtInRole, createTestOrg, uniqueEmail } from "../helpers.ts";

const received: Array<{ to: string[]; data: string }> = [];

function withOrigin<T>(origin: string, work: () => T): T {
  const before = process.env.NEXTAUTH_URL;
  process.env.NEXTAUTH_URL = origin;
  try {
    return work();
  } finally {
    if (before === undefined) delete process.env.NEXTAUTH_URL;
    else process.env.NEXTAUTH_URL = before;
  }
}
let server: SMTPServer;

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, session, callback) {
      let data = "";
      stream.on("data", (chunk) => (data += chunk));
      stream.on("end", () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
        callback();
      });
    },
  });
  server.listen(0, "127.0.0.1");
  await once(server.server, "listening");
  process.env.SMTP_URL = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  delete process.env.SMTP_URL;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("the HTML part", () => {
  it("escapes the text, links its addresses, and makes an action line a button", () => {
    const html = withOrigin("https://tollgate.test", () =>
      mailHtml("Hi <you>", 'Ada <script>alert(1)</script> invited you to "R&D".\n\nAccept the invitation: https://tollgate.test/invite/abc_DEF-123xyz45678901\n\nSee https://tollgate.test/docs.'),
    );
    expect(html).toContain("<title>Hi &lt;you&gt;</title>");
    expect(html).toContain("Ada &lt;script&gt;alert(1)&lt;/script&gt; invited you to &quot;R&amp;D&quot;.");
    expect(html).not.toContain("<script>");
    expect(html).toMatch(/<a href="https:\/\/tollgate.test\/invite\/abc_DEF-123xyz45678901" style="[^"]+">Accept the invitation<\/a>/);
    expect(html).toContain('See <a href="https://tollgate.test/docs" style="color:#4f46e5">https://tollgate.test/docs</a>.');
  });
});

describe("the HTML part, with text people chose", () => {
  it("makes no button or link of an address elsewhere, nor of a page of ours that takes no token", () => {
    const text = "Acme\n\nAccept the invitation: https://evil.example/invite/abc_DEF-123xyz45678901\n\nAccept the invitation: https://tollgate.test/settings\n\nsee https://evil.example/x";
    const html = withOrigin("https://tollgate.test", () => mailHtml("x", text));
    expect(html).not.toContain('evil.example/invite/abc_DEF-123xyz45678901"');
    expect(html).not.toMatch(/<a [^>]*evil\.example/);
    expect(html).not.toMatch(/<a [^>]*>Accept the invitation<\/a>/);
    expect(html).toContain("https://evil.example/x");
  });
});

describe("invitation mail over SMTP", () => {
  it("sends the invitation with its link and marks the outbox row sent", async () => {
    const { owner } = await createTestOrg();
    const email = uniqueEmail("smtp");
    const invitation = await createInvitation(owner, { email, roleId: (await builtInRole("member")).id });
    const mail = received.find((m) => m.to.includes(email));
    expect(mail).toBeDefined();
    expect(mail!.data.replace(/=\r\n/g, "")).toContain(invitation.url);
    // A plain-text part and an HTML part.
    expect(mail!.data).toMatch(/Content-Type: multipart\/alternative/i);
    expect(mail!.data).toMatch(/Content-Type: text\/plain/i);
    expect(mail!.data).toMatch(/Content-Type: text\/html/i);
    const row = await db.outboxEmail.findFirstOrThrow({ where: { to: email } });
    expect(row.transport).toBe("smtp");
    expect(row.sentAt).not.toBeNull();
    expect(row.error).toBeNull();
  });
});
