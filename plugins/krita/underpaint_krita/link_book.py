"""Live links between layers and board channels: who follows what, the layer-name indicator,
and where a new version lands. Plain Python (no Krita, no Qt): tested in plain pytest.

A link belongs to one document and names its layer by the layer's unique id, so renaming or
moving the layer keeps the link; the Krita objects stay opaque here.
"""

import json
import re
from dataclasses import dataclass

# The indicator: "sketch ⇄ krita/sketch". Channel names cannot contain it (see board.md).
LINK_MARK = " ⇄ "
_CHANNEL_RE = re.compile(r"[A-Za-z0-9._/-]{1,64}")


def check_channel(name):
    """The channel name, stripped; ValueError naming the field when the board would refuse it.

    Checked here (the rule of docs/board.md) so a bad name is refused at the click, not later
    inside the background loop.
    """
    name = (name or "").strip()
    if not name:
        raise ValueError("channel: enter or pick a channel to follow")
    if not _CHANNEL_RE.fullmatch(name):
        raise ValueError("channel: %r is not a channel name: use 1-64 characters from letters, "
                         "digits, '.', '_', '-', '/'" % name)
    if name.startswith("/") or name.endswith("/"):
        raise ValueError("channel: %r: a channel name may not start or end with '/'" % name)
    if ".." in name:
        raise ValueError("channel: %r: a channel name may not contain '..'" % name)
    return name


def encode_links(links):
    """A document's links as bytes to keep in the document file (layer ids, channels, versions)."""
    return json.dumps([{"layer": link.node_id, "channel": link.channel, "version": link.version}
                       for link in links]).encode("utf-8")


def decode_links(data):
    """[(layer id, channel, version)] from encode_links' bytes; what is unreadable is skipped
    (the file may come from another version of the plugin, or be damaged)."""
    try:
        items = json.loads(bytes(data).decode("utf-8"))
    except ValueError:
        return []
    found = []
    for item in items if isinstance(items, list) else []:
        try:
            layer, channel, version = str(item["layer"]), check_channel(item["channel"]), int(item.get("version", 0))
        except (TypeError, KeyError, ValueError):
            continue
        found.append((layer, channel, max(version, 0)))
    return found


def unlinked_name(name):
    """The layer name without a link indicator."""
    index = name.rfind(LINK_MARK)
    return name[:index] if index >= 0 else name


def linked_name(name, channel):
    """The layer name with the indicator for `channel` (replacing any earlier one)."""
    return unlinked_name(name) + LINK_MARK + channel


def placement(meta, document_size, current_position):
    """Where a new version goes: where it sat in its source when that document had this
    document's size (a round trip through another app), else where the layer is now."""
    source_size = (meta.document_width, meta.document_height)
    if source_size[0] > 0 and source_size[1] > 0 and source_size == tuple(document_size):
        return meta.x, meta.y
    return tuple(current_position)


@dataclass
class Link:
    id: int
    document: object  # the host's document object (compared with ==)
    node_id: str  # the layer's unique id
    layer: str  # the layer's name without the indicator, for the link list
    channel: str
    version: int = 0  # the channel version the layer shows; 0 = none from the board yet
    state: str = "waiting"  # waiting | ok | error
    message: str = ""

    def describe(self):
        shown = "v%d" % self.version if self.version else "no version yet"
        text = "%s%s%s · %s" % (self.layer, LINK_MARK, self.channel, shown)
        return text + (" — " + self.message if self.message else "")


class LinkBook:
    """The links of every open document. Used on the UI thread only."""

    def __init__(self):
        self._links = []
        self._next_id = 1

    def add(self, document, node_id, layer, channel, version=0):
        """Link a layer to a channel (a layer follows one channel: an older link is replaced)."""
        self._links = [link for link in self._links if not self._is_layer(link, document, node_id)]
        link = Link(self._next_id, document, node_id, unlinked_name(layer), channel, version)
        self._next_id += 1
        self._links.append(link)
        return link

    def remove(self, link_id):
        """Remove a link; returns it, or None when there was none with that id."""
        for link in self._links:
            if link.id == link_id:
                self._links.remove(link)
                return link
        return None

    def get(self, link_id):
        return next((link for link in self._links if link.id == link_id), None)

    def for_layer(self, document, node_id):
        return next((link for link in self._links if self._is_layer(link, document, node_id)), None)

    def behind(self, channel, version):
        """The links of `channel` that show an older version than `version`."""
        return [link for link in self._links if link.channel == channel and link.version < version]

    def links(self, document=None):
        """Every link, or those of one document."""
        return [link for link in self._links if document is None or link.document == document]

    def following(self):
        """{channel: the oldest version a link of it shows}: what the board loop must follow."""
        channels = {}
        for link in self._links:
            channels[link.channel] = min(channels.get(link.channel, link.version), link.version)
        return channels

    @staticmethod
    def _is_layer(link, document, node_id):
        return link.node_id == node_id and link.document == document
