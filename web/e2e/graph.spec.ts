// The version graph: versions and their constraints laid out, what runs where, the impact of a
// move drawn on the selected version, and a constraint that would close a cycle refused with it.
import { expect, test } from "@playwright/test";
import { accessible, apiAs, go, mustSucceed, shot, signUpOwner, unique } from "./helpers";

test("the version graph shows what runs where and what a move would break", async ({ page }) => {
  const slug = unique("graph");
  await signUpOwner(page, slug, `owner@${slug}.test`);
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Get started" })).toBeVisible();
  const api = await apiAs(page);
  const made = mustSucceed(api);
  await made("POST", "/v1/families/F/schemas", { version: "v1", schema: { type: "object" } });
  for (const [name, version] of [["svc", "1.0.0"], ["svc", "2.0.0"], ["auth", "1.0.0"], ["auth", "2.0.0"]]) {
    await made("POST", "/v1/targets", { name, family: "F", version });
  }
  await made("POST", "/v1/constraints", { from: "svc@2.0.0", kind: "requires", target: "auth", range: ">=2" });
  await made("PUT", "/v1/envs/prod/targets/auth/version", { version: "1.0.0" });
  await made("PUT", "/v1/envs/prod/targets/svc/version", { version: "1.0.0" });

  await go(page, "Version graph");
  const graph = page.getByRole("region", { name: "Graph of versions" });
  await expect(graph.getByText("svc@1.0.0 · prod")).toBeVisible();
  await expect(graph.getByText("auth@1.0.0 · prod")).toBeVisible();
  await expect(graph.getByText("requires >=2")).toBeVisible();

  // svc to 2.0.0 needs auth >= 2, and prod runs auth 1.0.0.
  await graph.getByRole("group", { name: "Version svc@2.0.0", exact: true }).click();
  await expect(page.getByRole("heading", { name: "If svc goes to 2.0.0" })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "It breaks something in prod." })).toBeVisible();
  await expect(page.getByRole("list", { name: "Impact by environment" })).toContainText("prod");
  await accessible(page);
  await shot(page, "graph");

  // A constraint back from auth to svc would close a cycle: refused, the cycle named.
  await page.getByLabel("From version", { exact: true }).selectOption("auth@2.0.0");
  await page.getByLabel("Target", { exact: true }).fill("svc");
  await page.getByLabel("Range", { exact: true }).fill(">=1");
  await page.getByRole("button", { name: "Add constraint" }).click();
  const problem = page.getByRole("alert");
  await expect(problem).toHaveAttribute("data-code", "constraint_cycle");
  await expect(problem).toContainText("svc");
});
