"""How long a 4096x4096 RGBA canvas (64 MiB) takes to go to the daemon and back, per transport.

  1. raw RGBA8 over native gRPC (grpcio): the Echo RPC
  2. raw RGBA8 through the HTTP/1.1 Connect gateway with the host kit, run as a host runs it
     (`python -S`, vendored pure-Python protobuf); 2b: the same kit in this process (upb protobuf)
  3. PNG (Pillow's default level) + base64 inside JSON over HTTP, as other daemons' APIs do:
     a stdlib http.server endpoint here decodes and re-encodes the image
  4. the floor: the same bytes copied over a raw loopback socket and back

(1) and (2) use Echo, which returns the image unchanged, so they time the transports alone
(message encoding included). The daemon reuses large buffers between calls (transport/heap.py);
rows marked "heap reuse off" run a daemon with UNDERPAINT_HEAP_REUSE=0. The rows marked
"client reusing buffers too" come last: this process then calls the same keep_large_buffers()
(as a long-lived client may) and measures its floor again, since that changes the floor too. (0) times a board Publish + Fetch through the store in this
process, for scale: what real work on the same image costs. (3) includes the PNG codec on
both sides, which is the point. Run: `.venv/bin/python bench/transport.py [--size N]`.
Not a test: it prints times and ratios to (4).
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins" / "common"))


def make_canvas(size: int) -> bytes:
    """A picture-like canvas (smooth gradients plus mild noise), so PNG is neither trivial nor
    hopeless."""
    import numpy as np

    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    rng = np.random.default_rng(0)
    channels = [np.sin(x * 7 + y * 3), np.cos(x * 4 - y * 9), np.sin((x + y) * 5)]
    rgb = [(c * 100 + 128 + rng.normal(0, 6, c.shape)).clip(0, 255) for c in channels]
    alpha = np.full((size, size), 255, np.float32)
    return np.stack(rgb + [alpha], axis=-1).astype(np.uint8).tobytes()


def timed(fn, repeats: int) -> float:
    fn()  # warm-up: connections, caches, first allocations
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# --- 0. the board store alone ------------------------------------------------------------------

def bench_board_store(size: int, data: bytes, repeats: int, workdir: Path, hot: bool = True) -> float:
    """hot=False: without the in-memory copy of recent images (every fetch reads and unpacks the
    file), as the board worked before."""
    from underpaint.board.store import BoardStore

    store = BoardStore(workdir / f"board-alone-{hot}", **({} if hot else {"hot_bytes": 0}))

    def round_trip():
        store.publish("bench/store", size, size, data)
        assert store.fetch("bench/store")[1] == data
    try:
        return timed(round_trip, repeats)
    finally:
        store.close()


# --- 1. gRPC -----------------------------------------------------------------------------------

def bench_grpc(address: str, size: int, data: bytes, repeats: int) -> float:
    from underpaint.client import Client
    from underpaint.v1 import underpaint_pb2 as pb

    with Client(address) as client:
        def round_trip():
            image = pb.Image(width=size, height=size, format=pb.PIXEL_FORMAT_RGBA8, data=data)
            back = client.call(client.stub.Echo, image, timeout=300)
            assert back.data == data
        return timed(round_trip, repeats)


def bench_grpc_bytes(address: str, size: int, data: bytes, repeats: int) -> float:
    """(1) with the client's protobuf work taken out: the request is serialized once beforehand
    and the answer is compared as bytes, so what is left is grpcio plus the daemon's own parse
    and serialize."""
    from underpaint.client import Client
    from underpaint.v1 import underpaint_pb2 as pb

    wire = pb.Image(width=size, height=size, format=pb.PIXEL_FORMAT_RGBA8, data=data).SerializeToString()
    with Client(address) as client:
        echo = client.channel.unary_unary("/underpaint.v1.Underpaint/Echo", request_serializer=None,
                                          response_deserializer=None)

        def round_trip():
            assert echo(wire, timeout=300) == wire
        return timed(round_trip, repeats)


# --- 2. the host kit through the gateway -------------------------------------------------------

KIT_SCRIPT = """
import json, sys, time, statistics
sys.path[:] = [sys.argv[1]] + [p for p in sys.path if p and "site-packages" not in p]
import underpaint_kit as kit
size, repeats = int(sys.argv[3]), int(sys.argv[4])
data = open(sys.argv[5], "rb").read()
d = kit.connect_daemon(sys.argv[2], timeout=300)
times = []
for _ in range(repeats + 1):  # the first is a warm-up
    t = time.perf_counter()
    back = d.call("underpaint.v1.Underpaint", "Echo", kit.requests.rgba_image(size, size, data), kit.pb.Image)
    assert back.data == data
    times.append(time.perf_counter() - t)
