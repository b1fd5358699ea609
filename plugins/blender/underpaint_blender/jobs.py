"""Daemon work off Blender's main thread.

The kit's JobRunner runs on a worker thread; its callbacks only put events on a queue. `drain()`
runs on the main thread (a bpy.app.timers callback in the UI; tests call it directly because
timers do not fire in background mode) and is the only place where results touch bpy data.
"""
import queue
import threading
import time

import bpy
import bpy.utils.previews

from . import images, undo
from .underpaint_kit import JobRunner, UnderpaintError, connect_daemon

TIMER_INTERVAL_S = 0.1

_events = queue.Queue()
current = None          # the Job the panel shows: running, or the last one that ended
connected_listeners = []  # main thread: listener(pb.Info or None, address) when a job connects
_previews = None        # bpy.utils.previews collection holding the progress preview icon
_tasks = 0              # background() tasks whose answer has not been drained yet
_holds = 0              # long-lived watchers (board live link) that need the timer


class BusyError(Exception):
    pass


class Job:
    """One daemon job as the artist sees it. Only the main thread changes its fields."""

    def __init__(self, label, request, apply_result):
        self.label = label
        self.request = request
        self.apply_result = apply_result  # main thread: pb.Result -> image name
        self.state = "connecting"         # queued, running, succeeded, failed, cancelled
        self.message = ""
        self.step = 0
        self.total = 0
        self.queue_position = 0
        self.seed = None
        self.images = []                  # names of the images results went into
        self.notes = []                   # what the daemon said of results ("no faces found")
        self.cancel_requested = False
        self.runner = None                # set by the worker once connected
        self.has_preview = False
        self.thread = None

    @property
    def active(self):
        return self.state in ("connecting", "queued", "running")

    @property
    def status_text(self):
        if self.state == "connecting":
            return f"{self.label}: connecting..."
        if self.state == "queued":
            return f"{self.label}: queued ({self.queue_position} ahead)"
        if self.state == "running":
            if self.cancel_requested:
                return f"{self.label}: cancelling..."
            return f"{self.label}: step {self.step}/{self.total}" if self.total else f"{self.label}: starting..."
        if self.state == "succeeded":
            seed = f", seed {self.seed}" if self.seed is not None else ""
            return f"{self.label}: done{seed}" + (f" - {self.message}" if self.message else "")
        if self.state == "cancelled":
            return f"{self.label}: cancelled"
        return f"{self.label}: {self.state}" + (f" - {self.message}" if self.message else "")

    @property
    def progress(self):
        return self.step / self.total if self.total else 0.0


def start(label, request, apply_result, connection):
    """Starts a job on a worker thread; connection = (address or None, token_file or None)."""
    global current
    if current is not None and current.active:
        raise BusyError("An Underpaint job is already running; cancel it or wait for it to finish")
    job = Job(label, request, apply_result)
    current = job
    job.thread = threading.Thread(target=_run_job, args=(job, connection),
                                  name="underpaint-blender-job", daemon=True)
    job.thread.start()
    _ensure_timer()
    _show_status(job.status_text)
    return job


def cancel():
    """Cancels the current job; results that arrive after this are dropped."""
    job = current
    if job is None or not job.active:
        return False
    job.cancel_requested = True
    runner = job.runner
    if runner is not None:
        runner.cancel()  # never blocks; the worker also checks cancel_requested after connecting
    _show_status(job.status_text)
    return True


def background(work, on_done, on_error=None):
    """work() runs on a worker thread (no bpy there); then on_done(its value) or
    on_error(artist-facing message) runs on the main thread at a drain()."""
    global _tasks
    _tasks += 1
    _ensure_timer()

    def run():
        try:
            value = work()
        except UnderpaintError as error:
            run_on_main(_task_ended, on_error, str(error))
        except Exception as error:  # a plugin bug: still end the task, say what broke
            run_on_main(_task_ended, on_error, f"{type(error).__name__}: {error}")
        else:
            run_on_main(_task_ended, on_done, value)

    threading.Thread(target=run, name="underpaint-blender-task", daemon=True).start()


def _task_ended(callback, value):
    global _tasks
    _tasks -= 1
    if callback is not None:
        callback(value)


def run_on_main(function, *args):
    """From any thread: function(*args) runs on the main thread at the next drain()."""
    _post(None, "call", (function, args))


def hold():
    """Keeps the drain timer running (for a long-lived watcher) until release()."""
    global _holds
    _holds += 1
    _ensure_timer()


def release():
    global _holds
    _holds = max(0, _holds - 1)


def wait_tasks(timeout=60.0):
    """Drains until every background() task ended (scripts and tests, like wait())."""
    deadline = time.monotonic() + timeout
    while _tasks > 0 or not _events.empty():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{_tasks} Underpaint background task(s) still running after {timeout} s")
        if not drain():
            time.sleep(0.02)


