// The Underpaint service as the panel uses it: typed unary calls plus a job follower built on
// the PollEvents long-poll (the UXP twin of the streaming Watch call).
import { Underpaint } from "./generated/underpaint/v1/underpaint_pb.js";
import { ConnectTransport, DaemonError } from "./connect.js";

const POLL_WAIT_MS = 10000;
// A long-poll can fail once in a while (daemon busy, laptop asleep); give up after this many in a row.
const POLL_RETRIES = 3;

/** @typedef {import("./generated/underpaint/v1/underpaint_pb.js").JobEvent} JobEvent */
/** @typedef {import("@bufbuild/protobuf").MessageInitShape<typeof import("./generated/underpaint/v1/underpaint_pb.js").GenerateRequestSchema>} GenerateRequestInit */

export class UnderpaintClient {
  /** @param {import("./connect.js").TransportOptions} options */
  constructor(options) {
    this.transport = new ConnectTransport(options);
    this.baseUrl = this.transport.baseUrl;
  }

  getInfo() {
    return this.transport.unary(Underpaint.method.getInfo, {}, { timeoutMs: 5000 });
  }

  listModels(rescan = false) {
    return this.transport.unary(Underpaint.method.listModels, { rescan });
  }

  /**
   * How `model` reads `prompt` (chunks of tokens with weights), without running anything.
   * @param {string} prompt
   * @param {string} model
   */
  tokenizePrompt(prompt, model) {
    return this.transport.unary(Underpaint.method.tokenizePrompt, { prompt, model }, { timeoutMs: 10000 });
  }

  /**
   * @param {GenerateRequestInit} request
   * @param {import("./wire.js").Payload[]} [payloads]  pixels written straight into the body
   */
  submit(request, payloads = []) {
    return this.transport.unary(Underpaint.method.submit, request, { timeoutMs: 60000, payloads });
  }

  /**
   * @param {string} jobId
   * @param {bigint} afterSeq
   * @param {number} [waitMs]
   */
  pollEvents(jobId, afterSeq, waitMs = POLL_WAIT_MS) {
    return this.transport.unary(
      Underpaint.method.pollEvents,
      { jobId, afterSeq, waitMs },
      { timeoutMs: waitMs + 15000 },
    );
  }

  /** @param {string} jobId */
  cancel(jobId) {
    return this.transport.unary(Underpaint.method.cancel, { jobId });
  }

  /**
   * Hands every event of a job to `onEvent`, in order and once each, until the final one.
   * @param {string} jobId
   * @param {(event: JobEvent) => void | Promise<void>} onEvent
   * @param {{retryDelayMs?: number}} [options]
   */
  async followJob(jobId, onEvent, { retryDelayMs = 1000 } = {}) {
    let afterSeq = 0n;
    let failures = 0;
    for (;;) {
      let response;
      try {
        response = await this.pollEvents(jobId, afterSeq);
        failures = 0;
      } catch (error) {
        const transient = error instanceof DaemonError &&
          (error.code === "unavailable" || error.code === "deadline_exceeded");
        if (!transient || ++failures > POLL_RETRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs * failures));
        continue;
      }
      for (const event of response.events) {
        if (event.seq <= afterSeq) continue; // never hand the same event out twice
        afterSeq = event.seq;
        await onEvent(event);
      }
      if (response.done) return;
    }
  }
}
