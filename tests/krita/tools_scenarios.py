"""The docker's Upscale / Edit / Keyframes / History sections INSIDE real Krita (kritarunner)
against a real daemon (demo model, demo ESRGAN, a random CLIP model, one style).

Run by test_krita_tools.py as  kritarunner -s tools_scenarios -f main  with the env of
krita_scenarios.py plus UNDERPAINT_ANIMATED_KRA (a .kra with a 3-frame animated layer). Each
scenario clicks the docker's own buttons and reports plain facts; the pytest side judges them.
"""

import copy
import gc
import json
import os
import sys
import threading
import time
import traceback
import uuid

from scenario_helpers import QApplication, close_documents  # first: puts the built plugin on sys.path

from krita import Krita  # noqa: E402
from scenario_helpers import (document, layer_mismatches, layer_tree, make_document, pattern_rgba,  # noqa: E402
                              pump_until, run_job, select_rect, settle)

_DOCKER = []


def docker_tools():
    """One connected docker for every scenario (its background work must end before Krita quits)."""
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
    pump_until(lambda: docker.tools.history.style.count() > 0, 10)  # the style list follows the connection
    docker.steps.setValue(2)
    docker.prompt.setPlainText("a red apple on a table")
    return docker


def job(docker, start, on_started=None):
    """run_job's report, copied: its handlers stay connected to the docker's controller and
    would overwrite it with the next job's end."""
    return copy.deepcopy(run_job(docker.controller, start, on_started=on_started))


def use_document(docker, doc):
    docker.tools._document = lambda: doc


def new_node(doc, names_before):
    return [n for n in doc.rootNode().childNodes() if n.name() not in names_before]


def scenario_layout():
    """Folded height and what the sections offer once connected; what a too-old daemon shows."""
    docker = docker_tools()
    tools = docker.tools
    for section in list(docker._sections().values()) + list(tools.sections.values()):
        section.setExpanded(False)
    QApplication.processEvents()
    report = {
        "panel_content_height": docker.scroll.widget().sizeHint().height(),
        "section_titles": [s.title() for s in tools.sections.values()],
        "outer_title": docker.extras_section.title(),
        "upscalers": [[tools.panel.upscaler.itemText(i), tools.panel.upscaler.itemData(i)]
                      for i in range(tools.panel.upscaler.count())],
        "factors": [tools.panel.factor.itemData(i) for i in range(tools.panel.factor.count())],
        "styles": [tools.history.style.itemData(i) for i in range(tools.history.style.count())],
        "enabled": {name: getattr(tools.panel, name).isEnabled()
                    for name in ("upscale_button", "refine", "edit_button", "keyframes_button")},
        "history_enabled": {name: getattr(tools.history, name).isEnabled()
                            for name in ("place_button", "insert_style", "interrogate_button")},
        "notes": [tools.panel.note.text(), tools.history.note.text()],
    }
    for section in tools.sections.values():  # what the rest of the docker takes, for comparison
        section.hide()
    QApplication.processEvents()
    report["height_without_tools"] = docker.scroll.widget().sizeHint().height()
    report["tools_header_heights"] = [s.sizeHint().height() for s in tools.sections.values()]
    for section in tools.sections.values():
        section.show()
    listing = docker.controller.listing
    tools.panel.show_listing(listing, ("finish",))  # an older daemon: no upscale, noise, history
    tools.history.show_capabilities(("history",))
    report["old_daemon"] = {"notes": [tools.panel.note.text(), tools.history.note.text()],
                            "upscale": tools.panel.upscale_button.isEnabled(),
                            "edit": tools.panel.edit_button.isEnabled(),
                            "interrogate": tools.history.interrogate_button.isEnabled()}
    tools._on_connected(docker.controller.connection.daemon().info, [], "")  # back to what the daemon offers
    # A picture of the open section to look at (next to the report), then folded again.
    docker.extras_section.setExpanded(True)
    tools.section.setExpanded(True)
    QApplication.processEvents()
    root = docker.scroll.widget()
    root.resize(root.sizeHint())
    root.grab().save(os.path.join(os.path.dirname(os.environ["UNDERPAINT_SCENARIOS_OUT"]), "tools-open.png"))
    docker.extras_section.setExpanded(False)
    tools.section.setExpanded(False)
    return report


