// Connecting to the daemon: check the manifest allows the address, then ask who is there.
import { storage } from "uxp";
import { UnderpaintClient } from "./client.js";
import { manifestDomains, networkPermissionProblem, serverUrl } from "./permissions.js";

// The protocol this panel speaks; GetInfo's protocol_major must match.
export const PROTOCOL_MAJOR = 1;

/** The plugin's own manifest.json, read from the installed plugin folder. */
export async function readManifest() {
  const folder = await storage.localFileSystem.getPluginFolder();
  const entry = await folder.getEntry("manifest.json");
  if (!entry.isFile) throw new Error("manifest.json is not a file");
  const text = await /** @type {import("uxp").storage.File} */ (entry).read({ format: storage.formats.utf8 });
  return JSON.parse(String(text));
}

/**
 * @typedef {object} Connection
 * @property {UnderpaintClient} client
 * @property {import("./generated/underpaint/v1/underpaint_pb.js").Info} info
 * @property {import("./generated/underpaint/v1/underpaint_pb.js").Model[]} models
 * @property {string} defaultModel
 * @property {import("./generated/underpaint/v1/underpaint_pb.js").AddOn[]} addOns  LoRAs, embeddings, VAEs, restorers…
 */

/**
 * @param {{server: string, scheme?: "http" | "https", token: string}} settings
 * @param {unknown} manifest  the parsed manifest.json
 * @returns {Promise<Connection>}  rejects with a message the artist can act on
 */
export async function connect(settings, manifest) {
  const baseUrl = serverUrl(settings.server, settings.scheme);
  const problem = networkPermissionProblem(baseUrl, manifestDomains(manifest));
  if (problem) throw new Error(problem);
  const client = new UnderpaintClient({ baseUrl, token: settings.token });
  const info = await client.getInfo();
  if (info.protocolMajor !== PROTOCOL_MAJOR) {
    throw new Error(
      `The daemon at ${baseUrl} speaks protocol v${info.protocolMajor}; this panel needs ` +
        `v${PROTOCOL_MAJOR}. Update ${info.protocolMajor < PROTOCOL_MAJOR ? "the daemon" : "the panel"}.`,
    );
  }
  const { models, defaultModel, addOns } = await client.listModels();
  return { client, info, models, defaultModel, addOns };
}

/** @param {Connection} connection */
export function describeConnection({ client, info, models }) {
  const where = info.deviceName ? `${info.device} (${info.deviceName})` : info.device;
  const demo = info.demoOnly ? " Only the demo model is installed: its images are noise." : "";
  const queue = info.queueLength ? ` ${info.queueLength} job(s) in the queue.` : "";
  return `Connected to Underpaint ${info.daemonVersion} at ${client.baseUrl} on ${where}, ` +
    `${models.length} model${models.length === 1 ? "" : "s"}.${queue}${demo}`;
}
