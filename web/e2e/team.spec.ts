// A team forms in the browser: the owner invites a viewer, who accepts in a second browser (a
// context of its own: its own cookies), sees no write actions, and is refused by the API when
// trying anyway. API keys are created (shown once, limited to an environment) and revoked.
import { expect, test } from "@playwright/test";
import { accessible, apiAs, go, linkToken, shot, signUpOwner, unique } from "./helpers";

test("an invite is accepted in a second browser and a viewer cannot write", async ({ page, browser }) => {
  const slug = unique("team");
  await signUpOwner(page, slug, `owner@${slug}.test`);
  await page.goto("/");
  await go(page, "Team");
  const viewerEmail = `vera@${slug}.test`;
  await page.getByLabel("Email to invite", { exact: true }).fill(viewerEmail);
  await page.getByLabel("Role", { exact: true }).selectOption("viewer");
  await page.getByRole("button", { name: "Send invite" }).click();
  await expect(page.getByText(`Invited ${viewerEmail}`)).toBeVisible();
  await expect(page.getByRole("cell", { name: "pending" })).toBeVisible();
  await accessible(page);
  await shot(page, "team");

  // A resent invite: a new link, and only the new one works.
  await page.getByRole("button", { name: `Resend invite to ${viewerEmail}` }).click();
  await expect(page.getByText(`A new link is on its way to ${viewerEmail}`)).toBeVisible();
  const token = await linkToken(viewerEmail, "/invites/accept", 2);
  const other = await browser.newContext();
  const viewer = await other.newPage();
  await viewer.goto(`/invites/accept?token=${token}`);
  await accessible(viewer);
  await viewer.getByLabel("Password", { exact: true }).fill("another long passphrase");
  await viewer.getByRole("button", { name: "Create account and join" }).click();
  await expect(viewer.getByRole("heading", { name: "Get started" })).toBeVisible();
  await expect(viewer.getByLabel("Organisation")).toHaveText(`${slug} · viewer`);

  // No write action is offered to a viewer, nor what only admins may see.
  const nav = viewer.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Schemas" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Audit log" })).toHaveCount(0);
  await expect(nav.getByRole("link", { name: "API keys" })).toHaveCount(0);
  await go(viewer, "Schemas");
  await expect(viewer.getByRole("heading", { name: "Schema families" })).toBeVisible();
  await expect(viewer.getByRole("button", { name: "Register" })).toHaveCount(0);
  await go(viewer, "Targets");
  await expect(viewer.getByRole("button", { name: "Declare" })).toHaveCount(0);
  await go(viewer, "Team");
  await expect(viewer.getByRole("button", { name: "Send invite" })).toHaveCount(0);
  await accessible(viewer);

  // Trying anyway, with the viewer's own session: the API refuses.
  const asViewer = await apiAs(viewer);
  const refused = await asViewer("POST", "/v1/targets", { name: "sneaky", family: "F", version: "1.0.0" });
  expect(refused.status).toBe(403);
  expect((refused.body as { code: string }).code).toBe("forbidden");
  await other.close();

  // The owner sees the new member, and the invite accepted.
  await page.reload();
  await expect(page.getByRole("combobox", { name: `Role of ${viewerEmail}` })).toHaveValue("viewer");
  await expect(page.getByRole("cell", { name: "accepted" })).toBeVisible();
});

test("an API key is shown once, limited to an environment, and revoked", async ({ page }) => {
  const slug = unique("keys");
  await signUpOwner(page, slug, `owner@${slug}.test`);
  await page.goto("/");
  await go(page, "API keys");
  await expect(page.getByText("No API keys yet.")).toBeVisible();
  await page.getByLabel("Key name", { exact: true }).fill("ci-staging");
  await page.getByLabel("Scope", { exact: true }).selectOption("write");
  await page.getByLabel("Environments (optional)", { exact: true }).fill("staging");
  await page.getByRole("button", { name: "Create key" }).click();
  const key = page.getByLabel("The new API key");
  await expect(key).toHaveText(/^vq_/);
  await expect(page.getByRole("cell", { name: "staging", exact: true })).toBeVisible();
  await accessible(page);
  await shot(page, "api-keys");
  // Gone after a reload: it was shown once.
  await page.reload();
  await expect(page.getByLabel("The new API key")).toHaveCount(0);
  await page.getByRole("button", { name: "Revoke ci-staging" }).click();
  await expect(page.getByText("No API keys yet.")).toBeVisible();
});
