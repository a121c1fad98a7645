// A schema that breaks its family's compatibility level: refused, the report shown in words, and
// each break marked at its path in the schema that was sent.
import { expect, test } from "@playwright/test";
import { accessible, go, shot, signUpOwner, unique } from "./helpers";

test("an incompatible schema is refused with each break marked at its path", async ({ page }) => {
  const slug = unique("compat");
  await signUpOwner(page, slug, `owner@${slug}.test`);
  await page.goto("/");
  await go(page, "Schemas");
  const register = async (version: string, schema: unknown) => {
    await page.getByLabel("Family", { exact: true }).fill("Orders");
    await page.getByLabel("Version", { exact: true }).fill(version);
    await page.getByLabel("JSON Schema", { exact: true }).fill(JSON.stringify(schema, null, 2));
    await page.getByRole("button", { name: "Register" }).click();
  };
  await register("v1", { type: "object", properties: { id: { type: "string" } } });
  await expect(page.getByRole("cell", { name: "Orders" })).toBeVisible();
  // v2 requires a property v1 configs may lack: not BACKWARD compatible.
  await register("v2", { type: "object", required: ["region"], properties: { id: { type: "string" }, region: { type: "string" } } });
  const problem = page.getByRole("alert");
  await expect(problem).toHaveAttribute("data-code", "schema_incompatible");
  await expect(problem.getByRole("list", { name: "Breaks by path" })).toContainText("/region");
  await expect(problem.getByRole("list", { name: "Breaks by path" })).toContainText("required-added");
  const marked = problem.locator("mark[data-pointer='/region']");
  await expect(marked).toContainText('"region"');
  await expect(problem.locator("mark")).toHaveCount(1);
  await accessible(page);
  await shot(page, "schema-refused");
});
