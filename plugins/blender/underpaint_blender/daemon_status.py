"""What the panels know about the daemon: a short status line for the sidebar, the details for the
Connection sub-panel, and the model and sampler lists for the search fields.

Fetched in the background (jobs.background: network on a worker thread, the answer applied on the
main thread by the drain timer) as soon as a panel first draws, whenever a job connects, and on the
Connect button. Nothing here blocks Blender's UI.
"""
from . import jobs

state = "unknown"   # unknown, connecting, ok, error
short = "Not connected"
details = []        # lines for the Connection sub-panel
models = []         # (id, label, is_demo), in the daemon's order
samplers = []       # (id, label)
addons = []         # (id, label, type, architecture, is_demo): LoRAs, embeddings, VAEs, restorers...
capabilities = []   # what the daemon offers (GetInfo), e.g. "tokenize_prompt"
default_sampler = ""
_fetching = False


def ensure_fetched(connection):
    """From a panel's draw: the first draw starts the fetch; later draws do nothing."""
    if state == "unknown" and not _fetching:
        refresh(connection)


def refresh(connection):
    """Fetches daemon info, models and samplers in the background."""
    global _fetching, state, short
    if _fetching:
        return
    _fetching = True
    if state != "ok":
        state, short = "connecting", "Connecting..."

    def work():
        daemon = jobs.connect(connection)
        listed_models, listed_samplers = daemon.list_models(), daemon.list_samplers()
        return daemon.info, daemon.address, listed_models, listed_samplers

    jobs.background(work, _apply, _failed)


def model_label(model):
    """The name shown in lists: the demo says "random weights" (once) wherever it appears."""
    label = model.display_name or model.id
    if model.is_demo and "random weights" not in label.lower():
        label += " (random weights)"
    return label


def model_candidates():
    """(id, label) pairs for the Model search field."""
    return [(model_id, label) for model_id, label, _demo in models]


def addon_candidates(kind):
    """(id, label) pairs of one add-on type ("lora", "embedding", "vae", "face_restorer") for a
    search field; the daemon checks at submit that the one chosen fits the model."""
    return [(addon_id, label) for addon_id, label, addon_type, _arch, _demo in addons if addon_type == kind]


def sampler_candidates():
    return [(sampler_id, label + (" (default)" if sampler_id == default_sampler else ""))
            for sampler_id, label in samplers]


def demo_note(model_id):
    """A warning line when the chosen model (or the daemon's default, "") is the demo model."""
    if not models:
        return ""
    chosen = [m for m in models if m[0] == model_id] if model_id else models[:1]
    if chosen and chosen[0][2]:
        return "Demo model: random weights, output is noise"
    return ""


def describe(info, address):
    """(short status, detail lines) for a connected daemon."""
    device = info.device_name or info.device
    lines = [f"Underpaint {info.daemon_version}", f"at {address}", f"on {device}"]
    if info.demo_only:
        lines.append("Only the demo model is installed (random weights, output is noise)")
    from .underpaint_kit import policy

    summary = policy.policy_summary(info)  # what the daemon's content policy enforces, if anything
    if summary:
        lines.append(summary)
    return f"Connected ({info.device})", lines


def _apply(answer):
    global _fetching, state, short, details, models, samplers, default_sampler, addons, capabilities
    info, address, listed_models, listed_samplers = answer
    capabilities = list(info.capabilities)
    _fetching = False
    state = "ok"
    short, details = describe(info, address)
    models = [(m.id, model_label(m), m.is_demo) for m in listed_models.models]
    addons = [(a.id, model_label(a), a.type, a.architecture, a.is_demo) for a in listed_models.add_ons]
    samplers = [(s.id, s.display_name or s.id) for s in listed_samplers.samplers]
    default_sampler = listed_samplers.default_sampler


def _failed(message):
    global _fetching, state, short, details
    _fetching = False
    state, short, details = "error", "Not connected", [message]


def job_connected(info, address):
    """A job reached the daemon: refresh the status line, and the lists if they are missing."""
    global state, short, details
    if info is not None:
        state = "ok"
        short, details = describe(info, address)
    if not models and not _fetching:
        import bpy

        from . import preferences

        refresh(preferences.connection(bpy.context))


def reset():
    global state, short, details, models, samplers, default_sampler, _fetching, addons, capabilities
    state, short, details, models, samplers, default_sampler, _fetching, addons, capabilities = (
        "unknown", "Not connected", [], [], [], "", False, [], [])


jobs.connected_listeners.append(job_connected)
