"""BoardService called directly on an event loop: image formats, errors, subscribe, long-poll."""

import asyncio
import io
import threading

import numpy as np
import pytest
from PIL import Image as PILImage

from board_helpers import noise
from underpaint.board import BoardService, BoardStore
from underpaint.errors import InvalidArgument, NotFound
from underpaint.v1 import board_pb2
from underpaint.v1 import underpaint_pb2 as pb


@pytest.fixture
def service(tmp_path):
    return BoardService(BoardStore(tmp_path))


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 20))


def rgba_image(seed, w=32, h=32):
    return pb.Image(width=w, height=h, format=pb.PIXEL_FORMAT_RGBA8, data=noise(seed, w, h))


def publish_request(channel, seed, **meta):
    return board_pb2.PublishRequest(channel=channel, image=rgba_image(seed), meta=board_pb2.BoardMeta(**meta))


def transparent_noise(seed, w=48, h=40):
    """Noise with fully transparent pixels whose colour must survive too (straight alpha)."""
    arr = np.frombuffer(noise(seed, w, h), np.uint8).reshape(h, w, 4).copy()
    arr[: h // 2, :, 3] = 0
    return arr


def encoded(arr, fmt):
    buf = io.BytesIO()
    if fmt == "WEBP":
        PILImage.fromarray(arr).save(buf, fmt, lossless=True, exact=True)
    else:
        PILImage.fromarray(arr).save(buf, fmt)
    return buf.getvalue()


def decoded(image):
    return np.asarray(PILImage.open(io.BytesIO(image.data)).convert("RGBA"))


@pytest.mark.parametrize("fmt, enum", [("PNG", pb.PIXEL_FORMAT_PNG), ("WEBP", pb.PIXEL_FORMAT_WEBP)])
def test_encoded_in_rgba_out_equal(service, fmt, enum):
    arr = transparent_noise(3)
    image = pb.Image(format=enum, data=encoded(arr, fmt))  # width/height may be left out
    entry = run(service.publish(board_pb2.PublishRequest(channel="in", image=image)))
    assert (entry.width, entry.height) == (48, 40)
    got = run(service.fetch(board_pb2.FetchRequest(channel="in")))
    assert got.image.format == pb.PIXEL_FORMAT_RGBA8
    assert (got.image.width, got.image.height) == (48, 40)
    assert got.image.data == arr.tobytes()


@pytest.mark.parametrize("enum", [pb.PIXEL_FORMAT_PNG, pb.PIXEL_FORMAT_WEBP])
def test_fetch_encoded_is_lossless(service, enum):
    arr = transparent_noise(4)
    run(service.publish(board_pb2.PublishRequest(channel="out", image=pb.Image(
        width=48, height=40, format=pb.PIXEL_FORMAT_RGBA8, data=arr.tobytes()))))
    got = run(service.fetch(board_pb2.FetchRequest(channel="out", format=enum)))
    assert got.image.format == enum and (got.image.width, got.image.height) == (48, 40)
    assert np.array_equal(decoded(got.image), arr)


def test_gray_and_rgb_inputs_become_opaque_rgba(service):
    gray = np.arange(16 * 8, dtype=np.uint8).reshape(8, 16)
    run(service.publish(board_pb2.PublishRequest(channel="g", image=pb.Image(
        width=16, height=8, format=pb.PIXEL_FORMAT_GRAY8, data=gray.tobytes()))))
    out = np.frombuffer(run(service.fetch(board_pb2.FetchRequest(channel="g"))).image.data, np.uint8)
    out = out.reshape(8, 16, 4)
    assert np.array_equal(out[:, :, 0], gray) and np.array_equal(out[:, :, 2], gray)
    assert (out[:, :, 3] == 255).all()

    rgb = np.frombuffer(noise(5, 16, 8), np.uint8).reshape(8, 16, 4)[:, :, :3].copy()
    run(service.publish(board_pb2.PublishRequest(channel="c", image=pb.Image(
        width=16, height=8, format=pb.PIXEL_FORMAT_RGB8, data=rgb.tobytes()))))
    out = np.frombuffer(run(service.fetch(board_pb2.FetchRequest(channel="c"))).image.data, np.uint8)
    assert np.array_equal(out.reshape(8, 16, 4)[:, :, :3], rgb)


def test_publish_list_delete_round_trip(service):
    first = run(service.publish(publish_request("krita/doc", 1, source_app="krita", layer="bg")))
    second = run(service.publish(publish_request("krita/doc", 2, source_app="krita")))
    run(service.publish(publish_request("other", 1)))
    assert (first.version, second.version) == (1, 2)
    assert not first.HasField("image")  # publish answers with the entry only

    listing = run(service.list(board_pb2.ListChannelsRequest()))
    assert [c.name for c in listing.channels] == ["krita/doc", "other"]
    assert list(listing.channels[0].versions) == [1, 2]
    assert not listing.channels[0].latest.HasField("image")
    assert listing.bytes_used > 0 and listing.bytes_budget == 2 * 1024**3
    # Identical pixels on two channels are counted once.
    assert listing.bytes_used == service.store.bytes_used and service.store.blob_count() == 2

    old = run(service.fetch(board_pb2.FetchRequest(channel="krita/doc", version=1)))
    assert old.meta.layer == "bg" and old.image.data == noise(1)

    deleted = run(service.delete(board_pb2.DeleteChannelRequest(channel="krita/doc")))
    assert deleted.versions_deleted == 2
    assert [c.name for c in run(service.list(board_pb2.ListChannelsRequest())).channels] == ["other"]


def test_errors_name_the_field(service):
    cases = [
        (service.publish(board_pb2.PublishRequest(channel="bad name", image=rgba_image(1))), "channel"),
        (service.publish(board_pb2.PublishRequest(channel="a")), "image"),
        (service.publish(board_pb2.PublishRequest(channel="a", image=pb.Image(
            width=4, height=4, format=pb.PIXEL_FORMAT_RGBA8, data=b"short"))), "image.data"),
        (service.publish(board_pb2.PublishRequest(channel="a", image=pb.Image(
            format=pb.PIXEL_FORMAT_PNG, data=b"not a png"))), "image.data"),
        (service.fetch(board_pb2.FetchRequest(channel="a/../b")), "channel"),
        (service.fetch(board_pb2.FetchRequest(channel="a", format=pb.PIXEL_FORMAT_GRAY8)), "format"),
        (service.delete(board_pb2.DeleteChannelRequest(channel="")), "channel"),
        (service.poll_board(board_pb2.PollBoardRequest(wait_ms=-1)), "wait_ms"),
        (service.poll_board(board_pb2.PollBoardRequest(after_cursor=-3)), "after_cursor"),
        (service.poll_board(board_pb2.PollBoardRequest(channels=["ok", "/no"])), "channels[1]"),
    ]
    for coro, field in cases:
        with pytest.raises(InvalidArgument) as err:
            run(coro)
        assert err.value.field == field, (field, err.value)
    with pytest.raises(NotFound, match="'nothing' does not exist"):
        run(service.fetch(board_pb2.FetchRequest(channel="nothing")))


def test_oversize_images_are_refused_with_the_limit(service):
    huge = pb.Image(width=8193, height=8192, format=pb.PIXEL_FORMAT_RGBA8, data=b"")
    with pytest.raises(InvalidArgument, match=f"over the limit of {8192 * 8192} pixels") as err:
        run(service.publish(board_pb2.PublishRequest(channel="a", image=huge)))
    assert err.value.field == "image"


def test_oversize_png_is_refused(tmp_path):
    service = BoardService(BoardStore(tmp_path, max_pixels=64 * 64))
    png = encoded(np.zeros((65, 64, 4), np.uint8), "PNG")
    with pytest.raises(InvalidArgument, match="64x65 is over the limit of 4096 pixels"):
        run(service.publish(board_pb2.PublishRequest(channel="a", image=pb.Image(
            format=pb.PIXEL_FORMAT_PNG, data=png))))


def test_concurrent_publish_tasks_keep_every_version(service):
    async def main():
        return await asyncio.gather(*(service.publish(publish_request("busy", i)) for i in range(12)))

    entries = run(main())
    assert sorted(e.version for e in entries) == list(range(1, 13))
    listing = run(service.list(board_pb2.ListChannelsRequest()))
    assert list(listing.channels[0].versions) == list(range(1, 13))


def test_subscribers_get_every_update_in_order(service):
    """Publishes from concurrent tasks and from a foreign thread all reach both subscribers."""
    store = service.store
    run(service.publish(publish_request("before", 0)))  # not seen: subscribers start after it

    async def collect(request, count):
        got = []
        async for update in service.subscribe(request):
            got.append(update)
            if len(got) == count:
                return got

    async def main():
        start = store.cursor
        everything = asyncio.create_task(collect(board_pb2.SubscribeRequest(after_cursor=start), 10))
        only_b = asyncio.create_task(collect(board_pb2.SubscribeRequest(channels=["b"], after_cursor=start), 4))
        await asyncio.gather(*(service.publish(publish_request("a", i)) for i in range(3)))
        await asyncio.sleep(0.05)  # let subscribers reach their wait
        thread = threading.Thread(target=lambda: store.publish("b", 32, 32, noise(50)))
        thread.start()
        await asyncio.to_thread(thread.join)
        await asyncio.gather(*(service.publish(publish_request(ch, 10 + i))
                               for i, ch in enumerate("abab")))
        await service.delete(board_pb2.DeleteChannelRequest(channel="b"))
        await service.publish(publish_request("a", 99))
        return await everything, await only_b

    everything, only_b = run(main())
    cursors = [u.cursor for u in everything]
    assert cursors == sorted(cursors) and len(set(cursors)) == 10
    assert cursors == [u.cursor for u in store.updates_after(cursors[0] - 1)[0]]
    assert "before" not in {u.entry.channel for u in everything}
    assert [u.entry.version for u in everything if u.entry.channel == "a" and not u.deleted] == [1, 2, 3, 4, 5, 6]
    assert [(u.entry.channel, u.entry.version, u.deleted) for u in only_b] == [
        ("b", 1, False), ("b", 2, False), ("b", 3, False), ("b", 3, True)]
    assert not any(u.entry.HasField("image") for u in everything)


def test_subscribe_from_zero_sees_only_new_updates(service):
    run(service.publish(publish_request("a", 1)))

    async def main():
        stream = service.subscribe(board_pb2.SubscribeRequest())
        first = asyncio.ensure_future(stream.__anext__())
        await asyncio.sleep(0.05)
        assert not first.done()  # waiting, not replaying the old publish
        await service.publish(publish_request("a", 2))
        update = await first
        await stream.aclose()
        return update

    update = run(main())
    assert (update.entry.channel, update.entry.version) == ("a", 2)


def test_poll_board_waits_for_the_next_update(service):
    async def main():
        poll = asyncio.create_task(service.poll_board(board_pb2.PollBoardRequest(wait_ms=10_000)))
        for _ in range(5):
            await asyncio.sleep(0)  # let the poll read the (empty) board and go to sleep
        pending_before_publish = not poll.done()
        await service.publish(publish_request("p", 1))
        return pending_before_publish, await poll

    pending_before_publish, reply = run(main())
    assert pending_before_publish  # it waited instead of answering "nothing new" at once
    assert [(u.entry.channel, u.entry.version) for u in reply.updates] == [("p", 1)]
    assert reply.cursor == reply.updates[-1].cursor


def test_poll_board_resumes_and_times_out(service):
    for i in range(3):
        run(service.publish(publish_request("a" if i != 1 else "b", i)))
    reply = run(service.poll_board(board_pb2.PollBoardRequest(after_cursor=2)))
    assert [u.cursor for u in reply.updates] == [3, 4] and reply.cursor == 4
    # Updates for other channels advance the cursor without being returned.
    reply = run(service.poll_board(board_pb2.PollBoardRequest(channels=["b"], after_cursor=3, wait_ms=0)))
    assert reply.updates == [] and reply.cursor == 4

    async def quiet_poll():
        poll = asyncio.create_task(service.poll_board(board_pb2.PollBoardRequest(after_cursor=4, wait_ms=150)))
        for _ in range(5):
            await asyncio.sleep(0)
        return not poll.done(), await poll

    was_waiting, reply = run(quiet_poll())
    assert was_waiting  # a quiet board is waited on, then answered empty when wait_ms runs out
    assert reply.updates == [] and reply.cursor == 4


def test_big_publish_does_not_stall_the_loop(service, monkeypatch):
    """While a publish writes its blob, other requests on the loop are answered.

    The store's write is held on a gate that only a coroutine on the loop opens: if the publish
    ran on the loop, that coroutine could never run and the gate would time out.
    """
    gate, opened_by_the_loop = threading.Event(), []
    real_publish = service.store.publish

    def gated_publish(*args, **kwargs):
        opened_by_the_loop.append(gate.wait(timeout=15))
        return real_publish(*args, **kwargs)

    monkeypatch.setattr(service.store, "publish", gated_publish)

    async def main():
        publish = asyncio.create_task(service.publish(board_pb2.PublishRequest(channel="big", image=pb.Image(
            width=512, height=512, format=pb.PIXEL_FORMAT_RGBA8, data=noise(1, 512, 512)))))
        listing = await service.list(board_pb2.ListChannelsRequest())  # answered mid-publish
        publish_done_before_list = publish.done()
        gate.set()
        entry = await publish
        return listing, publish_done_before_list, entry

    listing, publish_done_before_list, entry = run(main())
    assert opened_by_the_loop == [True]
    assert not publish_done_before_list and [c.name for c in listing.channels] == []
    assert (entry.channel, entry.version, entry.width) == ("big", 1, 512)


def test_polling_an_empty_board_misses_nothing_published_next(service):
    # "0 = from now on" must not collide with the cursor of an empty board.
    first = run(service.poll_board(board_pb2.PollBoardRequest(wait_ms=0)))
    run(service.publish(publish_request("fresh", 1)))
    reply = run(service.poll_board(board_pb2.PollBoardRequest(after_cursor=first.cursor, wait_ms=0)))
    assert [(u.entry.channel, u.entry.version) for u in reply.updates] == [("fresh", 1)]
