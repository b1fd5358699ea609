// The panel's jobs (connect, fill, variations, expand, refine, cancel, refusals, placing while
// Photoshop is busy) with their real code against a live daemon, Photoshop played by the
// pixel-holding stand-in from test/stand-ins/photoshop.js. The panel page and the board:
// live-panel.test.mjs; the daemon and the shared setup: live-setup.mjs.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { standIn } from "photoshop";
import { host } from "uxp";
import { describeConnection } from "../src/connection.js";
import { CanvasJob } from "../src/job.js";
import { SRGB } from "../src/document.js";
import { liveSkipReason } from "./daemon.mjs";
import { pixelAt, testPicture } from "./helpers.mjs";
import { LIVE_TIMEOUT, params, runJob, useLiveDaemon } from "./live-setup.mjs";
import { fakeDocument, fakeStorage, waitFor } from "./stand-ins/dom.js";
import { startPanel } from "../src/panel.js";

const skip = liveSkipReason();
const TIMEOUT = LIVE_TIMEOUT;

describe("live daemon", { skip: skip ?? false, timeout: TIMEOUT * 4 }, () => {
  /** @type {Awaited<ReturnType<typeof import("./daemon.mjs").startDaemon>>} */
  let daemon;
  /** @type {import("../src/connection.js").Connection} */
  let connection;
  // No test here restores faces: this daemon goes without the ~174 MB random GFPGAN.
  useLiveDaemon({ faceRestorer: false }, (started) => ({ daemon, connection } = started));

  /** Runs a canvas job (`action`: "fill", "generate", ...) to its end: {last, updates, job}. */
  function run(action, jobParams, extra = {}) {
    return runJob(connection, CanvasJob, { action, params: jobParams, ...extra });
  }

  test("connects: versions, models, a sentence for the panel", { timeout: TIMEOUT }, async () => {
    assert.equal(connection.info.protocolMajor, 1);
    assert.ok(connection.models.some((m) => m.id === connection.defaultModel));
    const text = describeConnection(connection);
    assert.match(text, new RegExp(`Connected to Underpaint ${connection.info.daemonVersion} at http://${daemon.http}`));
    assert.match(text, /demo model/);
  });

  test("fill: a layer at the returned bounds, pixels outside the selection untouched", { timeout: TIMEOUT }, async () => {
    const width = 96, height = 80;
    const doc = standIn.newDocument({ width, height, pixels: testPicture(width, height), opaque: true });
    const selected = { left: 40, top: 24, right: 72, bottom: 56 };
    doc.selection.set(selected);
    const before = doc.composite();

    const { last, updates } = await run("fill", params({ prompt: "" }));
    assert.equal(last.phase, "done", last.message);
    assert.ok(updates.some((u) => u.phase === "queued" && typeof u.queuePosition === "number"));
    assert.ok(updates.some((u) => u.phase === "running" && u.totalSteps > 0));
    assert.ok(updates.some((u) => u.preview?.startsWith("data:image/jpeg;base64,")), "a preview was shown");

    // Read in sRGB, 8 bit, around the selection; the selection itself within its bounds.
    const [read] = standIn.callsNamed("getPixels");
    assert.equal(read.options.colorProfile, SRGB);
    assert.equal(read.options.colorSpace, "RGB");
    assert.equal(read.options.componentSize, 8);
    const source = read.options.sourceBounds;
    assert.ok(source.left <= selected.left && source.top <= selected.top &&
      source.right >= selected.right && source.bottom >= selected.bottom, "context covers the selection");
    assert.deepEqual(standIn.callsNamed("getSelection")[0].options.sourceBounds, selected);

    // One new layer, written where the daemon said, in one history step.
    assert.equal(doc.stack.length, 2);
    const [put] = standIn.callsNamed("putPixels");
    assert.equal(put.options.layerID, doc.stack[1].id);
    const placed = put.options.targetBounds;
    assert.ok(placed.left >= selected.left && placed.top >= selected.top &&
      placed.left + put.options.width <= selected.right && placed.top + put.options.height <= selected.bottom,
    `layer ${JSON.stringify(placed)} lies inside the selection`);
    assert.deepEqual(doc.historyStates, ["Underpaint Fill"]);
    assert.equal(standIn.callsNamed("createImageDataFromBuffer").at(-1).options.colorProfile, SRGB);

    // Composite the new layer over the document: outside the selection nothing changed.
    const composite = doc.composite();
    let changedInside = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const inside = x >= selected.left && x < selected.right && y >= selected.top && y < selected.bottom;
        const same = pixelAt(composite, width, x, y).every((v, c) => v === before[(y * width + x) * 4 + c]);
        if (!inside) assert.ok(same, `pixel (${x}, ${y}) outside the selection changed`);
        else if (!same) changedInside++;
      }
    }
    assert.ok(changedInside > 100, `only ${changedInside} pixels changed inside the selection`);
  });

  test("variations: one layer each, the first visible, one history state", { timeout: TIMEOUT }, async () => {
    const doc = standIn.newDocument({ width: 64, height: 64, pixels: testPicture(64, 64) });
    const { last } = await run("generate", params({ variations: 3, seed: 77 }));
    assert.equal(last.phase, "done", last.message);
    assert.equal(doc.stack.length, 4);
    const added = doc.stack.slice(1);
    assert.deepEqual(added.map((l) => l.visible), [true, false, false]);
    assert.deepEqual(added.map((l) => l.name.match(/seed (\d+)/)[1]), ["77", "78", "79"]);
    assert.deepEqual(doc.historyStates, ["Underpaint Generate"]);
    // Generate without a selection sends no pixels: it paints the whole canvas.
    assert.equal(standIn.callsNamed("getPixels").length, 0);
    for (const layer of added) assert.deepEqual(layer.bounds, { left: 0, top: 0, right: 64, bottom: 64 });
    const [a, b] = added.map((l) => l.pixels);
    assert.notDeepEqual(a, b, "variations differ");
  });

  test("expand: the canvas grows, the old picture moves to its offset, the margins are painted", { timeout: TIMEOUT }, async () => {
    const doc = standIn.newDocument({ width: 64, height: 48, pixels: testPicture(64, 48) });
    const old = doc.stack[0].pixels.slice();
    const { last } = await run("expand", params({ expandLeft: 16, expandTop: 8, expandRight: 0, expandBottom: 0 }));
    assert.equal(last.phase, "done", last.message);
    assert.equal(doc.width, 80);
    assert.equal(doc.height, 56);
    for (const [x, y] of [[0, 0], [63, 0], [0, 47], [63, 47], [20, 30]]) {
      assert.deepEqual(pixelAt(doc.stack[0].pixels, 80, x + 16, y + 8), pixelAt(old, 64, x, y));
    }
    const painted = doc.stack[1].pixels;
    for (const [x, y] of [[0, 0], [15, 55], [79, 7], [5, 30]]) {
      assert.equal(pixelAt(painted, 80, x, y)[3], 255, `new margin pixel (${x}, ${y}) is painted`);
    }
    assert.deepEqual(doc.historyStates, ["Underpaint Expand"]);
  });

  test("refine: strength below 1 reworks the whole canvas from its pixels", { timeout: TIMEOUT }, async () => {
    const doc = standIn.newDocument({ width: 64, height: 64, pixels: testPicture(64, 64) });
    const { last } = await run("generate", params({ strength: 0.5 }));
    assert.equal(last.phase, "done", last.message);
    assert.deepEqual(standIn.callsNamed("getPixels")[0].options.sourceBounds, { left: 0, top: 0, right: 64, bottom: 64 });
    assert.deepEqual(doc.stack[1].bounds, { left: 0, top: 0, right: 64, bottom: 64 });
  });

  test("cancel stops the job and leaves the document alone", { timeout: TIMEOUT }, async () => {
    const doc = standIn.newDocument({ width: 64, height: 64, pixels: testPicture(64, 64) });
    let job;
    let cancelled = false;
    const updates = [];
    job = new CanvasJob({
      client: connection.client, action: "generate", params: params({ steps: 150, variations: 8 }), model: { nativeSize: 64 },
      onUpdate: (u) => {
        updates.push(u);
        if (!cancelled && u.phase === "running" && u.step >= 1) {
          cancelled = true;
          void job.cancel();
        }
      },
    });
    const last = await job.run();
    assert.equal(last.phase, "cancelled", last.message);
    const steps = Math.max(...updates.map((u) => u.step || 0));
    assert.ok(steps < 150 * 8, `stopped early (step ${steps})`);
    // "cancelled" is the last word: nothing runs or arrives after it.
    assert.equal(updates.filter((u) => u.phase === "cancelled").length, 1);
    assert.equal(updates.at(-1).phase, "cancelled");
    assert.equal(doc.stack.length, 1);
    assert.deepEqual(doc.historyStates, []);
    // The daemon agrees: the job is over and cancelled.
    const status = await connection.client.cancel(job.jobId);
    assert.equal(status.status, 5 /* JOB_STATUS_CANCELLED */);
  });

  test("a request the daemon refuses shows its message, naming the field", { timeout: TIMEOUT }, async () => {
    const doc = standIn.newDocument({ width: 64, height: 64, pixels: testPicture(64, 64) });
    const { last } = await run("generate", params({ model: "no-such-model" }));
    assert.equal(last.phase, "failed");
    assert.match(last.message, /model/);
    assert.match(last.message, /no-such-model/);
    assert.equal(doc.stack.length, 1);
  });

  test("16-bit documents are refused with a clear message before anything is sent", { timeout: TIMEOUT }, async () => {
    standIn.newDocument({ width: 64, height: 64, bitsPerChannel: "bitDepth16" });
    const { last, job } = await run("generate", params());
    assert.equal(last.phase, "failed");
    assert.match(last.message, /8-bit/);
    assert.match(last.message, /16 bits per channel/);
    assert.equal(job.jobId, null);
  });

  test("expand reads only the strip of the picture next to the new margin", { timeout: TIMEOUT }, async () => {
    const doc = standIn.newDocument({ width: 256, height: 64, pixels: testPicture(256, 64) });
    const old = doc.stack[0].pixels.slice();
    const { last } = await run("expand", params({ expandLeft: 0, expandTop: 0, expandRight: 32, expandBottom: 0 }));
    assert.equal(last.phase, "done", last.message);
    const [read] = standIn.callsNamed("getPixels");
    const source = read.options.sourceBounds;
    assert.ok(source.left > 0 && source.right === 256 && source.top === 0 && source.bottom === 64, JSON.stringify(source));
    assert.equal(doc.width, 288);
    for (const [x, y] of [[0, 0], [255, 63], [100, 30]]) {
      assert.deepEqual(pixelAt(doc.stack[0].pixels, 288, x, y), pixelAt(old, 256, x, y));
    }
    for (const [x, y] of [[256, 0], [287, 63], [270, 30]]) {
      assert.equal(pixelAt(doc.stack[1].pixels, 288, x, y)[3], 255, `new margin pixel (${x}, ${y}) is painted`);
    }
  });

  test("getPixels trims to where there are pixels: a trimmed or empty composite still fills", { timeout: TIMEOUT }, async () => {
    // A transparent document with one painted square: the composite comes back trimmed to it.
    const width = 96, height = 64;
    const pixels = new Uint8Array(width * height * 4);
    for (let y = 20; y < 40; y++) pixels.set(testPicture(20, 1).subarray(0, 80), (y * width + 30) * 4);
    const doc = standIn.newDocument({ width, height, pixels });
    doc.selection.set({ left: 40, top: 30, right: 60, bottom: 50 });
    const { last } = await run("fill", params({ prompt: "" }));
    assert.equal(last.phase, "done", last.message);
    const [read] = standIn.callsNamed("getPixels");
    assert.notDeepEqual(read.options.sourceBounds, { left: 30, top: 20, right: 50, bottom: 40 }, "asked for more");
    assert.equal(doc.stack.length, 2);

    // Nothing painted at all: nothing to trim to.
    standIn.reset();
    const empty = standIn.newDocument({ width, height });
    empty.selection.set({ left: 40, top: 30, right: 60, bottom: 50 });
    const second = await run("fill", params({ prompt: "" }));
    assert.equal(second.last.phase, "done", second.last.message);
    assert.equal(empty.layers.length, 2);
  });

  describe("placing when Photoshop is busy", () => {
    test("another plugin holds Photoshop for 4 s: the panel waits for it and places the result", { timeout: TIMEOUT }, async () => {
      const doc = standIn.newDocument({ width: 64, height: 64, pixels: testPicture(64, 64) });
      standIn.holdModal("com.example.batch", { seconds: 4 });
      const { last } = await run("generate", params());
      assert.equal(last.phase, "done", last.message);
      assert.equal(doc.stack.length, 2);
      assert.deepEqual(doc.historyStates, ["Underpaint Generate"]);
      assert.ok(standIn.callsNamed("executeAsModal").every((c) => c.options.timeOut >= 5), "asks Photoshop to wait");
    });

    test("Photoshop before 25.10 refuses at once: the panel tries again", { timeout: TIMEOUT }, async () => {
      host.version = "25.4.0";
      const doc = standIn.newDocument({ width: 64, height: 64, pixels: testPicture(64, 64) });
      const hold = standIn.holdModal("com.example.batch");
      standIn.onModalRefused = () => hold.release();
      const { last } = await run("generate", params(), { modal: { retryDelayMs: 10 } });
      assert.equal(last.phase, "done", last.message);
      assert.deepEqual(standIn.modalRefusals.map((r) => r.message), ["host is in a modal state"]);
      assert.equal(doc.stack.length, 2);
    });

    test("Photoshop stays busy: the results are kept, nothing is half placed, Place again puts them in", { timeout: TIMEOUT }, async () => {
      const doc = standIn.newDocument({ width: 64, height: 64, pixels: testPicture(64, 64) });
      const hold = standIn.holdModal("com.example.batch");
      const { last, job } = await run("generate", params({ variations: 2 }), { modal: { retryDelayMs: 1, attempts: 3 } });
      assert.equal(last.phase, "unplaced", last.message);
      assert.match(last.message, /com\.example\.batch/);
      assert.match(last.message, /Place again/);
      assert.equal(standIn.modalRefusals.length, 3);
      assert.equal(doc.stack.length, 1);
      assert.deepEqual(doc.historyStates, []);
      assert.equal(job.canPlaceAgain, true);

      hold.release();
      const again = await job.placeAgain();
      assert.equal(again.phase, "done", again.message);
      assert.deepEqual(doc.stack.slice(1).map((l) => l.visible), [true, false]);
      assert.deepEqual(doc.historyStates, ["Underpaint Generate"]);
      assert.equal(job.canPlaceAgain, false, "placed images are let go");
    });

    test("the artist cancels the placing in Photoshop: the document is as before, the results stay", { timeout: TIMEOUT }, async () => {
      const doc = standIn.newDocument({ width: 64, height: 64, pixels: testPicture(64, 64) });
      standIn.userCancelsAt("putPixels");
      const { last, job } = await run("generate", params({ variations: 2 }));
      assert.equal(last.phase, "unplaced", last.message);
      assert.match(last.message, /cancelled/);
      assert.equal(doc.stack.length, 1, "the half-made layer was rolled back");
      assert.deepEqual(doc.historyStates, []);
      const again = await job.placeAgain();
      assert.equal(again.phase, "done", again.message);
      assert.equal(doc.stack.length, 3);
    });

    test("the panel: Place again is offered while results wait, and places them", { timeout: TIMEOUT }, async () => {
      const doc = standIn.newDocument({ width: 64, height: 64, pixels: testPicture(64, 64) });
      globalThis.localStorage = fakeStorage({ "underpaint.settings.v1": JSON.stringify({ server: daemon.http, steps: 2 }) });
      const page = fakeDocument();
      const $ = (id) => page.getElementById(id);
      const panel = startPanel(/** @type {any} */ (page), { modal: { retryDelayMs: 1, attempts: 2 } });
      try {
        await waitFor(() => $("status").textContent.startsWith("Connected"), 30000, "the connection");
        assert.equal($("placeAgain").disabled, true, "nothing to place yet");
        const hold = standIn.holdModal("com.example.batch");
        $("generate").click();
        await waitFor(() => $("status").className.includes("error"), TIMEOUT - 30000, "the job");
        assert.match($("status").textContent, /kept/);
        assert.equal($("placeAgain").disabled, false);
        assert.equal(doc.stack.length, 1);
        hold.release();
        $("placeAgain").click();
        await waitFor(() => /^Placed/.test($("status").textContent), 30000, "the placing");
        assert.equal(doc.stack.length, 2);
        assert.equal($("placeAgain").disabled, true, "nothing is left to place");
      } finally {
        panel.stop();
        delete globalThis.localStorage;
      }
    });
  });
});
