// Stand-in for Photoshop's "photoshop" module with real pixels: a document is a stack of
// full-canvas RGBA8 layer buffers plus a GRAY8 selection mask. getPixels composites the
// visible layers, putPixels writes into a layer, resizeCanvas moves every buffer.
// Where the panel's behaviour depends on it, the stand-in follows Adobe's documentation and says
// which page in a comment (AdobeDocs/uxp-photoshop, src/pages/...):
//   imaging.md          ps-reference/media/imaging.md
//   executeasmodal.md   ps-reference/media/executeasmodal.md
//   changelog           ps-reference/changelog/index.md
// Only what the panel uses is here; calls are recorded in `standIn.calls` for assertions.
import { host } from "./uxp.js";

// Photoshop's own memory: buffers the stand-in keeps for itself are made with the constructor
// captured here, so a test that counts the plugin's allocations (by swapping the global
// Uint8Array) sees only what reaches the plugin's JavaScript (getData's array).
const PhotoshopBytes = Uint8Array;

export const constants = {
  AnchorPosition: {
    BOTTOMCENTER: "bottom-center", BOTTOMLEFT: "bottom-left", BOTTOMRIGHT: "bottom-right",
    MIDDLECENTER: "middle-center", MIDDLELEFT: "middle-left", MIDDLERIGHT: "middle-right",
    TOPCENTER: "top-center", TOPLEFT: "top-left", TOPRIGHT: "top-right",
  },
  BitsPerChannelType: { ONE: "bitDepth1", EIGHT: "bitDepth8", SIXTEEN: "bitDepth16", THIRTYTWO: "bitDepth32" },
  DocumentMode: {
    BITMAP: "bitmapMode", CMYK: "CMYKColorMode", DUOTONE: "duotoneMode", GRAYSCALE: "grayscaleMode",
    INDEXEDCOLOR: "indexedColorMode", LAB: "labColorMode", MULTICHANNEL: "multichannelMode", RGB: "RGBColorMode",
  },
  LayerKind: { NORMAL: "pixel", GROUP: "group", TEXT: "text", SOLIDFILL: "solidColor" },
};

let nextId = 1;

// The modal state (executeasmodal.md): one plugin at a time. `owner` is the plugin holding it
// ("" = free); another plugin's hold is scripted by tests with standIn.holdModal().
const modal = { owner: "", hold: null, cancelAt: "", scope: null };
const OUR_PLUGIN = "org.underpaint.photoshop";

export const standIn = {
  /** Every imaging/core call the panel made: {name, options}. */
  calls: [],
  /** executeAsModal requests refused because another plugin was modal: {message, timeOut}. */
  modalRefusals: [],
  /** Called with each refusal (tests release a hold from here). */
  onModalRefused: (/** @type {any} */ _refusal) => {},
  reset() {
    this.calls.length = 0;
    this.modalRefusals.length = 0;
    this.onModalRefused = () => {};
    app.documents.length = 0;
    app.activeDocument = null;
    Object.assign(modal, { owner: "", hold: null, cancelAt: "", scope: null });
    host.version = "26.0.0";
    listeners.length = 0;
  },
  /**
   * A new active document whose only layer holds `pixels` (RGBA8, width*height*4).
   * @param {{width: number, height: number, pixels?: Uint8Array, opaque?: boolean,
   *          bitsPerChannel?: string, mode?: string, title?: string}} options
   */
  newDocument(options) {
    const doc = new Document(options);
    app.documents.push(doc);
    app.activeDocument = doc;
    return doc;
  },
  callsNamed(name) {
    return this.calls.filter((call) => call.name === name);
  },
  /**
   * Another plugin enters the modal state. With `seconds` it leaves after that long, counted in
   * the time other requests spend waiting for it (timeOut, Photoshop 25.10+); without, it stays
   * until release(). Returns {release()}.
   * @param {string} pluginId
   * @param {{seconds?: number}} [options]
   */
  holdModal(pluginId, { seconds = Infinity } = {}) {
    modal.hold = { pluginId, seconds };
    return {
      release() {
        if (modal.hold?.pluginId === pluginId) modal.hold = null;
      },
    };
  },
  /**
   * The user cancels the panel's next modal command (Escape, or the progress bar's Cancel) when
   * it calls the named Photoshop API ("putPixels", "createPixelLayer", ...).
   * @param {string} apiName
   */
  userCancelsAt(apiName) {
    modal.cancelAt = apiName;
  },
};

