import { test } from "node:test";
import assert from "node:assert/strict";
import { impactItems, impactTitle, ImpactResponse } from "../src/impactData";

const place = (file: string, line: number, col: number, gem: string | null) => ({
  file,
  gem,
  start: { line, col },
  end: { line, col: col + 6 },
});

const answer: ImpactResponse = {
  model: "stg_orders",
  branch: "feature",
  base: { revision: "4e1c", label: "merge base of HEAD and main" },
  downstreamModels: ["customers", "orders"],
  breaking: true,
  impacts: [
    {
      node: "stg_orders",
      change: "removes `status`",
      column: "status",
      breaking: true,
      at: place("models/staging/stg_orders.sql", 11, 1, "renamed"),
      uses: [{ model: "orders", breaks: true, place: place("models/orders.sql", 38, 9, null) }],
      downstream: ["orders.status"],
      message: "removes `status`, used by `orders.status`",
    },
  ],
};

test("a breaking change, then the use it breaks, each opening at its place", () => {
  const items = impactItems(answer);
  assert.equal(items.length, 2);
  assert.equal(items[0].label, "$(error) removes `status`, used by `orders.status`");
  assert.equal(items[0].detail, "models/staging/stg_orders.sql:11 (gem renamed)");
  assert.deepEqual([items[1].file, items[1].line, items[1].character], ["models/orders.sql", 37, 8]);
  assert.match(items[1].label, /breaks orders/);
  assert.equal(impactTitle(answer), "Impact of stg_orders on feature, against merge base of HEAD and main");
});

test("no change: the downstream models, and why there is no base", () => {
  const items = impactItems({ model: "stg_orders", downstreamModels: ["orders"], baseProblem: "not in a Git repository" });
  assert.equal(items[0].label, "No breaking change; 1 downstream model");
  assert.equal(impactTitle({ model: "x", baseProblem: "not in a Git repository" }), "Impact of x, no base: not in a Git repository");
});
