// `npm run build`: bundles the panel and writes, at the repository root,
//   dist/underpaint-photoshop/      the plugin folder (load its manifest.json in the UXP Developer
//                                   Tool, or package it as .ccx there)
//   dist/underpaint-photoshop.zip   the same folder zipped (manifest.json at the zip's root)
// UXP loads CommonJS scripts, not ES modules, so src/ is bundled into one index.js with the host
// modules "photoshop" and "uxp" left to UXP's require().
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { drawIcon } from "./icons.mjs";
import { zipFiles } from "./zip.mjs";

const pluginRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** @param {string} [distRoot]  default: the repository's dist/ */
export async function buildPlugin(distRoot = join(pluginRoot, "../../dist")) {
  const outDir = join(distRoot, "underpaint-photoshop");
  const zipPath = join(distRoot, "underpaint-photoshop.zip");
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, "icons"), { recursive: true });
  await build({
    entryPoints: [join(pluginRoot, "src/main.js")],
    outfile: join(outDir, "index.js"),
    bundle: true,
    format: "iife",
    platform: "neutral",
    mainFields: ["module", "main"],
    target: "es2020",
    external: ["photoshop", "uxp"],
    legalComments: "eof",
    logLevel: "warning",
  });
  for (const file of ["index.html", "styles.css"]) copyFileSync(join(pluginRoot, "src", file), join(outDir, file));
  copyFileSync(join(pluginRoot, "manifest.json"), join(outDir, "manifest.json"));
  for (const [name, size] of [["panel", 23], ["plugin", 48]]) {
    writeFileSync(join(outDir, "icons", `${name}.png`), drawIcon(size));
    writeFileSync(join(outDir, "icons", `${name}@2x.png`), drawIcon(size * 2));
  }
  const files = listFiles(outDir).map((path) => ({
    name: relative(outDir, path).split("\\").join("/"),
    data: readFileSync(path),
  }));
  writeFileSync(zipPath, zipFiles(files));
  return { outDir, zipPath, files: files.map((f) => f.name) };
}

/** @param {string} dir @returns {string[]} */
function listFiles(dir) {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { outDir: folder, zipPath: zip, files } = await buildPlugin(process.argv[2] && resolve(process.argv[2]));
  console.log(`built ${folder} (${files.length} files) and ${zip}`);
}
