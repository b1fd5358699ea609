// Behaviour that needs no daemon: addresses and manifest permissions, what the artist sees when
// the daemon is unreachable or answers with an error, parameter checks, pixel helpers.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, test } from "node:test";
import { standIn } from "photoshop";
import { standInUxp } from "uxp";
import { connect, readManifest } from "../src/connection.js";
import { CanvasJob } from "../src/job.js";
import { UnderpaintClient } from "../src/client.js";
import { manifestDomains, networkPermissionProblem, serverUrl } from "../src/permissions.js";
import { parseParams } from "../src/params.js";
import { contextRect, expandContextRect, maskAlpha } from "../src/pixels.js";
import { decodeUtf8, encodeUtf8 } from "../src/text-encoding.js";
import { allowInManifest, closedPort, fakeServer, testPicture } from "./helpers.mjs";

describe("manifest and addresses", () => {
  test("the shipped manifest allows the default gateway address, under both names", async () => {
    const manifest = JSON.parse(await readFile(new URL("../manifest.json", import.meta.url), "utf8"));
    assert.equal(manifest.manifestVersion, 5);
    const domains = manifestDomains(manifest);
    assert.deepEqual(domains, ["http://127.0.0.1:50052", "http://localhost:50052",
      "https://127.0.0.1:50052", "https://localhost:50052"]);
    assert.equal(networkPermissionProblem(serverUrl(""), domains), null);
    assert.equal(networkPermissionProblem(serverUrl("localhost:50052"), domains), null);
    assert.equal(networkPermissionProblem(serverUrl("127.0.0.1:50052", "https"), domains), null, "a local daemon with TLS");
    // The panel reads the same file through UXP's plugin folder.
    assert.deepEqual(await readManifest(), manifest);
  });

  test("addresses are normalised to origins", () => {
    assert.equal(serverUrl("127.0.0.1:50052"), "http://127.0.0.1:50052");
    assert.equal(serverUrl(" http://localhost:50052/ "), "http://localhost:50052");
    assert.equal(serverUrl("https://render.lan:9000"), "https://render.lan:9000");
    assert.equal(serverUrl("HTTP://Localhost:50052/"), "http://localhost:50052");
    assert.equal(serverUrl("[::1]:50052"), "http://[::1]:50052");
    assert.equal(serverUrl("http://render.lan:80"), "http://render.lan", "default ports drop out");
    assert.equal(serverUrl(""), "http://127.0.0.1:50052", "empty = the default");
    assert.equal(serverUrl("gpu.lan:50052", "https"), "https://gpu.lan:50052", "the scheme setting");
    assert.equal(serverUrl("http://gpu.lan:50052", "https"), "http://gpu.lan:50052", "a typed scheme wins");
    assert.throws(() => serverUrl("ftp://x:1"), /must use http/);
    assert.throws(() => serverUrl("127.0.0.1:99999"), /not a host:port/);
    assert.throws(() => serverUrl("127.0.0.1:50052/path"), /not a host:port/);
    assert.throws(() => serverUrl("http://exa mple:1"), /not a host:port/);
  });

  test("an address the manifest does not cover is refused with what to change", () => {
    const domains = ["http://127.0.0.1:50052", "http://localhost:50052"];
    const problem = networkPermissionProblem("http://127.0.0.1:50053", domains);
    assert.match(problem, /may not connect to http:\/\/127\.0\.0\.1:50053/);
    assert.match(problem, /requiredPermissions\.network\.domains/);
    assert.match(problem, /manifest\.json/);
    assert.notEqual(networkPermissionProblem("https://127.0.0.1:50052", domains), null, "scheme matters");
    assert.equal(networkPermissionProblem("http://gpu.lan:50052", ["http://*.lan:50052"]), null, "wildcards");
    assert.notEqual(networkPermissionProblem("http://gpu.lan:50052", ["http://*.example:50052"]), null);
    assert.equal(networkPermissionProblem("http://anything:1", "all"), null);
    // Adobe documents origins, not port rules: an entry without a port names the default port.
    assert.notEqual(networkPermissionProblem("http://render.lan:9000", ["http://render.lan"]), null);
    assert.equal(networkPermissionProblem("http://render.lan", ["http://render.lan"]), null);
    assert.equal(networkPermissionProblem(serverUrl("gpu.lan:50052", "https"), ["https://gpu.lan:50052"]), null, "TLS");
    assert.notEqual(networkPermissionProblem("http://evil-localhost:50052", domains), null);
  });

  test("connect() checks the manifest before it fetches anything", async () => {
    const realFetch = globalThis.fetch;
    let fetches = 0;
    globalThis.fetch = async (...args) => { fetches++; return realFetch(...args); };
    try {
      await assert.rejects(connect({ server: "192.168.1.20:50052", token: "" }, await readManifest()),
        /may not connect to http:\/\/192\.168\.1\.20:50052/);
      standInUxp.setPluginFile("manifest.json", JSON.stringify({ manifestVersion: 5 }));
      await assert.rejects(connect({ server: "", token: "" }, await readManifest()), /only lets it reach no address/);
    } finally {
      globalThis.fetch = realFetch;
      standInUxp.setPluginFile("manifest.json", null);
    }
    assert.equal(fetches, 0);
  });
});

