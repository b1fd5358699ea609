// Request bodies in which big pixel fields are written once, straight into the body.
// protobuf-es encodes nested messages by finishing each one into its own buffer and copying it
// into its parent's, so a canvas region (GenerateRequest.canvas.region.data) would be copied
// three times on its way into the body; an 8k canvas is 200-270 MB a copy, and Photoshop warns
// at about 600 MB of plugin memory. Here the small fields are encoded by protobuf-es, and each
// big bytes field is appended as its own occurrence of the enclosing message fields: a protobuf
// parser merges repeated occurrences of a singular message field, so the daemon reads one
// request (protobuf encoding guide, "Last One Wins" / merging of embedded messages).
import { create, ScalarType, toBinary } from "@bufbuild/protobuf";

/**
 * @typedef {object} Payload  one big bytes field, written straight into the request body
 * @property {string[]} path  field names from the request message down to a bytes field,
 *   e.g. ["canvas", "region", "data"]; the request itself leaves that field empty
 * @property {number} byteLength
 * @property {((target: Uint8Array) => void) | null} write  fills `target` (byteLength bytes);
 *   set to null once used, so the pixels it holds can be freed while the request is sent
 */

/**
 * A payload that copies `bytes` into the body.
 * @param {string[]} path
 * @param {Uint8Array} bytes
 * @returns {Payload}
 */
export function bytesPayload(path, bytes) {
  return { path, byteLength: bytes.length, write: (target) => target.set(bytes) };
}

/**
 * The binary request: `message` encoded by protobuf-es, then each payload. One allocation of
 * the body's size; each payload's bytes are written once.
 * @template {import("@bufbuild/protobuf").DescMessage} Desc
 * @param {Desc} schema
 * @param {import("@bufbuild/protobuf").MessageInitShape<Desc>} message
 * @param {Payload[]} [payloads]
 * @returns {Uint8Array<ArrayBuffer>} an exact array (not a view into a larger buffer)
 */
export function encodeRequest(schema, message, payloads = []) {
  // toBinary's result is a new array of exactly the message
  const head = /** @type {Uint8Array<ArrayBuffer>} */ (toBinary(schema, create(schema, message)));
  if (!payloads.length) return head;
  const headers = payloads.map((payload) => fieldHeader(schema, payload.path, payload.byteLength));
  const total = payloads.reduce((sum, payload, i) => sum + headers[i].length + payload.byteLength, head.length);
  const body = new Uint8Array(total);
  body.set(head, 0);
  let at = head.length;
  payloads.forEach((payload, i) => {
    body.set(headers[i], at);
    at += headers[i].length;
    if (!payload.write) throw new Error(`the payload for ${payload.path.join(".")} was already sent`);
    payload.write(body.subarray(at, at + payload.byteLength));
    payload.write = null;
    at += payload.byteLength;
  });
  return body;
}

const LENGTH_DELIMITED = 2;

/**
 * Tags and lengths that open `path` for a bytes value of `length` bytes: for ["canvas",
 * "region", "data"], canvas{ region{ data: <length bytes> } } without the bytes themselves.
 * @param {import("@bufbuild/protobuf").DescMessage} schema
 * @param {string[]} path
 * @param {number} length
 */
function fieldHeader(schema, path, length) {
  /** @type {number[]} */
  const numbers = [];
  let message = schema;
  path.forEach((name, i) => {
    const field = message.field[name];
    const last = i === path.length - 1;
    if (!field) throw new Error(`${message.typeName} has no field ${name}`);
    if (last && !(field.fieldKind === "scalar" && field.scalar === ScalarType.BYTES)) {
      throw new Error(`${message.typeName}.${name} is not a bytes field`);
    }
    if (!last && field.fieldKind !== "message") throw new Error(`${message.typeName}.${name} is not a message field`);
    numbers.push(field.number);
    if (field.fieldKind === "message") message = field.message;
  });
  // Innermost first: each level's length covers everything inside it, the bytes included.
  /** @type {number[]} */
  let header = [];
  let inner = length;
  for (let i = numbers.length - 1; i >= 0; i--) {
    const opening = [...varint((numbers[i] << 3) | LENGTH_DELIMITED), ...varint(inner)];
    header = [...opening, ...header];
    inner += opening.length;
  }
  return Uint8Array.from(header);
}

/** @param {number} value  a non-negative integer below 2^53 */
function varint(value) {
  const bytes = [];
  while (value > 0x7f) {
    bytes.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  bytes.push(value);
  return bytes;
}
