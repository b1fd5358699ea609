"""What the plug-in registers: one ProcedureSpec per menu entry, as plain data.

The GIMP registration (underpaint-gimp.py) and the tests both read these specs, so the PDB
signature, the dialog and the code that turns arguments into a request cannot drift apart.
No Gimp import here: this module must load on machines without GIMP.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MENU_PATH = "<Image>/Filters/Underpaint"
PLUGIN_BINARY = "underpaint-gimp"

# The "model" PDB argument is a plain string so that scripts can name any model the daemon
# knows, whatever was installed when GIMP registered the plug-in. Dialogs show this auxiliary
# choice instead, filled from the daemon's live model list.
MODEL_CHOICE_ARG = "model-choice"
DEFAULT_MODEL_NICK = "daemon-default"
# The same for the VAE: a string for scripts, a choice of the daemon's VAEs in dialogs.
VAE_CHOICE_ARG = "vae-choice"
DEFAULT_VAE_NICK = "model-own"
# Operations that work on the pixels that are there (a finishing job), not a canvas request.
FACE_OPERATIONS = ("restore-faces", "rerender-faces")

# Expand presets: which sides grow by "amount" pixels; "custom" uses the four margin arguments.
EXPAND_PRESETS = {
    "extend-top": ("Extend top", (0, 1, 0, 0)),
    "extend-bottom": ("Extend bottom", (0, 0, 0, 1)),
    "extend-left": ("Extend left", (1, 0, 0, 0)),
    "extend-right": ("Extend right", (0, 0, 1, 0)),
    "extend-all": ("Extend all sides", (1, 1, 1, 1)),
    "custom": ("Custom margins", None),
}


@dataclass(frozen=True)
class Arg:
    """One procedure argument. kind: "string", "int", "double", "bool" or "choice"."""
    name: str
    kind: str
    nick: str
    blurb: str
    default: object
    minimum: float = 0
    maximum: float = 0
    choices: tuple = ()   # for "choice": ((nick, label), ...)


@dataclass(frozen=True)
class ProcedureSpec:
    name: str             # PDB name
    operation: str        # underpaint_kit.requests.canvas_request operation
    menu_label: str
    blurb: str
    help: str
    args: tuple = field(default_factory=tuple)
    needs_selection: bool = False

    def arg(self, name: str) -> Arg:
        for arg in self.args:
            if arg.name == name:
                return arg
        raise KeyError(name)

    def defaults(self) -> dict:
        return {arg.name: arg.default for arg in self.args}


# Mnemonics (the underlined letters) are unique per dialog and avoid the dialog's own buttons
# (_OK, _Cancel, _Reset, _Help, _Load/_Save settings): GIMP 3.0 warns about each clash. "Top"
# and "Right" of Expand have none left.
def _prompt_args() -> tuple:
    return (
        Arg("prompt", "string", "_Prompt", "What to paint", ""),
        Arg("negative-prompt", "string", "_Negative prompt", "What to avoid", ""),
        Arg("model", "string", "Model id",
            "Model id as the daemon lists it (see: underpaint models); empty = the daemon's default",
            ""),
    )


def _sampling_args(count: int = 1) -> tuple:
    return (
        Arg("steps", "int", "S_teps", "Denoising steps", 25, 1, 150),
        Arg("guidance", "double", "_Guidance", "Classifier-free guidance scale", 7.0, 1.0, 30.0),
        Arg("seed", "int", "See_d", "Seed; -1 picks a random one", -1, -1, 2**31 - 1),
        Arg("count", "int", "Co_unt", "How many images (each becomes its own layer)", count, 1,
            16),
    )


def _strength(default: float) -> Arg:
    return Arg("strength", "double", "Str_ength",
               "How much of the picture to repaint (1 = all of it)", default, 0.01, 1.0)


def _mask_args() -> tuple:
    return (
        Arg("grow", "int", "Gro_w selection", "Grow the selection by this many pixels", 0, 0, 512),
        Arg("feather", "int", "_Feather",
            "Soft edge in pixels; 0 = automatic, -1 = hard edge", 0, -1, 512),
    )


def _finish_args() -> tuple:
    """What a generation can add: its VAE, and fixing faces on each image as it is made. LoRAs and
    embeddings go into the prompt as text (<lora:NAME:0.8>, an embedding's name; see docs/gimp.md)."""
    return (
        Arg("vae", "string", "VAE id",
            "VAE add-on id as the daemon lists it (see: underpaint models); empty = the model's own", ""),
        Arg("rerender-faces", "bool", "Re-render faces",
            "After painting, the model paints each face it finds again at full resolution", False),
        Arg("restore-faces", "bool", "Restore faces",
            "After painting, a face restorer (GFPGAN, CodeFormer...) cleans up each face", False),
    )


_SAMPLE_MERGED = Arg("sample-merged", "bool", "S_ample merged",
                     "Read all visible layers (on) or only the selected layer (off)", True)


def _expand_args() -> tuple:
    return (
        Arg("preset", "choice", "D_irection", "Which sides to grow", "extend-top",
            choices=tuple((nick, label) for nick, (label, _) in EXPAND_PRESETS.items())),
        Arg("amount", "int", "Pi_xels to add", "Pixels to add on each chosen side", 128, 8, 4096),
        Arg("margin-left", "int", "L_eft", "Custom margin: pixels to add on the left", 0, 0, 4096),
        Arg("margin-top", "int", "Top", "Custom margin: pixels to add on top", 0, 0, 4096),
        Arg("margin-right", "int", "Right", "Custom margin: pixels to add on the right", 0, 0,
            4096),
        Arg("margin-bottom", "int", "_Bottom", "Custom margin: pixels to add at the bottom", 0, 0,
            4096),
    )


PROCEDURES = (
    ProcedureSpec(
        "underpaint-generate", "generate", "_Generate...",
        "Paint new content into the selection (or the whole image)",
        "Generates a new picture from the prompt inside the selection, or over the whole image "
        "when nothing is selected. Each image becomes a new layer.",
        _prompt_args() + _sampling_args() + _mask_args() + _finish_args()),
    ProcedureSpec(
        "underpaint-fill", "fill", "_Fill Selection...",
        "Repaint the selection so that it fits its surroundings (inpainting)",
        "Repaints the selected area using the picture around it as context. Pixels outside "
        "the selection are left alone; the result is a new layer.",
        _prompt_args() + (_strength(1.0),) + _sampling_args() + _mask_args() + (_SAMPLE_MERGED,)
        + _finish_args(),
        needs_selection=True),
    ProcedureSpec(
        "underpaint-refine", "refine", "_Refine...",
        "Rework the selection (or the image) while keeping its composition",
        "Image-to-image: repaints the selection, or the whole image, at the given strength.",
        _prompt_args() + (_strength(0.5),) + _sampling_args() + _mask_args() + (_SAMPLE_MERGED,)
        + _finish_args()),
    ProcedureSpec(
        "underpaint-expand", "expand", "_Expand Canvas...",
        "Grow the canvas and paint the new area (outpainting)",
        "Enlarges the image on the chosen sides and paints the new area to continue the "
        "picture. The result is a new layer; existing layers are not changed.",
        _expand_args() + _prompt_args() + _sampling_args() + (_mask_args()[1], _SAMPLE_MERGED)),
    ProcedureSpec(
        "underpaint-variations", "refine", "_Variations...",
        "Several takes on the selection (or the image), one layer each",
        "Makes several image-to-image variations of the selection or the whole image, each "
        "with its own seed, as separate layers.",
        _prompt_args() + (_strength(0.5),) + _sampling_args(count=4) + _mask_args()
        + (_SAMPLE_MERGED,) + _finish_args()),
    ProcedureSpec(
        "underpaint-restore-faces", "restore-faces", "Rest_ore Faces...",
        "Clean up the faces in the selection (or the image) with a face restorer",
        "Finds the faces in the selection's area, or the whole image, restores each with a face "
        "restorer the daemon has (GFPGAN, RestoreFormer, CodeFormer) and blends it back. The "
        "result is a new layer; without a face, nothing is added.",
        (Arg("restorer", "string", "Restorer id",
             "Face restorer id as the daemon lists it (see: underpaint models); empty = the first installed", ""),
         _SAMPLE_MERGED)),
    ProcedureSpec(
        "underpaint-rerender-faces", "rerender-faces", "Re-render Fa_ces...",
        "Let the model paint the faces in the selection (or the image) again",
        "Finds the faces in the selection's area, or the whole image, and lets the model paint "
        "each again at its full resolution with the prompt (empty: a generic face prompt), then "
        "blends it back. The result is a new layer; without a face, nothing is added.",
        _prompt_args() + (_strength(0.4), Arg("seed", "int", "See_d", "Seed; -1 picks a random one", -1, -1,
                                              2**31 - 1), _SAMPLE_MERGED)),
)

# The board (docs/board.md): pass pictures between applications through the daemon.
_CHANNEL = Arg("channel", "string", "Cha_nnel",
               "Board channel, e.g. \"sketch\" or \"poster/background\" (see: underpaint board list)",
               "gimp")
BOARD_PROCEDURES = (
    ProcedureSpec(
        "underpaint-board-send", "board-send", "_Send to Board...",
        "Publish the selected layer (or everything visible) to a board channel",
        "Publishes the selected layer, or the visible image with Sample merged, as a new version "
        "of a board channel, so Krita, Blender, Photoshop or another GIMP can place it.",
        (_CHANNEL, Arg("sample-merged", "bool", "S_ample merged",
                       "Send everything visible (on) or only the selected layer (off)", False))),
    ProcedureSpec(
        "underpaint-board-place", "board-place", "_Place from Board...",
        "Add a board channel's image as a new layer",
        "Fetches a version of a board channel (0 = the latest) and adds it as a new layer. It "
        "keeps its position when it comes from a document of the same size.",
        (_CHANNEL, Arg("version", "int", "_Version", "Channel version; 0 = the latest", 0, 0,
                       2**31 - 1))),
)

ALL_PROCEDURES = PROCEDURES + BOARD_PROCEDURES
BY_NAME = {spec.name: spec for spec in ALL_PROCEDURES}


def missing_selection_message(spec: ProcedureSpec) -> str:
    """What a procedure that needs a selection says when there is none (before any dialog)."""
    return (f"{spec.menu_label.replace('_', '').rstrip('.')} needs a selection: select the area "
            "to repaint first.")


def expand_margins(params: dict) -> tuple:
    """(left, top, right, bottom) for the expand procedure's arguments.

    Raises ValueError naming the argument when nothing would grow."""
    preset = params.get("preset", "custom")
    if preset not in EXPAND_PRESETS:
        raise ValueError(f"preset: expected one of {sorted(EXPAND_PRESETS)}, got {preset!r}")
    sides = EXPAND_PRESETS[preset][1]
    if sides is None:
        margins = tuple(int(params.get(f"margin-{side}", 0))
                        for side in ("left", "top", "right", "bottom"))
        if not any(margins):
            raise ValueError("margin-left/top/right/bottom: with the custom preset at least one "
                             "margin must be above 0")
    else:
        amount = int(params.get("amount", 0))
        if amount <= 0:
            raise ValueError(f"amount: must be above 0, got {amount}")
        margins = tuple(amount * side for side in sides)
    if any(m < 0 for m in margins):
        raise ValueError(f"margins: must not be negative, got {margins}")
    return margins


def vae_choices(add_ons) -> list:
    """[(nick, vae_id, label)] for the dialog's VAE choice; the model's own comes first."""
    choices = [(DEFAULT_VAE_NICK, "", "The model's own")]
    for addon in add_ons:
        if addon.type != "vae":
            continue
        nick = "v-" + "".join(c if c.isalnum() else "-" for c in addon.id.lower()).strip("-")
        while nick in {c[0] for c in choices}:
            nick += "-2"
        label = addon.display_name or addon.id
        if addon.is_demo and "random weights" not in label.lower():
            label += " (random weights)"
        if addon.architecture:
            label += f" [{addon.architecture}]"
        choices.append((nick, addon.id, label))
    return choices


def model_choices(models) -> list:
    """[(nick, model_id, label)] for the dialog's model choice; the daemon default comes first.

    GimpChoice nicks must be stable, lower-case identifiers, so they are derived from the
    model id (which may hold slashes and dots) and de-duplicated."""
    choices = [(DEFAULT_MODEL_NICK, "", "Daemon default")]
    used = {DEFAULT_MODEL_NICK}
    for model in models:
        base = "m-" + "".join(c if c.isalnum() else "-" for c in model.id.lower()).strip("-")
        nick, n = base, 2
        while nick in used:
            nick, n = f"{base}-{n}", n + 1
        used.add(nick)
        label = model.display_name or model.id
        # The daemon's demo names already say so; add it only where a name does not.
        if getattr(model, "is_demo", False) and "random weights" not in label.lower():
            label += " (random weights)"
        choices.append((nick, model.id, label))
    return choices