describe("daemon not reachable or not happy", () => {
  test("an unreachable daemon: the message the artist sees", async () => {
    const port = await closedPort();
    const manifest = { requiredPermissions: { network: { domains: [`http://127.0.0.1:${port}`] } } };
    const disallow = await allowInManifest(`http://127.0.0.1:${port}`);
    try {
      await assert.rejects(connect({ server: `127.0.0.1:${port}`, token: "" }, manifest), (error) => {
        assert.match(error.message, new RegExp(`^Cannot reach the Underpaint daemon at http://127\\.0\\.0\\.1:${port}\\. ` +
          `Start it with "underpaint serve"`));
        assert.equal(error.code, "unavailable");
        return true;
      });
    } finally {
      disallow();
    }
  });

  test("a job against an unreachable daemon ends as failed with that message, document untouched", async () => {
    standIn.reset();
    const doc = standIn.newDocument({ width: 64, height: 64, pixels: testPicture(64, 64) });
    doc.selection.set({ left: 8, top: 8, right: 40, bottom: 40 });
    const client = new UnderpaintClient({ baseUrl: `http://127.0.0.1:${await closedPort()}` });
    const params = parseParams({ prompt: "", strength: 1, steps: 4, guidance: 7, seed: -1, variations: 1 });
    const updates = [];
    const last = await new CanvasJob({ client, action: "fill", params, onUpdate: (u) => updates.push(u) }).run();
    assert.equal(last.phase, "failed");
    assert.match(last.message, /Cannot reach the Underpaint daemon/);
    assert.deepEqual(updates.map((u) => u.phase), ["reading", "failed"]);
    assert.equal(doc.stack.length, 1);
  });

  test("Connect error bodies become their code and message; others get the HTTP status", async () => {
    const refusing = await fakeServer(400, "application/json",
      JSON.stringify({ code: "invalid_argument", message: "steps: -3 is out of range" }));
    const garbage = await fakeServer(502, "text/html", "<html>bad gateway</html>");
    const locked = await fakeServer(401, "application/json", JSON.stringify({ code: "unauthenticated", message: "token missing" }));
    const disallow = await allowInManifest(refusing.url, garbage.url, locked.url);
    try {
      const client = new UnderpaintClient({ baseUrl: refusing.url, token: "s3cret" });
      await assert.rejects(client.getInfo(), { name: "DaemonError", code: "invalid_argument", message: "steps: -3 is out of range" });
      assert.equal(refusing.requests[0].url, "/underpaint.v1.Underpaint/GetInfo");
      assert.equal(refusing.requests[0].headers["content-type"], "application/proto");
      assert.equal(refusing.requests[0].headers["connect-protocol-version"], "1");
      assert.equal(refusing.requests[0].headers.authorization, "Bearer s3cret");
      await assert.rejects(new UnderpaintClient({ baseUrl: garbage.url }).getInfo(),
        { code: "unavailable", message: `The daemon at ${garbage.url} answered HTTP 502.` });
      assert.equal(garbage.requests[0].headers.authorization, undefined, "no token, no header");
      await assert.rejects(new UnderpaintClient({ baseUrl: locked.url }).getInfo(), (error) => {
        assert.equal(error.code, "unauthenticated");
        assert.match(error.message, /wants a token/);
        return true;
      });
    } finally {
      disallow();
      await Promise.all([refusing.close(), garbage.close(), locked.close()]);
    }
  });

  test("Fill without a selection asks for one before contacting the daemon", async () => {
    standIn.reset();
    standIn.newDocument({ width: 64, height: 64 });
    const client = new UnderpaintClient({ baseUrl: `http://127.0.0.1:${await closedPort()}` });
    const params = parseParams({ strength: 1, steps: 4, guidance: 7, seed: 1, variations: 1 });
    const last = await new CanvasJob({ client, action: "fill", params }).run();
    assert.equal(last.phase, "failed");
    assert.equal(last.message, "Fill selection: select the area to fill first.");
  });
});

describe("panel values", () => {
  const good = { prompt: "  a cat ", strength: "0.6", steps: "20", guidance: "7.5", seed: "-1", variations: "2" };

  test("are converted", () => {
    const p = parseParams({ ...good, expandRight: "64" });
    assert.equal(p.prompt, "a cat");
    assert.equal(p.strength, 0.6);
    assert.equal(p.seed, -1n);
    assert.deepEqual(p.expand, { left: 0, top: 0, right: 64, bottom: 0 });
    assert.equal(parseParams({ ...good, seed: "9007199254740993" }).seed, 9007199254740993n, "seeds keep all 64 bits");
  });

  test("bad values name the field", () => {
    assert.throws(() => parseParams({ ...good, steps: "0" }), /^Error: Steps: 0 is outside 1\.\.150\.$/);
    assert.throws(() => parseParams({ ...good, steps: "2.5" }), /Steps: 2\.5 must be a whole number/);
    assert.throws(() => parseParams({ ...good, strength: "abc" }), /Strength: "abc" is not a number/);
    assert.throws(() => parseParams({ ...good, seed: "1e3" }), /Seed: "1e3" must be a whole number/);
    assert.throws(() => parseParams({ ...good, variations: "" }), /Variations: "" is not a number/);
    assert.throws(() => parseParams({ ...good, expandTop: "-8" }), /Expand top: -8 is outside/);
  });
});

