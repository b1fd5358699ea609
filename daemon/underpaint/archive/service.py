"""The History and Lexicon services: protobuf in, protobuf out; disk work in threads."""

from __future__ import annotations

import asyncio
import io
import os

from ..board.service import encode
from ..errors import InvalidArgument, NotFound
from ..v1 import archive_pb2 as apb
from ..v1 import underpaint_pb2 as pb
from . import styles_io
from .lexicon import Lexicon
from .png_files import parameters_of, read_image, to_png
from .recorder import Recorder, thumbnail
from .store import MAX_TEXT, ArchiveStore, NewEntry

MAX_IMPORT_PIXELS = 8192 * 8192
_FORMATS = (pb.PIXEL_FORMAT_UNSPECIFIED, pb.PIXEL_FORMAT_RGBA8, pb.PIXEL_FORMAT_PNG, pb.PIXEL_FORMAT_WEBP)
_THUMBNAIL_FORMATS = (pb.PIXEL_FORMAT_UNSPECIFIED, pb.PIXEL_FORMAT_WEBP, pb.PIXEL_FORMAT_PNG)


def _thumbnails_to_png(entries) -> None:
    """Stored WebP thumbnails (<= 256 px) re-encoded as PNG, with their size filled in."""
    from PIL import Image as PILImage

    for entry in entries:
        if not entry.thumbnail.data:
            continue
        with PILImage.open(io.BytesIO(entry.thumbnail.data)) as pil:
            pil = pil.convert("RGBA")
            out = io.BytesIO()
            pil.save(out, "PNG", compress_level=1)
        entry.thumbnail.CopyFrom(pb.Image(format=pb.PIXEL_FORMAT_PNG, width=pil.width, height=pil.height,
                                          data=out.getvalue()))


class ArchiveHooks:
    """What the generation service needs from the archive: the recorder for the worker, and
    `prepare`, which checks ArchiveOptions and expands styles before a job is queued."""

    def __init__(self, store: ArchiveStore, lexicon: Lexicon, record: bool = True, meaning=None):
        self.store = store
        self.lexicon = lexicon
        self.meaning = meaning  # archive.meaning.MeaningIndex, or None
        self.recorder = Recorder(store, enabled=record, on_archived=meaning.notify if meaning else None)

    def prepare(self, request: pb.GenerateRequest) -> pb.GenerateRequest:
        options = request.archive
        for name in ("host", "document", "parent_id"):
            if len(getattr(options, name)) > MAX_TEXT:
                raise InvalidArgument(f"archive.{name}", f"is longer than {MAX_TEXT} characters")
        if options.parent_id:
            try:
                self.store.get_meta(options.parent_id)
            except NotFound:
                raise InvalidArgument("archive.parent_id", f"{options.parent_id!r} is no archive entry "
                                                           "(deleted or evicted?)") from None
        return self.lexicon.expand(request)


class HistoryService:
    def __init__(self, store: ArchiveStore, sampler_names: dict[str, str], meaning=None):
        self.store = store
        self._sampler_ids = {name: sid for sid, name in sampler_names.items()}
        self._meaning = meaning  # archive.meaning.MeaningIndex, or None

    async def search_history(self, request: apb.SearchHistoryRequest, ctx=None) -> apb.SearchHistoryResponse:
        if request.thumbnail_format not in _THUMBNAIL_FORMATS:
            raise InvalidArgument("thumbnail_format", "use WEBP (the default) or PNG")
        if request.meaning or request.HasField("example"):
            entries, cursor, total = await asyncio.to_thread(self._search_by_meaning, request)
        else:
            entries, cursor, total = await asyncio.to_thread(self.store.search, request, not request.no_thumbnails)
        if request.thumbnail_format == pb.PIXEL_FORMAT_PNG:
            await asyncio.to_thread(_thumbnails_to_png, entries)
        return apb.SearchHistoryResponse(entries=entries, next_cursor=cursor, total=total,
                                         bytes_used=self.store.bytes_used, bytes_budget=self.store.budget_bytes)

    def _search_by_meaning(self, request: apb.SearchHistoryRequest):
        """Ranked by similarity; the cursor is "m" + how many entries earlier pages held."""
        if request.meaning and request.HasField("example"):
            raise InvalidArgument("example", "give meaning or example, not both")
        if request.cursor and not (request.cursor[:1] == "m" and request.cursor[1:].isdigit()):
            raise InvalidArgument("cursor", f"{request.cursor!r} is not a cursor from next_cursor")
        if self._meaning is None:
            raise InvalidArgument("meaning", "this daemon has no search by meaning")
        clip = self._meaning.clip
        if request.meaning:
            query = clip.embed_texts([request.meaning[:1000]])[0]
        else:
            from .. import images
            query = clip.embed_images([images.decode(request.example, "example", 4, MAX_IMPORT_PIXELS)])[0]
        ranked = self._meaning.rank(query, self.store.matching_numbers(request))
        offset = int(request.cursor[1:]) if request.cursor else 0
        limit = request.limit or 50
        page = ranked[offset:offset + limit]
        entries = self.store.entries_by_number([n for n, _ in page], not request.no_thumbnails)
        for entry, (_, score) in zip(entries, page):
            entry.similarity = score
        more = offset + limit < len(ranked)
        return entries, f"m{offset + limit}" if more else "", len(ranked)

    async def get_history_entry(self, request: apb.GetHistoryEntryRequest, ctx=None) -> apb.HistoryEntry:
        if request.format not in _FORMATS:
            raise InvalidArgument("format", "use RGBA8, PNG or WEBP")
        return await asyncio.to_thread(self._get, request)

    async def delete_history_entries(self, request: apb.DeleteHistoryEntriesRequest, ctx=None):
        if not request.ids:
            raise InvalidArgument("ids", "name at least one entry")
        return apb.DeleteHistoryEntriesResponse(deleted=await asyncio.to_thread(self.store.delete, list(request.ids)))

    async def update_history_entry(self, request: apb.UpdateHistoryEntryRequest, ctx=None) -> apb.HistoryEntry:
        starred = request.starred if request.HasField("starred") else None
        return await asyncio.to_thread(self.store.update, request.id, starred, list(request.add_tags),
                                       list(request.remove_tags))

    async def import_history_image(self, request: apb.ImportHistoryImageRequest, ctx=None) -> apb.HistoryEntry:
        if not request.image.data:
            raise InvalidArgument("image", "is required")
        return await asyncio.to_thread(self._import, request)

    def _get(self, request: apb.GetHistoryEntryRequest) -> apb.HistoryEntry:
        entry, rgba = self.store.get(request.id)
        if request.format == pb.PIXEL_FORMAT_PNG:
            entry.image.CopyFrom(pb.Image(width=entry.width, height=entry.height, format=pb.PIXEL_FORMAT_PNG,
                                          data=to_png(rgba, entry.width, entry.height, entry.parameters)))
        else:
            entry.image.CopyFrom(encode(entry.width, entry.height, rgba, request.format))
        return entry

    def _import(self, request: apb.ImportHistoryImageRequest) -> apb.HistoryEntry:
        if request.image.format in (pb.PIXEL_FORMAT_PNG, pb.PIXEL_FORMAT_WEBP) or not request.image.width:
            rgba, pil = read_image(request.image.data, MAX_IMPORT_PIXELS)
            params = parameters_of(pil, self._sampler_ids)
        else:
            from .. import images
            rgba = images.decode(request.image, "image", 4, MAX_IMPORT_PIXELS)
            params = pb.GenerationParameters()
        h, w = rgba.shape[:2]
        entry = NewEntry(parameters=params, host=request.host or "import",
                         document=os.path.basename(request.file_name), source="imported",
                         tags=list(request.tags))
        entry_id = self.store.add(w, h, rgba.tobytes(), entry, thumbnail(rgba))
        if self._meaning is not None:
            self._meaning.notify()
        return self.store.get_meta(entry_id)


