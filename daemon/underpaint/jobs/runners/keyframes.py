"""KEYFRAMES jobs: each frame an img2img of itself with the job's prompt, seed and frozen noise.

Frames run one after the other, in order (a result per frame as soon as it is done), so the
first frames show up early and a cancel stops between two steps of any frame. Every frame gets
the same seed: with the noise frozen, what differs between two outputs comes from what differs
between the two inputs.
"""

from __future__ import annotations

from ..context import JobContext
from .generate import generation_result


def run(ctx: JobContext) -> None:
    from ...finishing import apply_finishing
    from ...pipelines.generate import GenerationSpec, run_generation  # torch: import lazily

    loaded = ctx.load_model()
    r = ctx.request
    for index, frame in enumerate(r.frames):
        ctx.check_cancelled()
        spec = GenerationSpec(
            prompt=r.prompt, negative_prompt=r.negative_prompt, width=r.width, height=r.height,
            steps=r.steps, guidance=r.guidance, sampler=r.sampler, tiling=r.tiling,
            init_image=frame, strength=r.strength, preview_max_size=r.preview_max_size,
            addons=r.addons, noise=r.noise,
            on_activity=lambda kind, message, subject: ctx.activity(kind, message, subject=subject))

        def on_step(done: int, total: int, preview, index=index) -> None:
            ctx.check_cancelled()
            ctx.progress(index * total + done, total * len(r.frames), index, preview)

        rgb = run_generation(loaded, spec, r.seed, on_step)
        rgb = apply_finishing(ctx, rgb, r.finishing, index)
        ctx.result(generation_result(ctx, loaded, index, r.seed, rgb))
