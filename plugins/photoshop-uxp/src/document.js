// Everything that touches the Photoshop document: reading the composite and the selection,
// and placing results as new pixel layers (one history state per job).
import { app, constants, imaging } from "photoshop";
import { PixelFormat } from "./generated/underpaint/v1/underpaint_pb.js";
import { runModal } from "./modal.js";
import { clipToDocument, contextRect, exactBytes, expandContextRect, intersect } from "./pixels.js";

// Pixels go both ways in sRGB so results match on documents with any other profile:
// Photoshop converts from/to the document's own profile.
export const SRGB = "sRGB IEC61966-2.1";

/** @typedef {import("./pixels.js").Rect} Rect */
/** @typedef {import("photoshop/dom/Document").Document} PsDocument */

/**
 * @typedef {object} CanvasCapture  what a canvas job sends about the document
 * @property {number} documentID
 * @property {number} documentWidth
 * @property {number} documentHeight
 * @property {Composite | null} region
 * @property {{x: number, y: number, width: number, height: number, mask: Uint8Array} | null} selection
 */

/**
 * @typedef {object} Composite  pixels of the composite as Photoshop gave them: RGB for an
 *   opaque document (a Background layer), RGBA otherwise, trimmed to where there are pixels
 * @property {number} x
 * @property {number} y
 * @property {number} width
 * @property {number} height
 * @property {PixelFormat} format  RGB8 or RGBA8
 * @property {Uint8Array} pixels   width * height * (3 or 4) bytes; emptied once sent
 */

/**
 * @typedef {object} Placement  one finished image and where it goes
 * @property {Uint8Array} rgba
 * @property {number} width
 * @property {number} height
 * @property {number} x
 * @property {number} y
 * @property {string} name  layer name
 */

/** The active document, or an error the artist can act on. */
export function activeDocument() {
  const doc = app.activeDocument;
  if (!doc) throw new Error("Open a document first.");
  const problem = documentProblem(doc);
  if (problem) throw new Error(problem);
  return doc;
}

/**
 * Null when Underpaint can work on this document, else why not.
 * @param {PsDocument} doc
 */
export function documentProblem(doc) {
  if (doc.mode !== constants.DocumentMode.RGB) {
    return `Underpaint works on RGB documents; "${doc.title}" is in ${doc.mode}. ` +
      `Convert it with Image > Mode > RGB Color.`;
  }
  if (doc.bitsPerChannel !== constants.BitsPerChannelType.EIGHT) {
    const bits = String(doc.bitsPerChannel).replace("bitDepth", "");
    return `Underpaint works on 8-bit documents; "${doc.title}" has ${bits} bits per channel. ` +
      `Convert it with Image > Mode > 8 Bits/Channel (or work on an 8-bit copy).`;
  }
  return null;
}

/** @param {number} documentID */
export function findDocument(documentID) {
  const doc = app.documents.find((d) => d.id === documentID);
  if (!doc) throw new Error("The document was closed before the result arrived.");
  return doc;
}

/**
 * The selection's bounds clipped to the canvas, or null when nothing is selected.
 * @param {PsDocument} doc
 * @returns {Rect | null}
 */
export function selectionRect(doc) {
  const bounds = doc.selection.bounds;
  if (!bounds) return null;
  return intersect(
    { left: bounds.left, top: bounds.top, right: bounds.right, bottom: bounds.bottom },
    { left: 0, top: 0, right: doc.width, bottom: doc.height },
  );
}

/**
 * Reads what a canvas operation needs: the composite around the selection (or, for Expand, next
 * to the new margins), and the selection.
 * @param {PsDocument} doc
 * @param {{sendRegion: boolean, useSelection: boolean,
 *          context?: Parameters<typeof contextRect>[2],
 *          expand?: {left: number, top: number, right: number, bottom: number}}} options
 * @returns {Promise<CanvasCapture>}
 */
