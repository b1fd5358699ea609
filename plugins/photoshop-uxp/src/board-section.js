// The panel's Board section: the channel field, Send and Place, and a watcher that follows the
// channel (restarted when the channel or the connection changes). See board.js for the calls.
import { BoardClient, BoardWatcher, describeUpdate, placeFromBoard, sendToBoard } from "./board.js";

/**
 * @param {Document} page
 * @param {{
 *   connection: () => import("./connection.js").Connection | null,
 *   reconnect: () => Promise<import("./connection.js").Connection | null>,
 *   channelSetting: {get: () => string, set: (channel: string) => void},
 *   modal?: import("./modal.js").ModalOptions,
 * }} panel
 * @returns {{watch(): void, stop(): void}}
 */
export function startBoardSection(page, { connection, reconnect, channelSetting, modal }) {
  /** @param {string} id */
  const input = (id) => /** @type {HTMLInputElement} */ (page.getElementById(id));
  /** @type {BoardWatcher | null} */
  let watcher = null;

  /** @param {string} text @param {boolean} [isError] */
  function showBoardStatus(text, isError = false) {
    const line = /** @type {HTMLElement} */ (page.getElementById("boardStatus"));
    line.textContent = text;
    line.className = isError ? "status error" : "status";
  }

  function stop() {
    watcher?.stop();
    watcher = null;
  }

  /** Follows the channel named in the field, when the daemon has a board. */
  function watch() {
    stop();
    const channel = input("boardChannel").value.trim();
    const current = connection();
    if (!current || !channel || !current.info.capabilities.includes("board")) return;
    watcher = new BoardWatcher(new BoardClient(current.client.transport), [channel],
      (update) => showBoardStatus(describeUpdate(update)),
      (error) => showBoardStatus(`Stopped following ${channel}: ${error.message}`, true));
  }

  /** @param {"send" | "place"} what */
  async function act(what) {
    const current = connection() ?? await reconnect();
    if (!current) return;
    const channel = input("boardChannel").value.trim();
    if (!channel) {
      showBoardStatus("Channel: name the board channel first, e.g. sketch.", true);
      return;
    }
    if (channel !== channelSetting.get()) {
      channelSetting.set(channel);
      watch();
      await watcher?.ready; // so the watcher sees what is sent next
    }
    const board = new BoardClient(current.client.transport);
    try {
      if (what === "send") {
        showBoardStatus(`Sending to ${channel}…`);
        const entry = await sendToBoard(board, channel, input("boardNote").value.trim());
        showBoardStatus(`Sent to ${entry.channel} as version ${entry.version} (${entry.width}x${entry.height}).`);
      } else {
        showBoardStatus(`Fetching ${channel}…`);
        const { entry, x, y, width, height, clipped } = await placeFromBoard(board, channel, { modal });
        const cut = clipped ? `, cut to the document (${width}x${height} of ${entry.width}x${entry.height})` : "";
        showBoardStatus(`Placed ${entry.channel} v${entry.version} at (${x}, ${y})${cut}.`);
      }
    } catch (error) {
      showBoardStatus(error instanceof Error ? error.message : String(error), true);
    }
  }

  input("sendToBoard").addEventListener("click", () => void act("send"));
  input("placeFromBoard").addEventListener("click", () => void act("place"));
  input("boardChannel").addEventListener("change", () => {
    channelSetting.set(input("boardChannel").value.trim());
    watch();
  });
  return { watch, stop };
}
