"""Settings of the image tools (upscale, edit without a mask, keyframes, live texture, history),
kept per scene as Scene.underpaint_tools, apart from the generation settings (Scene.underpaint),
and the GetInfo check that says "daemon too old" before a tool sends what the daemon cannot do."""
import bpy
from bpy.props import (BoolProperty, EnumProperty, FloatProperty, IntProperty, PointerProperty,
                       StringProperty)

from . import daemon_status
from .operators import UserError
from .properties import _search


class DaemonTooOldForTool(UserError):
    """The connected daemon lacks a capability; str() is the artist-facing message."""


def too_old_message(feature, capability, info=None):
    version = f" (Underpaint {info.daemon_version})" if info is not None and info.daemon_version else ""
    return (f"{feature}: the daemon{version} is too old - it does not offer '{capability}'. "
            "Update it: pip install -U underpaint, then restart underpaint serve")


def require(feature, capability):
    """Main thread, before submitting: refuses when the daemon's known capabilities lack this one.
    While the capabilities are not fetched yet the request goes out and the daemon answers."""
    if daemon_status.state == "ok" and capability not in daemon_status.capabilities:
        raise DaemonTooOldForTool(too_old_message(feature, capability))


def require_info(info, feature, capability):
    """Worker threads, right after connecting: the same check on the daemon's own GetInfo."""
    if capability not in info.capabilities:
        raise DaemonTooOldForTool(too_old_message(feature, capability, info))


def _style_candidates():
    from . import history_panel  # the styles the last "refresh" listed

    return [(style.name, style.prompt[:40]) for style in history_panel.state.styles]


class UnderpaintToolSettings(bpy.types.PropertyGroup):
    result_into: EnumProperty(
        name="Result", description="Where an upscale or an edit goes",
        items=[("NEW", "New Image", "Keep the original; the result becomes a new image"),
               ("REPLACE", "Replace", "Overwrite the active image (one undo step)")],
        default="NEW")
    upscaler: StringProperty(name="Upscaler", description="Upscaler network id; empty = Lanczos",
                             default="", search=_search(lambda: daemon_status.addon_candidates("upscaler")))
    upscale_factor: FloatProperty(name="Factor", description="How much larger (above 1, up to 16)",
                                  default=2.0, min=1.1, max=16.0, step=50, precision=2)
    upscale_diffusion: BoolProperty(name="Re-render Tiles", default=False,
                                    description="After enlarging, the model re-renders the picture tile by tile "
                                                "with the prompt (adds detail; slower)")
    upscale_strength: FloatProperty(name="Tile Strength", description="Re-render: how much each tile may change",
                                    default=0.35, min=0.05, max=1.0, subtype="FACTOR")
    edit_from_prompt: StringProperty(name="From", default="",
                                     description="What the image shows now (e.g. 'a cat on a sofa')")
    edit_to_prompt: StringProperty(name="To", default="",
                                   description="What it should show (e.g. 'a dog on a sofa'); only what the change "
                                               "touches changes")
    keyframes_source: EnumProperty(
        name="Frames", description="Where the frames come from",
        items=[("SEQUENCE", "Image Sequence", "An image whose source is an image sequence"),
               ("FOLDER", "Folder", "Every image file in a folder, in name order"),
               ("RENDERS", "Renders", "Render the scene's frame range first")],
        default="SEQUENCE")
    keyframes_image: PointerProperty(name="Sequence", type=bpy.types.Image,
                                     description="An image with Source = Image Sequence")
    keyframes_folder: StringProperty(name="Folder", subtype="DIR_PATH", default="",
                                     description="Folder of frames (PNG, JPEG, WebP, ...), read in name order")
    keyframes_output: StringProperty(name="Output", subtype="DIR_PATH", default="//underpaint_keyframes/",
                                     description="Folder the restyled frames are written to (as NAME_0001.png ...)")
    keyframes_strength: FloatProperty(name="Strength", description="How much each frame may change",
                                      default=0.5, min=0.01, max=1.0, subtype="FACTOR")
    keyframes_to_node: BoolProperty(name="Set Image Texture Node", default=True,
                                    description="Put the written sequence into the active material's active "
                                                "Image Texture node (frames follow the timeline)")
    live_strength: FloatProperty(name="Live Strength", description="How much the live result may change the painting",
                                 default=0.5, min=0.01, max=1.0, subtype="FACTOR")
    live_steps: IntProperty(name="Live Steps", description="Steps per live result (few-step samplers: 1-8)",
                            default=4, min=1, max=50)
    history_all_hosts: BoolProperty(name="All Results", default=False,
                                    description="Show results of every file and application, not only this "
                                                ".blend's (or Blender's, while the file is unsaved)")
    history_text: StringProperty(name="Search", default="", description="Words of the prompt to look for")
    style: StringProperty(name="Style", description="A style of the daemon's lexicon (shared by every host)",
                          default="", search=_search(_style_candidates))


def register():
    bpy.utils.register_class(UnderpaintToolSettings)
    bpy.types.Scene.underpaint_tools = PointerProperty(type=UnderpaintToolSettings)


def unregister():
    del bpy.types.Scene.underpaint_tools
    bpy.utils.unregister_class(UnderpaintToolSettings)