class LexiconService:
    def __init__(self, lexicon: Lexicon, concepts=None, meaning=None, interrogator=None):
        self.lexicon = lexicon
        self._concepts = concepts  # archive.concepts.ConceptChecker, or None
        self._meaning = meaning  # archive.meaning.MeaningIndex: the concept check's image matches
        self._interrogator = interrogator

    async def list_styles(self, request: apb.ListStylesRequest, ctx=None) -> apb.ListStylesResponse:
        return apb.ListStylesResponse(styles=await asyncio.to_thread(self.lexicon.list))

    async def put_style(self, request: apb.Style, ctx=None) -> apb.Style:
        await asyncio.to_thread(self.lexicon.put, request)
        return await asyncio.to_thread(self.lexicon.get, request.name)

    async def delete_style(self, request: apb.DeleteStyleRequest, ctx=None) -> apb.DeleteStyleResponse:
        await asyncio.to_thread(self.lexicon.delete, request.name)
        return apb.DeleteStyleResponse()

    async def import_styles(self, request: apb.ImportStylesRequest, ctx=None) -> apb.ImportStylesResponse:
        styles = styles_io.parse(request.text, request.format)

        def store():
            skipped = [s.name for s in styles if not self.lexicon.put(s, replace=request.replace)]
            return apb.ImportStylesResponse(imported=len(styles) - len(skipped), skipped=skipped)
        return await asyncio.to_thread(store)

    async def export_styles(self, request: apb.ExportStylesRequest, ctx=None) -> apb.ExportStylesResponse:
        styles = await asyncio.to_thread(self.lexicon.list)
        return apb.ExportStylesResponse(text=styles_io.export(styles, request.format))

    async def check_concept(self, request: apb.CheckConceptRequest, ctx=None) -> apb.CheckConceptResponse:
        if self._concepts is None:
            raise NotFound("concept check needs a model; none is loaded")
        response = await asyncio.to_thread(self._concepts.check, request)
        if self._meaning is not None and self._meaning.clip.available:
            response.archive_ids.extend(await asyncio.to_thread(self._closest_images, request.text.strip()))
        return response

    def _closest_images(self, text: str, count: int = 8) -> list[str]:
        store = self._meaning.store
        ranked = self._meaning.rank(self._meaning.clip.embed_texts([text])[0],
                                    store.matching_numbers(apb.SearchHistoryRequest()))[:count]
        return [e.id for e in store.entries_by_number([n for n, _ in ranked], thumbnails=False)]

    async def interrogate(self, request: apb.InterrogateRequest, ctx=None) -> apb.InterrogateResponse:
        if not request.HasField("image"):
            raise InvalidArgument("image", "is required")
        if self._interrogator is None:
            raise InvalidArgument("image", "this daemon cannot interrogate")

        def run():
            from .. import images
            rgba = images.decode(request.image, "image", 4, MAX_IMPORT_PIXELS)
            return self._interrogator.interrogate(rgba, request.terms)
        return await asyncio.to_thread(run)
