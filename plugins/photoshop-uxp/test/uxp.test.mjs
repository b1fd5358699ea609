// What UXP and Photoshop do differently from a browser and from the old stand-ins, each tried
// on the panel's real code with no daemon: the page markup, the token on macOS and in secure
// storage, fetches that are given up, TLS addresses, and placing pixels (exact arrays, bounds,
// the modal state).
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { after, beforeEach, describe, test } from "node:test";
import { standIn } from "photoshop";
import { host, standInUxp } from "uxp";
import { Underpaint } from "../src/generated/underpaint/v1/underpaint_pb.js";
import { ConnectTransport } from "../src/connect.js";
import { placeResults } from "../src/document.js";
import { startPanel } from "../src/panel.js";
import { fakeDocument, fakeStorage, waitFor } from "./stand-ins/dom.js";
import { allowInManifest, closedPort, fakeDaemon, pixelAt, testPicture } from "./helpers.mjs";

const SETTINGS_KEY = "underpaint.settings.v1";

describe("the page uses only what UXP supports (known-issues.md, HTML Elements)", () => {
  const page = fakeDocument();
  const css = readFileSync(new URL("../src/styles.css", import.meta.url), "utf8");
  const controls = page.all.filter((e) => ["INPUT", "SELECT", "TEXTAREA"].includes(e.tagName));

  test('no <label for>: "Wrap <label> around the control instead"', () => {
    assert.deepEqual(page.all.filter((e) => e.hasAttribute("for")).map((e) => e.textContent), []);
    const unlabelled = controls.filter((control) => {
      for (let e = control.parentElement; e; e = e.parentElement) if (e.tagName === "LABEL") return false;
      return true;
    });
    assert.deepEqual(unlabelled.map((e) => e.id), [], "every field sits inside its label");
  });

  test("textareas are sized with CSS, not rows/cols", () => {
    const textareas = controls.filter((e) => e.tagName === "TEXTAREA");
    assert.ok(textareas.length >= 2);
    for (const textarea of textareas) {
      assert.ok(!textarea.hasAttribute("rows") && !textarea.hasAttribute("cols"), `#${textarea.id} uses rows/cols`);
      assert.match(css, new RegExp(`#${textarea.id}[^{]*\\{[^}]*\\bheight:`), `#${textarea.id} has a CSS height`);
    }
  });

  test('forms only support method="dialog"; every <option> has a value attribute', () => {
    for (const form of page.all.filter((e) => e.tagName === "FORM")) assert.equal(form.getAttribute("method"), "dialog");
    const options = page.all.filter((e) => e.tagName === "OPTION");
    assert.deepEqual(options.filter((o) => !o.hasAttribute("value")).map((o) => o.textContent), []);
  });
});