print(json.dumps({"median": statistics.median(times[1:])}))
"""


def bench_kit_as_host(address: str, size: int, data: bytes, repeats: int, workdir: Path) -> float:
    from underpaint.plugins.vendor import make_vendor

    vendor = make_vendor(workdir / "vendor", log=lambda *a: None)
    raw = workdir / "canvas.rgba"
    raw.write_bytes(data)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION"] = "python"
    out = subprocess.run([sys.executable, "-S", "-E", "-c", KIT_SCRIPT, str(vendor), address,
                          str(size), str(repeats), str(raw)],
                         capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["median"]


def bench_kit_in_process(address: str, size: int, data: bytes, repeats: int) -> float:
    import underpaint_kit as kit

    d = kit.connect_daemon(address, timeout=300)

    def round_trip():
        back = d.call("underpaint.v1.Underpaint", "Echo", kit.requests.rgba_image(size, size, data), kit.pb.Image)
        assert back.data == data
    return timed(round_trip, repeats)


# --- 3. PNG + base64 + JSON --------------------------------------------------------------------

def _png(data: bytes, size: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.frombytes("RGBA", (size, size), data).save(buffer, format="PNG")
    return buffer.getvalue()


def _unpng(blob: bytes) -> bytes:
    from PIL import Image

    return Image.open(io.BytesIO(blob)).convert("RGBA").tobytes()


class PngJsonHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        pixels = _unpng(base64.b64decode(request["image"]))
        body = json.dumps({"image": base64.b64encode(_png(pixels, request["size"])).decode()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def bench_png_json(size: int, data: bytes, repeats: int) -> tuple[float, int]:
    import http.client

    server = ThreadingHTTPServer(("127.0.0.1", 0), PngJsonHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=600)
    sizes = []

    def round_trip():
        body = json.dumps({"size": size, "image": base64.b64encode(_png(data, size)).decode()}).encode()
        sizes.append(len(body))
        conn.request("POST", "/sdapi/v1/img2img", body, {"Content-Type": "application/json"})
        reply = json.loads(conn.getresponse().read())
        assert _unpng(base64.b64decode(reply["image"])) == data

    try:
        return timed(round_trip, repeats), sizes[0]
    finally:
        conn.close()
        server.shutdown()
        server.server_close()


# --- 4. raw loopback socket --------------------------------------------------------------------

def _recv_exactly(sock: socket.socket, n: int) -> bytearray:
    buffer = bytearray(n)
    view, done = memoryview(buffer), 0
    while done < n:
        got = sock.recv_into(view[done:])
        if not got:
            raise ConnectionError("peer closed early")
        done += got
    return buffer


def bench_socket(data: bytes, repeats: int) -> float:
    listener = socket.create_server(("127.0.0.1", 0))
    n = len(data)

    def echo():
        conn, _ = listener.accept()
        with conn:
            for _ in range(repeats + 1):  # timed() warms up once
                conn.sendall(_recv_exactly(conn, n))

    threading.Thread(target=echo, daemon=True).start()
    with socket.create_connection(listener.getsockname()) as sock:
        def round_trip():  # noqa: E306
            sender = threading.Thread(target=sock.sendall, args=(data,))  # avoid buffer deadlock
            sender.start()
            back = _recv_exactly(sock, n)
            sender.join()
            assert back == data
        result = timed(round_trip, repeats)
    listener.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-png", action="store_true", help="skip (3): minutes on a small machine")
    args = parser.parse_args()
    size, repeats = args.size, args.repeats
    data = make_canvas(size)
    print(f"canvas {size}x{size} RGBA8 = {len(data) / 2**20:.0f} MiB, median of {repeats}; "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")

    from underpaint.testing import DaemonProcess

    with tempfile.TemporaryDirectory(prefix="underpaint-bench-") as tmp:
        daemon = DaemonProcess(None, Path(tmp) / "home").start()
        # the same daemon without the fast paths (transport/connect_unary.py, wire.py) and the
        # heap reuse (transport/heap.py): "before"
        before = DaemonProcess(None, Path(tmp) / "home-before",
                               env={**os.environ, "UNDERPAINT_TRANSPORT_FAST_PATHS": "0",
                                    "UNDERPAINT_HEAP_REUSE": "0"}).start()
        heap_off = DaemonProcess(None, Path(tmp) / "home-heap-off",
                                 env={**os.environ, "UNDERPAINT_HEAP_REUSE": "0"}).start()
        try:
            results = {
                "4. raw loopback socket (floor)": bench_socket(data, repeats),
                "0. for scale: board Publish+Fetch in-process, no transport": bench_board_store(size, data, repeats, Path(tmp)),
                "0b. the same without the board's in-memory copy (before)":
                    bench_board_store(size, data, repeats, Path(tmp), hot=False),
                "1. gRPC raw RGBA8 (Echo)": bench_grpc(daemon.grpc, size, data, repeats),
                "1b. the same, the client's protobuf work taken out": bench_grpc_bytes(daemon.grpc, size, data, repeats),
                "2. gateway + host kit, pure-Python protobuf (as a host)":
                    bench_kit_as_host(daemon.http, size, data, repeats, Path(tmp)),
                "2b. gateway + host kit, upb protobuf": bench_kit_in_process(daemon.http, size, data, repeats),
                "1c. = 1. without the fast paths and heap reuse (before)": bench_grpc(before.grpc, size, data, repeats),
                "1d. = 1. with the daemon's heap reuse off": bench_grpc(heap_off.grpc, size, data, repeats),
                "2e. = 2. with the daemon's heap reuse off":
                    bench_kit_as_host(heap_off.http, size, data, repeats, Path(tmp)),
                "2c. the same through connectrpc, no fast path (before)":
                    bench_kit_in_process(before.http, size, data, repeats),
                "2d. = 2. through connectrpc, no fast path (before)":
                    bench_kit_as_host(before.http, size, data, repeats, Path(tmp)),
            }
            if not args.no_png:
                png_time, png_bytes = bench_png_json(size, data, repeats)
                results[f"3. PNG + base64 JSON over HTTP ({png_bytes / 2**20:.0f} MiB body)"] = png_time
            from underpaint.transport.heap import keep_large_buffers

            keep_large_buffers()  # what Client(reuse_buffers=True) does
            reusing = {
                "5. floor, this process reusing buffers too": bench_socket(data, repeats),
                "5a. = 1. (gRPC), client reusing buffers too": bench_grpc(daemon.grpc, size, data, repeats),
                "5b. = 2b. (kit, upb), client reusing buffers too": bench_kit_in_process(daemon.http, size, data, repeats),
            }
        finally:
            daemon.stop()
            before.stop()
            heap_off.stop()
    floor = results["4. raw loopback socket (floor)"]
    for name, seconds in sorted(results.items()):
        print(f"{name:62} {seconds * 1000:9.0f} ms  {seconds / floor:7.1f}x")
    floor = reusing["5. floor, this process reusing buffers too"]
    for name, seconds in reusing.items():
        print(f"{name:62} {seconds * 1000:9.0f} ms  {seconds / floor:7.1f}x (of 5.)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
