// The panel page (connect, models, fill, settings, LoRA/embedding/VAE pickers, faces) and the
// board (send, place, follow) with their real code against a live daemon, Photoshop played by
// the pixel-holding stand-in from test/stand-ins/photoshop.js. The jobs on their own:
// live-jobs.test.mjs; the daemon and the shared setup: live-setup.mjs.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { standIn } from "photoshop";
import { liveSkipReason } from "./daemon.mjs";
import { pixelAt, testPicture } from "./helpers.mjs";
import { LIVE_TIMEOUT, useLiveDaemon } from "./live-setup.mjs";
import { fakeDocument, fakeStorage, waitFor } from "./stand-ins/dom.js";
import { startPanel } from "../src/panel.js";
import { BoardClient, BoardWatcher, placeFromBoard, sendToBoard } from "../src/board.js";

const skip = liveSkipReason();
const TIMEOUT = LIVE_TIMEOUT;

describe("live daemon", { skip: skip ?? false, timeout: TIMEOUT * 4 }, () => {
  /** @type {Awaited<ReturnType<typeof import("./daemon.mjs").startDaemon>>} */
  let daemon;
  /** @type {import("../src/connection.js").Connection} */
  let connection;
  // With the demo model's random GFPGAN: the panel offers face restoring.
  useLiveDaemon({ faceRestorer: true }, (started) => ({ daemon, connection } = started));

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
