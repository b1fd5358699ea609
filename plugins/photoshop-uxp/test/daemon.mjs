// Starts a real Underpaint daemon for the live tests, the same way the pytest fixtures do:
// `underpaint demo-model` writes the tiny random-weights model, then `python -m underpaint.testing`
// serves it on free loopback ports with isolated config/data folders and prints its addresses.
// UNDERPAINT_PYTHON / UNDERPAINT_BIN override the venv's python and underpaint executables.
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const python = process.env.UNDERPAINT_PYTHON || join(repoRoot, ".venv/bin/python");
export const underpaintBin = process.env.UNDERPAINT_BIN || join(dirname(python), "underpaint");

/** Why the live tests cannot run here, or null when they can. */
export function liveSkipReason() {
  if (!existsSync(python)) return `no Python at ${python} (set UNDERPAINT_PYTHON to the venv's python)`;
  if (!existsSync(underpaintBin)) return `no underpaint executable at ${underpaintBin} (set UNDERPAINT_BIN)`;
  return null;
}

/**
 * @param {{faceRestorer?: boolean}} [options]  faceRestorer: false skips the ~174 MB random GFPGAN
 * @returns {Promise<{http: string, grpc: string, log: () => string, stop: () => Promise<void>}>}
 */
export async function startDaemon({ faceRestorer = true } = {}) {
  const home = await mkdtemp(join(tmpdir(), "underpaint-uxp-"));
  const demoArgs = ["demo-model", join(home, "models"), ...(faceRestorer ? [] : ["--no-face-restorer"])];
  await promisify(execFile)(underpaintBin, demoArgs, { timeout: 180000 });
  const child = spawn(python, ["-m", "underpaint.testing", "--models", join(home, "models"), "--home", join(home, "daemon")], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => { stderr += chunk; });
  const addresses = await new Promise((resolvePromise, reject) => {
    let stdout = "";
    const timer = setTimeout(() => reject(new Error(`daemon not ready after 180 s\n${stderr}`)), 180000);
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const newline = stdout.indexOf("\n");
      if (newline < 0) return;
      clearTimeout(timer);
      resolvePromise(JSON.parse(stdout.slice(0, newline)));
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited with ${code}\n${stderr}`));
    });
  });
  child.removeAllListeners("exit");
  return {
    http: addresses.http,
    grpc: addresses.grpc,
    /** What the daemon has written to stderr (its log), for a failing test to show. */
    log: () => stderr,
    async stop() {
      // underpaint.testing serves until its stdin closes, then stops the daemon itself.
      const exited = new Promise((done) => child.once("exit", done));
      child.stdin.end();
      await Promise.race([exited, new Promise((done) => setTimeout(done, 20000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
      await rm(home, { recursive: true, force: true });
    },
  };
}