describe("pixels and text", () => {

  test("the context sent covers the selection and the native size, shifted inside the document", () => {
    const doc = { width: 1000, height: 600 };
    assert.deepEqual(contextRect(doc, null), { left: 0, top: 0, right: 1000, bottom: 600 });
    // A small selection in a corner: the daemon's 512 px work area shifts inward, so must ours.
    const corner = contextRect(doc, { left: 0, top: 0, right: 20, bottom: 20 }, { minContextSize: 512 });
    assert.deepEqual([corner.left, corner.top], [0, 0]);
    assert.ok(corner.right >= 512 && corner.bottom >= 512);
    const big = contextRect(doc, { left: 400, top: 200, right: 600, bottom: 400 }, { minContextSize: 64 });
    assert.ok(big.left <= 300 && big.right >= 700 && big.top <= 100 && big.bottom >= 500, JSON.stringify(big));
    assert.deepEqual(contextRect({ width: 64, height: 64 }, { left: 10, top: 10, right: 20, bottom: 20 }, { minContextSize: 512 }),
      { left: 0, top: 0, right: 64, bottom: 64 });
  });

  test("a soft selection becomes alpha, aligned by document position; RGB counts as opaque", () => {
    const image = { x: 10, y: 20, width: 2, height: 2, pixels: Uint8Array.from([1, 1, 1, 255, 2, 2, 2, 200, 3, 3, 3, 255, 4, 4, 4, 0]) };
    const mask = { x: 11, y: 20, width: 1, height: 2, mask: Uint8Array.from([128, 255]) };
    assert.deepEqual(maskAlpha(image, mask), Uint8Array.from([1, 1, 1, 0, 2, 2, 2, 100, 3, 3, 3, 0, 4, 4, 4, 0]));
    assert.equal(image.pixels[3], 255, "the input is left alone");
    const rgb = { x: 10, y: 20, width: 2, height: 1, pixels: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
    const target = new Uint8Array(8);
    assert.equal(maskAlpha(rgb, mask, target), target, "written into the given array");
    assert.deepEqual(target, Uint8Array.from([1, 2, 3, 0, 4, 5, 6, 128]));
    assert.throws(() => maskAlpha({ ...rgb, pixels: new Uint8Array(4) }, mask), /2 components/);
  });

  test("expand sends the strip next to the new margins, and all of the picture when they surround it", () => {
    const doc = { width: 1000, height: 600 };
    const right = expandContextRect(doc, { left: 0, top: 0, right: 100, bottom: 0 }, { minContextSize: 64 });
    assert.equal(right.right, 1000);
    assert.deepEqual([right.top, right.bottom], [0, 600]);
    assert.ok(right.left > 600 && right.left <= 900, JSON.stringify(right));
    const top = expandContextRect(doc, { left: 0, top: 50, right: 0, bottom: 0 }, { minContextSize: 64 });
    assert.deepEqual([top.left, top.top, top.right], [0, 0, 1000]);
    assert.ok(top.bottom >= 50 && top.bottom < 300, JSON.stringify(top));
    assert.deepEqual(expandContextRect(doc, { left: 10, top: 10, right: 10, bottom: 10 }, { minContextSize: 64 }),
      { left: 0, top: 0, right: 1000, bottom: 600 });
  });

  test("the UTF-8 fallback agrees with TextEncoder/TextDecoder", () => {
    const text = "cat ünïcödé 日本 🎨 \u0000 end";
    assert.deepEqual(encodeUtf8(text), new TextEncoder().encode(text));
    assert.equal(decodeUtf8(new TextEncoder().encode(text)), text);
    assert.equal(decodeUtf8(Uint8Array.from([0x61, 0xff, 0x62])), "a\ufffdb");
  });
});

describe("panel", () => {
  test("shows the manifest problem for an address it may not reach, in the error style", async () => {
    const { fakeDocument, fakeStorage, waitFor } = await import("./stand-ins/dom.js");
    const { startPanel } = await import("../src/panel.js");
    const page = fakeDocument();
    globalThis.localStorage = fakeStorage({ "underpaint.settings.v1": JSON.stringify({ server: "127.0.0.1:50099" }) });
    try {
      startPanel(/** @type {any} */ (page));
      const status = page.getElementById("status");
      await waitFor(() => status.className === "status error", 5000, "an error status");
      assert.match(status.textContent, /may not connect to http:\/\/127\.0\.0\.1:50099/);
      assert.equal(page.getElementById("server").value, "127.0.0.1:50099", "settings filled in");
      assert.equal(page.getElementById("cancel").disabled, true);
    } finally {
      delete globalThis.localStorage;
    }
  });
});
