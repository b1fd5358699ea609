// Shared setup of the test files that run the panel's real code against a live daemon
// (live-*.test.mjs, tools-*.test.mjs): one daemon per file, the Photoshop stand-in reset before
// each test, and the quick jobs, recordings and pictures several of those files use.
import { after, before, beforeEach } from "node:test";
import { standIn } from "photoshop";
import { connect } from "../src/connection.js";
import { parseParams } from "../src/params.js";
import { startDaemon } from "./daemon.mjs";
import { allowInManifest } from "./helpers.mjs";

/** How long one live test may take; the Tools' files read TOOLS_TIMEOUT (slow machines). */
export const LIVE_TIMEOUT = 240000;
export const TOOLS_TIMEOUT = Number(process.env.TOOLS_TIMEOUT || LIVE_TIMEOUT);

/** Panel values for a quick job on the demo model. */
export function params(overrides = {}) {
  return parseParams({ prompt: "a red barn", negativePrompt: "", model: "", strength: 1, steps: 2, guidance: 7,
    seed: 1234, variations: 1, ...overrides });
}

/**
 * Call inside a describe: starts a daemon serving the demo model before its tests and connects
 * to it, stops it after them, and resets the Photoshop stand-in before each test. `onReady`
 * receives {daemon, connection} once connected.
 * @param {{faceRestorer?: boolean, timeout?: number}} options  faceRestorer: see startDaemon
 * @param {(started: {daemon: Awaited<ReturnType<typeof startDaemon>>,
 *   connection: import("../src/connection.js").Connection}) => void} onReady
 */
export function useLiveDaemon({ faceRestorer = true, timeout = LIVE_TIMEOUT }, onReady) {
  /** @type {Awaited<ReturnType<typeof startDaemon>> | undefined} */
  let daemon;
  let disallow = () => {};
  before(async () => {
    daemon = await startDaemon({ faceRestorer });
    // The manifest only lists port 50052; the test daemon is on a free port, so the tests
    // allow it the way an artist would: by adding it to manifest.json.
    disallow = await allowInManifest(`http://${daemon.http}`);
    const connection = await connect({ server: daemon.http, token: "" },
      { requiredPermissions: { network: { domains: [`http://${daemon.http}`] } } });
    onReady({ daemon, connection });
  }, { timeout });
  after(async () => {
    disallow();
    await daemon?.stop();
  });
  beforeEach(() => standIn.reset());
}

/**
 * Runs a job of `Kind` (CanvasJob, UpscaleJob, KeyframesJob, ...) with quick params to its end.
 * @returns {Promise<{last: any, updates: any[], job: any}>}
 */
export async function runJob(connection, Kind, options) {
  const updates = [];
  const job = new Kind({ client: connection.client, params: params(), model: { nativeSize: 64 },
    onUpdate: (u) => updates.push(u), ...options });
  const last = await job.run();
  return { last, updates, job };
}

/** The daemon client with every submitted request recorded (pixel payloads copied into `data`). */
export function recordingClient(connection) {
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

/** A transparent layer with white strokes: what an artist draws as a scribble control. */
export function scribble(width, height) {
  const pixels = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (x % 16 < 2 || y === x) pixels.set([255, 255, 255, 255], (y * width + x) * 4);
    }
  }
  return pixels;
}
