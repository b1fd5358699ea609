// The panel's Tools section: Upscale, control layers, the live layer, Keyframes and Edit (no
// mask), this document's history, styles and Interrogate. The work is in upscale.js,
// controls.js, live.js, noise-jobs.js and history.js; this file reads the fields and shows what
// the daemon offers (and says when it is too old for a tool).
import { app } from "photoshop";
import { CAPABILITY as CONTROLS, CAPABILITY_REFERENCE, controlTypesFor, controlsDecorator, parseControl } from "./controls.js";
import { imageDataUrl } from "./document.js";
import { ArchiveClient, CAPABILITY as HISTORY, CAPABILITY_INTERROGATE, CAPABILITY_STYLES, archiveDecorator, combine,
  describeEntry, entryFields, interrogate, placeEntry, thumbnailUrl } from "./history.js";
import { pixelLayers } from "./layers.js";
import { CAPABILITY as LIVE, LiveLayer } from "./live.js";
import { CAPABILITY as NOISE, EditJob, KeyframesJob } from "./noise-jobs.js";
import { CAPABILITY as TRAIN, TrainJob } from "./training.js";
import { setOptions } from "./ui.js";
import { CAPABILITY as UPSCALE, UpscaleJob, parseScale, upscalers } from "./upscale.js";

const TOOL_BUTTONS = ["upscale", "keyframes", "edit", "train", "placeHistory", "reuseHistory", "interrogate"];

/**
 * @typedef {object} PanelApi  what the main panel lends the tools
 * @property {() => import("./connection.js").Connection | null} connection
 * @property {() => Promise<void>} reloadAddOns  the daemon's add-on lists again, the status line kept
 * @property {(action: import("./job.js").Action, makeJob: (options: ConstructorParameters<typeof import("./job.js").CanvasJob>[0]) => import("./job.js").CanvasJob) => Promise<void>} run
 * @property {() => import("./params.js").JobParams} readParams  throws with the field's name
 * @property {(fields: Record<string, string>) => void} setFields
 * @property {(text: string, isError?: boolean) => void} showStatus
 * @property {string} clientName
 * @property {import("./modal.js").ModalOptions} modal
 */

/**
 * @param {Document} page
 * @param {PanelApi} api
 */
