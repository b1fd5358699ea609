// One canvas job from button press to new layers: read the document, submit, follow the job's
// events (queue position, progress, previews, results) and place the results in one undo step.
import {
  CanvasOperation,
  JobStatus,
  PixelFormat,
} from "./generated/underpaint/v1/underpaint_pb.js";
import { activeDocument, imageDataUrl, placeResults, readCanvas, selectionRect } from "./document.js";

/** @typedef {"generate" | "fill" | "expand"} Action */
/** @typedef {import("./params.js").JobParams} JobParams */
/** @typedef {import("./generated/underpaint/v1/underpaint_pb.js").Result} Result */

/**
 * @typedef {object} JobUpdate  what the panel shows; every field is optional
 * @property {"reading" | "queued" | "running" | "placing" | "done" | "failed" | "cancelled"} phase
 * @property {string} [message]
 * @property {number} [queuePosition]
 * @property {number} [step]
 * @property {number} [totalSteps]
 * @property {string} [preview]  data: URL
 * @property {number[]} [layerIds]
 */

const HISTORY_NAMES = { generate: "Underpaint Generate", fill: "Underpaint Fill", expand: "Underpaint Expand" };

export class CanvasJob {
  /**
   * @param {object} options
   * @param {import("./client.js").UnderpaintClient} options.client
   * @param {Action} options.action
   * @param {JobParams} options.params
   * @param {{nativeSize?: number, clientName?: string}} [options.model]
   * @param {(update: JobUpdate) => void} [options.onUpdate]
   */
  constructor({ client, action, params, model = {}, onUpdate = () => {} }) {
    this.client = client;
    this.action = action;
    this.params = params;
    this.model = model;
    this.onUpdate = onUpdate;
    /** @type {string | null} */
    this.jobId = null;
    this.cancelRequested = false;
    /** @type {Result[]} */
    this.results = [];
  }

  /** Runs the job to its end; resolves to the last update (never rejects). */
  async run() {
    try {
      return this.report(await this.execute());
    } catch (error) {
      return this.report({ phase: "failed", message: error instanceof Error ? error.message : String(error) });
    }
  }

  /** Stops the job on the daemon (or before it is submitted); nothing is placed. */
  async cancel() {
    this.cancelRequested = true;
    if (this.jobId) await this.client.cancel(this.jobId);
  }

  /** @param {JobUpdate} update */
  report(update) {
    this.onUpdate(update);
    return update;
  }

  /** @returns {Promise<JobUpdate>} */
  async execute() {
    this.report({ phase: "reading", message: "Reading the document…" });
    const doc = activeDocument();
    const operation = this.operation(doc);
    const capture = await readCanvas(doc, {
      // Generating from scratch needs no pixels; everything else uses them as context.
      sendRegion: operation !== CanvasOperation.GENERATE,
      useSelection: operation !== CanvasOperation.EXPAND,
      context: { minContextSize: this.model.nativeSize || 512 },
    });
    if (this.cancelRequested) return { phase: "cancelled", message: "Cancelled." };

    const job = await this.client.submit(this.request(operation, capture));
    this.jobId = job.id;
    this.report({ phase: "queued", queuePosition: job.queuePosition, message: queueMessage(job.queuePosition) });
    if (this.cancelRequested) await this.client.cancel(job.id); // pressed while submitting

    /** @type {import("./generated/underpaint/v1/underpaint_pb.js").Finished | undefined} */
    let finished;
    await this.client.followJob(job.id, async (event) => {
      const kind = event.kind;
      if (kind.case === "queued") {
        this.report({ phase: "queued", queuePosition: kind.value.position, message: queueMessage(kind.value.position) });
      } else if (kind.case === "started") {
        this.report({ phase: "running", step: 0, message: `Running on ${kind.value.device || "the daemon"}…` });
      } else if (kind.case === "progress") {
        const { step, totalSteps, preview } = kind.value;
        /** @type {JobUpdate} */
        const update = { phase: "running", step, totalSteps, message: `Step ${step} of ${totalSteps}` };
        if (preview && preview.format === PixelFormat.RGBA8 && preview.data.length === preview.width * preview.height * 4) {
          // A preview that cannot be shown is no reason to stop the job.
          update.preview = await imageDataUrl(preview).catch(() => undefined);
        }
        this.report(update);
      } else if (kind.case === "result") {
        this.results.push(kind.value);
      } else if (kind.case === "finished") {
        finished = kind.value;
      }
    });

    if (!finished || finished.status === JobStatus.CANCELLED || this.cancelRequested) {
      return { phase: "cancelled", message: "Cancelled: the document was left as it was." };
    }
    if (finished.status !== JobStatus.SUCCEEDED) {
      return { phase: "failed", message: finished.message || "The daemon could not finish the job." };
    }
    if (!this.results.length) return { phase: "failed", message: "The daemon finished without an image." };

    this.report({ phase: "placing", message: "Placing the result…" });
    const layerIds = await this.place(capture);
    const seeds = this.results.map((r) => r.seed).join(", ");
    return {
      phase: "done",
      layerIds,
      message: `Done in ${finished.elapsed.toFixed(1)} s: ${layerIds.length} new layer${layerIds.length > 1 ? "s" : ""} (seed ${seeds}).`,
    };
  }

