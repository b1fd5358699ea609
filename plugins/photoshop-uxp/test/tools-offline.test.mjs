// The Tools' pure parts, no daemon: the factor field, which controls fit a model, the fields an
// archived result gives back, and the live canvas fingerprint.
import assert from "node:assert/strict";
import { test } from "node:test";
import { controlTypesFor } from "../src/controls.js";
import { base64, describeEntry, entryFields, thumbnailUrl } from "../src/history.js";
import { PixelFormat } from "../src/generated/underpaint/v1/underpaint_pb.js";
import { fingerprint } from "../src/live.js";
import { parseScale } from "../src/upscale.js";

test("upscale factor: 0 = the upscaler's own, else above 1 up to 16", () => {
  assert.equal(parseScale(""), 0);
  assert.equal(parseScale("0"), 0);
  assert.equal(parseScale("2.5"), 2.5);
  assert.equal(parseScale("16"), 16);
  for (const bad of ["1", "0.5", "17", "-2", "x"]) assert.throws(() => parseScale(bad), /Upscale factor/, bad);
});

test("control types: ControlNets of the model's family by type (untyped ones for every type), IP-Adapters as reference", () => {
  const addOn = (id, type, architecture, controlType = "", isDemo = false) => ({ id, type, architecture, controlType, isDemo });
  const addOns = [addOn("canny15", "controlnet", "sd15", "canny"), addOn("any15", "controlnet", "sd15"),
    addOn("depthxl", "controlnet", "sdxl", "depth"), addOn("ip15", "ipadapter", "sd15"), addOn("demo", "controlnet", "sd15", "", true)];
  const types = controlTypesFor(addOns, { architecture: "sd15", isDemo: false });
  assert.deepEqual(types.canny, ["canny15", "any15"]);
  assert.deepEqual(types.depth, ["any15"]);
  assert.deepEqual(types.reference, ["ip15"]);
  assert.deepEqual(Object.keys(controlTypesFor(addOns, { architecture: "sdxl", isDemo: false })), ["depth"]);
  assert.deepEqual(controlTypesFor(addOns, undefined), {});
});

test("history: an entry's parameters back into the panel's fields", () => {
  const entry = { id: "e1", time: 0, width: 64, height: 48, parameters: { prompt: "a barn", negativePrompt: "fog", model: "m",
    steps: 20, guidance: 6.5, seed: 77n, strength: 0 } };
  assert.deepEqual(entryFields(/** @type {any} */ (entry)), { prompt: "a barn", negativePrompt: "fog", model: "m", steps: "20",
    guidance: "6.5", seed: "77", strength: "1" });
  assert.equal(describeEntry(/** @type {any} */ (entry)), "00:00 a barn · seed 77 · 64x48");
  assert.throws(() => entryFields(/** @type {any} */ ({ id: "e2" })), /no parameters/);
});

test("live fingerprint: equal canvases agree, any changed byte or boundary differs", () => {
  const a = Uint8Array.from([1, 2, 3, 4]);
  assert.equal(fingerprint([a, null]), fingerprint([Uint8Array.from(a)]));
  assert.notEqual(fingerprint([a]), fingerprint([Uint8Array.from([1, 2, 3, 5])]));
  assert.notEqual(fingerprint([Uint8Array.from([1, 2]), Uint8Array.from([3, 4])]), fingerprint([a]));
});

test("base64 of thumbnails matches RFC 4648 for every padding case", () => {
  for (let length = 0; length < 40; length++) {
    const bytes = Uint8Array.from({ length }, (_, i) => (i * 97 + length * 31) & 255);
    assert.equal(base64(bytes), Buffer.from(bytes).toString("base64"), `length ${length}`);
  }
});

test("only PNG thumbnails become data URLs (an older daemon's WebP does not)", () => {
  const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47);
  assert.equal(thumbnailUrl({ thumbnail: { format: PixelFormat.PNG, data: png } }), "data:image/png;base64,iVBORw==");
  assert.equal(thumbnailUrl({ thumbnail: { format: PixelFormat.WEBP, data: png } }), "");
  assert.equal(thumbnailUrl({ thumbnail: { format: PixelFormat.PNG, data: new Uint8Array() } }), "");
  assert.equal(thumbnailUrl(undefined), "");
});
