"""Which HTTP requests may reach the gateway at all: DNS rebinding and browser pages.

A web page can make the browser send requests to 127.0.0.1 in two ways, and both are refused here
before any handler runs:

- DNS rebinding: attacker.example first resolves to the attacker, then to 127.0.0.1. The page is
  then "same origin" with the daemon, so no CORS check stops it; only the Host header betrays it
  (it names attacker.example). So Host must name this daemon: localhost, a loopback address, the
  bound address, or a name the user allowed (`serve --allow-host`). An IP-literal Host cannot come
  from a rebinding page (the page's own name would be in it), so a daemon bound to a wildcard
  address accepts any IP literal: clients reach it through whichever interface address they know.
- Cross-origin requests from any page: browsers always send `Origin` on POST. Native clients (the
  CLI, the host kit) send none. Photoshop's UXP is not a browser; plugins cannot set Origin or Host
  (both are "forbidden request headers" in Adobe's UXP reference), and servers that UXP panels talk
  to accept either no Origin or a `uxp://...` one (the plugin id, or "uxp-internal"). No browser
  can produce a `uxp:` origin, so that scheme is allowed; everything else, `null` included (what
  sandboxed iframes and file:// pages send), needs `serve --allow-origin`.

Anchors: Jupyter's Host check (`allow_remote_access`, `local_hostnames`) and Ollama's
OLLAMA_ORIGINS allow-list.
"""

from __future__ import annotations

import ipaddress

LOCAL_NAMES = ("localhost",)
# Origins no web page can send: Photoshop UXP plugins (see the module doc).
NATIVE_ORIGIN_SCHEMES = ("uxp:",)


def split_host_header(value: str) -> str:
    """The host part of a Host header ("[::1]:50052" -> "::1", "Name.Example." -> "name.example")."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    host, sep, port = value.rpartition(":")
    if sep and port.isdigit() and ":" not in host:
        value = host
    return value.rstrip(".")


def _ip(text: str):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def normalize_origin(origin: str) -> str:
    """"HTTPS://Example.COM:443/" -> "https://example.com:443" (scheme and host compare case-blind)."""
    return origin.strip().rstrip("/").lower()


class AccessPolicy:
    """Decides on (Host, Origin) pairs; `refusal()` returns None or the reason to show the user."""

    def __init__(self, bound_host: str, allow_hosts=(), allow_origins=()):
        self._bound = split_host_header(bound_host) if bound_host else ""
        bound_ip = _ip(self._bound)
        self._any_ip = bound_ip is not None and bound_ip.is_unspecified
        self._hosts = {split_host_header(h) for h in allow_hosts if h.strip()}
        self._hosts.update(LOCAL_NAMES)
        if self._bound and not self._any_ip:
            self._hosts.add(self._bound)
        self._any_origin = any(o.strip() == "*" for o in allow_origins)
        self._origins = {normalize_origin(o) for o in allow_origins if o.strip() and o.strip() != "*"}

    def host_allowed(self, host_header: str | None) -> bool:
        if host_header is None:  # HTTP/1.0 clients; browsers always send Host
            return True
        host = split_host_header(host_header)
        if host in self._hosts:
            return True
        ip = _ip(host)
        if ip is None:
            return False
        return ip.is_loopback or self._any_ip or str(ip) in self._hosts

    def origin_allowed(self, origin: str | None) -> bool:
        if origin is None:
            return True
        normalized = normalize_origin(origin)
        if self._any_origin or normalized in self._origins:
            return True
        return normalized.startswith(NATIVE_ORIGIN_SCHEMES) and normalized != "uxp:"

    def refusal(self, host_header: str | None, origin: str | None) -> str | None:
        if not self.host_allowed(host_header):
            name = split_host_header(host_header or "")
            return (f"this daemon does not answer to the name {name!r} (a web page using DNS rebinding "
                    f"would look like this). If you reach it by that name on purpose, start it with "
                    f"`underpaint serve --allow-host {name}`.")
        if not self.origin_allowed(origin):
            return (f"requests from web pages are refused (Origin {origin.strip()!r}). To let that page "
                    f"use the daemon, start it with `underpaint serve --allow-origin {origin.strip()}`.")
        return None
