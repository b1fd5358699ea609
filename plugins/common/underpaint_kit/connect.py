"""A small Connect-protocol (unary, binary protobuf) client on http.client.

Why by hand: hosts get no native wheels, and the Connect unary protocol is just
"POST /package.Service/Method with the serialized message". One keep-alive connection per
thread, because http.client connections are not thread-safe.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading

from .discovery import split_address
from .errors import DaemonNotRunning, RequestRejected, UnderpaintError
from .protocol import DecodeError
from .tls import PinnedHTTPSConnection, TlsError, TlsSettings, explain

# Connect's mapping for error responses that carry no JSON body (e.g. from a proxy).
_HTTP_STATUS_CODES = {400: "internal", 401: "unauthenticated", 403: "permission_denied",
                      404: "unimplemented", 429: "unavailable", 502: "unavailable",
                      503: "unavailable", 504: "unavailable"}

# Errors that mean "the kept-alive connection was closed under us": retry once on a new one.
_STALE_CONNECTION_ERRORS = (http.client.RemoteDisconnected, http.client.BadStatusLine,
                            ConnectionResetError, ConnectionAbortedError, BrokenPipeError)


class ConnectClient:
    """tls: TlsSettings for https (see tls.py), or None for plain http."""

    def __init__(self, address: str, token: str | None = None, timeout: float = 10.0,
                 tls: TlsSettings | None = None):
        self.address = address
        try:
            self.host, self.port = split_address(address)
        except ValueError as error:  # e.g. a mistyped $UNDERPAINT_HTTP
            raise UnderpaintError(str(error)) from None
        self.token = token
        self.timeout = timeout
        self.tls = tls
        self.max_request_bytes = 0  # the daemon's limit once known (GetInfo); 0 = unknown
        self._local = threading.local()

    def call(self, service: str, method: str, request, response_type, timeout: float | None = None):
        """Sends `request` (a protobuf message) and returns a parsed `response_type`."""
        body = request.SerializeToString()
        if self.max_request_bytes and len(body) > self.max_request_bytes:
            # Refused here: the daemon would cut the upload off, which looks like a crash.
            raise RequestRejected(
                "resource_exhausted",
                f"The request is {len(body) / 2**20:.0f} MiB, over the daemon's limit of "
                f"{self.max_request_bytes / 2**20:.0f} MiB; send a smaller region.")
        status, payload = self.post(f"/{service}/{method}", body,
                                    self.timeout if timeout is None else timeout)
        if status != 200:
            raise _error_from_response(status, payload)
        try:
            return response_type.FromString(payload)
        except DecodeError as error:  # not our daemon, or another protocol on that port
            raise RequestRejected("internal", f"The answer from {self.address} is not an "
                                              f"Underpaint {method} reply ({error}).") from error

    def post(self, path: str, body, timeout: float) -> tuple[int, bytes | bytearray]:
        """One POST; returns (HTTP status, body). Raises DaemonNotRunning / RequestRejected."""
        # No Connect-Timeout-Ms: the socket timeout bounds each wait on our side, and a server-side
        # deadline could cut a big Submit short after the daemon had queued the job.
        headers = {"Content-Type": "application/proto", "Connect-Protocol-Version": "1"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in (1, 2):
            conn, reused = self._connection(timeout)
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                return response.status, _read_body(response)
            except _STALE_CONNECTION_ERRORS as error:
                self.close()
                if reused and attempt == 1:
                    continue
                hint = "" if self.tls or reused else "; if the daemon serves TLS, connect with https://"
                raise DaemonNotRunning(self.address, f"connection lost: {error}{hint}") from error
            except TlsError:
                self.close()
                raise
            except ssl.SSLError as error:  # before OSError: it is one
                self.close()
                raise explain(error, self.address) from error
            except ConnectionRefusedError as error:
                self.close()
                raise DaemonNotRunning(self.address) from error
            except socket.timeout as error:
                self.close()
                raise RequestRejected(
                    "deadline_exceeded",
                    f"The Underpaint daemon at {self.address} did not answer within "
                    f"{timeout:g} s.") from error
            except OSError as error:  # unreachable host, unknown name, ...
                self.close()
                raise DaemonNotRunning(self.address, str(error)) from error
            except http.client.HTTPException as error:  # a cut-off or garbled answer
                self.close()
                raise DaemonNotRunning(self.address, f"bad answer: {error!r}") from error
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Closes this thread's connection (others close when their threads end)."""
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            conn.close()

    def _connection(self, timeout: float) -> tuple[http.client.HTTPConnection, bool]:
        conn = getattr(self._local, "conn", None)
        reused = conn is not None and conn.sock is not None
        if conn is None:
            if self.tls is None:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
            else:
                conn = PinnedHTTPSConnection(self.host, self.port, timeout, self.tls)
            self._local.conn = conn
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return conn, reused


def _read_body(response: http.client.HTTPResponse) -> bytes | bytearray:
    """Reads the body into one preallocated buffer when its length is known (big images)."""
    length = response.length
    if not length:  # unknown, or an empty message: read() also ends the response, so the
        return response.read()  # kept-alive connection can carry the next request
    body = bytearray(length)
    view = memoryview(body)
    done = 0
    while done < length:
        n = response.readinto(view[done:])
        if not n:
            raise http.client.IncompleteRead(bytes(view[:done]), length - done)
        done += n
    return body


def _error_from_response(status: int, payload) -> RequestRejected:
    try:
        error = json.loads(bytes(payload).decode("utf-8"))
        code = str(error.get("code") or _HTTP_STATUS_CODES.get(status, "unknown"))
        message = str(error.get("message") or "")
    except (ValueError, AttributeError):
        code = _HTTP_STATUS_CODES.get(status, "unknown")
        message = ""
    if not message:
        message = f"The daemon refused the request ({code}, HTTP {status})."
    return RequestRejected(code, message)
