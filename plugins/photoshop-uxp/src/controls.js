// Control layers (docs/controls.md): layers the artist picks as ControlNet controls (a type from
// what the daemon has for the model, strength, start/end of the schedule) or as an IP-Adapter
// reference. Their pixels are read over the same area as the image and sent with the request;
// the daemon cuts, scales and preprocesses them (edges for canny, lines as drawn for scribble).
import { create } from "@bufbuild/protobuf";
import { ControlSchema, JobType, PixelFormat } from "./generated/underpaint/v1/underpaint_pb.js";
import { findLayer, readLayer } from "./layers.js";

export const CAPABILITY = "controls";
export const CAPABILITY_REFERENCE = "reference_images";
export const CONTROL_TYPES = ["canny", "scribble", "lineart", "softedge", "depth", "normal", "pose",
  "segmentation", "tile", "inpaint", "mlsd"];
export const MAX_STRENGTH = 2;

/**
 * @typedef {object} ControlChoice  one row of the panel's control list
 * @property {number} layerID
 * @property {string} type      a CONTROL_TYPES entry, or "reference" (IP-Adapter)
 * @property {number} strength  0..2
 * @property {number} start     0..1, where in the schedule it starts acting
 * @property {number} end       0..1, after start
 */

/**
 * {type: [ControlNet ids]} the daemon can use with `model`, plus "reference": [IP-Adapter ids].
 * A ControlNet whose file does not say its type is offered for every type (the daemon falls back
 * to it); demo add-ons only for the demo model.
 * @param {{type: string, id: string, architecture: string, isDemo: boolean, controlType: string}[]} addOns
 * @param {{architecture: string, isDemo: boolean} | undefined} model
 * @returns {Record<string, string[]>}
 */
export function controlTypesFor(addOns, model) {
  if (!model) return {};
  const fitting = addOns.filter((a) => a.architecture === model.architecture && a.isDemo === model.isDemo);
  /** @type {Record<string, string[]>} */
  const out = {};
  for (const kind of CONTROL_TYPES) {
    const ids = fitting.filter((a) => a.type === "controlnet" && (a.controlType === kind || !a.controlType)).map((a) => a.id);
    if (ids.length) out[kind] = ids;
  }
  const references = fitting.filter((a) => a.type === "ipadapter").map((a) => a.id);
  if (references.length) out.reference = references;
  return out;
}

/**
 * Checks a row as the panel read it; errors name the field.
 * @param {{layerID: unknown, type: unknown, strength: unknown, start: unknown, end: unknown}} raw
 * @returns {ControlChoice}
 */
export function parseControl(raw) {
  const type = String(raw.type ?? "").trim().toLowerCase();
  if (type !== "reference" && !CONTROL_TYPES.includes(type)) throw new Error(`Control type: "${type}" is not one of ${CONTROL_TYPES.join(", ")}, reference.`);
  const layerID = Number(raw.layerID);
  if (!Number.isInteger(layerID) || layerID <= 0) throw new Error("Control layer: choose a layer.");
  /** @param {string} label @param {unknown} value @param {number} max */
  const number = (label, value, max) => {
    const n = Number(value);
    if (String(value ?? "").trim() === "" || !Number.isFinite(n) || n < 0 || n > max) throw new Error(`Control ${label}: "${value}" is outside 0..${max}.`);
    return n;
  };
  const choice = { layerID, type, strength: number("strength", raw.strength, MAX_STRENGTH),
    start: number("start", raw.start ?? 0, 1), end: number("end", raw.end ?? 1, 1) };
  if (choice.start >= choice.end) throw new Error(`Control end: must be after start (${choice.start}), got ${choice.end}.`);
  return choice;
}

/**
 * A job decorator that reads each chosen layer and adds it to a generating request: controls over the
 * area the job reads (the region sent, else the whole document), a reference as the layer's
 * whole picture.
 * @param {ControlChoice[]} choices
 * @returns {import("./job.js").Decorate}
 */
export function controlsDecorator(choices) {
  return async ({ doc, capture, request }) => {
    if (request.type === JobType.FINISH) return; // upscale, faces: nothing is generated, nothing to steer
    const area = capture.region
      ? { left: capture.region.x, top: capture.region.y, right: capture.region.x + capture.region.width,
          bottom: capture.region.y + capture.region.height }
      : { left: 0, top: 0, right: capture.documentWidth, bottom: capture.documentHeight };
    const whole = { left: 0, top: 0, right: capture.documentWidth, bottom: capture.documentHeight };
    /** @type {import("./generated/underpaint/v1/underpaint_pb.js").Control[]} */
    const controls = [];
    for (const choice of choices) {
      const layer = findLayer(doc, choice.layerID);
      const reference = choice.type === "reference";
      const pixels = await readLayer(doc, layer.id, reference ? whole : area);
      if (pixels.empty) throw new Error(`Control layer "${layer.name}" has no pixels ${reference ? "" : "in the area Underpaint works on "}: paint on it or choose another.`.replace(" :", ":"));
      controls.push(create(ControlSchema, {
        type: choice.type, strength: choice.strength, start: reference ? 0 : choice.start, end: reference ? 1 : choice.end,
        image: { width: pixels.width, height: pixels.height, format: PixelFormat.RGBA8, data: pixels.rgba },
        x: reference ? 0 : pixels.x, y: reference ? 0 : pixels.y,
      }));
    }
    request.controls = controls;
  };
}
