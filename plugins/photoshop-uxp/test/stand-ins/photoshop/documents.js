// Documents of the "photoshop" stand-in with real pixels: a document is a stack of full-canvas
// RGBA8 layer buffers plus a GRAY8 selection mask; methods marked "Test helper" play the artist.
import { PhotoshopBytes, constants, enterApi, newId, record } from "./state.js";
import { alphaBounds, anchorFractions, copyRect } from "./pixels.js";

class Layer {
  constructor(doc, name, pixels, kind = constants.LayerKind.NORMAL) {
    this.id = newId();
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

export class Document {
  constructor({ width, height, pixels, opaque = false, bitsPerChannel = "bitDepth8", mode = "RGBColorMode",
    title = "Untitled-1", colorProfileName = "sRGB IEC61966-2.1" }) {
    this.id = newId();
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
