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
# The same for the VAE: a string for scripts, a choice of the daemon's VAEs in dialogs.
VAE_CHOICE_ARG = "vae-choice"
# The same for the upscaler ("" = Lanczos), the styles and "place again" (the last filled when the
# procedure runs, from this image's history).
UPSCALER_CHOICE_ARG = "upscaler-choice"
STYLE_CHOICE_ARG = "style-choice"
ENTRY_CHOICE_ARG = "entry-choice"
# Operations that work on the pixels that are there (a finishing job), not a canvas request.
FACE_OPERATIONS = ("restore-faces", "rerender-faces")
# Control types a layer can be (underpaint_kit.controls.CONTROL_TYPES; "reference" is its own layer).
CONTROL_TYPES = ("scribble", "lineart", "canny", "softedge", "depth", "normal", "pose", "segmentation",
                 "tile", "inpaint", "mlsd")

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
    """One procedure argument. kind: "string", "int", "double", "bool", "choice" or "layer"
    (a layer of the image, or none)."""
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
    dialog: bool = True   # False: nothing to ask, runs straight from the menu

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


# Two control slots: the first keeps the argument names scripts have used since there was one
# (control-layer, control-type, control-strength); the second has the same names ending in -2.
# An unset layer means an unused slot; the same layer may fill both (e.g. as scribble and depth).
CONTROL_SLOTS = (("", "scribble"), ("-2", "depth"))  # (name suffix, default type): sketch + depth
REFERENCE_ARGS = ("reference-layer", "reference-strength")


def control_slot_args(suffix: str) -> tuple:
    """The argument names of one control slot: layer, type, strength, start, end."""
    return tuple(f"control-{what}{suffix}" for what in ("layer", "type", "strength", "start", "end"))


def control_range_box(suffix: str) -> tuple:
    """(dialog container id, its arguments): a slot's start and end share one row of the dialog
    (a flow box), so two slots add few rows to an already long dialog. Strength keeps a row of
    its own: in a shared row its label was cut to "Con..." (GIMP 3.0.4)."""
    return f"control-range{suffix}", control_slot_args(suffix)[3:]


def _control_args() -> tuple:
    """Two layers that steer the generation (ControlNet), each with its part of the schedule, and
    one that gives style or subject (IP-Adapter); the dialog shows them only when the daemon has
    a model for them."""
    args = ()
    for suffix, default_type in CONTROL_SLOTS:
        n = suffix.replace("-", " ")  # "" or " 2"
        args += (
            Arg(f"control-layer{suffix}", "layer", "Control la_yer" if not suffix else f"Control layer{n}",
                "A layer that steers the picture (a sketch, line art, a depth map...); none = no control", None),
            Arg(f"control-type{suffix}", "choice", f"Control type{n}", "What the control layer holds", default_type,
                choices=tuple((t, t.capitalize()) for t in CONTROL_TYPES)),
            Arg(f"control-strength{suffix}", "double", f"Control strength{n}",
                "How strongly it steers (0 = not at all)", 1.0, 0.0, 2.0),
            Arg(f"control-start{suffix}", "double", "Start",  # short: it shares a row (control_range_box)
                "Fraction of the steps before it starts steering (0 = from the first step)", 0.0, 0.0, 1.0),
            Arg(f"control-end{suffix}", "double", "End",
                "Fraction of the steps after which it stops steering (1 = to the last); above start",
                1.0, 0.0, 1.0))
    return args + (
        Arg("reference-layer", "layer", "Reference layer",
            "A picture whose style or subject to take (IP-Adapter); none = no reference", None),
        Arg("reference-strength", "double", "Reference strength", "How much of the reference to take",
            0.6, 0.0, 2.0),
    )


