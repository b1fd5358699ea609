// Buffer helpers the stand-in's documents and imaging share: full-canvas RGBA8 (or GRAY8) arrays.

/** Bounding box of alpha > 0 inside `area` of a full-canvas RGBA buffer, or null. */
export function alphaBounds(rgba, width, area) {
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


export function anchorFractions(anchor) {
  const [vertical, horizontal] = anchor.split("-");
  const f = { left: 0, top: 0, center: 0.5, middle: 0.5, right: 1, bottom: 1 };
  return [f[horizontal], f[vertical]];
}

/** Copies a whole sw x sh buffer into a dw x dh one at (dx, dy), clipped; RGB sources get alpha 255. */
export function copyRect(src, sw, sh, channels, dst, dw, dh, dx, dy, dstChannels = channels) {
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