export function startTools(page, api) {
  /** @param {string} id */
  const input = (id) => /** @type {HTMLInputElement} */ (page.getElementById(id));
  /** @param {string} id @param {string} value */
  const setText = (id, value) => { /** @type {HTMLElement} */ (page.getElementById(id)).textContent = value; };
  /** @param {string} id */
  const select = (id) => /** @type {HTMLSelectElement} */ (page.getElementById(id));
  /** @type {import("./controls.js").ControlChoice[]} */
  let controls = [];
  /** @type {import("./generated/underpaint/v1/archive_pb.js").HistoryEntry[]} */
  let entries = [];
  /** @type {LiveLayer | null} */
  let live = null;
  let busy = false;
  /** @param {unknown} error */
  const messageOf = (error) => (error instanceof Error ? error.message : String(error));
  const caps = () => api.connection()?.info.capabilities || [];
  const archive = () => {
    const connection = api.connection();
    return connection ? new ArchiveClient(connection.client.transport) : null;
  };
  const model = () => {
    const connection = api.connection();
    return connection?.models.find((m) => m.id === (api.readParams().model || connection.defaultModel));
  };

  /** @param {string} name */
  const layerName = (name) => name.length > 30 ? `${name.slice(0, 29)}…` : name;

  function showLayers() {
    const doc = app.activeDocument;
    const layers = doc ? pixelLayers(doc).reverse().map((l) => /** @type {[string, string]} */ ([String(l.id), layerName(l.name)])) : [];
    setOptions(page, select("controlLayer"), [["", "(choose a layer)"], ...layers], "");
  }

  function showControls() {
    const doc = app.activeDocument;
    const name = (/** @type {number} */ id) => doc?.layers.find((l) => l.id === id)?.name || `layer ${id}`;
    setText("controlList", controls.length
      ? controls.map((c) => `${name(c.layerID)}: ${c.type} ${c.strength}${c.type === "reference" ? "" : ` (${c.start}–${c.end})`}`).join(" · ")
      : "No control layers.");
  }

  /** Fills the lists with what the daemon offers, and says which tools it is too old for. */
  function connected() {
    const connection = api.connection();
    const have = caps();
    const addOns = connection?.addOns || [];
    setOptions(page, select("upscaler"), [["", "Lanczos (no model)"],
      ...upscalers(addOns).map((a) => /** @type {[string, string]} */ ([a.id, `${a.displayName || a.id} x${a.scale}${a.isDemo ? " (random weights)" : ""}`]))],
    upscalers(addOns)[0]?.id ?? "");
    let types = /** @type {Record<string, string[]>} */ ({});
    try {
      types = controlTypesFor(addOns, model());
    } catch {
      types = {};
    }
    if (!have.includes(CAPABILITY_REFERENCE)) delete types.reference;  // IP-Adapter files, but a daemon that cannot use them
    setOptions(page, select("controlType"), Object.keys(types).map((t) => /** @type {[string, string]} */ ([t, t === "reference" ? "reference (IP-Adapter)" : t])));
    showLayers();
    showControls();
    const missing = [[UPSCALE, "Upscale"], [CONTROLS, "control layers"], [LIVE, "Live"], [NOISE, "Keyframes and Edit"],
      [TRAIN, "training"], [HISTORY, "history"], [CAPABILITY_STYLES, "styles"], [CAPABILITY_INTERROGATE, "Interrogate"]]
      .filter(([cap]) => connection && !have.includes(cap));
    setText("toolsNote", missing.length
      ? `This daemon is too old for ${missing.map(([, what]) => what).join(", ")}: update it.`
      : connection && !Object.keys(types).length ? "No ControlNet or IP-Adapter for this model in the daemon's models/controlnet, models/ipadapter." : "");
    input("addControl").disabled = !have.includes(CONTROLS) || !Object.keys(types).length;
    input("live").disabled = !have.includes(LIVE);
    if (have.includes(CAPABILITY_STYLES)) void showStyles();
    setBusy(busy);
  }

  async function showStyles() {
    try {
      const { styles } = await /** @type {ArchiveClient} */ (archive()).styles();
      setOptions(page, select("style"), [["", "(no style)"], ...styles.map((s) => /** @type {[string, string]} */ ([s.name, s.name]))], "");
    } catch (error) {
      setText("toolsNote", `Styles: ${messageOf(error)}`);
    }
  }

  /** @param {boolean} value */
  function setBusy(value) {
    busy = value;
    const have = caps();
    const needs = { upscale: UPSCALE, keyframes: NOISE, edit: NOISE, train: TRAIN, placeHistory: HISTORY, reuseHistory: HISTORY,
      interrogate: CAPABILITY_INTERROGATE };
    for (const id of TOOL_BUTTONS) input(id).disabled = busy || !have.includes(needs[/** @type {keyof typeof needs} */ (id)]);
  }

  /** The decorator every job of the panel gets: control layers, archive host/document, style. */
  function decorate() {
    return combine(caps().includes(CONTROLS) && controls.length ? controlsDecorator(controls) : undefined,
      caps().includes(HISTORY) ? archiveDecorator(caps().includes(CAPABILITY_STYLES) ? select("style").value : "") : undefined);
  }

  /** @param {() => Promise<void>} action */
  async function guarded(action) {
    try {
      await action();
    } catch (error) {
      api.showStatus(messageOf(error), true);
    }
  }

  input("upscale").addEventListener("click", () => void guarded(async () => {
    const upscale = { model: select("upscaler").value, scale: parseScale(input("upscaleFactor").value) };
    await api.run("upscale", (options) => new UpscaleJob({ ...options, upscale }));
  }));
  input("addControl").addEventListener("click", () => void guarded(async () => {
    const type = select("controlType").value;
    controls = [...controls, parseControl({ layerID: select("controlLayer").value, type,
      strength: input("controlStrength").value,
      start: input("controlStart").value, end: input("controlEnd").value })];
    showControls();
  }));
  input("clearControls").addEventListener("click", () => {
    controls = [];
    showControls();
  });
  input("refreshLayers").addEventListener("click", () => {
    showLayers();
    showControls();
  });
  input("live").addEventListener("change", () => void guarded(async () => {
    if (input("live").checked && !app.activeDocument) {
      input("live").checked = false; // Live follows a document
      throw new Error("Live: open a document first.");
    }
    const connection = api.connection();
    if (input("live").checked && connection) {
      const chosen = model();
      live = new LiveLayer({ client: connection.client, readParams: api.readParams, modal: api.modal, decorate,
        model: { nativeSize: chosen ? Math.max(chosen.nativeWidth, chosen.nativeHeight) : 0, clientName: api.clientName },
        onUpdate: (update) => api.showStatus(update.message || "", update.phase === "failed") });
      await live.start();
      api.showStatus("Live: on. Paint; the result follows in the \"Live result\" layer.");
    } else {
      input("live").checked = false;
      await live?.stop();
      api.showStatus("Live: off.");
    }
  }));
  input("applyLive").addEventListener("click", () => void guarded(async () => {
    const name = await live?.apply(api.readParams().prompt);
    api.showStatus(name ? `Kept as "${name}".` : "There is no live result to apply.", !name);
  }));
  input("keyframes").addEventListener("click", () => void api.run("generate", (options) => new KeyframesJob(options)));
  input("edit").addEventListener("click", () => void api.run("edit", (options) => new EditJob({ ...options, fromPrompt: input("editFrom").value })));
  input("train").addEventListener("click", () => void guarded(async () => {
    const steps = Number(input("trainSteps").value.trim() || "0");
    await api.run("generate", (options) => /** @type {any} */ (new TrainJob({ client: options.client, onUpdate: options.onUpdate,
      token: input("trainToken").value.trim(), initWord: input("trainInit").value.trim(), steps,
      model: options.params.model || "" })));
    await api.reloadAddOns(); // the new word joins the embedding lists
  }));
  input("refreshHistory").addEventListener("click", () => void guarded(async () => {
    const doc = app.activeDocument;
    if (!doc) throw new Error("Open a document first.");
    const client = archive();
    if (!client) return;
    ({ entries } = await client.recent(doc.title));
    setOptions(page, select("historyList"), entries.length ? entries.map((e) => [e.id, describeEntry(e)]) : [["", `Nothing archived for "${doc.title}" yet.`]]);
    await showHistoryPreview();
  }));
  select("historyList").addEventListener("change", () => void guarded(showHistoryPreview));
  async function showHistoryPreview() {
    const id = select("historyList").value;
    const preview = /** @type {HTMLImageElement} */ (page.getElementById("historyPreview"));
    if (!id) {
      preview.style.display = "none";
      return;
    }
    const thumbnail = thumbnailUrl(entries.find((e) => e.id === id));
    if (thumbnail) {
      preview.src = thumbnail; // the thumbnail the list came with: no image to fetch
    } else { // a daemon older than v1.3 sends WebP thumbnails: show the entry's image instead
      const entry = await /** @type {ArchiveClient} */ (archive()).get(id);
      if (!entry.image) return;
      preview.src = await imageDataUrl(entry.image);
    }
    preview.style.display = "block";
  }
  input("placeHistory").addEventListener("click", () => void guarded(async () => {
    const id = select("historyList").value;
    if (!id) throw new Error("History: press ↻ and choose a result first.");
    const { x, y, samePlace } = await placeEntry(/** @type {ArchiveClient} */ (archive()), id, { modal: api.modal });
    api.showStatus(`Placed again at (${x}, ${y})${samePlace ? ", where it was" : ", centred: the document's size changed"}.`);
  }));
  input("reuseHistory").addEventListener("click", () => void guarded(async () => {
    const entry = entries.find((e) => e.id === select("historyList").value);
    if (!entry) throw new Error("History: press ↻ and choose a result first.");
    api.setFields(entryFields(entry));
    api.showStatus("The panel's fields are set as they were for that result.");
  }));
  input("interrogate").addEventListener("click", () => void guarded(async () => {
    const client = archive();
    if (!client) return;
    api.showStatus("Interrogating…");
    const prompt = await interrogate(client);
    api.setFields({ prompt });
    api.showStatus("Interrogate: the prompt field holds what the daemon's CLIP model sees.");
  }));

  return {
    connected,
    setBusy,
    decorate,
    async stop() {
      await live?.stop();
    },
    /** For tests: the control layers chosen. */
    get controls() {
      return controls;
    },
  };
}
