"""FINISH jobs: the request's finishing steps (upscale, restore faces, re-render faces) on the
given image or canvas area, no generation of their own. One Result; tiled steps send a Progress
event per tile."""

from __future__ import annotations

from ...v1 import underpaint_pb2 as pb
from ..context import JobContext


def run(ctx: JobContext) -> None:
    from ... import images
    from ...finishing import annotate_result, apply_finishing
    from ...infotext import format_infotext

    r = ctx.request
    image = apply_finishing(ctx, r.init_image, r.finishing, 0)
    height, width = image.shape[:2]
    params = pb.GenerationParameters(prompt=r.prompt, negative_prompt=r.negative_prompt, width=width,
                                     height=height, seed=r.seed, finishing=r.finishing, type=pb.JOB_TYPE_FINISH)
    uses_model = any(_uses_model(step) for step in r.finishing)
    if uses_model:
        params.model, params.steps, params.guidance, params.sampler = r.model.id, r.steps, r.guidance, r.sampler
        params.infotext = format_infotext(r.prompt, r.negative_prompt, steps=r.steps,
                                          sampler=ctx.sampler_names.get(r.sampler, r.sampler), guidance=r.guidance,
                                          seed=r.seed, width=width, height=height, model=r.model.display_name)
    result = pb.Result(index=0, seed=r.seed, parameters=params)
    if r.canvas is None:
        annotate_result(ctx, 0, result, width, height)
        result.image.CopyFrom(images.encode(image, r.output_format))
    else:
        from ...finishing.canvas_area import FacePlan, place_result

        annotate_result(ctx, 0, result, width, height, FacePlan(r.canvas, width, height))
        result.image.CopyFrom(images.encode(place_result(r.canvas, image, result), r.output_format))
    ctx.result(result)


def _uses_model(step) -> bool:
    kind = step.WhichOneof("step")
    return kind == "rerender_faces" or (kind == "upscale" and step.upscale.diffusion)
