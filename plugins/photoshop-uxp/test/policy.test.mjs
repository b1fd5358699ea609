// What the panel says for results the daemon's content policy blurred or withheld (the same
// wording as underpaint_kit.policy.result_notice).
import assert from "node:assert/strict";
import { test } from "node:test";
import { policyNotice } from "../src/job.js";

test("blurred and withheld results get a notice, others none", () => {
  const image = { data: new Uint8Array([0, 0, 0, 255]) };
  assert.equal(policyNotice({ index: 0, policy: "", image }), "");
  assert.equal(policyNotice({ index: 1, policy: "blurred", image }),
    "Image 2 was blurred by the daemon's content policy (its image check flagged it).");
  assert.equal(policyNotice({ index: 2, policy: "withheld", image: { data: new Uint8Array() } }),
    "Image 3 was withheld by the daemon's content policy (its image check flagged it), so no layer was added for it.");
});
