// The committed protobuf-es code in src/generated/ must be what protos/ generates today.
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { generate, pythonPath } from "../scripts/generate.mjs";

const committed = fileURLToPath(new URL("../src/generated", import.meta.url));

async function listFiles(dir) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath ?? e.path, e.name))).sort();
}

test("src/generated is in sync with protos/", {
  skip: existsSync(pythonPath()) ? false : `no Python with grpcio-tools at ${pythonPath()} (set UNDERPAINT_PYTHON)`,
}, async () => {
  const fresh = await mkdtemp(join(tmpdir(), "underpaint-es-"));
  try {
    generate(fresh);
    const files = await listFiles(fresh);
    assert.deepEqual(await listFiles(committed), files, "same files");
    for (const file of files) {
      const want = await readFile(join(fresh, file), "utf8");
      const have = await readFile(join(committed, file), "utf8");
      assert.ok(have === want, `${file} is stale: run "npm run generate"`);
    }
  } finally {
    await rm(fresh, { recursive: true, force: true });
  }
});
