// One canvas job from button press to new layers: read the document, submit, follow the job's
// events (queue position, progress, previews, results) and place the results in one undo step.
// Finished images are kept until they are in the document: if Photoshop is busy with another
// plugin or the artist cancels the placing, placeAgain() puts them in later. Once placed, they
// are let go.
import {
  CanvasOperation,
  JobStatus,
  JobType,
  PixelFormat,
} from "./generated/underpaint/v1/underpaint_pb.js";
import { NO_FACES, finishingSteps, isFaceAction } from "./extras.js";
import { activeDocument, imageDataUrl, placeResults, readCanvas, selectionRect } from "./document.js";
import { ModalCancelledError, PhotoshopBusyError } from "./modal.js";
import { keep, layerName, policyNotice, queueMessage } from "./results.js";
import { bytesPayload } from "./wire.js";

export { layerName, policyNotice };

/** @typedef {"generate" | "fill" | "expand" | "upscale" | "edit" | import("./extras.js").FaceAction} Action */
/** @typedef {import("./params.js").JobParams} JobParams */
/**
 * @typedef {(job: {doc: import("photoshop/dom/Document").Document, capture: import("./document.js").CanvasCapture,
 *   request: import("./client.js").GenerateRequestInit, payloads: import("./wire.js").Payload[]}) => Promise<void>} Decorate
 */

/**
 * @typedef {object} JobUpdate  what the panel shows; every field is optional
 * @property {"reading" | "queued" | "running" | "placing" | "done" | "unplaced" | "failed" | "cancelled"} phase
 *   "unplaced": finished images are kept but not (yet) in the document
 * @property {string} [message]
 * @property {number} [queuePosition]
 * @property {number} [step]
 * @property {number} [totalSteps]
 * @property {string} [preview]  data: URL
 * @property {number[]} [layerIds]
 */

/**
 * @typedef {object} KeptResult  one finished image, independent of the response it came in
 * @property {number} index
 * @property {bigint} seed
 * @property {number} x
 * @property {number} y
 * @property {number} width
 * @property {number} height
 * @property {Uint8Array} rgba  an exact array
 * @property {number} documentWidth
 * @property {number} documentHeight
 * @property {number} offsetX
 * @property {number} offsetY
 * @property {string} note  what the daemon said of it ("no faces found")
 */

const HISTORY_NAMES = {
  generate: "Underpaint Generate", fill: "Underpaint Fill", expand: "Underpaint Expand",
  "restore-faces": "Underpaint Restore Faces", "rerender-faces": "Underpaint Re-render Faces",
  upscale: "Underpaint Upscale", edit: "Underpaint Edit",
};

export class CanvasJob {
  /**
   * @param {object} options
   * @param {import("./client.js").UnderpaintClient} options.client
   * @param {Action} options.action
   * @param {JobParams} options.params
   * @param {{nativeSize?: number, clientName?: string}} [options.model]
   * @param {(update: JobUpdate) => void} [options.onUpdate]
   * @param {import("./modal.js").ModalOptions} [options.modal]  how placing waits for Photoshop
   * @param {Decorate} [options.decorate]  adds to the request what other panel sections chose
   *   (controls, styles, archive options); may read more of the document
   */
  constructor({ client, action, params, model = {}, onUpdate = () => {}, modal = {}, decorate }) {
    this.client = client;
    this.action = action;
    this.params = params;
    this.model = model;
    this.onUpdate = onUpdate;
    this.modal = modal;
    this.decorate = decorate;
    /** @type {string | null} */
    this.jobId = null;
    this.cancelRequested = false;
    /** @type {KeptResult[]} */
    this.results = [];
    /** @type {string[]} what the daemon's content policy did to the images (blurred, withheld) */
    this.notices = [];
    /** @type {{documentID: number, expectedSize: {width: number, height: number},
     *          grow?: {width: number, height: number, offsetX: number, offsetY: number, resample?: boolean}} | null} */
    this.target = null;
    this.elapsed = 0;
    /** The daemon's last word on the job. @type {import("./generated/underpaint/v1/underpaint_pb.js").Finished | null} */
    this.finished = null;
  }

