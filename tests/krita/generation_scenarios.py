"""Generation scenarios inside real Krita: fill, generate, variations, refine, expand, cancel,
refusals, a daemon that is down, colour models and depths, and the docker's own widgets.
Each returns plain facts; test_krita_scenarios.py judges them."""

import os
import socket
import time

from scenario_helpers import (JOB_TIMEOUT_S, QApplication, count_changes, document, layer_mismatches,
                              layer_tree, make_document, new_controller, pattern_rgba, run_job,
                              select_rect, settings, settle)


def scenario_fill():
    doc = make_document(96, 80)
    rect = (13, 7, 21, 17)
    select_rect(doc, *rect)
    before = document.read_pixels(doc, (0, 0, 96, 80))
    names_before = [n.name() for n in doc.rootNode().childNodes()]
    controller = new_controller()
    report = run_job(controller, lambda: controller.generate(doc, settings()))
    settle(doc)
    after = document.read_pixels(doc, (0, 0, 96, 80))
    report["outside_changed"], report["inside_changed"] = count_changes(before, after, 96, rect)
    report["names_before"] = names_before
    report["tree"] = layer_tree(doc.rootNode())
    report["selection_after"] = list(document.read_selection(doc)[1] or [])
    new_nodes = [n for n in doc.rootNode().childNodes() if n.name() not in names_before]
    outcome = controller.last_outcome
    if new_nodes and outcome and outcome.results:
        r = outcome.results[0]
        report["layer_mismatches"] = layer_mismatches(new_nodes[0], r.image, r.x, r.y)
    background = doc.rootNode().childNodes()[0]
    report["background_unchanged"] = bytes(background.pixelData(0, 0, 96, 80)) == document.pixel_depth.from_rgba8(pattern_rgba(96, 80), "U8")
    return report


def scenario_generate():
    doc = make_document(64, 64)
    before = document.read_pixels(doc, (0, 0, 64, 64))
    controller = new_controller()
    report = run_job(controller, lambda: controller.generate(doc, settings(seed=-1)))
    settle(doc)
    after = document.read_pixels(doc, (0, 0, 64, 64))
    report["outside_changed"], report["inside_changed"] = count_changes(before, after, 64, (0, 0, 64, 64))
    report["tree"] = layer_tree(doc.rootNode())
    return report


def scenario_variations():
    doc = make_document(64, 64)
    select_rect(doc, 9, 11, 30, 25)
    controller = new_controller()
    report = run_job(controller, lambda: controller.generate(doc, settings(count=3, seed=77)))
    settle(doc)
    report["tree"] = layer_tree(doc.rootNode())
    return report


def scenario_refine():
    doc = make_document(64, 64)
    select_rect(doc, 16, 16, 24, 24)
    controller = new_controller()
    report = run_job(controller, lambda: controller.generate(doc, settings(strength=0.5, steps=4)))
    report["tree"] = layer_tree(doc.rootNode())
    return report


def scenario_expand():
    doc = make_document(64, 48)
    old = pattern_rgba(64, 48)
    controller = new_controller()
    margins = (0, 32, 16, 0)
    report = run_job(controller, lambda: controller.expand(doc, settings(), margins))
    settle(doc)
    report["size"] = [doc.width(), doc.height()]
    background = doc.rootNode().childNodes()[0]
    moved = document.pixel_depth.to_rgba8(bytes(background.pixelData(0, 32, 64, 48)), "U8")
    report["old_pixels_in_place"] = moved == old
    report["old_area_projection_changed"] = count_changes(old, document.read_pixels(doc, (0, 32, 64, 48)), 64, (0, 0, 0, 0))[0]
    report["tree"] = layer_tree(doc.rootNode())
    return report


