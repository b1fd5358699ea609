"""Board scenarios inside real Krita: Send / Place through the board, and live links (a layer
that follows a channel, survives a save and reopen). Plain facts only; test_krita_scenarios.py
judges them."""

import os
import time

from scenario_helpers import (Krita, board_call, document, make_document, pattern_rgba, pump_until, rect,
                              settle)


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
        report[name]["layers"] = [[n.name(), rect(n.bounds())] for n in placed]
        if placed:
            b = placed[0].bounds()
            got = document.pixel_depth.to_rgba8(bytes(placed[0].pixelData(b.x(), b.y(), 10, 8)), "U8")
            report[name]["same_pixels"] = got == ink_rgba
    report["bad_channel"] = board_call("send_to_board", source, "bad..name", node=ink)
    report["empty_channel"] = board_call("send_to_board", source, " ", node=ink)
    report["missing_channel"] = board_call("place_from_board", source, "krita-test/nothing-here")
    return report


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
        return {"bounds": rect(b), "same_pixels": got == rgba}

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
        return {"name": node.name(), "bounds": rect(b), "rgba": rgba}

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
    report["placed"] = [[n.name(), rect(n.bounds())] for n in placed]
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