function record(name, options) {
  standIn.calls.push({ name, options });
}

/**
 * Photoshop changes documents only inside executeAsModal; after the user cancelled the modal
 * scope, Photoshop APIs raise instead of working (executeasmodal.md, "User cancellation").
 */
function enterApi(what) {
  if (!modal.scope) throw new Error(`${what}: the document can only be changed inside core.executeAsModal`);
  const context = modal.scope.context;
  if (modal.cancelAt === what && !context.isCancelled) {
    modal.cancelAt = "";
    context.isCancelled = true;
    context.onCancel?.({ reason: "user cancelled" });
  }
  if (context.isCancelled) throw new Error(`${what}: the user cancelled the modal command`);
}

/** A document ID the stand-in knows: missing or negative = the active document (imaging.md). */
function documentFor(options) {
  const doc = options.documentID === undefined || options.documentID < 0
    ? app.activeDocument
    : app.documents.find((d) => d.id === options.documentID);
  if (!doc) throw new Error(`no document with id ${options.documentID}`);
  return doc;
}

class Layer {
  constructor(doc, name, pixels, kind = constants.LayerKind.NORMAL) {
    this.id = nextId++;
    this.name = name;
    this.visible = true;
    this.kind = kind;
    this._doc = doc;
    this.pixels = pixels || new PhotoshopBytes(doc.width * doc.height * 4);
  }

  /** The bounding box of the pixels with alpha > 0, or null when the layer is empty. */
  get bounds() {
    return alphaBounds(this.pixels, this._doc.width, { left: 0, top: 0, right: this._doc.width, bottom: this._doc.height });
  }
}

/** Bounding box of alpha > 0 inside `area` of a full-canvas RGBA buffer, or null. */
function alphaBounds(rgba, width, area) {
  let left = area.right, top = area.bottom, right = area.left, bottom = area.top;
  for (let y = area.top; y < area.bottom; y++) {
    const row = y * width * 4;
    for (let x = area.left; x < area.right; x++) {
      if (rgba[row + x * 4 + 3]) {
        if (x < left) left = x;
        if (x + 1 > right) right = x + 1;
        if (y < top) top = y;
        bottom = y + 1;
      }
    }
  }
  return right > left ? { left, top, right, bottom } : null;
}

class Selection {
  constructor(doc) {
    this._doc = doc;
    /** @type {Uint8Array | null} full-canvas GRAY8 mask, null = nothing selected */
    this.mask = null;
  }

  get bounds() {
    if (!this.mask) return null;
    const { width, height } = this._doc;
    let left = width, top = height, right = 0, bottom = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (this.mask[y * width + x]) {
          left = Math.min(left, x); right = Math.max(right, x + 1);
          top = Math.min(top, y); bottom = Math.max(bottom, y + 1);
        }
      }
    }
    return right > left ? { left, top, right, bottom } : null;
  }

  /** Test helper: select with a full-canvas mask (or a rectangle, fully selected). */
  set(maskOrRect) {
    const { width, height } = this._doc;
    if (maskOrRect instanceof Uint8Array) {
      this.mask = maskOrRect;
      return;
    }
    const mask = new PhotoshopBytes(width * height);
    for (let y = maskOrRect.top; y < maskOrRect.bottom; y++) {
      mask.fill(255, y * width + maskOrRect.left, y * width + maskOrRect.right);
    }
    this.mask = mask;
  }

  deselect() {
    this.mask = null;
  }
}

