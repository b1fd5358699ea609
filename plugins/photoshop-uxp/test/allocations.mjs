// Counts the large byte buffers JavaScript allocates while a piece of panel code runs, and the
// most of them alive at once: the memory UXP charges to the plugin (Photoshop warns near 600 MB).
// It swaps the global Uint8Array for a subclass that records every allocation of at least
// `minBytes` (new, from, slice and copies all go through the constructor; views over an existing
// buffer do not allocate and are not counted) and wraps ArrayBuffer.prototype.slice. Buffers the
// Photoshop stand-in keeps for itself use the constructor captured before the swap, so they are
// Photoshop's memory, as in the real application. Liveness is read with WeakRefs after a full GC.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
const collectGarbage = /** @type {() => void} */ (runInNewContext("gc"));

/**
 * @param {{minBytes?: number}} [options]
 * @returns {{allocations: {bytes: number, what: string}[], peakLiveBytes: () => number,
 *            sample: () => number, stop: () => void}}
 */
export function trackLargeAllocations({ minBytes = 1 << 20 } = {}) {
  const OriginalUint8Array = globalThis.Uint8Array;
  const originalSlice = ArrayBuffer.prototype.slice;
  /** @type {{bytes: number, what: string}[]} */
  const allocations = [];
  /** @type {WeakRef<ArrayBuffer>[]} */
  const buffers = [];
  let peak = 0;

  const liveBytes = () => {
    collectGarbage();
    let sum = 0;
    for (const ref of buffers) sum += ref.deref()?.byteLength ?? 0;
    return sum;
  };
  /** @param {ArrayBuffer} buffer @param {string} what */
  const note = (buffer, what) => {
    if (buffer.byteLength < minBytes) return;
    allocations.push({ bytes: buffer.byteLength, what });
    buffers.push(new WeakRef(buffer));
    peak = Math.max(peak, liveBytes()); // right after an allocation is when the most is alive
  };

  class CountedUint8Array extends OriginalUint8Array {
    /** @param {any[]} args */
    constructor(...args) {
      // @ts-ignore: forwards whatever Uint8Array accepts
      super(...args);
      const viewOfExisting = args[0] instanceof ArrayBuffer || args[0] instanceof SharedArrayBuffer;
      if (!viewOfExisting) note(this.buffer, new Error().stack?.split("\n")[2]?.trim() ?? "");
    }
  }
  ArrayBuffer.prototype.slice = function slice(...args) {
    const copy = originalSlice.apply(this, args);
    note(copy, "ArrayBuffer.prototype.slice");
    return copy;
  };
  globalThis.Uint8Array = CountedUint8Array;
  return {
    allocations,
    peakLiveBytes: () => peak,
    /** Counts what is alive now towards the peak (call it where memory may be highest). */
    sample() {
      peak = Math.max(peak, liveBytes());
      return peak;
    },
    stop() {
      globalThis.Uint8Array = OriginalUint8Array;
      ArrayBuffer.prototype.slice = originalSlice;
    },
  };
}
