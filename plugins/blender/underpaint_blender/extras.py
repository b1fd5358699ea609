"""Prompt extras and faces: insert a LoRA or an embedding into the prompt (as A1111 writes them,
so the prompt alone says what a texture used), and restore or re-render the faces of an image
as a new image (a finishing job; the original stays as it was)."""
import functools

import bpy
from bpy.props import EnumProperty

from . import images, jobs, preferences
from .operators import UserError, _JobOperator, _require_image, apply_generated, client_name, editor_key
from .underpaint_kit import addons, faces, requests


def _append(text, addition):
    text = text.rstrip()
    return f"{text}, {addition}" if text and not text.endswith(",") else f"{text} {addition}".strip()


class UNDERPAINT_OT_insert_lora(bpy.types.Operator):
    bl_idname = "underpaint.insert_lora"
    bl_label = "Insert LoRA"
    bl_description = "Add <lora:NAME:WEIGHT> for the chosen LoRA to the prompt"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        s = context.scene.underpaint
        try:
            s.prompt = _append(s.prompt, addons.lora_tag(s.lora.strip(), round(s.lora_weight, 2)))
        except ValueError:
            self.report({"ERROR"}, "lora: choose a LoRA first (the search field lists the daemon's)")
            return {"CANCELLED"}
        return {"FINISHED"}


class UNDERPAINT_OT_insert_embedding(bpy.types.Operator):
    bl_idname = "underpaint.insert_embedding"
    bl_label = "Insert Embedding"
    bl_description = "Add the chosen embedding's name to the prompt or the negative prompt"
    bl_options = {"REGISTER", "UNDO"}

    into: EnumProperty(name="Into", items=[("PROMPT", "Prompt", ""), ("NEGATIVE", "Negative", "")],
                       default="PROMPT")

    def execute(self, context):
        s = context.scene.underpaint
        name = s.embedding.strip()
        if not name:
            self.report({"ERROR"}, "embedding: choose an embedding first (the search field lists the daemon's)")
            return {"CANCELLED"}
        if self.into == "NEGATIVE":
            s.negative_prompt = _append(s.negative_prompt, name)
        else:
            s.prompt = _append(s.prompt, name)
        return {"FINISHED"}


def apply_faces(base_name, editor, result):
    """A face job's result becomes a new image; none when the daemon found no face."""
    if result.note == faces.NO_FACES:
        return None
    return apply_generated(None, base_name, editor, result)


class UNDERPAINT_OT_faces(_JobOperator, bpy.types.Operator):
    bl_idname = "underpaint.faces"
    bl_label = "Fix Faces"
    bl_description = "Restore or re-render the faces of the image into a new image"
    fixes_faces = False  # it is the face step itself

    action: EnumProperty(name="Action", default="RESTORE", items=[
        ("RESTORE", "Restore Faces", "A face restorer (GFPGAN, CodeFormer...) cleans each face up"),
        ("RERENDER", "Re-render Faces", "The model paints each face again with the prompt")])

    def build(self, context, s):
        image = _require_image(context, self.image_name)
        width, height = images.size_of(image)
        picture = requests.rgba_image(width, height, images.read_rgba8(image))
        if self.action == "RESTORE":
            label = "Restore faces"
            request = faces.restore_faces_request(image=picture, model=s.face_restorer.strip(),
                                                  client=client_name())
        else:
            label = "Re-render faces"
            request = faces.rerender_faces_request(s.prompt, image=picture, negative_prompt=s.negative_prompt,
                                                   model=s.model.strip(), strength=s.face_strength, seed=s.seed,
                                                   client=client_name())
        return label, request, functools.partial(apply_faces, f"{image.name} ({label.lower()})",
                                                 editor_key(context))


CLASSES = (UNDERPAINT_OT_insert_lora, UNDERPAINT_OT_insert_embedding, UNDERPAINT_OT_faces)


def register():
    for cls in CLASSES:
        bpy.utils.register_class(cls)


def unregister():
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
