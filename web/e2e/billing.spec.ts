// Usage & billing in the console, as a new organisation's owner: quotas against the free plan's
// limits, a month's totals picked, the month's SLA, no invoices yet, and a move to the team plan
// through its confirm step. (Invoices with PDFs are in operators.spec.ts: an operator bills them.)
import { expect, test } from "@playwright/test";
import { accessible, apiAs, go, lastMonth, linkToken, mustSucceed, signUpOwner, unique } from "./helpers";

test("an owner sees quotas, the month's usage and SLA, and moves to the team plan", async ({ page }) => {
  const slug = unique("bill");
  await signUpOwner(page, slug, `owner@${slug}.test`);
  await page.goto("/");
  await go(page, "Usage & billing");
  await expect(page.getByRole("heading", { name: "Usage & billing", level: 1 })).toBeVisible();

  // Quotas as labelled bars: used of the free plan's limits.
  await expect(page.getByText("free plan", { exact: true })).toBeVisible();
  const configs = page.getByRole("progressbar", { name: "Configs" });
  await expect(configs).toHaveAttribute("max", "100");
  await expect(configs).toHaveAttribute("aria-valuetext", "0 of 100 (0%)");
  await expect(page.getByRole("progressbar", { name: "Seats (members and open invites)" })).toHaveAttribute("aria-valuetext", "1 of 5 (20%)");
  await expect(page.getByRole("progressbar", { name: "API calls this month" })).toHaveAttribute("max", "1000000");

  // This month's totals count the calls the console just made; last month had none.
  await expect(page.getByRole("heading", { name: /^Usage in \d{4}-\d{2}$/ })).toBeVisible();
  await expect(page.getByRole("cell", { name: /API reads/ })).toBeVisible();
  await page.getByLabel("Month", { exact: true }).fill(lastMonth());
  await expect(page.getByRole("heading", { name: `Usage in ${lastMonth()}` })).toBeVisible();
  await expect(page.getByText(`Nothing metered in ${lastMonth()}.`)).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`month=${lastMonth()}`));
  await page.getByRole("button", { name: "This month" }).click();
  await expect(page.getByRole("cell", { name: /API reads/ })).toBeVisible();

  // The month's SLA: the free plan promises none.
  const sla = page.getByRole("definition").filter({ hasText: "none on this plan" });
  await expect(sla).toBeVisible();
  await expect(page.getByText(/minutes so far/)).toBeVisible();

  // Owners see invoices (none yet) and the plans with the current one marked.
  await expect(page.getByText("No invoices yet")).toBeVisible();
  await expect(page.getByRole("rowheader", { name: /free.*current/ })).toBeVisible();
  await expect(page.getByRole("rowheader", { name: /enterprise.*set up with us/ })).toBeVisible();
  await accessible(page);

  // A plan change asks first, and can be called off.
  const choice = page.getByLabel("New plan", { exact: true });
  await expect(choice.locator("option")).toHaveText(["choose a plan…", /^team/]);
  await choice.selectOption("team");
  await page.getByRole("button", { name: "Change plan…" }).click();
  await expect(page.getByText(/Move from the free plan to the team plan/)).toBeVisible();
  await expect(page.getByRole("button", { name: "Move to team" })).toBeFocused();
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByText(/Move from the free plan/)).toHaveCount(0);
  await expect(page.getByRole("rowheader", { name: /free.*current/ })).toBeVisible();

  await choice.selectOption("team");
  await page.getByRole("button", { name: "Change plan…" }).click();
  await page.keyboard.press("Enter");
  await expect(page.getByText("You are on the team plan now.")).toBeVisible();
  await expect(page.getByRole("rowheader", { name: /team.*current/ })).toBeVisible();
  await expect(page.getByText("team plan", { exact: true })).toBeVisible();
  await expect(configs).toHaveAttribute("max", "2000");
  await expect(page.getByText(/used · unlimited/)).toBeVisible();
  await expect(page.getByRole("definition").filter({ hasText: "99.9%" }).first()).toBeVisible();
  await accessible(page);
});

test("an admin reads usage and plans but is offered neither invoices nor a plan change", async ({ page, browser }) => {
  const slug = unique("billadm");
  await signUpOwner(page, slug, `owner@${slug}.test`);
  const adminEmail = `ada@${slug}.test`;
  await mustSucceed(await apiAs(page))("POST", "/v1/invites", { email: adminEmail, role: "admin" });
  const token = await linkToken(adminEmail, "/invites/accept");
  const other = await browser.newContext();
  const admin = await other.newPage();
  await admin.goto(`/invites/accept?token=${token}`);
  await admin.getByLabel("Password", { exact: true }).fill("another long passphrase");
  await admin.getByRole("button", { name: "Create account and join" }).click();
  await expect(admin.getByLabel("Organisation")).toHaveText(`${slug} · admin`);

  await go(admin, "Usage & billing");
  await expect(admin.getByRole("progressbar", { name: "Configs" })).toBeVisible();
  await expect(admin.getByRole("heading", { name: "Plans" })).toBeVisible();
  await expect(admin.getByText("Only the organisation's owners change its plan.")).toBeVisible();
  await expect(admin.getByLabel("New plan", { exact: true })).toHaveCount(0);
  await expect(admin.getByRole("heading", { name: "Invoices" })).toHaveCount(0);
  await accessible(admin);
  // The server decides all the same: invoices are the owners'.
  const refused = await (await apiAs(admin))("GET", "/v1/invoices");
  expect(refused.status).toBe(403);
  await other.close();
});
