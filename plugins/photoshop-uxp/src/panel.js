// The panel's DOM: reads the inputs, starts and cancels jobs, shows queue position, progress,
// preview and messages. All the work happens in connection.js and job.js.
import { startBoardSection } from "./board-section.js";
import { connect, describeConnection, readManifest } from "./connection.js";
import { addOnsFor, appendToPrompt, loraTag } from "./extras.js";
import { CanvasJob } from "./job.js";
import { CAPABILITY as TOKENIZE, chunkLines, counterLabel, tokenCounter } from "./tokens.js";
import { parseParams } from "./params.js";
import { splitAddress } from "./permissions.js";
import { secretField } from "./secret-field.js";
import { forgetToken, loadToken, saveToken } from "./secrets.js";
import { defaultStorage, loadSettings, saveSettings, takeLegacyToken } from "./settings.js";
import { startTools } from "./tools-panel.js";
import { chooseOption, setOptions } from "./ui.js";

const PARAM_FIELDS = ["strength", "steps", "guidance", "seed", "variations",
  "expandLeft", "expandTop", "expandRight", "expandBottom"];
const ACTION_BUTTONS = ["generate", "fill", "expand", "fixRestore", "fixRerender"];

/**
 * @param {Document} page
 * @param {{clientName?: string, modal?: import("./modal.js").ModalOptions}} [options]  modal: how
 *   placing waits for Photoshop when another plugin holds it
 * @returns {{stop(): void}}
 */
