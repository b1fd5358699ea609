// Stand-in for UXP's "uxp" module and the globals UXP gives a plugin. The plugin folder is this
// plugin's folder on disk, so the panel reads the real manifest.json; tests may replace a file's
// contents with setPluginFile(). Behaviour the panel depends on follows Adobe's documentation
// (AdobeDocs/uxp-photoshop, src/pages/uxp-api/...), cited at each place.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const pluginRoot = fileURLToPath(new URL("../..", import.meta.url));
/** @type {Map<string, string>} */
const overrides = new Map();
/** @type {Map<string, Uint8Array>} */
const secureItems = new Map();

export const standInUxp = {
  /** Serve `contents` as the plugin folder's `name` (null restores the file on disk). */
  setPluginFile(name, contents) {
    if (contents === null) overrides.delete(name);
    else overrides.set(name, contents);
  },
  /** The last config handed to entrypoints.setup. */
  setupConfig: null,
  /** What secureStorage holds (key -> bytes), for assertions. */
  secureItems,
  /** fetch calls the manifest refused: the URLs. */
  refusedFetches: [],
};

class StandInFile {
  constructor(name) {
    this.name = name;
    this.isFile = true;
    this.isFolder = false;
    this.nativePath = join(pluginRoot, name);
  }

  async read() {
    if (overrides.has(this.name)) return overrides.get(this.name);
    return readFile(this.nativePath, "utf8");
  }
}

// modules/uxp/key-value-storage/secure-storage.md: values are strings or typed arrays, getItem
// resolves with a Uint8Array; setItem "rejected when the value is empty"; removeItem "rejected
// when the value is neither removed nor found"; TypeError for keys of the wrong type. A missing
// key gives null: Photoshop 26.10 made "SecureStorage methods follow the Web Storage API spec"
// (ps-reference/changelog), whose getItem answers null.
const secureStorage = {
  get length() {
    return secureItems.size;
  },
  async setItem(key, value) {
    if (typeof key !== "string") throw new TypeError("secureStorage.setItem: key must be a string");
    let bytes;
    if (typeof value === "string") bytes = new TextEncoder().encode(value);
    else if (value instanceof ArrayBuffer) bytes = new Uint8Array(value.slice(0));
    else if (ArrayBuffer.isView(value)) bytes = new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
    else throw new TypeError("secureStorage.setItem: value must be a string, ArrayBuffer or TypedArray");
    if (!bytes.length) throw new Error("secureStorage.setItem: the value is empty");
    secureItems.set(key, bytes);
  },
  async getItem(key) {
    if (typeof key !== "string") throw new TypeError("secureStorage.getItem: key must be a string");
    const bytes = secureItems.get(key);
    return bytes ? bytes.slice() : null;
  },
  async removeItem(key) {
    if (typeof key !== "string") throw new TypeError("secureStorage.removeItem: key must be a string");
    if (!secureItems.delete(key)) throw new Error(`secureStorage.removeItem: no item "${key}"`);
  },
  key(index) {
    return [...secureItems.keys()][index];
  },
  async clear() {
    if (!secureItems.size) throw new Error("secureStorage.clear: nothing to clear");
    secureItems.clear();
  },
};

export const storage = {
  formats: { utf8: "utf8", binary: "binary" },
  localFileSystem: {
    async getPluginFolder() {
      return {
        name: "underpaint-photoshop",
        isFile: false,
        isFolder: true,
        nativePath: pluginRoot,
        async getEntry(name) {
          return new StandInFile(name);
        },
      };
    },
  },
  secureStorage,
};

export const entrypoints = {
  setup(config) {
    standInUxp.setupConfig = config;
  },
};

/** Photoshop's version as UXP reports it (modules/uxp/host-information/host.md); tests change it. */
export const host = { name: "Photoshop", version: "26.0.0" };

// global-members/data-transfers/fetch.md: "In order to leverage fetch, update the manifest.json
// with the network.domains permission"; a domain is an origin, "*." wildcards name subdomains,
// "all" allows everything (guides/uxp-guide/uxp-misc/manifest-v5). The pages say nothing about
// ports, so an entry allows exactly the origin it names (no port = the scheme's default port).
// A refused request fails like a network error: "TypeError If either network error ...".
const nodeFetch = globalThis.fetch.bind(globalThis);

async function manifestDomains() {
  const manifest = JSON.parse(await new StandInFile("manifest.json").read());
  return manifest?.requiredPermissions?.network?.domains ?? [];
}

function origin(url) {
  const { protocol, hostname, port } = new URL(url);
  const scheme = protocol.replace(":", "");
  return { scheme, host: hostname.toLowerCase(), port: port || { http: "80", https: "443", ws: "80", wss: "443" }[scheme] };
}

function allows(domain, target) {
  const wildcard = domain.match(/^([a-z]+):\/\/\*\.(.+)$/i);
  if (wildcard) {
    const rest = origin(`${wildcard[1]}://${wildcard[2]}`);
    return rest.scheme === target.scheme && rest.port === target.port && target.host.endsWith(`.${rest.host}`);
  }
  const allowed = origin(domain);
  return allowed.scheme === target.scheme && allowed.host === target.host && allowed.port === target.port;
}

async function uxpFetch(input, init) {
  const url = typeof input === "string" ? input : input.url;
  const domains = await manifestDomains();
  if (domains !== "all" && !domains.some((d) => allows(d, origin(url)))) {
    standInUxp.refusedFetches.push(url);
    throw new TypeError(`Network request failed`);
  }
  return nodeFetch(input, init);
}
globalThis.fetch = uxpFetch;

export default { storage, entrypoints, host };