_STYLES = Arg("styles", "string", "Style names",
              "Lexicon styles to apply, separated by commas (see: underpaint styles list)", "")


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
        _prompt_args() + _sampling_args() + _mask_args() + _finish_args() + _control_args() + (_STYLES,)),
    ProcedureSpec(
        "underpaint-fill", "fill", "_Fill Selection...",
        "Repaint the selection so that it fits its surroundings (inpainting)",
        "Repaints the selected area using the picture around it as context. Pixels outside "
        "the selection are left alone; the result is a new layer.",
        _prompt_args() + (_strength(1.0),) + _sampling_args() + _mask_args() + (_SAMPLE_MERGED,)
        + _finish_args() + _control_args() + (_STYLES,),
        needs_selection=True),
    ProcedureSpec(
        "underpaint-refine", "refine", "_Refine...",
        "Rework the selection (or the image) while keeping its composition",
        "Image-to-image: repaints the selection, or the whole image, at the given strength.",
        _prompt_args() + (_strength(0.5),) + _sampling_args() + _mask_args() + (_SAMPLE_MERGED,)
        + _finish_args() + _control_args() + (_STYLES,)),
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
        + (_SAMPLE_MERGED,) + _finish_args() + _control_args() + (_STYLES,)),
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
    ProcedureSpec(
        "underpaint-upscale", "upscale", "_Upscale...",
        "Enlarge the image (or the selection's area) with an upscaler",
        "Enlarges the whole image, or the selection's area, with one of the daemon's upscalers "
        "(RealESRGAN and the like; Lanczos without one), optionally re-rendering tile by tile "
        "with the model. The image is scaled by the same factor and the result added as a new "
        "layer on top; one undo step.",
        (Arg("upscaler", "string", "Upscaler id",
             "Upscaler id as the daemon lists it (see: underpaint models); empty = Lanczos", ""),
         Arg("scale", "double", "_Factor", "How many times larger", 2.0, 1.1, 16.0),
         Arg("diffusion", "bool", "Re-render _with the model",
             "After upscaling, the model repaints tile by tile (more detail, slower)", False),
         Arg("prompt", "string", "_Prompt", "What the picture shows (for the re-render)", ""),
         Arg("strength", "double", "Str_ength", "How much the re-render may change", 0.35, 0.01, 1.0),
         _SAMPLE_MERGED)),
    ProcedureSpec(
        "underpaint-edit", "edit", "Edit (_no mask)...",
        "Change what the picture shows by rewording its prompt, without a mask",
        "Finds the noise that makes the selection's area (or the image) under the model with "
        "the prompt that describes it now, then paints from that noise with the new prompt, so "
        "only what the change of words touches changes. The result is a new layer.",
        (Arg("from-prompt", "string", "_From prompt", "What the picture shows now", ""),
         Arg("prompt", "string", "_To prompt", "What it should show", ""),
         Arg("negative-prompt", "string", "_Negative prompt", "What to avoid", ""),
         _prompt_args()[2],
         Arg("strength", "double", "Str_ength", "How much of the way back to noise (lower keeps more)",
             1.0, 0.01, 1.0),
         Arg("steps", "int", "S_teps", "Steps for the inversion and the painting", 25, 1, 150),
         Arg("guidance", "double", "_Guidance", "Low (1-3) keeps the most of the picture", 2.0, 1.0, 30.0),
         _sampling_args()[2], _SAMPLE_MERGED)),
    ProcedureSpec(
        "underpaint-keyframes", "keyframes", "_Keyframes...",
        "Restyle every layer as a frame, with one prompt and frozen noise",
        "Takes the image's layers as the frames of an animation (GIMP's convention: the bottom "
        "layer is frame 1) and restyles each with the same prompt, seed and frozen noise, so "
        "the results change only where the frames do. The results are added on top as new "
        "layers in the same order.",
        _prompt_args() + (_strength(0.5),) + _sampling_args()[:3]),
    ProcedureSpec(
        "underpaint-interrogate", "interrogate", "_Interrogate",
        "Guess a prompt for the selection (or the image)",
        "Asks the daemon's CLIP model for a prompt that describes the selection's area (or the "
        "image), shows it, and keeps it with the image: the next Generate, Fill, Refine or "
        "Variations dialog of this image starts with it.",
        (_SAMPLE_MERGED,), dialog=False),
    ProcedureSpec(
        "underpaint-history-place", "history-place", "Place _Again from History...",
        "Add an earlier result of this image again, where it was made",
        "Fetches a result from the daemon's history (this image's latest, or the one picked "
        "in the dialog, or any entry id from underpaint history search) and adds it as a new "
        "layer at the place it was made for.",
        (Arg("entry-id", "string", "Entry id",
             "History entry id (see: underpaint history search); empty = this image's latest", ""),)),
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


def split_styles(text: str) -> list:
    """Style names from the "styles" argument: comma-separated, blanks ignored."""
    return [name.strip() for name in str(text or "").split(",") if name.strip()]
