// Pure pixel and rectangle helpers (no Photoshop calls), so they are easy to test.

/** @typedef {{left: number, top: number, right: number, bottom: number}} Rect */

/**
 * Chunky RGB or RGBA 8-bit pixels -> RGBA (opaque alpha when the source has none).
 * @param {Uint8Array} data
 * @param {number} components  3 or 4
 * @returns {Uint8Array}
 */
export function toRgba(data, components) {
  if (components === 4) return data;
  if (components !== 3) throw new Error(`Expected RGB or RGBA pixels, got ${components} components.`);
  const pixels = data.length / 3;
  const rgba = new Uint8Array(pixels * 4);
  for (let i = 0; i < pixels; i++) {
    rgba[i * 4] = data[i * 3];
    rgba[i * 4 + 1] = data[i * 3 + 1];
    rgba[i * 4 + 2] = data[i * 3 + 2];
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

/**
 * Multiplies the alpha of an RGBA image by a GRAY8 mask; both carry their document position.
 * Pixels the mask does not cover become transparent. Returns a new buffer.
 * @param {{x: number, y: number, width: number, height: number, rgba: Uint8Array}} image
 * @param {{x: number, y: number, width: number, height: number, mask: Uint8Array}} mask
 */
export function maskAlpha(image, mask) {
  const rgba = Uint8Array.from(image.rgba);
  for (let y = 0; y < image.height; y++) {
    const my = image.y + y - mask.y;
    for (let x = 0; x < image.width; x++) {
      const mx = image.x + x - mask.x;
      const inside = mx >= 0 && my >= 0 && mx < mask.width && my < mask.height;
      const coverage = inside ? mask.mask[my * mask.width + mx] : 0;
      const i = (y * image.width + x) * 4 + 3;
      rgba[i] = Math.round((rgba[i] * coverage) / 255);
    }
  }
  return rgba;
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