def scenario_upscale_whole_image():
    """×2 with the demo ESRGAN, "scale the image to fit": the image doubles, one layer on top
    holds the daemon's pixels at (0, 0)."""
    docker = docker_tools()
    panel = docker.tools.panel
    doc = make_document(64, 48)
    use_document(docker, doc)
    names_before = [n.name() for n in doc.rootNode().childNodes()]
    panel.upscaler.setCurrentIndex(panel.upscaler.findData("esrgan-demo-x4"))
    panel.factor.setCurrentIndex(panel.factor.findData(2))
    panel.target.setCurrentIndex(panel.target.findData("scale"))
    panel.refine.setChecked(False)
    report = job(docker, docker.tools.upscale)
    settle(doc)
    report["size"] = [doc.width(), doc.height()]
    report["tree"] = layer_tree(doc.rootNode())
    added = new_node(doc, names_before)
    outcome = docker.controller.last_outcome
    if added and outcome and outcome.results:
        r = outcome.results[0]
        report["layer_mismatches"] = layer_mismatches(added[0], r.image, r.x, r.y)
    report["panel_message"] = docker.message.text()
    return report


def scenario_upscale_selection_refined_new_document():
    """×3 Lanczos + the model's refine on a selection, as a new document: this image keeps its
    size, the new document is the selection ×3."""
    docker = docker_tools()
    panel = docker.tools.panel
    doc = make_document(64, 48)
    select_rect(doc, 8, 6, 16, 12)
    use_document(docker, doc)
    opened_before = len(docker.tools.controller.opened)
    panel.upscaler.setCurrentIndex(panel.upscaler.findData(""))
    panel.factor.setCurrentIndex(panel.factor.findData(3))
    panel.target.setCurrentIndex(panel.target.findData("new"))
    panel.refine.setChecked(True)
    panel.refine_strength.setValue(0.3)
    docker.steps.setValue(10)  # 0.3 of 2 steps would be no step: the daemon refuses that
    report = job(docker, docker.tools.upscale)
    docker.steps.setValue(2)
    panel.refine.setChecked(False)
    settle(doc)
    report["size"] = [doc.width(), doc.height()]
    report["layers"] = [n.name() for n in doc.rootNode().childNodes()]
    opened = docker.tools.controller.opened[opened_before:]
    report["documents_added"] = len(opened)
    report["new_is_open"] = bool(opened) and any(d == opened[-1] for d in Krita.instance().documents())
    if opened:
        new = opened[-1]
        report["new_document"] = [new.width(), new.height(), [n.name() for n in new.rootNode().childNodes()]]
    return report


def scenario_edit():
    """Edit (no mask) on a selection: "a red apple" -> "a green apple", a new layer over it."""
    docker = docker_tools()
    panel = docker.tools.panel
    doc = make_document(64, 64)
    select_rect(doc, 16, 16, 24, 24)
    use_document(docker, doc)
    names_before = [n.name() for n in doc.rootNode().childNodes()]
    before = document.read_pixels(doc, (0, 0, 64, 64))
    panel.edit_from.setText("a red apple")
    panel.edit_to.setText("a green apple")
    report = job(docker, docker.tools.edit)
    settle(doc)
    report["tree"] = layer_tree(doc.rootNode())
    report["added"] = [n.name() for n in new_node(doc, names_before)]
    report["background_unchanged"] = document.read_layer(doc, doc.rootNode().childNodes()[0])[0] == pattern_rgba(64, 64)
    report["projection_changed"] = document.read_pixels(doc, (0, 0, 64, 64)) != before
    return report


