"""Runs one job at a time for the panel: reads the document on the UI thread, talks to the
daemon on a worker thread through the host kit, and applies results back on the UI thread.

The panel only calls methods and listens to signals; it never blocks on the network.
"""

import threading

from . import document, planning, tool_requests
from ._vendor import ensure_vendor_on_path
from .qt import QObject, pyqtSignal

ensure_vendor_on_path()


def _krita_client():
    try:
        from krita import Krita

        return "krita %s" % Krita.instance().version()
    except Exception:
        return "krita"


class Connection:
    """Where the daemon is and a cached connection to it. Thread-safe; connects lazily."""

    def __init__(self, address="", token_file=""):
        self._lock = threading.Lock()
        self._daemon = None
        self.address = address
        self.token_file = token_file

    def configure(self, address, token_file):
        with self._lock:
            if (address, token_file) != (self.address, self.token_file):
                self.address, self.token_file = address, token_file
                self._forget()

    def daemon(self):
        """The connected Daemon (connecting now if needed); raises the kit's UnderpaintError."""
        from underpaint_kit import connect_daemon

        with self._lock:
            if self._daemon is None:
                self._daemon = connect_daemon(address=self.address or None, token_file=self.token_file or None)
            return self._daemon

    def reset(self):
        with self._lock:
            self._forget()

    def _forget(self):
        # Not closed: a running job may still poll through it; its sockets go with it.
        self._daemon = None


