"""Live links on the UI thread: a paint layer follows a board channel and is repainted whenever
a new version is published there.

The board loop (board_follower.py) runs on its own thread; everything it finds hops here through
Qt signals, and only here are layers touched (through document.py). The links themselves are
plain data (link_book.py), kept per document and saved in it (a Krita annotation in the .kra),
so a document opened again follows its channels again.
"""

import threading

from . import document, link_book, planning
from .board_follower import BoardFollower
from .qt import QObject, QTimer, is_deleted, pyqtSignal

PLACED_LAYER_NAME = "board"
NOTE_KIND = "underpaint_live_links"
NOTE_DESCRIPTION = "Underpaint live links: layers that follow board channels"


class LiveLinks(QObject):
    links_changed = pyqtSignal()  # a link was added, removed, or changed state
    status_changed = pyqtSignal(str, str)  # "off" | "connecting" | "ok" | "retrying", message
    message = pyqtSignal(str)  # what a click did, or why it did nothing
    layer_updated = pyqtSignal(int, int)  # link id, the version its layer shows now

    # Worker-thread -> UI-thread hops.
    _arrived = pyqtSignal(object)  # pb_board.BoardEntry with its image
    _follower_status = pyqtSignal(str, str)
    _latest_known = pyqtSignal(object, str, str, int)  # document, layer id, channel, latest version
    _fetched = pyqtSignal(object, object)  # document, pb_board.BoardEntry
    _failed = pyqtSignal(str)

    def __init__(self, connection, parent=None):
        super().__init__(parent)
        self.connection = connection
        self.book = link_book.LinkBook()
        self.state, self.status_text = "off", "No live links."
        self._closing = False
        self.follower = BoardFollower(connection, self._hop_entry, self._hop_status)
        self._arrived.connect(self._apply)
        self._follower_status.connect(self._set_status)
        self._latest_known.connect(self._link_layer)
        self._fetched.connect(self._place_linked)
        self._failed.connect(self.message)

    # --- actions (UI thread) --------------------------------------------------------------------

    def follow_layer(self, doc, channel, node=None):
        """Link the active paint layer (or `node`) to `channel`: from now on each new version
        replaces its pixels. Answers with `message`; False when refused at once."""
        try:
            channel = link_book.check_channel(channel)
            if doc is None:
                raise ValueError("Open or create a document first.")
            node = document.paint_layer(doc, node)
        except (ValueError, document.DocumentError) as error:
            self.message.emit(str(error))
            return False
        layer_id = document.node_id(node)

        def work(daemon):
            latest = max((max(c.versions) for c in daemon.list_channels() if c.name == channel and c.versions), default=0)
            self._latest_known.emit(doc, layer_id, channel, latest)

        self._in_background(work)
        return True

    def place_linked(self, doc, channel):
        """Add the channel's latest version as a new layer that follows the channel."""
        try:
            channel = link_book.check_channel(channel)
            if doc is None:
                raise ValueError("Open or create a document first.")
        except ValueError as error:
            self.message.emit(str(error))
            return False
        self._in_background(lambda daemon: self._fetched.emit(doc, daemon.fetch(channel)))
        return True

    def watch_documents(self):
        """Resume the links saved in every open document and in each one opened later."""
        self._adopt_open_documents()
        document.on_document_opened(self._on_document_opened)

    def _on_document_opened(self, _doc):
        # Krita announces a document while still loading it, with an object that does not match
        # its entry in the list of open documents: look at that list once the load is done.
        QTimer.singleShot(0, self._adopt_open_documents)

    def _adopt_open_documents(self):
        if self._gone():
            return
        for doc in document.open_documents():
            self.adopt(doc)

    def adopt(self, doc):
        """Resume the links saved in `doc` (its layers still there); returns how many."""
        if self._closing or self._gone() or not document.is_open(doc):
            return 0
        adopted = 0
        for layer_id, channel, version in link_book.decode_links(document.read_note(doc, NOTE_KIND)):
            node = document.find_node(doc, layer_id)
            if node is not None and self.book.for_layer(doc, layer_id) is None:
                self.book.add(doc, layer_id, document.layer_name(node), channel, version)
                adopted += 1
        if adopted:
            self._links_edited()
        return adopted

    def unlink(self, link_id):
        """End a link and take the indicator off its layer (the pixels stay as they are)."""
        link = self.book.remove(link_id)
        if link is None:
            return False
        node = self._node(link)
        if node is not None:
            document.rename_layer(node, link_book.unlinked_name(document.layer_name(node)))
        self._save(link.document)
        self._links_edited()
        self.message.emit("\"%s\" no longer follows %s." % (link.layer, link.channel))
        return True

    def unlink_active_layer(self, doc):
        node = doc.activeNode() if doc is not None else None
        link = self.book.for_layer(doc, document.node_id(node)) if node is not None else None
        if link is None:
            self.message.emit("Unlink: the active layer follows no channel; pick a link in the list.")
            return False
        return self.unlink(link.id)

    def links(self):
        """The current links, after dropping those whose document or layer is gone."""
        gone = [link for link in self.book.links() if self._node(link) is None]
        for link in gone:
            self.book.remove(link.id)
        for doc in {id(link.document): link.document for link in gone}.values():
            self._save(doc)
        if gone:
            self._links_edited()
        return self.book.links()

    def shutdown(self):
        """Krita quits: stop the board loop; nothing is emitted from its thread afterwards."""
        self._closing = True
        self.follower.stop()

    # --- answers (UI thread) ------------------------------------------------------------------

    def _link_layer(self, doc, layer_id, channel, latest):
        node = self._find(doc, layer_id)
        if node is None:
            self.message.emit("Follow: the layer was deleted (or its document closed) meanwhile.")
            return
        name = document.layer_name(node)
        self.book.add(doc, layer_id, name, channel, latest)
        document.rename_layer(node, link_book.linked_name(name, channel))
        self._save(doc)
        self._links_edited()
        self.message.emit("\"%s\" follows %s: each new version replaces its pixels."
                          % (link_book.unlinked_name(name), channel))

    def _place_linked(self, doc, entry):
        try:
            if not document.is_open(doc):
                raise RuntimeError("the document was closed meanwhile")
            image = planning.board_layer(entry, document.document_size(doc))
            image.name = link_book.linked_name(PLACED_LAYER_NAME, entry.channel)
            node = document.add_layers(doc, [image])
        except (document.DocumentError, ValueError, RuntimeError) as error:
            self.message.emit("Could not place the board image: %s" % error)
            return
        link = self.book.add(doc, document.node_id(node), PLACED_LAYER_NAME, entry.channel, entry.version)
        link.state = "ok"
        self._save(doc)
        self._links_edited()
        self.message.emit("Placed %s v%d as a linked layer." % (entry.channel, entry.version))

    def _apply(self, entry):
        """A new version arrived: repaint every layer that follows its channel and is behind."""
        if self._closing:
            return
        for link in self.book.behind(entry.channel, entry.version):
            node = self._node(link)
            if node is None:
                continue  # dropped by links() below
            try:
                doc = link.document
                image = planning.board_layer(entry, document.document_size(doc))
                image.x, image.y = link_book.placement(entry.meta, document.document_size(doc),
                                                       document.layer_position(node))
                document.replace_layer_pixels(doc, node, image)
                document.rename_layer(node, link_book.linked_name(document.layer_name(node), link.channel))
            except (document.DocumentError, ValueError) as error:
                link.state, link.message = "error", "v%d not shown: %s" % (entry.version, error)
                continue
            link.version, link.state, link.message = entry.version, "ok", ""
            self._save(doc)
            self.layer_updated.emit(link.id, entry.version)
        self.links()  # forget links of closed documents and deleted layers
        self.links_changed.emit()

    def _set_status(self, state, text):
        if self._closing:
            return
        self.state, self.status_text = state, text
        self.status_changed.emit(state, text)

    # --- helpers ------------------------------------------------------------------------------

    def _gone(self):
        """True once the panel (and this object with it) was closed without Krita quitting:
        then stop, since Krita still tells this object about new documents."""
        if is_deleted(self):
            self._closing = True
            self.follower.stop()
        return self._closing

    # From the board loop's thread:
    def _hop_entry(self, entry):
        if not self._gone():
            self._arrived.emit(entry)

    def _hop_status(self, state, text):
        if not self._gone():
            self._follower_status.emit(state, text)

    def _links_edited(self):
        following = self.book.following()
        self.follower.follow(following)
        if not following:
            self._set_status("off", "No live links.")
        self.links_changed.emit()

    def _save(self, doc):
        if document.is_open(doc):
            document.write_note(doc, NOTE_KIND, NOTE_DESCRIPTION, link_book.encode_links(self.book.links(doc)))

    def _node(self, link):
        return self._find(link.document, link.node_id)

    @staticmethod
    def _find(doc, layer_id):
        if not document.is_open(doc):
            return None
        return document.find_node(doc, layer_id)

    def _in_background(self, work):
        def run():
            try:
                work(self.connection.daemon())
            except Exception as error:  # UnderpaintError (artist-facing) or a network error
                self._failed.emit(str(error))

        threading.Thread(target=run, name="underpaint-link", daemon=True).start()
