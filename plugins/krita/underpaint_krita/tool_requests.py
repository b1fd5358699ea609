"""Pure logic behind the Tools and History sections: the requests for Upscale, Edit (no mask)
and Keyframes, what their results become as layers, and what a history entry gives back (a layer
where it was made, the panel's fields). No Krita, no Qt: tested in plain pytest.
"""

from dataclasses import dataclass

from .document import LayerImage
from .planning import short_prompt

UPSCALE_FACTORS = (2, 3, 4)
UPSCALE_TARGETS = ("scale", "new")  # scale this image to fit the result / open a new document
KRITA_HOST = "krita"
# GetInfo.capabilities each tool needs; a daemon without them is too old for the tool.
NEEDS = {"upscale": ("finish", "upscale"), "refine_upscale": ("upscale_diffusion",),
         "edit": ("noise",), "keyframes": ("noise",), "history": ("history",), "styles": ("styles",),
         "interrogate": ("interrogate",)}


def missing(tool, capabilities):
    """The capabilities `tool` needs that the daemon does not list (empty: it can)."""
    return [name for name in NEEDS[tool] if name not in capabilities]


def area_canvas(document_size, region_rect, region_rgba, selection=None, selection_rect=None):
    """A pb.CanvasRequest for a FINISH job: the document's pixels at region_rect and the
    selection (the daemon works on the selection's bounding box, the whole image without one)."""
    from underpaint_kit import pb, requests

    x, y, w, h = region_rect
    canvas = pb.CanvasRequest(document_width=document_size[0], document_height=document_size[1],
                              region=requests.rgba_image(w, h, region_rgba), region_x=x, region_y=y)
    if selection is not None:
        sx, sy, sw, sh = selection_rect
        canvas.selection.CopyFrom(requests.gray_image(sw, sh, selection))
        canvas.selection_x, canvas.selection_y = sx, sy
    return canvas


def upscale_request(facts, factor, upscaler="", refine=False, strength=0.0, settings=None, client=KRITA_HOST):
    """Upscale the selection's area (the whole image without one) by factor with an "upscaler"
    add-on ("" = Lanczos); refine: the model re-renders it tile by tile at denoise `strength`
    with the panel's prompt (GOBIG)."""
    from underpaint_kit import upscale

    if factor not in UPSCALE_FACTORS:
        raise ValueError("factor: expected one of %s, got %r" % (", ".join(map(str, UPSCALE_FACTORS)), factor))
    canvas = area_canvas(facts.document_size, facts.region_rect, facts.region_rgba, facts.selection,
                         facts.selection_rect)
    if not refine:
        return upscale.upscale_request(canvas=canvas, scale=factor, model=upscaler, client=client)
    s = settings
    return upscale.upscale_request(canvas=canvas, scale=factor, model=upscaler, diffusion=True, strength=strength,
                                   prompt=s.prompt, negative_prompt=s.negative_prompt, diffusion_model=s.model,
                                   steps=s.steps, seed=s.seed, client=client)


def upscaled_layer(result, factor, upscaler_label):
    """(LayerImage, (document width, document height)) for an upscale result: the document size
    is the old one scaled, the layer's place is in that scaled document."""
    _check_rgba8(result.image, "result image")
    name = "Upscaled ×%d · %s" % (factor, upscaler_label or "Lanczos")
    layer = LayerImage(name, result.image.data, result.x, result.y, result.image.width, result.image.height)
    return layer, (result.document_width, result.document_height)


def edit_request(facts, from_prompt, to_prompt, settings, strength=0.0, client=KRITA_HOST):
    """"Edit (no mask)" on the selection (the whole image without one): the daemon finds the
    noise that makes the picture under from_prompt and samples it again with to_prompt."""
    from underpaint_kit import noise, requests

    from_prompt, to_prompt = (from_prompt or "").strip(), (to_prompt or "").strip()
    if not from_prompt:
        raise ValueError("Edit: say what the picture shows now (Edit from, or the Prompt field).")
    if not to_prompt:
        raise ValueError("Edit: say what the picture should show instead (the \"to\" field).")
    request = requests.canvas_request(operation="refine", document_size=facts.document_size,
                                      region_rgba=facts.region_rgba, region_rect=facts.region_rect,
                                      selection=facts.selection, selection_rect=facts.selection_rect,
                                      feather=settings.feather, grow=settings.grow, context=settings.context)
    return noise.edit_request(from_prompt, to_prompt, canvas=request.canvas,
                              negative_prompt=settings.negative_prompt, strength=strength, model=settings.model,
                              steps=settings.steps, guidance=settings.guidance, seed=settings.seed, client=client)


