// The Hello World, entirely in the browser: sign up, verify through the real SMTP receiver,
// register a schema, declare a target, paste a config, bind it, and see a broken one refused with
// each error at its path. A reload keeps the session (the HttpOnly cookie), and every page is
// checked with axe-core.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test } from "@playwright/test";
import { accessible, linkToken, shot, unique } from "./helpers";

const examples = new URL("../../examples/", import.meta.url);
const read = (name: string) => readFileSync(new URL(name, examples), "utf8");

test("a new team does the Hello World in the console", async ({ page, context }) => {
  const slug = unique("hello");
  const email = `ada@${slug}.test`;

  await page.goto("/signup");
  await accessible(page);
  await shot(page, "signup");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill("correct horse battery");
  await page.getByLabel("Organisation slug", { exact: true }).fill(slug);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.getByRole("heading", { name: "Get started" })).toBeVisible();
  await expect(page.getByLabel("Organisation", { exact: true })).toHaveText(`${slug} · owner`);

  // The refresh token is a cookie the page cannot read.
  const cookies = await context.cookies();
  const refresh = cookies.find((c) => c.name === "vq_refresh");
  expect(refresh?.httpOnly).toBe(true);
  expect(refresh?.sameSite).toBe("Strict");
  expect(await page.evaluate(() => document.cookie)).not.toContain("vq_refresh");
  expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain("vqr_");

  // Verification through the real SMTP receiver.
  const token = await linkToken(email, "/verify");
  await page.goto(`/verify?token=${token}`);
  await expect(page.getByText("Your email is verified")).toBeVisible();
  await accessible(page);

  // A reload signs back in through the cookie.
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Get started" })).toBeVisible();
  await accessible(page);
  await shot(page, "get-started");

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Schemas" }).click();
  await expect(page).toHaveURL(/\/families$/);
  await page.getByLabel("Family", { exact: true }).fill("OpenAPI-Payments");
  await page.getByLabel("Version", { exact: true }).fill("2025-07");
  await page.getByLabel("Or upload a schema file", { exact: true }).setInputFiles(fileURLToPath(new URL("openapi_payments.json", examples)));
  await expect(page.getByLabel("JSON Schema", { exact: true })).toHaveValue(read("openapi_payments.json"));
  await page.getByRole("button", { name: "Check compatibility" }).click();
  await expect(page.getByText("Compatible: adding it would break nothing.")).toBeVisible();
  await page.getByRole("button", { name: "Register" }).click();
  await expect(page.getByRole("cell", { name: "OpenAPI-Payments" })).toBeVisible();
  // The family's own page: its versions, and a version's schema.
  await page.getByRole("link", { name: "OpenAPI-Payments" }).click();
  await expect(page.getByRole("heading", { name: "Family OpenAPI-Payments" })).toBeVisible();
  await expect(page.getByLabel("Schema 2025-07")).toContainText('"timeout_ms"');
  await accessible(page);
  await page.goBack();
  await expect(page).toHaveURL(/\/families$/);
  await accessible(page);
  await shot(page, "families");

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Targets" }).click();
  await page.getByLabel("Name", { exact: true }).fill("payment-api");
  await page.getByLabel("Version", { exact: true }).fill("3.2.1");
  await page.getByRole("button", { name: "Declare" }).click();
  await expect(page.getByText("Declared payment-api@3.2.1, reading OpenAPI-Payments 2025-07.")).toBeVisible();
  await accessible(page);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Configs" }).click();
  await expect(page.getByText("No config yet: paste one below.")).toBeVisible();
  await accessible(page);
  // Uploaded from a file: its text and its name fill the form.
  await page.getByLabel("Or upload a file", { exact: true }).setInputFiles(fileURLToPath(new URL("payment_service.yaml", examples)));
  await expect(page.getByLabel("Name (optional)", { exact: true })).toHaveValue("payment_service.yaml");
  await expect(page.getByLabel("Config (JSON or YAML)", { exact: true })).toHaveValue(read("payment_service.yaml"));
  await page.getByRole("button", { name: "Store revision" }).click();
  await expect(page.getByRole("heading", { name: "payment_service.yaml #1" })).toBeVisible();
  await page.getByLabel("Environment", { exact: true }).fill("prod-eu");
  await page.getByRole("button", { name: "Validate and bind" }).click();
  await expect(page.getByText(/Bound to prod-eu: payment-api@3.2.1 reads schema 2025-07/)).toBeVisible();
  await accessible(page);
  await shot(page, "config-bound");

  // A broken config is stored, and refused at bind time with every error at its path.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Configs" }).click();
  await page.getByLabel("Name (optional)", { exact: true }).fill("payment_service.yaml");
  await page.getByLabel("Config (JSON or YAML)", { exact: true }).fill(read("payment_service.broken.yaml"));
  await page.getByRole("button", { name: "Store revision" }).click();
  await expect(page.getByRole("heading", { name: "payment_service.yaml #2" })).toBeVisible();
  await page.getByLabel("Environment", { exact: true }).fill("prod-eu");
  await page.getByRole("button", { name: "Validate and bind" }).click();
  const problem = page.getByRole("alert");
  await expect(problem).toHaveAttribute("data-code", "config_invalid");
  const violations = problem.getByRole("list", { name: "Violations by path" });
  await expect(violations).toContainText("/features/max_rules");
  await expect(violations).toContainText("/timeout_ms");
  await accessible(page);
  await shot(page, "config-refused");

  // The two revisions of the lineage, side by side.
  await expect(page.getByRole("link", { name: "#1", exact: true })).toBeVisible();
  await page.getByRole("button", { name: "Compare" }).click();
  const diff = page.locator(".merge");
  await expect(diff).toContainText('"thirty-two"');
  await expect(diff).toContainText('"max_rules": 32');
  await expect(page.getByRole("heading", { name: "#1 → #2" })).toBeVisible();
  await accessible(page);
  await shot(page, "config-diff");

  // The binding in prod-eu is still the valid revision.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Bindings" }).click();
  await expect(page.getByRole("link", { name: "payment_service.yaml #1" })).toBeVisible();
  await accessible(page);

  // The audit log holds every step, and its chain verifies.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
  await page.getByRole("button", { name: "Verify the chain" }).click();
  await expect(page.getByText(/The chain holds/)).toBeVisible();
  await accessible(page);

  // Dark theme, then sign out: the cookie session is over.
  await page.getByRole("button", { name: /dark theme/i }).click();
  await accessible(page);
  await shot(page, "audit-dark");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.goto("/bindings");
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
});

test("a wrong password is shown in words with its code", async ({ page }) => {
  await page.goto("/signin");
  await page.getByLabel("Email", { exact: true }).fill(`nobody@${unique("nobody")}.test`);
  await page.getByLabel("Password", { exact: true }).fill("not the password at all");
  await page.getByRole("button", { name: "Sign in" }).click();
  const problem = page.getByRole("alert");
  await expect(problem).toHaveAttribute("data-code", "invalid_credentials");
  await accessible(page);
});
