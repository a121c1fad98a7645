// The lens editor: a live preview on a sample as you type (valid, then broken at a path), a dry
// run on the bound configs, then saving.
import { expect, test } from "@playwright/test";
import { accessible, apiAs, go, shot, signUpOwner, unique } from "./helpers";

test("a lens is written with a live preview and saved", async ({ page }) => {
  const slug = unique("lens");
  await signUpOwner(page, slug, `owner@${slug}.test`);
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Get started" })).toBeVisible();
  const api = await apiAs(page);
  for (const [version, schema] of [
    ["v1", { type: "object", properties: { timeout: { type: "integer" } } }],
    ["v2", { type: "object", required: ["timeout_ms"], properties: { timeout_ms: { type: "integer" } } }],
  ] as const) {
    const r = await api("POST", "/v1/families/Payments/schemas", { version, schema, compat: "NONE" });
    expect(r.status).toBe(201);
  }
  await go(page, "Migrations");
  await expect(page.getByLabel("From version")).toHaveValue("v1");
  await expect(page.getByLabel("To version")).toHaveValue("v2");
  // The starter lens renames timeout to timeout_ms: the preview shows the output, valid for v2.
  await expect(page.getByLabel("Preview output")).toContainText('"timeout_ms": 30');
  await expect(page.getByText("Valid for v2.")).toBeVisible();
  await accessible(page);
  await shot(page, "migrations");

  // A lens that renames to the wrong key: the preview shows where v2 breaks, as you type.
  await page.getByLabel("Lens", { exact: true }).fill("lens:\n  - rename: { source: timeout, destination: wait }\n");
  await expect(page.getByLabel("Preview output")).toContainText('"wait": 30');
  await expect(page.getByRole("list", { name: "Preview violations" })).toContainText("timeout_ms");

  await page.getByLabel("Lens", { exact: true }).fill("lens:\n  - rename: { source: timeout, destination: timeout_ms }\n");
  await expect(page.getByText("Valid for v2.")).toBeVisible();
  await page.getByRole("button", { name: "Dry run on bound configs" }).click();
  await expect(page.getByText("Dry run. 0 bound config(s) checked, 0 would fail.")).toBeVisible();
  await page.getByRole("button", { name: "Save migration" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  await expect(page.getByRole("cell", { name: "lens" })).toBeVisible();
});
