"""The archive and the lexicon for hosts: a history list (this document's by default), "place
again" at the original position, "reuse parameters", style pickers and the concept check.

    page = history_page(daemon, document="cat.kra")          -> HistoryPage (entries with thumbnails)
    entry = fetch_entry(daemon, entry_id)                     -> pb_archive.HistoryEntry with RGBA8 pixels
    place = placement(entry)                                  -> Placement(x, y, width, height, ...)
    request = reuse_parameters(entry)                         -> a pb.GenerateRequest to edit and submit
    archive_options(request, "krita", "cat.kra", parent_id)   -> tags a request for this document's history
    list_styles(daemon) / apply_styles(request, names)        -> the style picker
    check_concept(daemon, "teapot")                           -> pb_archive.CheckConceptResponse
    interrogate(daemon, image)                                -> a prompt for the prompt field (needs CLIP)
    history_page(daemon, meaning="a red boat") / example=image -> ranked by meaning (needs CLIP)

Thumbnails are WebP bytes (entry.thumbnail.data): Krita and Photoshop decode WebP; hosts that
cannot ask fetch_entry(..., fmt=pb.PIXEL_FORMAT_PNG) or show the prompt only.
"""

from __future__ import annotations

from dataclasses import dataclass

from .protocol import pb, pb_archive

CAPABILITY = "history"
_HISTORY = "underpaint.v1.History"
_LEXICON = "underpaint.v1.Lexicon"


@dataclass
class HistoryPage:
    entries: list        # pb_archive.HistoryEntry, newest first, with thumbnails
    next_cursor: str     # pass back for the next page; "" = no more
    total: int           # matching entries over all pages


@dataclass
class Placement:
    x: int
    y: int
    width: int
    height: int
    document_width: int  # 0 = the result was not a canvas operation (place at 0, 0)
    document_height: int


def history_page(daemon, document: str = "", host: str = "", text: str = "", tags=(), starred_only=False,
                 limit: int = 50, cursor: str = "", thumbnails: bool = True, meaning: str = "",
                 example=None, png_thumbnails: bool = False) -> HistoryPage:
    """One page of the archive. A plugin passes its document's name for "this document" and ""
    for "all documents". `meaning` (a description) or `example` (a pb.Image) rank by similarity
    instead of time when the daemon has a CLIP model (capability "meaning_search").
    `png_thumbnails`: thumbnails as PNG with their size (capability "png_thumbnails") for hosts
    that cannot decode WebP; an older daemon ignores the field and sends WebP."""
    request = pb_archive.SearchHistoryRequest(document=document, host=host, text=text, tags=list(tags),
                                              starred_only=starred_only, limit=limit, cursor=cursor,
                                              no_thumbnails=not thumbnails, meaning=meaning, example=example,
                                              thumbnail_format=pb.PIXEL_FORMAT_PNG if png_thumbnails else 0)
    reply = daemon.call(_HISTORY, "SearchHistory", request, pb_archive.SearchHistoryResponse)
    return HistoryPage(list(reply.entries), reply.next_cursor, reply.total)


def fetch_entry(daemon, entry_id: str, fmt: int = pb.PIXEL_FORMAT_RGBA8):
    """The entry with its full image (RGBA8 by default)."""
    request = pb_archive.GetHistoryEntryRequest(id=entry_id, format=fmt)
    return daemon.call(_HISTORY, "GetHistoryEntry", request, pb_archive.HistoryEntry, max(daemon.timeout, 60.0))


def placement(entry) -> Placement:
    """Where "place again" puts the image: the document position the result was made for."""
    return Placement(entry.x, entry.y, entry.width, entry.height, entry.document_width, entry.document_height)


def reuse_parameters(entry, request=None):
    """A GenerateRequest (new, or `request` updated) with the entry's prompt, model and settings.
    The seed is the one the image was made with: set -1 for a new variation."""
    p = entry.parameters
    out = request if request is not None else pb.GenerateRequest()
    out.prompt, out.negative_prompt, out.model = p.prompt, p.negative_prompt, p.model
    out.steps, out.guidance, out.seed, out.sampler = p.steps, p.guidance, p.seed, p.sampler
    out.width, out.height, out.tiling = p.width, p.height, p.tiling
    out.vae, out.clip_skip = p.vae, p.clip_skip
    del out.loras[:]
    out.loras.extend(p.loras)
    if p.strength:
        out.strength = p.strength
    return out


def archive_options(request, host: str, document: str = "", parent_id: str = "", skip: bool = False):
    """Marks a request's results for the history of `document` in `host` (and what they refine)."""
    request.archive.CopyFrom(pb.ArchiveOptions(host=host, document=document, parent_id=parent_id, skip=skip))
    return request


def set_starred(daemon, entry_id: str, starred: bool = True):
    request = pb_archive.UpdateHistoryEntryRequest(id=entry_id, starred=starred)
    return daemon.call(_HISTORY, "UpdateHistoryEntry", request, pb_archive.HistoryEntry)


def delete_entries(daemon, ids) -> int:
    request = pb_archive.DeleteHistoryEntriesRequest(ids=list(ids))
    return daemon.call(_HISTORY, "DeleteHistoryEntries", request, pb_archive.DeleteHistoryEntriesResponse).deleted


def list_styles(daemon) -> list:
    """Every lexicon style (pb_archive.Style), by name: the style picker's items."""
    return list(daemon.call(_LEXICON, "ListStyles", pb_archive.ListStylesRequest(), pb_archive.ListStylesResponse).styles)


def apply_styles(request, names):
    """Adds picked styles to a request; the daemon expands them (and refuses unknown names)."""
    for name in names:
        if name not in request.styles:
            request.styles.append(name)
    return request


def check_concept(daemon, text: str, model: str = "", neighbours: int = 10):
    """What `text` becomes in the model: tokens, whether it is one known word, nearest tokens.
    The first call may load the model (seconds to a minute)."""
    request = pb_archive.CheckConceptRequest(text=text, model=model, neighbours=neighbours)
    return daemon.call(_LEXICON, "CheckConcept", request, pb_archive.CheckConceptResponse, max(daemon.timeout, 300.0))


def interrogate(daemon, image, terms: int = 2) -> str:
    """A prompt describing `image` (a pb.Image: the layer or the selection), for the prompt field.
    Needs a CLIP model on the daemon; otherwise RequestRejected says where to put one."""
    request = pb_archive.InterrogateRequest(image=image, terms=terms)
    return daemon.call(_LEXICON, "Interrogate", request, pb_archive.InterrogateResponse, max(daemon.timeout, 120.0)).prompt
