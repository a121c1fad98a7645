import { createHmac } from "node:crypto";
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

/** The token of the newest mail to `to` whose text links to `path` (at least `count` such mails),
 *  waiting up to 15 s. */
export async function linkToken(to: string, path: string, count = 1): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await fetch(`${mailbox}/api/messages?to=${encodeURIComponent(to)}`);
    const mails = ((await res.json()) as Mail[]).filter((m) => m.text.includes(`${path}?token=`));
    for (const mail of mails.length >= count ? [...mails].reverse() : []) {
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

/** Signs a new organisation up in the browser and verifies its owner through the mailbox. */
export async function signUpOwner(page: Page, slug: string, email: string): Promise<void> {
  await page.goto("/signup");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill("correct horse battery");
  await page.getByLabel("Organisation slug", { exact: true }).fill(slug);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.getByRole("heading", { name: "Get started" })).toBeVisible();
  const token = await linkToken(email, "/verify");
  await page.goto(`/verify?token=${token}`);
  await expect(page.getByText("Your email is verified")).toBeVisible();
}

/** Navigates with the main navigation, as a person would. */
export async function go(page: Page, link: string): Promise<void> {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: link, exact: true }).click();
}

/** Calls the API as the page's signed-in person (its cookie session, renewed for the test). */
export async function apiAs(page: Page): Promise<(method: string, path: string, body?: unknown) => Promise<{ status: number; body: unknown }>> {
  // Under the console's own lock: a refresh token presented twice ends every session.
  const token = await page.evaluate(() =>
    navigator.locks.request("versiqii-session-refresh", async () => {
      const csrf = document.cookie.split("; ").find((c) => c.startsWith("vq_csrf="))?.slice(8) ?? "";
      const renewed = await fetch("/v1/auth/cookie/refresh", { method: "POST", headers: { "X-CSRF-Token": csrf } });
      return ((await renewed.json()) as { access_token: string }).access_token;
    }),
  );
  return async (method, path, body) => {
    const res = await page.request.fetch(path, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      data: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status(), body: text ? (JSON.parse(text) as unknown) : null };
  };
}

/** A call as the page's person that must succeed (2xx): for setting a scene before the test. */
export function mustSucceed(api: Awaited<ReturnType<typeof apiAs>>) {
  return async (method: string, path: string, body: unknown): Promise<void> => {
    const r = await api(method, path, body);
    expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
  };
}

/** RFC 4648 base32 (no padding needed), as authenticator apps read TOTP secrets. */
function base32(text: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of text.replace(/=+$/, "").toUpperCase()) {
    const i = alphabet.indexOf(c);
    if (i < 0) throw new Error(`not base32: ${c}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The RFC 6238 code (HMAC-SHA1, 30 s steps, 6 digits) of `secret`, `offset` steps from now. */
export function totp(secret: string, offset = 0): string {
  const step = Math.floor(Date.now() / 1000 / 30) + offset;
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", base32(secret)).update(counter).digest();
  const at = (mac[mac.length - 1] ?? 0) & 0x0f;
  const code = (mac.readUInt32BE(at) & 0x7fffffff) % 1_000_000;
  return code.toString().padStart(6, "0");
}

/** The month before this one (UTC), as `2026-10`. */
export function lastMonth(): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
}
