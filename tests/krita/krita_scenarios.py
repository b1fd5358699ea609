"""Scenarios that run INSIDE real Krita (kritarunner) against a real daemon.

Run by test_krita_plugin.py as
    kritarunner -s krita_scenarios -f main
with env: UNDERPAINT_KRITA_PLUGIN_PATH (folder holding the built underpaint_krita package),
UNDERPAINT_HTTP (the daemon's gateway), UNDERPAINT_SCENARIOS_OUT (JSON file to write),
UNDERPAINT_SCENARIOS (optional comma list). Each scenario reports plain facts (sizes, names,
counts of changed pixels); the pytest side decides what is right.
"""

import gc
import json
import os
import socket
import sys
import time
import traceback

sys.path.insert(0, os.environ["UNDERPAINT_KRITA_PLUGIN_PATH"])

from krita import Krita, Selection  # noqa: E402

import underpaint_krita  # noqa: E402,F401  (puts the vendored kit on sys.path)
from underpaint_krita import document, planning  # noqa: E402
from underpaint_krita.controller import Connection, JobController  # noqa: E402
from underpaint_krita.qt import QApplication  # noqa: E402

JOB_TIMEOUT_S = 120
PROMPT = "a red apple on a table"


# --- helpers -----------------------------------------------------------------------------------


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
            "bounds": _rect(child.bounds()),
            "children": layer_tree(child) if child.type() == "grouplayer" else [],
        }
        for child in node.childNodes()
    ]


def _rect(qrect):
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


# --- scenarios -----------------------------------------------------------------------------------


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
    docker.address.setText(os.environ.get("UNDERPAINT_HTTP", ""))
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
        "light_text": docker.connection_text.text(),
        "settings": {"prompt": s.prompt, "strength": s.strength, "seed": s.seed, "count": s.count},
        "generate_enabled": docker.generate_button.isEnabled(),
        "cancel_enabled": docker.cancel_button.isEnabled(),
    }


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


def scenario_board():
    source = make_document(64, 48)
    ink = source.createNode("ink", "paintlayer")
    ink_rgba = bytes((i * 5) % 256 for i in range(10 * 8 * 4))
    ink.setPixelData(document.pixel_depth.from_rgba8(ink_rgba, "U8"), 5, 6, 10, 8)
    source.rootNode().addChildNode(ink, None)
    settle(source)
    channel = "krita-test/ink-%d" % os.getpid()
    report = {"channel": channel}
    report["send"] = board_call("send_to_board", source, channel, node=ink)
    for name, size in (("same_size", (64, 48)), ("other_size", (32, 32))):
        target = make_document(*size)
        report[name] = board_call("place_from_board", target, channel)
        placed = [n for n in target.rootNode().childNodes() if n.name() != "Background"]
        report[name]["layers"] = [[n.name(), _rect(n.bounds())] for n in placed]
        if placed:
            b = placed[0].bounds()
            got = document.pixel_depth.to_rgba8(bytes(placed[0].pixelData(b.x(), b.y(), 10, 8)), "U8")
            report[name]["same_pixels"] = got == ink_rgba
    report["bad_channel"] = board_call("send_to_board", source, "bad..name", node=ink)
    report["empty_channel"] = board_call("send_to_board", source, " ", node=ink)
    report["missing_channel"] = board_call("place_from_board", source, "krita-test/nothing-here")
    return report


def pump_until(predicate, timeout):
    """Process Qt events until predicate() is true or timeout seconds passed; its last value."""
    began = time.monotonic()
    while not predicate() and time.monotonic() - began < timeout:
        QApplication.processEvents()
        time.sleep(0.01)
    return predicate()


def reopen_and_follow(doc, links, publisher, channel, updates):
    """Save the document with its links, close it, publish, open it again: the links come back
    (from the .kra), catch up with what was published meanwhile and follow the channel again."""
    import tempfile

    from underpaint_kit import requests

    path = os.path.join(tempfile.mkdtemp(prefix="underpaint-live-"), "linked.kra")
    saved = doc.saveAs(path)
    doc.waitForDone()
    doc.close()
    links.links()  # drops the closed document's links
    report = {"saved": saved, "links_after_close": len(links.book.links())}
    while_closed = bytes([200, 100, 50, 255]) * 4
    report["published_while_closed"] = publisher.publish(channel, requests.rgba_image(2, 2, while_closed)).version
    count = len(updates)
    reopened = Krita.instance().openDocument(path)
    pump_until(lambda: links.book.links(), 10)
    report["links"] = [[link.layer, link.channel, link.document == reopened] for link in links.book.links()]
    report["caught_up"] = pump_until(lambda: len(updates) > count, 30)
    placed = [n for n in reopened.rootNode().childNodes() if n.name() == "board ⇄ " + channel]

    def shows(rgba, width, height):
        settle(reopened)
        b = placed[0].bounds()
        got = document.pixel_depth.to_rgba8(bytes(placed[0].pixelData(b.x(), b.y(), width, height)), "U8")
        return {"bounds": _rect(b), "same_pixels": got == rgba}

    if placed:
        report["after_catch_up"] = shows(while_closed, 2, 2)
        count = len(updates)
        later = bytes([5, 50, 150, 255]) * 6
        publisher.publish(channel, requests.rgba_image(3, 2, later))
        report["updated"] = pump_until(lambda: len(updates) > count, 30)
        report["after_update"] = shows(later, 3, 2)
    reopened.setModified(False)
    return report


