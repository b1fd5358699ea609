// The stand-in's `action` module: batchPlay (answers nothing) and notification listeners.
import { record, standIn } from "./state.js";

// Notification listeners (photoshopaction.md): "Attach a callback function to one or more
// Photoshop events. The callback has the form (eventName: string, descriptor: ActionDescriptor)";
// event names from eventcodes.md ("make", "set", "delete", ...). Tests play the artist's edits
// with standIn.notify(); every listener whose events include the name (or "all") is called.
export const listeners = [];

export const action = {
  async batchPlay() {
    return [];
  },
  async addNotificationListener(events, callback) {
    record("addNotificationListener", { events: [...events] });
    listeners.push({ events: [...events], callback });
  },
  async removeNotificationListener(events, callback) {
    record("removeNotificationListener", { events: [...events] });
    const index = listeners.findIndex((l) => l.callback === callback);
    if (index >= 0) listeners.splice(index, 1);
  },
};

/** Test helper: Photoshop reports a document change `eventName` to the listeners. */
standIn.notify = (eventName, descriptor = {}) => {
  for (const { events, callback } of [...listeners]) {
    if (events.includes(eventName) || events.includes("all")) callback(eventName, descriptor);
  }
};
standIn.listenerCount = () => listeners.length;
