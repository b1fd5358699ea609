"""What the face steps tell the client in each Result: the faces found (Result.faces, in the
pixels of the image returned, or of the document for canvas operations) and "no faces found"
(Result.note) when a face step had nothing to work on, leaving the image as it was.
"""

from __future__ import annotations

from ..v1 import underpaint_pb2 as pb

NO_FACES = "no faces found"


def note_faces(ctx, index: int, faces, shape) -> None:
    """Records a face step's detections for image `index`; the last face step's are reported."""
    facts = ctx.annotations(index)
    facts["faces"] = (list(faces), shape[1], shape[0])
    if not faces:
        notes = facts.setdefault("notes", [])
        if NO_FACES not in notes:
            notes.append(NO_FACES)


def annotate_result(ctx, index: int, result: pb.Result, width: int, height: int, plan=None) -> None:
    """Fills result.faces / result.note for image `index`, which ended up width x height pixels
    (upscaling may have followed detection); with a canvas plan, in document coordinates."""
    facts = ctx.annotations(index)
    if "faces" in facts:
        faces, seen_w, seen_h = facts["faces"]
        sx, sy, ox, oy = width / seen_w, height / seen_h, 0.0, 0.0
        if plan is not None:  # the image covers the plan's work area, scaled
            sx, sy = sx * plan.work_width / width, sy * plan.work_height / height
            ox, oy = plan.work_x, plan.work_y
        for f in faces:
            result.faces.add(x=round(ox + f.x * sx), y=round(oy + f.y * sy), width=round(f.width * sx),
                             height=round(f.height * sy), score=f.score)
    notes = facts.get("notes", [])
    if notes:
        result.note = "; ".join(n for n in [result.note, *notes] if n)
