// The token counter's text and its debounce (no daemon).
import assert from "node:assert/strict";
import { test } from "node:test";
import { chunkLines, counterLabel, tokenCounter } from "../src/tokens.js";

const chunk = (count, tokens = [], weights = []) => ({ tokenCount: count, capacity: 75, tokens, weights });

test("the label shows the last chunk's fill and how many chunks there are", () => {
  assert.equal(counterLabel({ chunks: [] }), "0/75");
  assert.equal(counterLabel({ chunks: [chunk(12)] }), "12/75");
  assert.equal(counterLabel({ chunks: [chunk(75), chunk(68)] }), "68/75 · 2 chunks");
  assert.deepEqual(chunkLines({ chunks: [chunk(2, ["a", "cat"], [1, 1.3])], warnings: ["cut"] }),
    ["chunk 1: 2/75  a (cat ×1.3)", "warning: cut"]);
});

test("typing asks once after the quiet time, and only the newest answer is shown", async () => {
  /** @type {[() => void, number][]} */
  const pending = [];
  const timers = { setTimeout: (fn, ms) => pending.push([fn, ms]) && pending.length, clearTimeout: (id) => { pending[id - 1][0] = () => {}; } };
  const asked = [];
  const shown = [];
  /** @type {((value: {label: string, detail: string}) => void)[]} */
  const answers = [];
  const counter = tokenCounter(() => new Promise((resolve) => { asked.push(1); answers.push(resolve); }),
    (label) => shown.push(label), /** @type {any} */ (timers));
  counter.changed();
  counter.changed();
  counter.changed();
  assert.equal(pending.length, 3, "each edit restarts the quiet time");
  pending.forEach(([fn]) => fn()); // the first two were cleared: one question
  assert.equal(asked.length, 1);
  counter.changed(); // typed on while the daemon answers
  answers[0]({ label: "3/75", detail: "" });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(shown, [], "a stale answer is dropped");
  pending.at(-1)?.[0]();
  answers[1]({ label: "4/75", detail: "" });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(shown, ["4/75"]);
});
