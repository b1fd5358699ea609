"""Helpers shared by the scenarios that run INSIDE real Krita (kritarunner): documents with
known pixels, pixel comparisons, layer facts, and "start a job / board call and pump Qt until
it answers". Also imported by tests/crosshost/krita_side.py.

Importing this module puts the built plugin (UNDERPAINT_KRITA_PLUGIN_PATH) on sys.path, so it
must be imported before anything from underpaint_krita.
"""

import os
import sys
import time

sys.path.insert(0, os.environ["UNDERPAINT_KRITA_PLUGIN_PATH"])

from krita import Krita, Selection  # noqa: E402

import underpaint_krita  # noqa: E402,F401  (puts the vendored kit on sys.path)
from underpaint_krita import document, planning  # noqa: E402
from underpaint_krita.controller import Connection, JobController  # noqa: E402
from underpaint_krita.qt import QApplication  # noqa: E402

JOB_TIMEOUT_S = 120
PROMPT = "a red apple on a table"


def pattern_rgba(width, height):
    """Known, position-dependent opaque pixels."""
    out = bytearray()
    for y in range(height):
        for x in range(width):
            out += bytes(((x * 7) % 256, (y * 11) % 256, (x + y * 3) % 256, 255))
    return bytes(out)


def make_document(width, height, depth="U8", model="RGBA"):
    doc = Krita.instance().createDocument(width, height, "underpaint-test", model, depth, "", 72.0)
    if model == "RGBA":
        background = doc.rootNode().childNodes()[0]
        raw = document.pixel_depth.from_rgba8(pattern_rgba(width, height), depth, document._is_linear(doc))
        background.setPixelData(raw, 0, 0, width, height)
        settle(doc)
    return doc


def settle(doc):
    doc.refreshProjection()
    doc.waitForDone()


def select_rect(doc, x, y, w, h):
    selection = Selection()
    selection.select(x, y, w, h, 255)
    doc.setSelection(selection)


def layer_tree(node):
    return [
        {
            "name": child.name(),
            "type": child.type(),
            "visible": child.visible(),
            "bounds": rect(child.bounds()),
            "children": layer_tree(child) if child.type() == "grouplayer" else [],
        }
        for child in node.childNodes()
    ]


def rect(qrect):
    return [qrect.x(), qrect.y(), qrect.width(), qrect.height()]


def count_changes(before, after, width, inside):
    """(changed pixels outside `inside`, changed pixels inside) between two RGBA8 buffers."""
    x0, y0, w, h = inside
    outside_changed = inside_changed = 0
    for i in range(0, len(before), 4):
        if before[i : i + 4] == after[i : i + 4]:
            continue
        px, py = (i // 4) % width, (i // 4) // width
        if x0 <= px < x0 + w and y0 <= py < y0 + h:
            inside_changed += 1
        else:
            outside_changed += 1
    return outside_changed, inside_changed


def run_job(controller, start, timeout=JOB_TIMEOUT_S, on_started=None):
    """Start a job and pump Qt events until the controller reports `finished`."""
    done = {}
    events = {"queued": 0, "started": 0, "progress": [], "previews": 0}

    def finished(status, message, seed):
        done.update(status=status, message=message, seed=seed)

    def started():
        events["started"] += 1
        if on_started:
            on_started()

    controller.finished.connect(finished)
    controller.refused.connect(lambda message: done.update(status="refused", message=message, seed=None))
    controller.queued.connect(lambda position: events.__setitem__("queued", events["queued"] + 1))
    controller.started.connect(started)
    controller.progress.connect(lambda step, total: events["progress"].append([step, total]))
    controller.preview.connect(lambda w, h, data: events.__setitem__("previews", events["previews"] + 1))
    began = time.monotonic()
    accepted = start()
    while not done and time.monotonic() - began < timeout:
        QApplication.processEvents()
        time.sleep(0.01)
    done.setdefault("status", "timeout")
    done.update(accepted=accepted, seconds=round(time.monotonic() - began, 2), events=events)
    outcome = controller.last_outcome
    done["results"] = [
        {"x": r.x, "y": r.y, "width": r.image.width, "height": r.image.height, "seed": r.seed,
         "document_width": r.document_width, "document_height": r.document_height,
         "offset_x": r.offset_x, "offset_y": r.offset_y}
        for r in (outcome.results if outcome else [])
    ]
    return done


def layer_mismatches(node, result_image, x, y):
    """Pixels where the layer differs from the daemon's result image (alpha, or colour where
    the pixel is not fully transparent)."""
    w, h = result_image.width, result_image.height
    layer = document.pixel_depth.to_rgba8(bytes(node.pixelData(x, y, w, h)), "U8")
    mismatches = 0
    for i in range(0, len(layer), 4):
        got, want = layer[i : i + 4], result_image.data[i : i + 4]
        if got[3] != want[3] or (want[3] and got[:3] != want[:3]):
            mismatches += 1
    return mismatches


def settings(**overrides):
    values = dict(prompt=PROMPT, steps=2, seed=1234, count=1, feather=-1)
    values.update(overrides)
    return planning.PanelSettings(**values)


def new_controller(address=None):
    return JobController(Connection(address=address or os.environ.get("UNDERPAINT_HTTP", "")))


def board_call(method, *args, **kwargs):
    """Call a board method of a fresh controller and wait for its `board_done` answer."""
    controller = new_controller()
    done = {}
    controller.board_done.connect(lambda status, message: done.update(status=status, message=message))
    accepted = getattr(controller, method)(*args, **kwargs)
    began = time.monotonic()
    while not done and time.monotonic() - began < 30:
        QApplication.processEvents()
        time.sleep(0.01)
    done.setdefault("status", "timeout")
    done["accepted"] = accepted
    return done


def pump_until(predicate, timeout):
    """Process Qt events until predicate() is true or timeout seconds passed; its last value."""
    began = time.monotonic()
    while not predicate() and time.monotonic() - began < timeout:
        QApplication.processEvents()
        time.sleep(0.01)
    return predicate()


def close_documents():
    """Close every document the scenarios opened. kritarunner quits without closing them, so
    they were destroyed by KisPart's static destructor at exit(), after the QApplication was
    gone: ~KisDocument -> KisImage::waitForDone -> KisBusyWaitBroker calls QObject::thread() on
    the deleted application and segfaulted whenever that memory was already reused (caught
    under gdb; real Krita closes its documents before quitting, so it never crashed there)."""
    for doc in list(Krita.instance().documents()):
        doc.waitForDone()
        doc.setModified(False)  # closing asks nothing, and loses nothing: the file is a test's
        doc.close()
