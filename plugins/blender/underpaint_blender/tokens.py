"""The token counter under the prompt: "68/75 · 2 chunks", from the daemon's TokenizePrompt (it
reads the prompt exactly as a job would). Blender commits a text field on Enter or when it loses
focus, so each commit asks once, in the background; an answer for an older prompt is dropped."""
from . import daemon_status, jobs, preferences

CAPABILITY = "tokenize_prompt"
label = ""      # shown under the prompt; "" = nothing to show
details = []    # each chunk's tokens and weights, one line each
_edits = 0


def prompt_changed(settings, context):
    """The prompt (or the model) property's update callback."""
    global _edits, label, details
    _edits += 1
    edit = _edits
    if CAPABILITY not in daemon_status.capabilities or not settings.prompt.strip():
        label, details = "", []
        return
    prompt, model, connection = settings.prompt, settings.model.strip(), preferences.connection(context)

    def work():
        from .underpaint_kit import prompts

        response = jobs.connect(connection).tokenize_prompt(prompt, model)
        return edit, prompts.counter_label(response), prompts.chunk_lines(response)

    jobs.background(work, _show, lambda message: _show((edit, f"Prompt: {message}", [message])))


def _show(answer):
    global label, details
    edit, text, lines = answer
    if edit == _edits:
        label, details = text, lines


def reset():
    global label, details
    label, details = "", []
