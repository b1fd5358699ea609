"""Control layers and live mode inside real Krita (kritarunner) against a real daemon, driven
through the docker. Plain facts only; test_krita_controls.py judges them."""

import hashlib
import os
import tempfile

from generation_scenarios import _connected_docker
from scenario_helpers import Krita, document, layer_tree, make_document, pattern_rgba, pump_until, run_job, settle

DEMO = "underpaint-demo"


def _digest(data):
    return hashlib.sha256(bytes(data)).hexdigest()[:16]


def _lines(size, step):
    """White lines on transparency, as an artist sketches on an empty layer."""
    out = bytearray(size * size * 4)
    for y in range(size):
        for x in range(size):
            if x % step == 0 or y % step == 0 or x == y:
                out[(y * size + x) * 4:(y * size + x + 1) * 4] = b"\xff\xff\xff\xff"
    return bytes(out)


def _add_layer(doc, name, rgba, rect, visible=True):
    node = doc.createNode(name, "paintlayer")
    node.setPixelData(document.pixel_depth.from_rgba8(rgba, "U8"), *rect)
    doc.rootNode().addChildNode(node, None)
    node.setVisible(visible)
    settle(doc)
    return node


def _generate(docker, doc):
    """Click Generate's path with the panel's settings for `doc`; the daemon's result digest and
    the request's controls."""
    settings = docker.settings(doc)
    settings.prompt, settings.steps, settings.seed = "a house", 2, 11
    job = dict(run_job(docker.controller, lambda: docker.controller.generate(doc, settings)))
    outcome = docker.controller.last_outcome
    job["result"] = _digest(outcome.results[0].image.data) if outcome and outcome.results else None
    request = docker.controller.last_request
    job["controls"] = [{"type": c.type, "strength": round(c.strength, 3), "start": round(c.start, 3),
                        "end": round(c.end, 3), "x": c.x, "y": c.y, "size": [c.image.width, c.image.height],
                        "pixels": _digest(c.image.data)} for c in request.controls]
    settle(doc)
    return job


def _mark(docker, doc, node, kind, strength, start=0, end=100):
    panel = docker.control_panel
    panel.type.setCurrentIndex(panel.type.findData(kind))
    panel.strength.setValue(strength)
    panel.start.setValue(start)
    panel.end.setValue(end)
    return panel.mark_layer(doc, node)


def scenario_control_layers():
    docker, connected = _connected_docker()
    docker.model.setCurrentIndex(docker.model.findData(DEMO))
    panel = docker.control_panel
    messages = []
    panel.message.connect(messages.append)
    report = {"connected": connected, "types": [panel.type.itemData(i) for i in range(panel.type.count())],
              "note": panel.note.text()}
    doc = make_document(64, 64)
    sketch_rgba, photo_rgba = _lines(64, 9), pattern_rgba(16, 16)
    sketch = _add_layer(doc, "sketch", sketch_rgba, (0, 0, 64, 64), visible=False)  # hidden: still counts
    photo = _add_layer(doc, "photo", photo_rgba, (40, 4, 16, 16), visible=False)
    report["sketch_pixels"] = _digest(document.read_node_region(sketch, (0, 0, 64, 64)))
    report["photo_pixels"] = _digest(photo_rgba)
    report["plain"] = _generate(docker, doc)
    report["marked"] = _mark(docker, doc, sketch, "scribble", 1.0, 0, 80)
    report["scribble"] = _generate(docker, doc)
    _mark(docker, doc, sketch, "scribble", 0.0)
    report["scribble_0"] = _generate(docker, doc)
    _mark(docker, doc, sketch, "scribble", 1.0, 0, 80)
    report["reference_marked"] = _mark(docker, doc, photo, "reference", 0.8)
    report["both"] = _generate(docker, doc)
    panel.refresh(doc)
    report["list"] = [panel.list.item(i).text() for i in range(panel.list.count())]
    report["messages"] = messages[:]

    path = os.path.join(tempfile.mkdtemp(prefix="underpaint-controls-"), "controls.kra")
    report["saved"] = doc.saveAs(path)
    doc.waitForDone()
    doc.close()
    reopened = Krita.instance().openDocument(path)
    settle(reopened)
    report["reopened_marks"] = [[document.find_node(reopened, m.layer_id).name(), m.type, m.strength, m.start, m.end]
                                for m in panel.marks(reopened)]
    panel.refresh(reopened)
    report["reopened_list"] = [panel.list.item(i).text() for i in range(panel.list.count())]
    report["reopened_both"] = _generate(docker, reopened)
    panel.list.setCurrentRow(1)  # the reference
    report["unmarked"] = panel.unmark(reopened)
    report["after_unmark"] = [[m.type] for m in panel.marks(reopened)]
    report["reopened_tree"] = [n["name"] for n in layer_tree(reopened.rootNode())]

    # An older daemon without the capability: the section says so and offers nothing.
    caps = tuple(c for c in docker._capabilities if c not in ("controls", "reference_images"))
    panel.show_listing(docker.controller.listing, DEMO, caps)
    report["old_daemon"] = {"note": panel.note.text(), "types": panel.type.count(),
                            "mark_enabled": panel.mark_button.isEnabled(), "marks": len(panel.marks(reopened))}
    panel.show_listing(docker.controller.listing, DEMO, docker._capabilities)
    return report


