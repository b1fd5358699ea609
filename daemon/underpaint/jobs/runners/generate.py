"""GENERATE jobs: txt2img, img2img, inpaint and canvas operations, one image per variation,
each finished by the request's finishing steps."""

from __future__ import annotations

from ...errors import ResourceExhausted
from ...infotext import format_infotext
from ...v1 import underpaint_pb2 as pb
from ..context import JobContext


def run(ctx: JobContext) -> None:
    """The count runs in batches as large as memory allows (pipelines/batching.py); image i is
    still the image seed + i gives alone, so a batch changes speed, never pixels (on CPU)."""
    from ...pipelines.batching import batch_size_for

    loaded = ctx.load_model()
    r = ctx.request
    size = batch_size_for(loaded.device, getattr(loaded, "dtype", None), r.width, r.height, r.count)
    from ...pipelines.generate import GenerationSpec, batchable

    if size > 1 and not batchable(GenerationSpec(prompt=r.prompt, negative_prompt=r.negative_prompt, width=r.width,
                                                 height=r.height, steps=r.steps, guidance=r.guidance,
                                                 sampler=r.sampler)):
        size = 1
    start = 0
    while start < r.count:
        ctx.check_cancelled()
        indices = list(range(start, min(start + size, r.count)))
        try:
            _run_batch(ctx, loaded, indices)
        except ResourceExhausted:
            if size == 1:
                raise
            size = max(1, size // 2)  # the estimate was too hopeful: smaller batches
            ctx.activity("batch", f"out of memory with {len(indices)} images at once; trying {size}")
            continue
        start += len(indices)


def _run_batch(ctx: JobContext, loaded, indices: list[int]) -> None:
    from ...finishing import apply_finishing
    from ...pipelines.generate import GenerationSpec, run_batch  # torch: import lazily

    r = ctx.request
    seeds = [r.seed + index for index in indices]
    spec = GenerationSpec(
        prompt=r.prompt, negative_prompt=r.negative_prompt, width=r.width, height=r.height,
        steps=r.steps, guidance=r.guidance, sampler=r.sampler, tiling=r.tiling,
        init_image=r.init_image, strength=r.strength, mask=r.mask,
        preview_max_size=r.preview_max_size, addons=r.addons, clip_skip=r.clip_skip, mean_restore=r.mean_restore,
        controls=r.controls,
        noise=r.noise,
        on_activity=lambda kind, message, subject: ctx.activity(kind, message, subject=subject))
    first = indices[0]

    def on_step(done: int, total: int, preview) -> None:
        ctx.check_cancelled()
        ctx.progress(first * total + done * len(indices), total * r.count, first, preview)

    images = run_batch(loaded, spec, seeds, on_step)
    for index, seed, rgb in zip(indices, seeds, images):
        ctx.check_cancelled()
        rgb = apply_finishing(ctx, rgb, r.finishing, index)
        ctx.result(generation_result(ctx, loaded, index, seed, rgb))


def noise_message(noise) -> pb.NoiseOptions | None:
    """The noise settings actually used (the variation seed drawn for -1), for GenerationParameters."""
    if noise is None:
        return None
    width, height = noise.resize_from or (0, 0)
    return pb.NoiseOptions(variation_seed=noise.variation_seed, variation_strength=noise.variation_strength,
                           resize_seed_from_width=width, resize_seed_from_height=height, freeze=noise.freeze)


def generation_result(ctx: JobContext, loaded, index: int, seed: int, rgb) -> pb.Result:
    """The Result for one generated image: encoded as asked, parameters and infotext filled in,
    and for canvas operations composed into place with the position to put it at."""
    from ... import images
    from ...models.addon_hashes import infotext_fields
    from ...pipelines.addons import notes_for
    from ...finishing import annotate_result
    from ...controls.infotext import control_fields

    r = ctx.request
    sampler = ctx.sampler_names.get(r.sampler, r.sampler)
    model_hash = getattr(loaded, "model_hash", "") or ""
    infotext = format_infotext(r.prompt, r.negative_prompt, steps=r.steps, sampler=sampler,
                               guidance=r.guidance, seed=seed, width=r.width, height=r.height,
                               model=r.model.display_name, model_hash=model_hash,
                               strength=r.strength, tiling=r.tiling, clip_skip=r.clip_skip, noise=r.noise,
                               **infotext_fields(r.addons))
    infotext += control_fields(r.controls)
    params = pb.GenerationParameters(
        prompt=r.prompt, negative_prompt=r.negative_prompt, model=r.model.id, model_hash=model_hash,
        width=r.width, height=r.height, steps=r.steps, guidance=r.guidance, seed=seed,
        sampler=r.sampler, strength=r.strength or 0.0, tiling=r.tiling, infotext=infotext,
        finishing=r.finishing, type=r.request.type, clip_skip=r.clip_skip,
        noise=noise_message(r.noise))
    if r.addons is not None:
        params.loras.extend(pb.LoraWeight(name=u.entry.id, weight=u.weight) for u in r.addons.loras)
        params.vae = r.addons.vae.id if r.addons.vae else ""
    result = pb.Result(index=index, seed=seed, parameters=params, note="; ".join(notes_for(loaded, r.addons)))
    annotate_result(ctx, index, result, rgb.shape[1], rgb.shape[0], r.canvas)
    if r.canvas is None:
        result.image.CopyFrom(images.encode(rgb, r.output_format))
        return result
    from ...canvas import compose_result

    plan = r.canvas
    rgba = compose_result(plan, rgb)
    result.image.CopyFrom(images.encode(rgba, r.output_format))
    result.x, result.y = plan.x, plan.y
    result.document_width, result.document_height = plan.document_width, plan.document_height
    result.offset_x, result.offset_y = plan.offset_x, plan.offset_y
    return result
