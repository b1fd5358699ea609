"""A loopback HTTP proxy in front of a daemon's Connect port that keeps a copy of every request
body, so a test can assert on exactly what reached the daemon (the controls of a Submit, their
pixels and places), not on what the plug-in meant to send.

    with RecordingProxy(daemon.http) as proxy:
        env = dict(daemon.env, UNDERPAINT_HTTP=proxy.address)
        ...
        submitted = proxy.messages("Submit", pb.GenerateRequest)
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Headers http.client sets itself on the forwarded request.
_HOP_BY_HOP = {"host", "content-length", "connection", "keep-alive", "transfer-encoding"}


class RecordingProxy:
    def __init__(self, target: str):
        host, port = target.rsplit(":", 1)  # a test daemon's "127.0.0.1:PORT"
        self.target = (host, int(port))
        self.requests: list = []  # (path, body) in arrival order
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the plug-in's client expects

            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with proxy._lock:
                    proxy.requests.append((self.path, body))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                upstream = http.client.HTTPConnection(*proxy.target, timeout=300)
                try:
                    upstream.request("POST", self.path, body, headers)
                    response = upstream.getresponse()
                    payload = response.read()
                    self.send_response(response.status)
                    for key, value in response.getheaders():
                        if key.lower() not in _HOP_BY_HOP:
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                finally:
                    upstream.close()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "RecordingProxy":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def messages(self, method: str, message_type) -> list:
        """The parsed bodies of every call to `method` (e.g. "Submit"), in order."""
        with self._lock:
            bodies = [body for path, body in self.requests if path.rsplit("/", 1)[-1] == method]
        return [message_type.FromString(body) for body in bodies]
