"""Live mode: while it is on, every change to the canvas becomes a new generation, and the newest
result is shown in one "Live result" layer on top (its pixels replaced, never a second layer).
Apply turns the current result into a normal layer.

Krita's Python API has no per-stroke signal and the document's modified flag stays set after the
first change, so a QTimer compares a checksum of the layers (document.canvas_signature: pixels,
visibility, opacity, blending, selection; the live layer left out) and the panel's settings every
CHECK_INTERVAL_MS while live mode is on, and does nothing else while it is off. Only a change reads
the canvas and builds a request (the live layer hidden meanwhile, so a result never feeds the next
request); the kit's LiveSession sends it after a short pause and the daemon keeps only the newest
request per session, stopping an outdated job at its next step.
"""

import threading
import time

from . import document, planning
from .qt import QObject, QTimer, pyqtSignal

LIVE_LAYER_NAME = "Live result"
CHECK_INTERVAL_MS = 300  # ~3 checks a second: a stroke shows up within a third of a second
CHECK_SHARE = 4  # ...but at least 4x what a check costs, so checking takes at most ~1/4 of the UI thread
CAPABILITY = "live"


class LiveMode(QObject):
    state_changed = pyqtSignal(bool)  # on?
    result_placed = pyqtSignal(int)  # how many results were placed since live mode went on
    message = pyqtSignal(str)

    # Kit-thread -> UI-thread hops.
    _ready = pyqtSignal(object, object)  # daemon or None, error message
    _result = pyqtSignal(object, int)  # pb.Result, session generation
    _outcome = pyqtSignal(object, int)  # JobOutcome, session generation

    def __init__(self, connection, panel_settings, build_request, parent=None):
        """panel_settings(doc) -> planning.PanelSettings as the panel shows them now;
        build_request(doc, settings) -> pb.GenerateRequest, read on the UI thread (raises
        document.DocumentError / ValueError with a message for the artist)."""
        super().__init__(parent)
        self.connection = connection
        self.panel_settings = panel_settings
        self.build_request = build_request
        self.seed = 0  # a random seed fixed for the session: the picture changes only where the canvas did
        self.doc = None
        self.session = None
        self.layer_id = None
        self.placed = 0
        self.sent = 0
        self.last_request = None  # the newest request handed to the session, for tests
        self.last_image = None  # the LayerImage the live layer shows
        self._generation = 0  # bumped on every start/stop: late answers of an old session are dropped
        self._signature = None
        self._sent_key = None
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_INTERVAL_MS)
        self.timer.timeout.connect(self.check)
        self._ready.connect(self._open_session)
        self._result.connect(self._place)
        self._outcome.connect(self._on_outcome)

    @property
    def active(self):
        return self.doc is not None

    def start(self, doc):
        """Live mode on for `doc`: connects in the background, then follows the canvas."""
        if self.active:
            return True
        if doc is None:
            self.message.emit("Open or create a document first.")
            return False
        try:
            document.check_color_space(doc)
        except document.DocumentError as error:
            self.message.emit(str(error))
            return False
        self._generation += 1
        self.doc, self.placed, self.sent, self._signature, self._sent_key = doc, 0, 0, None, None
        self.last_image, self.seed = None, planning.reroll_seed()
        generation = self._generation

        def connect():
            try:
                self._ready.emit(self.connection.daemon(), generation)
            except Exception as error:  # UnderpaintError or a network error
                self._ready.emit(None, (generation, str(error)))

        threading.Thread(target=connect, name="underpaint-live-connect", daemon=True).start()
        self.state_changed.emit(True)
        self.message.emit("Live: paint, and the result follows.")
        return True

    def stop(self, quitting=False):
        """Live mode off: the session closes (its job in flight is cancelled) and the live layer
        goes; an applied layer stays. Quitting leaves the document alone."""
        if not self.active:
            return
        self._generation += 1
        self.timer.stop()
        session, self.session = self.session, None
        if session is not None:
            session.close()
        doc, self.doc = self.doc, None
        if not quitting and document.is_open(doc):
            node = document.find_node(doc, self.layer_id) if self.layer_id else None
            if node is not None:
                document.remove_layer(doc, node)
        self.layer_id, self.last_image = None, None
        self.state_changed.emit(False)

    def apply(self):
        """Keep the current live result as a normal layer below the live layer (one undo step);
        the live layer is cleared until the next change. False when there is nothing to keep."""
        node = document.find_node(self.doc, self.layer_id) if self.active and self.layer_id else None
        if node is None or self.last_image is None:
            self.message.emit("No live result to apply yet: paint something first.")
            return False
        image = self.last_image
        kept = document.LayerImage(self._kept_name(), image.rgba, image.x, image.y, image.width, image.height)
        document.add_layer_below(self.doc, kept, node)
        document.clear_layer(self.doc, node)
        self.last_image = None
        self.message.emit("Applied as layer \"%s\"." % kept.name)
        return True

    def check(self):
        """Timer tick (UI thread): send the canvas when something changed since the last tick.
        A large document makes each check dearer; the interval then grows with it."""
        began = time.monotonic()
        try:
            self._check()
        finally:
            cost_ms = (time.monotonic() - began) * 1000
            self.timer.setInterval(max(CHECK_INTERVAL_MS, int(cost_ms * CHECK_SHARE)))

    def _check(self):
        if not self.active or self.session is None:
            return
        if not document.is_open(self.doc):
            self.stop(quitting=True)
            return
        live_node = document.find_node(self.doc, self.layer_id) if self.layer_id else None
        settings = self.panel_settings(self.doc)
        settings.count = 1
        if settings.seed < 0:
            settings.seed = self.seed
        signature = document.canvas_signature(self.doc, self.layer_id), repr(settings)
        if signature == self._signature:
            return
        self._signature = signature
        try:
            with document.hidden(self.doc, live_node):
                request = self.build_request(self.doc, settings)
        except (document.DocumentError, ValueError) as error:
            self.message.emit("Live: %s" % error)
            return
        key = request.SerializeToString(deterministic=True)
        if key == self._sent_key:
            return  # e.g. a layer moved back: the same request gives the same picture
        self._sent_key, self.last_request = key, request
        self.sent += 1
        self.session.canvas_changed(lambda: request)

    def shutdown(self):
        self.stop(quitting=True)

    # --- UI thread --------------------------------------------------------------------------------

    def _open_session(self, daemon, generation):
        from underpaint_kit import LiveSession

        if daemon is None:
            generation, error = generation
            if generation == self._generation:
                self.message.emit("Live: %s" % error)
                self.stop()
            return
        if generation != self._generation:
            return
        self.session = LiveSession(daemon, "krita-%d-%d" % (id(self), generation),
                                   on_result=lambda result: self._result.emit(result, generation),
                                   on_finished=lambda outcome: self._outcome.emit(outcome, generation))
        self.timer.start()
        self.check()

    def _place(self, result, generation):
        if generation != self._generation or not self.active or not document.is_open(self.doc):
            return
        try:
            (image,) = planning.result_layers([result], "")
        except ValueError as error:
            self.message.emit("Live: %s" % error)
            return
        image.name = LIVE_LAYER_NAME
        node = document.find_node(self.doc, self.layer_id) if self.layer_id else None
        try:
            if node is None:  # first result, or the artist deleted the layer meanwhile
                node = document.add_layer_on_top(self.doc, image)
                self.layer_id = document.node_id(node)
            else:
                document.replace_layer_pixels(self.doc, node, image)
        except document.DocumentError as error:
            self.message.emit("Live: %s" % error)
            return
        self.last_image = image
        self.placed += 1
        self.result_placed.emit(self.placed)

    def _on_outcome(self, outcome, generation):
        if generation == self._generation and outcome.status == "failed":
            self.message.emit("Live: %s" % (outcome.message or "the job failed."))

    def _kept_name(self):
        request = self.last_request
        return planning.layer_name(request.prompt if request else "", request.seed if request else 0) + " · live"
