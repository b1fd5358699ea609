// The panel's Tools that keep state (the live layer, history and styles, interrogate) and the
// Tools on the page, with their real code against a live daemon, Photoshop played by the
// pixel-holding stand-in; then the Tools on a daemon too old for them. Each test checks what
// reached the daemon through what it did. Upscale, control layers, keyframes and edit:
// tools-jobs.test.mjs; the shared setup: live-setup.mjs.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { standIn } from "photoshop";
import { CanvasJob } from "../src/job.js";
import { CHANGE_EVENTS, LIVE_LAYER_NAME, LiveLayer } from "../src/live.js";
import { fakeDocument, fakeStorage, waitFor } from "./stand-ins/dom.js";
import { startPanel } from "../src/panel.js";
import { ArchiveClient, archiveDecorator, entryFields, interrogate, placeEntry, thumbnailUrl } from "../src/history.js";
import { Lexicon } from "../src/generated/underpaint/v1/archive_pb.js";
import { liveSkipReason } from "./daemon.mjs";
import { allowInManifest, fakeDaemon, testPicture } from "./helpers.mjs";
import { TOOLS_TIMEOUT, params, recordingClient as recordingClientOf, runJob, scribble, useLiveDaemon } from "./live-setup.mjs";

const skip = liveSkipReason();
const TIMEOUT = TOOLS_TIMEOUT;

describe("panel tools on a live daemon", { skip: skip ?? false, timeout: TIMEOUT * 8 }, () => {
  /** @type {Awaited<ReturnType<typeof import("./daemon.mjs").startDaemon>>} */
  let daemon;
  /** @type {import("../src/connection.js").Connection} */
  let connection;
  useLiveDaemon({ faceRestorer: false, timeout: TIMEOUT }, (started) => ({ daemon, connection } = started));

  /** Runs a job of `Kind` (UpscaleJob, CanvasJob, ...) to its end: {last, updates, job}. */
  const run = (Kind, options) => runJob(connection, Kind, options);
  const recordingClient = () => recordingClientOf(connection);

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

/**
 * Opens the panel on a new 64x64 document against a fake daemon made with `fakeOptions`, waits
 * for "Connected", runs `check($)`, and closes everything again.
 * @param {Parameters<typeof fakeDaemon>[0]} fakeOptions
 * @param {(find: (id: string) => any) => Promise<void>} check
 */
async function withPanelOnFakeDaemon(fakeOptions, check) {
  standIn.reset();
  standIn.newDocument({ width: 64, height: 64 });
  const fake = await fakeDaemon(fakeOptions);
  const disallowFake = await allowInManifest(fake.url);
  globalThis.localStorage = fakeStorage({ "underpaint.settings.v1": JSON.stringify({ server: fake.address }) });
  let panel;
  try {
    const page = fakeDocument();
    const $ = (id) => page.getElementById(id);
    panel = startPanel(/** @type {any} */ (page));
    await waitFor(() => $("status").textContent.startsWith("Connected"), 10000, "the connection");
    await check($);
  } finally {
    panel?.stop();
    delete globalThis.localStorage;
    disallowFake();
    await fake.close();
  }
}

describe("the panel's Tools on an old daemon", () => {
  test("says which tools the daemon is too old for, and keeps their buttons off", async () => {
    await withPanelOnFakeDaemon({}, async ($) => {
      assert.equal($("toolsNote").textContent, "This daemon is too old for Upscale, control layers, Live, Keyframes and Edit, " +
        "training, history, styles, Interrogate: update it.");
      for (const id of ["upscale", "keyframes", "edit", "train", "placeHistory", "interrogate", "live", "addControl"]) {
        assert.equal($(id).disabled, true, id);
      }
    });
  });
});

describe("the panel's control types follow the daemon's capabilities", () => {
  const addOns = [{ type: "controlnet", id: "scribble-net", architecture: "sd15", controlType: "scribble" },
    { type: "ipadapter", id: "ip-adapter-sd15", architecture: "sd15" }];
  const models = [{ id: "b", displayName: "Model B", architecture: "sd15" }];
  for (const [capabilities, offered] of [
    [["canvas", "controls", "reference_images"], ["scribble", "reference"]],
    [["canvas", "controls"], ["scribble"]],  // IP-Adapter files listed, but a daemon that cannot use them
  ]) {
    test(`with ${capabilities.join(", ")}: offers ${offered.join(", ")}`, async () => {
      await withPanelOnFakeDaemon({ capabilities, addOns, models }, async ($) => {
        await waitFor(() => $("controlType").children.length > 0, 10000, "the control types");
        assert.deepEqual($("controlType").children.map((o) => o.getAttribute("value")), offered);
        assert.equal($("addControl").disabled, false);
      });
    });
  }
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
