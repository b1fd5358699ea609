// The daemon's archive and lexicon (docs/archive.md): this document's recent results (placed
// again where they were, or their parameters put back into the panel), the style picker, and
// Interrogate (the picture -> a prompt). Every job the panel sends names the host and the
// document, so "this document's history" is a search by its title.
import { History, Lexicon } from "./generated/underpaint/v1/archive_pb.js";
import { PixelFormat } from "./generated/underpaint/v1/underpaint_pb.js";
import { activeDocument, placeResults, readComposite, selectionRect } from "./document.js";
import { exactBytes } from "./pixels.js";

export const CAPABILITY = "history";
export const CAPABILITY_STYLES = "styles";
export const CAPABILITY_INTERROGATE = "interrogate";
export const HOST = "photoshop";

/** @typedef {import("./generated/underpaint/v1/archive_pb.js").HistoryEntry} HistoryEntry */

export class ArchiveClient {
  /** @param {import("./connect.js").ConnectTransport} transport  the panel's daemon connection */
  constructor(transport) {
    this.transport = transport;
  }

  /**
   * This document's newest results, with PNG thumbnails (UXP's <img> shows PNG/JPEG, not the
   * archive's WebP; a daemon older than v1.3 ignores the wish: see thumbnailUrl).
   * @param {string} document
   * @param {number} [limit]
   */
  recent(document, limit = 12) {
    return this.transport.unary(History.method.searchHistory,
      { document, host: HOST, limit, thumbnailFormat: PixelFormat.PNG });
  }

  /** @param {string} id  the entry with its image as RGBA8 */
  get(id) {
    return this.transport.unary(History.method.getHistoryEntry, { id, format: PixelFormat.RGBA8 }, { timeoutMs: 60000 });
  }

  styles() {
    return this.transport.unary(Lexicon.method.listStyles, {});
  }

  /**
   * @param {import("@bufbuild/protobuf").MessageInitShape<typeof import("./generated/underpaint/v1/underpaint_pb.js").ImageSchema>} image
   */
  interrogate(image) {
    return this.transport.unary(Lexicon.method.interrogate, { image }, { timeoutMs: 120000 });
  }
}

/**
 * A job decorator: names the host and document for the archive, and applies the chosen style.
 * @param {string} style  a style name; "" = none
 * @returns {import("./job.js").Decorate}
 */
export function archiveDecorator(style) {
  return async ({ doc, request }) => {
    request.archive = { ...request.archive, host: HOST, document: doc.title }; // a job's own skip stays
    if (style) request.styles = [style];
  };
}

/**
 * Several decorators, in order.
 * @param {(import("./job.js").Decorate | undefined)[]} decorators
 * @returns {import("./job.js").Decorate}
 */
export function combine(...decorators) {
  return async (job) => {
    for (const decorate of decorators) if (decorate) await decorate(job);
  };
}

/**
 * One line for the history list: what, when, how big.
 * @param {HistoryEntry} entry
 */
export function describeEntry(entry) {
  const p = entry.parameters;
  const when = new Date(entry.time * 1000).toISOString().slice(11, 16);
  const what = (p?.prompt || "(no prompt)").slice(0, 40);
  return `${when} ${what} · seed ${p?.seed ?? "?"} · ${entry.width}x${entry.height}`;
}

/**
 * The panel's fields as they were for `entry` (strength 1 when it was made from scratch).
 * @param {HistoryEntry} entry
 * @returns {Record<string, string>}
 */
export function entryFields(entry) {
  const p = entry.parameters;
  if (!p) throw new Error("This history entry has no parameters to reuse.");
  return {
    prompt: p.prompt, negativePrompt: p.negativePrompt, model: p.model, steps: String(p.steps),
    guidance: String(Number(p.guidance.toFixed(2))), seed: String(p.seed), strength: String(p.strength > 0 ? Number(p.strength.toFixed(2)) : 1),
  };
}

/**
 * Places an archived result again as a new layer: where it was when this document still has the
 * size it had then, centred otherwise.
 * @param {ArchiveClient} archive
 * @param {string} id
 * @param {{modal?: import("./modal.js").ModalOptions}} [options]
 */
export async function placeEntry(archive, id, { modal } = {}) {
  const doc = activeDocument();
  const entry = await archive.get(id);
  const image = entry.image;
  if (!image || image.format !== PixelFormat.RGBA8 || image.data.length !== image.width * image.height * 4) {
    throw new Error(`The daemon sent history entry ${id} in a form the panel cannot place.`);
  }
  const samePlace = entry.documentWidth === doc.width && entry.documentHeight === doc.height;
  const x = samePlace ? entry.x : Math.round((doc.width - image.width) / 2);
  const y = samePlace ? entry.y : Math.round((doc.height - image.height) / 2);
  const { layerIds: [layerId], placed: [placed] } = await placeResults(doc.id, [{
    rgba: exactBytes(image.data), width: image.width, height: image.height, x, y,
    name: `Underpaint: again ${(entry.parameters?.prompt || "").slice(0, 30)} [seed ${entry.parameters?.seed ?? "?"}]`,
  }], { historyName: "Underpaint Place again from history", expectedSize: { width: doc.width, height: doc.height }, modal });
  return { entry, layerId, samePlace, ...placed };
}

/**
 * Interrogate: the selection's area (or the whole picture) as the daemon's CLIP model reads it.
 * @param {ArchiveClient} archive
 * @returns {Promise<string>} the prompt
 */
export async function interrogate(archive) {
  const doc = activeDocument();
  const area = selectionRect(doc) || { left: 0, top: 0, right: doc.width, bottom: doc.height };
  const { width, height, format, pixels } = await readComposite(doc, area);
  const response = await archive.interrogate({ width, height, format, data: pixels });
  return response.prompt;
}

/**
 * A data URL for an entry's thumbnail when it came as PNG; "" otherwise (an older daemon's WebP).
 * @param {HistoryEntry | undefined} entry
 */
export function thumbnailUrl(entry) {
  const thumb = entry?.thumbnail;
  if (!thumb || thumb.format !== PixelFormat.PNG || !thumb.data.length) return "";
  return `data:image/png;base64,${base64(thumb.data)}`;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** RFC 4648 base64 of bytes (UXP documents no btoa; thumbnails are a few KB). */
export function base64(/** @type {Uint8Array} */ bytes) {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i], b = bytes[i + 1], c = bytes[i + 2];
    out += BASE64[a >> 2] + BASE64[((a & 3) << 4) | ((b ?? 0) >> 4)];
    out += b === undefined ? "=" : BASE64[((b & 15) << 2) | ((c ?? 0) >> 6)];
    out += c === undefined ? "=" : BASE64[c & 63];
  }
  return out;
}
