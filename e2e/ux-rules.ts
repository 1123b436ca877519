// The rules of ../shared/docs/UX.md a page can be checked for from outside,
// run on every page of the accessibility sweep at both widths.
import { expect, type Locator, type Page } from "@playwright/test";

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const DESTRUCTIVE = /^(delete|remove|revoke|archive|retire|end|leave|sign out everywhere)\b/i;

export async function expectUxRules(page: Page, where: string) {
  // One title per page.
  await expect(page.locator("h1:visible"), `${where}: one h1`).toHaveCount(1);

  const found = await page.evaluate(
    ({ uuid, destructive }) => {
      const uuidRe = new RegExp(uuid, "i");
      const destructiveRe = new RegExp(destructive, "i");
      const visible = (el: Element) => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden";
      };
      // Names, not ids: no id in the text people read (ids stay on hover, in inputs and in code).
      const walker = document.createTreeWalker(document.querySelector("main") ?? document.body, NodeFilter.SHOW_TEXT);
      const ids: string[] = [];
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement!;
        if (parent.closest("code, pre, script, style, [hidden], .sr-only") || !visible(parent)) continue;
        const match = uuidRe.exec(node.textContent ?? "");
        if (match) ids.push(match[0]);
      }
      // Placeholders look like placeholders: an example ("e.g. …") or what a search takes.
      const placeholders = [...document.querySelectorAll("input[placeholder], textarea[placeholder]")]
        .filter(visible)
        .map((el) => el.getAttribute("placeholder")!)
        .filter((p) => !/^(e\.g\.|search|filter|no |\d|https?:)/i.test(p.trim()) && !/…$/.test(p.trim()));
      // A destructive action asks first (its confirmation is styled as destructive: see confirmStyles).
      const unconfirmed = [...document.querySelectorAll("main button")]
        .filter((b) => visible(b) && destructiveRe.test((b.getAttribute("aria-label") ?? b.textContent ?? "").trim()))
        .filter((b) => b.getAttribute("aria-haspopup") !== "dialog" && !b.closest("[role=dialog], [role=alertdialog]"))
        .map((b) => (b.getAttribute("aria-label") ?? b.textContent ?? "").trim());
      // At phone width the page itself never scrolls sideways (wide tables scroll in their own box)…
      const overflow = document.scrollingElement!.scrollWidth - window.innerWidth;
      // …and a table's row actions stay in view without scrolling it.
      const actionsOffScreen = [...document.querySelectorAll("main table")]
        .filter((t) => t.querySelector(":scope > thead th:last-child > .sr-only"))
        .flatMap((t) => [...t.querySelectorAll(":scope > tbody > tr > td:last-child button, :scope > tbody > tr > td:last-child a")])
        .filter((b) => visible(b) && (b.getBoundingClientRect().right > window.innerWidth + 1 || b.getBoundingClientRect().left < 0))
        .map((b) => (b.getAttribute("aria-label") ?? b.textContent ?? "").trim());
      return { ids, placeholders, unconfirmed, overflow, actionsOffScreen };
    },
    { uuid: UUID.source, destructive: DESTRUCTIVE.source },
  );
  expect.soft(found.ids, `${where}: ids shown as text instead of names`).toEqual([]);
  expect.soft(found.placeholders, `${where}: placeholders that do not look like placeholders`).toEqual([]);
  expect.soft(found.unconfirmed, `${where}: destructive buttons that do not ask first`).toEqual([]);
  expect.soft(found.overflow, `${where}: the page scrolls sideways`).toBeLessThanOrEqual(1);
  expect.soft(found.actionsOffScreen, `${where}: row actions out of view`).toEqual([]);
}

/** Every destructive button of the page (up to `most`) opens a confirmation whose action is styled as destructive. Returns how many it checked. */
export async function expectDestructiveConfirmation(page: Page, where: string, most = 8) {
  const triggers = page.locator("main button[aria-haspopup=dialog]:visible").filter({ hasText: DESTRUCTIVE });
  const count = Math.min(await triggers.count(), most);
  for (let i = 0; i < count; i++) {
    const trigger = triggers.nth(i);
    const name = (await trigger.textContent())?.trim();
    await trigger.click();
    const dialog = page.locator("[role=alertdialog], [role=dialog]");
    await expect(dialog, `${where}: “${name}” asks first`).toBeVisible();
    await expect.poll(() => destructiveButtonsIn(dialog), { message: `${where}: the confirmation of “${name}” is styled as destructive` }).toBe(1);
    await page.keyboard.press("Escape");
    await expect(dialog).toHaveCount(0);
  }
  return count;
}

/** How many buttons of `dialog` are painted in the theme's destructive colour (as people see them, not by class name). */
async function destructiveButtonsIn(dialog: Locator) {
  return dialog.locator("button").evaluateAll((buttons) => {
    const probe = document.createElement("div");
    document.body.append(probe);
    const colours = ["--destructive", "--destructive-hover"].map((variable) => {
      probe.style.backgroundColor = `var(${variable})`;
      return getComputedStyle(probe).backgroundColor;
    });
    probe.remove();
    return buttons.filter((button) => colours.includes(getComputedStyle(button).backgroundColor)).length;
  });
}
