// Shared bits for the tests: test pictures and pixel comparisons.

/** A deterministic RGBA8 picture (gradients + a checker) so every pixel is distinguishable. */
export function testPicture(width, height, alpha = 255) {
  const pixels = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      pixels[i] = (x * 255) / Math.max(width - 1, 1);
      pixels[i + 1] = (y * 255) / Math.max(height - 1, 1);
      pixels[i + 2] = ((x >> 3) + (y >> 3)) % 2 ? 200 : 40;
      pixels[i + 3] = alpha;
    }
  }
  return pixels;
}

/** Pixel (x, y) of an RGBA8 buffer as [r, g, b, a]. */
export function pixelAt(rgba, width, x, y) {
  const i = (y * width + x) * 4;
  return [rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]];
}
