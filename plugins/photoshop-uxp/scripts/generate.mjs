// Regenerates the protobuf-es messages in src/generated/ from the repo's protos/ (or into the
// folder given as the first argument: the sync test compares a fresh run with the committed files).
// protoc comes from grpcio-tools in the project's venv, so no extra binary is needed.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const pluginRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = resolve(pluginRoot, "../..");
const protoRoot = join(repoRoot, "protos");

export function pythonPath() {
  return process.env.UNDERPAINT_PYTHON || join(repoRoot, ".venv/bin/python");
}

export function generate(outDir) {
  mkdirSync(outDir, { recursive: true });
  const protoDir = join(protoRoot, "underpaint/v1");
  const protos = readdirSync(protoDir)
    .filter((name) => name.endsWith(".proto"))
    .map((name) => join(protoDir, name));
  execFileSync(
    pythonPath(),
    [
      "-m", "grpc_tools.protoc",
      `-I${protoRoot}`,
      `--plugin=protoc-gen-es=${join(pluginRoot, "node_modules/.bin/protoc-gen-es")}`,
      `--es_out=${outDir}`,
      // Plain JS plus .d.ts: the panel is JavaScript, the types feed `tsc --checkJs`.
      "--es_opt=target=js+dts,import_extension=js",
      ...protos,
    ],
    { stdio: "inherit" },
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  generate(resolve(process.argv[2] || join(pluginRoot, "src/generated")));
}
