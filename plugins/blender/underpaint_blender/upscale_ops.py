"""Upscale and Edit (no mask) on the active image: two FINISH/EDIT jobs whose result becomes a new
image "NAME (x2)" / "NAME (edit)" or replaces the image (one undo step, like every result).
Progress (per tile or per step) and Cancel are the job panel's, as for any job."""
import functools

import bpy

from . import images
from .operators import _JobOperator, _require_image, apply_generated, client_name, editor_key
from .tool_settings import require
from .underpaint_kit import noise, requests, upscale


def _tools(context):
    return context.scene.underpaint_tools


def _picture(image):
    width, height = images.size_of(image)
    return requests.rgba_image(width, height, images.read_rgba8(image))


def _apply_to(image, tools, suffix, context):
    """The apply callback: into the image itself (Replace) or into a new image named after it."""
    if tools.result_into != "REPLACE":
        return functools.partial(apply_generated, None, f"{image.name} ({suffix})", editor_key(context))
    return functools.partial(_replace, image.name, suffix, editor_key(context))


def _replace(image_name, suffix, editor, result):
    # apply_generated keeps the painting for undo before it writes into the image
    return apply_generated(image_name, f"{image_name} ({suffix})", editor, result)


class UNDERPAINT_OT_upscale(_JobOperator, bpy.types.Operator):
    bl_idname = "underpaint.upscale"
    bl_label = "Upscale"
    bl_description = "Enlarge the image with the chosen upscaler (or Lanczos), optionally re-rendering tiles"
    fixes_faces = False

    def build(self, context, s):
        tools = _tools(context)
        require("Upscale", upscale.CAPABILITY)
        if tools.upscale_diffusion:
            require("Upscale (re-render tiles)", upscale.CAPABILITY_DIFFUSION)
        image = _require_image(context, self.image_name)
        factor = round(tools.upscale_factor, 2)
        extra = {}
        if tools.upscale_diffusion:  # the scene's prompt and model paint the detail
            extra = dict(diffusion=True, strength=tools.upscale_strength, prompt=s.prompt,
                         negative_prompt=s.negative_prompt, diffusion_model=s.model.strip(),
                         steps=s.steps, seed=s.seed)
        request = upscale.upscale_request(image=_picture(image), scale=factor, model=tools.upscaler.strip(),
                                          client=client_name(), **extra)
        return "Upscale", request, _apply_to(image, tools, f"x{factor:g}", context)


class UNDERPAINT_OT_edit_no_mask(_JobOperator, bpy.types.Operator):
    bl_idname = "underpaint.edit_no_mask"
    bl_label = "Edit (No Mask)"
    bl_description = ("Change what the image shows from one prompt to another without a mask: the image is "
                      "turned back into the noise that makes it, then painted again with the new prompt")
    fixes_faces = False

    def build(self, context, s):
        tools = _tools(context)
        require("Edit (no mask)", noise.CAPABILITY)
        if not tools.edit_from_prompt.strip() or not tools.edit_to_prompt.strip():
            raise ValueError("edit: write both prompts - From (what the image shows) and To (what it should show)")
        image = _require_image(context, self.image_name)
        request = noise.edit_request(tools.edit_from_prompt, tools.edit_to_prompt, image=_picture(image),
                                     negative_prompt=s.negative_prompt, model=s.model.strip(), steps=s.steps,
                                     guidance=s.guidance, seed=s.seed, client=client_name())
        return "Edit (no mask)", request, _apply_to(image, tools, "edit", context)


CLASSES = (UNDERPAINT_OT_upscale, UNDERPAINT_OT_edit_no_mask)


def register():
    for cls in CLASSES:
        bpy.utils.register_class(cls)


def unregister():
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