class JobController(QObject):
    """One panel's job. Signals fire on the UI thread (the controller lives there)."""

    connected = pyqtSignal(object, object, str)  # pb.Info or None, list[pb.Model], error message
    queued = pyqtSignal(int)  # jobs ahead of ours
    started = pyqtSignal()
    progress = pyqtSignal(int, int)  # step, total
    preview = pyqtSignal(int, int, bytes)  # width, height, RGBA8
    result_image = pyqtSignal(int, int, bytes)  # the first result once it is in the document
    finished = pyqtSignal(str, str, object)  # status, message for the artist, seed used (or None)
    refused = pyqtSignal(str)  # a click that started no job, and why (no document, CMYK, ...)

    board_done = pyqtSignal(str, str)  # "succeeded" | "failed", message for the artist
    channels_listed = pyqtSignal(object)  # list of channel names

    # Worker-thread -> UI-thread hops (queued connections because the emitter is another thread).
    _connect_done = pyqtSignal(object, object, str)
    _job_done = pyqtSignal(object, object)  # JobOutcome, job context
    _board_fetched = pyqtSignal(object, object)  # pb_board.BoardEntry, document

    def __init__(self, connection=None, parent=None):
        super().__init__(parent)
        self.connection = connection or Connection()
        self._lock = threading.Lock()
        self._runner = None
        self._cancelled = False
        self._busy = False
        self.last_outcome = None  # the latest JobOutcome, for the status line and tests
        self.last_request = None  # the latest canvas request sent, for tests
        self.listing = None  # the daemon's latest pb.ListModelsResponse (set before `connected`)
        self._connect_done.connect(self.connected)
        self._job_done.connect(self._apply_outcome)
        self._board_fetched.connect(self._place_entry)

    @property
    def busy(self):
        return self._busy

    # --- connection -------------------------------------------------------------------------

    def check_connection(self):
        """Connect (again) in the background; answers with the `connected` signal."""

        def work():
            try:
                self.connection.reset()
                daemon = self.connection.daemon()
                listing = daemon.list_models()
                self.listing = listing  # add-ons and restorers for the pickers
                self._connect_done.emit(daemon.info, list(listing.models), "")
            except Exception as error:  # UnderpaintError or anything the network throws
                self._connect_done.emit(None, [], str(error))

        threading.Thread(target=work, name="underpaint-connect", daemon=True).start()

    # --- jobs -------------------------------------------------------------------------------

    def generate(self, doc, settings):
        """Generate / fill / refine depending on the selection and strength. False if refused."""
        return self._start(doc, settings, expand=None)

    def expand(self, doc, settings, margins):
        """Grow the canvas by margins (left, top, right, bottom) and fill the new area."""
        if not any(m > 0 for m in margins) or any(m < 0 for m in margins):
            self.refused.emit("Expand: set at least one margin above 0 px (none below 0).")
            return False
        return self._start(doc, settings, expand=tuple(margins))

    def fix_faces(self, doc, settings, action):
        """Restore or re-render the faces in the selection's area (the whole image without a
        selection); the result comes back as a new layer. False if refused at once."""
        if self._busy:
            self.refused.emit("A job from this panel is still running; cancel it or wait.")
            return False
        if doc is None:
            self.refused.emit("Open or create a document first.")
            return False
        try:
            document.check_color_space(doc)
            size = document.document_size(doc)
            _selection, selection_rect = document.read_selection(doc)
            rect = tuple(selection_rect) if selection_rect else (0, 0) + tuple(size)
            facts = planning.CanvasFacts(size, rect, document.read_pixels(doc, rect))
            request = planning.build_face_request(action, settings, facts, _krita_client())
        except (document.DocumentError, ValueError) as error:
            self.refused.emit(str(error))
            return False
        prefix = "Restored faces · " if action == "restore" else "Re-rendered faces · "
        context = {"doc": doc, "prompt": settings.prompt, "operation": action, "offset": rect[:2],
                   "name_prefix": prefix}
        self._launch(request, context)
        return True

    def cancel(self):
        """Cancel this panel's job only; the `finished` signal follows."""
        with self._lock:
            self._cancelled = True
            runner = self._runner
        if runner is not None:
            runner.cancel()

    def shutdown(self):
        """Krita is quitting: cancel our job now (synchronously, a worker thread would die with
        the process) so the daemon does not go on computing for nobody."""
        with self._lock:
            self._cancelled = True
            runner = self._runner
        if runner is not None and runner.job_id:
            try:
                self.connection.daemon().cancel(runner.job_id)
            except Exception:  # quitting anyway; the daemon may be gone too
                pass

    def _start(self, doc, settings, expand):
        if self._busy:
            self.refused.emit("A job from this panel is still running; cancel it or wait.")
            return False
        if doc is None:
            self.refused.emit("Open or create a document first.")
            return False
        try:
            operation, facts = self._read_document(doc, settings, expand)
            request = planning.build_request(operation, settings, facts, expand or (0, 0, 0, 0), _krita_client())
        except (document.DocumentError, ValueError) as error:
            self.refused.emit(str(error))
            return False
        context = {"doc": doc, "prompt": settings.prompt, "operation": operation}
        self.last_request = request
        self._launch(request, context)
        return True

    def live_request(self, doc, settings):
        """The request Generate would send now, read on the UI thread, for live mode (no previews:
        only the result counts). Raises document.DocumentError / ValueError for the artist."""
        operation, facts = self._read_document(doc, settings, None)
        request = planning.build_request(operation, settings, facts, (0, 0, 0, 0), _krita_client())
        request.previews = False
        return request

    def _launch(self, request, context):
        """context: "doc" and what _apply_outcome needs; tools may add "apply" (doc, results) ->
        message, "on_result" (pb.Result, called on the worker thread as each arrives) and "runner"
        (a JobRunner class or factory taking the same arguments)."""
        doc = context.get("doc")
        if doc is not None:  # the History section lists this document's results
            tool_requests.tag_for_history(request, tool_requests.document_label(doc.fileName(), doc.name()))
        with self._lock:
            self._busy, self._cancelled, self._runner = True, False, None
        threading.Thread(target=self._work, args=(request, context), name="underpaint-job", daemon=True).start()

    def _read_document(self, doc, settings, expand):
        from underpaint_kit import requests

        document.check_color_space(doc)
        size = document.document_size(doc)
        if expand is not None:
            operation = "expand"
            selection, selection_rect = None, None
        else:
            selection, selection_rect = document.read_selection(doc)
            operation = planning.choose_operation(selection is not None, settings.strength)
        if planning.needs_pixels(operation, selection is not None):
            rect = requests.context_rect(size, selection_rect)
            pixels = document.read_pixels(doc, rect)
        else:
            rect, pixels = (0, 0, 0, 0), b""
        facts = planning.CanvasFacts(size, rect, pixels, selection, selection_rect)
        facts.controls = read_control_layers(doc, settings.controls, planning.control_rect(facts))
        return operation, facts

    def _work(self, request, context):
        """Worker thread: connect, submit, follow. Callbacks hop to the UI thread via signals."""
        from underpaint_kit import JobOutcome, JobRunner

        try:
            daemon = self.connection.daemon()
        except Exception as error:
            self._job_done.emit(JobOutcome("failed", str(error)), context)
            return
        make_runner = context.get("runner", JobRunner)  # a tool's own (training: the loss, the embedding)
        runner = make_runner(
            daemon,
            request,
            on_queued=self.queued.emit,
            on_started=self.started.emit,
            on_progress=self._on_progress,
            on_result=context.get("on_result"),
            on_finished=lambda outcome: self._job_done.emit(outcome, context),
        )
        with self._lock:
            self._runner = runner
            cancel_now = self._cancelled
        if cancel_now:
            runner.cancel()  # remembered by the runner; sent as soon as the job has an id
        runner.run()

    def _on_progress(self, step, total, preview_image):
        self.progress.emit(step, total)
        if preview_image is not None and preview_image.width > 0 and len(preview_image.data) == preview_image.width * preview_image.height * 4:
            self.preview.emit(preview_image.width, preview_image.height, bytes(preview_image.data))

    def _apply_outcome(self, outcome, context):
        """UI thread: put the results into the document (only for a job that succeeded)."""
        with self._lock:
            self._busy, self._runner = False, None
        self.last_outcome = outcome
        seed = outcome.seed if outcome.seed >= 0 else None
        if outcome.status != "succeeded":
            message = outcome.message or ("Cancelled." if outcome.status == "cancelled" else "The job failed.")
            self.finished.emit(outcome.status, message, seed)
            return
        if not outcome.results:  # all withheld by the daemon's content policy: say so, add nothing
            self.finished.emit("failed", outcome.message or "The daemon returned no image.", seed)
            return
        doc = context["doc"]
        if context["operation"] in planning.FACE_ACTIONS and outcome.results and not planning.faces_found(outcome.results):
            self.finished.emit("succeeded", "No faces found: nothing was changed.", seed)
            return
        try:
            if "apply" in context:  # a tool that places its results its own way
                added = context["apply"](doc, outcome.results)
            else:
                added = apply_results(doc, outcome.results, context["prompt"], context.get("offset", (0, 0)),
                                      context.get("name_prefix", ""))
        except (document.DocumentError, ValueError, RuntimeError) as error:
            self.finished.emit("failed", "Could not add the result: %s" % error, seed)
            return
        first = min(outcome.results, key=lambda result: result.index).image
        if first.data:  # a trained embedding has no picture
            self.result_image.emit(first.width, first.height, bytes(first.data))  # checked by apply_results
        self.finished.emit("succeeded", " ".join(["Added %s." % added] + outcome.notices), seed)


    # --- board -----------------------------------------------------------------------------

    def refresh_channels(self):
        """List the board's channels in the background; answers with `channels_listed`."""
        self._in_background(lambda daemon: self.channels_listed.emit([c.name for c in daemon.list_channels()]))

    def send_to_board(self, doc, channel, node=None):
        """Publish the active layer (or `node`) to a board channel. False if refused at once."""
        from underpaint_kit import pb_board, requests

        channel = (channel or "").strip()
        if not channel:
            self.board_done.emit("failed", "Board: enter a channel name first.")
            return False
        if doc is None:
            self.board_done.emit("failed", "Open or create a document first.")
            return False
        try:
            rgba, (x, y, w, h), layer = document.read_layer(doc, node)
        except document.DocumentError as error:
            self.board_done.emit("failed", str(error))
            return False
        image = requests.rgba_image(w, h, rgba)
        meta = pb_board.BoardMeta(source_app="krita", document=doc.name() or "", layer=layer, x=x, y=y,
                                  document_width=doc.width(), document_height=doc.height())

        def publish(daemon):
            entry = daemon.publish(channel, image, meta)
            self.board_done.emit("succeeded", "Sent \"%s\" to the board as %s v%d." % (layer, entry.channel, entry.version))

        self._in_background(publish)
        return True

    def place_from_board(self, doc, channel):
        """Fetch a channel's latest image and add it as a new layer. False if refused at once."""
        channel = (channel or "").strip()
        if not channel:
            self.board_done.emit("failed", "Board: enter or pick a channel first.")
            return False
        if doc is None:
            self.board_done.emit("failed", "Open or create a document first.")
            return False
        self._in_background(lambda daemon: self._board_fetched.emit(daemon.fetch(channel), doc))
        return True

    def _place_entry(self, entry, doc):
        try:
            if not document.is_open(doc):
                raise RuntimeError("the document was closed meanwhile")
            layer = planning.board_layer(entry, document.document_size(doc))
            document.add_layers(doc, [layer])
        except (document.DocumentError, ValueError, RuntimeError) as error:
            self.board_done.emit("failed", "Could not place the board image: %s" % error)
            return
        self.board_done.emit("succeeded", "Placed layer \"%s\"." % layer.name)

    def _in_background(self, work):
        """Run work(daemon) on a worker thread; any failure ends as a `board_done` message."""

        def run():
            try:
                work(self.connection.daemon())
            except Exception as error:  # UnderpaintError (artist-facing) or a network error
                self.board_done.emit("failed", str(error))

        threading.Thread(target=run, name="underpaint-board", daemon=True).start()


