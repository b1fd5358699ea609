// What the panel makes of a job's results: each image copied out of the response once, the
// layer names, and the lines for queue positions and the content policy.
import { PixelFormat } from "./generated/underpaint/v1/underpaint_pb.js";
import { withoutTags } from "./extras.js";
import { exactBytes } from "./pixels.js";

/** @typedef {import("./job.js").KeptResult} KeptResult */
/** @typedef {import("./job.js").Action} Action */

/**
 * A result as the panel keeps it: its image copied out of the response (protobuf-es hands out
 * views into the whole response), checked once.
 * @param {import("./generated/underpaint/v1/underpaint_pb.js").Result} result
 * @returns {KeptResult}
 */
export function keep(result) {
  const image = result.image;
  if (!image || image.format !== PixelFormat.RGBA8 || image.data.length !== image.width * image.height * 4) {
    throw new Error(`Result ${result.index} is not a ${image?.width}x${image?.height} RGBA8 image.`);
  }
  return {
    index: result.index, seed: result.seed, x: result.x, y: result.y, width: image.width, height: image.height,
    rgba: exactBytes(image.data), documentWidth: result.documentWidth, documentHeight: result.documentHeight,
    offsetX: result.offsetX, offsetY: result.offsetY, note: result.note,
  };
}

/** @param {number} position */
export function queueMessage(position) {
  return position > 0 ? `Waiting: ${position} job${position > 1 ? "s" : ""} ahead.` : "Starting…";
}

/**
 * @param {Action} action
 * @param {string} prompt
 * @param {bigint} seed
 */
export function layerName(action, prompt, seed) {
  if (action === "restore-faces") return `Underpaint: restored faces [seed ${seed}]`;
  const shown = withoutTags(prompt);
  let words = shown ? shown.slice(0, 40) : action === "generate" ? "generated" : `${action} (no prompt)`;
  if (action === "rerender-faces") words = `re-rendered faces${shown ? ` · ${shown.slice(0, 30)}` : ""}`;
  return `Underpaint: ${words} [seed ${seed}]`;
}

/**
 * The artist-facing line for a result the daemon's content policy blurred or withheld ("" if none).
 * Mirrors underpaint_kit.policy.result_notice.
 * @param {{index: number, policy: string, image?: {data: Uint8Array}}} result
 */
export function policyNotice(result) {
  const number = result.index + 1;
  if (result.policy === "blurred") {
    return `Image ${number} was blurred by the daemon's content policy (its image check flagged it).`;
  }
  if (result.policy === "withheld" || (result.policy && !(result.image && result.image.data.length))) {
    return `Image ${number} was withheld by the daemon's content policy (its image check flagged it), so no layer was added for it.`;
  }
  return "";
}
