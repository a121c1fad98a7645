// Every contract format from the console: an Avro family and a Protobuf family registered from
// the same form as JSON Schema ones, a readable refusal when a .proto file's config message is
// ambiguous, and the family page showing the format, the message and the files.
import { expect, test } from "@playwright/test";
import { accessible, go, shot, signUpOwner, unique } from "./helpers";

const AVSC = JSON.stringify(
  {
    type: "record",
    name: "acme.Payments",
    fields: [
      { name: "timeout", type: "int" },
      { name: "region", type: ["null", "string"], default: null },
    ],
  },
  null,
  2,
);
const PROTO = `syntax = "proto3";
package acme;
message Svc {
  int32 replicas = 1;
  string image = 2;
}
message Unused {
  string x = 1;
}
`;

test("Avro and Protobuf families are registered and shown like JSON Schema ones", async ({ page }) => {
  const slug = unique("contracts");
  await signUpOwner(page, slug, `owner@${slug}.test`);
  await page.goto("/");
  await go(page, "Schemas");
  const form = page.getByRole("form", { name: "Register a schema version" });

  await form.getByLabel("Family", { exact: true }).fill("Payments");
  await form.getByLabel("Version", { exact: true }).fill("1");
  await form.getByLabel("Format", { exact: true }).selectOption("avro");
  await form.getByLabel("Avro schema (.avsc)", { exact: true }).fill(AVSC);
  await form.getByRole("button", { name: "Register" }).click();
  await expect(form.getByRole("status")).toHaveText("Schema version stored.");
  await expect(page.getByRole("row", { name: /Payments/ })).toContainText("Avro");

  await form.getByLabel("Family", { exact: true }).fill("Svc");
  await form.getByLabel("Format", { exact: true }).selectOption("protobuf");
  await form.getByLabel("Main .proto file", { exact: true }).fill(PROTO);
  await form.getByRole("button", { name: "Register" }).click();
  // Two messages and none named: the console says which to choose.
  await expect(form.getByRole("alert")).toContainText("acme.Svc, acme.Unused");
  await form.getByLabel("Config message", { exact: true }).fill("acme.Svc");
  await form.getByRole("button", { name: "Register" }).click();
  await expect(form.getByRole("status")).toHaveText("Schema version stored.");
  await expect(page.getByRole("row", { name: /Svc/ })).toContainText("Protobuf");
  await accessible(page);
  await shot(page, "schemas-formats");

  await page.getByRole("link", { name: "Svc", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Family Svc" })).toBeVisible();
  await expect(page.getByText(/Protobuf; compatibility level BACKWARD \(buf rules WIRE_JSON\)/)).toBeVisible();
  await expect(page.locator("dl.facts")).toContainText("acme.Svc");
  await expect(page.getByRole("region", { name: "config.proto" })).toContainText("message Svc");
  await accessible(page);
  await shot(page, "family-protobuf");
});
