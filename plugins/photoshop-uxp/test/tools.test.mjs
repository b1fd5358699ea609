// The panel's newer tools (upscale, control layers, live layer, keyframes and edit, history,
// styles, interrogate) with their real code against a live daemon, Photoshop played by the
// pixel-holding stand-in. Each test checks what reached the daemon through what it did.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { standIn } from "photoshop";
import { connect } from "../src/connection.js";
import { parseParams } from "../src/params.js";
import { UpscaleJob, upscalers } from "../src/upscale.js";
import { CanvasJob } from "../src/job.js";
import { controlTypesFor, controlsDecorator, parseControl } from "../src/controls.js";
import { CHANGE_EVENTS, LIVE_LAYER_NAME, LiveLayer } from "../src/live.js";
import { fakeDocument, fakeStorage, waitFor } from "./stand-ins/dom.js";
import { startPanel } from "../src/panel.js";
import { fakeDaemon } from "./helpers.mjs";
import { EditJob, KeyframesJob } from "../src/noise-jobs.js";
import { ArchiveClient, archiveDecorator, entryFields, interrogate, placeEntry, thumbnailUrl } from "../src/history.js";
import { Lexicon } from "../src/generated/underpaint/v1/archive_pb.js";
import { liveSkipReason, startDaemon } from "./daemon.mjs";
import { allowInManifest, pixelAt, testPicture } from "./helpers.mjs";

const skip = liveSkipReason();
const TIMEOUT = Number(process.env.TOOLS_TIMEOUT || 240000);

/** Panel values for a quick job on the demo model. */
export function params(overrides = {}) {
  return parseParams({ prompt: "a red barn", negativePrompt: "", model: "", strength: 1, steps: 2, guidance: 7,
    seed: 1234, variations: 1, ...overrides });
}