class Document {
  constructor({ width, height, pixels, opaque = false, bitsPerChannel = "bitDepth8", mode = "RGBColorMode",
    title = "Untitled-1", colorProfileName = "sRGB IEC61966-2.1" }) {
    this.id = nextId++;
    this.title = title;
    this.width = width;
    this.height = height;
    this.mode = mode;
    this.bitsPerChannel = bitsPerChannel;
    this.colorProfileName = colorProfileName;
    this.opaque = opaque; // a Background layer: composites come back as RGB without alpha
    /** Test side: the layers bottom first (index 0 = the Background). */
    this.stack = [new Layer(this, opaque ? "Background" : "Layer 1", pixels ? PhotoshopBytes.from(pixels) : undefined)];
    this.selection = new Selection(this);
    /** names of the committed history states, oldest first */
    this.historyStates = [];
  }

  /**
   * The top-level layers as Photoshop lists them: top first, the order of the Layers panel.
   * document.md only says "the layers in the document at the top level"; ExtendScript's Layers
   * collection was top first and UXP's keeps it (an assumption, kept in one place in the panel:
   * src/layers.js).
   */
  get layers() {
    return [...this.stack].reverse();
  }

  /** The layers selected in the Layers panel: the test sets `selected`, else the top layer. */
  get activeLayers() {
    return this.selected ?? [this.stack[this.stack.length - 1]];
  }

  async createPixelLayer(options = {}) {
    enterApi("createPixelLayer");
    record("createPixelLayer", options);
    const layer = new Layer(this, options.name || `Layer ${this.stack.length + 1}`);
    this.stack.push(layer);
    return layer;
  }

  /** Test helper: a layer that is not a pixel layer (text, adjustment, group...). */
  addLayerOfKind(kind, name = kind) {
    const layer = new Layer(this, name, undefined, kind);
    this.stack.push(layer);
    return layer;
  }

  /** Test helper: a pixel layer on top holding `pixels` (full canvas RGBA8), as the artist paints one. */
  addPixelLayer(name, pixels) {
    const layer = new Layer(this, name, PhotoshopBytes.from(pixels));
    this.stack.push(layer);
    return layer;
  }

  /**
   * "Changes the size of the image by scaling the dimensions to meet the targeted number of
   * pixels" (document.md, resizeImage): every layer and the selection are resampled. The
   * stand-in resamples nearest-neighbour; Photoshop's default method interpolates.
   */
  async resizeImage(width, height) {
    enterApi("resizeImage");
    record("resizeImage", { width, height });
    if (!(width > 0 && height > 0)) throw new Error(`resizeImage: invalid size ${width}x${height}`);
    const resample = (src, channels) => {
      const out = new PhotoshopBytes(width * height * channels);
      for (let y = 0; y < height; y++) {
        const sy = Math.min(this.height - 1, Math.floor((y * this.height) / height));
        for (let x = 0; x < width; x++) {
          const sx = Math.min(this.width - 1, Math.floor((x * this.width) / width));
          for (let c = 0; c < channels; c++) out[(y * width + x) * channels + c] = src[(sy * this.width + sx) * channels + c];
        }
      }
      return out;
    };
    for (const layer of this.stack) layer.pixels = resample(layer.pixels, 4);
    if (this.selection.mask) this.selection.mask = resample(this.selection.mask, 1);
    this.width = width;
    this.height = height;
  }

