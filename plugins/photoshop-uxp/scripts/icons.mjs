// Draws the panel's icons (a paint stroke over a square) as PNGs at build time, so the repo
// holds no binary files. Colours follow Photoshop's light/dark neutral UI.
import { crc32, deflateSync } from "node:zlib";

/** @param {number} width @param {number} height @param {Uint8Array} rgba */
export function encodePng(width, height, rgba) {
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** An icon of `size` px: a rounded outline square with a diagonal orange stroke. */
export function drawIcon(size) {
  const rgba = new Uint8Array(size * size * 4);
  const border = Math.max(1, Math.round(size / 12));
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      const edge = x < border || y < border || x >= size - border || y >= size - border;
      const stroke = Math.abs(x + y - size) < size / 6 && !edge;
      if (stroke) rgba.set([242, 140, 40, 255], i);
      else if (edge) rgba.set([160, 160, 160, 255], i);
    }
  }
  return encodePng(size, size, rgba);
}
