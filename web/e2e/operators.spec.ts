// The operators' portal (/operators) against the real server, as the admin operator that
// scripts/console-test.sh provisions (its TOTP codes computed here): a wrong code refused in
// words, a tenant found and moved to another plan, a credit granted, last month billed and
// finalized, its invoice's PDF downloaded and its payment recorded, the tenant suspended (its
// owner's console says so) and resumed, a read-only look, the audit chain verified, signing out,
// and a session the server no longer knows sent back to sign-in. The owner then sees the invoice
// and downloads its PDF in Usage & billing.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { accessible, lastMonth, shot, signUpOwner, totp, unique } from "./helpers";

const operator = {
  email: process.env.VQ_OPERATOR_EMAIL ?? "",
  password: process.env.VQ_OPERATOR_PASSWORD ?? "",
  secret: process.env.VQ_OPERATOR_TOTP ?? "",
};
const ownerDb = process.env.VQ_OWNER_DB_URL ?? "";

/** SQL as the test database's owner (psql), to set a scene the API has no call for. */
function sql(statement: string): void {
  execFileSync("psql", ["-q", "-v", "ON_ERROR_STOP=1", "-d", ownerDb, "-c", statement], { stdio: "pipe" });
}

/** Downloads through `click` and checks both the API's answer and the saved file are a PDF. */
async function downloadsPdf(page: Page, button: Locator, path: RegExp): Promise<void> {
  const [response, download] = await Promise.all([
    page.waitForResponse((r) => path.test(new URL(r.url()).pathname)),
    page.waitForEvent("download"),
    button.click(),
  ]);
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toBe("application/pdf");
  expect(download.suggestedFilename()).toMatch(/\.pdf$/);
  // The file the browser saved is the answer's body, as the page got it.
  const saved = readFileSync(await download.path());
  expect(saved.subarray(0, 5).toString("latin1")).toBe("%PDF-");
  expect(saved.subarray(-8).toString("latin1")).toContain("%%EOF");
}

