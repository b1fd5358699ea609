// Stand-in for Photoshop's "photoshop" module with real pixels: a document is a stack of
// full-canvas RGBA8 layer buffers plus a GRAY8 selection mask. getPixels composites the
// visible layers, putPixels writes into a layer, resizeCanvas moves every buffer, and history
// suspension rolls the document back when it is not committed, as Photoshop does.
// Only what the panel uses is here; calls are recorded in `standIn.calls` for assertions.

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
};

let nextId = 1;
let modal = false;

export const standIn = {
  /** Every imaging/core call the panel made: {name, options}. */
  calls: [],
  reset() {
    this.calls.length = 0;
    app.documents.length = 0;
    app.activeDocument = null;
    modal = false;
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
};

function record(name, options) {
  standIn.calls.push({ name, options });
}

function requireModal(what) {
  if (!modal) throw new Error(`${what}: the document can only be changed inside core.executeAsModal`);
}

class Layer {
  constructor(doc, name, pixels) {
    this.id = nextId++;
    this.name = name;
    this.visible = true;
    this._doc = doc;
    this.pixels = pixels || new Uint8Array(doc.width * doc.height * 4);
  }

  get kind() {
    return "pixel";
  }

  /** The bounding box of the pixels with alpha > 0, or null when the layer is empty. */
  get bounds() {
    const { width, height } = this._doc;
    let left = width, top = height, right = 0, bottom = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (this.pixels[(y * width + x) * 4 + 3]) {
          left = Math.min(left, x); right = Math.max(right, x + 1);
          top = Math.min(top, y); bottom = Math.max(bottom, y + 1);
        }
      }
    }
    return right > left ? { left, top, right, bottom } : null;
  }
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
    const mask = new Uint8Array(width * height);
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
    this.layers = [new Layer(this, opaque ? "Background" : "Layer 1", pixels ? Uint8Array.from(pixels) : undefined)];
    this.selection = new Selection(this);
    /** names of the committed history states, oldest first */
    this.historyStates = [];
  }

  get activeLayers() {
    return [this.layers[this.layers.length - 1]];
  }

  async createPixelLayer(options = {}) {
    requireModal("createPixelLayer");
    record("createPixelLayer", options);
    const layer = new Layer(this, options.name || `Layer ${this.layers.length + 1}`);
    this.layers.push(layer);
    return layer;
  }

  async resizeCanvas(width, height, anchor = constants.AnchorPosition.MIDDLECENTER) {
    requireModal("resizeCanvas");
    record("resizeCanvas", { width, height, anchor });
    const [horizontal, vertical] = anchorFractions(anchor);
    const dx = Math.floor((width - this.width) * horizontal);
    const dy = Math.floor((height - this.height) * vertical);
    for (const layer of this.layers) {
      const moved = new Uint8Array(width * height * 4);
      if (this.opaque && layer === this.layers[0]) moved.fill(255); // Background grows in white
      copyRect(layer.pixels, this.width, this.height, 4, moved, width, height, dx, dy);
      layer.pixels = moved;
    }
    if (this.selection.mask) {
      const moved = new Uint8Array(width * height);
      copyRect(this.selection.mask, this.width, this.height, 1, moved, width, height, dx, dy);
      this.selection.mask = moved;
    }
    this.width = width;
    this.height = height;
  }

  /** Test helper: the visible layers composited bottom-up (straight alpha "over"), RGBA8. */
  composite() {
    const count = this.width * this.height;
    const out = new Float64Array(count * 4);
    for (const layer of this.layers) {
      if (!layer.visible) continue;
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
    const rgba = new Uint8Array(count * 4);
    for (let i = 0; i < count; i++) {
      for (let c = 0; c < 3; c++) rgba[i * 4 + c] = Math.round(out[i * 4 + c]);
      rgba[i * 4 + 3] = Math.round(out[i * 4 + 3] * 255);
    }
    return rgba;
  }

  snapshot() {
    return {
      width: this.width, height: this.height, layers: [...this.layers],
      pixels: this.layers.map((l) => l.pixels.slice()), visible: this.layers.map((l) => l.visible),
      mask: this.selection.mask && this.selection.mask.slice(),
    };
  }

  restore(snap) {
    this.width = snap.width;
    this.height = snap.height;
    this.layers = snap.layers;
    this.layers.forEach((layer, i) => { layer.pixels = snap.pixels[i]; layer.visible = snap.visible[i]; });
    this.selection.mask = snap.mask;
  }
}

function anchorFractions(anchor) {
  const [vertical, horizontal] = anchor.split("-");
  const f = { left: 0, top: 0, center: 0.5, middle: 0.5, right: 1, bottom: 1 };
  return [f[horizontal], f[vertical]];
}

