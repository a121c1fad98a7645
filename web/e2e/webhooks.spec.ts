// Webhooks in the console: an endpoint added (its secret shown once), a test message received by
// a real HTTP receiver on loopback and verified, a delivery's attempts read, a replay queued; a
// member's digest chosen.
import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { accessible, go, shot, signUpOwner, unique } from "./helpers";

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver that answers 204 and keeps what it got. */
async function receiver(): Promise<{ url: string; got: Delivery[]; close: () => void }> {
  const got: Delivery[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, got, close: () => server.close() };
}

/** Standard Webhooks: `v1,` base64 HMAC-SHA256 of `id.timestamp.body` under the secret's bytes. */
function signed(secret: string, d: Delivery): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key)
    .update(`${String(d.headers["webhook-id"])}.${String(d.headers["webhook-timestamp"])}.${d.body}`)
    .digest("base64");
  return String(d.headers["webhook-signature"]).split(" ").includes(`v1,${expected}`);
}

test("an endpoint gets a signed test message, its deliveries and attempts show, digests are chosen", async ({ page }) => {
  const rx = await receiver();
  try {
    const slug = unique("hooks");
    const email = `owner@${slug}.test`;
    await signUpOwner(page, slug, email);
    await page.goto("/");
    await go(page, "Webhooks");
    await expect(page.getByText("No endpoints yet")).toBeVisible();
    await expect(page.getByText("Nobody gets a digest.")).toBeVisible();
    await accessible(page);

    // A refused address is explained where it was typed.
    await page.getByLabel("Endpoint URL", { exact: true }).fill("http://169.254.169.254/latest");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await expect(page.getByText(/public addresses only/)).toBeVisible();

    await page.getByLabel("Endpoint URL", { exact: true }).fill(rx.url);
    await page.getByLabel("Event types", { exact: true }).fill("environment.*, drift.changed");
    await page.getByLabel("Description", { exact: true }).fill("the pager");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const secret = (await page.getByLabel("The signing secret").textContent()) ?? "";
    expect(secret).toMatch(/^whsec_/);
    await expect(page.getByRole("link", { name: rx.url })).toBeVisible();
    await expect(page.getByLabel("Endpoint URL", { exact: true })).toHaveValue("");

    // The test message arrives, signed with that secret.
    await expect.poll(() => rx.got.length, { timeout: 15_000 }).toBeGreaterThan(0);
    const first = rx.got[0];
    if (!first) throw new Error("no delivery");
    expect(JSON.parse(first.body)).toMatchObject({ type: "webhook.test" });
    expect(signed(secret, first)).toBe(true);
    expect(signed("whsec_" + Buffer.alloc(32, 1).toString("base64"), first)).toBe(false);
    await shot(page, "webhooks");

    await page.getByRole("link", { name: rx.url }).click();
    await expect(page.getByRole("heading", { name: "Deliveries" })).toBeVisible();
    await expect(page.getByRole("cell", { name: "delivered" })).toBeVisible({ timeout: 15_000 });
    const attempts = page.getByRole("button", { name: /^Attempts of delivery/ });
    await attempts.first().click();
    await expect(page.getByText(/succeeded \(HTTP 204\)/)).toBeVisible();
    await page.getByRole("button", { name: /^Resend delivery/ }).first().click();
    await expect.poll(() => rx.got.length, { timeout: 15_000 }).toBeGreaterThan(1);
    expect(rx.got[1]?.headers["webhook-id"]).toBe(first.headers["webhook-id"]);
    await expect(page.getByText("Request failed")).toHaveCount(0);
    await accessible(page);
    await shot(page, "webhook-deliveries");

    await page.getByLabel("Since", { exact: true }).fill("2020-01-01T00:00");
    await page.getByRole("button", { name: "Replay", exact: true }).click();
    await expect(page.getByText(/Queued \d+ deliveries again/)).toBeVisible();

    await page.getByRole("link", { name: "All endpoints" }).click();
    await page.getByLabel("Every", { exact: true }).selectOption("hourly");
    await page.getByRole("button", { name: "Send digests" }).click();
    await expect(page.getByRole("cell", { name: email, exact: true })).toBeVisible();
    await page.getByRole("button", { name: `Disable ${rx.url}` }).click();
    await expect(page.getByText("disabled (manual)")).toBeVisible();
    await page.getByRole("button", { name: `Enable ${rx.url}` }).click();
    await expect(page.getByRole("button", { name: `Disable ${rx.url}` })).toBeVisible();
  } finally {
    rx.close();
  }
});
