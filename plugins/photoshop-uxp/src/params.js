// The panel's inputs, checked and converted before anything is sent. Errors name the field the
// artist has to fix, in the panel's own words.

/**
 * @typedef {object} JobParams
 * @property {string} prompt          may be empty: a context-only fill
 * @property {string} negativePrompt
 * @property {string} model           Model.id; empty = the daemon's default
 * @property {number} strength        (0, 1]; 1 = generate from scratch, below = refine
 * @property {number} steps
 * @property {number} guidance
 * @property {bigint} seed            -1 = random
 * @property {number} variations
 * @property {{left: number, top: number, right: number, bottom: number}} expand
 * @property {string} vae             a VAE add-on id; empty = the model's own
 * @property {boolean} rerenderFaces  after generating: the model paints each face again
 * @property {boolean} restoreFaces   after generating: a face restorer cleans each face up
 * @property {string} faceRestorer    empty = the first installed
 */

/**
 * @param {string} label
 * @param {unknown} raw
 * @param {{min: number, max: number, integer?: boolean}} range
 */
function number(label, raw, { min, max, integer = false }) {
  const text = String(raw ?? "").trim();
  const value = Number(text);
  if (text === "" || !Number.isFinite(value)) throw new Error(`${label}: "${text}" is not a number.`);
  if (integer && !Number.isInteger(value)) throw new Error(`${label}: ${text} must be a whole number.`);
  if (value < min || value > max) throw new Error(`${label}: ${text} is outside ${min}..${max}.`);
  return value;
}

/**
 * @param {Record<string, unknown>} raw  values as read from the panel (strings or numbers)
 * @returns {JobParams}
 */
export function parseParams(raw) {
  const seedText = String(raw.seed ?? "-1").trim() || "-1";
  if (!/^-?\d+$/.test(seedText)) throw new Error(`Seed: "${seedText}" must be a whole number (-1 = random).`);
  const seed = BigInt(seedText);
  if (seed < -1n || seed > 9223372036854775807n) throw new Error(`Seed: ${seedText} must be -1 (random) or 0..2^63-1.`);
  const margin = (/** @type {string} */ side) =>
    number(`Expand ${side}`, raw[`expand${side[0].toUpperCase()}${side.slice(1)}`] ?? 0, { min: 0, max: 4096, integer: true });
  return {
    prompt: String(raw.prompt ?? "").trim(),
    negativePrompt: String(raw.negativePrompt ?? "").trim(),
    model: String(raw.model ?? ""),
    strength: number("Strength", raw.strength, { min: 0.01, max: 1 }),
    steps: number("Steps", raw.steps, { min: 1, max: 150, integer: true }),
    guidance: number("Guidance", raw.guidance, { min: 1, max: 30 }),
    seed,
    variations: number("Variations", raw.variations, { min: 1, max: 16, integer: true }),
    expand: { left: margin("left"), top: margin("top"), right: margin("right"), bottom: margin("bottom") },
    vae: String(raw.vae ?? ""),
    rerenderFaces: raw.rerenderFaces === true || raw.rerenderFaces === "true",
    restoreFaces: raw.restoreFaces === true || raw.restoreFaces === "true",
    faceRestorer: String(raw.faceRestorer ?? ""),
  };
}