  async resizeCanvas(width, height, anchor = constants.AnchorPosition.MIDDLECENTER) {
    enterApi("resizeCanvas");
    record("resizeCanvas", { width, height, anchor });
    const [horizontal, vertical] = anchorFractions(anchor);
    const dx = Math.floor((width - this.width) * horizontal);
    const dy = Math.floor((height - this.height) * vertical);
    for (const layer of this.stack) {
      const moved = new PhotoshopBytes(width * height * 4);
      if (this.opaque && layer === this.stack[0]) moved.fill(255); // Background grows in white
      copyRect(layer.pixels, this.width, this.height, 4, moved, width, height, dx, dy);
      layer.pixels = moved;
    }
    if (this.selection.mask) {
      const moved = new PhotoshopBytes(width * height);
      copyRect(this.selection.mask, this.width, this.height, 1, moved, width, height, dx, dy);
      this.selection.mask = moved;
    }
    this.width = width;
    this.height = height;
  }

  /** Test helper: the visible layers composited bottom-up (straight alpha "over"), RGBA8. */
  composite() {
    return this.compositePixels().slice();
  }

  /** The composite; with one visible layer, that layer's own buffer (nothing to blend: 8k stays cheap). */
  compositePixels() {
    const visible = this.stack.filter((l) => l.visible);
    if (visible.length === 1) return visible[0].pixels;
    const count = this.width * this.height;
    const out = new Float64Array(count * 4);
    for (const layer of visible) {
      const src = layer.pixels;
      for (let i = 0; i < count; i++) {
        const sa = src[i * 4 + 3] / 255;
        if (sa === 0) continue;
        const da = out[i * 4 + 3];
        const oa = sa + da * (1 - sa);
        for (let c = 0; c < 3; c++) {
          out[i * 4 + c] = (src[i * 4 + c] * sa + out[i * 4 + c] * da * (1 - sa)) / oa;
        }
        out[i * 4 + 3] = oa;
      }
    }
    const rgba = new PhotoshopBytes(count * 4);
    for (let i = 0; i < count; i++) {
      for (let c = 0; c < 3; c++) rgba[i * 4 + c] = Math.round(out[i * 4 + c]);
      rgba[i * 4 + 3] = Math.round(out[i * 4 + 3] * 255);
    }
    return rgba;
  }

  snapshot() {
    return {
      width: this.width, height: this.height, layers: [...this.stack],
      pixels: this.stack.map((l) => l.pixels.slice()), visible: this.stack.map((l) => l.visible),
      names: this.stack.map((l) => l.name),
      mask: this.selection.mask && this.selection.mask.slice(),
    };
  }

  restore(snap) {
    this.width = snap.width;
    this.height = snap.height;
    this.stack = snap.layers;
    this.stack.forEach((layer, i) => {
      layer.pixels = snap.pixels[i]; layer.visible = snap.visible[i]; layer.name = snap.names[i];
    });
    this.selection.mask = snap.mask;
  }
}

function anchorFractions(anchor) {
  const [vertical, horizontal] = anchor.split("-");
  const f = { left: 0, top: 0, center: 0.5, middle: 0.5, right: 1, bottom: 1 };
  return [f[horizontal], f[vertical]];
}

/** Copies a whole sw x sh buffer into a dw x dh one at (dx, dy), clipped; RGB sources get alpha 255. */
function copyRect(src, sw, sh, channels, dst, dw, dh, dx, dy, dstChannels = channels) {
  for (let y = 0; y < sh; y++) {
    const ty = y + dy;
    if (ty < 0 || ty >= dh) continue;
    for (let x = 0; x < sw; x++) {
      const tx = x + dx;
      if (tx < 0 || tx >= dw) continue;
      const to = (ty * dw + tx) * dstChannels, from = (y * sw + x) * channels;
      for (let c = 0; c < channels; c++) dst[to + c] = src[from + c];
      if (dstChannels > channels) dst[to + 3] = 255;
    }
  }
}

// PhotoshopImageData (imaging.md): width, height, components, isChunky, ...; getData() is async
// and hands JavaScript a copy; dispose() is synchronous and frees the pixels at once.
class ImageData {
  constructor({ width, height, components, data, colorSpace = "RGB", colorProfile = "", componentSize = 8 }) {
    Object.assign(this, { width, height, components, colorSpace, colorProfile, componentSize });
    this.hasAlpha = components === 4 || (colorSpace === "Grayscale" && components === 2);
    this.isChunky = true;
    this.type = "image/uncompressed";
    this.pixelFormat = { 4: "RGBA", 3: "RGB", 2: "GrayscaleAlpha", 1: "Grayscale" }[components];
    this._data = data;
    this.disposed = false;
  }

