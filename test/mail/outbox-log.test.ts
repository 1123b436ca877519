// Mail holds one-time links (invitations, sign-up, password reset): the
// server log must never carry its text.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createInvitation } from "../../lib/invitations/invitations.ts";
import { requestPasswordReset } from "../../lib/auth/password-reset.ts";
import { logger } from "../../lib/logger.ts";
import { builtInRole, createTestOrg, createUser, meta, uniqueEmail, until } from "../helpers.ts";

afterEach(() => vi.restoreAllMocks());

describe("mail kept in the outbox", () => {
  it("is logged without its text or links", async () => {
    const lines: string[] = [];
    for (const level of ["info", "warn", "debug", "error"] as const) {
      vi.spyOn(logger, level).mockImplementation(((...args: unknown[]) => void lines.push(JSON.stringify(args))) as never);
    }
    const { owner } = await createTestOrg();
    const invitation = await createInvitation(owner, { email: uniqueEmail("invitee"), roleId: (await builtInRole("viewer")).id });
    const token = invitation.url.split("/invite/")[1]!;
    const user = await createUser();
    await requestPasswordReset(meta(), { email: user.principal.email });
    // The reset mail is delivered after the answer.
    await until("the reset mail is logged", () => lines.some((l) => l.includes("outbox") && l.includes(user.principal.email)));
    expect(lines.some((l) => l.includes("outbox"))).toBe(true);
    expect(lines.join("\n")).not.toContain(token);
    expect(lines.join("\n")).not.toContain("/invite/");
    expect(lines.join("\n")).not.toContain("/reset-password/");
  });
});

describe("the outbox page", () => {
  it("hides one-time links until an instance admin reveals a mail's links, which is audited", async () => {
    const { listOutbox, revealOutboxMail } = await import("../../lib/admin/instance-admin.ts");
    const { db } = await import("../../lib/db.ts");
    const { owner } = await createTestOrg();
    const invitation = await createInvitation(owner, { email: uniqueEmail("masked"), roleId: (await builtInRole("viewer")).id });
    const token = invitation.url.split("/invite/")[1]!;
    const admin = await createUser({ isInstanceAdmin: true });
    const listed = (await listOutbox(admin, 500)).find((m) => m.relatedId === invitation.id)!;
    expect(listed.text).toContain("/invite/[link hidden]");
    expect(listed.text).not.toContain(token);
    expect(listed.hasLiveLinks).toBe(true);
    expect((await revealOutboxMail(admin, listed.id)).text).toContain(`/invite/${token}`);
    expect(await db.auditEvent.count({ where: { action: "outbox.links_revealed", targetId: listed.id, actorId: admin.principal.userId } })).toBe(1);
    await expect(revealOutboxMail(await createUser(), listed.id)).rejects.toMatchObject({ code: "instance_admin_only" });
  });
});
