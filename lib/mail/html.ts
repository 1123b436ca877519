// The HTML part of every mail, made from its plain text when it is sent (the
// text stays the one stored, redacted after sending): paragraphs, links, and
// "Do this: <link>" lines as a button. Everything is escaped; only addresses
// on this instance become links, and only its token pages become buttons, so
// text people chose (an organization's name) cannot pass for a button of ours.

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const URL_IN_TEXT = /https?:\/\/[^\s<>"']+/g;
/** A whole line "Accept the invitation: https://…": its words become the button's label. */
const ACTION_LINE = /^([^:\n]{2,80}): (https?:\/\/[^\s<>"']+)$/;
/** The pages a mail of ours sends people to with a token (./send-mail.ts LINK): the only buttons. */
const LINK_PAGE = /^\/(invite|verify-email|reset-password)\/[A-Za-z0-9_-]{20,}$/;

function ourOrigin(): string {
  const base = process.env.NEXTAUTH_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
  return new URL(base).origin;
}

/** Only addresses on this instance become links: text from people (an organization's name) may hold others. */
function isOurs(url: string): boolean {
  try {
    return new URL(url).origin === ourOrigin();
  } catch {
    return false;
  }
}

const BUTTON = "display:inline-block;background:#4f46e5;color:#ffffff;text-decoration:none;font-weight:600;padding:10px 18px;border-radius:6px";

function linked(text: string): string {
  let out = "";
  let last = 0;
  for (const match of text.matchAll(URL_IN_TEXT)) {
    // A sentence's last stop or comma is not part of its address.
    const url = match[0].replace(/[.,;:!?)]+$/, "");
    const shown = isOurs(url) ? `<a href="${escapeHtml(url)}" style="color:#4f46e5">${escapeHtml(url)}</a>` : escapeHtml(url);
    out += escapeHtml(text.slice(last, match.index)) + shown;
    last = match.index + url.length;
  }
  return out + escapeHtml(text.slice(last));
}

function paragraph(block: string): string {
  const action = ACTION_LINE.exec(block.trim());
  if (action && isOurs(action[2]!) && LINK_PAGE.test(new URL(action[2]!).pathname)) {
    const [, label, url] = action;
    return `<p style="margin:24px 0"><a href="${escapeHtml(url!)}" style="${BUTTON}">${escapeHtml(label!)}</a></p><p style="margin:0 0 16px;font-size:12px;color:#6b7280">Or open this address: ${linked(url!)}</p>`;
  }
  return `<p style="margin:0 0 16px">${block.split("\n").map(linked).join("<br>")}</p>`;
}

export function mailHtml(subject: string, text: string): string {
  const body = text
    .split(/\n{2,}/)
    .filter((block) => block.trim() !== "")
    .map(paragraph)
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:24px;background:#f9fafb;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,sans-serif;font-size:15px;line-height:1.5;color:#111827">
<div style="max-width:560px;margin:0 auto;background:#ffffff;border:1px solid #e5e7eb;border-radius:8px;padding:32px">
<p style="margin:0 0 24px;font-weight:700;font-size:18px">Tollgate</p>
${body}
</div>
</body></html>
`;
}
