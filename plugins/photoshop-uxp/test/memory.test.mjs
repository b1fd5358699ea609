// Memory of a whole-canvas job on an 8k document: how many times the panel copies the pixels on
// their way from Photoshop to the request body, and the most it holds at once. Photoshop warns
// when a plugin passes about 600 MB (imaging.md, "Performance considerations"). The daemon is
// played by a fetch that answers Submit and PollEvents itself: an 8k request to the real daemon
// costs seconds of CPU and gigabytes on a shared machine, and the daemon reading these bodies is
// what the live tests check on small documents.
import assert from "node:assert/strict";
import { test } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { standIn } from "photoshop";
import {
  GenerateRequestSchema, JobSchema, JobStatus, PixelFormat, PollEventsResponseSchema,
} from "../src/generated/underpaint/v1/underpaint_pb.js";
import { UnderpaintClient } from "../src/client.js";
import { CanvasJob } from "../src/job.js";
import { parseParams } from "../src/params.js";
import { trackLargeAllocations } from "./allocations.mjs";

const SIZE = 8192;
const MB = 1e6;

/** An opaque 8k document (a Background layer) with a pattern that shows rows and columns. */
function bigDocument() {
  const doc = standIn.newDocument({ width: SIZE, height: SIZE, opaque: true });
  const words = new Uint32Array(doc.stack[0].pixels.buffer);
  for (let y = 0; y < SIZE; y++) {
    const row = y * SIZE;
    for (let x = 0; x < SIZE; x++) words[row + x] = 0xff000000 | ((y & 255) << 8) | (x & 255); // r=x, g=y, a=255
  }
  return doc;
}

test("an 8k whole-canvas job copies the pixels twice at most: Photoshop's array, then the request body", async (t) => {
  standIn.reset();
  const doc = bigDocument();
  /** @type {{url: string, body: any}[]} */
  const requests = [];
  /** @type {ReturnType<typeof trackLargeAllocations> | null} */
  let tracker = null;
  /** @param {string} url @param {RequestInit} init */
  const daemon = async (url, init) => {
    tracker?.sample(); // the body is complete: is anything else still alive?
    requests.push({ url, body: init.body });
    const reply = url.endsWith("/Submit")
      ? toBinary(JobSchema, create(JobSchema, { id: "job-1", queuePosition: 0 }))
      : toBinary(PollEventsResponseSchema, create(PollEventsResponseSchema, {
        events: [{ jobId: "job-1", seq: 1n, kind: { case: "finished", value: { status: JobStatus.CANCELLED } } }],
        done: true,
      }));
    return new Response(reply, { status: 200, headers: { "Content-Type": "application/proto" } });
  };
  const client = new UnderpaintClient({ baseUrl: "http://127.0.0.1:50052", fetch: /** @type {any} */ (daemon) });
  // Strength below 1 without a selection: the daemon reworks the whole canvas from its pixels.
  const params = parseParams({ prompt: "oil", strength: 0.5, steps: 2, guidance: 7, seed: 1, variations: 1 });

  tracker = trackLargeAllocations();
  let last;
  try {
    last = await new CanvasJob({ client, action: "generate", params, model: { nativeSize: 512 } }).run();
  } finally {
    tracker.stop();
  }
  assert.equal(last.phase, "cancelled", last.message);

  const payload = SIZE * SIZE * 3; // the composite of an opaque document is RGB
  const allocated = tracker.allocations.reduce((sum, a) => sum + a.bytes, 0);
  const peak = tracker.peakLiveBytes();
  t.diagnostic(`${SIZE}x${SIZE} opaque canvas: pixels ${(payload / MB).toFixed(1)} MB; the panel allocated ` +
    `${tracker.allocations.length} buffers of 1 MiB or more, ${(allocated / MB).toFixed(1)} MB in all; ` +
    `at most ${(peak / MB).toFixed(1)} MB of them alive at once`);
  assert.ok(tracker.allocations.length <= 2, `large allocations: ${JSON.stringify(tracker.allocations)}`);
  assert.ok(allocated <= 2 * payload + (1 << 20), `${allocated} bytes allocated for ${payload} bytes of pixels`);
  assert.ok(peak <= 2 * payload + (1 << 20), `${peak} bytes alive at once`);

  // The whole canvas was read once, at full size, and went out as one exact array.
  assert.deepEqual(standIn.callsNamed("getPixels").map((c) => c.options.sourceBounds),
    [{ left: 0, top: 0, right: SIZE, bottom: SIZE }]);
  const submit = requests.find((r) => r.url.endsWith("/Submit"));
  assert.ok(submit.body instanceof Uint8Array, "the body is a typed array, not a copy into an ArrayBuffer");
  assert.equal(submit.body.byteOffset, 0);
  assert.equal(submit.body.byteLength, submit.body.buffer.byteLength);
  const request = fromBinary(GenerateRequestSchema, submit.body);
  const region = request.canvas?.region;
  assert.deepEqual([region?.width, region?.height, region?.format, request.canvas?.regionX, request.canvas?.regionY],
    [SIZE, SIZE, PixelFormat.RGB8, 0, 0]);
  assert.equal(region?.data.length, payload);
  for (const [x, y] of [[0, 0], [5, 7], [SIZE - 1, SIZE - 1], [300, 4000]]) {
    const i = (y * SIZE + x) * 3;
    assert.deepEqual([...region.data.subarray(i, i + 3)], [x & 255, y & 255, 0], `pixel (${x}, ${y})`);
  }
  assert.equal(request.prompt, "oil");
  assert.equal(request.canvas?.documentWidth, SIZE);
});