def drain():
    """Main thread: applies everything the workers reported. Returns how many events it handled."""
    handled = 0
    while True:
        try:
            job, kind, payload = _events.get_nowait()
        except queue.Empty:
            break
        handled += 1
        try:
            _handle(job, kind, payload)
        except Exception as error:  # a bad result must not stop the timer or lose later events
            if job is not None:
                job.message = f"{type(error).__name__}: {error}"
            print("Underpaint:", kind, "failed:", error)
    if handled:
        _tag_redraw()
    return handled


def wait(job, timeout=60.0):
    """Drains until the job ended (for scripts and tests: timers do not run in background mode)."""
    deadline = time.monotonic() + timeout
    while job.active or not _events.empty():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{job.label} still {job.state} after {timeout} s")
        if not drain():
            time.sleep(0.02)
    return job


def preview_icon_id():
    if _previews is None or "progress" not in _previews:
        return 0
    return _previews["progress"].icon_id


# --- worker threads (no bpy here) --------------------------------------------------------------

def _post(job, kind, payload=None):
    _events.put((job, kind, payload))


def _run_job(job, connection):
    try:
        daemon = connect(connection)
    except UnderpaintError as error:
        _post(job, "finished", ("failed", str(error), None))
        return
    _post(job, "connected", (daemon.info, daemon.address))
    runner = JobRunner(
        daemon, job.request,
        on_queued=lambda position: _post(job, "queued", position),
        on_started=lambda: _post(job, "started"),
        on_progress=lambda step, total, preview: _post(job, "progress", (step, total, preview)),
        on_result=lambda result: _post(job, "result", result),
        on_finished=lambda outcome: _post(job, "finished", (outcome.status, outcome.message, outcome.seed)))
    job.runner = runner
    if job.cancel_requested:
        runner.cancel()  # cancelled while connecting: the runner cancels right after submit
    runner.run()


def connect(connection):
    """Worker threads: a Daemon for connection = (address or None, token_file or None)."""
    address, token_file = connection
    return connect_daemon(address=address or None, token_file=token_file or None)


# --- main thread ---------------------------------------------------------------------------------

def _handle(job, kind, payload):
    if kind == "call":
        function, args = payload
        function(*args)
        return
    if kind == "connected":
        for listener in connected_listeners:
            listener(*payload)
    elif kind == "queued":
        job.state, job.queue_position = "queued", payload
    elif kind == "started":
        job.state = "running"
    elif kind == "progress":
        job.state = "running"
        job.step, job.total, preview = payload
        if preview is not None and preview.width and preview.height:
            _set_preview(preview)
            job.has_preview = True
    elif kind == "result":
        if job.cancel_requested:
            return  # the artist cancelled: a result that raced the cancel must not land
        if payload.note and payload.note not in job.notes:
            job.notes.append(payload.note)
        try:
            name = job.apply_result(payload)
        except Exception as error:  # keep the job's later events flowing; say what went wrong
            job.message = f"Could not place result {payload.index + 1}: {error}"
            return
        if name:
            job.images.append(name)
            undo.push_undo(f"Underpaint: {job.label}")
    elif kind == "finished":
        job.state, message, seed = payload
        job.message = message or job.message or "; ".join(job.notes)
        if seed is not None and seed >= 0:
            job.seed = seed
        if job.state == "succeeded" and not job.images and not job.notes:
            job.state = "failed"
            job.message = job.message or "The daemon returned no image"
    if job is not None:
        _show_status(None if not job.active else job.status_text)


def _set_preview(preview):
    global _previews
    if _previews is None:
        _previews = bpy.utils.previews.new()
    icon = _previews["progress"] if "progress" in _previews else _previews.new("progress")
    icon.image_size = (preview.width, preview.height)
    icon.image_pixels_float.foreach_set(images.preview_floats(preview.data, preview.width, preview.height))


def _show_status(text):
    """The status bar line of every window (None clears it)."""
    for window in getattr(bpy.context.window_manager, "windows", []):
        workspace = window.workspace
        if workspace is not None:
            try:
                workspace.status_text_set(text)
            except (RuntimeError, TypeError, AttributeError):
                pass  # background mode has no status bar


def _tag_redraw():
    for window in getattr(bpy.context.window_manager, "windows", []):
        screen = window.screen
        if screen is None:
            continue
        for area in screen.areas:
            if area.type in ("IMAGE_EDITOR", "NODE_EDITOR", "VIEW_3D", "STATUSBAR"):
                area.tag_redraw()


def _timer():
    drain()
    busy = (current is not None and current.active) or _tasks or _holds or not _events.empty()
    return TIMER_INTERVAL_S if busy else None


def _ensure_timer():
    if not bpy.app.timers.is_registered(_timer):
        bpy.app.timers.register(_timer, first_interval=TIMER_INTERVAL_S)


def unregister():
    global _previews, current
    if bpy.app.timers.is_registered(_timer):
        bpy.app.timers.unregister(_timer)
    cancel()
    current = None
    if _previews is not None:
        bpy.utils.previews.remove(_previews)
        _previews = None