def scenario_edit_refusals():
    docker = docker_tools()
    panel = docker.tools.panel
    doc = make_document(32, 32)
    use_document(docker, doc)
    panel.edit_from.setText("a red apple")
    panel.edit_to.setText("  ")
    refused = []
    docker.controller.refused.connect(refused.append)
    accepted = docker.tools.edit()
    plain = make_document(32, 32)
    use_document(docker, plain)
    accepted_keyframes = docker.tools.keyframes()
    return {"accepted": [accepted, accepted_keyframes], "refused": refused + [docker.message.text()]}


def scenario_keyframes():
    """The 3 keyframes of the fixture's animated layer, one frozen noise: three outputs in frame
    order as a group of layers, a frame counter per finished frame."""
    docker = docker_tools()
    doc = Krita.instance().openDocument(os.environ["UNDERPAINT_ANIMATED_KRA"])
    settle(doc)
    use_document(docker, doc)
    names_before = [n.name() for n in doc.rootNode().childNodes()]
    frames = []
    docker.tools.controller.frame_done.connect(lambda done, total: frames.append([done, total]))
    report = job(docker, docker.tools.keyframes)
    settle(doc)
    report["frame_events"] = list(frames)  # a copy: the cancel scenario's job adds to the list
    report["frame_note"] = docker.tools.panel.note.text()
    report["result_indexes"] = [r.index for r in docker.controller.last_outcome.results]
    report["tree"] = [n for n in layer_tree(doc.rootNode()) if n["name"] not in names_before]
    # each frame layer holds its own result: compare with the daemon's images by index
    outcome = docker.controller.last_outcome
    group = new_node(doc, names_before)
    if group and outcome and len(outcome.results) == 3:
        layers = list(reversed(group[0].childNodes()))  # Krita lists bottom to top
        by_index = {r.index: r for r in outcome.results}
        report["frame_mismatches"] = [layer_mismatches(layers[i], by_index[i].image, 0, 0) for i in range(3)]
        report["outputs_differ"] = len({bytes(r.image.data) for r in outcome.results}) == 3
    return report


def scenario_keyframes_cancel():
    """Cancel while the frames run: the job ends cancelled and nothing is added."""
    docker = docker_tools()
    doc = Krita.instance().openDocument(os.environ["UNDERPAINT_ANIMATED_KRA"])
    settle(doc)
    use_document(docker, doc)
    names_before = [n.name() for n in doc.rootNode().childNodes()]
    docker.steps.setValue(150)  # long enough to be cancelled mid-way
    cancelled = []

    def cancel_once():  # run_job's handler stays connected: later jobs must not be cancelled
        if not cancelled:
            cancelled.append(True)
            docker._on_cancel()

    report = job(docker, docker.tools.keyframes, on_started=cancel_once)
    docker.steps.setValue(2)
    settle(doc)
    report["added"] = [n.name() for n in new_node(doc, names_before)]
    report["buttons_enabled_after"] = [docker.generate_button.isEnabled(), docker.tools.panel.keyframes_button.isEnabled()]
    return report


