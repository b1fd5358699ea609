// Entry point: the bundle index.js that index.html loads is built from this file.
// text-encoding.js comes first: the generated protobuf code decodes its descriptors while it
// is being imported, and needs a UTF-8 codec by then.
import "./text-encoding.js";
import { entrypoints, host } from "uxp";
import { startPanel } from "./panel.js";

let started = false;
function start() {
  if (started) return;
  started = true;
  startPanel(document, { clientName: `photoshop ${host.version} (underpaint-uxp)` });
}

// Photoshop calls create() once, then show() whenever the panel becomes visible.
entrypoints.setup({ panels: { underpaintPanel: { create: start, show: start } } });