  async getData(options = {}) {
    if (this.disposed) throw new Error("getData: image data was disposed");
    if (options.chunky === false) throw new Error("stand-in: planar data is not supported");
    // Made with the global constructor: this array is plugin memory from here on.
    const copy = new Uint8Array(this._data.length);
    copy.set(this._data);
    return copy;
  }

  dispose() {
    this.disposed = true;
    this._data = new PhotoshopBytes(0);
  }
}

/** Bounds in either documented form (left/top/right/bottom or left/top/width/height), clipped. */
function clipBounds(bounds, doc) {
  const b = bounds || { left: 0, top: 0, right: doc.width, bottom: doc.height };
  const left = Math.max(0, b.left), top = Math.max(0, b.top);
  const right = Math.min(doc.width, b.right ?? b.left + b.width), bottom = Math.min(doc.height, b.bottom ?? b.top + b.height);
  if (right <= left || bottom <= top) throw new Error("sourceBounds lie outside the document");
  return { left, top, right, bottom };
}

export const imaging = {
  async getPixels(options) {
    record("getPixels", options);
    const doc = documentFor(options);
    if (options.componentSize !== 8 && doc.bitsPerChannel !== "bitDepth8") {
      throw new Error("stand-in: only 8-bit pixel data");
    }
    const requested = clipBounds(options.sourceBounds, doc);
    const composite = options.layerID === undefined;
    const source = composite ? doc.compositePixels() : doc.stack.find((l) => l.id === options.layerID).pixels;
    // "The provided bounds will be trimmed to only that region that contains pixel data. In
    // this event, the returned sourceBounds will reflect this smaller region." (imaging.md)
    // A Background layer has pixels everywhere. An area with no pixels at all is not described
    // there; the stand-in answers it with empty image data.
    const opaque = doc.opaque && composite;
    const b = opaque ? requested : alphaBounds(source, doc.width, requested) ||
      { left: requested.left, top: requested.top, right: requested.left, bottom: requested.top };
    // "the components property of the image data depends on whether or not the pixel source
    // includes an alpha channel, e.g., 4 for RGBA" (imaging.md)
    const components = opaque ? 3 : 4;
    const width = b.right - b.left, height = b.bottom - b.top;
    const data = new PhotoshopBytes(width * height * components);
    for (let y = 0; y < height; y++) {
      let from = ((b.top + y) * doc.width + b.left) * 4, to = y * width * components;
      for (let x = 0; x < width; x++, from += 4, to += components) {
        data[to] = source[from]; data[to + 1] = source[from + 1]; data[to + 2] = source[from + 2];
        if (components === 4) data[to + 3] = source[from + 3];
      }
    }
    return {
      imageData: new ImageData({ width, height, components, data, colorProfile: options.colorProfile || doc.colorProfileName }),
      sourceBounds: b,
      level: 0,
    };
  },

  async getSelection(options) {
    record("getSelection", options);
    const doc = documentFor(options);
    const b = clipBounds(options.sourceBounds, doc);
    const width = b.right - b.left, height = b.bottom - b.top;
    const data = new PhotoshopBytes(width * height);
    if (doc.selection.mask) {
      for (let y = 0; y < height; y++) {
        const from = (b.top + y) * doc.width + b.left;
        data.set(doc.selection.mask.subarray(from, from + width), y * width);
      }
    }
    return {
      imageData: new ImageData({ width, height, components: 1, data, colorSpace: "Grayscale" }),
      sourceBounds: b,
    };
  },

  async createImageDataFromBuffer(buffer, options) {
    record("createImageDataFromBuffer", { ...options, length: buffer.length, byteOffset: buffer.byteOffset });
    // "The number of elements in imageData must be equal to: width * height * components."
    // The page says nothing about typed arrays that are views into a larger buffer (protobuf
    // fields are such views), so the stand-in refuses them rather than guess. (imaging.md)
    if (!(buffer instanceof Uint8Array)) throw new Error("createImageDataFromBuffer: 8-bit data must be a Uint8Array");
    if (buffer.byteOffset !== 0 || buffer.byteLength !== buffer.buffer.byteLength) {
      throw new Error(`createImageDataFromBuffer: the array is a view at offset ${buffer.byteOffset} into a ` +
        `${buffer.buffer.byteLength}-byte buffer; pass an array of exactly the image`);
    }
    const expected = options.width * options.height * options.components;
    if (buffer.length !== expected) {
      throw new Error(`createImageDataFromBuffer: ${buffer.length} elements, expected ${expected}`);
    }
    return new ImageData({ ...options, data: PhotoshopBytes.from(buffer) });
  },

  async putPixels(options) {
    enterApi("putPixels");
    const { imageData, targetBounds = { left: 0, top: 0 }, replace = true } = options;
    record("putPixels", { layerID: options.layerID, targetBounds, replace, width: imageData.width, height: imageData.height });
    if (imageData.disposed) throw new Error("putPixels: image data was disposed");
    // "Invalid targetBounds caused crash" was fixed in 24.4 (changelog); what counts as valid is
    // not written down. The stand-in refuses what cannot be a pixel position in the document.
    const { left, top } = targetBounds;
    if (!Number.isInteger(left) || !Number.isInteger(top) || left < 0 || top < 0) {
      throw new Error(`putPixels: invalid targetBounds ${JSON.stringify(targetBounds)}`);
    }
    // RGB or RGBA: 3 or 4 components (imaging.md, "Terminology and data types").
    if (imageData.colorSpace !== "RGB" || (imageData.components !== 3 && imageData.components !== 4)) {
      throw new Error(`stand-in: putPixels takes RGB or RGBA, got ${imageData.components} ${imageData.colorSpace}`);
    }
    const doc = documentFor(options);
    const layer = doc.stack.find((l) => l.id === options.layerID);
    if (!layer) throw new Error(`putPixels: no layer ${options.layerID}`);
    // "The target layer must be a pixel layer." (imaging.md)
    if (layer.kind !== constants.LayerKind.NORMAL) throw new Error(`putPixels: layer ${layer.id} is not a pixel layer`);
    // "replace: If true, then existing pixels in the layer are discarded before adding new
    // pixels ... The default value is true." (imaging.md)
    if (replace) layer.pixels.fill(0);
    copyRect(imageData._data, imageData.width, imageData.height, imageData.components, layer.pixels,
      doc.width, doc.height, left, top, 4);
  },

  async encodeImageData(options) {
    record("encodeImageData", { width: options.imageData.width, height: options.imageData.height });
    // Not a JPEG: the raw bytes, base64-encoded, are enough to show what would be displayed.
    return Buffer.from(options.imageData._data).toString("base64");
  },
};