export function startPanel(page, { clientName = "photoshop-uxp", modal = {} } = {}) {
  const storage = defaultStorage();
  const legacyToken = takeLegacyToken(storage);
  let settings = loadSettings(storage);
  /** The daemon's token, from secure storage (never in `settings`). */
  let token = "";
  /** @type {import("./connection.js").Connection | null} */
  let connection = null;
  /** @type {CanvasJob | null} */
  let running = null;
  /** The last job: images it could not place can be placed again. @type {CanvasJob | null} */
  let lastJob = null;

  /** @param {string} id */
  const input = (id) => /** @type {HTMLInputElement} */ (page.getElementById(id));
  /** @param {string} id */
  const element = (id) => /** @type {HTMLElement} */ (page.getElementById(id));
  const modelSelect = /** @type {HTMLSelectElement} */ (page.getElementById("model"));
  /** @param {string} id */
  const select = (id) => /** @type {HTMLSelectElement} */ (page.getElementById(id));
  const schemeSelect = /** @type {HTMLSelectElement} */ (page.getElementById("scheme"));
  const preview = /** @type {HTMLImageElement} */ (page.getElementById("preview"));
  const tokenField = secretField(input("token"));

  for (const id of PARAM_FIELDS) input(id).value = String(settings[/** @type {keyof typeof settings} */ (id)]);
  input("negativePrompt").value = settings.negativePrompt;
  input("server").value = settings.server;
  chooseOption(schemeSelect, settings.scheme);
  input("boardChannel").value = settings.boardChannel;
  input("loraWeight").value = "0.8";

  function showTokenState() {
    input("token").placeholder = token ? "saved in Photoshop's secure storage" : "";
  }

  /** @param {string} id @param {string} text @param {boolean} isError */
  function showLine(id, text, isError) {
    element(id).textContent = text;
    element(id).className = isError ? "status error" : "status";
  }
  /** @param {string} text @param {boolean} [isError] */
  const showStatus = (text, isError = false) => showLine("status", text, isError);

  /** @param {unknown} error */
  const messageOf = (error) => (error instanceof Error ? error.message : String(error));

  /** @param {number} fraction */
  function showProgress(fraction) {
    element("progressBar").style.width = `${Math.round(Math.max(0, Math.min(1, fraction)) * 100)}%`;
  }

  /** @param {boolean} busy */
  function setBusy(busy) {
    for (const id of ACTION_BUTTONS) input(id).disabled = busy;
    if (!busy) showExtras(); // the face buttons follow what the daemon offers
    input("cancel").disabled = !busy;
    input("placeAgain").disabled = busy || !lastJob?.canPlaceAgain;
    tools.setBusy(busy);
  }

  function readRaw() {
    /** @type {Record<string, string>} */
    const raw = {
      prompt: input("prompt").value, negativePrompt: input("negativePrompt").value, model: modelSelect.value,
      vae: select("vae").value, faceRestorer: select("faceRestorer").value,
      rerenderFaces: String(input("rerenderFaces").checked), restoreFaces: String(input("restoreFaces").checked),
    };
    for (const id of PARAM_FIELDS) raw[id] = input(id).value;
    return raw;
  }

  function remember() {
    const raw = readRaw();
    /** @type {Record<string, unknown>} */
    const next = { ...settings, negativePrompt: raw.negativePrompt, model: raw.model };
    for (const id of PARAM_FIELDS) {
      const value = Number(raw[id]);
      if (Number.isFinite(value)) next[id] = value;
    }
    settings = /** @type {typeof settings} */ (next);
    saveSettings(storage, settings);
  }

  /**
   * Fills the LoRA, embedding, VAE and restorer lists with what fits the chosen model.
   * @param {HTMLSelectElement} target
   * @param {{id: string, displayName: string, isDemo: boolean}[]} items
   * @param {string} empty  the first option's label ("" value)
   */
  function fillSelect(target, items, empty) {
    setOptions(page, target, [["", empty], ...items.map((a) => /** @type {[string, string]} */ ([a.id,
      a.isDemo && !/random/.test(a.displayName) ? `${a.displayName || a.id} (random weights)` : a.displayName || a.id]))], "");
  }

  function showExtras() {
    const addOns = connection?.addOns || [];
    const model = connection?.models.find((m) => m.id === (modelSelect.value || connection?.defaultModel));
    const loras = addOnsFor(addOns, model, "lora");
    const embeddings = addOnsFor(addOns, model, "embedding");
    const restorers = addOnsFor(addOns, model, "face_restorer");
    fillSelect(select("lora"), loras, loras.length ? "(choose a LoRA)" : "none for this model");
    fillSelect(select("embedding"), embeddings, embeddings.length ? "(choose an embedding)" : "none for this model");
    fillSelect(select("vae"), addOnsFor(addOns, model, "vae"), "the model's own");
    fillSelect(select("faceRestorer"), restorers, "first installed");
    const caps = connection?.info.capabilities || [];
    const canRestore = caps.includes("face_restore") && restorers.length > 0;
    input("restoreFaces").disabled = input("fixRestore").disabled = !canRestore;
    input("rerenderFaces").disabled = input("fixRerender").disabled = !caps.includes("face_rerender");
    if (!canRestore) input("restoreFaces").checked = false;
    element("extrasNote").textContent = !connection ? "" : !caps.includes("face_rerender")
      ? "This daemon is too old for face tools: update it."
      : restorers.length ? "" : "Restoring faces needs a face restorer (e.g. GFPGANv1.4.pth) in the daemon's models/face_restorers.";
  }

  const tokens = tokenCounter(async () => {
    if (!connection || !connection.info.capabilities.includes(TOKENIZE)) return { label: "", detail: "" };
    const response = await connection.client.tokenizePrompt(input("prompt").value, modelSelect.value);
    return { label: counterLabel(response), detail: chunkLines(response).join("\n") };
  }, (label, detail) => {
    element("tokenCount").textContent = label;
    element("tokenCount").setAttribute("title", detail);
  });

  const tools = startTools(page, {
    connection: () => connection,
    run: (action, makeJob) => start(action, makeJob),
    reloadAddOns,
    readParams: () => parseParams(readRaw()),
    setFields(fields) {
      for (const [id, value] of Object.entries(fields)) id === "model" ? chooseOption(modelSelect, value) : (input(id).value = value);
      tokens.changed();
    },
    showStatus,
    clientName,
    modal,
  });

  const board = startBoardSection(page, {
    connection: () => connection,
    reconnect: async () => {
      if (!connection) await reconnect();
      return connection;
    },
    channelSetting: {
      get: () => settings.boardChannel,
      set: (channel) => {
        settings = { ...settings, boardChannel: channel };
        saveSettings(storage, settings);
      },
    },
    modal,
  });

  /** @param {"prompt" | "negativePrompt"} field  @param {string} text */
  function insertInto(field, text) {
    input(field).value = appendToPrompt(input(field).value, text);
    if (field === "prompt") tokens.changed();
  }

  /** The daemon's add-on lists again (a word just trained), keeping the connection and the status line. */
  async function reloadAddOns() {
    if (!connection) return;
    connection.addOns = (await connection.client.listModels()).addOns;
    showExtras();
    tools.connected();
  }

  async function reconnect() {
    connection = null;
    board.stop();
    showStatus("Connecting…");
    try {
      connection = await connect({ ...settings, token }, await readManifest());
    } catch (error) {
      showStatus(messageOf(error), true);
      return;
    }
    modelSelect.innerHTML = "";
    for (const model of connection.models) {
      const option = page.createElement("option");
      // UXP: "<option> tags must have a value attribute" (known-issues.md)
      option.setAttribute("value", model.id);
      option.textContent = model.isDemo ? `${model.displayName} (random weights)` : model.displayName;
      modelSelect.appendChild(option);
    }
    const wanted = connection.models.some((m) => m.id === settings.model) ? settings.model : connection.defaultModel;
    chooseOption(modelSelect, wanted);
    showExtras();
    tools.connected();
    tokens.changed();
    showStatus(describeConnection(connection));
    board.watch();
  }

  /**
   * @param {import("./job.js").Action} action
   * @param {(options: ConstructorParameters<typeof CanvasJob>[0]) => CanvasJob} [makeJob]  a tool's own kind of job
   */
  async function start(action, makeJob = (options) => new CanvasJob(options)) {
    if (running) return;
    if (!connection) await reconnect();
    if (!connection) return;
    let params;
    try {
      params = parseParams(readRaw());
    } catch (error) {
      showStatus(messageOf(error), true);
      return;
    }
    remember();
    const model = connection.models.find((m) => m.id === (params.model || connection?.defaultModel));
    let job;
    try {
      job = makeJob({ client: connection.client, action, params, modal, onUpdate: showJobUpdate, decorate: tools.decorate(),
        model: { nativeSize: model ? Math.max(model.nativeWidth, model.nativeHeight) : 0, clientName } });
    } catch (error) {
      showStatus(messageOf(error), true);
      return;
    }
    running = job;
    lastJob = null; // a new job: the previous images are no longer offered
    setBusy(true);
    try {
      await job.run();
    } finally {
      running = null;
      lastJob = job;
      setBusy(false);
    }
  }

  /** @param {import("./job.js").JobUpdate} update */
  function showJobUpdate(update) {
    showStatus(update.message || "", update.phase === "failed" || update.phase === "unplaced");
    if (update.preview) {
      preview.src = update.preview;
      preview.style.display = "block";
    }
    if (update.totalSteps) showProgress((update.step || 0) / update.totalSteps);
    if (update.phase === "done") showProgress(1);
    if (update.phase === "queued" || update.phase === "reading") showProgress(0);
  }

  /** Puts the last job's kept images into the document: after Photoshop was busy or the placing was cancelled. */
  async function placeAgain() {
    const job = lastJob;
    if (running || !job?.canPlaceAgain) return;
    running = job;
    setBusy(true);
    input("cancel").disabled = true; // the job itself is over: nothing to cancel on the daemon
    try {
      await job.placeAgain();
    } finally {
      running = null;
      setBusy(false);
    }
  }

  /** Applies the Settings section: address, scheme and (when one was typed) the token. */
  async function applySettings() {
    const { scheme, address } = splitAddress(input("server").value);
    if (scheme) chooseOption(schemeSelect, scheme);
    input("server").value = address;
    settings = { ...settings, server: address, scheme: (scheme || schemeSelect.value) === "https" ? "https" : "http" };
    saveSettings(storage, settings);
    const typed = tokenField.read();
    tokenField.clear();
    if (typed) {
      token = typed;
      try {
        await saveToken(typed);
      } catch (error) {
        showStatus(`The token is used until Photoshop quits but could not be saved: ${messageOf(error)}`, true);
      }
    }
    showTokenState();
    await reconnect();
  }

  async function cancel() {
    if (!running) return;
    showStatus("Cancelling…");
    try {
      await running.cancel();
    } catch (error) {
      showStatus(messageOf(error), true);
    }
  }

  for (const action of /** @type {const} */ (["generate", "fill", "expand"])) {
    input(action).addEventListener("click", () => void start(action));
  }
  input("fixRestore").addEventListener("click", () => void start("restore-faces"));
  input("fixRerender").addEventListener("click", () => void start("rerender-faces"));
  modelSelect.addEventListener("change", () => {
    showExtras();
    tools.connected();
    tokens.changed();
  });
  input("prompt").addEventListener("input", () => tokens.changed());
  input("insertLora").addEventListener("click", () => {
    try {
      insertInto("prompt", loraTag(select("lora").value, Number(input("loraWeight").value)));
    } catch (error) {
      showStatus(messageOf(error), true);
    }
  });
  input("insertEmbedding").addEventListener("click", () => {
    if (select("embedding").value) insertInto("prompt", select("embedding").value);
  });
  input("insertNegativeEmbedding").addEventListener("click", () => {
    if (select("embedding").value) insertInto("negativePrompt", select("embedding").value);
  });
  input("cancel").addEventListener("click", () => void cancel());
  input("refresh").addEventListener("click", () => void reconnect());
  input("placeAgain").addEventListener("click", () => void placeAgain());
  input("saveSettings").addEventListener("click", () => void applySettings());
  input("forgetToken").addEventListener("click", async () => {
    token = "";
    tokenField.clear();
    await forgetToken();
    showTokenState();
    await reconnect();
  });
  void (async () => {
    token = await loadToken();
    if (!token && legacyToken) {
      // An older panel kept the token in localStorage: it moves to secure storage.
      token = legacyToken;
      await saveToken(legacyToken).catch(() => {});
    }
    showTokenState();
    await reconnect();
  })();
  return {
    /** Stops following the board (the panel is going away). */
    stop() {
      board.stop();
      void tools.stop();
    },
  };
}
