// Train embedding from selected layers: the request's checks offline, then the real module against
// a live daemon with Photoshop played by the pixel-holding stand-in: the selected layers are what
// the daemon trains on, each step's loss is reported, the word is listed afterwards, Cancel keeps
// the checkpoint.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { standIn } from "photoshop";
import { connect } from "../src/connection.js";
import { JobType } from "../src/generated/underpaint/v1/underpaint_pb.js";
import { TrainJob, trainRequest } from "../src/training.js";
import { liveSkipReason, startDaemon } from "./daemon.mjs";
import { allowInManifest } from "./helpers.mjs";

const TIMEOUT = Number(process.env.TOOLS_TIMEOUT || 240000);

/** A red square on grey, shifted a little per picture: one "thing". */
function square(i, width = 64, height = 64) {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const red = y >= 8 + 4 * i && y < 40 + 4 * i && x >= 12 && x < 44;
      rgba.set(red ? [220, 30, 30, 255] : [128, 128, 128, 255], (y * width + x) * 4);
    }
  }
  return rgba;
}

const picture = (i, width = 64, height = 64) => ({ width, height, rgba: square(i, width, height) });

describe("training requests (offline)", () => {
  test("three pictures, a word and the steps make a TRAIN_EMBEDDING request", () => {
    const r = trainRequest({ pictures: [0, 1, 2].map((i) => picture(i)), token: "ps-square", initWord: " square ",
      steps: 30, model: "sd15" });
    assert.equal(r.type, JobType.TRAIN_EMBEDDING);
    assert.equal(r.model, "sd15");
    assert.deepEqual([r.train?.token, r.train?.initWord, r.train?.steps], ["ps-square", "square", 30]);
    assert.deepEqual(r.train?.images?.map((i) => [i.width, i.height, i.data?.length]), Array(3).fill([64, 64, 64 * 64 * 4]));
  });

  for (const [options, start] of /** @type {[object, string][]} */ ([
    [{ pictures: [picture(0), picture(1)] }, "Training: select 3 to 50 pixel layers of one thing in the Layers panel (2 selected)."],
    [{ token: "two words" }, "Training: \"two words\" is not a usable word"],
    [{ steps: 20001 }, "Training: steps must be 1 to 20000"],
    [{ learningRate: Number.NaN }, "Training: the learning rate must be above 0"],
    [{ pictures: [0, 1, 2].map((i) => picture(i, 60, 64)) }, "Training: the document is 60x64; its sides must be multiples of 8"],
  ])) {
    test(`refused before sending: ${start.slice(10, 50)}`, () => {
      const base = { pictures: [0, 1, 2].map((i) => picture(i)), token: "ok" };
      assert.throws(() => trainRequest({ ...base, ...options }), (error) => error instanceof Error && error.message.startsWith(start));
    });
  }
});

const skip = liveSkipReason();

describe("training from selected layers on a live daemon", { skip: skip ?? false, timeout: TIMEOUT * 3 }, () => {
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

  /** A document whose layers hold the squares, those three selected (the background is not). */
  function documentWithSquares() {
    const doc = standIn.newDocument({ width: 64, height: 64, pixels: new Uint8Array(64 * 64 * 4).fill(255), opaque: true });
    doc.selected = [0, 1, 2].map((i) => doc.addPixelLayer(`square ${i}`, square(i)));
    return doc;
  }

  test("three selected layers train a word the daemon lists at once; the document is unchanged", { timeout: TIMEOUT }, async () => {
    const doc = documentWithSquares();
    const layersBefore = doc.stack.length;
    const updates = [];
    const job = new TrainJob({ client: connection.client, token: "ps-square", initWord: "square", steps: 3,
      model: "underpaint-demo", onUpdate: (u) => updates.push(u) });
    const last = await job.run();
    assert.equal(last.phase, "done", last.message);
    assert.ok(last.message.startsWith('Trained the embedding "ps-square": write ps-square in a prompt.'), last.message);
    assert.deepEqual(updates.filter((u) => u.phase === "running").map((u) => [u.step, u.totalSteps]), [[1, 3], [2, 3], [3, 3]]);
    assert.equal(job.losses.length, 3);
    assert.ok(job.losses.every((loss) => loss > 0 && Number.isFinite(loss)));
    assert.equal(doc.stack.length, layersBefore);
    const listing = await connection.client.listModels();
    assert.ok(listing.addOns.some((a) => a.type === "embedding" && a.id === "ps-square"));
  });

  test("one selected layer is refused before sending; cancel keeps the checkpoint", { timeout: TIMEOUT }, async () => {
    const doc = documentWithSquares();
    doc.selected = doc.selected.slice(0, 1);
    const refused = await new TrainJob({ client: connection.client, token: "ps-one", steps: 3 }).run();
    assert.equal(refused.phase, "failed");
    assert.equal(refused.message, "Training: select 3 to 50 pixel layers of one thing in the Layers panel (1 selected).");

    documentWithSquares();
    /** @type {TrainJob} */
    const job = new TrainJob({ client: connection.client, token: "ps-cancelled", steps: 5000, model: "underpaint-demo",
      onUpdate: (u) => { if (u.phase === "running" && u.step === 1) void job.cancel(); } });
    const last = await job.run();
    assert.equal(last.phase, "cancelled", last.message);
    assert.equal(last.message, 'Cancelled: what "ps-cancelled" learned so far is kept.');
    const listing = await connection.client.listModels();
    assert.ok(listing.addOns.some((a) => a.id === "ps-cancelled"));
    assert.ok(!listing.addOns.some((a) => a.id === "ps-one"));
  });
});