describe("panel settings", () => {
  /** @type {(() => void)[]} */
  const cleanups = [];
  beforeEach(() => {
    standIn.reset();
    standInUxp.secureItems.clear();
  });
  after(() => cleanups.forEach((undo) => undo()));

  /** Starts the panel on a fresh page against `daemon`, with `saved` as the stored settings. */
  async function openPanel(daemon, saved = {}) {
    cleanups.push(await allowInManifest(daemon.url));
    const storage = fakeStorage({ [SETTINGS_KEY]: JSON.stringify({ server: daemon.address, ...saved }) });
    globalThis.localStorage = storage;
    const page = fakeDocument({ platform: "macos" });
    const panel = startPanel(/** @type {any} */ (page));
    cleanups.push(() => panel.stop());
    const $ = (/** @type {string} */ id) => page.getElementById(id);
    return { page, $, storage, panel };
  }

  const storedToken = () => {
    const bytes = standInUxp.secureItems.get("underpaint.token");
    return bytes ? new TextDecoder().decode(bytes) : null;
  };

  test("macOS: a token typed into the password field is read, kept in secure storage, and sent", async () => {
    const daemon = await fakeDaemon({ token: "s3cret-token" });
    try {
      const { $, storage } = await openPanel(daemon);
      await waitFor(() => /wants a token/.test($("status").textContent), 5000, "the token request");
      // The artist pastes the token and presses Save: focus leaves the field first.
      $("token").userTypes("s3cret-token");
      $("saveSettings").click();
      await waitFor(() => $("status").textContent.startsWith("Connected"), 5000, "the connection with the token");
      assert.equal(daemon.requests.at(-1).headers.authorization, "Bearer s3cret-token");
      assert.equal(storedToken(), "s3cret-token", "kept in UXP's secureStorage");
      assert.doesNotMatch(storage.getItem(SETTINGS_KEY), /s3cret/, "never in localStorage");
      assert.equal($("token").type, "password", "masked again once the field is left");
      $("token").type = "text";
      assert.equal($("token").value, "", "not left on the page");
    } finally {
      await daemon.close();
    }
  });

  test("a saved token is used after a restart, kept by a save with an empty field, and forgotten on request", async () => {
    const daemon = await fakeDaemon({ token: "kept" });
    try {
      await standInUxp.secureItems.set("underpaint.token", new TextEncoder().encode("kept"));
      const { $ } = await openPanel(daemon);
      await waitFor(() => $("status").textContent.startsWith("Connected"), 5000, "the connection");
      assert.equal($("token").value, "");
      assert.match($("token").placeholder, /saved/);
      $("server").userTypes(daemon.address);
      $("saveSettings").click();
      await waitFor(() => daemon.requests.length >= 4 && $("status").textContent.startsWith("Connected"), 5000, "the reconnection");
      assert.equal(storedToken(), "kept");
      $("forgetToken").click();
      await waitFor(() => storedToken() === null && /wants a token/.test($("status").textContent), 5000, "the token to go");
      assert.equal($("token").placeholder, "");
    } finally {
      await daemon.close();
    }
  });

  test("a token an older panel left in localStorage moves to secure storage", async () => {
    const daemon = await fakeDaemon({ token: "old" });
    try {
      const { $, storage } = await openPanel(daemon, { token: "old", steps: 12 });
      await waitFor(() => $("status").textContent.startsWith("Connected"), 5000, "the connection");
      assert.equal(storedToken(), "old");
      const saved = JSON.parse(storage.getItem(SETTINGS_KEY));
      assert.equal(saved.token, undefined);
      assert.equal(saved.steps, 12, "the other settings stay");
    } finally {
      await daemon.close();
    }
  });

  test("models are options with value attributes; the default is marked selected (UXP ignores <select value>)", async () => {
    const daemon = await fakeDaemon({ defaultModel: "b" });
    try {
      const { $ } = await openPanel(daemon);
      await waitFor(() => $("status").textContent.startsWith("Connected"), 5000, "the connection");
      const options = $("model").children;
      assert.deepEqual(options.map((o) => o.getAttribute("value")), ["a", "b"]);
      assert.deepEqual(options.map((o) => o.hasAttribute("selected")), [false, true]);
      assert.equal($("model").value, "b");
    } finally {
      await daemon.close();
    }
  });

  test("https: the scheme setting makes the panel connect over TLS and say what a certificate needs", async () => {
    const port = await closedPort();
    cleanups.push(await allowInManifest(`http://127.0.0.1:${port}`, `https://127.0.0.1:${port}`));
    globalThis.localStorage = fakeStorage({ [SETTINGS_KEY]: JSON.stringify({ server: `127.0.0.1:${port}` }) });
    const page = fakeDocument();
    const panel = startPanel(/** @type {any} */ (page));
    cleanups.push(() => panel.stop());
    const $ = (/** @type {string} */ id) => page.getElementById(id);
    await waitFor(() => /Cannot reach/.test($("status").textContent), 5000, "the first attempt");
    assert.match($("status").textContent, new RegExp(`http://127\\.0\\.0\\.1:${port}`));
    $("scheme").userChooses("https");
    $("saveSettings").click();
    await waitFor(() => new RegExp(`https://127\\.0\\.0\\.1:${port}`).test($("status").textContent), 5000, "the https attempt");
    assert.match($("status").textContent, /certificate/);
    assert.match($("status").textContent, /trust/);
    assert.equal(JSON.parse(globalThis.localStorage.getItem(SETTINGS_KEY)).scheme, "https");
    // Typing the scheme into the address works too, and sets the scheme field.
    $("server").userTypes(`http://127.0.0.1:${port}`);
    $("saveSettings").click();
    await waitFor(() => new RegExp(`at http://127\\.0\\.0\\.1:${port}`).test($("status").textContent), 5000, "the http attempt");
    assert.equal($("scheme").value, "http");
    assert.equal($("server").value, `127.0.0.1:${port}`);
  });
});

