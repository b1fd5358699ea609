""""Train embedding from selected layers" INSIDE real Krita (kritarunner) against a real daemon with
the demo model. Run by test_krita_training.py as  kritarunner -s training_scenarios -f main  with the
env of krita_scenarios.py. Each scenario clicks the docker's own button and reports plain facts; the
pytest side judges them.
"""

import copy
import gc
import json
import os
import sys
import threading
import time
import traceback

from scenario_helpers import QApplication, close_documents  # first: puts the built plugin on sys.path

from krita import Krita  # noqa: E402
from scenario_helpers import document, make_document, pump_until, run_job, settle  # noqa: E402

_DOCKER = []
SIZE = (64, 64)


def connected_docker():
    from underpaint_krita.docker import UnderpaintDocker

    if _DOCKER:
        return _DOCKER[0]
    docker = UnderpaintDocker()
    _DOCKER.append(docker)
    docker.connection.address.setText(os.environ.get("UNDERPAINT_HTTP", ""))
    connected = {}
    docker.controller.connected.connect(lambda info, models, error: connected.update(ok=info is not None, error=error))
    docker._on_connect_clicked()
    pump_until(lambda: connected, 30)
    return docker


def square(i):
    """A red square on grey, shifted a little per layer: one 'thing'."""
    w, h = SIZE
    out = bytearray()
    for y in range(h):
        for x in range(w):
            red = 8 + 4 * i <= y < 40 + 4 * i and 12 <= x < 44
            out += bytes((220, 30, 30, 255) if red else (128, 128, 128, 255))
    return bytes(out)


def document_with_layers(count):
    """A document with `count` paint layers (plus its background); the new layers, bottom first."""
    doc = make_document(*SIZE)
    layers = []
    for i in range(count):
        node = doc.createNode("square %d" % i, "paintlayer")
        node.setPixelData(document.pixel_depth.from_rgba8(square(i), "U8"), 0, 0, *SIZE)
        doc.rootNode().addChildNode(node, None)
        layers.append(node)
    settle(doc)
    return doc, layers


def embeddings_listed(docker):
    combo = docker.addons.embedding
    return [combo.itemData(i) for i in range(combo.count())]


def click_train(docker):
    """The docker's own button; True when a job started (the panel is busy then)."""
    docker.tools.training_panel.train_button.click()
    return docker.controller.busy


def train(docker, doc, layers, token, steps, on_started=None):
    tools = docker.tools
    tools._document = lambda: doc
    tools.training.selected_layers = lambda _doc: list(layers)
    tools.training_panel.token.setText(token)
    tools.training_panel.init_word.setText("square")
    tools.training_panel.steps.setValue(steps)
    report = copy.deepcopy(run_job(docker.controller, lambda: click_train(docker), on_started=on_started))
    report["losses"] = [list(x) for x in tools.training.last_losses]
    report["layer_count"] = len(doc.rootNode().childNodes())
    return report


def scenario_layout():
    """Folded, the training row adds no height; connected to a daemon that trains, it is enabled."""
    docker = connected_docker()
    tools = docker.tools
    for section in list(docker._sections().values()) + list(tools.sections.values()):
        section.setExpanded(False)
    QApplication.processEvents()
    height = docker.scroll.widget().sizeHint().height()
    tools.training_panel.hide()
    QApplication.processEvents()
    without = docker.scroll.widget().sizeHint().height()
    tools.training_panel.show()
    panel = tools.training_panel
    report = {"folded_height": height, "folded_height_without_training": without,
              "button": panel.train_button.text(), "enabled": panel.train_button.isEnabled(),
              "steps": panel.steps.value(), "note": panel.note.text()}
    panel.show_capabilities(("generate",))  # an older daemon
    report["old_daemon"] = {"enabled": panel.train_button.isEnabled(), "note": panel.note.text()}
    panel.show_capabilities(tools.capabilities)
    return report


def scenario_train():
    """Three selected layers, 3 steps: the loss per step on the message line, the new word in the
    embedding list afterwards, the document unchanged."""
    docker = connected_docker()
    doc, layers = document_with_layers(3)
    before = len(doc.rootNode().childNodes())
    report = train(docker, doc, layers, "krita-square", 3)
    report["layers_before"] = before
    report["listed"] = pump_until(lambda: "krita-square" in embeddings_listed(docker), 30)
    report["button_enabled_after"] = docker.tools.training_panel.train_button.isEnabled()
    report["generate_enabled_after"] = docker.generate_button.isEnabled()
    return report


def scenario_refusals():
    """Too few layers and a bad word are refused before anything is sent, with the reason on the
    message line. Krita's own pick first: headless Krita has no view, so no layer is selected
    (and the document has no active layer)."""
    docker = connected_docker()
    doc, layers = document_with_layers(3)
    tools = docker.tools
    tools._document = lambda: doc
    from underpaint_krita.training_tool import selected_layers

    tools.training.selected_layers = selected_layers
    tools.training_panel.token.setText("no-layer")
    none = copy.deepcopy(run_job(docker.controller, lambda: click_train(docker)))
    one = train(docker, doc, layers[:1], "one-layer", 3)
    bad = train(docker, doc, layers, "two words", 3)
    return {"no_layer": none, "one_layer": one, "bad_token": bad}


def scenario_cancel():
    """Cancel during a long training: the job ends cancelled and the checkpoint kept is listed."""
    docker = connected_docker()
    doc, layers = document_with_layers(3)
    cancelled = []

    def cancel_at_first_loss(step, total, loss):
        if not cancelled:
            cancelled.append(step)
            docker.cancel_button.click()

    docker.tools.training.loss.connect(cancel_at_first_loss)
    try:
        report = train(docker, doc, layers, "cancelled-square", 5000)
    finally:
        docker.tools.training.loss.disconnect(cancel_at_first_loss)
    report["listed"] = pump_until(lambda: "cancelled-square" in embeddings_listed(docker), 30)
    return report


SCENARIOS = {name[len("scenario_"):]: fn for name, fn in list(globals().items()) if name.startswith("scenario_")}


def main(*_args):
    import faulthandler

    stacks = open(os.environ["UNDERPAINT_SCENARIOS_OUT"] + ".stacks", "w")
    faulthandler.dump_traceback_later(400, exit=True, file=stacks)
    slot_errors = []  # an exception in a Qt slot would open Krita's error dialog and hang kritarunner
    sys.excepthook = lambda *error: slot_errors.append("".join(traceback.format_exception(*error)))
    results = {}
    for name, scenario in SCENARIOS.items():
        try:
            results[name] = scenario()
        except Exception:
            results[name] = {"error": traceback.format_exc()}
    results["slot_errors"] = slot_errors
    with open(os.environ["UNDERPAINT_SCENARIOS_OUT"], "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)
    for docker in _DOCKER:  # background threads end before kritarunner tears Qt down
        docker.live_links.shutdown()
        docker.controller.shutdown()
    short_lived = ("underpaint-connect", "underpaint-tokens", "underpaint-job", "underpaint-live", "underpaint-tools")
    pump_until(lambda: not any(t.is_alive() and t.name.startswith(short_lived) for t in threading.enumerate()), 15)
    ends = time.monotonic() + 1.0
    while time.monotonic() < ends:
        QApplication.processEvents()
        time.sleep(0.02)
    gc.collect()
    close_documents()  # documents left open crash kritarunner's exit (see scenario_helpers)