  /** Runs the job to its end; resolves to the last update (never rejects). */
  async run() {
    try {
      return this.report(await this.execute());
    } catch (error) {
      return this.report(this.failure(error));
    }
  }

  /** Whether finished images wait to be placed (placeAgain() puts them in). */
  get canPlaceAgain() {
    return Boolean(this.target && this.results.length);
  }

  /** Places the kept images; resolves to the last update (never rejects). */
  async placeAgain() {
    if (!this.canPlaceAgain) return this.report({ phase: "failed", message: "There are no finished images to place." });
    try {
      return this.report(await this.place(true));
    } catch (error) {
      return this.report(this.failure(error));
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

  /**
   * @param {unknown} error
   * @returns {JobUpdate}
   */
  failure(error) {
    return { phase: "failed", message: error instanceof Error ? error.message : String(error) };
  }

  /** @returns {Promise<JobUpdate>} */
  async execute() {
    this.report({ phase: "reading", message: "Reading the document…" });
    const doc = activeDocument();
    const operation = this.operation(doc);
    const capture = await this.capture(doc, operation);
    if (!capture) return { phase: "cancelled", message: "Nothing changed: nothing was sent." };
    if (this.cancelRequested) return { phase: "cancelled", message: "Cancelled." };

    const { request, payloads } = this.request(operation, capture);
    if (this.decorate) await this.decorate({ doc, capture, request, payloads });
    if (this.cancelRequested) return { phase: "cancelled", message: "Cancelled." };
    const job = await this.client.submit(request, payloads);
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
        const notice = policyNotice(kind.value);
        if (notice) this.notices.push(notice);
        // Withheld by the daemon's content policy: no image, nothing to place.
        if (kind.value.image && kind.value.image.data.length) this.results.push(keep(kind.value));
      } else if (kind.case === "finished") {
        finished = this.finished = kind.value;
      }
    });