test("a call that is given up on is aborted, not left running (AbortController)", async () => {
  /** @type {import("node:http").IncomingMessage[]} */
  const pending = [];
  let closed = 0;
  const server = createServer((req) => {
    pending.push(req); // never answered
    req.socket.on("close", () => closed++);
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  const disallow = await allowInManifest(`http://127.0.0.1:${port}`);
  try {
    const transport = new ConnectTransport({ baseUrl: `http://127.0.0.1:${port}`, graceMs: 0 });
    await assert.rejects(transport.unary(Underpaint.method.getInfo, {}, { timeoutMs: 50 }),
      { code: "deadline_exceeded" });
    await waitFor(() => closed === 1, 3000, "the connection to be closed by the panel");
    assert.equal(pending.length, 1);
  } finally {
    disallow();
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

describe("placing pixels", () => {
  beforeEach(() => standIn.reset());
  const size = { width: 32, height: 24 };

  test("createImageDataFromBuffer gets an exact array, even from a view into a larger buffer", async () => {
    const doc = standIn.newDocument({ ...size });
    const tile = testPicture(4, 3);
    const message = new Uint8Array(100 + tile.length + 50); // how protobuf-es hands out bytes fields
    message.set(tile, 100);
    const view = message.subarray(100, 100 + tile.length);
    const { layerIds } = await placeResults(doc.id, [{ rgba: view, width: 4, height: 3, x: 5, y: 6, name: "tile" }],
      { historyName: "Underpaint Test", expectedSize: size });
    const made = standIn.callsNamed("createImageDataFromBuffer")[0].options;
    assert.deepEqual([made.byteOffset, made.length], [0, tile.length]);
    const layer = doc.stack.find((l) => l.id === layerIds[0]);
    assert.deepEqual(pixelAt(layer.pixels, size.width, 7, 8), pixelAt(tile, 4, 2, 2));
    assert.deepEqual(doc.historyStates, ["Underpaint Test"]);
  });

  test("an image reaching past the document is clipped to it: no negative targetBounds", async () => {
    const doc = standIn.newDocument({ ...size });
    const big = testPicture(40, 30);
    const { layerIds, placed } = await placeResults(doc.id, [{ rgba: big, width: 40, height: 30, x: -4, y: -3, name: "big" }],
      { historyName: "Underpaint Test", expectedSize: size });
    const [put] = standIn.callsNamed("putPixels");
    assert.deepEqual([put.options.targetBounds.left, put.options.targetBounds.top, put.options.width, put.options.height],
      [0, 0, 32, 24]);
    assert.deepEqual(placed, [{ x: 0, y: 0, width: 32, height: 24, clipped: true }]);
    const layer = doc.stack.find((l) => l.id === layerIds[0]);
    for (const [x, y] of [[0, 0], [31, 23], [10, 5]]) {
      assert.deepEqual(pixelAt(layer.pixels, size.width, x, y), pixelAt(big, 40, x + 4, y + 3), `pixel (${x}, ${y})`);
    }
  });

  test("an image entirely outside the document is refused with a message, the document untouched", async () => {
    const doc = standIn.newDocument({ ...size });
    await assert.rejects(placeResults(doc.id, [{ rgba: testPicture(8, 8), width: 8, height: 8, x: -20, y: 2, name: "off" }],
      { historyName: "Underpaint Test", expectedSize: size }), /lies outside the 32x24 document/);
    assert.equal(doc.stack.length, 1);
    assert.equal(standIn.callsNamed("putPixels").length, 0);
  });

  test("the modal request waits for another plugin (timeOut) and, where Photoshop refuses at once, retries", async () => {
    const doc = standIn.newDocument({ ...size });
    const placement = { rgba: testPicture(4, 4), width: 4, height: 4, x: 0, y: 0, name: "p" };
    const options = { historyName: "Underpaint Test", expectedSize: size, modal: { retryDelayMs: 1 } };
    standIn.holdModal("com.example.other", { seconds: 3 }); // Photoshop 26: waits up to timeOut
    await placeResults(doc.id, [placement], options);
    assert.ok(standIn.callsNamed("executeAsModal")[0].options.timeOut >= 5, "asks Photoshop to wait");

    host.version = "25.0.0"; // before 25.10, "host is in a modal state" comes at once
    const hold = standIn.holdModal("com.example.other");
    standIn.onModalRefused = () => hold.release();
    await placeResults(doc.id, [placement], options);
    assert.deepEqual(standIn.modalRefusals.map((r) => r.message), ["host is in a modal state"]);
    assert.equal(doc.stack.length, 3);
  });
});
