// With SMTP_URL set, invitations are sent through a real SMTP server
// (smtp-server, started here) and the outbox row records the delivery.
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../lib/db.ts";
import { createInvitation } from "../../lib/invitations/invitations.ts";
import { builtInRole, createTestOrg, uniqueEmail } from "../helpers.ts";

const received: Array<{ to: string[]; data: string }> = [];
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

describe("invitation mail over SMTP", () => {
  it("sends the invitation with its link and marks the outbox row sent", async () => {
    const { owner } = await createTestOrg();
    const email = uniqueEmail("smtp");
    const invitation = await createInvitation(owner, { email, roleId: (await builtInRole("member")).id });
    const mail = received.find((m) => m.to.includes(email));
    expect(mail).toBeDefined();
    expect(mail!.data.replace(/=\r\n/g, "")).toContain(invitation.url);
    const row = await db.outboxEmail.findFirstOrThrow({ where: { to: email } });
    expect(row.transport).toBe("smtp");
    expect(row.sentAt).not.toBeNull();
    expect(row.error).toBeNull();
  });
});
