// Running a document change in Photoshop's modal state (core.executeAsModal), which only one
// plugin holds at a time (AdobeDocs/uxp-photoshop, ps-reference/media/executeasmodal.md):
// - before Photoshop 25.10 a request made while another plugin is modal throws at once
//   ("host is in a modal state"); from 25.10 it waits `timeOut` seconds (default 1) first, then
//   throws "Plugin: <id> is running a modal command". Either way the error's number is 9.
// - the artist can cancel a modal command (Escape, the progress bar): Photoshop calls then
//   throw, context.isCancelled is true, and history suspended in the scope is rolled back.
// So the panel asks Photoshop to wait, tries again a few times where it does not, and tells
// the caller apart "busy", "cancelled by the artist" and everything else.
import { core } from "photoshop";

/**
 * @typedef {object} ModalOptions
 * @property {number} [timeOutSeconds]  how long Photoshop 25.10+ waits for another plugin
 * @property {number} [attempts]        requests in all, for Photoshop versions that do not wait
 * @property {number} [retryDelayMs]    the wait before the n-th retry is n times this
 * @property {(message: string) => void} [onBusy]  told before each retry
 */

export const MODAL_DEFAULTS = Object.freeze({ timeOutSeconds: 10, attempts: 4, retryDelayMs: 1000 });

/** Photoshop stayed busy with another plugin's command through every attempt. */
export class PhotoshopBusyError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = "PhotoshopBusyError";
  }
}

/** The artist cancelled the modal command in Photoshop. */
export class ModalCancelledError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = "ModalCancelledError";
  }
}

/**
 * Runs `target` inside executeAsModal.
 * @template T
 * @param {string} commandName  shown above Photoshop's progress bar
 * @param {(context: import("photoshop/dom/CoreModules").ExecutionContext) => Promise<T>} target
 * @param {ModalOptions} [options]
 * @returns {Promise<T>}
 */
export async function runModal(commandName, target, options = {}) {
  const { timeOutSeconds, attempts, retryDelayMs, onBusy } = { ...MODAL_DEFAULTS, ...options };
  for (let attempt = 1; ; attempt++) {
    /** @type {{context: import("photoshop/dom/CoreModules").ExecutionContext | null}} */
    const scope = { context: null };
    try {
      return await core.executeAsModal((context) => {
        scope.context = context;
        return target(context);
      }, { commandName, timeOut: timeOutSeconds });
    } catch (error) {
      if (scope.context?.isCancelled) {
        throw new ModalCancelledError(`"${commandName}" was cancelled in Photoshop; the document was left as it was.`);
      }
      // Once our function ran, the error is its own, not the modal state's.
      if (scope.context || !isModalBusy(error)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      if (attempt >= attempts) {
        throw new PhotoshopBusyError(`Photoshop is busy with another command (${reason}).`);
      }
      onBusy?.(`Photoshop is busy with another command (${reason}); trying again…`);
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs * attempt));
    }
  }
}

/** @param {unknown} error */
function isModalBusy(error) {
  const failure = /** @type {{number?: number, message?: string}} */ (error);
  return failure?.number === 9 || /modal (state|command)/i.test(String(failure?.message ?? error));
}
