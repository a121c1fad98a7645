import { expect, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

const mailbox = process.env.VQ_MAILBOX_URL ?? "http://127.0.0.1:51080";

/** A name no earlier run against the same receiver used. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

interface Mail {
  subject: string;
  text: string;
}

/** The token of the first mail to `to` whose text links to `path`, waiting up to 15 s. */
export async function linkToken(to: string, path: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await fetch(`${mailbox}/api/messages?to=${encodeURIComponent(to)}`);
    const mails = (await res.json()) as Mail[];
    for (const mail of mails) {
      const found = new RegExp(`${path}\\?token=([A-Za-z0-9_]+)`).exec(mail.text);
      if (found?.[1]) return found[1];
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${to} linking to ${path}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** No serious or critical accessibility violation on the page as it is now. */
export async function accessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join("; ")})`)).toEqual([]);
}

/** A screenshot for docs/console.md, when VQ_SCREENSHOTS names a folder. */
export async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.VQ_SCREENSHOTS;
  if (dir) await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
}