def read_control_layers(doc, marks, rect):
    """[(ControlMark, RGBA8, (x, y, w, h))] for the marked layers that still exist: a ControlNet
    layer read over `rect` (the request's region), a reference layer over its own bounds. Hidden
    layers count: artists hide the sketch that steers the picture."""
    from .control_marks import REFERENCE

    layers = []
    for mark in marks:
        node = document.find_node(doc, mark.layer_id)
        if node is None:
            continue  # the layer was deleted; its mark is dropped the next time the list is saved
        if mark.type == REFERENCE:
            rgba, layer_rect, _name = document.read_layer(doc, node)
            layers.append((mark, rgba, layer_rect))
        else:
            layers.append((mark, document.read_node_region(node, rect), tuple(rect)))
    return layers


def apply_results(doc, results, prompt, offset=(0, 0), name_prefix=""):
    """Grow the canvas if an expand asked for it, then add the results as layers.

    Returns a short description of what was added, for the status line.
    """
    if not results:
        raise ValueError("the daemon reported success but sent no image")
    if not document.is_open(doc):
        raise RuntimeError("the document was closed while the job ran")
    layers = planning.result_layers(results, prompt, offset, name_prefix)
    growth = planning.canvas_growth(results)
    if growth is not None:
        document.grow_canvas(doc, *growth)
    if len(layers) == 1:
        document.add_layers(doc, layers)
        return "layer \"%s\"" % layers[0].name
    name = planning.group_name(prompt, len(layers))
    document.add_layers(doc, layers, group_name=name)
    return "group \"%s\" with %d layers" % (name, len(layers))
