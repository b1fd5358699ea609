// Stand-in for Photoshop's "photoshop" module with real pixels: a document is a stack of
// full-canvas RGBA8 layer buffers plus a GRAY8 selection mask. getPixels composites the
// visible layers, putPixels writes into a layer, resizeCanvas moves every buffer.
// Where the panel's behaviour depends on it, the stand-in follows Adobe's documentation and says
// which page in a comment (AdobeDocs/uxp-photoshop, src/pages/...):
//   imaging.md          ps-reference/media/imaging.md
//   executeasmodal.md   ps-reference/media/executeasmodal.md
//   changelog           ps-reference/changelog/index.md
// Only what the panel uses is here; calls are recorded in `standIn.calls` for assertions.
// The areas live in stand-ins/photoshop/: state.js (constants, app, the modal state, the call
// record), documents.js, imaging.js, core.js (executeAsModal) and actions.js (notifications).
import { host } from "./uxp.js";
import { app, constants, modal, standIn } from "./photoshop/state.js";
import { Document } from "./photoshop/documents.js";
import { imaging } from "./photoshop/imaging.js";
import { core } from "./photoshop/core.js";
import { action, listeners } from "./photoshop/actions.js";

Object.assign(standIn, {
  reset() {
    this.calls.length = 0;
    this.modalRefusals.length = 0;
    this.onModalRefused = () => {};
    app.documents.length = 0;
    app.activeDocument = null;
    Object.assign(modal, { owner: "", hold: null, cancelAt: "", scope: null });
    host.version = "26.0.0";
    listeners.length = 0;
  },
  /**
   * A new active document whose only layer holds `pixels` (RGBA8, width*height*4).
   * @param {{width: number, height: number, pixels?: Uint8Array, opaque?: boolean,
   *          bitsPerChannel?: string, mode?: string, title?: string}} options
   */
  newDocument(options) {
    const doc = new Document(options);
    app.documents.push(doc);
    app.activeDocument = doc;
    return doc;
  },
});

export { action, app, constants, core, imaging, standIn };
export default { app, core, imaging, constants, action };
