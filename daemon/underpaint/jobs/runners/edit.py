"""EDIT jobs: invert the image to its noise under the source prompt, re-sample with the prompt."""

from __future__ import annotations

from ..context import JobContext
from .generate import generation_result


def run(ctx: JobContext) -> None:
    from ...finishing import apply_finishing
    from ...pipelines.generate import GenerationSpec
    from ...pipelines.inversion import EditSpec, run_edit  # torch: import lazily

    loaded = ctx.load_model()
    r = ctx.request
    spec = GenerationSpec(
        prompt=r.prompt, negative_prompt=r.negative_prompt, width=r.width, height=r.height,
        steps=r.steps, guidance=r.guidance, sampler="ddim", tiling=r.tiling,
        init_image=r.init_image, strength=r.strength, preview_max_size=r.preview_max_size,
        addons=r.addons,
        on_activity=lambda kind, message, subject: ctx.activity(kind, message, subject=subject))

    def on_step(done: int, total: int, preview) -> None:
        ctx.check_cancelled()
        ctx.progress(done, total, 0, preview)

    rgb = run_edit(loaded, EditSpec(spec, r.edit.source_prompt, r.edit.inversion_steps), r.seed, on_step)
    rgb = apply_finishing(ctx, rgb, r.finishing, 0)
    ctx.result(generation_result(ctx, loaded, 0, r.seed, rgb))
