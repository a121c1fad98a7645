// An account's own pages: organisations created and switched, a forgotten password reset from the
// mail (every session ends), and the audit log filtered.
import { expect, test } from "@playwright/test";
import { accessible, go, linkToken, signUpOwner, unique } from "./helpers";

test("organisations are created and switched, and a forgotten password is reset from the mail", async ({ page }) => {
  const slug = unique("acct");
  const email = `owner@${slug}.test`;
  await signUpOwner(page, slug, email);
  await page.goto("/");
  await go(page, "Organisations");
  await expect(page.getByRole("cell", { name: "current" })).toBeVisible();
  await accessible(page);
  const second = `${slug}-labs`;
  await page.getByLabel("Slug", { exact: true }).fill(second);
  await page.getByRole("button", { name: "Create", exact: true }).click();
  await expect(page.getByLabel("Organisation", { exact: true })).toHaveText(`${second} · owner`);
  await page.getByRole("button", { name: `Switch to ${slug}`, exact: true }).click();
  await expect(page.getByLabel("Organisation", { exact: true })).toHaveText(`${slug} · owner`);

  // The audit log, filtered by action.
  await go(page, "Audit log");
  await page.getByLabel("Action").selectOption("session.switch");
  await expect(page).toHaveURL(/action=session.switch/);
  await expect(page.getByRole("cell", { name: "session.switch" })).toHaveCount(1);
  await expect(page.getByRole("cell", { name: "tenant.create" })).toHaveCount(0);
  await accessible(page);

  // Forgotten password: the link from the mail, a new password, every session over.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await accessible(page);
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByRole("button", { name: "Send a reset link" }).click();
  await expect(page.getByText("If an account has this email, a reset link is on its way.")).toBeVisible();
  const token = await linkToken(email, "/reset");
  await page.goto(`/reset?token=${token}`);
  await accessible(page);
  await page.getByLabel("New password", { exact: true }).fill("a brand new passphrase");
  await page.getByRole("button", { name: "Set the password" }).click();
  await expect(page.getByText("Your password is changed and every session ended.")).toBeVisible();
  await page.getByRole("link", { name: "Sign in" }).click();
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill("correct horse battery");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveAttribute("data-code", "invalid_credentials");
  await page.getByLabel("Password", { exact: true }).fill("a brand new passphrase");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Get started" })).toBeVisible();
});
