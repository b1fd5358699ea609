// ESM resolve hook (runs on node's loader thread): host module names -> stand-in files.
const STAND_INS = {
  photoshop: new URL("./stand-ins/photoshop.js", import.meta.url).href,
  uxp: new URL("./stand-ins/uxp.js", import.meta.url).href,
};

export async function resolve(specifier, context, nextResolve) {
  if (Object.hasOwn(STAND_INS, specifier)) return { url: STAND_INS[specifier], shortCircuit: true };
  return nextResolve(specifier, context);
}
