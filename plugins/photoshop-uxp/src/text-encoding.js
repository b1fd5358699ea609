// protobuf-es needs TextEncoder/TextDecoder for string fields. Photoshop's UXP runtime has not
// always shipped them, so fall back to a small UTF-8 codec when they are missing. Importing this
// module installs the fallback (main.js imports it before anything else).
import { configureTextEncoding } from "@bufbuild/protobuf/wire";

/** @param {string} text */
export function encodeUtf8(text) {
  const bytes = [];
  for (const char of text) {
    const code = /** @type {number} */ (char.codePointAt(0));
    if (code < 0x80) {
      bytes.push(code);
    } else if (code < 0x800) {
      bytes.push(0xc0 | (code >> 6), 0x80 | (code & 63));
    } else if (code < 0x10000) {
      bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
    } else {
      bytes.push(
        0xf0 | (code >> 18),
        0x80 | ((code >> 12) & 63),
        0x80 | ((code >> 6) & 63),
        0x80 | (code & 63),
      );
    }
  }
  return new Uint8Array(bytes);
}

/** Decodes UTF-8; malformed sequences become U+FFFD like TextDecoder does (close enough for logs). */
export function decodeUtf8(/** @type {Uint8Array} */ bytes) {
  let out = "";
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    const length = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
    if (length === 0 || i + length > bytes.length) {
      out += "\ufffd";
      i += 1;
      continue;
    }
    let code = length === 1 ? lead : lead & (0xff >> (length + 1));
    let valid = true;
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      if ((next & 0xc0) !== 0x80) valid = false;
      code = (code << 6) | (next & 63);
    }
    out += valid ? String.fromCodePoint(code) : "\ufffd";
    i += valid ? length : 1;
  }
  return out;
}

/** Installs the fallback codec when the runtime has no TextEncoder (call once at start-up). */
export function ensureTextEncoding(scope = globalThis) {
  if (typeof scope.TextEncoder === "function" && typeof scope.TextDecoder === "function") return false;
  configureTextEncoding({
    encodeUtf8,
    decodeUtf8: (bytes) => decodeUtf8(bytes),
    checkUtf8: (text) => {
      try {
        encodeURIComponent(text);
        return true;
      } catch {
        return false;
      }
    },
  });
  return true;
}

ensureTextEncoding();
