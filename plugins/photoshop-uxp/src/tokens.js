// The token counter under the prompt: "68/75 · 2 chunks", asked of the daemon (it reads the prompt
// exactly as a job would) a moment after typing stops; an answer that arrives after a newer edit
// is dropped.

export const QUIET_MS = 300;
export const CAPABILITY = "tokenize_prompt";

/**
 * "68/75 · 2 chunks": the last chunk's fill and, with several, how many.
 * @param {{chunks: {tokenCount: number, capacity: number}[]}} response
 */
export function counterLabel(response) {
  const chunks = response.chunks;
  if (!chunks.length) return "0/75";
  const last = chunks[chunks.length - 1];
  return `${last.tokenCount}/${last.capacity}` + (chunks.length > 1 ? ` · ${chunks.length} chunks` : "");
}

/**
 * One line per chunk with its tokens, weighted ones marked, then the daemon's warnings.
 * @param {{chunks: {tokenCount: number, capacity: number, tokens: string[], weights: number[]}[], warnings: string[]}} response
 */
export function chunkLines(response) {
  const lines = response.chunks.map((chunk, i) => {
    const words = chunk.tokens.map((t, j) => (chunk.weights[j] === 1 ? t : `(${t} ×${Number(chunk.weights[j].toPrecision(3))})`));
    return `chunk ${i + 1}: ${chunk.tokenCount}/${chunk.capacity}  ${words.join(" ")}`;
  });
  return lines.concat(response.warnings.map((w) => `warning: ${w}`));
}

/**
 * Calls `ask()` QUIET_MS after the last `changed()`, and `show` with only the newest answer.
 * @param {() => Promise<{label: string, detail: string}>} ask
 * @param {(label: string, detail: string) => void} show
 * @param {{setTimeout?: typeof setTimeout, clearTimeout?: typeof clearTimeout}} [timers]
 */
export function tokenCounter(ask, show, timers = globalThis) {
  let edits = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  return {
    changed() {
      const edit = ++edits;
      if (timer !== undefined) timers.clearTimeout?.(timer);
      timer = timers.setTimeout?.(async () => {
        let answer;
        try {
          answer = await ask();
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          answer = { label: `⚠ ${message}`, detail: message };
        }
        if (edit === edits) show(answer.label, answer.detail);
      }, QUIET_MS);
    },
  };
}
