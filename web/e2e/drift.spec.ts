// Drift in the heatmap: a forced deployment that breaks the bound config shows up in its cell,
// the cell explains why, the console rolls it back, and a pipeline's report shows up without a
// reload (the matrix is polled with its ETag).
import { expect, test } from "@playwright/test";
import { accessible, apiAs, go, mustSucceed, shot, signUpOwner, unique } from "./helpers";

test("a forced deployment drifts in the heatmap and is rolled back from the console", async ({ page }) => {
  const slug = unique("drift");
  await signUpOwner(page, slug, `owner@${slug}.test`);
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Get started" })).toBeVisible();
  const api = await apiAs(page);
  const made = mustSucceed(api);
  // svc 1.0.0 reads F v1 (any object); 2.0.0 reads v2, which needs `port`. The bound config has none.
  await made("POST", "/v1/families/F/schemas", { version: "v1", schema: { type: "object" } });
  await made("POST", "/v1/families/F/schemas", {
    version: "v2",
    compat: "NONE",
    schema: { type: "object", required: ["port"] },
  });
  await made("POST", "/v1/targets", { name: "svc", family: "F", version: "1.0.0", schema_version: "v1" });
  await made("POST", "/v1/targets", { name: "svc", family: "F", version: "2.0.0", schema_version: "v2" });
  const config = await api("POST", "/v1/configs", { target: "svc@1.0.0", content: '{"name": "svc"}' });
  await made("POST", "/v1/bindings", { config_id: (config.body as { id: string }).id, env: "prod" });
  await made("PUT", "/v1/envs/prod/targets/svc/version", { version: "1.0.0" });

  await go(page, "Drift");
  const cell = page.getByRole("gridcell").getByRole("button", { name: /^svc in prod/ });
  await expect(cell).toHaveAccessibleName("svc in prod: no drift");
  await accessible(page);

  // The deployment that breaks the bound config: planned, refused, forced.
  await go(page, "Deployments");
  await page.getByLabel("Environment", { exact: true }).fill("prod");
  await page.getByLabel("Target", { exact: true }).fill("svc");
  await page.getByRole("button", { name: "Show" }).click();
  await page.getByLabel("Version", { exact: true }).fill("2.0.0");
  await page.getByRole("button", { name: "Plan", exact: true }).click();
  await expect(page.getByRole("status", { name: "Plan" })).toContainText("It would break something");
  await page.getByRole("button", { name: "Apply", exact: true }).click();
  await expect(page.getByRole("status", { name: "Refused" })).toBeVisible();
  await page.getByRole("button", { name: "Apply anyway (force)" }).click();
  await expect(page.getByRole("status", { name: "Deployment" })).toContainText("Applied by force.");
  await expect(page.getByRole("cell", { name: "forced" })).toBeVisible();
  await accessible(page);

  // The heatmap shows it, and the cell says why.
  await go(page, "Drift");
  await expect(cell).toHaveAccessibleName("svc in prod: schema drift");
  // By keyboard: the grid is one Tab stop; Enter opens the focused cell's explanation.
  await page.getByRole("gridcell", { name: "svc in prod: schema drift" }).focus();
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("gridcell", { name: "svc in prod: schema drift" })).toBeFocused();
  await page.keyboard.press("Enter");
  const why = page.getByRole("list", { name: "Why it drifts" });
  await expect(why).toBeVisible();
  await expect(page.getByRole("complementary")).toContainText("2.0.0");
  await accessible(page);
  await shot(page, "drift");

  // Rolled back from the console: planned, then applied.
  await page.getByRole("link", { name: "Set the version or roll back" }).click();
  await page.getByRole("button", { name: "Plan rollback" }).click();
  await expect(page.getByRole("status", { name: "Rollback plan" })).toContainText("1.0.0");
  await page.getByRole("button", { name: "Roll back now" }).click();
  await expect(page.getByRole("status", { name: "Rolled back" })).toBeVisible();
  await shot(page, "deployments");
  await go(page, "Drift");
  await expect(cell).toHaveAccessibleName("svc in prod: no drift");

  // A pipeline reports another version running: the open heatmap shows it, no reload.
  await made("POST", "/v1/envs/prod/observations", { target: "svc", version: "2.0.0" });
  await expect(cell).toHaveAccessibleName(/environment/, { timeout: 15_000 });

  // The first-run guide counts the deployment as done.
  await go(page, "Get started");
  await expect(page.getByRole("listitem").filter({ hasText: "Set what runs where" })).toContainText("done");
  await go(page, "Drift");

  // Filters are part of the URL.
  await page.getByRole("checkbox", { name: "environment" }).uncheck();
  await expect(page).toHaveURL(/dims=schema%2Cdependency%2Cconfig/);
  await expect(cell).toHaveAccessibleName("svc in prod: no drift");
});
