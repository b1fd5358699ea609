"""One background loop that long-polls the board for every followed channel and hands each new
version (fetched, with pixels) to a callback. Plain Python and the host kit: no Krita, no Qt.

Why one loop with a restart instead of one per link: a long-poll cannot be interrupted, so when
a channel is added the loop is replaced by a new one that resumes from the same board cursor
with the wider channel list (nothing published meanwhile is missed); the old one ends when its
poll returns and drops what it got. Channels that are no longer wanted simply drop out of the
next poll. With no channel left the loop ends.
"""

import threading

POLL_WAIT_MS = 10000  # the daemon caps it at 30 s; shorter lets a quitting Krita end sooner


class Backoff:
    """Waits between reconnection attempts: 0.5 s, 1 s, 2 s, ... up to `longest`."""

    def __init__(self, first=0.5, longest=15.0):
        self.first, self.longest = first, longest
        self._next = first

    def next(self):
        delay = self._next
        self._next = min(self._next * 2, self.longest)
        return delay

    def reset(self):
        self._next = self.first


class _Loop:
    def __init__(self):
        self.stopped = threading.Event()
        self.thread = None


class BoardFollower:
    """Follows board channels for the live links.

    connection: has daemon() (a connected kit Daemon, raising UnderpaintError) and reset().
    on_entry(entry): a new version (pb_board.BoardEntry with its RGBA8 image), from the loop's
    thread. on_status(state, message): "connecting" | "ok" | "retrying", from the same thread.
    Neither is called after stop() or after the loop was replaced.
    """

    def __init__(self, connection, on_entry, on_status, wait_ms=POLL_WAIT_MS, backoff=None):
        self.connection = connection
        self.on_entry = on_entry
        self.on_status = on_status
        self.wait_ms = wait_ms
        self._backoff_factory = backoff or Backoff
        self._lock = threading.Lock()
        self._channels = {}  # channel -> the oldest version a link of it shows (for catching up)
        self._cursor = 0  # the board cursor processed so far; 0 = not started
        self._catch_up = set()  # channels added since the loop last looked at the board
        self._loop = None

    # --- called from the UI thread --------------------------------------------------------------

    def follow(self, channels):
        """Follow exactly these channels ({channel: oldest version shown}); an empty dict stops."""
        channels = dict(channels)
        with self._lock:
            grew = not set(channels) <= set(self._channels)
            self._catch_up = (self._catch_up | (set(channels) - set(self._channels))) & set(channels)
            self._channels = channels
            running = self._loop is not None and self._loop.thread.is_alive() and not self._loop.stopped.is_set()
            if not channels:
                self._stop_loop()
                self._cursor = 0  # a later link starts afresh (and catches up by version)
                self._catch_up.clear()
                return
            if running and not grew:
                return  # the running loop reads the smaller set at its next poll
            self._stop_loop()
            loop = self._loop = _Loop()
            loop.thread = threading.Thread(target=self._run, args=(loop,), name="underpaint-board-follow",
                                           daemon=True)
            loop.thread.start()

    def stop(self):
        """Stop following (Krita quits, or no link is left). Returns at once."""
        with self._lock:
            self._channels = {}
            self._cursor = 0
            self._catch_up.clear()
            self._stop_loop()

    @property
    def running(self):
        with self._lock:
            return self._loop is not None and not self._loop.stopped.is_set() and self._loop.thread.is_alive()

    def _stop_loop(self):
        if self._loop is not None:
            self._loop.stopped.set()
            self._loop = None

    # --- the loop (its own thread) ------------------------------------------------------------

    def _run(self, loop):
        from underpaint_kit import UnderpaintError

        backoff = self._backoff_factory()
        daemon = None
        announced = False  # "ok" said since the last (re)connection
        self._say(loop, "connecting", "Connecting to the board…")
        while not loop.stopped.is_set():
            try:
                if daemon is None:
                    daemon = self.connection.daemon()
                with self._lock:
                    channels, cursor = dict(self._channels), self._cursor
                if not channels:
                    break
                if cursor == 0:
                    cursor = daemon.poll_board(sorted(channels), 0, 0).cursor  # the board's "now"
                    with self._lock:
                        if loop.stopped.is_set():
                            return
                        self._cursor = cursor
                self._catch_up_with(loop, daemon, channels)
                if not announced:
                    announced = True
                    backoff.reset()
                    self._say(loop, "ok", _following_text(channels))
                response = daemon.poll_board(sorted(channels), cursor, self.wait_ms)
                if loop.stopped.is_set():
                    return
                newest = {}
                for update in response.updates:
                    if not update.deleted and update.entry.channel in channels:
                        newest[update.entry.channel] = max(newest.get(update.entry.channel, 0), update.entry.version)
                for channel in sorted(newest):  # several versions in one answer: the latest counts
                    self._fetch(loop, daemon, channel)
                # Moved on only once everything was fetched: a failed fetch is retried. Checked
                # and stored together (see follow()); a replacing loop resumes from here.
                with self._lock:
                    if loop.stopped.is_set():
                        return
                    self._cursor = response.cursor  # lower after a board reset: adopt it
            except UnderpaintError as error:
                announced = False
                daemon = None
                self.connection.reset()
                delay = backoff.next()
                self._say(loop, "retrying", "%s Retrying in %g s." % (error, delay))
                loop.stopped.wait(delay)
            except Exception as error:  # a bug must not end the links silently
                announced = False
                delay = backoff.next()
                self._say(loop, "retrying", "Live link: %s: %s. Retrying in %g s." % (type(error).__name__, error, delay))
                loop.stopped.wait(delay)

    def _catch_up_with(self, loop, daemon, channels):
        """Newly followed channels may hold versions their links do not show yet (published
        while the document was closed, or between the click and now): fetch those. Runs after
        the cursor is fixed, so nothing published meanwhile falls between the two."""
        with self._lock:
            pending = self._catch_up & set(channels)
        if not pending:
            return
        for channel in daemon.list_channels():
            if channel.name in pending and channel.versions and max(channel.versions) > channels[channel.name]:
                self._fetch(loop, daemon, channel.name)
        with self._lock:
            self._catch_up -= pending

    def _fetch(self, loop, daemon, channel):
        from underpaint_kit import RequestRejected

        try:
            entry = daemon.fetch(channel, 0)
        except RequestRejected as error:
            if error.code == "not_found":
                return  # deleted meanwhile
            raise
        if not loop.stopped.is_set():
            self.on_entry(entry)

    def _say(self, loop, state, message):
        if not loop.stopped.is_set():
            self.on_status(state, message)


def _following_text(channels):
    if len(channels) == 1:
        return "Following %s." % next(iter(channels))
    return "Following %d channels." % len(channels)