def scenario_cancel():
    """Cancel our long job once it runs, while another panel's job waits behind it: ours stops
    and adds nothing, the other one still finishes (cancelling never touches other jobs)."""
    doc, other_doc = make_document(64, 64), make_document(64, 64)
    controller, other = new_controller(), new_controller()
    other_done = {}
    other.finished.connect(lambda status, message, seed: other_done.update(status=status, message=message))
    refused = []
    controller.refused.connect(refused.append)

    def on_started():
        other.generate(other_doc, settings())
        controller.generate(doc, settings())  # a second click while busy is refused
        controller.cancel()

    report = run_job(controller, lambda: controller.generate(doc, settings(steps=150, count=4)), on_started=on_started)
    began = time.monotonic()
    while not other_done and time.monotonic() - began < JOB_TIMEOUT_S:
        QApplication.processEvents()
        time.sleep(0.01)
    report["tree"] = layer_tree(doc.rootNode())
    report["other"] = other_done
    report["other_tree"] = layer_tree(other_doc.rootNode())
    report["refused_while_busy"] = refused
    return report


def scenario_quit_during_job():
    """Krita quitting mid-job (the panel calls shutdown on aboutToQuit) cancels the job."""
    doc = make_document(64, 64)
    controller = new_controller()
    report = run_job(controller, lambda: controller.generate(doc, settings(steps=150, count=4)),
                     on_started=controller.shutdown)
    report["tree"] = layer_tree(doc.rootNode())
    return report


def scenario_refusals():
    doc = make_document(32, 32)
    clicks = {
        "no_margins": lambda c: c.expand(doc, settings(), (0, 0, 0, 0)),
        "negative_margin": lambda c: c.expand(doc, settings(), (8, -1, 0, 0)),
        "no_document": lambda c: c.generate(None, settings()),
    }
    report = {}
    for name, click in clicks.items():
        controller = new_controller()
        report[name] = run_job(controller, lambda: click(controller), timeout=5)
    report["tree"] = layer_tree(doc.rootNode())
    return report


def scenario_daemon_down():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    doc = make_document(64, 64)
    controller = new_controller(address="127.0.0.1:%d" % port)
    report = run_job(controller, lambda: controller.generate(doc, settings()), timeout=30)
    report["address"] = "127.0.0.1:%d" % port
    report["tree"] = layer_tree(doc.rootNode())
    return report


def scenario_cmyk():
    doc = make_document(32, 32, depth="U8", model="CMYKA")
    controller = new_controller()
    report = run_job(controller, lambda: controller.generate(doc, settings()), timeout=10)
    report["tree"] = layer_tree(doc.rootNode())
    return report


def scenario_deep_fill():
    doc = make_document(64, 64, depth="U16")
    rect = (20, 9, 17, 23)
    select_rect(doc, *rect)
    before = document.read_pixels(doc, (0, 0, 64, 64))
    controller = new_controller()
    report = run_job(controller, lambda: controller.generate(doc, settings()))
    settle(doc)
    after = document.read_pixels(doc, (0, 0, 64, 64))
    report["outside_changed"], report["inside_changed"] = count_changes(before, after, 64, rect)
    report["pattern_roundtrip"] = before == pattern_rgba(64, 64)
    report["tree"] = layer_tree(doc.rootNode())
    return report


def scenario_docker():
    from underpaint_krita.docker import UnderpaintDocker

    docker = UnderpaintDocker()
    docker.connection.address.setText(os.environ.get("UNDERPAINT_HTTP", ""))
    connected = {}
    docker.controller.connected.connect(lambda info, models, error: connected.update(ok=info is not None, error=error))
    docker._on_connect_clicked()
    began = time.monotonic()
    while not connected and time.monotonic() - began < 30:
        QApplication.processEvents()
        time.sleep(0.01)
    QApplication.processEvents()
    models = [docker.model.itemData(i) for i in range(docker.model.count())]
    docker.prompt.setPlainText("  a castle  ")
    docker.strength.setValue(60)
    s = docker.settings()
    return {
        "connected": connected,
        "models": models,
        "light_text": docker.connection.text.text(),
        "note_text": docker.connection.note.text(),
        "model_labels": [docker.model.itemText(i) for i in range(docker.model.count())],
        "settings": {"prompt": s.prompt, "strength": s.strength, "seed": s.seed, "count": s.count},
        "generate_enabled": docker.generate_button.isEnabled(),
        "cancel_enabled": docker.cancel_button.isEnabled(),
    }


