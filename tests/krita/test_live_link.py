"""Live links without Krita: the link book, names and placement (plain), and the board loop
(board_follower.py) against a real daemon, including the daemon going away and coming back."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from underpaint_krita import link_book
from underpaint_krita.board_follower import Backoff, BoardFollower

WAIT_S = 30


# --- plain logic ---------------------------------------------------------------------------------


def test_indicator_is_added_once_and_removed():
    named = link_book.linked_name("ink", "krita/sketch")
    assert named == "ink ⇄ krita/sketch"
    assert link_book.linked_name(named, "other") == "ink ⇄ other"  # relinking replaces it
    assert link_book.unlinked_name(named) == "ink"
    assert link_book.unlinked_name("plain name") == "plain name"


@pytest.mark.parametrize("name, reason", [("", "enter or pick"), ("bad name", "not a channel name"),
                                          ("/x", "start or end"), ("a/../b", "'..'"), ("x" * 65, "1-64")])
def test_bad_channel_names_are_refused_naming_the_field(name, reason):
    with pytest.raises(ValueError) as error:
        link_book.check_channel(name)
    assert str(error.value).startswith("channel:") and reason in str(error.value)


def test_good_channel_name_is_stripped():
    assert link_book.check_channel("  krita/poster.kra/bg_1-a ") == "krita/poster.kra/bg_1-a"


def meta(x, y, width, height):
    return SimpleNamespace(x=x, y=y, document_width=width, document_height=height)


def test_placement_uses_the_source_position_only_for_the_same_document_size():
    assert link_book.placement(meta(5, 6, 64, 48), (64, 48), (20, 30)) == (5, 6)
    assert link_book.placement(meta(5, 6, 64, 48), (32, 32), (20, 30)) == (20, 30)
    assert link_book.placement(meta(5, 6, 0, 0), (0, 0), (20, 30)) == (20, 30)  # no size known


def test_book_links_layers_per_document_and_one_channel_per_layer():
    book = link_book.LinkBook()
    doc_a, doc_b = object(), object()
    first = book.add(doc_a, "id-1", "ink ⇄ old", "sketch", version=3)
    assert first.layer == "ink"  # the indicator never becomes part of the remembered name
    book.add(doc_b, "id-1", "ink", "sketch", version=1)  # same id, other document: another link
    relinked = book.add(doc_a, "id-1", "ink", "colour")  # the same layer again: replaces
    assert [(l.document, l.channel) for l in book.links()] == [(doc_b, "sketch"), (doc_a, "colour")]
    assert book.for_layer(doc_a, "id-1") is relinked
    assert book.following() == {"sketch": 1, "colour": 0}
    assert [l.id for l in book.behind("sketch", 2)] == [book.for_layer(doc_b, "id-1").id]
    assert book.behind("sketch", 1) == []
    assert book.remove(relinked.id) is relinked and book.remove(relinked.id) is None
    assert book.following() == {"sketch": 1}


def test_links_saved_in_a_document_read_back_and_bad_entries_are_skipped():
    book = link_book.LinkBook()
    doc, other = object(), object()
    book.add(doc, "{id-1}", "ink", "sketch", version=4)
    book.add(other, "{id-2}", "paint", "elsewhere")
    book.add(doc, "{id-3}", "board", "krita/bg", version=1)
    data = link_book.encode_links(book.links(doc))
    assert link_book.decode_links(data) == [("{id-1}", "sketch", 4), ("{id-3}", "krita/bg", 1)]
    damaged = b'[{"layer": "a", "channel": "bad name"}, {"channel": "x"}, 7, {"layer": "b", "channel": "ok", "version": -3}]'
    assert link_book.decode_links(damaged) == [("b", "ok", 0)]
    assert link_book.decode_links(b"not json") == [] and link_book.decode_links(b'{"a": 1}') == []


def test_backoff_doubles_up_to_a_limit_and_resets():
    backoff = Backoff(first=0.5, longest=3)
    assert [backoff.next() for _ in range(5)] == [0.5, 1, 2, 3, 3]
    backoff.reset()
    assert backoff.next() == 0.5


# --- the board loop against a real daemon ----------------------------------------------------------


class KitConnection:
    """What BoardFollower needs from the plugin's Connection, on the kit alone."""

    def __init__(self, address):
        self.address = address
        self._daemon = None
        self.resets = 0

    def daemon(self):
        from underpaint_kit import connect_daemon

        if self._daemon is None:
            self._daemon = connect_daemon(address=self.address, timeout=5)
        return self._daemon

    def reset(self):
        self.resets += 1
        self._daemon = None


class Recorder:
    def __init__(self):
        self.entries, self.statuses, self.entry_threads = [], [], []
        self.changed = threading.Condition()

    def on_entry(self, entry):
        with self.changed:
            self.entries.append((entry.channel, entry.version, bytes(entry.image.data)))
            self.entry_threads.append(threading.current_thread())
            self.changed.notify_all()

    def on_status(self, state, message):
        with self.changed:
            self.statuses.append((state, message))
            self.changed.notify_all()

    def wait_for(self, predicate, timeout=WAIT_S):
        with self.changed:
            assert self.changed.wait_for(predicate, timeout), (self.entries, self.statuses[-5:])


