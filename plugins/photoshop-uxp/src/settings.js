// Panel settings that outlive a Photoshop session, kept in UXP's localStorage. The token is not
// one of them: it lives in secureStorage (secrets.js).
import { DEFAULT_SERVER } from "./permissions.js";

const KEY = "underpaint.settings.v1";

/**
 * @typedef {object} Settings
 * @property {string} server  host:port of the daemon's HTTP gateway
 * @property {"http" | "https"} scheme  https for a daemon started with TLS
 * @property {string} model
 * @property {string} negativePrompt
 * @property {number} strength
 * @property {number} steps
 * @property {number} guidance
 * @property {number} seed
 * @property {number} variations
 * @property {number} expandLeft
 * @property {number} expandTop
 * @property {number} expandRight
 * @property {number} expandBottom
 * @property {string} boardChannel
 */

/** @type {Readonly<Settings>} */
export const DEFAULTS = Object.freeze({
  server: DEFAULT_SERVER,
  scheme: "http",
  model: "",
  negativePrompt: "",
  strength: 1,
  steps: 25,
  guidance: 7,
  seed: -1,
  variations: 1,
  expandLeft: 0,
  expandTop: 0,
  expandRight: 128,
  expandBottom: 0,
  boardChannel: "sketch",
});

/** @typedef {{getItem(key: string): string | null, setItem(key: string, value: string): void}} KeyValueStorage */

/** A Storage-like object: UXP's localStorage, or a Map-backed one where there is none (tests). */
export function defaultStorage() {
  if (globalThis.localStorage) return globalThis.localStorage;
  const items = new Map();
  return {
    /** @param {string} key */
    getItem: (key) => (items.has(key) ? items.get(key) : null),
    /** @param {string} key @param {string} value */
    setItem: (key, value) => void items.set(key, String(value)),
  };
}

/**
 * @param {{getItem(key: string): string | null}} storage
 * @returns {Settings}
 */
export function loadSettings(storage) {
  /** @type {Record<string, unknown>} */
  let saved = {};
  try {
    saved = JSON.parse(storage.getItem(KEY) || "{}");
  } catch {
    // a corrupt entry is replaced on the next save
  }
  /** @type {Record<string, unknown>} */
  const settings = { ...DEFAULTS };
  for (const [key, fallback] of Object.entries(DEFAULTS)) {
    if (typeof saved[key] === typeof fallback) settings[key] = saved[key];
  }
  if (settings.scheme !== "https") settings.scheme = "http";
  return /** @type {Settings} */ (settings);
}

/**
 * A token that an older panel kept in localStorage, removed from there ("" when none).
 * @param {KeyValueStorage} storage
 */
export function takeLegacyToken(storage) {
  /** @type {Record<string, unknown>} */
  let saved;
  try {
    saved = JSON.parse(storage.getItem(KEY) || "{}");
  } catch {
    return "";
  }
  if (!("token" in saved)) return "";
  const token = typeof saved.token === "string" ? saved.token : "";
  delete saved.token;
  storage.setItem(KEY, JSON.stringify(saved));
  return token;
}

/**
 * @param {{setItem(key: string, value: string): void}} storage
 * @param {Settings} settings
 */
export function saveSettings(storage, settings) {
  /** @type {Record<string, unknown>} */
  const kept = {};
  for (const key of Object.keys(DEFAULTS)) kept[key] = settings[/** @type {keyof Settings} */ (key)];
  storage.setItem(KEY, JSON.stringify(kept));
}
