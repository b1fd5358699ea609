// The document's layers as the panel's tools use them: the pixel layers in stack order (for the
// control, reference and keyframe pickers) and one layer's own pixels over an area.
import { constants, imaging } from "photoshop";
import { SRGB } from "./document.js";

/** @typedef {import("photoshop/dom/Document").Document} PsDocument */
/** @typedef {import("photoshop/dom/Layer").Layer} PsLayer */
/** @typedef {import("./pixels.js").Rect} Rect */

/**
 * The top-level layers, bottom first. Photoshop lists `document.layers` top first, the order of
 * the Layers panel (document.md only says "the layers ... at the top level"; ExtendScript's
 * collection was top first too): the one place the panel relies on that order.
 * @param {PsDocument} doc
 * @returns {PsLayer[]}
 */
export function stackBottomFirst(doc) {
  return [...doc.layers].reverse();
}

/**
 * The pixel layers (no groups, text or adjustment layers), bottom first.
 * @param {PsDocument} doc
 */
export function pixelLayers(doc) {
  return stackBottomFirst(doc).filter((layer) => layer.kind === constants.LayerKind.NORMAL);
}

/**
 * @param {PsDocument} doc
 * @param {number} layerID
 */
export function findLayer(doc, layerID) {
  const layer = doc.layers.find((l) => l.id === layerID);
  if (!layer) throw new Error(`The layer chosen in the panel (id ${layerID}) is no longer in "${doc.title}": choose again.`);
  return layer;
}

/**
 * One layer's own pixels inside `rect` as RGBA8 exactly covering `rect` (transparent where the
 * layer has none: getPixels trims to where it has pixels, imaging.md), in sRGB.
 * @param {PsDocument} doc
 * @param {number} layerID
 * @param {Rect} rect
 * @returns {Promise<{x: number, y: number, width: number, height: number, rgba: Uint8Array, empty: boolean}>}
 */
export async function readLayer(doc, layerID, rect) {
  const width = rect.right - rect.left, height = rect.bottom - rect.top;
  const rgba = new Uint8Array(width * height * 4);
  const { imageData, sourceBounds } = await imaging.getPixels({
    documentID: doc.id, layerID, sourceBounds: rect, colorSpace: "RGB", colorProfile: SRGB, componentSize: 8,
  });
  try {
    const components = imageData.components;
    if (!imageData.width || !imageData.height) return { x: rect.left, y: rect.top, width, height, rgba, empty: true };
    if (components !== 3 && components !== 4) throw new Error(`Photoshop sent ${components} components per pixel; expected RGB or RGBA.`);
    const data = /** @type {Uint8Array} */ (await imageData.getData({ chunky: true }));
    const dx = sourceBounds.left - rect.left, dy = sourceBounds.top - rect.top;
    for (let y = 0; y < imageData.height; y++) {
      for (let x = 0; x < imageData.width; x++) {
        const from = (y * imageData.width + x) * components, to = ((y + dy) * width + x + dx) * 4;
        rgba[to] = data[from];
        rgba[to + 1] = data[from + 1];
        rgba[to + 2] = data[from + 2];
        rgba[to + 3] = components === 4 ? data[from + 3] : 255;
      }
    }
    return { x: rect.left, y: rect.top, width, height, rgba, empty: false };
  } finally {
    imageData.dispose();
  }
}