    if (!finished || finished.status === JobStatus.CANCELLED || this.cancelRequested) {
      return { phase: "cancelled", message: "Cancelled: the document was left as it was." };
    }
    if (finished.status !== JobStatus.SUCCEEDED) {
      return { phase: "failed", message: finished.message || "The daemon could not finish the job." };
    }
    if (!this.results.length) {
      return { phase: "failed", message: this.notices.join(" ") || "The daemon finished without an image." };
    }
    if (isFaceAction(this.action) && this.results.every((r) => r.note === NO_FACES)) {
      this.results = [];
      return { phase: "done", message: "No faces found: nothing was changed." };
    }
    this.results.sort((a, b) => a.index - b.index);
    this.elapsed = finished.elapsed;
    const first = this.results[0];
    const grows = first.documentWidth > 0 &&
      (first.documentWidth !== capture.documentWidth || first.documentHeight !== capture.documentHeight);
    this.target = {
      documentID: capture.documentID,
      expectedSize: { width: capture.documentWidth, height: capture.documentHeight },
      grow: grows
        ? { width: first.documentWidth, height: first.documentHeight, offsetX: first.offsetX, offsetY: first.offsetY,
            resample: this.resamplesDocument }
        : undefined,
    };
    return this.place(false);
  }

  /**
   * Places the kept images in one history step. Failing to place is not failing the job: the
   * images stay for placeAgain().
   * @param {boolean} again  asked for with Place again
   * @returns {Promise<JobUpdate>}
   */
  async place(again) {
    const target = /** @type {NonNullable<CanvasJob["target"]>} */ (this.target);
    this.report({ phase: "placing", message: "Placing the result…" });
    const placements = this.results.map((result) => ({
      rgba: result.rgba, width: result.width, height: result.height, x: result.x, y: result.y,
      name: this.layerName(result),
    }));
    const count = `${placements.length} image${placements.length > 1 ? "s are" : " is"}`;
    let layerIds;
    try {
      ({ layerIds } = await placeResults(target.documentID, placements, {
        historyName: this.historyName,
        expectedSize: target.expectedSize,
        grow: target.grow,
        modal: { ...this.modal, onBusy: (message) => this.report({ phase: "placing", message }) },
      }));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const how = error instanceof PhotoshopBusyError
        ? "press Place again when Photoshop is free."
        : error instanceof ModalCancelledError ? "press Place again to put them in." : "Place again tries once more.";
      return { phase: "unplaced", message: `${reason} The ${count} kept: ${how}` };
    }
    const seeds = this.results.map((r) => r.seed).join(", ");
    const layers = `${layerIds.length} new layer${layerIds.length > 1 ? "s" : ""} (seed ${seeds})`;
    this.results = []; // in the document now: an 8k result is 268 MB of plugin memory
    return {
      phase: "done",
      layerIds,
      message: [again ? `Placed ${layers}.` : `Done in ${this.elapsed.toFixed(1)} s: ${layers}.`, ...this.notices].join(" "),
    };
  }

  /**
   * What the job reads of the document; null = nothing worth sending (the live layer's
   * unchanged canvas).
   * @param {import("photoshop/dom/Document").Document} doc
   * @param {CanvasOperation} operation
   * @returns {Promise<import("./document.js").CanvasCapture | null>}
   */
  capture(doc, operation) {
    return readCanvas(doc, {
      // Generating from scratch needs no pixels; everything else uses them as context.
      sendRegion: operation !== CanvasOperation.GENERATE || isFaceAction(this.action),
      useSelection: operation !== CanvasOperation.EXPAND,
      context: { minContextSize: this.model.nativeSize || 512 },
      expand: operation === CanvasOperation.EXPAND ? this.params.expand : undefined,
    });
  }

  /** A larger document in the result means: scale the picture (Upscale), not add margins (Expand). */
  get resamplesDocument() {
    return false;
  }

  /** The History panel's name for the job's step. */
  get historyName() {
    return HISTORY_NAMES[/** @type {keyof typeof HISTORY_NAMES} */ (this.action)] || "Underpaint";
  }

  /** @param {KeptResult} result */
  layerName(result) {
    return layerName(this.action, this.params.prompt, result.seed);
  }

  /**
   * @param {import("photoshop/dom/Document").Document} doc
   * @returns {CanvasOperation}
   */
  operation(doc) {
    // A face button works on what is there: the selection's area, or the whole document.
    if (isFaceAction(this.action)) return CanvasOperation.REFINE;
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
   * The request, with the captured pixels handed over as payloads (written once into the body;
   * the capture keeps none of them).
   * @param {CanvasOperation} operation
   * @param {import("./document.js").CanvasCapture} capture
   * @returns {{request: import("./client.js").GenerateRequestInit, payloads: import("./wire.js").Payload[]}}
   */
  request(operation, capture) {
    const p = this.params;
    /** @type {import("./wire.js").Payload[]} */
    const payloads = [];
    /** @type {import("./client.js").GenerateRequestInit["canvas"]} */
    const canvas = {
      documentWidth: capture.documentWidth,
      documentHeight: capture.documentHeight,
      operation,
    };
    if (capture.region) {
      const { x, y, width, height, format, pixels } = capture.region;
      Object.assign(canvas, { region: { width, height, format }, regionX: x, regionY: y });
      payloads.push(bytesPayload(["canvas", "region", "data"], pixels));
      capture.region.pixels = new Uint8Array(0);
    }
    if (capture.selection) {
      const { x, y, width, height, mask } = capture.selection;
      Object.assign(canvas, { selection: { width, height, format: PixelFormat.GRAY8 }, selectionX: x, selectionY: y });
      payloads.push(bytesPayload(["canvas", "selection", "data"], mask));
      capture.selection.mask = new Uint8Array(0);
    }
    if (operation === CanvasOperation.EXPAND) canvas.expand = { ...p.expand };
    const request = {
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
      vae: p.vae,
      finishing: finishingSteps(this.action, p),
    };
    if (isFaceAction(this.action)) {
      // A finishing job: no generation of its own, one result over the area.
      Object.assign(request, { type: JobType.FINISH, count: 1, strength: 0, previews: false });
    }
    return { request, payloads };
  }
}
