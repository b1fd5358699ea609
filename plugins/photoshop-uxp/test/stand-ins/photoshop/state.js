// Shared state of the "photoshop" stand-in (see ../photoshop.js): the constants, the open
// documents, the modal state, the record of calls, and the checks every document-changing API
// makes first. The API areas (documents.js, imaging.js, core.js, actions.js) build on it.

// Photoshop's own memory: buffers the stand-in keeps for itself are made with the constructor
// captured here, so a test that counts the plugin's allocations (by swapping the global
// Uint8Array) sees only what reaches the plugin's JavaScript (getData's array).
export const PhotoshopBytes = Uint8Array;

export const constants = {
  AnchorPosition: {
    BOTTOMCENTER: "bottom-center", BOTTOMLEFT: "bottom-left", BOTTOMRIGHT: "bottom-right",
    MIDDLECENTER: "middle-center", MIDDLELEFT: "middle-left", MIDDLERIGHT: "middle-right",
    TOPCENTER: "top-center", TOPLEFT: "top-left", TOPRIGHT: "top-right",
  },
  BitsPerChannelType: { ONE: "bitDepth1", EIGHT: "bitDepth8", SIXTEEN: "bitDepth16", THIRTYTWO: "bitDepth32" },
  DocumentMode: {
    BITMAP: "bitmapMode", CMYK: "CMYKColorMode", DUOTONE: "duotoneMode", GRAYSCALE: "grayscaleMode",
    INDEXEDCOLOR: "indexedColorMode", LAB: "labColorMode", MULTICHANNEL: "multichannelMode", RGB: "RGBColorMode",
  },
  LayerKind: { NORMAL: "pixel", GROUP: "group", TEXT: "text", SOLIDFILL: "solidColor" },
};

let nextId = 1;
/** A fresh id: documents, layers and history suspensions draw from one counter. */
export function newId() {
  return nextId++;
}

// The modal state (executeasmodal.md): one plugin at a time. `owner` is the plugin holding it
// ("" = free); another plugin's hold is scripted by tests with standIn.holdModal().
export const modal = { owner: "", hold: null, cancelAt: "", scope: null };
export const OUR_PLUGIN = "org.underpaint.photoshop";

/**
 * The test side of the module. Here: what every area records or reads; reset() and
 * newDocument() are added by ../photoshop.js, notify() and listenerCount() by actions.js.
 */
export const standIn = {
  /** Every imaging/core call the panel made: {name, options}. */
  calls: [],
  /** executeAsModal requests refused because another plugin was modal: {message, timeOut}. */
  modalRefusals: [],
  /** Called with each refusal (tests release a hold from here). */
  onModalRefused: (/** @type {any} */ _refusal) => {},
  callsNamed(name) {
    return this.calls.filter((call) => call.name === name);
  },
  /**
   * Another plugin enters the modal state. With `seconds` it leaves after that long, counted in
   * the time other requests spend waiting for it (timeOut, Photoshop 25.10+); without, it stays
   * until release(). Returns {release()}.
   * @param {string} pluginId
   * @param {{seconds?: number}} [options]
   */
  holdModal(pluginId, { seconds = Infinity } = {}) {
    modal.hold = { pluginId, seconds };
    return {
      release() {
        if (modal.hold?.pluginId === pluginId) modal.hold = null;
      },
    };
  },
  /**
   * The user cancels the panel's next modal command (Escape, or the progress bar's Cancel) when
   * it calls the named Photoshop API ("putPixels", "createPixelLayer", ...).
   * @param {string} apiName
   */
  userCancelsAt(apiName) {
    modal.cancelAt = apiName;
  },
};

export function record(name, options) {
  standIn.calls.push({ name, options });
}

/**
 * Photoshop changes documents only inside executeAsModal; after the user cancelled the modal
 * scope, Photoshop APIs raise instead of working (executeasmodal.md, "User cancellation").
 */
export function enterApi(what) {
  if (!modal.scope) throw new Error(`${what}: the document can only be changed inside core.executeAsModal`);
  const context = modal.scope.context;
  if (modal.cancelAt === what && !context.isCancelled) {
    modal.cancelAt = "";
    context.isCancelled = true;
    context.onCancel?.({ reason: "user cancelled" });
  }
  if (context.isCancelled) throw new Error(`${what}: the user cancelled the modal command`);
}

/** A document ID the stand-in knows: missing or negative = the active document (imaging.md). */
export function documentFor(options) {
  const doc = options.documentID === undefined || options.documentID < 0
    ? app.activeDocument
    : app.documents.find((d) => d.id === options.documentID);
  if (!doc) throw new Error(`no document with id ${options.documentID}`);
  return doc;
}

export const app = {
  /** @type {import("./documents.js").Document[]} */
  documents: [],
  /** @type {import("./documents.js").Document | null} */
  activeDocument: null,
};
