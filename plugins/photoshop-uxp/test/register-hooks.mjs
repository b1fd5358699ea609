// `node --import ./test/register-hooks.mjs`: maps the host modules "photoshop" and "uxp" to the
// stand-ins in test/stand-ins/ so the panel's real code runs under node.
import { register } from "node:module";

register("./resolve-hooks.mjs", import.meta.url);