describe("panel tools on a live daemon", { skip: skip ?? false, timeout: TIMEOUT * 8 }, () => {
  /** @type {Awaited<ReturnType<typeof startDaemon>>} */
  let daemon;
  /** @type {import("../src/connection.js").Connection} */
  let connection;
  let disallow = () => {};

  before(async () => {
    daemon = await startDaemon({ faceRestorer: false });
    disallow = await allowInManifest(`http://${daemon.http}`);
    connection = await connect({ server: daemon.http, token: "" },
      { requiredPermissions: { network: { domains: [`http://${daemon.http}`] } } });
  }, { timeout: TIMEOUT });
  after(async () => {
    disallow();
    await daemon?.stop();
  });
  beforeEach(() => standIn.reset());

  /** @param {typeof UpscaleJob | typeof import("../src/job.js").CanvasJob} Kind */
  async function run(Kind, options) {
    const updates = [];
    const job = new Kind({ client: connection.client, params: params(), model: { nativeSize: 64 },
      onUpdate: (u) => updates.push(u), ...options });
    const last = await job.run();
    return { last, updates, job };
  }

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

  /** A transparent layer with white strokes: what an artist draws as a scribble control. */
  function scribble(width, height) {
    const pixels = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (x % 16 < 2 || y === x) pixels.set([255, 255, 255, 255], (y * width + x) * 4);
      }
    }
    return pixels;
  }

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

  /** The daemon client with every submitted request recorded (pixel payloads copied into `data`). */
  function recordingClient() {
    const submitted = [];
    const client = Object.create(connection.client);
    client.submit = (request, payloads = []) => {
      const copies = payloads.map((payload) => {
        const bytes = new Uint8Array(payload.byteLength);
        payload.write(bytes);
        return { path: payload.path, byteLength: bytes.length, write: (target) => target.set(bytes), bytes };
      });
      submitted.push({ ...request, data: Object.fromEntries(copies.map((c) => [c.path.join("."), c.bytes])) });
      return connection.client.submit(request, copies);
    };
    return { client, submitted };
  }

  /** Waits for `check`, failing at once with the panel's message when a live request failed. */
  function liveWait(updates, check, what) {
    return waitFor(() => {
      const failed = updates.find((u) => u.phase === "failed");
      if (failed) throw new Error(`while waiting for ${what}: ${failed.message}`);
      return check();
    }, TIMEOUT / 3, what);
  }

  /** Paints a square of `value` into the bottom layer, as a brush stroke would, and lets Photoshop tell. */
  function paint(doc, value, event = "set") {
    const base = doc.stack[0];
    for (let y = 20; y < 36; y++) for (let x = 20; x < 36; x++) base.pixels.set([value, value, value, 255], (y * doc.width + x) * 4);
    standIn.notify(event, { _target: [{ _ref: "document", _id: doc.id }] });
  }

  test("live layer: changes are debounced into one request, results go into one layer in place", { timeout: TIMEOUT }, async () => {
    const doc = standIn.newDocument({ width: 64, height: 64, pixels: testPicture(64, 64), opaque: true });
    const { client, submitted } = recordingClient();
    const updates = [];
    const live = new LiveLayer({ client, readParams: () => params({ strength: 0.6, seed: 5 }), model: { nativeSize: 64 },
      debounceMs: 40, onUpdate: (u) => updates.push(u) });
    await live.start();
    assert.deepEqual(standIn.callsNamed("addNotificationListener").map((c) => c.options.events), [CHANGE_EVENTS]);
    await liveWait(updates, () => live.shown === 1, "the first live result");
    assert.equal(submitted.length, 1);
    assert.ok(submitted[0].liveSession.startsWith(`photoshop:${doc.id}:`), submitted[0].liveSession);
    assert.equal(submitted[0].priority, 10);
    const layer = doc.stack.at(-1);
    assert.equal(layer.name, LIVE_LAYER_NAME);
    const first = layer.pixels.slice();

    // Three quick strokes: one request, with the newest canvas; the same layer updated.
    paint(doc, 10);
    paint(doc, 120, "paint");
    paint(doc, 250, "make");
    await liveWait(updates, () => live.shown === 2, "the second live result");
    assert.equal(submitted.length, 2);
    assert.equal(doc.stack.length, 2, "still one live layer");
    assert.equal(doc.stack.at(-1), layer);
    assert.notDeepEqual(layer.pixels, first);
    // What was sent had the last stroke (value 250) and not the live layer (hidden while read).
    const { region, regionX, regionY } = submitted[1].canvas;
    assert.deepEqual(pixelAt4(region, submitted[1].data["canvas.region.data"], 24 - regionX, 24 - regionY), [250, 250, 250]);
    assert.equal(layer.visible, true);

    // A notification with nothing changed (e.g. the panel's own placing) sends nothing.
    standIn.notify("set", {});
    await waitFor(() => live.timer === null && live.inFlight === null, TIMEOUT / 3, "the pause to pass");
    assert.equal(submitted.length, 2);

    // Another document's changes are not this one's.
    paint(doc, 90, "set");
    standIn.notify("set", { _target: [{ _ref: "document", _id: doc.id + 1000 }] });
    await liveWait(updates, () => live.shown === 3, "the third live result");

    // Apply keeps the layer; the next change makes a new live layer. Off: nothing more is sent.
    const name = await live.apply("a red barn");
    assert.match(layer.name, /^Underpaint: live a red barn \[seed 5\]$/);
    assert.equal(name, layer.name);
    paint(doc, 60);
    await liveWait(updates, () => live.shown === 4, "the fourth live result");
    assert.equal(doc.stack.length, 3);
    assert.equal(doc.stack.at(-1).name, LIVE_LAYER_NAME);
    await live.stop();
    assert.equal(standIn.listenerCount(), 0);
    const sent = submitted.length;
    paint(doc, 30);
    await new Promise((done) => setTimeout(done, 100));
    assert.equal(submitted.length, sent, "nothing is sent once Live is off");
    assert.equal(updates.filter((u) => u.phase === "failed").length, 0, JSON.stringify(updates));
  });

  test("live layer: a newer canvas supersedes the running request; the layer shows exactly the newest result", { timeout: TIMEOUT }, async () => {
    const doc = standIn.newDocument({ width: 64, height: 64, pixels: testPicture(64, 64), opaque: true });
    const { client, submitted } = recordingClient();
    let steps = 150; // the most allowed: the newer canvas must arrive while this one still runs
    const live = new LiveLayer({ client, readParams: () => params({ strength: 0.6, seed: 9, steps }), model: { nativeSize: 64 },
      debounceMs: 20 });
    const updates = [];
    live.onUpdate = (u) => updates.push(u);
    await live.start();
    await waitFor(() => submitted.length === 1 && live.inFlight?.jobId, TIMEOUT, "the first request");
    const slow = live.inFlight;
    steps = 2;
    paint(doc, 200);
    await liveWait(updates, () => live.newestPlaced === 2, "the newer result");
    await waitFor(() => slow.finished, TIMEOUT, "the older job to end");
    assert.match(slow.finished.message, /superseded by job/);
    assert.equal(live.newestPlaced, 2);
    assert.equal(live.shown, 1, "the superseded request showed nothing");
    await live.stop();
    const shown = doc.stack.at(-1).pixels.slice();

    // The same request without a session, on the same canvas, gives the same pixels.
    doc.stack.at(-1).visible = false;
    const { last } = await run(CanvasJob, { action: "generate", params: params({ strength: 0.6, seed: 9, steps: 2 }) });
    assert.equal(last.phase, "done", last.message);
    assert.deepEqual(doc.stack.at(-1).pixels, shown);
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

  test("history: this document's results, placed again where they were, their parameters reused; a style applied", { timeout: TIMEOUT }, async () => {
    const archive = new ArchiveClient(connection.client.transport);
    await connection.client.transport.unary(Lexicon.method.putStyle, { name: "ink", prompt: "{prompt}, ink drawing", negativePrompt: "colour" });
    assert.ok((await archive.styles()).styles.some((s) => s.name === "ink"));
    const doc = standIn.newDocument({ width: 64, height: 64, pixels: testPicture(64, 64), opaque: true, title: "barn.psd" });
    doc.selection.set({ left: 16, top: 16, right: 48, bottom: 48 });
    const { last } = await run(CanvasJob, { action: "fill", params: params({ prompt: "a red barn", seed: 321 }),
      decorate: archiveDecorator("ink") });
    assert.equal(last.phase, "done", last.message);
    const made = doc.stack[1];

    standIn.newDocument({ width: 64, height: 64, pixels: testPicture(64, 64), title: "other.psd" });
    const other = await run(CanvasJob, { action: "generate", params: params({ prompt: "not this one" }), decorate: archiveDecorator("") });
    assert.equal(other.last.phase, "done", other.last.message);

    const { entries } = await archive.recent("barn.psd");
    assert.equal(entries.length, 1, "only this document's result");
    const [entry] = entries;
    // the list carries PNG thumbnails that UXP's <img> can show (the archive stores WebP)
    const url = thumbnailUrl(entry);
    assert.match(url, /^data:image\/png;base64,iVBORw0KGgo/);
    assert.deepEqual(new Uint8Array(Buffer.from(url.split(",")[1], "base64")), entry.thumbnail.data);
    assert.ok(entry.thumbnail.width > 0 && entry.thumbnail.width <= 256 && entry.thumbnail.height > 0);
    assert.deepEqual(entry.parameters.styles, ["ink"]);
    assert.match(entry.parameters.prompt, /a red barn/);
    const fields = entryFields(entry);
    assert.equal(fields.seed, "321");
    assert.equal(fields.steps, "2");

    await app_activate(doc);
    const placed = await placeEntry(archive, entry.id);
    assert.equal(placed.samePlace, true);
    const again = doc.stack.at(-1);
    assert.notEqual(again, made);
    assert.deepEqual(again.bounds, made.bounds);
    assert.deepEqual(again.pixels, made.pixels, "the same pixels at the same place");
  });

  test("interrogate: without a CLIP model the daemon's reason reaches the panel", { timeout: TIMEOUT }, async () => {
    standIn.newDocument({ width: 64, height: 64, pixels: testPicture(64, 64) });
    const archive = new ArchiveClient(connection.client.transport);
    await assert.rejects(interrogate(archive), (error) => {
      assert.match(error.message, /clip/i);
      return true;
    });
  });

  test("the panel's Tools: control layer, upscale, training, history, live, through the page", { timeout: TIMEOUT * 2 }, async () => {
    const doc = standIn.newDocument({ width: 64, height: 64, pixels: testPicture(64, 64), opaque: true, title: "panel.psd" });
    doc.addPixelLayer("lines", scribble(64, 64)).visible = false;
    globalThis.localStorage = fakeStorage({ "underpaint.settings.v1": JSON.stringify({ server: daemon.http, steps: 2, seed: 11 }) });
    let panel;
    try {
      const page = fakeDocument();
      const $ = (id) => page.getElementById(id);
      // Clicks `button`, then waits for the job's last line.
      const runs = async (button, what) => {
        $("status").textContent = "";
        $(button).click();
        await waitFor(() => /^Done|^Placed|error/.test(`${$("status").textContent} ${$("status").className}`), TIMEOUT, what);
        assert.match($("status").textContent, /^Done/);
      };
      panel = startPanel(/** @type {any} */ (page));
      await waitFor(() => $("status").textContent.startsWith("Connected"), 60000, "the connection");
      const values = (id) => $(id).children.map((o) => o.getAttribute("value"));
      assert.equal($("toolsNote").textContent, "");
      assert.ok(values("upscaler").length >= 2, "Lanczos and the demo upscaler");
      assert.ok(values("controlType").includes("scribble"));
      const lines = doc.stack[1];
      assert.deepEqual(values("controlLayer"), ["", String(lines.id), String(doc.stack[0].id)], "top first, as in the Layers panel");

      $("controlLayer").userChooses(String(lines.id));
      $("controlType").userChooses("scribble");
      $("addControl").click();
      assert.match($("controlList").textContent, /^lines: scribble 1 \(0–1\)$/);
      $("prompt").value = "a scribbled barn";
      await runs("generate", "the generation");
      // The control reached the daemon: the archive holds the result for this document, and
      // placing it again gives the very pixels the job placed.
      $("refreshHistory").click();
      await waitFor(() => values("historyList")[0], TIMEOUT, "the history list");
      assert.match($("historyList").children[0].textContent, /a scribbled barn · seed 11 · /);
      $("reuseHistory").click();
      assert.equal($("seed").value, "11");

      $("upscaler").userChooses("");
      $("upscaleFactor").value = "2";
      await runs("upscale", "the upscale");
      assert.deepEqual([doc.width, doc.height], [128, 128]);

      // Train from the three layers selected in the Layers panel: the new word is listed afterwards
      doc.selected = [0, 1, 2].map((i) => doc.addPixelLayer(`cat ${i}`, scribble(128, 128)));
      $("trainToken").value = "panel-cat";
      $("trainInit").value = "cat";
      $("trainSteps").value = "2";
      $("status").textContent = "";
      $("train").click();
      await waitFor(() => /^Trained|^Cancelled|error/.test(`${$("status").textContent} ${$("status").className}`), TIMEOUT, "the training");
      assert.match($("status").textContent, /^Trained the embedding "panel-cat"/);
      const listed = await connection.client.listModels();
      assert.ok(listed.addOns.some((a) => a.type === "embedding" && a.id === "panel-cat"), "the word is installed");
      await waitFor(() => values("embedding").includes("panel-cat"), TIMEOUT, "the embedding list reloaded");
      assert.match($("status").textContent, /^Trained the embedding "panel-cat"/, "the status line is kept");
      assert.equal($("train").disabled, false);
      doc.selected = undefined;

      const archive = new ArchiveClient(connection.client.transport);
      const archived = (await archive.recent("panel.psd")).entries.length;
      $("live").checked = true;
      $("live").dispatch("change");
      await waitFor(() => doc.stack.at(-1).name === "Live result", TIMEOUT, "the live layer");
      $("applyLive").click();
      await waitFor(() => /^Kept as/.test($("status").textContent), TIMEOUT, "apply");
      $("live").checked = false;
      $("live").dispatch("change");
      await waitFor(() => $("status").textContent === "Live: off.", TIMEOUT, "live off");
      assert.equal(standIn.listenerCount(), 0);
      assert.equal((await archive.recent("panel.psd")).entries.length, archived, "live drafts are not archived");
    } finally {
      panel?.stop();
      delete globalThis.localStorage;
    }
  });
});

