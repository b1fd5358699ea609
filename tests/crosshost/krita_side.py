"""Runs INSIDE real Krita (kritarunner) for test_board_across_hosts.py, once per direction:

    kritarunner -s krita_side -f send    publish a layer of known pixels with the panel's Send
    kritarunner -s krita_side -f place   place a channel's latest image with the panel's Place

Env: UNDERPAINT_KRITA_PLUGIN_PATH, UNDERPAINT_HTTP (as for tests/krita), CROSSHOST_CHANNEL,
CROSSHOST_WIDTH/HEIGHT, CROSSHOST_PIXELS (send: RGBA8 file to paint; place: where the layer's
pixels go, RGBA8), CROSSHOST_REPORT (JSON of plain facts). The pytest side judges the pixels.
"""

import gc
import json
import os
import time
import traceback

# tests/krita's helpers: the plugin import, documents, and "call a board method, wait for done".
from scenario_helpers import QApplication, board_call, close_documents, make_document, rect, settle


def swap_red_blue(data):
    """RGBA <-> BGRA (Krita's U8 pixelData order). Done here, not with the plugin's converter,
    so a byte-order bug in the plugin cannot hide behind the same bug in the check."""
    out = bytearray(data)
    out[0::4], out[2::4] = data[2::4], data[0::4]
    return bytes(out)


def _size():
    return int(os.environ["CROSSHOST_WIDTH"]), int(os.environ["CROSSHOST_HEIGHT"])


def do_send():
    width, height = _size()
    with open(os.environ["CROSSHOST_PIXELS"], "rb") as handle:
        rgba = handle.read()
    doc = make_document(width, height)  # 8-bit sRGB RGBA, background = a pattern
    layer = doc.createNode("crosshost paint", "paintlayer")
    layer.setPixelData(swap_red_blue(rgba), 0, 0, width, height)
    doc.rootNode().addChildNode(layer, None)
    settle(doc)
    stored = swap_red_blue(bytes(layer.pixelData(0, 0, width, height)))
    report = {"layer_holds_the_pixels": stored == rgba, "layer_bounds": rect(layer.bounds()),
              "profile": layer.colorProfile(), "depth": layer.colorDepth()}
    # the docker's Send button calls exactly this, with the active layer
    report["send"] = board_call("send_to_board", doc, os.environ["CROSSHOST_CHANNEL"], node=layer)
    return report


def do_place():
    width, height = _size()
    doc = make_document(width, height)
    names_before = [node.name() for node in doc.rootNode().childNodes()]
    report = {"place": board_call("place_from_board", doc, os.environ["CROSSHOST_CHANNEL"])}
    settle(doc)
    placed = [node for node in doc.rootNode().childNodes() if node.name() not in names_before]
    report["layers"] = [[node.name(), rect(node.bounds()), node.colorDepth(), node.colorProfile()]
                        for node in placed]
    if placed:
        raw = bytes(placed[0].pixelData(0, 0, width, height))
        with open(os.environ["CROSSHOST_PIXELS"], "wb") as handle:
            handle.write(swap_red_blue(raw))
    return report


def _run(step):
    try:
        report = step()
    except Exception:
        report = {"error": traceback.format_exc()}
    with open(os.environ["CROSSHOST_REPORT"], "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1)
    # As tests/krita/krita_scenarios.main: let worker threads end and queued signals arrive before Krita
    # tears Qt down (a signal delivered during kritarunner's teardown crashes it).
    ends = time.monotonic() + 1.0
    while time.monotonic() < ends:
        QApplication.processEvents()
        time.sleep(0.02)
    close_documents()  # as krita_scenarios: documents left open crash kritarunner's exit
    gc.collect()


def send(*_args):
    _run(do_send)


def place(*_args):
    _run(do_place)