/** Copies a whole w x h buffer into a bigger/smaller one at (dx, dy), clipped. */
function copyRect(src, sw, sh, channels, dst, dw, dh, dx, dy) {
  for (let y = 0; y < sh; y++) {
    const ty = y + dy;
    if (ty < 0 || ty >= dh) continue;
    for (let x = 0; x < sw; x++) {
      const tx = x + dx;
      if (tx < 0 || tx >= dw) continue;
      for (let c = 0; c < channels; c++) dst[(ty * dw + tx) * channels + c] = src[(y * sw + x) * channels + c];
    }
  }
}

class ImageData {
  constructor({ width, height, components, data, colorSpace = "RGB", colorProfile = "", componentSize = 8 }) {
    Object.assign(this, { width, height, components, colorSpace, colorProfile, componentSize });
    this.hasAlpha = components === 4;
    this.chunky = true;
    this.type = "image/uncompressed";
    this.pixelFormat = components === 4 ? "RGBA" : components === 3 ? "RGB" : "Grayscale";
    this._data = data;
    this.disposed = false;
  }

  async getData(options = {}) {
    if (this.disposed) throw new Error("getData: image data was disposed");
    if (options.chunky === false) throw new Error("stand-in: planar data is not supported");
    return this._data.slice();
  }

  async dispose() {
    this.disposed = true;
  }
}

function documentFor(options) {
  const doc = options.documentID === undefined || options.documentID < 0
    ? app.activeDocument
    : app.documents.find((d) => d.id === options.documentID);
  if (!doc) throw new Error(`no document with id ${options.documentID}`);
  return doc;
}

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
    const b = clipBounds(options.sourceBounds, doc);
    const source = options.layerID === undefined ? doc.composite() : doc.layers.find((l) => l.id === options.layerID).pixels;
    const components = doc.opaque && options.layerID === undefined ? 3 : 4;
    const width = b.right - b.left, height = b.bottom - b.top;
    const data = new Uint8Array(width * height * components);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const from = ((b.top + y) * doc.width + b.left + x) * 4;
        for (let c = 0; c < components; c++) data[(y * width + x) * components + c] = source[from + c];
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
    const data = new Uint8Array(width * height);
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
    record("createImageDataFromBuffer", { ...options, length: buffer.length });
    const expected = options.width * options.height * options.components;
    if (buffer.length !== expected) {
      throw new Error(`createImageDataFromBuffer: ${buffer.length} elements, expected ${expected}`);
    }
    return new ImageData({ ...options, data: Uint8Array.from(buffer) });
  },

  async putPixels(options) {
    requireModal("putPixels");
    const { imageData, targetBounds = { left: 0, top: 0 } } = options;
    record("putPixels", { layerID: options.layerID, targetBounds, width: imageData.width, height: imageData.height });
    if (imageData.disposed) throw new Error("putPixels: image data was disposed");
    if (imageData.components !== 4) throw new Error("stand-in: putPixels takes RGBA");
    const doc = documentFor(options);
    const layer = doc.layers.find((l) => l.id === options.layerID);
    if (!layer) throw new Error(`putPixels: no layer ${options.layerID}`);
    // putPixels replaces the layer's pixels inside the target rectangle.
    copyRect(imageData._data, imageData.width, imageData.height, 4, layer.pixels, doc.width, doc.height,
      targetBounds.left, targetBounds.top);
  },

  async encodeImageData(options) {
    record("encodeImageData", { width: options.imageData.width, height: options.imageData.height });
    // Not a JPEG: the raw bytes, base64-encoded, are enough to show what would be displayed.
    return Buffer.from(options.imageData._data).toString("base64");
  },
};

export const core = {
  isModal: () => modal,
  async executeAsModal(target, options) {
    record("executeAsModal", { commandName: options?.commandName });
    if (modal) throw new Error("executeAsModal: another plugin command is running");
    modal = true;
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
          suspended.set(suspension.id, { doc, snapshot: doc.snapshot() });
          return suspension;
        },
        async resumeHistory(suspension, commit = true) {
          record("resumeHistory", { ...suspension, commit });
          const entry = suspended.get(suspension.id);
          if (!entry) throw new Error("resumeHistory: unknown suspension");
          suspended.delete(suspension.id);
          if (commit) entry.doc.historyStates.push(suspension.name);
          else entry.doc.restore(entry.snapshot);
        },
        async registerAutoCloseDocument() {},
        async unregisterAutoCloseDocument() {},
      },
    };
    try {
      return await target(context);
    } finally {
      modal = false;
      if (suspended.size) throw new Error("executeAsModal ended with history still suspended");
    }
  },
};

export const action = {
  async batchPlay() {
    return [];
  },
};

export const app = {
  /** @type {Document[]} */
  documents: [],
  /** @type {Document | null} */
  activeDocument: null,
};

export default { app, core, imaging, constants, action };