describe("the panel's Tools on an old daemon", () => {
  test("says which tools the daemon is too old for, and keeps their buttons off", async () => {
    standIn.reset();
    standIn.newDocument({ width: 64, height: 64 });
    const fake = await fakeDaemon();
    const disallowFake = await allowInManifest(fake.url);
    globalThis.localStorage = fakeStorage({ "underpaint.settings.v1": JSON.stringify({ server: fake.address }) });
    let panel;
    try {
      const page = fakeDocument();
      const $ = (id) => page.getElementById(id);
      panel = startPanel(/** @type {any} */ (page));
      await waitFor(() => $("status").textContent.startsWith("Connected"), 10000, "the connection");
      assert.equal($("toolsNote").textContent, "This daemon is too old for Upscale, control layers, Live, Keyframes and Edit, " +
        "training, history, styles, Interrogate: update it.");
      for (const id of ["upscale", "keyframes", "edit", "train", "placeHistory", "interrogate", "live", "addControl"]) {
        assert.equal($(id).disabled, true, id);
      }
    } finally {
      panel?.stop();
      delete globalThis.localStorage;
      disallowFake();
      await fake.close();
    }
  });
});

/** Makes `doc` the active document again. */
async function app_activate(doc) {
  const { app } = await import("photoshop");
  app.activeDocument = doc;
}

/** RGB of pixel (x, y) in a request's region (RGB8 for an opaque document). */
function pixelAt4(region, data, x, y) {
  const components = data.length / (region.width * region.height);
  const i = (y * region.width + x) * components;
  return [data[i], data[i + 1], data[i + 2]];
}