def publish(address, channel, seed):
    from underpaint_kit import connect_daemon, requests

    pixels = bytes((seed * 31 + i) % 256 for i in range(4 * 3 * 4))
    entry = connect_daemon(address=address).publish(channel, requests.rgba_image(4, 3, pixels))
    return entry.version, pixels


def start_follower(address, channels, **kwargs):
    recorder = Recorder()
    follower = BoardFollower(KitConnection(address), recorder.on_entry, recorder.on_status, **kwargs)
    follower.follow(channels)
    recorder.wait_for(lambda: any(state == "ok" for state, _ in recorder.statuses))
    return follower, recorder


def test_loop_delivers_new_versions_of_followed_channels_only(daemon):
    channel, other = "follow-test/a-%d" % time.monotonic_ns(), "follow-test/other-%d" % time.monotonic_ns()
    follower, recorder = start_follower(daemon.http, {channel: 0})
    try:
        time.sleep(0.3)  # the long-poll is waiting now
        publish(daemon.http, other, 1)
        version, pixels = publish(daemon.http, channel, 2)
        recorder.wait_for(lambda: recorder.entries)
        assert recorder.entries == [(channel, version, pixels)]
        version2, pixels2 = publish(daemon.http, channel, 3)
        recorder.wait_for(lambda: len(recorder.entries) == 2)
        assert recorder.entries[1] == (channel, version2, pixels2)
    finally:
        follower.stop()


def test_adding_a_channel_restarts_the_poll_without_missing_anything(daemon):
    first, second = "follow-test/first-%d" % time.monotonic_ns(), "follow-test/second-%d" % time.monotonic_ns()
    follower, recorder = start_follower(daemon.http, {first: 0}, wait_ms=29000)
    try:
        time.sleep(0.3)  # let the first loop's poll reach the daemon (not asserted)
        old_loop = follower._loop.thread
        follower.follow({first: 0, second: 0})  # the running poll must not delay this one
        version, pixels = publish(daemon.http, second, 4)
        recorder.wait_for(lambda: recorder.entries)
        # A new loop brought the entry while the old one was still stuck in its poll (a publish
        # to `second` does not answer a poll for `first` alone): nothing waited for that poll.
        assert old_loop.is_alive() and recorder.entry_threads[0] is not old_loop
        assert recorder.entries == [(second, version, pixels)]
    finally:
        follower.stop()


def test_cold_start_catches_up_versions_the_links_have_not_shown(daemon):
    channel = "follow-test/catch-up-%d" % time.monotonic_ns()
    old, _ = publish(daemon.http, channel, 5)
    newer, pixels = publish(daemon.http, channel, 6)
    follower, recorder = start_follower(daemon.http, {channel: old})
    try:
        recorder.wait_for(lambda: recorder.entries)
        assert recorder.entries == [(channel, newer, pixels)]
    finally:
        follower.stop()


def test_a_channel_added_to_a_running_loop_catches_up_too(daemon):
    running, added = "follow-test/running-%d" % time.monotonic_ns(), "follow-test/added-%d" % time.monotonic_ns()
    follower, recorder = start_follower(daemon.http, {running: 0})
    try:
        shown, _ = publish(daemon.http, added, 9)  # e.g. while the document was closed
        newer, pixels = publish(daemon.http, added, 10)
        follower.follow({running: 0, added: shown})
        recorder.wait_for(lambda: recorder.entries)
        assert recorder.entries == [(added, newer, pixels)]
    finally:
        follower.stop()


def test_stopping_ends_the_thread_and_calls_nothing_afterwards(daemon):
    channel = "follow-test/stop-%d" % time.monotonic_ns()
    follower, recorder = start_follower(daemon.http, {channel: 0}, wait_ms=1000)
    thread = follower._loop.thread
    follower.follow({})
    assert not follower.running
    publish(daemon.http, channel, 7)
    thread.join(10)
    assert not thread.is_alive()
    assert recorder.entries == []


@pytest.mark.slow
def test_loop_survives_the_daemon_restarting(demo_models_dir, tmp_path):
    from underpaint.testing import DaemonProcess

    first = DaemonProcess(demo_models_dir, tmp_path / "home").start()
    port = first.http.rsplit(":", 1)[1]
    channel = "follow-test/restart"
    follower = None
    second = None
    try:
        follower, recorder = start_follower(first.http, {channel: 0}, wait_ms=2000,
                                            backoff=lambda: Backoff(first=0.2, longest=1.0))
        first.stop()
        recorder.wait_for(lambda: recorder.statuses[-1][0] == "retrying")
        assert "not running" in recorder.statuses[-1][1] and "Retrying in" in recorder.statuses[-1][1]
        assert follower.running
        second = DaemonProcess(demo_models_dir, tmp_path / "home", extra_args=["--http-port", port]).start()
        assert second.http == first.http
        recorder.wait_for(lambda: recorder.statuses[-1][0] == "ok", timeout=60)
        version, pixels = publish(second.http, channel, 8)
        recorder.wait_for(lambda: recorder.entries)
        assert recorder.entries == [(channel, version, pixels)]
    finally:
        if follower is not None:
            follower.stop()
        if second is not None:
            second.stop()
        first.stop()