/** Photoshop 25.10 or later: executeAsModal waits `timeOut` for another plugin (executeasmodal.md). */
function waitsForModal() {
  const [major, minor] = host.version.split(".").map(Number);
  return major > 25 || (major === 25 && minor >= 10);
}

/** A refusal because another plugin is modal: number 9, as executeasmodal.md's example checks. */
function refuseModal(message, timeOut) {
  const refusal = { message, timeOut };
  standIn.modalRefusals.push(refusal);
  standIn.onModalRefused(refusal);
  return Object.assign(new Error(message), { number: 9 });
}

/** Waits for another plugin's modal state to end, as far as the request allows; throws if it does not. */
async function waitForModal(options) {
  if (modal.owner) throw refuseModal(`Plugin: ${modal.owner} is running a modal command`, options.timeOut);
  const hold = modal.hold;
  if (!hold) return;
  // Before 25.10 a request throws at once "host is in a modal state"; from 25.10 it retries for
  // `timeOut` seconds (default 1) and then names the plugin that holds the modal state.
  if (!waitsForModal()) throw refuseModal("host is in a modal state", options.timeOut);
  const timeOut = options.timeOut ?? 1;
  if (hold.seconds <= timeOut) {
    modal.hold = null; // it finished while we waited
    return;
  }
  hold.seconds -= timeOut;
  throw refuseModal(`Plugin: ${hold.pluginId} is running a modal command`, options.timeOut);
}

