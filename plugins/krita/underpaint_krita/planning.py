"""Pure logic between the panel and the daemon: which operation a click means, the request it
sends, and how results become layers. No Krita, no Qt: tested in plain pytest.
"""

import random
import re
from dataclasses import dataclass, field

from .document import LayerImage

# Seeds are int64 in the protocol; the panel shows them in a double spin box, exact up to 2**53.
MAX_SEED = 2**53 - 1
# A new seed (⟳) stays where the daemon draws random ones: below 2**31 with room for 16
# variations, so it can be typed into GIMP's and Blender's 32-bit seed fields too.
REROLL_MAX_SEED = 2**31 - 16
NAME_PROMPT_CHARS = 40


@dataclass
class PanelSettings:
    """What the artist set in the panel; 0 / "" = the daemon's default."""

    prompt: str = ""
    negative_prompt: str = ""
    model: str = ""
    sampler: str = ""
    strength: float = 1.0  # 1.0 = generate anew; below = refine what is there
    steps: int = 0
    guidance: float = 0.0
    seed: int = -1  # -1 = a new random seed each time
    count: int = 1
    grow: int = 0
    feather: int = 0
    context: float = 0.0
    vae: str = ""  # a VAE add-on id; "" = the model's own
    rerender_faces: bool = False  # after generating: the model paints each face again
    restore_faces: bool = False  # after generating: a face restorer cleans each face up
    face_restorer: str = ""  # "" = the first installed
    face_strength: float = 0.0  # re-render denoise; 0 = the daemon's default
    controls: list = field(default_factory=list)  # control_marks.ControlMark of the document's control layers


@dataclass
class CanvasFacts:
    """What the plugin read from the document (on the UI thread) for one request."""

    document_size: tuple
    region_rect: tuple
    region_rgba: bytes
    selection: bytes = None
    selection_rect: tuple = None
    controls: list = field(default_factory=list)  # (ControlMark, RGBA8 bytes, (x, y, w, h)) read per layer


def control_rect(facts):
    """Where a control layer is read: the request's region (what the generation sees), the whole
    document when the request carries no pixels (generate without a selection)."""
    x, y, w, h = facts.region_rect
    return (x, y, w, h) if w > 0 and h > 0 else (0, 0) + tuple(facts.document_size)


def add_controls(request, layers):
    """Append a Control per control layer read: (ControlMark, rgba, (x, y, w, h)). A reference
    (IP-Adapter) is the layer's picture as a whole; a ControlNet control lies at its place in the
    document and the daemon cuts out what the generation sees."""
    from underpaint_kit import controls

    from .control_marks import REFERENCE

    for mark, rgba, (x, y, w, h) in layers:
        if mark.type == REFERENCE:
            controls.add_reference(request, rgba, (w, h), strength=mark.strength)
        else:
            controls.add_control(request, mark.type, rgba, (x, y, w, h), strength=mark.strength,
                                 start=mark.start, end=mark.end)


def choose_operation(has_selection, strength):
    """Generate: no selection -> whole canvas, selection -> fill it; strength < 100 % -> refine."""
    if strength < 1.0:
        return "refine"
    return "fill" if has_selection else "generate"


def needs_pixels(operation, has_selection):
    """Generating the whole canvas anew needs no pixels; everything else reads the canvas."""
    return not (operation == "generate" and not has_selection)


def build_request(operation, settings, facts, expand=(0, 0, 0, 0), client="krita"):
    from underpaint_kit import requests

    request = requests.canvas_request(
        operation=operation,
        document_size=facts.document_size,
        region_rgba=facts.region_rgba,
        region_rect=facts.region_rect,
        selection=facts.selection,
        selection_rect=facts.selection_rect,
        prompt=settings.prompt,
        negative_prompt=settings.negative_prompt,
        model=settings.model,
        strength=settings.strength if operation == "refine" else 0.0,
        steps=settings.steps,
        guidance=settings.guidance,
        seed=settings.seed,
        count=max(1, settings.count),
        sampler=settings.sampler,
        expand=expand,
        grow=settings.grow,
        feather=settings.feather,
        context=settings.context,
        previews=True,
        client=client,
        vae=settings.vae,
    )
    if operation != "expand":  # an expand paints new surroundings; faces are left as they are
        from underpaint_kit import faces

        faces.add_face_steps(request, restore=settings.restore_faces, rerender=settings.rerender_faces,
                             restorer=settings.face_restorer, strength=settings.face_strength)
    add_controls(request, facts.controls)
    return request


FACE_ACTIONS = ("restore", "rerender")


