// Train embedding from selected layers (docs/models.md, "Training an embedding"): the layers
// selected in the Layers panel, each read at the document's size, become the pictures of a
// TRAIN_EMBEDDING job; the daemon learns a new prompt word and saves it in its
// models/embeddings. Nothing is placed in the document: progress carries the loss, Cancel keeps
// what was learned so far, and the add-on lists are reloaded afterwards by the panel.
import { constants } from "photoshop";
import { JobStatus, JobType, PixelFormat } from "./generated/underpaint/v1/underpaint_pb.js";
import { activeDocument } from "./document.js";
import { readLayer } from "./layers.js";

export const CAPABILITY = "train_embedding";
export const MIN_IMAGES = 3;
export const MAX_IMAGES = 50;
export const MAX_STEPS = 20000;
export const MIN_SIDE = 64;
export const SIZE_MULTIPLE = 8; // SD 1.x / 2.x
const TOKEN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * The TRAIN_EMBEDDING request; throws an Error naming what is wrong before anything is sent.
 * @param {{pictures: {width: number, height: number, rgba: Uint8Array}[], token: string, initWord?: string,
 *          steps?: number, learningRate?: number, model?: string, clientName?: string}} options
 *   steps 0 = 500, learningRate 0 = 0.005, initWord "" = "*"
 * @returns {import("./client.js").GenerateRequestInit}
 */
export function trainRequest({ pictures, token, initWord = "", steps = 0, learningRate = 0, model = "",
  clientName = "photoshop-uxp" }) {
  if (pictures.length < MIN_IMAGES || pictures.length > MAX_IMAGES) {
    throw new Error(`Training: select ${MIN_IMAGES} to ${MAX_IMAGES} pixel layers of one thing in the Layers panel (${pictures.length} selected).`);
  }
  const name = String(token ?? "").trim();
  if (!TOKEN.test(name)) {
    throw new Error(`Training: "${name}" is not a usable word: 1 to 64 letters, digits, _ - or ., starting with a letter or digit.`);
  }
  if (!Number.isInteger(steps) || steps < 0 || steps > MAX_STEPS) {
    throw new Error(`Training: steps must be 1 to ${MAX_STEPS} (0 = 500), not ${steps}.`);
  }
  if (!Number.isFinite(learningRate) || learningRate < 0 || learningRate > 1) {
    throw new Error(`Training: the learning rate must be above 0 and at most 1 (0 = 0.005), not ${learningRate}.`);
  }
  const { width, height } = pictures[0];
  if (Math.min(width, height) < MIN_SIDE || width % SIZE_MULTIPLE || height % SIZE_MULTIPLE) {
    throw new Error(`Training: the document is ${width}x${height}; its sides must be multiples of ${SIZE_MULTIPLE}, at least ${MIN_SIDE} (Image > Canvas Size).`);
  }
  const images = pictures.map((p, i) => {
    if (p.width !== width || p.height !== height || p.rgba.length !== width * height * 4) {
      throw new Error(`Training: picture ${i + 1} is ${p.width}x${p.height}, not ${width}x${height} RGBA8.`);
    }
    return { width, height, format: PixelFormat.RGBA8, data: p.rgba };
  });
  return {
    type: JobType.TRAIN_EMBEDDING, model, seed: -1n, client: clientName,
    train: { images, token: name, initWord: String(initWord ?? "").trim(), steps, learningRate },
  };
}

/**
 * The selected pixel layers (Photoshop's `activeLayers`), each read over the whole document.
 * @param {import("photoshop/dom/Document").Document} doc
 */
export async function readSelectedLayers(doc) {
  const layers = [...doc.activeLayers].filter((layer) => layer.kind === constants.LayerKind.NORMAL);
  const whole = { left: 0, top: 0, right: doc.width, bottom: doc.height };
  const pictures = [];
  for (const layer of layers) {
    const { width, height, rgba } = await readLayer(doc, layer.id, whole);
    pictures.push({ width, height, rgba });
  }
  return pictures;
}

/** @typedef {import("./job.js").JobUpdate & {loss?: number}} TrainUpdate */

/** One training run; `run()` resolves to the last update (never rejects). */
export class TrainJob {
  /**
   * @param {{client: import("./client.js").UnderpaintClient, token: string, initWord?: string, steps?: number,
   *          learningRate?: number, model?: string, onUpdate?: (update: TrainUpdate) => void}} options
   */
  constructor({ client, onUpdate = () => {}, ...options }) {
    this.client = client;
    this.options = options;
    this.onUpdate = onUpdate;
    /** @type {string | null} */
    this.jobId = null;
    this.cancelRequested = false;
    /** @type {number[]} the loss of each step, in order */
    this.losses = [];
  }

  /** @returns {Promise<TrainUpdate>} */
  async run() {
    try {
      return this.report(await this.execute());
    } catch (error) {
      return this.report({ phase: "failed", message: error instanceof Error ? error.message : String(error) });
    }
  }

  async cancel() {
    this.cancelRequested = true;
    if (this.jobId) await this.client.cancel(this.jobId);
  }

  /** @param {TrainUpdate} update */
  report(update) {
    this.onUpdate(update);
    return update;
  }

  /** @returns {Promise<TrainUpdate>} */
  async execute() {
    this.report({ phase: "reading", message: "Reading the selected layers…" });
    const request = trainRequest({ ...this.options, pictures: await readSelectedLayers(activeDocument()) });
    if (this.cancelRequested) return { phase: "cancelled", message: "Cancelled: nothing was sent." };
    const job = await this.client.submit(request);
    this.jobId = job.id;
    if (this.cancelRequested) await this.client.cancel(job.id);
    /** @type {import("./generated/underpaint/v1/underpaint_pb.js").Finished | null} */
    let finished = null;
    let note = "";
    await this.client.followJob(job.id, (event) => {
      const kind = event.kind;
      if (kind.case === "progress") {
        const { step, totalSteps, loss } = kind.value;
        this.losses.push(loss);
        this.report({ phase: "running", step, totalSteps, loss,
          message: `Training: step ${step} of ${totalSteps}, loss ${loss.toFixed(4)}` });
      } else if (kind.case === "result") {
        note = kind.value.note;
      } else if (kind.case === "finished") {
        finished = kind.value;
      }
    });
    const token = request.train?.token;
    const end = /** @type {import("./generated/underpaint/v1/underpaint_pb.js").Finished | null} */ (finished);
    if (!end || end.status === JobStatus.CANCELLED) {
      return { phase: "cancelled", message: `Cancelled: what "${token}" learned so far is kept.` };
    }
    if (end.status !== JobStatus.SUCCEEDED) return { phase: "failed", message: end.message || "The training failed." };
    return { phase: "done", message: `Trained the embedding "${token}": write ${token} in a prompt.${note ? ` (${note})` : ""}` };
  }
}