export const core = {
  isModal: () => Boolean(modal.scope),
  async executeAsModal(target, options) {
    record("executeAsModal", { commandName: options?.commandName, timeOut: options?.timeOut });
    await waitForModal(options || {});
    const suspended = new Map();
    const context = {
      isCancelled: false,
      onCancel: undefined,
      reportProgress() {},
      hostControl: {
        async suspendHistory({ documentID, name }) {
          record("suspendHistory", { documentID, name });
          const doc = documentFor({ documentID });
          const suspension = { id: nextId++, documentID, name };
          suspended.set(suspension.id, { doc, snapshot: doc.snapshot(), suspension });
          return suspension;
        },
        async resumeHistory(suspension, commit = true) {
          record("resumeHistory", { ...suspension, commit });
          const entry = suspended.get(suspension.id);
          if (!entry) throw new Error("resumeHistory: unknown suspension");
          suspended.delete(suspension.id);
          finishSuspension(entry, commit);
        },
        async registerAutoCloseDocument() {},
        async unregisterAutoCloseDocument() {},
      },
    };
    modal.owner = OUR_PLUGIN;
    modal.scope = { context };
    let returned = false;
    try {
      const value = await target(context);
      returned = true;
      return value;
    } finally {
      // "When the modal scope ends, Photoshop will auto-resume history on any document that is
      // still in a suspended state. If the target function returns normally, then all unsuspended
      // states are committed. If the target function exits via an exception, then all
      // unsuspended history states are cancelled." (executeasmodal.md)
      for (const entry of suspended.values()) {
        record("autoResumeHistory", { ...entry.suspension, commit: returned });
        finishSuspension(entry, returned);
      }
      modal.owner = "";
      modal.scope = null;
    }
  },
};

function finishSuspension({ doc, snapshot, suspension }, commit) {
  if (commit) doc.historyStates.push(suspension.finalName || suspension.name);
  else doc.restore(snapshot);
}

// Notification listeners (photoshopaction.md): "Attach a callback function to one or more
// Photoshop events. The callback has the form (eventName: string, descriptor: ActionDescriptor)";
// event names from eventcodes.md ("make", "set", "delete", ...). Tests play the artist's edits
// with standIn.notify(); every listener whose events include the name (or "all") is called.
const listeners = [];

export const action = {
  async batchPlay() {
    return [];
  },
  async addNotificationListener(events, callback) {
    record("addNotificationListener", { events: [...events] });
    listeners.push({ events: [...events], callback });
  },
  async removeNotificationListener(events, callback) {
    record("removeNotificationListener", { events: [...events] });
    const index = listeners.findIndex((l) => l.callback === callback);
    if (index >= 0) listeners.splice(index, 1);
  },
};

/** Test helper: Photoshop reports a document change `eventName` to the listeners. */
standIn.notify = (eventName, descriptor = {}) => {
  for (const { events, callback } of [...listeners]) {
    if (events.includes(eventName) || events.includes("all")) callback(eventName, descriptor);
  }
};
standIn.listenerCount = () => listeners.length;

export const app = {
  /** @type {Document[]} */
  documents: [],
  /** @type {Document | null} */
  activeDocument: null,
};

export default { app, core, imaging, constants, action };
