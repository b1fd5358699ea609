// UXP refuses any fetch to an origin the manifest does not list, with an error that does not say
// why. So the panel checks the configured daemon address against the manifest before fetching.

export const DEFAULT_SERVER = "127.0.0.1:50052";

// Addresses are parsed by hand: UXP's runtime has not always had the URL class.
const ORIGIN = /^(https?):\/\/(\[[0-9a-f:.]+\]|\*\.[a-z0-9.-]+|[a-z0-9.-]+)(?::(\d{1,5}))?\/?$/i;
const DEFAULT_PORTS = { http: "80", https: "443" };

/**
 * Splits "http://host:port" into its parts (default ports dropped), or null when it is not one.
 * @param {string} text
 * @returns {{scheme: "http" | "https", host: string, port: string} | null}
 */
export function parseOrigin(text) {
  const match = ORIGIN.exec(text.trim());
  if (!match) return null;
  const scheme = /** @type {"http" | "https"} */ (match[1].toLowerCase());
  const port = match[3] && match[3] !== DEFAULT_PORTS[scheme] ? String(Number(match[3])) : "";
  if (port && Number(port) > 65535) return null;
  return { scheme, host: match[2].toLowerCase(), port };
}

/**
 * The origin of a daemon address: "127.0.0.1:50052" -> "http://127.0.0.1:50052",
 * "HTTP://Localhost:50052/" -> "http://localhost:50052", "[::1]:50052" -> "http://[::1]:50052".
 * An address without a scheme takes `scheme` (https for a daemon started with TLS).
 * @param {string} address
 * @param {"http" | "https"} [scheme]
 * @returns {string} the origin, without a trailing slash
 */
export function serverUrl(address, scheme = "http") {
  const text = (address || "").trim() || DEFAULT_SERVER;
  const given = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  if (given && !/^https?$/i.test(given[1])) {
    throw new Error(`Server address "${address}" must use http:// or https://.`);
  }
  const origin = parseOrigin(given ? text : `${scheme}://${text}`);
  if (!origin || origin.host.startsWith("*")) {
    throw new Error(`Server address "${address}" is not a host:port such as ${DEFAULT_SERVER}.`);
  }
  return `${origin.scheme}://${origin.host}${origin.port ? `:${origin.port}` : ""}`;
}

/**
 * Splits what was typed into the Server field: "https://gpu.lan:50052/" -> scheme "https",
 * address "gpu.lan:50052"; without a scheme, scheme is null.
 * @param {string} text
 * @returns {{scheme: "http" | "https" | null, address: string}}
 */
export function splitAddress(text) {
  const match = /^(https?):\/\/(.*?)\/*$/i.exec(text.trim());
  if (!match) return { scheme: null, address: text.trim() };
  return { scheme: /** @type {"http" | "https"} */ (match[1].toLowerCase()), address: match[2] };
}

/**
 * The network domains a manifest grants: a list of origins, or "all".
 * @param {any} manifest  the parsed manifest.json
 * @returns {string[] | "all"}
 */
export function manifestDomains(manifest) {
  const domains = manifest?.requiredPermissions?.network?.domains;
  if (domains === "all") return "all";
  return Array.isArray(domains) ? domains.filter((d) => typeof d === "string") : [];
}

/**
 * Null when the manifest lets the panel reach `baseUrl`, else the message the artist sees.
 * Entries are origins: one without a port names the scheme's default port (Adobe documents no
 * port rules, so the panel asks for exactly the origin it uses); "*." wildcards match subdomains.
 * @param {string} baseUrl  as returned by serverUrl()
 * @param {string[] | "all"} domains
 * @returns {string | null}
 */
export function networkPermissionProblem(baseUrl, domains) {
  if (domains === "all") return null;
  const target = parseOrigin(baseUrl);
  if (!target) return `"${baseUrl}" is not an http(s) address.`;
  for (const domain of domains) {
    if (domainAllows(domain, target)) return null;
  }
  return (
    `The panel may not connect to ${baseUrl}: Photoshop only lets it reach ` +
    `${domains.length ? domains.join(", ") : "no address"}. Add "${baseUrl}" to ` +
    `requiredPermissions.network.domains in the plugin's manifest.json and reload the plugin, ` +
    `or point Settings > Server at one of those addresses.`
  );
}

/**
 * @param {string} domain  a manifest entry, e.g. "http://127.0.0.1:50052" or "https://*.lan"
 * @param {NonNullable<ReturnType<typeof parseOrigin>>} target
 */
function domainAllows(domain, target) {
  const allowed = parseOrigin(domain);
  if (!allowed || allowed.scheme !== target.scheme) return false;
  const hostMatches = allowed.host.startsWith("*.")
    ? target.host.endsWith(allowed.host.slice(1))
    : target.host === allowed.host;
  return hostMatches && allowed.port === target.port;
}
