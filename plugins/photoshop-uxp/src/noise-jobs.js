// The jobs built on the daemon's noise (docs/noise.md): Keyframes — the document's visible pixel
// layers as frames (bottom = first), each restyled with one prompt and one frozen noise, so the
// results change only where the frames do; they come back in frame order as new layers. Edit (no
// mask) — the selection (or the picture) inverted to the noise that makes it under the "from"
// prompt, then re-sampled with the panel's prompt, so only what the prompt change touches changes.
import { create } from "@bufbuild/protobuf";
import { CanvasOperation, ImageSchema, JobType, NoiseOptionsSchema, PixelFormat } from "./generated/underpaint/v1/underpaint_pb.js";
import { CanvasJob } from "./job.js";
import { pixelLayers, readLayer } from "./layers.js";
import { withoutTags } from "./extras.js";

export const CAPABILITY = "noise";
export const MAX_FRAMES = 64;

/** The EDIT job: the panel's prompt is what the picture should show, `fromPrompt` what it shows now. */
export class EditJob extends CanvasJob {
  /** @param {Omit<ConstructorParameters<typeof CanvasJob>[0], "action"> & {fromPrompt: string}} options */
  constructor(options) {
    super({ ...options, action: "edit" });
    this.fromPrompt = options.fromPrompt.trim();
  }

  /** @returns {CanvasOperation} */
  operation() {
    if (!this.fromPrompt) throw new Error("Edit: say what the picture shows now in From (e.g. \"a red barn\").");
    if (!this.params.prompt) throw new Error("Edit: say in Prompt what it should show instead.");
    return CanvasOperation.REFINE;
  }

  /**
   * @param {CanvasOperation} operation
   * @param {import("./document.js").CanvasCapture} capture
   */
  request(operation, capture) {
    const built = super.request(operation, capture);
    Object.assign(built.request, { type: JobType.EDIT, count: 1, edit: { sourcePrompt: this.fromPrompt }, finishing: [] });
    // The strength field says how much of the schedule to invert; 1 (the panel's "paint anew") = all of it.
    built.request.strength = this.params.strength;
    return built;
  }

  /** @param {import("./job.js").KeptResult} result */
  layerName(result) {
    return `Underpaint: edit ${withoutTags(this.fromPrompt).slice(0, 20)} → ${withoutTags(this.params.prompt).slice(0, 20)} [seed ${result.seed}]`;
  }
}

/** The KEYFRAMES job over the visible pixel layers. */
export class KeyframesJob extends CanvasJob {
  /** @param {Omit<ConstructorParameters<typeof CanvasJob>[0], "action">} options */
  constructor(options) {
    super({ ...options, action: "generate" });
    /** @type {import("./generated/underpaint/v1/underpaint_pb.js").Image[]} */
    this.frames = [];
  }

  get historyName() {
    return "Underpaint Keyframes";
  }

  /** @returns {CanvasOperation} */
  operation() {
    return CanvasOperation.REFINE;
  }

  /**
   * Every visible pixel layer over the whole document, bottom first.
   * @param {import("photoshop/dom/Document").Document} doc
   */
  async capture(doc) {
    const layers = pixelLayers(doc).filter((layer) => layer.visible);
    if (!layers.length) throw new Error("Keyframes: show the layers to use as frames (bottom = first).");
    if (layers.length > MAX_FRAMES) throw new Error(`Keyframes: ${layers.length} visible layers; at most ${MAX_FRAMES} frames at once.`);
    const whole = { left: 0, top: 0, right: doc.width, bottom: doc.height };
    for (const layer of layers) {
      const { width, height, rgba } = await readLayer(doc, layer.id, whole);
      this.frames.push(create(ImageSchema, { width, height, format: PixelFormat.RGBA8, data: rgba }));
    }
    return { documentID: doc.id, documentWidth: doc.width, documentHeight: doc.height, region: null, selection: null };
  }

  /**
   * @param {CanvasOperation} operation
   * @param {import("./document.js").CanvasCapture} capture
   */
  request(operation, capture) {
    const { request } = super.request(operation, capture);
    const frames = this.frames;
    this.frames = []; // in the request now
    // Frames are whole pictures (no canvas): results come back at (0, 0), in frame order.
    const { canvas: _canvas, ...rest } = /** @type {Record<string, unknown>} */ (request);
    /** @type {import("./client.js").GenerateRequestInit} */
    const keyframes = { ...rest, type: JobType.KEYFRAMES, frames, count: 1, finishing: [],
      noise: create(NoiseOptionsSchema, { freeze: true }) };
    return { request: keyframes, payloads: [] };
  }

  /** @param {import("./job.js").KeptResult} result */
  layerName(result) {
    return `Underpaint: frame ${result.index + 1} ${withoutTags(this.params.prompt).slice(0, 30)} [seed ${result.seed}]`;
  }
}