  /** @param {import("photoshop/dom/Document").Document} doc */
  operation(doc) {
    if (this.action === "expand") {
      const { left, top, right, bottom } = this.params.expand;
      if (!(left || top || right || bottom)) throw new Error("Expand: set how many pixels to add on at least one side.");
      return CanvasOperation.EXPAND;
    }
    if (this.action === "fill") {
      if (!selectionRect(doc)) throw new Error("Fill selection: select the area to fill first.");
      return CanvasOperation.FILL;
    }
    return this.params.strength >= 1 ? CanvasOperation.GENERATE : CanvasOperation.REFINE;
  }

  /**
   * @param {CanvasOperation} operation
   * @param {import("./document.js").CanvasCapture} capture
   * @returns {import("./client.js").GenerateRequestInit}
   */
  request(operation, capture) {
    const p = this.params;
    /** @type {import("./client.js").GenerateRequestInit["canvas"]} */
    const canvas = {
      documentWidth: capture.documentWidth,
      documentHeight: capture.documentHeight,
      operation,
    };
    if (capture.region) {
      const { x, y, width, height, rgba } = capture.region;
      Object.assign(canvas, { region: { width, height, format: PixelFormat.RGBA8, data: rgba }, regionX: x, regionY: y });
    }
    if (capture.selection) {
      const { x, y, width, height, mask } = capture.selection;
      Object.assign(canvas, { selection: { width, height, format: PixelFormat.GRAY8, data: mask }, selectionX: x, selectionY: y });
    }
    if (operation === CanvasOperation.EXPAND) canvas.expand = { ...p.expand };
    return {
      prompt: p.prompt,
      negativePrompt: p.negativePrompt,
      model: p.model,
      steps: p.steps,
      guidance: p.guidance,
      seed: p.seed,
      count: p.variations,
      strength: operation === CanvasOperation.GENERATE ? 0 : p.strength,
      outputFormat: PixelFormat.RGBA8,
      previews: true,
      previewMaxSize: 192,
      client: this.model.clientName || "photoshop-uxp",
      canvas,
    };
  }

  /** @param {import("./document.js").CanvasCapture} capture */
  async place(capture) {
    const results = [...this.results].sort((a, b) => a.index - b.index);
    const placements = results.map((result) => {
      const image = result.image;
      if (!image || image.format !== PixelFormat.RGBA8 || image.data.length !== image.width * image.height * 4) {
        throw new Error(`Result ${result.index} is not a ${image?.width}x${image?.height} RGBA8 image.`);
      }
      return {
        rgba: image.data,
        width: image.width,
        height: image.height,
        x: result.x,
        y: result.y,
        name: layerName(this.action, this.params.prompt, result.seed),
      };
    });
    const first = results[0];
    const grows = first.documentWidth > 0 &&
      (first.documentWidth !== capture.documentWidth || first.documentHeight !== capture.documentHeight);
    return placeResults(capture.documentID, placements, {
      historyName: HISTORY_NAMES[this.action],
      expectedSize: { width: capture.documentWidth, height: capture.documentHeight },
      grow: grows
        ? { width: first.documentWidth, height: first.documentHeight, offsetX: first.offsetX, offsetY: first.offsetY }
        : undefined,
    });
  }
}

/** @param {number} position */
function queueMessage(position) {
  return position > 0 ? `Waiting: ${position} job${position > 1 ? "s" : ""} ahead.` : "Starting…";
}

/**
 * @param {Action} action
 * @param {string} prompt
 * @param {bigint} seed
 */
export function layerName(action, prompt, seed) {
  const words = prompt ? prompt.replace(/\s+/g, " ").slice(0, 40) : action === "generate" ? "generated" : `${action} (no prompt)`;
  return `Underpaint: ${words} [seed ${seed}]`;
}
