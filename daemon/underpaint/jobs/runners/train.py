"""TRAIN_EMBEDDING jobs: textual inversion on the loaded model (pipelines/train_embedding.py).

Each step sends a Progress event with its loss. Every `save_every` steps, at the end and on
cancel, the vectors so far are saved to models/embeddings/TOKEN.safetensors and the add-on index
is rescanned, so the name works in prompts at once (a cancelled run keeps what it learned)."""

from __future__ import annotations

from ...errors import JobCancelled
from ...v1 import underpaint_pb2 as pb
from ..context import JobContext


def run(ctx: JobContext) -> None:
    from ...pipelines.train_embedding import make_trainer, save_embedding

    r, spec = ctx.request, ctx.request.train
    loaded = ctx.load_model()
    ctx.activity("training", f"preparing {len(spec.images)} pictures for '{spec.token}'", subject=spec.token)
    trainer = make_trainer(loaded.txt2img, spec.images, spec.init_word, spec.vectors, spec.learning_rate, r.seed)
    before = trainer.evaluate()
    saved = done = 0
    loss = 0.0

    def checkpoint() -> None:
        nonlocal saved
        save_embedding(spec.path, trainer.vectors, spec.token, done, r.model)
        if spec.addons is not None:  # None on a cluster replica: the front rescans its own index
            spec.addons.scan()
        saved = done

    try:
        for done in range(1, spec.steps + 1):
            ctx.check_cancelled()
            loss = trainer.step()
            ctx.progress(done, spec.steps, loss=loss)
            if done % spec.save_every == 0 and done < spec.steps:
                checkpoint()
                ctx.activity("training", f"saved '{spec.token}' at step {done}", subject=spec.token)
    except JobCancelled:
        done -= 1  # the step that saw the cancel did not run
        if done > saved:
            checkpoint()
        raise
    checkpoint()
    after = trainer.evaluate()
    ctx.activity("training", f"'{spec.token}': loss on fixed check draws {before:.4g} -> {after:.4g}", 1.0,
                 subject=spec.token)
    params = pb.GenerationParameters(model=r.model.id, seed=r.seed, width=r.width, height=r.height,
                                     type=pb.JOB_TYPE_TRAIN_EMBEDDING)
    ctx.emit(result=pb.Result(index=0, seed=r.seed, parameters=params, embedding=spec.token,
                              note=f"embedding '{spec.token}' trained for {done} steps (loss on fixed check draws "
                                   f"{before:.4g} -> {after:.4g}); saved to {spec.path}"))
