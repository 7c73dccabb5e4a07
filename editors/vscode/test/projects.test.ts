import { test } from "node:test";
import assert from "node:assert/strict";
import { isLoupeFile, modelName, projectRoot } from "../src/projects";

test("the nearest folder with dbt_project.yml or loupe.toml is the project", () => {
  const files = new Set(["/w/shop/dbt_project.yml", "/w/shop/sub/loupe.toml"]);
  const exists = (p: string) => files.has(p);
  assert.equal(projectRoot("/w/shop/models/marts/customers.sql", exists), "/w/shop");
  assert.equal(projectRoot("/w/shop/sub/models/a.sql", exists), "/w/shop/sub");
  assert.equal(projectRoot("/w/loose/a.sql", exists), undefined);
});

test("the search stops at the workspace's parent", () => {
  const exists = (p: string) => p === "/dbt_project.yml";
  assert.equal(projectRoot("/w/x/a.sql", exists, "/w"), undefined);
  assert.equal(projectRoot("/w/x/a.sql", exists), "/");
});

test("model names and handled files", () => {
  assert.equal(modelName("/w/shop/models/customers.sql"), "customers");
  assert.equal(isLoupeFile("a.SQL"), true);
  assert.equal(isLoupeFile("schema.yaml"), true);
  assert.equal(isLoupeFile("README.md"), false);
});
