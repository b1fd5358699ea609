"""Scene-level settings (saved with the .blend): what to generate and how."""
import bpy
from bpy.props import (BoolProperty, EnumProperty, FloatProperty, IntProperty, PointerProperty,
                       StringProperty)

from . import board, daemon_status, tokens


def _search(values):
    """Search candidates; values() gives ids or (id, label) pairs, the label shown beside the id."""
    def search(self, context, edit_text):
        text = edit_text.lower()
        return [value for value in values()
                if any(text in part.lower() for part in ((value,) if isinstance(value, str) else value))]
    return search


class UnderpaintSettings(bpy.types.PropertyGroup):
    prompt: StringProperty(name="Prompt", description="What to paint (A1111's syntax: (word:1.3), <lora:NAME:0.8>, BREAK)",
                           default="", update=tokens.prompt_changed)
    negative_prompt: StringProperty(name="Negative", description="What to avoid", default="")
    model: StringProperty(name="Model", description="Model id; empty = the daemon's default",
                          default="", search=_search(daemon_status.model_candidates),
                          update=tokens.prompt_changed)
    sampler: StringProperty(name="Sampler", description="Sampler id; empty = the daemon's default",
                            default="", search=_search(daemon_status.sampler_candidates))
    width: IntProperty(name="Width", description="Width of a generated texture in pixels",
                       default=512, min=8, max=8192, step=8)
    height: IntProperty(name="Height", description="Height of a generated texture in pixels",
                        default=512, min=8, max=8192, step=8)
    steps: IntProperty(name="Steps", description="Denoising steps", default=25, min=1, max=200)
    guidance: FloatProperty(name="Guidance", description="How closely to follow the prompt",
                            default=7.0, min=0.0, max=30.0)
    seed: IntProperty(name="Seed", description="-1 = a new random seed each time", default=-1, min=-1)
    variations: IntProperty(name="Variations", description="How many images to make (seed, seed+1, ...)",
                            default=1, min=1, max=16)
    seamless: BoolProperty(name="Seamless", description="Tileable result: edges continue each other",
                           default=False)
    strength: FloatProperty(name="Strength", description="Refine/fill: how much may change (1 = everything)",
                            default=0.6, min=0.01, max=1.0, subtype="FACTOR")
    target: EnumProperty(
        name="Into", description="Where a generated texture goes",
        items=[("NEW", "New Image", "Create a new image for each result"),
               ("ACTIVE", "Active Image", "Overwrite the active image (resized to Width x Height)")],
        default="NEW")
    refine_source: EnumProperty(
        name="Source", description="What to refine",
        items=[("ACTIVE", "Active Image", "Refine the active image in place"),
               ("RENDER", "Render Result", "Refine a copy of the last render (F12)"),
               ("VIEWPORT", "3D Viewport", "Refine a capture of the 3D Viewport")],
        default="ACTIVE")
    mask_source: EnumProperty(
        name="Mask", description="Which pixels a fill regenerates",
        items=[("ALPHA", "Painted-out Alpha", "Regenerate where the image's alpha was erased"),
               ("IMAGE", "Mask Image", "Regenerate where the mask image is white")],
        default="ALPHA")
    mask_image: PointerProperty(name="Mask Image", type=bpy.types.Image,
                                description="White = regenerate, black = keep; same size as the image")
    grow: IntProperty(name="Grow", description="Fill: grow the mask by this many pixels", default=0, min=0)
    feather: IntProperty(name="Feather", description="Fill: soft edge in pixels (0 = automatic, -1 = hard)",
                         default=0, min=-1)
    board_channel: StringProperty(name="Channel", description="Board channel to send to, place from or follow",
                                  default="blender", search=_search(lambda: board.known_channels))
    vae: StringProperty(name="VAE", description="VAE add-on id; empty = the model's own",
                        default="", search=_search(lambda: daemon_status.addon_candidates("vae")))
    lora: StringProperty(name="LoRA", description="LoRA to insert into the prompt as <lora:NAME:WEIGHT>",
                         default="", search=_search(lambda: daemon_status.addon_candidates("lora")))
    lora_weight: FloatProperty(name="Weight", description="How strongly the LoRA acts (1 = as trained)",
                               default=0.8, min=-2.0, max=2.0, step=10)
    embedding: StringProperty(name="Embedding", description="Embedding to insert into the prompt by name",
                              default="", search=_search(lambda: daemon_status.addon_candidates("embedding")))
    rerender_faces: BoolProperty(name="Re-render Faces", default=False,
                                 description="After generating, the model paints each face again at full resolution")
    restore_faces: BoolProperty(name="Restore Faces", default=False,
                                description="After generating, a face restorer (GFPGAN, CodeFormer...) cleans each face up")
    face_restorer: StringProperty(name="Restorer", description="Face restorer id; empty = the first installed",
                                  default="", search=_search(lambda: daemon_status.addon_candidates("face_restorer")))
    face_strength: FloatProperty(name="Face Strength", description="Re-render: how much each face may change",
                                 default=0.4, min=0.05, max=1.0, subtype="FACTOR")
    expand_left: IntProperty(name="Left", default=0, min=0)
    expand_top: IntProperty(name="Top", default=0, min=0)
    expand_right: IntProperty(name="Right", default=128, min=0)
    expand_bottom: IntProperty(name="Bottom", default=0, min=0)


def register():
    bpy.utils.register_class(UnderpaintSettings)
    bpy.types.Scene.underpaint = PointerProperty(type=UnderpaintSettings)


def unregister():
    del bpy.types.Scene.underpaint
    bpy.utils.unregister_class(UnderpaintSettings)
