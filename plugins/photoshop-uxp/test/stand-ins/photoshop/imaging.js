// The stand-in's `imaging` (imaging.md): getPixels composites the visible layers, putPixels
// writes into a layer, image data is copied the way Photoshop hands it to JavaScript.
import { PhotoshopBytes, constants, documentFor, enterApi, record } from "./state.js";
import { alphaBounds, copyRect } from "./pixels.js";

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
