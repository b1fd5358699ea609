// The board (board.proto): send the picture to a named channel so other hosts can pick it up,
// place a channel's latest image as a new layer, and follow a channel with the PollBoard long-poll.
import { Board } from "./generated/underpaint/v1/board_pb.js";
import { PixelFormat } from "./generated/underpaint/v1/underpaint_pb.js";
import { activeDocument, placeResults, readComposite, readSelection, selectionRect } from "./document.js";
import { maskAlpha } from "./pixels.js";
import { bytesPayload } from "./wire.js";

const POLL_WAIT_MS = 10000;

/** @typedef {import("./generated/underpaint/v1/board_pb.js").BoardEntry} BoardEntry */
/** @typedef {import("./generated/underpaint/v1/board_pb.js").BoardUpdate} BoardUpdate */

export class BoardClient {
  /** @param {import("./connect.js").ConnectTransport} transport  the panel's daemon connection */
  constructor(transport) {
    this.transport = transport;
  }

  /**
   * @param {import("@bufbuild/protobuf").MessageInitShape<typeof import("./generated/underpaint/v1/board_pb.js").PublishRequestSchema>} request
   * @param {import("./wire.js").Payload[]} [payloads]  pixels written straight into the body
   */
  publish(request, payloads = []) {
    return this.transport.unary(Board.method.publish, request, { timeoutMs: 60000, payloads });
  }

  /** @param {string} channel @param {bigint} [version]  0 = the latest */
  fetch(channel, version = 0n) {
    return this.transport.unary(Board.method.fetch, { channel, version, format: PixelFormat.RGBA8 }, { timeoutMs: 60000 });
  }

  /** @param {string[]} channels @param {bigint} afterCursor @param {number} [waitMs] */
  poll(channels, afterCursor, waitMs = POLL_WAIT_MS) {
    return this.transport.unary(Board.method.pollBoard, { channels, afterCursor, waitMs }, { timeoutMs: waitMs + 15000 });
  }
}

/**
 * Publishes the visible picture to `channel`: what is selected (soft edges kept in the alpha),
 * or the whole canvas without a selection.
 * @param {BoardClient} board
 * @param {string} channel
 * @param {string} [note]
 * @returns {Promise<BoardEntry>}
 */
export async function sendToBoard(board, channel, note = "") {
  const doc = activeDocument();
  const selected = selectionRect(doc);
  const pixels = await readComposite(doc, selected || { left: 0, top: 0, right: doc.width, bottom: doc.height });
  const { width, height } = pixels;
  // The soft selection becomes alpha, written straight into the request body.
  const payload = selected
    ? maskedPayload(["image", "data"], { ...pixels }, await readSelection(doc, selected))
    : bytesPayload(["image", "data"], pixels.pixels);
  const format = selected ? PixelFormat.RGBA8 : pixels.format;
  pixels.pixels = new Uint8Array(0); // the payload has them; once in the body they can go
  return board.publish({
    channel: channel.trim(),
    image: { width, height, format },
    meta: {
      sourceApp: "photoshop",
      document: doc.title,
      note,
      x: pixels.x,
      y: pixels.y,
      documentWidth: doc.width,
      documentHeight: doc.height,
    },
  }, [payload]);
}

/**
 * A payload of `image` as RGBA with the selection's coverage as alpha.
 * @param {string[]} path
 * @param {import("./document.js").Composite} image
 * @param {{x: number, y: number, width: number, height: number, mask: Uint8Array}} mask
 * @returns {import("./wire.js").Payload}
 */
function maskedPayload(path, image, mask) {
  return { path, byteLength: image.width * image.height * 4, write: (target) => void maskAlpha(image, mask, target) };
}

/**
 * Places the latest image of `channel` as a new layer: where it sat in its source document
 * when that document had this one's size, else centred. The part outside the document is cut
 * off (`clipped`, with the size that was placed).
 * @param {BoardClient} board
 * @param {string} channel
 * @param {{modal?: import("./modal.js").ModalOptions}} [options]
 * @returns {Promise<{entry: BoardEntry, layerId: number, x: number, y: number, width: number, height: number, clipped: boolean}>}
 */
export async function placeFromBoard(board, channel, { modal } = {}) {
  const doc = activeDocument();
  const entry = await board.fetch(channel.trim());
  const image = entry.image;
  if (!image || image.format !== PixelFormat.RGBA8 || image.data.length !== image.width * image.height * 4) {
    throw new Error(`The board sent ${channel} v${entry.version} in a form the panel cannot place.`);
  }
  const meta = entry.meta;
  const samePlace = meta && meta.documentWidth === doc.width && meta.documentHeight === doc.height;
  const x = samePlace ? meta.x : Math.round((doc.width - image.width) / 2);
  const y = samePlace ? meta.y : Math.round((doc.height - image.height) / 2);
  const from = meta?.sourceApp ? ` from ${meta.sourceApp}` : "";
  const { layerIds: [layerId], placed: [placed] } = await placeResults(doc.id, [{
    rgba: image.data, width: image.width, height: image.height, x, y,
    name: `Board: ${entry.channel} v${entry.version}${from}`,
  }], { historyName: "Underpaint Place from board", expectedSize: { width: doc.width, height: doc.height }, modal });
  return { entry, layerId, ...placed };
}

/** Follows publications to some channels until stop() (PollBoard long-poll). */
export class BoardWatcher {
  /**
   * @param {BoardClient} board
   * @param {string[]} channels  empty = every channel
   * @param {(update: BoardUpdate) => void} onUpdate
   * @param {(error: Error) => void} [onError]  the watcher stops after an error
   */
  constructor(board, channels, onUpdate, onError = () => {}) {
    this.board = board;
    this.channels = channels;
    this.onUpdate = onUpdate;
    this.onError = onError;
    this.stopped = false;
    this.cursor = 0n;
    /** @type {() => void} */
    this.markReady = () => {};
    /** Resolves once the watcher knows the board's current cursor: later publications are seen. */
    this.ready = new Promise((resolve) => { this.markReady = () => resolve(undefined); });
    this.done = this.loop();
  }

  async loop() {
    let first = true;
    while (!this.stopped) {
      try {
        // The first poll returns at once with the board's cursor ("from now on" starts here).
        // On a board that never had a publication the cursor is 0, which the protocol reads as
        // "from now" again, so a publication between the first two polls can go unseen there.
        const response = await this.board.poll(this.channels, this.cursor, first ? 0 : POLL_WAIT_MS);
        if (this.stopped) return;
        this.cursor = response.cursor;
        if (!first) for (const update of response.updates) this.onUpdate(update);
        first = false;
        this.markReady();
      } catch (error) {
        this.markReady();
        if (!this.stopped) this.onError(error instanceof Error ? error : new Error(String(error)));
        return;
      }
    }
  }

  /** Stops following; the poll in flight is left to end on its own. */
  stop() {
    this.stopped = true;
  }
}

/** @param {BoardUpdate} update */
export function describeUpdate(update) {
  const entry = update.entry;
  if (!entry) return "";
  if (update.deleted) return `Board: ${entry.channel} was deleted.`;
  const from = entry.meta?.sourceApp ? ` from ${entry.meta.sourceApp}` : "";
  const note = entry.meta?.note ? `: ${entry.meta.note}` : "";
  return `Board: ${entry.channel} v${entry.version}${from} (${entry.width}x${entry.height})${note}.`;
}
