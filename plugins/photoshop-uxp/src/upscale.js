// Upscale (docs/upscale.md): the selection's bounding box, or the whole document, enlarged by the
// daemon (an upscaler network in tiles, or Lanczos) in a FINISH job. The daemon answers with the
// enlarged pixels at (x, y) of the document scaled by the same factor: the panel scales the
// document to that size (Image Size: every layer resampled by Photoshop) and adds the result as a
// new layer on top, in one history step. Pixels outside a selection come back transparent.
import { CanvasOperation, JobType } from "./generated/underpaint/v1/underpaint_pb.js";
import { readCanvas } from "./document.js";
import { CanvasJob } from "./job.js";

export const CAPABILITY = "upscale";
export const MAX_SCALE = 16;

/**
 * The upscaler add-ons of the daemon (each with its network's `scale`).
 * @template {{type: string}} A
 * @param {A[]} addOns
 */
export function upscalers(addOns) {
  return addOns.filter((a) => a.type === "upscaler");
}

/**
 * The panel's "Factor" field: 0 = the upscaler's own factor (2 with Lanczos), else above 1 up to 16.
 * @param {unknown} raw
 */
export function parseScale(raw) {
  const text = String(raw ?? "").trim();
  const value = text === "" ? 0 : Number(text);
  if (!Number.isFinite(value) || (value !== 0 && !(value > 1 && value <= MAX_SCALE))) {
    throw new Error(`Upscale factor: "${text}" must be above 1 and at most ${MAX_SCALE} (0 = the upscaler's own).`);
  }
  return value;
}

export class UpscaleJob extends CanvasJob {
  /**
   * @param {Omit<ConstructorParameters<typeof CanvasJob>[0], "action"> & {upscale: {model: string, scale: number}}} options
   *   upscale.model: an "upscaler" add-on id, "" = Lanczos
   */
  constructor(options) {
    super({ ...options, action: "upscale" });
    this.upscale = options.upscale;
  }

  get resamplesDocument() {
    return true;
  }

  /**
   * Only the selection's box (the daemon upscales that and nothing around it), not the model's
   * native size of context that painting jobs read: a small selection of a big document stays small.
   * @param {import("photoshop/dom/Document").Document} doc
   * @returns {Promise<import("./document.js").CanvasCapture | null>}
   */
  capture(doc) {
    return readCanvas(doc, { sendRegion: true, useSelection: true, context: { context: 0, minContextSize: 0 } });
  }

  /**
   * The selection's area, or the whole document.
   * @returns {CanvasOperation}
   */
  operation() {
    return CanvasOperation.REFINE;
  }

  /**
   * @param {CanvasOperation} operation
   * @param {import("./document.js").CanvasCapture} capture
   */
  request(operation, capture) {
    const built = super.request(operation, capture);
    Object.assign(built.request, {
      type: JobType.FINISH, count: 1, strength: 0, previews: false,
      finishing: [{ step: { case: "upscale", value: { model: this.upscale.model, scale: this.upscale.scale } } }],
    });
    return built;
  }

  /** @param {import("./job.js").KeptResult} result */
  layerName(result) {
    const by = this.upscale.scale ? `x${this.upscale.scale}` : "";
    return `Underpaint: upscaled ${by} ${this.upscale.model || "Lanczos"} (${result.width}x${result.height})`.replace(/\s+/g, " ");
  }
}
