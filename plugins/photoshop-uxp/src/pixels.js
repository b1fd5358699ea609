// Pure pixel and rectangle helpers (no Photoshop calls), so they are easy to test.

/** @typedef {{left: number, top: number, right: number, bottom: number}} Rect */

/**
 * `bytes` itself when it is an array of exactly its own buffer, else a copy that is. Typed
 * arrays from protobuf-es are views into the whole response; APIs that take a buffer (such as
 * imaging.createImageDataFromBuffer) document nothing about offsets into a larger one.
 * @param {Uint8Array} bytes
 */
export function exactBytes(bytes) {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

/**
 * An RGB or RGBA image (document position included) with its alpha multiplied by a GRAY8 mask,
 * as RGBA written into `target` (a new array when none is given). Pixels the mask does not
 * cover become transparent; RGB pixels count as opaque.
 * @param {{x: number, y: number, width: number, height: number, pixels: Uint8Array}} image
 * @param {{x: number, y: number, width: number, height: number, mask: Uint8Array}} mask
 * @param {Uint8Array} [target]  width * height * 4 bytes
 */
export function maskAlpha(image, mask, target = new Uint8Array(image.width * image.height * 4)) {
  const components = image.pixels.length / (image.width * image.height);
  if (components !== 3 && components !== 4) throw new Error(`Expected RGB or RGBA pixels, got ${components} components.`);
  const source = image.pixels;
  for (let y = 0; y < image.height; y++) {
    const my = image.y + y - mask.y;
    for (let x = 0; x < image.width; x++) {
      const mx = image.x + x - mask.x;
      const inside = mx >= 0 && my >= 0 && mx < mask.width && my < mask.height;
      const coverage = inside ? mask.mask[my * mask.width + mx] : 0;
      const from = (y * image.width + x) * components;
      const to = (y * image.width + x) * 4;
      target[to] = source[from];
      target[to + 1] = source[from + 1];
      target[to + 2] = source[from + 2];
      const alpha = components === 4 ? source[from + 3] : 255;
      target[to + 3] = Math.round((alpha * coverage) / 255);
    }
  }
  return target;
}

/**
 * @typedef {object} Placed  an RGBA image cut to the document, ready for putPixels
 * @property {Uint8Array} rgba  an exact array (see exactBytes)
 * @property {number} x
 * @property {number} y
 * @property {number} width
 * @property {number} height
 * @property {boolean} clipped  whether part of the image lay outside the document
 */

/**
 * The part of an RGBA image at (x, y) that lies inside a document of `size`, or null when none
 * does. Photoshop documents no targetBounds outside the document (negative ones crashed it
 * before 24.4, ps-reference/changelog), so nothing is placed there.
 * @param {{rgba: Uint8Array, x: number, y: number, width: number, height: number}} image
 * @param {{width: number, height: number}} size
 * @returns {Placed | null}
 */
export function clipToDocument(image, size) {
  const inside = intersect(
    { left: image.x, top: image.y, right: image.x + image.width, bottom: image.y + image.height },
    { left: 0, top: 0, right: size.width, bottom: size.height },
  );
  if (!inside) return null;
  const width = inside.right - inside.left, height = inside.bottom - inside.top;
  if (width === image.width && height === image.height) {
    return { rgba: exactBytes(image.rgba), x: image.x, y: image.y, width, height, clipped: false };
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const from = ((inside.top - image.y + y) * image.width + (inside.left - image.x)) * 4;
    rgba.set(image.rgba.subarray(from, from + width * 4), y * width * 4);
  }
  return { rgba, x: inside.left, y: inside.top, width, height, clipped: true };
}

/**
 * @param {Rect} a
 * @param {Rect} b
 * @returns {Rect | null} null when they do not overlap
 */
export function intersect(a, b) {
  const rect = {
    left: Math.max(a.left, b.left),
    top: Math.max(a.top, b.top),
    right: Math.min(a.right, b.right),
    bottom: Math.min(a.bottom, b.bottom),
  };
  return rect.right > rect.left && rect.bottom > rect.top ? rect : null;
}

/**
 * The document area to send as context around a selection. The daemon decides the exact work
 * area (the grown selection padded by `context` of its size per axis, at least the model's
 * native size, shifted inward at the document border); this only has to cover it, so it
 * follows the same steps with 25% more padding and size, plus some pixels of slack.
 * @param {{width: number, height: number}} document
 * @param {Rect | null} selection  null = the whole document
 * @param {{context?: number, minContextSize?: number, grow?: number}} [options]
 * @returns {Rect}
 */
export function contextRect(document, selection, options = {}) {
  if (!selection) return { left: 0, top: 0, right: document.width, bottom: document.height };
  const { context = 0.5, minContextSize = 0, grow = 0 } = options;
  const margin = Math.max(grow, 0);
  /** @param {number} lo @param {number} hi @param {number} limit */
  const span = (lo, hi, limit) => {
    const pad = margin + Math.ceil((hi - lo + 2 * margin) * context * 1.25) + 16;
    return fitSpan(lo - pad, hi + pad, Math.min(Math.ceil(minContextSize * 1.25), limit), limit);
  };
  const [left, right] = span(selection.left, selection.right, document.width);
  const [top, bottom] = span(selection.top, selection.bottom, document.height);
  return { left, top, right, bottom };
}

/**
 * The part of the document an Expand needs: the daemon paints the new margins, looking at as
 * much of the old picture next to them as the margins are wide (its expand context is 1.0), at
 * least the model's native size. This covers that work area the way contextRect does for a
 * selection, mapped back from the grown document to this one. A margin on one side needs only a
 * strip of the picture, not all of it.
 * @param {{width: number, height: number}} document
 * @param {{left: number, top: number, right: number, bottom: number}} margins
 * @param {{minContextSize?: number}} [options]
 * @returns {Rect}
 */
export function expandContextRect(document, margins, { minContextSize = 0 } = {}) {
  const { left, top, right, bottom } = margins;
  const grown = { width: document.width + left + right, height: document.height + top + bottom };
  const old = { left, top, right: left + document.width, bottom: top + document.height };
  // The bounding box of the new area (the daemon's planner: _new_area_box).
  const newArea = {
    left: top || bottom || left ? 0 : old.right,
    top: left || right || top ? 0 : old.bottom,
    right: top || bottom || right ? grown.width : old.left,
    bottom: left || right || bottom ? grown.height : old.top,
  };
  const work = contextRect(grown, newArea, { context: 1, minContextSize });
  const inOld = intersect(work, old);
  if (!inOld) return { left: 0, top: 0, right: document.width, bottom: document.height };
  return { left: inOld.left - left, top: inOld.top - top, right: inOld.right - left, bottom: inOld.bottom - top };
}

/**
 * Widens [lo, hi) to `minimum` around its centre, then moves it inside [0, limit) without
 * shrinking it (a span longer than the limit becomes the whole limit).
 * @param {number} lo
 * @param {number} hi
 * @param {number} minimum
 * @param {number} limit
 * @returns {[number, number]}
 */
export function fitSpan(lo, hi, minimum, limit) {
  if (hi - lo < minimum) {
    const extra = minimum - (hi - lo);
    lo -= Math.floor(extra / 2);
    hi += Math.ceil(extra / 2);
  }
  if (hi - lo >= limit) return [0, limit];
  if (lo < 0) [lo, hi] = [0, hi - lo];
  if (hi > limit) [lo, hi] = [lo - (hi - limit), limit];
  return [lo, hi];
}
