// The panel's newer one-shot tools (upscale, control layers, keyframes and edit) with their real
// code against a live daemon, Photoshop played by the pixel-holding stand-in. Each test checks
// what reached the daemon through what it did. Live layer, history, styles, interrogate and the
// Tools on the page: tools-live-history.test.mjs; the shared setup: live-setup.mjs.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { standIn } from "photoshop";
import { UpscaleJob, upscalers } from "../src/upscale.js";
import { CanvasJob } from "../src/job.js";
import { controlTypesFor, controlsDecorator, parseControl } from "../src/controls.js";
import { EditJob, KeyframesJob } from "../src/noise-jobs.js";
import { liveSkipReason } from "./daemon.mjs";
import { pixelAt, testPicture } from "./helpers.mjs";
import { TOOLS_TIMEOUT, params, recordingClient as recordingClientOf, runJob, scribble, useLiveDaemon } from "./live-setup.mjs";

const skip = liveSkipReason();
const TIMEOUT = TOOLS_TIMEOUT;

describe("panel tools on a live daemon", { skip: skip ?? false, timeout: TIMEOUT * 8 }, () => {
  /** @type {import("../src/connection.js").Connection} */
  let connection;
  useLiveDaemon({ faceRestorer: false, timeout: TIMEOUT }, (started) => ({ connection } = started));

  /** Runs a job of `Kind` (UpscaleJob, CanvasJob, ...) to its end: {last, updates, job}. */
  const run = (Kind, options) => runJob(connection, Kind, options);
  const recordingClient = () => recordingClientOf(connection);

  test("upscale the document: the image is scaled, the upscaled pixels are a new layer over all of it", { timeout: TIMEOUT }, async () => {
    const doc = standIn.newDocument({ width: 40, height: 32, pixels: testPicture(40, 32), opaque: true });
    const [esrgan] = upscalers(connection.addOns);
    assert.ok(esrgan, "the demo model comes with an upscaler");
    const { last } = await run(UpscaleJob, { upscale: { model: esrgan.id, scale: 2 } });
    assert.equal(last.phase, "done", last.message);
    assert.deepEqual([doc.width, doc.height], [80, 64]);
    assert.deepEqual(standIn.callsNamed("resizeImage").map((c) => c.options), [{ width: 80, height: 64 }]);
    assert.equal(doc.stack.length, 2);
    assert.match(doc.stack[1].name, /upscaled x2/);
    assert.deepEqual(doc.stack[1].bounds, { left: 0, top: 0, right: 80, bottom: 64 });
    assert.deepEqual(doc.historyStates, ["Underpaint Upscale"]);
  });

  test("upscale a selection: Lanczos doubles it where it lies in the doubled document", { timeout: TIMEOUT }, async () => {
    const doc = standIn.newDocument({ width: 64, height: 48, pixels: testPicture(64, 48), opaque: true });
    doc.selection.set({ left: 16, top: 8, right: 48, bottom: 40 });
    const { last } = await run(UpscaleJob, { upscale: { model: "", scale: 2 } });
    assert.equal(last.phase, "done", last.message);
    assert.deepEqual([doc.width, doc.height], [128, 96]);
    const layer = doc.stack[1];
    assert.deepEqual(layer.bounds, { left: 32, top: 16, right: 96, bottom: 80 });
    // Lanczos keeps the picture: the layer's centre matches the source's centre closely.
    const source = testPicture(64, 48);
    const [r, g] = pixelAt(layer.pixels, 128, 64, 48);
    const [sr, sg] = pixelAt(source, 64, 32, 24);
    assert.ok(Math.abs(r - sr) < 12 && Math.abs(g - sg) < 12, `${r},${g} vs ${sr},${sg}`);
  });

  test("upscale a small selection of a big document: only its box is read, not a model-sized context", { timeout: TIMEOUT }, async () => {
    const doc = standIn.newDocument({ width: 256, height: 192, pixels: testPicture(256, 192), opaque: true });
    doc.selection.set({ left: 100, top: 80, right: 132, bottom: 112 });
    const reads = standIn.callsNamed("getPixels").length;
    const { last } = await run(UpscaleJob, { upscale: { model: "", scale: 2 } });
    assert.equal(last.phase, "done", last.message);
    const bounds = standIn.callsNamed("getPixels").slice(reads).map((c) => c.options.sourceBounds).filter(Boolean);
    assert.ok(bounds.length > 0, "the selection's pixels were read");
    for (const b of bounds) { // the 32x32 selection and at most 16 px of slack around it
      assert.ok(b.right - b.left <= 64 && b.bottom - b.top <= 64, JSON.stringify(b));
    }
    assert.deepEqual(doc.stack.at(-1).bounds, { left: 200, top: 160, right: 264, bottom: 224 });
  });

  test("upscale: a factor the daemon refuses is reported, the document is left alone", { timeout: TIMEOUT }, async () => {
    const doc = standIn.newDocument({ width: 40, height: 32, pixels: testPicture(40, 32) });
    const { last } = await run(UpscaleJob, { upscale: { model: "no-such-upscaler", scale: 2 } });
    assert.equal(last.phase, "failed");
    assert.match(last.message, /no-such-upscaler/);
    assert.deepEqual([doc.width, doc.height, doc.stack.length], [40, 32, 1]);
  });

  /** Generates over a 64x64 document with `choices` as controls; returns the result layer's pixels. */
  async function generateWith(choicesFor) {
    standIn.reset();
    const doc = standIn.newDocument({ width: 64, height: 64, pixels: testPicture(64, 64), opaque: true });
    const lines = doc.addPixelLayer("lines", scribble(64, 64));
    const photo = doc.addPixelLayer("photo", testPicture(64, 64));
    lines.visible = photo.visible = false;
    const choices = choicesFor({ lines: lines.id, photo: photo.id }).map(parseControl);
    const { last } = await run(CanvasJob, { action: "generate", decorate: controlsDecorator(choices) });
    assert.equal(last.phase, "done", last.message);
    return { doc, last, pixels: doc.stack.at(-1).pixels.slice() };
  }

  test("control layers: the daemon lists a ControlNet and an IP-Adapter for the demo model", { timeout: TIMEOUT }, async () => {
    const model = connection.models.find((m) => m.id === connection.defaultModel);
    const types = controlTypesFor(connection.addOns, model);
    assert.ok(types.scribble?.length, JSON.stringify(types));
    assert.ok(types.reference?.length, JSON.stringify(types));
    assert.ok(connection.info.capabilities.includes("controls"));
  });

  test("control layers: a scribble layer and a reference layer reach the daemon and steer the result", { timeout: TIMEOUT }, async () => {
    const none = await generateWith(() => []);
    const again = await generateWith(() => []);
    assert.deepEqual(again.pixels, none.pixels, "same seed, same picture");
    const scribbled = await generateWith(({ lines }) => [{ layerID: lines, type: "scribble", strength: 1, start: 0, end: 1 }]);
    assert.notDeepEqual(scribbled.pixels, none.pixels, "the scribble changed the picture");
    const off = await generateWith(({ lines }) => [{ layerID: lines, type: "scribble", strength: 0, start: 0, end: 1 }]);
    assert.deepEqual(off.pixels, none.pixels, "strength 0 is no control, bit for bit");
    const referenced = await generateWith(({ photo }) => [{ layerID: photo, type: "reference", strength: 1 }]);
    assert.notDeepEqual(referenced.pixels, none.pixels, "the reference changed the picture");
    // The control layer's own pixels were read, over the whole document (nothing else is sent for a generate).
    const reads = standIn.callsNamed("getPixels").filter((c) => c.options.layerID !== undefined);
    assert.equal(reads.length, 1);
    assert.deepEqual(reads[0].options.sourceBounds, { left: 0, top: 0, right: 64, bottom: 64 });
  });

  test("control layers: an empty layer or a bad range is refused before anything is sent", { timeout: TIMEOUT }, async () => {
    assert.throws(() => parseControl({ layerID: 3, type: "scribble", strength: 1, start: 0.6, end: 0.4 }), /Control end/);
    assert.throws(() => parseControl({ layerID: 3, type: "scribble", strength: 3, start: 0, end: 1 }), /Control strength/);
    assert.throws(() => parseControl({ layerID: 3, type: "sketchy", strength: 1 }), /Control type/);
    const doc = standIn.newDocument({ width: 64, height: 64, pixels: testPicture(64, 64) });
    const empty = doc.addPixelLayer("empty", new Uint8Array(64 * 64 * 4));
    const { last } = await run(CanvasJob, { action: "generate",
      decorate: controlsDecorator([parseControl({ layerID: empty.id, type: "canny", strength: 1, start: 0, end: 1 })]) });
    assert.equal(last.phase, "failed");
    assert.match(last.message, /Control layer "empty" has no pixels/);
  });

  /** A 64x64 frame: the test picture with a white square at (x, 20). */
  function frame(x) {
    const pixels = testPicture(64, 64);
    for (let y = 20; y < 36; y++) for (let i = x; i < x + 16; i++) pixels.set([255, 255, 255, 255], (y * 64 + i) * 4);
    return pixels;
  }

  test("keyframes: visible layers bottom first are the frames; results come back as layers in frame order", { timeout: TIMEOUT }, async () => {
    const doc = standIn.newDocument({ width: 64, height: 64, pixels: frame(4), title: "walk" });
    doc.stack[0].name = "frame A";
    doc.addPixelLayer("frame B", frame(24));
    doc.addPixelLayer("frame C", frame(44));
    const { last } = await run(KeyframesJob, { params: params({ strength: 0.5, seed: 42 }) });
    assert.equal(last.phase, "done", last.message);
    const results = doc.stack.slice(3);
    assert.deepEqual(results.map((l) => l.name.replace(/ \[.*$/, "")),
      ["Underpaint: frame 1 a red barn", "Underpaint: frame 2 a red barn", "Underpaint: frame 3 a red barn"]);
    assert.deepEqual(doc.historyStates, ["Underpaint Keyframes"]);
    assert.notDeepEqual(results[0].pixels, results[1].pixels);
    // Frozen noise: frame B alone gives what frame B gave in the sequence, so the order held.
    for (const layer of doc.stack) layer.visible = layer.name === "frame B";
    const alone = await run(KeyframesJob, { params: params({ strength: 0.5, seed: 42 }) });
    assert.equal(alone.last.phase, "done", alone.last.message);
    assert.deepEqual(doc.stack.at(-1).pixels, results[1].pixels);
  });

  test("keyframes: no visible pixel layer is refused before anything is sent", { timeout: TIMEOUT }, async () => {
    const doc = standIn.newDocument({ width: 64, height: 64, pixels: frame(4) });
    doc.stack[0].visible = false;
    const { last } = await run(KeyframesJob, {});
    assert.equal(last.phase, "failed");
    assert.match(last.message, /Keyframes: show the layers/);
  });

  test("edit (no mask): the selection re-sampled from its own noise with the new prompt, as one layer", { timeout: TIMEOUT }, async () => {
    const doc = standIn.newDocument({ width: 64, height: 64, pixels: frame(24), opaque: true });
    doc.selection.set({ left: 8, top: 8, right: 56, bottom: 56 });
    const { client, submitted } = recordingClient();
    const { last } = await run(EditJob, { client, fromPrompt: "a white square", params: params({ prompt: "a red square", strength: 1 }) });
    assert.equal(last.phase, "done", last.message);
    assert.equal(submitted[0].type, 4 /* JOB_TYPE_EDIT */);
    assert.equal(submitted[0].edit.sourcePrompt, "a white square");
    assert.equal(doc.stack.length, 2);
    assert.match(doc.stack[1].name, /^Underpaint: edit a white square → a red square \[seed 1234\]$/);
    const bounds = doc.stack[1].bounds;
    assert.ok(bounds.left >= 8 && bounds.top >= 8 && bounds.right <= 56 && bounds.bottom <= 56, JSON.stringify(bounds));
    const refused = await run(EditJob, { fromPrompt: " ", params: params({ prompt: "a red square" }) });
    assert.match(refused.last.message, /Edit: say what the picture shows now/);
  });
});