def source_prompt(layer_name, entries, fallback):
    """The prompt that made the layer called layer_name, when one of the archive's entries
    (this document's history) made it; else fallback (the Prompt field)."""
    from .planning import layer_name as name_of

    for entry in entries:
        p = entry.parameters
        if p.prompt and layer_name and layer_name.endswith(name_of(p.prompt, p.seed)):
            return p.prompt
    return fallback


def keyframe_times(has_keyframe, start, end):
    """The times in [start, end] at which has_keyframe(time) is true, in order."""
    return [time for time in range(start, end + 1) if has_keyframe(time)]


def keyframes_request(frames_rgba, size, settings, strength=0.0, client=KRITA_HOST):
    """One prompt, one frozen noise over every frame (RGBA8 bytes, all `size`)."""
    from underpaint_kit import noise, requests

    if not frames_rgba:
        raise ValueError("Keyframes: the layer has no keyframes in the animation's range.")
    if not settings.prompt:
        raise ValueError("Keyframes: write what the frames should become in the Prompt field.")
    frames = [requests.rgba_image(size[0], size[1], rgba) for rgba in frames_rgba]
    return noise.keyframes_request(frames, settings.prompt, negative_prompt=settings.negative_prompt,
                                   strength=strength, model=settings.model, steps=settings.steps,
                                   guidance=settings.guidance, seed=settings.seed, client=client)


def frame_layers(results, times, rect, prompt):
    """Keyframe results (Result.index = frame index) -> one LayerImage per frame, in frame order,
    named by the frame's time, placed where the frames were read."""
    by_index = {r.index: r for r in results}
    if sorted(by_index) != list(range(len(times))):
        raise ValueError("keyframes: expected results for frames 0..%d, got %s" % (len(times) - 1, sorted(by_index)))
    layers = []
    for index, time in enumerate(times):
        image = by_index[index].image
        _check_rgba8(image, "frame %d" % time)
        layers.append(LayerImage("frame %d · %s" % (time, short_prompt(prompt)), image.data, rect[0], rect[1],
                                 image.width, image.height))
    return layers


# --- history -----------------------------------------------------------------------------------


def document_label(file_name, name):
    """The name the archive files a document's results under: its file's name once saved, else
    its title."""
    base = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return base or (name or "")


def tag_for_history(request, document_name):
    """Files the job's results under this document in the daemon's archive (unless the request
    already says where)."""
    from underpaint_kit import history

    if not request.HasField("archive") and document_name:
        history.archive_options(request, KRITA_HOST, document_name)
    return request


def entry_label(entry):
    """One history row: the prompt, the size and the seed."""
    p = entry.parameters
    text = short_prompt(p.prompt) if p.prompt else "(no prompt)"
    return "%s · %d×%d · seed %d" % (text, entry.width, entry.height, p.seed)


def history_layer(entry, document_size):
    """A fetched entry (RGBA8 image) -> LayerImage for "Place again": at the position it was made
    for when it was made for a document of this size, else at the top left."""
    _check_rgba8(entry.image, "history image")
    same_document = (entry.document_width, entry.document_height) == tuple(document_size)
    x, y = (entry.x, entry.y) if same_document else (0, 0)
    name = "%s · again" % short_prompt(entry.parameters.prompt)
    return LayerImage(name, entry.image.data, x, y, entry.image.width, entry.image.height)


@dataclass
class ReusedFields:
    """What "Reuse parameters" writes into the panel."""

    prompt: str
    negative_prompt: str
    model: str
    steps: int
    guidance: float
    seed: int
    strength_percent: int  # 100 = generate anew


def reused_fields(entry):
    from underpaint_kit import history

    r = history.reuse_parameters(entry)
    strength = r.strength
    percent = int(round(strength * 100)) if 0.0 < strength < 1.0 else 100
    return ReusedFields(r.prompt, r.negative_prompt, r.model, r.steps, r.guidance, r.seed, max(percent, 1))


def style_tag(name):
    """What the style picker writes into the prompt: the daemon expands it (and refuses an
    unknown name with its position)."""
    return "{style:%s}" % name


def _check_rgba8(image, what):
    from underpaint_kit import pb

    if image.format not in (pb.PIXEL_FORMAT_UNSPECIFIED, pb.PIXEL_FORMAT_RGBA8):
        raise ValueError("%s: expected raw RGBA8 pixels, got format %d" % (what, image.format))
    if len(image.data) != image.width * image.height * 4 or not image.width:
        raise ValueError("%s: %dx%d RGBA8 needs %d bytes, got %d"
                         % (what, image.width, image.height, image.width * image.height * 4, len(image.data)))