def build_face_request(action, settings, facts, client="krita"):
    """A FINISH job on the pixels read at facts.region_rect: "restore" (a face restorer) or
    "rerender" (the model paints each face again with the prompt). The result has the region's
    size and goes back at the region's position."""
    from underpaint_kit import faces, requests

    if action not in FACE_ACTIONS:
        raise ValueError("action: expected one of %s, got %r" % (", ".join(FACE_ACTIONS), action))
    x, y, w, h = facts.region_rect
    image = requests.rgba_image(w, h, facts.region_rgba)
    if action == "restore":
        return faces.restore_faces_request(image=image, model=settings.face_restorer, client=client)
    return faces.rerender_faces_request(settings.prompt, image=image, negative_prompt=settings.negative_prompt,
                                        model=settings.model, strength=settings.face_strength,
                                        seed=settings.seed, client=client)


def quick_extend_margins(side, amount):
    """(left, top, right, bottom) for the one-click "Extend <side>" buttons."""
    sides = ("left", "top", "right", "bottom")
    if side not in sides:
        raise ValueError("side: expected one of %s, got %r" % (", ".join(sides), side))
    if amount <= 0:
        raise ValueError("amount: must be a positive number of pixels, got %r" % (amount,))
    return tuple(amount if s == side else 0 for s in sides)


def reroll_seed(rng=random):
    return rng.randint(0, REROLL_MAX_SEED)


def short_prompt(prompt):
    # <lora:…> tags say how, not what: a layer name shows what was asked for.
    words = " ".join(re.sub(r"<[^<>]*>", " ", prompt or "").split())
    if not words:
        return "Underpaint"
    if len(words) > NAME_PROMPT_CHARS:
        words = words[: NAME_PROMPT_CHARS - 1].rstrip() + "…"
    return words


def layer_name(prompt, seed):
    return "%s · seed %d" % (short_prompt(prompt), seed)


def group_name(prompt, count):
    return "%s · %d variations" % (short_prompt(prompt), count)


def canvas_growth(results):
    """(width, height, offset_x, offset_y) of the grown document for expand results, else None."""
    for result in results:
        if result.document_width > 0 and result.document_height > 0:
            return result.document_width, result.document_height, result.offset_x, result.offset_y
    return None


def result_layers(results, prompt, offset=(0, 0), name_prefix=""):
    """pb.Result list -> LayerImage list (in result order). Raises ValueError on odd images.
    offset: added to each result's position (a job on an image read at offset, not a canvas);
    name_prefix: e.g. "Restored faces · " for a finishing job."""
    from underpaint_kit import pb

    layers = []
    for result in sorted(results, key=lambda r: r.index):
        image = result.image
        if image.format not in (pb.PIXEL_FORMAT_UNSPECIFIED, pb.PIXEL_FORMAT_RGBA8):
            raise ValueError("result image: expected raw RGBA8 pixels, got format %d" % image.format)
        if len(image.data) != image.width * image.height * 4:
            raise ValueError(
                "result image: %dx%d RGBA8 needs %d bytes, got %d"
                % (image.width, image.height, image.width * image.height * 4, len(image.data))
            )
        layers.append(
            LayerImage(name_prefix + layer_name(prompt, result.seed), image.data, result.x + offset[0],
                       result.y + offset[1], image.width, image.height)
        )
    return layers


def faces_found(results):
    """False when every result says the daemon found no face (its image is then unchanged)."""
    from underpaint_kit import faces

    return any(result.note != faces.NO_FACES for result in results)


def board_layer(entry, document_size):
    """A fetched board entry -> LayerImage. It keeps its source position when it comes from a
    document of the same size (a round trip through another app), else lands at the top left."""
    from underpaint_kit import pb

    image = entry.image
    if image.format not in (pb.PIXEL_FORMAT_UNSPECIFIED, pb.PIXEL_FORMAT_RGBA8):
        raise ValueError("board image: expected raw RGBA8 pixels, got format %d" % image.format)
    if len(image.data) != image.width * image.height * 4:
        raise ValueError("board image: %dx%d RGBA8 needs %d bytes, got %d"
                         % (image.width, image.height, image.width * image.height * 4, len(image.data)))
    meta = entry.meta
    same_document = (meta.document_width, meta.document_height) == tuple(document_size)
    x, y = (meta.x, meta.y) if same_document else (0, 0)
    name = "%s · v%d" % (entry.channel, entry.version)
    if meta.source_app:
        name += " (from %s)" % meta.source_app
    return LayerImage(name, image.data, x, y, image.width, image.height)