_DOCKERS = []  # one docker for the add-on and face scenarios: each docker starts background work
              # (connection, board links) that must not still be running when kritarunner quits


def _connected_docker():
    from underpaint_krita.docker import UnderpaintDocker

    if _DOCKERS:
        return _DOCKERS[0], {"ok": True, "error": ""}
    docker = UnderpaintDocker()
    _DOCKERS.append(docker)
    docker.connection.address.setText(os.environ.get("UNDERPAINT_HTTP", ""))
    connected = {}
    docker.controller.connected.connect(lambda info, models, error: connected.update(ok=info is not None, error=error))
    docker._on_connect_clicked()
    began = time.monotonic()
    while not connected and time.monotonic() - began < 30:
        QApplication.processEvents()
        time.sleep(0.01)
    QApplication.processEvents()
    return docker, connected


def _items(combo):
    return [[combo.itemText(i), combo.itemData(i)] for i in range(combo.count())]


def scenario_docker_addons():
    """The add-on pickers list what the daemon has for the chosen model, write A1111 text into the
    prompt at the cursor, and a generation with the LoRA tag and the chosen VAE succeeds."""
    docker, connected = _connected_docker()
    panel = docker.addons
    report = {"connected": connected, "loras": _items(panel.lora), "embeddings": _items(panel.embedding),
              "vaes": _items(panel.vae), "note": panel.note.text()}
    docker.model.setCurrentIndex(docker.model.findData("underpaint-demo"))
    # The token counter answers a moment after typing stops.
    docker.prompt.setPlainText("a (red:1.3) castle")
    began = time.monotonic()
    while not docker.tokens.label.text() and time.monotonic() - began < 30:
        QApplication.processEvents()
        time.sleep(0.01)
    report["tokens"] = [docker.tokens.label.text(), docker.tokens.label.toolTip(), docker.tokens.label.isVisible()]
    docker.prompt.setPlainText("a castle")
    cursor = docker.prompt.textCursor()
    cursor.setPosition(len("a castle"))
    docker.prompt.setTextCursor(cursor)
    panel.lora_weight.setValue(0.5)
    panel.insert_lora.click()
    panel.insert_negative.click()
    panel.vae.setCurrentIndex(panel.vae.count() - 1)
    report["prompt"] = docker.prompt.toPlainText()
    report["negative"] = docker.negative.toPlainText()
    settings_now = docker.settings()
    report["vae"] = settings_now.vae
    doc = make_document(64, 64)
    settings_now.steps, settings_now.seed = 2, 5
    report["job"] = dict(run_job(docker.controller, lambda: docker.controller.generate(doc, settings_now)))
    settle(doc)
    report["tree"] = layer_tree(doc.rootNode())
    return report


def scenario_docker_faces():
    """Faces: re-render after generating rides on the generation job; the buttons run a finishing
    job on the selection's area. The demo model paints noise, so the daemon finds no face."""
    docker, connected = _connected_docker()
    faces = docker.faces
    report = {"connected": connected, "rerender_enabled": faces.rerender_after.isEnabled(),
              "restore_enabled": faces.restore_after.isEnabled(), "note": faces.note.text()}
    faces.rerender_after.setChecked(True)
    doc = make_document(64, 64)
    settings_now = docker.settings()
    settings_now.prompt, settings_now.steps, settings_now.seed = "a portrait", 2, 3
    # A copy: run_job's handlers stay connected to this controller and would update it again.
    report["after_generation"] = dict(run_job(docker.controller, lambda: docker.controller.generate(doc, settings_now)))
    settle(doc)
    select_rect(doc, 8, 8, 40, 40)
    settle(doc)
    names_before = [n.name() for n in doc.rootNode().childNodes()]
    report["button"] = run_job(docker.controller, lambda: docker.controller.fix_faces(doc, settings_now, "rerender"))
    settle(doc)
    report["added_by_button"] = [n.name() for n in doc.rootNode().childNodes() if n.name() not in names_before]
    return report
