// Stand-in for UXP's "uxp" module: the plugin folder is this plugin's folder on disk, so the
// panel reads the real manifest.json. Tests may replace a file's contents with setPluginFile().
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const pluginRoot = fileURLToPath(new URL("../..", import.meta.url));
/** @type {Map<string, string>} */
const overrides = new Map();

export const standInUxp = {
  /** Serve `contents` as the plugin folder's `name` (null restores the file on disk). */
  setPluginFile(name, contents) {
    if (contents === null) overrides.delete(name);
    else overrides.set(name, contents);
  },
  /** The last config handed to entrypoints.setup. */
  setupConfig: null,
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
};

export const entrypoints = {
  setup(config) {
    standInUxp.setupConfig = config;
  },
};

export const host = { name: "Photoshop", version: "25.0.0-stand-in" };

export default { storage, entrypoints, host };
