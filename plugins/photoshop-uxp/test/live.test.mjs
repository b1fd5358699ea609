// The panel's real code (connection, job, document) against a live daemon, with Photoshop
// played by the pixel-holding stand-in from test/stand-ins/photoshop.js.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { standIn } from "photoshop";
import { host } from "uxp";
import { connect, describeConnection } from "../src/connection.js";
import { CanvasJob } from "../src/job.js";
import { parseParams } from "../src/params.js";
import { SRGB } from "../src/document.js";
import { liveSkipReason, startDaemon } from "./daemon.mjs";
import { allowInManifest, pixelAt, testPicture } from "./helpers.mjs";
import { fakeDocument, fakeStorage, waitFor } from "./stand-ins/dom.js";
import { startPanel } from "../src/panel.js";
import { BoardClient, BoardWatcher, placeFromBoard, sendToBoard } from "../src/board.js";

const skip = liveSkipReason();
const TIMEOUT = 240000;

/** Panel values for a quick job on the demo model. */
function params(overrides = {}) {
  return parseParams({ prompt: "a red barn", negativePrompt: "", model: "", strength: 1, steps: 2, guidance: 7,
    seed: 1234, variations: 1, ...overrides });
}

describe("live daemon", { skip: skip ?? false, timeout: TIMEOUT * 4 }, () => {
  /** @type {Awaited<ReturnType<typeof startDaemon>>} */
  let daemon;
  /** @type {import("../src/connection.js").Connection} */
  let connection;

  /** @type {() => void} */
  let disallow = () => {};

  before(async () => {
    daemon = await startDaemon();
    disallow = await allowInManifest(`http://${daemon.http}`);
    connection = await connectToTestDaemon();
  }, { timeout: TIMEOUT });
  after(async () => {
    disallow();
    await daemon?.stop();
  });
  beforeEach(() => standIn.reset());

  // The manifest only lists port 50052; the test daemon is on a free port, so the tests
  // allow it the way an artist would: by adding it to manifest.json.
  async function connectToTestDaemon() {
    const manifest = { requiredPermissions: { network: { domains: [`http://${daemon.http}`] } } };
    return connect({ server: daemon.http, token: "" }, manifest);
  }

  /** Runs a job to its end and returns [final update, every update]. */
  async function run(action, jobParams, extra = {}) {
    const updates = [];
    const job = new CanvasJob({ client: connection.client, action, params: jobParams, model: { nativeSize: 64 },
      onUpdate: (u) => updates.push(u), ...extra });
    const last = await job.run();
    return { last, updates, job };
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

  test("the panel: connects, lists models, fills the selection, remembers its settings", { timeout: TIMEOUT }, async () => {
    const doc = standIn.newDocument({ width: 64, height: 64, pixels: testPicture(64, 64) });
    doc.selection.set({ left: 16, top: 16, right: 48, bottom: 40 });
    const storage = fakeStorage({ "underpaint.settings.v1": JSON.stringify({ server: daemon.http, steps: 3 }) });
    globalThis.localStorage = storage;
    let panel;
    try {
      const page = fakeDocument();
      const $ = (id) => page.getElementById(id);
      panel = startPanel(/** @type {any} */ (page));
      await waitFor(() => $("status").textContent.startsWith("Connected"), 30000, "the connection");
      assert.deepEqual($("model").children.map((o) => o.getAttribute("value")), connection.models.map((m) => m.id));
      assert.equal($("model").value, connection.defaultModel);
      assert.equal($("steps").value, "3");

      $("prompt").value = "moss";
      $("variations").value = "2";
      $("fill").click();
      assert.equal($("cancel").disabled, false, "Cancel is enabled while a job runs");
      assert.equal($("generate").disabled, true);
      await waitFor(() => /^Done/.test($("status").textContent) || $("status").className.includes("error"), TIMEOUT - 30000, "the job");
      assert.match($("status").textContent, /^Done in [\d.]+ s: 2 new layers \(seed \d+, \d+\)\.$/);
      assert.equal(doc.stack.length, 3);
      assert.equal($("progressBar").style.width, "100%");
      assert.ok($("preview").src.startsWith("data:image/jpeg;base64,"));
      assert.equal($("preview").style.display, "block");
      assert.equal($("cancel").disabled, true);
      assert.equal($("fill").disabled, false);
      assert.equal(JSON.parse(storage.getItem("underpaint.settings.v1")).variations, 2, "settings remembered");

      $("steps").value = "0";
      $("generate").click();
      await waitFor(() => $("status").className === "status error", 5000, "the refusal");
      assert.equal($("status").textContent, "Steps: 0 is outside 1..150.");
      assert.equal(doc.stack.length, 3);
      // The board: what the panel sends comes back through Place, and the panel follows the channel.
      // (One publication elsewhere first: on a board that never had one, cursor 0 means "from now".)
      await new BoardClient(connection.client.transport).publish({ channel: "ps/elsewhere",
        image: { width: 1, height: 1, format: 1, data: Uint8Array.from([1, 2, 3, 4]) } });
      $("boardChannel").value = "ps/panel-test";
      $("sendToBoard").click();
      // The watcher's notice of this very publication follows "Sent to" at once: look at every
      // line the status showed, not only the current one.
      const board = $("boardStatus");
      const shownOrError = (pattern) => board.shown.find((t) => pattern.test(t)) ||
        (board.className.includes("error") ? board.textContent : "");
      const sent = await waitFor(() => shownOrError(/^Sent to/), 60000, "the send",
        () => `${board.textContent}; the daemon's log ends: ${daemon.log().slice(-2000)}`);
      assert.match(sent, /^Sent to ps\/panel-test as version 1 \(32x24\)\.$/);
      await waitFor(() => shownOrError(/^Board: ps\/panel-test v1 from photoshop/), 15000, "the watcher",
        () => board.textContent);
      assert.doesNotMatch(board.className, /error/);
      $("placeFromBoard").click();
      const placed = await waitFor(() => shownOrError(/^Placed/), 60000, "the place", () => board.textContent);
      assert.equal(placed, "Placed ps/panel-test v1 at (16, 16).");
      assert.equal(doc.stack.at(-1).name, "Board: ps/panel-test v1 from photoshop");
    } finally {
      panel?.stop();
      delete globalThis.localStorage;
    }
  });

  test("the panel: LoRA, embedding and VAE pickers, faces after generating and on the selection", { timeout: TIMEOUT }, async () => {
    const doc = standIn.newDocument({ width: 64, height: 64, pixels: testPicture(64, 64) });
    const storage = fakeStorage({ "underpaint.settings.v1": JSON.stringify({ server: daemon.http, steps: 2 }) });
    globalThis.localStorage = storage;
    let panel;
    try {
      const page = fakeDocument();
      const $ = (id) => page.getElementById(id);
      panel = startPanel(/** @type {any} */ (page));
      await waitFor(() => $("status").textContent.startsWith("Connected"), 30000, "the connection");
      $("model").userChooses("underpaint-demo");
      $("model").dispatch("change");
      const values = (id) => $(id).children.map((o) => o.getAttribute("value"));
      assert.deepEqual(values("lora"), ["", "underpaint-demo-lora"]);
      assert.deepEqual(values("embedding"), ["", "underpaint-demo-embedding"]);
      assert.deepEqual(values("vae"), ["", "underpaint-demo-vae"]);
      // `underpaint demo-model` also wrote a random-weights GFPGAN: restoring is offered.
      assert.equal(values("faceRestorer").length, 2);
      assert.match(values("faceRestorer")[1], /gfpgan/i);
      assert.equal($("fixRestore").disabled, false);
      assert.equal($("extrasNote").textContent, "");

      // The token counter answers a moment after typing stops (the daemon reads the prompt).
      $("prompt").userTypes("a (red:1.3) barn");
      // (An answer for the empty prompt may already be shown from connecting: wait for this one.)
      await waitFor(() => /×1\.3\)/.test($("tokenCount").getAttribute("title") ?? ""), 15000, "the token counter",
        () => $("tokenCount").getAttribute("title"));
      assert.match($("tokenCount").textContent, /^\d+\/75$/);
      assert.match($("tokenCount").getAttribute("title"), /^chunk 1: \d+\/75 .*×1\.3\)/);

      $("prompt").value = "moss";
      $("lora").userChooses("underpaint-demo-lora");
      $("loraWeight").value = "0.5";
      $("insertLora").click();
      $("embedding").userChooses("underpaint-demo-embedding");
      $("insertNegativeEmbedding").click();
      assert.equal($("prompt").value, "moss, <lora:underpaint-demo-lora:0.5>");
      assert.equal($("negativePrompt").value, "underpaint-demo-embedding");
      $("vae").userChooses("underpaint-demo-vae");
      $("rerenderFaces").checked = true;
      $("restoreFaces").checked = true;
      $("generate").click();
      await waitFor(() => /^Done/.test($("status").textContent) || $("status").className.includes("error"), TIMEOUT - 60000, "the job");
      assert.match($("status").textContent, /^Done in [\d.]+ s: 1 new layer/);
      assert.equal(doc.stack.at(-1).name.startsWith("Underpaint: moss [seed "), true);

      // The face button on a selection: a finishing job; the demo paints noise, so no face.
      doc.selection.set({ left: 8, top: 8, right: 56, bottom: 56 });
      const layers = doc.stack.length;
      $("fixRerender").click();
      await waitFor(() => /^No faces|^Done/.test($("status").textContent) || $("status").className.includes("error"), TIMEOUT - 60000, "the face job");
      assert.equal($("status").textContent, "No faces found: nothing was changed.");
      assert.equal(doc.stack.length, layers);
    } finally {
      panel?.stop();
      delete globalThis.localStorage;
    }
  });

  test("board: send the selection, place a channel's image where it sat, follow a channel", { timeout: TIMEOUT }, async () => {
    const board = new BoardClient(connection.client.transport);
    const width = 80, height = 60;
    const doc = standIn.newDocument({ width, height, pixels: testPicture(width, height) });
    const mask = new Uint8Array(width * height);
    for (let y = 10; y < 30; y++) for (let x = 20; x < 50; x++) mask[y * width + x] = x < 30 ? 128 : 255;
    doc.selection.set(mask);

    const updates = [];
    const watcher = new BoardWatcher(board, ["ps/board-test"], (u) => updates.push(u));
    await watcher.ready;
    try {
      const sent = await sendToBoard(board, "ps/board-test", "from the test");
      assert.equal(sent.version, 1n);
      const fetched = await board.fetch("ps/board-test");
      assert.deepEqual([fetched.width, fetched.height, fetched.meta.x, fetched.meta.y], [30, 20, 20, 10]);
      assert.equal(fetched.meta.sourceApp, "photoshop");
      assert.equal(fetched.meta.note, "from the test");
      const picture = doc.composite();
      for (const [x, y] of [[20, 10], [29, 29], [30, 10], [49, 29]]) {
        const want = pixelAt(picture, width, x, y);
        want[3] = x < 30 ? 128 : 255; // the soft selection becomes alpha
        assert.deepEqual(pixelAt(fetched.image.data, 30, x - 20, y - 10), want, `pixel (${x}, ${y})`);
      }
      await waitFor(() => updates.length, 15000, "the watcher's update");
      assert.equal(updates[0].entry.channel, "ps/board-test");
      assert.equal(updates[0].entry.version, 1n);

      // A picture published elsewhere for a document of this size lands where it sat there.
      const tile = testPicture(8, 6).map((v, i) => (i % 4 === 0 ? 255 - v : v));
      await board.publish({ channel: "ps/board-test", image: { width: 8, height: 6, format: 1, data: tile },
        meta: { sourceApp: "krita", x: 70, y: 50, documentWidth: width, documentHeight: height } });
      const placed = await placeFromBoard(board, "ps/board-test");
      assert.deepEqual([placed.x, placed.y, placed.entry.version], [70, 50, 2n]);
      const layer = doc.stack.at(-1);
      assert.equal(layer.id, placed.layerId);
      assert.equal(layer.name, "Board: ps/board-test v2 from krita");
      assert.deepEqual(layer.bounds, { left: 70, top: 50, right: 78, bottom: 56 });
      assert.deepEqual(pixelAt(layer.pixels, width, 73, 52), pixelAt(tile, 8, 3, 2));
      assert.deepEqual(doc.historyStates, ["Underpaint Place from board"]);

      await assert.rejects(sendToBoard(board, "bad..name"), /channel/);
    } finally {
      watcher.stop();
    }
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

  test("board: an image larger than the document is cut to it, never placed at negative bounds", { timeout: TIMEOUT }, async () => {
    const board = new BoardClient(connection.client.transport);
    const doc = standIn.newDocument({ width: 64, height: 48, pixels: testPicture(64, 48) });
    const big = testPicture(100, 80);
    await board.publish({ channel: "ps/too-big", image: { width: 100, height: 80, format: 1, data: big },
      meta: { sourceApp: "krita", documentWidth: 100, documentHeight: 80 } });
    const placed = await placeFromBoard(board, "ps/too-big");
    // Centred, it would start at (-18, -16): the part inside the document is placed.
    assert.deepEqual([placed.x, placed.y, placed.width, placed.height, placed.clipped], [0, 0, 64, 48, true]);
    for (const put of standIn.callsNamed("putPixels")) {
      assert.ok(put.options.targetBounds.left >= 0 && put.options.targetBounds.top >= 0, JSON.stringify(put.options));
    }
    const layer = doc.stack.at(-1);
    assert.deepEqual(layer.bounds, { left: 0, top: 0, right: 64, bottom: 48 });
    for (const [x, y] of [[0, 0], [63, 47], [30, 20]]) {
      assert.deepEqual(pixelAt(layer.pixels, 64, x, y), pixelAt(big, 100, x + 18, y + 16), `pixel (${x}, ${y})`);
    }
  });
});