def _live_layers(doc):
    return [n for n in doc.rootNode().childNodes() if n.name() == "Live result"]


def _composite(painted):
    """The canvas the request must carry: the background pattern with the painted squares (the
    live layer left out)."""
    canvas = bytearray(pattern_rgba(64, 64))
    for (x0, y0, size), colour in painted:
        for y in range(y0, y0 + size):
            for x in range(x0, x0 + size):
                canvas[(y * 64 + x) * 4:(y * 64 + x + 1) * 4] = colour
    return bytes(canvas)


def scenario_live_mode():
    docker, connected = _connected_docker()
    docker.model.setCurrentIndex(docker.model.findData(DEMO))
    live = docker.live
    report = {"connected": connected, "live_enabled": docker.live_button.isEnabled(),
              "apply_enabled_before": docker.apply_button.isEnabled()}
    doc = make_document(64, 64)
    paint = _add_layer(doc, "paint", bytes(4), (0, 0, 1, 1))
    docker.prompt.setPlainText("a garden")
    docker.strength.setValue(60)  # refine: the result follows the strokes
    docker.steps.setValue(2)
    report["started"] = live.start(doc)
    report["button_checked"] = docker.live_button.isChecked()
    painted = []
    steps = []
    for index, (square, colour) in enumerate([(None, None), ((8, 8, 12), b"\xff\x00\x00\xff"),
                                              ((30, 20, 16), b"\x00\x00\xff\xff")]):
        if square is not None:  # an edit, as a stroke would make it
            painted.append((square, colour))
            x, y, size = square
            paint.setPixelData(document.pixel_depth.from_rgba8(colour * size * size, "U8"), x, y, size, size)
            settle(doc)
        arrived = pump_until(lambda: live.placed > index, 60)
        layers = _live_layers(doc)
        step = {"arrived": arrived, "placed": live.placed, "live_layers": len(layers)}
        if layers and live.last_image is not None:
            image = live.last_image
            bounds = layers[0].bounds()
            shown = document.pixel_depth.to_rgba8(bytes(layers[0].pixelData(image.x, image.y, image.width, image.height)), "U8")
            step.update(bounds=[bounds.x(), bounds.y(), bounds.width(), bounds.height()],
                        shows_result=shown == image.rgba, result=_digest(image.rgba),
                        request_canvas_ok=bytes(live.last_request.canvas.region.data) == _composite(painted),
                        live_session=bool(live.last_request.live_session), top=doc.rootNode().childNodes()[-1].name())
        steps.append(step)
    report["steps"] = steps
    sent = live.sent
    pump_until(lambda: live.sent > sent, 1.5)  # no edit: the live layer itself must not trigger anything
    report["sent_without_edit"] = live.sent - sent
    report["apply_enabled"] = docker.apply_button.isEnabled()
    names_before = [n.name() for n in doc.rootNode().childNodes()]
    docker.apply_button.click()
    settle(doc)
    added = [n for n in doc.rootNode().childNodes() if n.name() not in names_before]
    report["applied"] = [[n.name(), n.type(), n.visible()] for n in added]
    if added:
        image_before = steps[-1].get("result")
        b = added[0].bounds()
        kept = document.pixel_depth.to_rgba8(bytes(added[0].pixelData(b.x(), b.y(), b.width(), b.height())), "U8")
        report["applied_pixels_are_result"] = _digest(kept) == image_before
        report["applied_below_live"] = [n.name() for n in doc.rootNode().childNodes()][-2:]
    live_layer = _live_layers(doc)
    report["live_cleared"] = bool(live_layer) and live_layer[0].bounds().width() == 0
    report["apply_enabled_after"] = docker.apply_button.isEnabled()
    docker.live_button.setChecked(False)  # Live off
    report["after_off"] = {"active": live.active, "session": live.session is not None,
                           "live_layers": len(_live_layers(doc)), "button": docker.live_button.isChecked(),
                           "names": [n.name() for n in doc.rootNode().childNodes()]}
    paint.setPixelData(document.pixel_depth.from_rgba8(b"\x00\xff\x00\xff" * 16, "U8"), 50, 50, 4, 4)
    settle(doc)
    placed = live.placed
    pump_until(lambda: live.placed > placed, 1.0)
    report["placed_after_off"] = live.placed - placed
    return report
