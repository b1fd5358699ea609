// A small Connect-protocol client on fetch: unary calls only (UXP's fetch cannot stream request
// or response bodies; jobs are followed with the PollEvents long-poll instead).
// Messages travel as binary protobuf (application/proto): raw pixels stay compact, no base64.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";

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
 * @property {string} baseUrl       e.g. "http://127.0.0.1:50052"
 * @property {string} [token]       sent as "Authorization: Bearer <token>" when set
 * @property {typeof fetch} [fetch] defaults to the global fetch
 */

export class ConnectTransport {
  /** @param {TransportOptions} options */
  constructor({ baseUrl, token = "", fetch: fetchImpl }) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.token = token;
    this.fetch = fetchImpl || globalThis.fetch.bind(globalThis);
  }

  /**
   * Calls one unary method of a generated service descriptor.
   * @template {import("@bufbuild/protobuf").DescMessage} I
   * @template {import("@bufbuild/protobuf").DescMessage} O
   * @param {import("@bufbuild/protobuf").DescMethodUnary<I, O>} method
   * @param {import("@bufbuild/protobuf").MessageInitShape<I>} request
   * @param {{timeoutMs?: number}} [options]
   * @returns {Promise<import("@bufbuild/protobuf").MessageShape<O>>}
   */
  async unary(method, request, { timeoutMs = 30000 } = {}) {
    const url = `${this.baseUrl}/${method.parent.typeName}/${method.name}`;
    const message = toBinary(method.input, create(method.input, request));
    // A plain ArrayBuffer of exactly the message: the body type every fetch accepts.
    const body = message.buffer.slice(message.byteOffset, message.byteOffset + message.byteLength);
    /** @type {Record<string, string>} */
    const headers = {
      "Content-Type": "application/proto",
      "Connect-Protocol-Version": "1",
      "Connect-Timeout-Ms": String(timeoutMs),
    };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    let response;
    try {
      response = await withTimeout(
        this.fetch(url, { method: "POST", headers, body }),
        timeoutMs + 5000,
        () => new DaemonError("deadline_exceeded", `The daemon at ${this.baseUrl} did not answer in time.`),
      );
    } catch (error) {
      if (error instanceof DaemonError) throw error;
      throw new DaemonError(
        "unavailable",
        `Cannot reach the Underpaint daemon at ${this.baseUrl}. Start it with "underpaint serve" ` +
          `(or check the server address in Settings). (${describe(error)})`,
      );
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (response.status !== 200) throw errorFromResponse(response.status, bytes, this.baseUrl);
    return fromBinary(method.output, bytes);
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

/**
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {() => Error} makeError
 * @returns {Promise<T>}
 */
function withTimeout(promise, ms, makeError) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(makeError()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
