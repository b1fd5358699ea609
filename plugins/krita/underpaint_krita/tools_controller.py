"""The Tools and History actions: read the document on the UI thread, run the job through the
panel's JobController (one job at a time, the same progress bar, Cancel and messages), and place
the results their own way: upscales scale the image (or open a new document), keyframes become a
layer per frame, "place again" puts an archived result where it was made.

History, styles and interrogate are quick calls: they run on a worker thread and answer with
signals on the UI thread.
"""

import dataclasses
import threading

from . import document, planning, tool_requests, tools_document
from .qt import QImage, QObject, Qt, pyqtSignal

THUMBNAIL = 48
MAX_FETCHED_THUMBNAIL_PIXELS = 2048 * 2048  # bigger ones are listed without an icon


class ToolsController(QObject):
    frame_done = pyqtSignal(int, int)  # frames done, frames in all (keyframes)
    history_listed = pyqtSignal(object, str)  # HistoryPage or None, error
    styles_listed = pyqtSignal(object, str)  # list of pb_archive.Style or None, error
    interrogated = pyqtSignal(str, str)  # prompt, error
    reused = pyqtSignal(object, str)  # ReusedFields or None, error
    placed = pyqtSignal(str, str)  # "succeeded" | "failed", message

    thumbnails_ready = pyqtSignal()  # more icons in self.thumbnails
    _entry_fetched = pyqtSignal(object, object)  # entry (RGBA8), document
    _pixels_fetched = pyqtSignal(str, int, int, bytes)  # entry id, width, height, RGBA8

    def __init__(self, jobs, parent=None):
        super().__init__(parent)
        self.jobs = jobs  # the panel's JobController
        self.opened = []  # documents the tools opened (upscale as a new document)
        self.thumbnails = {}  # archive entry id -> QImage icon
        self._entry_fetched.connect(self._place_entry)
        self._pixels_fetched.connect(self._on_pixels)

    # --- jobs --------------------------------------------------------------------------------

    def upscale(self, doc, settings, factor, upscaler="", upscaler_label="", refine=False, strength=0.0,
                target="scale"):
        """Upscale the selection's area (the whole image without one). target "scale": the image
        is scaled by the factor and the result added as a layer where it belongs; "new": the
        result opens as a new document. False if refused at once."""
        if target not in tool_requests.UPSCALE_TARGETS:
            raise ValueError("target: expected one of %s, got %r" % (tool_requests.UPSCALE_TARGETS, target))
        facts = self._read_area(doc, selection_context=False)
        if facts is None:
            return False
        try:
            request = tool_requests.upscale_request(facts, factor, upscaler, refine, strength, settings)
        except ValueError as error:
            return self._refuse(str(error))

        def apply(doc, results):
            layer, size = tool_requests.upscaled_layer(results[0], factor, upscaler_label)
            if target == "new":
                # Kept: a document made from Python is deleted with its last Python reference.
                self.opened.append(tools_document.open_as_document(doc, layer))
                return "the new document \"%s\" (%d×%d)" % (layer.name, layer.width, layer.height)
            tools_document.scale_image(doc, *size)
            document.add_layers(doc, [layer])
            return "layer \"%s\" (the image is now %d×%d)" % (layer.name, size[0], size[1])

        return self._launch(request, doc, settings, "upscale", apply)

    def edit(self, doc, settings, from_prompt, to_prompt, strength=0.0):
        """Edit (no mask): from_prompt (what the picture shows) -> to_prompt, on the selection
        (the whole image without one); the result is a new layer over it."""
        facts = self._read_area(doc, selection_context=True)
        if facts is None:
            return False
        try:
            request = tool_requests.edit_request(facts, from_prompt, to_prompt, settings, strength)
        except ValueError as error:
            return self._refuse(str(error))
        settings = dataclasses.replace(settings, prompt=to_prompt.strip())  # names the new layer
        return self._launch(request, doc, settings, "edit", None, name_prefix="Edited · ")

    def keyframes(self, doc, settings, node=None, strength=0.0):
        """Every keyframe of an animated layer (the active one, else the only animated one)
        restyled with one prompt and frozen noise; the outputs come back as a group with one
        layer per frame, in frame order."""
        if self.jobs.busy:
            return self._refuse("A job from this panel is still running; cancel it or wait.")
        if doc is None:
            return self._refuse("Open or create a document first.")
        try:
            document.check_color_space(doc)
            node = tools_document.animated_layer(doc, node)
            times, rect, frames = tools_document.read_keyframes(doc, node)
            request = tool_requests.keyframes_request(frames, rect[2:], settings, strength)
        except (document.DocumentError, ValueError) as error:
            return self._refuse(str(error))
        total = len(times)

        def apply(doc, results):
            layers = tool_requests.frame_layers(results, times, rect, settings.prompt)
            name = "%s · %d keyframes" % (planning.short_prompt(settings.prompt), total)
            document.add_layers(doc, layers, group_name=name)
            return "group \"%s\" with one layer per frame" % name

        def on_result(result):  # worker thread: the signal hops to the UI thread
            done[0] += 1
            self.frame_done.emit(done[0], total)

        done = [0]
        self.frame_done.emit(0, total)
        return self._launch(request, doc, settings, "keyframes", apply, on_result=on_result)

    def _read_area(self, doc, selection_context):
        """CanvasFacts for the selection (the whole image without one), or None (refused)."""
        from underpaint_kit import requests

        if self.jobs.busy:
            self._refuse("A job from this panel is still running; cancel it or wait.")
            return None
        if doc is None:
            self._refuse("Open or create a document first.")
            return None
        try:
            document.check_color_space(doc)
            size = document.document_size(doc)
            selection, selection_rect = document.read_selection(doc)
            if selection_context:  # the model sees the surroundings too
                rect = requests.context_rect(size, selection_rect)
            else:
                rect = tuple(selection_rect) if selection_rect else (0, 0) + tuple(size)
            return planning.CanvasFacts(size, rect, document.read_pixels(doc, rect), selection, selection_rect)
        except (document.DocumentError, ValueError) as error:
            self._refuse(str(error))
            return None

    def _launch(self, request, doc, settings, operation, apply, name_prefix="", on_result=None):
        context = {"doc": doc, "prompt": settings.prompt, "operation": operation, "name_prefix": name_prefix}
        if apply is not None:
            context["apply"] = apply
        if on_result is not None:
            context["on_result"] = on_result
        self.jobs._launch(request, context)
        return True

    def _refuse(self, message):
        self.jobs.refused.emit(message)
        return False

    # --- history, styles, interrogate ---------------------------------------------------------

    def refresh_history(self, doc, all_documents=False, limit=30):
        """This document's latest results (all documents' with all_documents)."""
        from underpaint_kit import history

        name = "" if all_documents or doc is None else tool_requests.document_label(doc.fileName(), doc.name())

        def work(daemon):
            # PNG thumbnails: Qt decodes them without a WebP plugin (Debian's Krita has none); a
            # daemon older than v1.3 ignores the wish and sends WebP (see thumbnails_for)
            page = history.history_page(daemon, document=name, limit=limit, png_thumbnails=True)
            self.history_listed.emit(page, "")

        self._background(work, lambda error: self.history_listed.emit(None, error))

    def thumbnails_for(self, entries):
        """UI thread: an icon per entry into self.thumbnails (kept: entries never change). The
        thumbnails come as PNG; from a daemon older than v1.3 they are WebP, and where Qt has no
        WebP plugin (Debian's Krita) the entry's image is fetched once in the background and
        `thumbnails_ready` follows."""
        wanted = []
        for entry in entries:
            if entry.id in self.thumbnails:
                continue
            image = QImage.fromData(bytes(entry.thumbnail.data)) if entry.thumbnail.data else QImage()
            if not image.isNull():
                self.thumbnails[entry.id] = _icon(image)
            elif entry.width * entry.height <= MAX_FETCHED_THUMBNAIL_PIXELS:
                wanted.append(entry.id)
        if wanted:
            self._background(lambda daemon: self._fetch_pixels(daemon, wanted), lambda error: None)

    def _fetch_pixels(self, daemon, ids):
        from underpaint_kit import history

        for entry_id in ids:
            try:
                image = history.fetch_entry(daemon, entry_id).image
            except Exception:  # deleted meanwhile, or the daemon went away: no icon
                continue
            self._pixels_fetched.emit(entry_id, image.width, image.height, bytes(image.data))

    def _on_pixels(self, entry_id, width, height, rgba):
        if len(rgba) == width * height * 4 and width:
            image = QImage(rgba, width, height, width * 4, QImage.Format.Format_RGBA8888).copy()
            self.thumbnails[entry_id] = _icon(image)
            self.thumbnails_ready.emit()

    def place_again(self, doc, entry_id):
        """Fetch an archived result and add it as a layer where it was made; answers `placed`."""
        from underpaint_kit import history

        if doc is None:
            self.placed.emit("failed", "Open or create a document first.")
            return False
        self._background(lambda daemon: self._entry_fetched.emit(history.fetch_entry(daemon, entry_id), doc),
                         lambda error: self.placed.emit("failed", error))
        return True

    def reuse(self, entry_id):
        """The entry's parameters for the panel's fields; answers `reused`."""
        from underpaint_kit import history

        self._background(lambda daemon: self.reused.emit(tool_requests.reused_fields(
            history.fetch_entry(daemon, entry_id)), ""), lambda error: self.reused.emit(None, error))

    def list_styles(self):
        from underpaint_kit import history

        self._background(lambda daemon: self.styles_listed.emit(history.list_styles(daemon), ""),
                         lambda error: self.styles_listed.emit(None, error))

    def interrogate(self, doc):
        """A prompt for the selection's area (the whole image without one); answers `interrogated`."""
        from underpaint_kit import history, requests

        if doc is None:
            self.interrogated.emit("", "Open or create a document first.")
            return False
        try:
            document.check_color_space(doc)
            _selection, selection_rect = document.read_selection(doc)
            rect = tuple(selection_rect) if selection_rect else (0, 0) + tuple(document.document_size(doc))
            image = requests.rgba_image(rect[2], rect[3], document.read_pixels(doc, rect))
        except document.DocumentError as error:
            self.interrogated.emit("", str(error))
            return False
        self._background(lambda daemon: self.interrogated.emit(history.interrogate(daemon, image), ""),
                         lambda error: self.interrogated.emit("", error))
        return True

    def _place_entry(self, entry, doc):
        try:
            if not document.is_open(doc):
                raise RuntimeError("the document was closed meanwhile")
            layer = tool_requests.history_layer(entry, document.document_size(doc))
            document.add_layers(doc, [layer])
        except (document.DocumentError, ValueError, RuntimeError) as error:
            self.placed.emit("failed", "Could not place the result: %s" % error)
            return
        self.placed.emit("succeeded", "Placed layer \"%s\" at %d, %d." % (layer.name, layer.x, layer.y))

    def _background(self, work, fail):
        def run():
            try:
                work(self.jobs.connection.daemon())
            except Exception as error:  # UnderpaintError (artist-facing) or a network error
                fail(str(error))

        threading.Thread(target=run, name="underpaint-tools", daemon=True).start()


def _icon(image):
    return image.scaled(THUMBNAIL, THUMBNAIL, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
