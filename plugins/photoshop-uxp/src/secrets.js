// The daemon's token lives in UXP's secureStorage, encrypted with the user's credentials, never
// in localStorage ("Do not store passwords or other secure forms of data using localStorage":
// uxp-api/reference-js/global-members/data-storage/local-storage.md). secureStorage "should be
// regarded as a cache": a lost token is pasted again.
import { storage } from "uxp";
import { decodeUtf8, encodeUtf8 } from "./text-encoding.js";

const TOKEN_KEY = "underpaint.token";

/** The saved token, or "" when there is none (or it could not be read back). */
export async function loadToken() {
  try {
    const bytes = await storage.secureStorage.getItem(TOKEN_KEY);
    return bytes && bytes.length ? decodeUtf8(bytes) : "";
  } catch {
    return ""; // before Photoshop 26.10 a missing key may reject instead of giving null
  }
}

/**
 * Saves `token` (stored as UTF-8 bytes, so it reads back the same on every platform); an empty
 * one removes the saved token (secureStorage refuses empty values).
 * @param {string} token
 */
export async function saveToken(token) {
  if (!token) return forgetToken();
  await storage.secureStorage.setItem(TOKEN_KEY, encodeUtf8(token));
}

export async function forgetToken() {
  try {
    await storage.secureStorage.removeItem(TOKEN_KEY);
  } catch {
    // nothing was saved
  }
}