def scenario_history():
    """A fill in a document with its own name; the History lists it (this document only);
    Place again adds its pixels where the fill was; Reuse parameters fills the panel."""
    docker = docker_tools()
    tools = docker.tools
    name = "history-%s" % uuid.uuid4().hex[:8]
    doc = Krita.instance().createDocument(64, 48, name, "RGBA", "U8", "", 72.0)
    select_rect(doc, 10, 12, 20, 16)
    use_document(docker, doc)
    settings = docker.settings()
    settings.prompt, settings.steps, settings.seed, settings.feather = "a blue boat", 2, 4321, -1
    fill = job(docker, lambda: docker.controller.generate(doc, settings))
    settle(doc)
    report = {"fill": {k: fill[k] for k in ("status", "message")}}
    if fill["status"] != "succeeded":
        return report
    fill_node = doc.rootNode().childNodes()[-1]
    result = docker.controller.last_outcome.results[0]
    report["fill_bounds"] = [result.x, result.y, result.image.width, result.image.height]
    listed = []
    tools.controller.history_listed.connect(lambda page, error: listed.append((page, error)))
    tools.refresh_history()
    pump_until(lambda: listed, 30)
    page, error = listed[-1] if listed else (None, "timeout")
    report["listed"] = [[e.document, e.parameters.prompt, e.parameters.seed] for e in page.entries] if page else error
    report["rows"] = [tools.history.entries.item(i).text() for i in range(tools.history.entries.count())]
    pump_until(lambda: tools.history.thumbnails_shown, 30)
    report["thumbnails_shown"] = tools.history.thumbnails_shown
    report["thumbnail_formats"] = [e.thumbnail.format for e in page.entries] if page else []
    report["archive_id_matches"] = bool(page and page.entries and page.entries[0].id == result.archive_id)
    # Place again, on the same document
    doc.setSelection(None)
    placed = []
    tools.controller.placed.connect(lambda status, message: placed.append([status, message]))
    names_before = [n.name() for n in doc.rootNode().childNodes()]
    tools.history.entries.setCurrentRow(0)
    tools.place_again()
    pump_until(lambda: placed, 30)
    settle(doc)
    report["placed"] = placed
    added = new_node(doc, names_before)
    report["placed_layers"] = layer_tree(doc.rootNode())[-1:] if added else []
    if added:
        report["placed_mismatches"] = layer_mismatches(added[0], result.image, result.x, result.y)
        report["same_as_fill"] = (bytes(added[0].pixelData(*[result.x, result.y, result.image.width,
                                                              result.image.height]))
                                  == bytes(fill_node.pixelData(result.x, result.y, result.image.width,
                                                               result.image.height)))
    # Reuse parameters into the panel
    reused = []
    tools.controller.reused.connect(lambda fields, error: reused.append(error))
    docker.prompt.setPlainText("something else")
    tools.reuse()
    pump_until(lambda: reused, 30)
    QApplication.processEvents()
    report["reused"] = {"error": reused[0] if reused else "timeout", "prompt": docker.prompt.toPlainText(),
                        "seed": docker.settings().seed, "steps": docker.steps.value()}
    return report


def scenario_styles_and_interrogate():
    docker = docker_tools()
    tools = docker.tools
    doc = make_document(64, 64)
    use_document(docker, doc)
    docker.prompt.setPlainText("a castle")
    cursor = docker.prompt.textCursor()
    cursor.setPosition(len("a castle"))
    docker.prompt.setTextCursor(cursor)
    tools.history.style.setCurrentIndex(tools.history.style.findData("ink-wash"))
    tools.insert_style()
    report = {"prompt_with_style": docker.prompt.toPlainText()}
    answers = []
    tools.controller.interrogated.connect(lambda prompt, error: answers.append([prompt, error]))
    docker.prompt.setPlainText("")
    tools.interrogate()
    pump_until(lambda: answers, 120)
    QApplication.processEvents()
    report["interrogated"] = answers
    report["prompt_after"] = docker.prompt.toPlainText()
    return report


SCENARIOS = {name[len("scenario_"):]: fn for name, fn in list(globals().items()) if name.startswith("scenario_")}


def main(*_args):
    import faulthandler

    # A scenario that hangs Krita leaves every thread's stack in the log instead of a silent timeout.
    stacks = open(os.environ["UNDERPAINT_SCENARIOS_OUT"] + ".stacks", "w")
    faulthandler.dump_traceback_later(400, exit=True, file=stacks)
    # An exception in a Qt slot would open Krita's error dialog and hang kritarunner: record it.
    slot_errors = []
    sys.excepthook = lambda *error: slot_errors.append("".join(traceback.format_exception(*error)))
    wanted = [s for s in os.environ.get("UNDERPAINT_SCENARIOS", "").split(",") if s] or list(SCENARIOS)
    results = {}
    for name in wanted:
        try:
            results[name] = SCENARIOS[name]()
        except Exception:
            results[name] = {"error": traceback.format_exc()}
    results["slot_errors"] = slot_errors
    with open(os.environ["UNDERPAINT_SCENARIOS_OUT"], "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)
    # Let the docker's background threads end before kritarunner tears Qt down (see krita_scenarios).
    for docker in _DOCKER:
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
    for tools_docker in _DOCKER:
        tools_docker.tools.controller.opened.clear()
