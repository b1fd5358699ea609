"""Sampler ids (the strings clients send) and the diffusers schedulers behind them.

Ids follow the names A1111/ComfyUI users know. Every sampler is built from the model's own
scheduler config, so its training schedule (betas, prediction type) is kept.
"""

from __future__ import annotations

import importlib.util
from collections import OrderedDict

import numpy as np

from underpaint.errors import InvalidArgument

DEFAULT_SAMPLER = "euler_a"


def _lms_scheduler_class():
    """LMSDiscreteScheduler without scipy: its coefficient is the integral of a Lagrange basis
    polynomial of degree <= 3, which 4-point Gauss-Legendre quadrature integrates exactly."""
    # diffusers exports a stub under this name when scipy is missing; the module has the class.
    from diffusers.schedulers.scheduling_lms_discrete import LMSDiscreteScheduler

    nodes, weights = np.polynomial.legendre.leggauss(4)

    class ExactLMSDiscreteScheduler(LMSDiscreteScheduler):
        def get_lms_coefficient(self, order, t, current_order):
            sigmas = [float(s) for s in self.sigmas]
            low, high = sigmas[t], sigmas[t + 1]
            taus = (high - low) / 2 * nodes + (high + low) / 2
            values = np.ones_like(taus)
            for k in range(order):
                if k != current_order:
                    values *= (taus - sigmas[t - k]) / (sigmas[t - current_order] - sigmas[t - k])
            return float((high - low) / 2 * np.sum(weights * values))

    return ExactLMSDiscreteScheduler


def _diffusers(name: str):
    return lambda: getattr(importlib.import_module("diffusers"), name)


_HAS_TORCHSDE = importlib.util.find_spec("torchsde") is not None
_NO_KARRAS = {"use_karras_sigmas": False}
_KARRAS = {"use_karras_sigmas": True}

# id -> (display name, scheduler class factory, config overrides)
_TABLE: list[tuple[str, str, object, dict]] = [
    ("euler_a", "Euler a", _diffusers("EulerAncestralDiscreteScheduler"), {}),
    ("euler", "Euler", _diffusers("EulerDiscreteScheduler"), _NO_KARRAS),
    ("dpmpp_2m", "DPM++ 2M", _diffusers("DPMSolverMultistepScheduler"),
     {"algorithm_type": "dpmsolver++", "solver_order": 2, **_NO_KARRAS}),
    ("dpmpp_2m_karras", "DPM++ 2M Karras", _diffusers("DPMSolverMultistepScheduler"),
     {"algorithm_type": "dpmsolver++", "solver_order": 2, **_KARRAS}),
    ("dpmpp_2m_sde_karras", "DPM++ 2M SDE Karras", _diffusers("DPMSolverMultistepScheduler"),
     {"algorithm_type": "sde-dpmsolver++", "solver_order": 2, **_KARRAS}),
]
if _HAS_TORCHSDE:  # DPMSolverSDEScheduler imports torchsde
    _TABLE.append(("dpmpp_sde_karras", "DPM++ SDE Karras", _diffusers("DPMSolverSDEScheduler"), _KARRAS))
_TABLE += [
    ("unipc", "UniPC", _diffusers("UniPCMultistepScheduler"), _NO_KARRAS),
    ("ddim", "DDIM", _diffusers("DDIMScheduler"), {}),
    ("heun", "Heun", _diffusers("HeunDiscreteScheduler"), _NO_KARRAS),
    ("lms", "LMS", _lms_scheduler_class, _NO_KARRAS),
    ("lms_karras", "LMS Karras", _lms_scheduler_class, _KARRAS),
    ("pndm", "PNDM", _diffusers("PNDMScheduler"), {"skip_prk_steps": True}),
]
# Few-step samplers for distilled models (LCM, TCD, SDXL Turbo, Lightning, Hyper-SD) and their
# LoRAs: 1-8 steps at guidance 1-1.5. "Trailing" spacing starts at the last training timestep,
# which is what these models were distilled for (the schedules their model cards give).
_TRAILING = {"timestep_spacing": "trailing"}
_TABLE += [
    ("lcm", "LCM", _diffusers("LCMScheduler"), {}),
    ("tcd", "TCD", _diffusers("TCDScheduler"), {}),
    ("turbo", "Euler a trailing (Turbo)", _diffusers("EulerAncestralDiscreteScheduler"), _TRAILING),
    ("lightning", "Euler trailing (Lightning)", _diffusers("EulerDiscreteScheduler"), {**_TRAILING, **_NO_KARRAS}),
    ("hyper", "DDIM trailing (Hyper-SD)", _diffusers("DDIMScheduler"), _TRAILING),
]
FEW_STEP_SAMPLERS = frozenset({"lcm", "tcd", "turbo", "lightning", "hyper"})
FEW_STEP_DEFAULT_STEPS = 4
FEW_STEP_DEFAULT_GUIDANCE = 1.0  # <= 1 turns classifier-free guidance off: one UNet call per step
# LCM and TCD pick their steps among the 50 timesteps of the distillation schedule.
MAX_STEPS_BY_SAMPLER = {"lcm": 50, "tcd": 50}

SAMPLERS: "OrderedDict[str, str]" = OrderedDict((sid, name) for sid, name, _, _ in _TABLE)
_FACTORIES = {sid: (factory, overrides) for sid, _, factory, overrides in _TABLE}


def check_sampler(sampler_id: str) -> str:
    """The id itself, or InvalidArgument naming the field and the allowed ids."""
    if sampler_id not in _FACTORIES:
        raise InvalidArgument("sampler", f"unknown sampler '{sampler_id}'; one of {', '.join(SAMPLERS)}")
    return sampler_id


def is_few_step(sampler_id: str) -> bool:
    return sampler_id in FEW_STEP_SAMPLERS


def make_scheduler(sampler_id: str, base_scheduler_config):
    """A fresh scheduler for `sampler_id`, built on the model's scheduler config."""
    factory, overrides = _FACTORIES[check_sampler(sampler_id)]
    config = {k: v for k, v in dict(base_scheduler_config).items() if k != "use_karras_sigmas"}
    return factory().from_config(config, **overrides)