export async function readCanvas(doc, { sendRegion, useSelection, context, expand }) {
  const selected = useSelection ? selectionRect(doc) : null;
  /** @type {CanvasCapture} */
  const capture = {
    documentID: doc.id,
    documentWidth: doc.width,
    documentHeight: doc.height,
    region: null,
    selection: null,
  };
  if (selected) capture.selection = await readSelection(doc, selected);
  if (sendRegion) {
    const rect = expand ? expandContextRect(doc, expand, context) : contextRect(doc, selected, context);
    capture.region = await readComposite(doc, rect);
  }
  return capture;
}

/**
 * The composite (all visible layers) inside `rect`, in sRGB, as Photoshop hands it over: no
 * conversion, no copy (Photoshop warns near 600 MB of plugin memory; imaging.md).
 * @param {PsDocument} doc
 * @param {Rect} rect
 * @returns {Promise<Composite>}
 */
export async function readComposite(doc, rect) {
  const { imageData, sourceBounds } = await imaging.getPixels({
    documentID: doc.id,
    sourceBounds: rect,
    colorSpace: "RGB",
    colorProfile: SRGB,
    componentSize: 8,
  });
  try {
    const { width, height, components } = imageData;
    if (!width || !height) {
      // Nothing in the area has pixels. The protocol counts pixels not sent as transparent, so
      // one transparent pixel says it all.
      return { x: rect.left, y: rect.top, width: 1, height: 1, format: PixelFormat.RGBA8, pixels: new Uint8Array(4) };
    }
    if (components !== 3 && components !== 4) throw new Error(`Photoshop sent ${components} components per pixel; expected RGB or RGBA.`);
    const pixels = /** @type {Uint8Array} */ (await imageData.getData({ chunky: true }));
    return {
      // getPixels trims the request to where pixels exist: use the bounds it really returned.
      x: sourceBounds.left,
      y: sourceBounds.top,
      width,
      height,
      format: components === 3 ? PixelFormat.RGB8 : PixelFormat.RGBA8,
      pixels,
    };
  } finally {
    imageData.dispose();
  }
}

/**
 * The selection's GRAY8 mask inside `rect` (255 = selected).
 * @param {PsDocument} doc
 * @param {Rect} rect
 */
export async function readSelection(doc, rect) {
  const { imageData, sourceBounds } = await imaging.getSelection({ documentID: doc.id, sourceBounds: rect });
  try {
    const mask = /** @type {Uint8Array} */ (await imageData.getData({ chunky: true }));
    if (imageData.components !== 1) throw new Error("The selection came back with more than one channel.");
    return {
      x: sourceBounds.left,
      y: sourceBounds.top,
      width: imageData.width,
      height: imageData.height,
      mask,
    };
  } finally {
    imageData.dispose();
  }
}

/**
 * Places results as new pixel layers in one undoable step. For Expand, first grows the canvas
 * so that the old content lands at (offsetX, offsetY) of a newWidth x newHeight document.
 * Images reaching past the document are cut to it; one entirely outside is refused before
 * anything changes. If anything fails, Photoshop rolls the whole step back.
 * @param {number} documentID
 * @param {Placement[]} placements  the first stays visible, the others are hidden variations
 * @param {{historyName: string, expectedSize: {width: number, height: number},
 *          grow?: {width: number, height: number, offsetX: number, offsetY: number, resample?: boolean},
 *          modal?: import("./modal.js").ModalOptions}} options  grow.resample: scale the picture to
 *   that size (Upscale) instead of adding margins
 * @returns {Promise<{layerIds: number[], placed: {x: number, y: number, width: number, height: number, clipped: boolean}[]}>}
 */
