// Environments: created in the console, and an observation reported by hand shows in the heatmap.
import { expect, test } from "@playwright/test";
import { accessible, apiAs, go, signUpOwner, unique } from "./helpers";

test("an environment is created and a reported version shows as drift", async ({ page }) => {
  const slug = unique("envs");
  await signUpOwner(page, slug, `owner@${slug}.test`);
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Get started" })).toBeVisible();
  const api = await apiAs(page);
  expect((await api("POST", "/v1/families/F/schemas", { version: "v1", schema: { type: "object" } })).status).toBe(201);
  for (const version of ["1.0.0", "1.1.0"]) {
    expect((await api("POST", "/v1/targets", { name: "svc", family: "F", version })).status).toBe(201);
  }
  expect((await api("PUT", "/v1/envs/qa/targets/svc/version", { version: "1.1.0" })).status).toBe(200);

  await go(page, "Environments");
  await expect(page.getByRole("cell", { name: "qa", exact: true })).toBeVisible();
  await page.getByLabel("Name", { exact: true }).fill("staging");
  await page.getByRole("button", { name: "Create", exact: true }).click();
  await expect(page.getByRole("cell", { name: "staging", exact: true })).toBeVisible();
  await accessible(page);

  await page.getByLabel("In environment", { exact: true }).fill("qa");
  await page.getByLabel("Target running", { exact: true }).fill("svc");
  await page.getByLabel("Version running", { exact: true }).fill("1.0.0");
  await page.getByRole("button", { name: "Report" }).click();
  await expect(page.getByText("Recorded: svc 1.0.0 runs in qa.")).toBeVisible();

  await page.getByRole("link", { name: "Drift in qa" }).click();
  await expect(page).toHaveURL(/\/drift\?env=qa/);
  await expect(page.getByRole("gridcell", { name: "svc in qa: environment drift" })).toBeVisible();
});