test("operators bill, suspend, resume and look at a tenant read-only, and verify their chain", async ({ page, browser }) => {
  test.skip(!operator.secret || !ownerDb, "needs the operator and database that scripts/console-test.sh provides");
  test.setTimeout(240_000);
  const period = lastMonth();

  // A tenant signed up now, backdated so that last month bills it.
  const owner = await browser.newContext();
  const ownerPage = await owner.newPage();
  const slug = unique("billed");
  const ownerEmail = `owner@${slug}.test`;
  await signUpOwner(ownerPage, slug, ownerEmail);
  sql(`update tenants set created_at = now() - interval '70 days' where slug = '${slug}'`);

  // A deep link asks for the operators' own sign-in; a wrong code is refused in words.
  await page.goto("/operators/audit");
  await expect(page).toHaveURL(/\/operators\/signin\?next=%2Foperators%2Faudit/);
  await expect(page.getByRole("heading", { name: "Operators' sign-in" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" })).toHaveCount(0);
  await accessible(page);
  await page.getByLabel("Email", { exact: true }).fill(operator.email);
  await page.getByLabel("Password", { exact: true }).fill(operator.password);
  await page.getByLabel("Code", { exact: true }).fill(totp(operator.secret, 10));
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("the email, the password or the code is not right");
  await expect(page.getByRole("alert")).toContainText("invalid_credentials");
  await page.getByLabel("Code", { exact: true }).fill(totp(operator.secret));
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Audit chain" })).toBeVisible();
  await expect(page).toHaveURL(/\/operators\/audit$/);
  await expect(page.getByLabel("Operator", { exact: true })).toHaveText(`${operator.email} · admin`);

  // Tenants, searched.
  const nav = page.getByRole("navigation", { name: "Operators" });
  await nav.getByRole("link", { name: "Tenants" }).click();
  await expect(page.getByRole("heading", { name: "Tenants" })).toBeVisible();
  await expect(page.getByRole("link", { name: slug })).toBeVisible();
  await accessible(page);
  await shot(page, "operators-tenants");
  await page.getByRole("searchbox").fill(ownerEmail);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page).toHaveURL(/\?q=owner%40/);
  await expect(page.getByRole("row")).toHaveCount(2);
  await page.getByRole("searchbox").fill("no-such-tenant-anywhere");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.getByText("No tenant matches “no-such-tenant-anywhere”.")).toBeVisible();
  await page.getByRole("searchbox").fill(slug);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.getByRole("link", { name: slug }).click();
  await expect(page.getByRole("heading", { name: `Tenant ${slug}` })).toBeVisible();
  const tenantUrl = page.url();
  const summary = page.getByRole("definition");
  await expect(summary.filter({ hasText: ownerEmail })).toBeVisible();
  await expect(summary.filter({ hasText: /^free$/ })).toBeVisible();
  await expect(page.getByText("No invoices yet.")).toBeVisible();
  await accessible(page);

  // A plan the server does not know is refused where it was typed; team is taken.
  const planForm = page.getByRole("form", { name: "Change plan" });
  await planForm.getByLabel("New plan").fill("gold");
  await planForm.getByLabel("Reason").fill("agreed on the phone");
  await planForm.getByRole("button", { name: "Change plan" }).click();
  await expect(planForm.getByRole("alert")).toContainText("no such plan");
  await planForm.getByLabel("New plan").fill("team");
  await planForm.getByRole("button", { name: "Change plan" }).click();
  await expect(planForm.getByText("Moved to the team plan.")).toBeVisible();
  await expect(summary.filter({ hasText: /^team$/ })).toBeVisible();

  const creditForm = page.getByRole("form", { name: "Grant a credit" });
  await creditForm.getByLabel("Amount").fill("10.00");
  await creditForm.getByLabel("Reason").fill("sorry for the outage");
  await creditForm.getByRole("button", { name: "Grant credit" }).click();
  await expect(creditForm.getByText("Granted a credit of 10.00.")).toBeVisible();
  await expect(page.getByRole("cell", { name: "sorry for the outage" })).toBeVisible();

  // Billing: this month cannot be finalized yet; last month is.
  await nav.getByRole("link", { name: "Billing runs" }).click();
  const run = page.getByRole("form", { name: "Run billing" });
  await expect(run.getByLabel("Period")).toHaveValue(period);
  await run.getByLabel("Period").fill(new Date().toISOString().slice(0, 7));
  await run.getByRole("checkbox", { name: /^Finalize/ }).check();
  await run.getByRole("button", { name: "Run billing" }).click();
  await expect(run.getByRole("alert")).toContainText("has not ended");
  await run.getByLabel("Period").fill(period);
  await run.getByRole("button", { name: "Run billing" }).click();
  const result = page.getByRole("region", { name: "Run summary" });
  await expect(result.getByRole("heading", { name: `Invoices for ${period}` })).toBeVisible();
  await expect(result.getByRole("definition").nth(1)).toHaveText(/^[1-9]\d*$/);
  await expect(result.getByText(/failed: see/)).toHaveCount(0);
  await accessible(page);

  // The invoice, back on the tenant's page (a deep link: the session is kept in this tab).
  await page.goto(tenantUrl);
  const invoice = page.getByRole("row").filter({ hasText: period });
  await expect(invoice).toContainText(/[A-Z]+-\d{4}-\d{6}/);
  await expect(invoice).toContainText("39.00");
  await expect(invoice).toContainText("final");
  const number = (/[A-Z]+-\d{4}-\d{6}/.exec((await invoice.textContent()) ?? "") ?? [""])[0];
  await downloadsPdf(page, invoice.getByRole("button", { name: `Download the PDF of invoice ${number}` }), /^\/ops\/v1\/invoices\/[^/]+\/pdf$/);
  const pay = page.getByRole("form", { name: `Record a payment of invoice ${number}` });
  await pay.getByLabel("Reference").fill("SEPA-2026-0042");
  await pay.getByRole("button", { name: "Record payment" }).click();
  await expect(invoice).toContainText("SEPA-2026-0042");
  await expect(invoice.getByText("paid", { exact: true })).toBeVisible();
  await expect(pay).toHaveCount(0);
  await accessible(page);
  await shot(page, "operators-tenant");

  // Suspended: the owner's console says so, in words; resumed, it works again.
  const suspend = page.getByRole("form", { name: "Suspend" });
  await suspend.getByLabel("Reason").fill("payment overdue");
  await suspend.getByRole("button", { name: "Suspend tenant" }).click();
  await expect(page.getByText(/since .*: payment overdue/)).toBeVisible();
  await expect(summary.getByText("suspended")).toBeVisible();
  await ownerPage.goto("/billing");
  const refused = ownerPage.locator('[data-code="tenant_suspended"]').first();
  await expect(refused).toBeVisible();
  await expect(ownerPage.getByRole("alert").filter({ hasText: /^Suspended: .*suspended/ })).toBeVisible();
  await accessible(ownerPage);
  const resume = page.getByRole("form", { name: "Resume" });
  await resume.getByLabel("Reason").fill("paid in full");
  await resume.getByRole("button", { name: "Resume tenant" }).click();
  await expect(page.getByText("Resumed: its keys and sessions work again.")).toBeVisible();
  await expect(summary.getByText("active")).toBeVisible();

  // A read-only look, through the tenants' API with the look's token.
  const look = page.getByRole("form", { name: "Start a read-only look" });
  await look.getByLabel("Reason").fill("ticket 4711: the owner asked");
  await look.getByRole("button", { name: "Look read-only" }).click();
  const seen = page.getByRole("region", { name: `Read-only look at ${slug}` });
  await expect(seen.getByText(/Reading as a viewer until/)).toBeVisible();
  await expect(seen.getByText("read-only", { exact: true })).toBeVisible();
  await expect(seen.getByRole("heading", { name: "Quotas (team plan)" })).toBeVisible();
  await expect(seen.getByText(/^configs: 0 of 2,000$/)).toBeVisible();
  await accessible(page);
  await seen.getByRole("button", { name: "End the look" }).click();
  await expect(seen).toHaveCount(0);

  // The owner's invoice: its total, credit and PDF, in Usage & billing.
  await ownerPage.goto("/billing");
  await expect(ownerPage.locator('[data-code="tenant_suspended"]')).toHaveCount(0);
  const owned = ownerPage.getByRole("row").filter({ hasText: number });
  await expect(owned).toContainText("39.00");
  await expect(owned).toContainText("−€10.00");
  await expect(owned.getByText("paid", { exact: true })).toBeVisible();
  await downloadsPdf(ownerPage, owned.getByRole("button", { name: `Download the PDF of invoice ${number}` }), /^\/v1\/invoices\/[^/]+\/pdf$/);
  await accessible(ownerPage);
  await shot(ownerPage, "billing");
  await owner.close();

  // The chain holds every action above.
  await nav.getByRole("link", { name: "Audit chain" }).click();
  for (const action of ["operator.login_failed", "operator.login", "tenant.plan_change", "credit.grant", "billing.finalize", "invoice.pay", "tenant.suspend", "tenant.resume", "impersonation.start"]) {
    await expect(page.getByRole("cell", { name: action, exact: true }).first()).toBeVisible();
  }
  await page.getByRole("button", { name: "Verify chain" }).click();
  await expect(page.getByText(/The chain holds \(\d+ entries recomputed\)\./)).toBeVisible();
  await accessible(page);
  await shot(page, "operators-audit");

  // Signing out forgets the token; a token the server no longer knows (401) comes back here.
  const stored = await page.evaluate(() => sessionStorage.getItem("vq-operator-session"));
  expect(stored).toContain("vqop_");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Operators' sign-in" })).toBeVisible();
  expect(await page.evaluate(() => sessionStorage.getItem("vq-operator-session"))).toBeNull();
  await page.evaluate((s) => sessionStorage.setItem("vq-operator-session", s ?? ""), stored);
  await page.goto("/operators");
  await expect(page.getByRole("heading", { name: "Operators' sign-in" })).toBeVisible();
  await expect(page.getByText("Your session ended: sign in again.")).toBeVisible();
  expect(await page.evaluate(() => sessionStorage.getItem("vq-operator-session"))).toBeNull();
});

test("the portal's pages load from a deep link and keep the tenants' navigation out", async ({ page }) => {
  await page.goto("/operators/tenants/00000000-0000-0000-0000-000000000000");
  await expect(page).toHaveURL(/\/operators\/signin\?next=/);
  await expect(page.getByRole("heading", { name: "Operators' sign-in" })).toBeVisible();
  await expect(page.getByRole("link", { name: "the console" })).toHaveAttribute("href", "/signin");
});

// Checked once against RFC 6238's SHA-1 vectors, so a failed sign-in above is not the helper's.
test("the TOTP helper matches RFC 6238", () => {
  const realNow = Date.now;
  try {
    const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // "12345678901234567890"
    for (const [at, code] of [
      [59, "287082"],
      [1111111109, "081804"],
      [1234567890, "005924"],
      [2000000000, "279037"],
    ] as const) {
      Date.now = () => at * 1000;
      expect(totp(secret)).toBe(code);
    }
  } finally {
    Date.now = realNow;
  }
});