def scenario_live_link():
    """A layer follows a channel through the docker's live links: publications from outside
    repaint it (and nothing else), Unlink ends that, Place linked adds a following layer."""
    from underpaint_kit import connect_daemon, pb_board, requests

    from underpaint_krita.docker import UnderpaintDocker

    docker = UnderpaintDocker()
    links, panel = docker.live_links, docker.board
    doc = make_document(64, 48)
    other = doc.createNode("other", "paintlayer")
    other.setPixelData(document.pixel_depth.from_rgba8(pattern_rgba(20, 20), "U8"), 30, 20, 20, 20)
    ink = doc.createNode("ink", "paintlayer")
    ink.setPixelData(document.pixel_depth.from_rgba8(bytes([9, 8, 7, 255]) * 16, "U8"), 2, 3, 4, 4)
    doc.rootNode().addChildNode(other, None)
    doc.rootNode().addChildNode(ink, None)
    doc.setActiveNode(ink)
    settle(doc)

    def untouched():
        return [bytes(n.pixelData(0, 0, 64, 48)) for n in doc.rootNode().childNodes() if n.name() in ("Background", "other")]

    before = untouched()
    channel = "krita-test/live-%d" % os.getpid()
    publisher = connect_daemon(address=os.environ["UNDERPAINT_HTTP"])
    updates, messages = [], []
    links.layer_updated.connect(lambda link_id, version: updates.append(version))
    links.message.connect(messages.append)
    report = {"channel": channel}

    def layer_facts(node):
        settle(doc)
        b = node.bounds()
        rgba = document.pixel_depth.to_rgba8(bytes(node.pixelData(b.x(), b.y(), b.width(), b.height())), "U8")
        return {"name": node.name(), "bounds": _rect(b), "rgba": rgba}

    def publish_and_wait(seed, width, height, meta, timeout=30):
        rgba = bytes(((seed * 37 + i * 13) % 255) if i % 4 != 3 else 255 for i in range(width * height * 4))
        count = len(updates)
        began = time.monotonic()
        entry = publisher.publish(channel, requests.rgba_image(width, height, rgba), meta)
        arrived = pump_until(lambda: len(updates) > count, timeout)
        facts = layer_facts(ink)
        return {"version": entry.version, "arrived": arrived, "seconds": round(time.monotonic() - began, 2),
                "name": facts["name"], "bounds": facts["bounds"], "same_pixels": facts["rgba"] == rgba,
                "others_unchanged": untouched() == before}

    report["refused_bad_name"] = [links.follow_layer(doc, "bad name", node=ink), messages[-1] if messages else ""]
    report["refused_group"] = [links.follow_layer(doc, channel, node=doc.rootNode()), messages[-1]]
    report["follow_accepted"] = links.follow_layer(doc, channel, node=ink)
    pump_until(lambda: links.book.links() and links.state == "ok", 30)
    report["linked"] = {"name": ink.name(), "state": links.state, "status": panel.link_status.text(),
                        "list": [panel.link_list.item(i).text() for i in range(panel.link_list.count())],
                        "pixels_kept": layer_facts(ink)["rgba"] == bytes([9, 8, 7, 255]) * 16}
    same_size = pb_board.BoardMeta(source_app="test", x=10, y=12, document_width=64, document_height=48)
    report["first"] = publish_and_wait(1, 6, 5, same_size)
    other_size = pb_board.BoardMeta(source_app="test", x=40, y=40, document_width=100, document_height=90)
    report["second"] = publish_and_wait(2, 7, 4, other_size)
    report["list_after_updates"] = [panel.link_list.item(i).text() for i in range(panel.link_list.count())]

    panel.link_list.setCurrentRow(0)
    panel.unlink.click()  # the panel's Unlink on the selected link
    report["unlinked"] = {"name": ink.name(), "links": len(links.book.links()), "list": panel.link_list.count(),
                          "state": links.state}
    kept = layer_facts(ink)
    after_unlink = publish_and_wait(3, 5, 5, same_size, timeout=3)  # time for a (wrong) update
    report["after_unlink"] = {"arrived": after_unlink["arrived"], "unchanged": layer_facts(ink) == kept,
                              "loop_running": links.follower.running}

    report["place_accepted"] = links.place_linked(doc, channel)
    pump_until(lambda: links.book.links(), 30)
    placed = [n for n in doc.rootNode().childNodes() if n.name().endswith(channel) and n.name() != ink.name()]
    report["placed"] = [[n.name(), _rect(n.bounds())] for n in placed]
    if placed:
        count = len(updates)
        rgba = bytes([1, 2, 3, 255]) * 9
        publisher.publish(channel, requests.rgba_image(3, 3, rgba), same_size)
        report["placed_updated"] = pump_until(lambda: len(updates) > count, 30)
        facts = layer_facts(placed[0])
        report["placed_after"] = {"bounds": facts["bounds"], "same_pixels": facts["rgba"] == rgba}
    report["reopened"] = reopen_and_follow(doc, links, publisher, channel, updates)
    links.shutdown()
    report["messages"] = messages
    return report


SCENARIOS = {name[len("scenario_"):]: fn for name, fn in globals().items() if name.startswith("scenario_")}


def main(*_args):
    wanted = [s for s in os.environ.get("UNDERPAINT_SCENARIOS", "").split(",") if s] or list(SCENARIOS)
    results = {}
    for name in wanted:
        try:
            results[name] = SCENARIOS[name]()
        except Exception:
            results[name] = {"error": traceback.format_exc()}
    with open(os.environ["UNDERPAINT_SCENARIOS_OUT"], "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)
    # Let the last worker threads end and their queued signals arrive before Krita tears Qt
    # down: a signal delivered during kritarunner's teardown crashes it.
    ends = time.monotonic() + 1.0
    while time.monotonic() < ends:
        QApplication.processEvents()
        time.sleep(0.02)
    gc.collect()
