// The live layer (docs/live.md): while Live is on, every change Photoshop reports on the document
// (action notifications: make, set, delete, paste, fill, move, transform, … — events, no polling)
// restarts a short pause; after it the panel reads the picture once, without the live layer, and
// sends it in the document's live session. The daemon keeps only the session's newest request (a
// newer one replaces a queued one and stops a running one at its next step), and the panel puts
// only results newer than the one shown into one "Live result" layer, updated in place. Apply
// keeps that layer as an ordinary one; the next result starts a new live layer.
import { action, imaging } from "photoshop";
import { CanvasOperation } from "./generated/underpaint/v1/underpaint_pb.js";
import { SRGB, activeDocument, findDocument, readCanvas } from "./document.js";
import { CanvasJob } from "./job.js";
import { runModal } from "./modal.js";
import { clipToDocument } from "./pixels.js";

export const CAPABILITY = "live";
export const LIVE_LAYER_NAME = "Live result";
export const DEBOUNCE_MS = 250;
/** Document-changing events (ps-reference/media/eventcodes.md, action events). */
export const CHANGE_EVENTS = ["make", "set", "delete", "paste", "pasteInto", "fill", "move", "transform", "clearEvent",
  "cut", "stroke", "paint", "invert", "rasterize", "gradientClassEvent", "select", "hide", "show"];

/**
 * FNV-1a over byte arrays: tells an unchanged canvas (e.g. the notification of the panel's own
 * placing) from a changed one, so nothing is sent twice for the same picture.
 * @param {(Uint8Array | null | undefined)[]} parts
 */
export function fingerprint(parts) {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    if (!part) continue;
    for (let i = 0; i < part.length; i++) hash = Math.imul(hash ^ part[i], 0x01000193);
    hash = Math.imul(hash ^ 0xff, 0x01000193); // part boundary
  }
  return hash >>> 0;
}

/** One live request: a refine of the canvas in the document's session, its result put into the live layer. */
class LiveJob extends CanvasJob {
  /**
   * @param {Omit<ConstructorParameters<typeof CanvasJob>[0], "action"> & {live: LiveLayer, number: number}} options
   */
  constructor(options) {
    super({ ...options, action: "generate" });
    this.live = options.live;
    this.number = options.number;
  }

  /** @returns {CanvasOperation} */
  operation() {
    return CanvasOperation.REFINE;
  }

  /**
   * The composite without the live layer (hidden while it is read), or null when it is what was
   * sent last.
   * @param {import("photoshop/dom/Document").Document} doc
   */
  async capture(doc) {
    const live = this.live.layerFor(doc);
    const read = () => readCanvas(doc, { sendRegion: true, useSelection: true,
      context: { minContextSize: this.model.nativeSize || 512 } });
    const capture = live?.visible
      ? await this.live.ownChange("Underpaint Live", async () => {
        live.visible = false;
        try {
          return await read();
        } finally {
          live.visible = true;
        }
      })
      : await read();
    const print = fingerprint([capture.region?.pixels, capture.selection?.mask,
      Uint8Array.from([capture.documentWidth & 255, capture.documentWidth >> 8, capture.documentHeight & 255, capture.documentHeight >> 8]),
      new TextEncoder().encode(JSON.stringify({ ...this.params, seed: String(this.params.seed) }))]);
    if (print === this.live.lastPrint) return null;
    this.live.lastPrint = print;
    return capture;
  }

  /**
   * @param {CanvasOperation} operation
   * @param {import("./document.js").CanvasCapture} capture
   */
  request(operation, capture) {
    const built = super.request(operation, capture);
    // Live results are drafts: not archived (Apply keeps the one worth keeping in the document).
    Object.assign(built.request, { liveSession: this.live.session, priority: 10, count: 1, finishing: [], archive: { skip: true } });
    return built;
  }

  /** Puts the result into the live layer, unless a newer one is there already. */
  async place() {
    const [result] = this.results;
    this.results = [];
    if (!result || this.number < this.live.newestPlaced) return { phase: /** @type {const} */ ("done"), message: "" };
    this.live.newestPlaced = this.number;
    const target = /** @type {NonNullable<CanvasJob["target"]>} */ (this.target);
    await this.live.putLive(target.documentID, result, target.expectedSize);
    this.live.shown++;
    return { phase: /** @type {const} */ ("done"), message: `Live: updated (seed ${result.seed}, ${this.elapsed.toFixed(2)} s).` };
  }
}

export class LiveLayer {
  /**
   * @param {object} options
   * @param {import("./client.js").UnderpaintClient} options.client
   * @param {() => import("./params.js").JobParams} options.readParams  the panel's fields, read at each send
   * @param {{nativeSize?: number, clientName?: string}} [options.model]
   * @param {(update: import("./job.js").JobUpdate) => void} [options.onUpdate]
   * @param {() => import("./job.js").Decorate | undefined} [options.decorate]  e.g. the control layers
   * @param {number} [options.debounceMs]
   * @param {import("./modal.js").ModalOptions} [options.modal]
   */
  constructor({ client, readParams, model = {}, onUpdate = () => {}, decorate = () => undefined, debounceMs = DEBOUNCE_MS, modal = {} }) {
    this.client = client;
    this.model = model;
    this.decorate = decorate;
    this.debounceMs = debounceMs;
    this.modal = modal;
    this.readParams = readParams;
    this.onUpdate = onUpdate;
    /** @type {number | null} */
    this.documentID = null;
    this.session = "";
    /** @type {number | null} the live layer's id, null = none yet */
    this.layerID = null;
    /** @type {number | null} the document the live layer is in */
    this.layerDocumentID = null;
    this.sent = 0;
    this.newestPlaced = 0; // the number of the request whose result the layer shows
    this.shown = 0; // results put into the live layer so far
    /** @type {number | null} */
    this.lastPrint = null;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.timer = null;
    this.busy = 0; // inside the panel's own changes: their notifications are not the artist's
    /** @type {LiveJob | null} */
    this.inFlight = null;
    this.seed = 0n;
    /** @type {(event: string, descriptor: any) => void} */
    this.listener = (event, descriptor) => this.onEvent(event, descriptor);
  }

