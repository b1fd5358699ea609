// The panel's newer tools (upscale, control layers, live layer, keyframes and edit, history,
// styles, interrogate) with their real code against a live daemon, Photoshop played by the
// pixel-holding stand-in. Each test checks what reached the daemon through what it did.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { standIn } from "photoshop";
import { connect } from "../src/connection.js";
import { parseParams } from "../src/params.js";
import { UpscaleJob, upscalers } from "../src/upscale.js";
import { liveSkipReason, startDaemon } from "./daemon.mjs";
import { allowInManifest, pixelAt, testPicture } from "./helpers.mjs";

const skip = liveSkipReason();
const TIMEOUT = 240000;

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

  test("upscale: a factor the daemon refuses is reported, the document is left alone", { timeout: TIMEOUT }, async () => {
    const doc = standIn.newDocument({ width: 40, height: 32, pixels: testPicture(40, 32) });
    const { last } = await run(UpscaleJob, { upscale: { model: "no-such-upscaler", scale: 2 } });
    assert.equal(last.phase, "failed");
    assert.match(last.message, /no-such-upscaler/);
    assert.deepEqual([doc.width, doc.height, doc.stack.length], [40, 32, 1]);
  });
});