export async function placeResults(documentID, placements, { historyName, expectedSize, grow, modal }) {
  return runModal(historyName, async (context) => {
    const doc = findDocument(documentID);
    if (doc.width !== expectedSize.width || doc.height !== expectedSize.height) {
      throw new Error(
        `The document changed size while Underpaint was working ` +
          `(${expectedSize.width}x${expectedSize.height} -> ${doc.width}x${doc.height}); nothing was placed.`,
      );
    }
    const size = grow ? { width: grow.width, height: grow.height } : expectedSize;
    const fitted = placements.map((placement) => {
      const inside = clipToDocument(placement, size);
      if (!inside) {
        throw new Error(`"${placement.name}" (${placement.width}x${placement.height} at ${placement.x}, ${placement.y}) ` +
          `lies outside the ${size.width}x${size.height} document; nothing was placed.`);
      }
      return { ...inside, name: placement.name };
    });
    const suspension = await context.hostControl.suspendHistory({ documentID, name: historyName });
    // From here on, an error leaves the scope and Photoshop cancels the suspended history state
    // itself, taking back every layer made so far (executeasmodal.md, History state suspension).
    if (grow?.resample) await doc.resizeImage(grow.width, grow.height);
    else if (grow) await growCanvas(doc, grow);
    const layerIds = [];
    for (const [index, placement] of fitted.entries()) {
      layerIds.push(await putLayer(doc, placement, index === 0));
    }
    await context.hostControl.resumeHistory(suspension, true);
    return { layerIds, placed: fitted.map(({ x, y, width, height, clipped }) => ({ x, y, width, height, clipped })) };
  }, modal);
}

/**
 * resizeCanvas only anchors at corners/centres, so grow right/bottom first, then left/top.
 * @param {PsDocument} doc
 * @param {{width: number, height: number, offsetX: number, offsetY: number}} grow
 */
async function growCanvas(doc, { width, height, offsetX, offsetY }) {
  const rightGrownWidth = width - offsetX;
  const bottomGrownHeight = height - offsetY;
  if (rightGrownWidth < doc.width || bottomGrownHeight < doc.height || offsetX < 0 || offsetY < 0) {
    throw new Error(`The daemon asked for a smaller canvas (${width}x${height}); nothing was placed.`);
  }
  if (rightGrownWidth !== doc.width || bottomGrownHeight !== doc.height) {
    await doc.resizeCanvas(rightGrownWidth, bottomGrownHeight, constants.AnchorPosition.TOPLEFT);
  }
  if (offsetX || offsetY) await doc.resizeCanvas(width, height, constants.AnchorPosition.BOTTOMRIGHT);
}

/**
 * @param {PsDocument} doc
 * @param {{rgba: Uint8Array, x: number, y: number, width: number, height: number, name: string}} placement
 *   inside the document, rgba an exact array
 * @param {boolean} visible
 */
async function putLayer(doc, placement, visible) {
  const layer = await doc.createPixelLayer({ name: placement.name });
  if (!layer) throw new Error("Photoshop could not create a new layer.");
  const imageData = await imaging.createImageDataFromBuffer(placement.rgba, {
    width: placement.width,
    height: placement.height,
    components: 4,
    colorSpace: "RGB",
    colorProfile: SRGB,
  });
  try {
    await imaging.putPixels({
      documentID: doc.id,
      layerID: layer.id,
      imageData,
      targetBounds: { left: placement.x, top: placement.y, width: placement.width, height: placement.height },
    });
  } finally {
    imageData.dispose();
  }
  if (!visible) layer.visible = false;
  return layer.id;
}

/**
 * A small RGBA8 image as a data: URL for an <img> (UXP images take JPEG/PNG only).
 * @param {{width: number, height: number, data: Uint8Array}} image
 */
export async function imageDataUrl(image) {
  const imageData = await imaging.createImageDataFromBuffer(exactBytes(image.data), {
    width: image.width,
    height: image.height,
    components: 4,
    colorSpace: "RGB",
    colorProfile: SRGB,
  });
  try {
    const jpeg = await imaging.encodeImageData({ imageData, base64: true });
    return `data:image/jpeg;base64,${jpeg}`;
  } finally {
    imageData.dispose();
  }
}
