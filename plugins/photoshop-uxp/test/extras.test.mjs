// What the LoRA, embedding, VAE and face controls put into a request (no daemon, no Photoshop).
import assert from "node:assert/strict";
import { test } from "node:test";
import { addOnsFor, appendToPrompt, finishingSteps, loraTag, withoutTags } from "../src/extras.js";
import { layerName } from "../src/job.js";

const addOns = [
  { id: "ink", type: "lora", architecture: "sd15", isDemo: false },
  { id: "xl-ink", type: "lora", architecture: "sdxl", isDemo: false },
  { id: "demo-lora", type: "lora", architecture: "sd15", isDemo: true },
  { id: "old-style", type: "embedding", architecture: "sd15", isDemo: false },
  { id: "vae-15", type: "vae", architecture: "sd15", isDemo: false },
  { id: "vae-xl", type: "vae", architecture: "sdxl", isDemo: false },
  { id: "GFPGANv1.4", type: "face_restorer", architecture: "", isDemo: false },
];

test("pickers offer what fits the model: its family's LoRAs and VAEs, every embedding, demo add-ons for the demo only", () => {
  const sd15 = { architecture: "sd15", isDemo: false };
  assert.deepEqual(addOnsFor(addOns, sd15, "lora").map((a) => a.id), ["ink"]);
  assert.deepEqual(addOnsFor(addOns, { architecture: "sd15", isDemo: true }, "lora").map((a) => a.id), ["demo-lora"]);
  assert.deepEqual(addOnsFor(addOns, { architecture: "sdxl", isDemo: false }, "embedding").map((a) => a.id), ["old-style"]);
  assert.deepEqual(addOnsFor(addOns, { architecture: "sd2", isDemo: false }, "vae").map((a) => a.id), ["vae-15"]);
  assert.deepEqual(addOnsFor(addOns, sd15, "face_restorer").map((a) => a.id), ["GFPGANv1.4"]);
  assert.deepEqual(addOnsFor(addOns, undefined, "lora"), []);
});

test("a LoRA goes into the prompt as A1111 writes it; bad input names the field", () => {
  assert.equal(loraTag("ink", 0.8), "<lora:ink:0.8>");
  assert.equal(loraTag("ink", 1 / 3), "<lora:ink:0.33>");
  assert.equal(appendToPrompt("a cat ", loraTag("ink", 1)), "a cat, <lora:ink:1>");
  assert.equal(appendToPrompt("", "old-style"), "old-style");
  assert.equal(appendToPrompt("a cat,", "old-style"), "a cat, old-style");
  assert.throws(() => loraTag("", 1), /^Error: LoRA: choose a LoRA first/);
  assert.throws(() => loraTag("ink", 3), /^Error: LoRA weight: 3 is outside -2\.\.2\./);
});

test("face steps: re-render before restore after a generation, none for expand, the step itself for a button", () => {
  const p = { rerenderFaces: true, restoreFaces: true, faceRestorer: "GFPGANv1.4" };
  assert.deepEqual(finishingSteps("generate", p).map((s) => s.step?.case), ["rerenderFaces", "restoreFaces"]);
  assert.deepEqual(finishingSteps("expand", p), []);
  assert.deepEqual(finishingSteps("fill", { ...p, rerenderFaces: false }).map((s) => s.step?.case), ["restoreFaces"]);
  assert.deepEqual(finishingSteps("restore-faces", { ...p, restoreFaces: false }),
    [{ step: { case: "restoreFaces", value: { model: "GFPGANv1.4" } } }]);
  assert.deepEqual(finishingSteps("rerender-faces", p).map((s) => s.step?.case), ["rerenderFaces"]);
});

test("layer names leave <lora:…> tags out and say what a face job did", () => {
  assert.equal(withoutTags("a cat, <lora:ink:0.8>, <lora:x:1>"), "a cat");
  assert.equal(layerName("generate", "a cat <lora:ink:0.8>", 5n), "Underpaint: a cat [seed 5]");
  assert.equal(layerName("restore-faces", "", 5n), "Underpaint: restored faces [seed 5]");
  assert.equal(layerName("rerender-faces", "a smiling face", 5n), "Underpaint: re-rendered faces · a smiling face [seed 5]");
});
