// `npm run build` output: a loadable plugin folder and a zip of it, whose bundle runs as the
// CommonJS script UXP loads and registers the manifest's panel.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runInNewContext } from "node:vm";
import { execFileSync } from "node:child_process";
import * as photoshop from "photoshop";
import * as uxp from "uxp";
import { buildPlugin } from "../scripts/build.mjs";

test("build makes a plugin folder and zip that UXP can load", async () => {
  const dist = await mkdtemp(join(tmpdir(), "underpaint-dist-"));
  try {
    const { outDir, zipPath, files } = await buildPlugin(dist);
    const manifest = JSON.parse(await readFile(join(outDir, "manifest.json"), "utf8"));
    assert.ok(existsSync(join(outDir, manifest.main)), "the manifest's main file is there");
    const html = await readFile(join(outDir, manifest.main), "utf8");
    for (const ref of html.matchAll(/(?:src|href)="([^"]+)"/g)) assert.ok(existsSync(join(outDir, ref[1])), `${ref[1]} is there`);
    const icons = [...manifest.icons, ...manifest.entrypoints.flatMap((e) => e.icons || [])];
    for (const icon of icons) {
      const png = await readFile(join(outDir, icon.path));
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], `${icon.path} is a PNG`);
      assert.equal(png.readUInt32BE(16), icon.width, `${icon.path} is ${icon.width} px wide`);
      assert.ok(existsSync(join(outDir, icon.path.replace(".png", "@2x.png"))));
    }

    // The zip holds the same files at its root (unzip with Python's zipfile, an independent reader).
    const listing = execFileSync("python3", ["-c",
      "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print('\\n'.join(z.namelist()))",
      zipPath], { encoding: "utf8" }).trim().split("\n");
    assert.deepEqual(listing.sort(), [...files].sort());
    assert.ok(listing.includes("manifest.json"));

    // The bundle is a plain script: run it with UXP's require() and see it register the panel.
    uxp.standInUxp.setupConfig = null;
    const modules = { photoshop, uxp };
    const bundle = await readFile(join(outDir, "index.js"), "utf8");
    // No TextEncoder in the context: older UXP lacks it, and the fallback codec must step in.
    runInNewContext(bundle, { require: (name) => modules[name], console });
    const panelIds = manifest.entrypoints.filter((e) => e.type === "panel").map((e) => e.id);
    assert.deepEqual(Object.keys(uxp.standInUxp.setupConfig.panels), panelIds);
    assert.equal(typeof uxp.standInUxp.setupConfig.panels[panelIds[0]].show, "function");
  } finally {
    await rm(dist, { recursive: true, force: true });
  }
});
