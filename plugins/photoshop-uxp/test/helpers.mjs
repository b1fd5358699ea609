// Shared bits for the tests: test pictures and pixel comparisons.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

/** A deterministic RGBA8 picture (gradients + a checker) so every pixel is distinguishable. */
export function testPicture(width, height, alpha = 255) {
  const pixels = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      pixels[i] = (x * 255) / Math.max(width - 1, 1);
      pixels[i + 1] = (y * 255) / Math.max(height - 1, 1);
      pixels[i + 2] = ((x >> 3) + (y >> 3)) % 2 ? 200 : 40;
      pixels[i + 3] = alpha;
    }
  }
  return pixels;
}

/** Pixel (x, y) of an RGBA8 buffer as [r, g, b, a]. */
export function pixelAt(rgba, width, x, y) {
  const i = (y * width + x) * 4;
  return [rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]];
}

/**
 * Lets fetch reach `origins` the way an artist would: by adding them to the plugin's manifest
 * (the uxp stand-in's fetch enforces it, as UXP does). Returns a function that undoes it.
 */
export async function allowInManifest(...origins) {
  const { standInUxp } = await import("uxp");
  const manifest = JSON.parse(readFileSync(new URL("../manifest.json", import.meta.url), "utf8"));
  manifest.requiredPermissions.network.domains.push(...origins);
  standInUxp.setPluginFile("manifest.json", JSON.stringify(manifest));
  return () => standInUxp.setPluginFile("manifest.json", null);
}

/** A port nothing listens on: bind one, then close it. */
export async function closedPort() {
  const server = createServer();
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  await new Promise((done) => server.close(done));
  return port;
}

/** An HTTP server answering every request with (status, contentType, body). */
export async function fakeServer(status, contentType, body) {
  const requests = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url, headers: req.headers });
    req.resume();
    res.writeHead(status, { "Content-Type": contentType });
    res.end(body);
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((done) => server.close(done)) };
}


/**
 * A Connect endpoint on loopback that answers GetInfo and ListModels like a daemon, for panel
 * tests that need no generation. With `token`, it answers 401 unless "Authorization: Bearer
 * <token>" comes along, as the daemon does off loopback. Records every request's url and headers.
 * @param {{token?: string, models?: {id: string, displayName: string}[], defaultModel?: string}} [options]
 */
export async function fakeDaemon({ token = "", models = [{ id: "a", displayName: "Model A" }, { id: "b", displayName: "Model B" }],
  defaultModel = "b", capabilities = ["canvas"], addOns = [] } = {}) {
  const { create, toBinary } = await import("@bufbuild/protobuf");
  const { InfoSchema, ListModelsResponseSchema } = await import("../src/generated/underpaint/v1/underpaint_pb.js");
  const replies = {
    "/underpaint.v1.Underpaint/GetInfo": () => toBinary(InfoSchema, create(InfoSchema,
      { daemonVersion: "9.9.9", protocolMajor: 1, device: "cpu", capabilities })),
    "/underpaint.v1.Underpaint/ListModels": () => toBinary(ListModelsResponseSchema, create(ListModelsResponseSchema,
      { models: models.map((m) => ({ ...m, nativeWidth: 512, nativeHeight: 512 })), defaultModel, addOns })),
  };
  const requests = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url, headers: req.headers });
    req.resume();
    const reply = replies[req.url];
    if (token && req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ code: "unauthenticated", message: "this daemon needs its token" }));
    } else if (!reply) {
      res.writeHead(404, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ code: "unimplemented", message: `${req.url} is not played by the fake daemon` }));
    } else {
      res.writeHead(200, { "Content-Type": "application/proto" });
      res.end(reply());
    }
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  return { address: `127.0.0.1:${port}`, url: `http://127.0.0.1:${port}`, requests,
    close: () => new Promise((done) => server.close(done)) };
}
