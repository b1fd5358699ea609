// The stand-in's `core.executeAsModal` (executeasmodal.md): one plugin modal at a time, waiting
// for another plugin's hold as Photoshop 25.10+ does, history suspended and resumed per document.
import { host } from "../uxp.js";
import { OUR_PLUGIN, documentFor, modal, newId, record, standIn } from "./state.js";

/** Photoshop 25.10 or later: executeAsModal waits `timeOut` for another plugin (executeasmodal.md). */
function waitsForModal() {
  const [major, minor] = host.version.split(".").map(Number);
  return major > 25 || (major === 25 && minor >= 10);
}

/** A refusal because another plugin is modal: number 9, as executeasmodal.md's example checks. */
function refuseModal(message, timeOut) {
  const refusal = { message, timeOut };
  standIn.modalRefusals.push(refusal);
  standIn.onModalRefused(refusal);
  return Object.assign(new Error(message), { number: 9 });
}

/** Waits for another plugin's modal state to end, as far as the request allows; throws if it does not. */
async function waitForModal(options) {
  if (modal.owner) throw refuseModal(`Plugin: ${modal.owner} is running a modal command`, options.timeOut);
  const hold = modal.hold;
  if (!hold) return;
  // Before 25.10 a request throws at once "host is in a modal state"; from 25.10 it retries for
  // `timeOut` seconds (default 1) and then names the plugin that holds the modal state.
  if (!waitsForModal()) throw refuseModal("host is in a modal state", options.timeOut);
  const timeOut = options.timeOut ?? 1;
  if (hold.seconds <= timeOut) {
    modal.hold = null; // it finished while we waited
    return;
  }
  hold.seconds -= timeOut;
  throw refuseModal(`Plugin: ${hold.pluginId} is running a modal command`, options.timeOut);
}

export const core = {
  isModal: () => Boolean(modal.scope),
  async executeAsModal(target, options) {
    record("executeAsModal", { commandName: options?.commandName, timeOut: options?.timeOut });
    await waitForModal(options || {});
    const suspended = new Map();
    const context = {
      isCancelled: false,
      onCancel: undefined,
      reportProgress() {},
      hostControl: {
        async suspendHistory({ documentID, name }) {
          record("suspendHistory", { documentID, name });
          const doc = documentFor({ documentID });
          const suspension = { id: newId(), documentID, name };
          suspended.set(suspension.id, { doc, snapshot: doc.snapshot(), suspension });
          return suspension;
        },
        async resumeHistory(suspension, commit = true) {
          record("resumeHistory", { ...suspension, commit });
          const entry = suspended.get(suspension.id);
          if (!entry) throw new Error("resumeHistory: unknown suspension");
          suspended.delete(suspension.id);
          finishSuspension(entry, commit);
        },
        async registerAutoCloseDocument() {},
        async unregisterAutoCloseDocument() {},
      },
    };
    modal.owner = OUR_PLUGIN;
    modal.scope = { context };
    let returned = false;
    try {
      const value = await target(context);
      returned = true;
      return value;
    } finally {
      // "When the modal scope ends, Photoshop will auto-resume history on any document that is
      // still in a suspended state. If the target function returns normally, then all unsuspended
      // states are committed. If the target function exits via an exception, then all
      // unsuspended history states are cancelled." (executeasmodal.md)
      for (const entry of suspended.values()) {
        record("autoResumeHistory", { ...entry.suspension, commit: returned });
        finishSuspension(entry, returned);
      }
      modal.owner = "";
      modal.scope = null;
    }
  },
};

function finishSuspension({ doc, snapshot, suspension }, commit) {
  if (commit) doc.historyStates.push(suspension.finalName || suspension.name);
  else doc.restore(snapshot);
}