  get active() {
    return this.documentID !== null;
  }

  /** Live on for the active document: the first result comes at once, then one per pause. */
  async start() {
    if (this.active) return;
    const doc = activeDocument();
    this.documentID = doc.id;
    this.session = `photoshop:${doc.id}:${Date.now().toString(36)}`;
    // A fixed seed, so the picture changes only where the canvas does.
    const seed = this.readParams().seed;
    this.seed = seed >= 0n ? seed : BigInt(Math.floor(Math.random() * 2 ** 31));
    await action.addNotificationListener(CHANGE_EVENTS, this.listener);
    this.changed();
  }

  /** Live off: no more requests; the job in flight is cancelled. The live layer stays. */
  async stop() {
    if (!this.active) return;
    this.documentID = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await action.removeNotificationListener(CHANGE_EVENTS, this.listener);
    await this.inFlight?.cancel().catch(() => {});
  }

  /**
   * @param {string} _event
   * @param {any} descriptor
   */
  onEvent(_event, descriptor) {
    if (!this.active || this.busy) return;
    const about = descriptor?.documentID ?? descriptor?._target?.find?.((/** @type {any} */ t) => t._ref === "document")?._id;
    if (about !== undefined && about !== this.documentID) return; // another document
    this.changed();
  }

  /** Restarts the pause; the canvas is read and sent once it has passed. */
  changed() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.send();
    }, this.debounceMs);
  }

  async send() {
    if (!this.active) return;
    let params;
    try {
      params = { ...this.readParams(), seed: this.seed, variations: 1 };
    } catch (error) {
      this.onUpdate({ phase: "failed", message: `Live: ${error instanceof Error ? error.message : String(error)}` });
      return;
    }
    const number = ++this.sent;
    const job = new LiveJob({ client: this.client, params,
      model: this.model, modal: this.modal, decorate: this.decorate(), live: this, number,
      onUpdate: (update) => {
        if (update.phase === "failed" || (update.phase === "done" && update.message)) this.onUpdate(update);
      } });
    this.inFlight = job;
    const last = await job.run();
    if (this.inFlight === job) this.inFlight = null;
    if (last.phase === "cancelled" && job.finished?.message) this.onUpdate({ phase: "cancelled", message: `Live: ${job.finished.message}` });
  }

  /**
   * The live layer in `doc`, or null (never made, or deleted by the artist).
   * @param {import("photoshop/dom/Document").Document} doc
   */
  layerFor(doc) {
    return this.layerID === null ? null : doc.layers.find((l) => l.id === this.layerID) || null;
  }

  /**
   * Runs a change of the panel's own in the modal scope, its notifications ignored.
   * @template T
   * @param {string} name
   * @param {() => Promise<T>} change
   */
  async ownChange(name, change) {
    this.busy++;
    try {
      return await runModal(name, change, this.modal);
    } finally {
      this.busy--;
    }
  }

  /**
   * Replaces the live layer's pixels with `result` (making the layer first when there is none).
   * @param {number} documentID
   * @param {import("./job.js").KeptResult} result
   * @param {{width: number, height: number}} expectedSize
   */
  async putLive(documentID, result, expectedSize) {
    await this.ownChange("Underpaint Live", async () => {
      const doc = findDocument(documentID);
      if (doc.width !== expectedSize.width || doc.height !== expectedSize.height) return; // resized meanwhile: the next result fits
      const inside = clipToDocument(result, expectedSize);
      if (!inside) return;
      let layer = this.layerFor(doc);
      if (!layer) {
        layer = await doc.createPixelLayer({ name: LIVE_LAYER_NAME });
        if (!layer) throw new Error("Photoshop could not create the live layer.");
        this.layerID = layer.id;
        this.layerDocumentID = documentID;
      }
      const imageData = await imaging.createImageDataFromBuffer(inside.rgba, {
        width: inside.width, height: inside.height, components: 4, colorSpace: "RGB", colorProfile: SRGB,
      });
      try {
        await imaging.putPixels({ documentID, layerID: layer.id, imageData, replace: true,
          targetBounds: { left: inside.x, top: inside.y, width: inside.width, height: inside.height } });
      } finally {
        imageData.dispose();
      }
    });
  }

  /**
   * Apply: the live layer becomes an ordinary layer named after the prompt; the next result
   * starts a new live layer. Returns its new name, or null when there is no live layer.
   * @param {string} prompt
   */
  async apply(prompt) {
    if (this.layerID === null) return null;
    const documentID = /** @type {number} */ (this.layerDocumentID);
    const name = `Underpaint: live ${prompt.slice(0, 40) || "result"} [seed ${this.seed}]`;
    await this.ownChange("Underpaint Apply Live", async () => {
      const doc = findDocument(documentID);
      const layer = this.layerFor(doc);
      if (!layer) throw new Error("The live layer is gone: nothing to apply.");
      layer.name = name;
    });
    this.layerID = null;
    this.lastPrint = null; // the kept layer is part of the picture now: the next change sends again
    return name;
  }
}
