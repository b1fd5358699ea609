// LoRAs, embeddings, VAE and faces: which of the daemon's add-ons fit the chosen model, the text
// they put into the prompt (as A1111 and model sites write it, so the prompt alone says what a
// picture used), and the finishing steps a job gets. No DOM here: panel.js shows it.

/** The kind of finishing job a face button starts. @typedef {"restore-faces" | "rerender-faces"} FaceAction */
export const FACE_ACTIONS = /** @type {const} */ (["restore-faces", "rerender-faces"]);
export const NO_FACES = "no faces found";

// Model family -> VAE families that decode it (SD 2.x decodes with SD 1.x's VAE).
/** @type {Record<string, string[]>} */
const VAE_FITS = { sd15: ["sd15"], sd2: ["sd15", "sd2"], sdxl: ["sdxl"] };

/**
 * The add-ons of `kind` that fit `model` (the daemon checks again at submit): LoRAs and VAEs of
 * the model's family, every embedding (the daemon maps one made for another text encoder), and
 * demo add-ons only for the demo model.
 * @template {{type: string, architecture: string, isDemo: boolean}} A
 * @param {A[]} addOns
 * @param {{architecture: string, isDemo: boolean} | undefined} model
 * @param {"lora" | "embedding" | "vae" | "face_restorer"} kind
 * @returns {A[]}
 */
export function addOnsFor(addOns, model, kind) {
  if (!model) return [];
  const same = addOns.filter((a) => a.type === kind && (kind === "face_restorer" || a.isDemo === model.isDemo));
  if (kind === "embedding" || kind === "face_restorer") return same;
  const fits = kind === "vae" ? VAE_FITS[model.architecture] || [model.architecture] : [model.architecture];
  return same.filter((a) => fits.includes(a.architecture) || (kind === "vae" && !a.architecture));
}

/**
 * A1111's tag for a LoRA, e.g. "<lora:ink:0.8>".
 * @param {string} name
 * @param {number} weight
 */
export function loraTag(name, weight) {
  if (!name || /[<>:]/.test(name)) throw new Error(`LoRA: choose a LoRA first (got "${name}").`);
  if (!Number.isFinite(weight) || weight < -2 || weight > 2) throw new Error(`LoRA weight: ${weight} is outside -2..2.`);
  return `<lora:${name}:${Number(weight.toFixed(2))}>`;
}

/**
 * `text` with `addition` appended, separated by ", " (UXP's textarea has no dependable cursor).
 * @param {string} text
 * @param {string} addition
 */
export function appendToPrompt(text, addition) {
  const trimmed = text.trimEnd();
  if (!trimmed) return addition;
  return trimmed.endsWith(",") ? `${trimmed} ${addition}` : `${trimmed}, ${addition}`;
}

/** @typedef {NonNullable<import("./client.js").GenerateRequestInit["finishing"]>} FinishingInit */

/**
 * The finishing steps of a job: for a face button the step itself, for a generation the face
 * steps ticked (re-render first: it redraws; restore then cleans up). Expand gets none: it paints
 * new surroundings and leaves the faces that are there alone.
 * @param {string} action  "generate" | "fill" | "expand" | FaceAction
 * @param {{rerenderFaces: boolean, restoreFaces: boolean, faceRestorer: string}} p
 * @returns {FinishingInit}
 */
export function finishingSteps(action, p) {
  /** @type {FinishingInit[number]} */
  const restore = { step: { case: "restoreFaces", value: { model: p.faceRestorer } } };
  /** @type {FinishingInit[number]} */
  const rerender = { step: { case: "rerenderFaces", value: {} } };
  if (action === "restore-faces") return [restore];
  if (action === "rerender-faces") return [rerender];
  if (action === "expand") return [];
  return [...(p.rerenderFaces ? [rerender] : []), ...(p.restoreFaces ? [restore] : [])];
}

/**
 * @param {unknown} action
 * @returns {action is FaceAction}
 */
export function isFaceAction(action) {
  return FACE_ACTIONS.includes(/** @type {FaceAction} */ (action));
}

/**
 * Removes <lora:…> tags from a prompt shown as a layer name: they say how, not what.
 * @param {string} prompt
 */
export function withoutTags(prompt) {
  return prompt.replace(/<[^<>]*>/g, " ").replace(/\s+/g, " ").replace(/^[\s,]+|[\s,]+$/g, "");
}
