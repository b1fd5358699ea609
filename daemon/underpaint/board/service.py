"""The Board service: protobuf in, protobuf out, on the daemon's event loop.

Disk work and image coding run in threads (asyncio.to_thread) so a big publish never stalls
other clients. Subscribers and long-pollers sleep on an asyncio.Event that the store's change
listener sets, whichever thread the change came from: no polling loops.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

from PIL import Image as PILImage

from .. import images
from ..errors import InvalidArgument
from ..v1 import board_pb2
from ..v1 import underpaint_pb2 as pb
from .store import BoardStore, check_channel

MAX_WAIT_MS = 30_000
_OUTPUT_FORMATS = (pb.PIXEL_FORMAT_UNSPECIFIED, pb.PIXEL_FORMAT_RGBA8, pb.PIXEL_FORMAT_PNG,
                   pb.PIXEL_FORMAT_WEBP)


class BoardService:
    def __init__(self, store: BoardStore):
        self.store = store
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed: asyncio.Event | None = None
        store.add_listener(self._on_store_change)

    # `ctx` is accepted and ignored so the methods also fit Connect's (request, ctx) signature.

    async def publish(self, request: board_pb2.PublishRequest, ctx=None) -> board_pb2.BoardEntry:
        check_channel(request.channel)
        if not request.HasField("image"):
            raise InvalidArgument("image", "is required")
        return await asyncio.to_thread(self._publish, request)

    async def fetch(self, request: board_pb2.FetchRequest, ctx=None) -> board_pb2.BoardEntry:
        check_channel(request.channel)
        if request.format not in _OUTPUT_FORMATS:
            raise InvalidArgument("format", f"{_format_name(request.format)} is not offered here: "
                                            "use RGBA8, PNG or WEBP")
        return await asyncio.to_thread(self._fetch, request)

    async def list(self, request: board_pb2.ListChannelsRequest, ctx=None) -> board_pb2.ListChannelsResponse:
        channels = await asyncio.to_thread(self.store.list)
        return board_pb2.ListChannelsResponse(channels=channels, bytes_used=self.store.bytes_used,
                                              bytes_budget=self.store.budget_bytes)

    async def delete(self, request: board_pb2.DeleteChannelRequest, ctx=None) -> board_pb2.DeleteChannelResponse:
        check_channel(request.channel)
        count = await asyncio.to_thread(self.store.delete, request.channel)
        return board_pb2.DeleteChannelResponse(versions_deleted=count)

    async def subscribe(self, request: board_pb2.SubscribeRequest, ctx=None) -> AsyncIterator[board_pb2.BoardUpdate]:
        channels = _channel_filter(request.channels)
        cursor = self._start_cursor(request.after_cursor)
        while True:
            changed = self._event()  # taken before reading, so no change slips in between
            updates, cursor = self.store.updates_after(cursor, channels)
            for update in updates:
                yield update
            if not updates:
                await changed.wait()

    async def poll_board(self, request: board_pb2.PollBoardRequest, ctx=None) -> board_pb2.PollBoardResponse:
        channels = _channel_filter(request.channels)
        if request.wait_ms < 0:
            raise InvalidArgument("wait_ms", f"must be 0 or more (milliseconds), got {request.wait_ms}")
        cursor = self._start_cursor(request.after_cursor)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(request.wait_ms, MAX_WAIT_MS) / 1000
        while True:
            changed = self._event()
            updates, cursor = self.store.updates_after(cursor, channels)
            remaining = deadline - loop.time()
            if updates or remaining <= 0:
                return board_pb2.PollBoardResponse(updates=updates, cursor=cursor)
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    # -- internals ----------------------------------------------------------------------------

    def _publish(self, request: board_pb2.PublishRequest) -> board_pb2.BoardEntry:
        rgba = images.decode(request.image, "image", 4, self.store.max_pixels)
        height, width = rgba.shape[:2]
        return self.store.publish(request.channel, width, height, rgba.tobytes(), request.meta)

    def _fetch(self, request: board_pb2.FetchRequest) -> board_pb2.BoardEntry:
        entry, rgba = self.store.fetch(request.channel, request.version)
        entry.image.CopyFrom(encode(entry.width, entry.height, rgba, request.format))
        return entry

    def _start_cursor(self, after_cursor: int) -> int:
        if after_cursor < 0:
            raise InvalidArgument("after_cursor", f"must be 0 (from now on) or a cursor, got {after_cursor}")
        return after_cursor or self.store.cursor

    def _event(self) -> asyncio.Event:
        loop = asyncio.get_running_loop()
        if loop is not self._loop or self._changed is None:  # an Event belongs to one loop
            self._loop, self._changed = loop, asyncio.Event()
        return self._changed

    def _wake(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = asyncio.Event()

    def _on_store_change(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return  # nobody has waited yet
        try:
            on_loop = asyncio.get_running_loop() is loop
        except RuntimeError:
            on_loop = False
        if on_loop:
            self._wake()
        else:
            try:
                loop.call_soon_threadsafe(self._wake)
            except RuntimeError:  # the loop closed meanwhile: nobody is left to wake
                pass


def _channel_filter(channels) -> list[str]:
    return [check_channel(name, f"channels[{i}]") for i, name in enumerate(channels)]


def _format_name(fmt: int) -> str:
    return pb.PixelFormat.Name(fmt) if fmt in pb.PixelFormat.values() else str(fmt)


def encode(width: int, height: int, rgba: bytes, fmt: int) -> pb.Image:
    """RGBA8 pixels -> Image in `fmt`, losslessly (WebP keeps the colour of transparent pixels)."""
    if fmt in (pb.PIXEL_FORMAT_PNG, pb.PIXEL_FORMAT_WEBP):
        pil = PILImage.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1)
        buf = io.BytesIO()
        if fmt == pb.PIXEL_FORMAT_WEBP:
            pil.save(buf, "WEBP", lossless=True, exact=True)
        else:
            pil.save(buf, "PNG", compress_level=1)
        return pb.Image(width=width, height=height, format=fmt, data=buf.getvalue())
    return pb.Image(width=width, height=height, format=pb.PIXEL_FORMAT_RGBA8, data=rgba)
