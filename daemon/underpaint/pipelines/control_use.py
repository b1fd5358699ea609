"""A job's controls on a loaded model for one generation: ControlNets (pipelines/controlnets.py)
and IP-Adapter reference images (pipelines/ip_adapters.py).

    with model.lock, use_controls(model, pipe, mode, uses, on_activity) as (pipe, extra):
        pipe(**kwargs, **extra)

Without controls the model's own pipeline is used unchanged. Whatever happens, the IP-Adapter
comes off the UNet again on the way out, so the next job sees the bare model.
"""

from __future__ import annotations

import contextlib

REFERENCE = "reference"


@contextlib.contextmanager
def use_controls(model, pipe, mode: str, uses, on_activity=None):
    if not uses:
        yield pipe, {}
        return
    from underpaint.pipelines.controlnets import controlnet_pipeline, job_pipeline
    from underpaint.pipelines.ip_adapters import use_ip_adapters

    controlnet_uses = [u for u in uses if u.type != REFERENCE]
    references = [u for u in uses if u.type == REFERENCE]
    extra = {}
    if controlnet_uses:
        pipe, extra = controlnet_pipeline(model, mode, controlnet_uses, on_activity)
    else:  # references only: a pipeline of its own, so the image encoder never sticks to the model's
        pipe = job_pipeline(model, mode)
    with use_ip_adapters(model, pipe, references, on_activity) as reference_kwargs:
        yield pipe, {**extra, **reference_kwargs}
