// A small Connect-protocol client on fetch: unary calls only (UXP's fetch cannot stream request
// or response bodies; jobs are followed with the PollEvents long-poll instead).
// Messages travel as binary protobuf (application/proto): raw pixels stay compact, no base64.
import { fromBinary } from "@bufbuild/protobuf";
import { encodeRequest } from "./wire.js";

/** A failed call, with the Connect error code ("unavailable", "invalid_argument", ...). */
export class DaemonError extends Error {
  /**
   * @param {string} code
   * @param {string} message  written for the artist: it is shown in the panel as it is
   */
  constructor(code, message) {
    super(message);
    this.name = "DaemonError";
    this.code = code;
  }
}

// Connect's fallback when an error body is not JSON: derive the code from the HTTP status.
/** @type {Record<number, string>} */
const CODE_FOR_HTTP_STATUS = {
  400: "invalid_argument",
  401: "unauthenticated",
  403: "permission_denied",
  404: "unimplemented",
  408: "deadline_exceeded",
  409: "aborted",
  412: "failed_precondition",
  413: "resource_exhausted",
  429: "unavailable",
  501: "unimplemented",
  502: "unavailable",
  503: "unavailable",
  504: "unavailable",
};

/**
 * @typedef {object} TransportOptions
 * @property {string} baseUrl       e.g. "http://127.0.0.1:50052" or "https://gpu.lan:50052"
 * @property {string} [token]       sent as "Authorization: Bearer <token>" when set
 * @property {typeof fetch} [fetch] defaults to the global fetch
 * @property {number} [graceMs]     how much longer than the call's own deadline to wait for the
 *   daemon's answer before giving up on it (default 5000)
 */

export class ConnectTransport {
  /** @param {TransportOptions} options */
  constructor({ baseUrl, token = "", fetch: fetchImpl, graceMs = 5000 }) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.token = token;
    this.fetch = fetchImpl || globalThis.fetch.bind(globalThis);
    this.graceMs = graceMs;
  }

  /**
   * Calls one unary method of a generated service descriptor.
   * @template {import("@bufbuild/protobuf").DescMessage} I
   * @template {import("@bufbuild/protobuf").DescMessage} O
   * @param {import("@bufbuild/protobuf").DescMethodUnary<I, O>} method
   * @param {import("@bufbuild/protobuf").MessageInitShape<I>} request
   * @param {{timeoutMs?: number, payloads?: import("./wire.js").Payload[]}} [options]  payloads:
   *   big bytes fields written straight into the body (see wire.js)
   * @returns {Promise<import("@bufbuild/protobuf").MessageShape<O>>}
   */
  async unary(method, request, { timeoutMs = 30000, payloads = [] } = {}) {
    const url = `${this.baseUrl}/${method.parent.typeName}/${method.name}`;
    // UXP's fetch takes a typed array as the body: no copy into an ArrayBuffer.
    const body = encodeRequest(method.input, request, payloads);
    /** @type {Record<string, string>} */
    const headers = {
      "Content-Type": "application/proto",
      "Connect-Protocol-Version": "1",
      "Connect-Timeout-Ms": String(timeoutMs),
    };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    const deadline = new Deadline(timeoutMs + this.graceMs,
      () => new DaemonError("deadline_exceeded", `The daemon at ${this.baseUrl} did not answer in time.`));
    try {
      let response;
      try {
        response = await deadline.race(this.fetch(url, { method: "POST", headers, body, signal: deadline.signal }));
      } catch (error) {
        if (error instanceof DaemonError) throw error;
        throw new DaemonError("unavailable", unreachableMessage(this.baseUrl, error));
      }
      const bytes = new Uint8Array(await deadline.race(response.arrayBuffer()));
      if (response.status !== 200) throw errorFromResponse(response.status, bytes, this.baseUrl);
      return fromBinary(method.output, bytes);
    } finally {
      deadline.clear();
    }
  }
}

/**
 * @param {string} baseUrl
 * @param {unknown} error
 */
function unreachableMessage(baseUrl, error) {
  const tls = baseUrl.startsWith("https:")
    ? " With TLS, the daemon's certificate must be one the operating system trusts (Photoshop " +
      "cannot be told to trust a certificate itself): see \"A daemon with TLS\" in docs/photoshop.md."
    : "";
  return `Cannot reach the Underpaint daemon at ${baseUrl}. Start it with "underpaint serve" ` +
    `(or check the server address in Settings).${tls} (${describe(error)})`;
}

/**
 * A deadline for one call. When it passes, the fetch is aborted (UXP has AbortController;
 * global-members/data-transfers/request.md: "signal: AbortSignal object which can be used to
 * abort a request") and whatever is awaited through race() rejects. Without the abort, a call
 * given up on would keep its connection, and the daemon its work, until the daemon answered.
 */
class Deadline {
  /**
   * @param {number} ms
   * @param {() => Error} makeError
   */
  constructor(ms, makeError) {
    this.controller = typeof AbortController === "function" ? new AbortController() : null;
    /** @type {AbortSignal | undefined} */
    this.signal = this.controller?.signal;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
    /** @type {Promise<never>} */
    this.expired = new Promise((_, reject) => {
      this.timer = setTimeout(() => {
        reject(makeError());
        this.controller?.abort();
      }, ms);
    });
    this.expired.catch(() => {}); // only a race() that is waiting reports it
  }

  /**
   * @template T
   * @param {Promise<T>} promise
   * @returns {Promise<T>}
   */
  race(promise) {
    return Promise.race([promise, this.expired]);
  }

  clear() {
    clearTimeout(this.timer);
  }
}

/**
 * @param {number} status
 * @param {Uint8Array} bytes
 * @param {string} baseUrl
 */
function errorFromResponse(status, bytes, baseUrl) {
  let code = CODE_FOR_HTTP_STATUS[status] || "unknown";
  let message = "";
  try {
    const parsed = JSON.parse(new TextDecoderLite().decode(bytes));
    if (typeof parsed.code === "string") code = parsed.code;
    if (typeof parsed.message === "string") message = parsed.message;
  } catch {
    // not a Connect error body (a proxy, or something else listening on that port)
  }
  if (code === "unauthenticated") {
    message = `The daemon at ${baseUrl} wants a token: copy the "token" file from the daemon's ` +
      `config folder into Settings > Token.${message ? ` (${message})` : ""}`;
  }
  if (!message) message = `The daemon at ${baseUrl} answered HTTP ${status}.`;
  return new DaemonError(code, message);
}

// Error bodies are small ASCII/UTF-8 JSON; avoid depending on TextDecoder existing in UXP.
class TextDecoderLite {
  /** @param {Uint8Array} bytes */
  decode(bytes) {
    return decodeURIComponent(Array.from(bytes, (b) => `%${b.toString(16).padStart(2, "0")}`).join(""));
  }
}

/** @param {unknown} error */
function describe(error) {
  return error instanceof Error ? error.message : String(error);
}
