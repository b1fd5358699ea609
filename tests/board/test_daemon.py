"""The board through a real `underpaint serve` process: gRPC, the Connect gateway, the CLI, restarts."""

import base64
import io
import json
import queue
import subprocess
import sys
import threading
import urllib.request
import uuid

import grpc
import numpy as np
import pytest
from PIL import Image as PILImage

from board_helpers import noise
from underpaint.v1 import board_pb2, board_pb2_grpc
from underpaint.v1 import underpaint_pb2 as pb


@pytest.fixture
def channel_name():
    """The daemon is shared by the whole session: every test works on channels of its own."""
    return f"board-test/{uuid.uuid4().hex[:12]}"


@pytest.fixture
def stub(daemon):
    with grpc.insecure_channel(daemon.grpc) as ch:
        yield board_pb2_grpc.BoardStub(ch)


def rgba(seed, w=40, h=24):
    return pb.Image(width=w, height=h, format=pb.PIXEL_FORMAT_RGBA8, data=noise(seed, w, h))


def cli(daemon, *args, timeout=60):
    env = dict(daemon.env, UNDERPAINT_SERVER=daemon.grpc)
    return subprocess.run([sys.executable, "-m", "underpaint.cli.main", "board", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_grpc_publish_fetch_list_delete(stub, channel_name):
    first = stub.Publish(board_pb2.PublishRequest(channel=channel_name, image=rgba(1),
                                                  meta=board_pb2.BoardMeta(source_app="test")))
    second = stub.Publish(board_pb2.PublishRequest(channel=channel_name, image=rgba(2)))
    assert (first.version, second.version) == (1, 2)

    got = stub.Fetch(board_pb2.FetchRequest(channel=channel_name, version=1, format=pb.PIXEL_FORMAT_PNG))
    assert got.image.format == pb.PIXEL_FORMAT_PNG and got.meta.source_app == "test"
    png = np.asarray(PILImage.open(io.BytesIO(got.image.data)).convert("RGBA"))
    assert png.tobytes() == noise(1, 40, 24)

    listing = stub.List(board_pb2.ListChannelsRequest())
    mine = [c for c in listing.channels if c.name == channel_name]
    assert len(mine) == 1 and list(mine[0].versions) == [1, 2]
    assert 0 < listing.bytes_used <= listing.bytes_budget

    assert stub.Delete(board_pb2.DeleteChannelRequest(channel=channel_name)).versions_deleted == 2
    with pytest.raises(grpc.RpcError) as err:
        stub.Fetch(board_pb2.FetchRequest(channel=channel_name))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_grpc_errors_name_the_field(stub):
    with pytest.raises(grpc.RpcError) as err:
        stub.Publish(board_pb2.PublishRequest(channel="no..dots", image=rgba(1)))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.details().startswith("channel:")
    with pytest.raises(grpc.RpcError) as err:
        stub.Publish(board_pb2.PublishRequest(channel="ok", image=pb.Image(
            width=9000, height=9000, format=pb.PIXEL_FORMAT_RGBA8)))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.details().startswith("image:") and str(8192 * 8192) in err.value.details()


def test_grpc_subscribe_streams_each_publication(stub, channel_name):
    start = stub.PollBoard(board_pb2.PollBoardRequest(wait_ms=0)).cursor
    stream = stub.Subscribe(board_pb2.SubscribeRequest(channels=[channel_name], after_cursor=start))
    received = queue.Queue()

    def read():
        try:
            for update in stream:
                received.put(update)
        except grpc.RpcError:  # cancelled at the end of the test
            pass

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    for seed in range(3):
        stub.Publish(board_pb2.PublishRequest(channel=channel_name, image=rgba(seed)))
    got = [received.get(timeout=10) for _ in range(3)]
    stream.cancel()
    assert [u.entry.version for u in got] == [1, 2, 3]
    assert [u.cursor for u in got] == sorted(u.cursor for u in got) and got[0].cursor > start


def test_connect_gateway_long_poll(daemon, stub, channel_name):
    """PollBoard in Connect's JSON over HTTP/1.1, as the UXP panel calls it."""
    def call(method, body, timeout=15):
        request = urllib.request.Request(f"http://{daemon.http}/underpaint.v1.Board/{method}",
                                         data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return json.loads(reply.read())

    start = int(call("PollBoard", {"waitMs": 0})["cursor"])
    result = {}
    poller = threading.Thread(target=lambda: result.update(call("PollBoard", {
        "channels": [channel_name], "afterCursor": str(start), "waitMs": 10000})))
    poller.start()
    published = call("Publish", {"channel": channel_name, "image": {
        "width": 40, "height": 24, "format": "PIXEL_FORMAT_RGBA8",
        "data": base64.b64encode(noise(9, 40, 24)).decode()}})
    poller.join(15)
    assert published["version"] == "1"
    [update] = result["updates"]
    assert update["entry"]["channel"] == channel_name and update["entry"]["digest"] == published["digest"]
    fetched = stub.Fetch(board_pb2.FetchRequest(channel=channel_name))
    assert fetched.image.data == noise(9, 40, 24)


def test_cli_push_pull_list_delete(daemon, tmp_path, channel_name):
    arr = np.frombuffer(noise(4, 40, 24), np.uint8).reshape(24, 40, 4).copy()
    arr[:8, :, 3] = 0
    source = tmp_path / "in.png"
    PILImage.fromarray(arr).save(source)
    tiff = tmp_path / "second.tif"
    PILImage.fromarray(arr[::-1].copy()).save(tiff)

    done = cli(daemon, "push", str(source), channel_name, "--note", "from the cli")
    assert done.returncode == 0, done.stderr
    assert f"published {channel_name} version 1 (40x24" in done.stdout
    done = cli(daemon, "push", str(tiff), channel_name)
    assert done.returncode == 0, done.stderr
    assert "version 2" in done.stdout

    for name, version, expected in (("out.png", "1", arr), ("out.webp", "1", arr), ("out.tif", "0", arr[::-1])):
        done = cli(daemon, "pull", channel_name, str(tmp_path / name), "--version", version)
        assert done.returncode == 0, done.stderr
        got = np.asarray(PILImage.open(tmp_path / name).convert("RGBA"))
        assert np.array_equal(got, expected), name

    done = cli(daemon, "list", "--json")
    assert done.returncode == 0, done.stderr
    [mine] = [c for c in json.loads(done.stdout)["channels"] if c["name"] == channel_name]
    assert mine["versions"] == [1, 2] and mine["latest"]["version"] == 2
    done = cli(daemon, "list")
    assert channel_name in done.stdout and "v2" in done.stdout

    done = cli(daemon, "delete", channel_name)
    assert done.returncode == 0 and "2 version(s)" in done.stdout
    done = cli(daemon, "pull", channel_name, str(tmp_path / "gone.png"))
    assert done.returncode == 1 and "not_found" in done.stderr and channel_name in done.stderr
    assert not (tmp_path / "gone.png").exists()


def test_cli_reports_bad_input_clearly(daemon, tmp_path):
    not_an_image = tmp_path / "notes.txt"
    not_an_image.write_text("hello")
    done = cli(daemon, "push", str(not_an_image), "chan")
    assert done.returncode == 1 and "cannot read image" in done.stderr
    good = tmp_path / "ok.png"
    PILImage.fromarray(np.zeros((8, 8, 4), np.uint8)).save(good)
    done = cli(daemon, "push", str(good), "bad name!")
    assert done.returncode == 1 and "invalid_argument: channel:" in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_watch_prints_publications(daemon, tmp_path, channel_name):
    env = dict(daemon.env, UNDERPAINT_SERVER=daemon.grpc)
    watcher = subprocess.Popen([sys.executable, "-m", "underpaint.cli.main", "board", "watch", channel_name,
                                "--count", "2"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        image = tmp_path / "w.png"
        PILImage.fromarray(np.zeros((8, 8, 4), np.uint8)).save(image)
        # The watcher starts from "now": publish until it has seen two (it may start late).
        for _ in range(40):
            cli(daemon, "push", str(image), channel_name)
            if watcher.poll() is not None:
                break
        out, err = watcher.communicate(timeout=30)
    finally:
        if watcher.poll() is None:
            watcher.kill()
    assert watcher.returncode == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 2 and all(channel_name in line and "8x8 from cli" in line for line in lines)


@pytest.mark.slow
def test_board_survives_a_daemon_restart(demo_models_dir, tmp_path):
    from underpaint.testing import DaemonProcess

    home = tmp_path  # both runs share config and data folders
    first = DaemonProcess(demo_models_dir, home).start()
    try:
        with grpc.insecure_channel(first.grpc) as ch:
            stub = board_pb2_grpc.BoardStub(ch)
            for seed in (1, 2):
                stub.Publish(board_pb2.PublishRequest(channel="kept", image=rgba(seed)))
            before = stub.List(board_pb2.ListChannelsRequest())
            cursor = stub.PollBoard(board_pb2.PollBoardRequest(wait_ms=0)).cursor
    finally:
        first.stop()
    second = DaemonProcess(demo_models_dir, home).start()
    try:
        with grpc.insecure_channel(second.grpc) as ch:
            stub = board_pb2_grpc.BoardStub(ch)
            assert stub.List(board_pb2.ListChannelsRequest()) == before
            assert stub.Fetch(board_pb2.FetchRequest(channel="kept", version=1)).image.data == noise(1, 40, 24)
            # The board-wide cursor carries on, so a client's saved cursor stays meaningful.
            assert stub.PollBoard(board_pb2.PollBoardRequest(wait_ms=0)).cursor == cursor == 1 + 2  # fresh board: 1
            replay = stub.PollBoard(board_pb2.PollBoardRequest(after_cursor=2, wait_ms=0))
            assert [u.entry.version for u in replay.updates] == [2]
            assert stub.Publish(board_pb2.PublishRequest(channel="kept", image=rgba(3))).version == 3
    finally:
        second.stop()
