"""The controls of a job in A1111's infotext, as the sd-webui-controlnet extension writes them
(`ControlNet 0: "Module: canny, Model: control_v11p_sd15_canny, Weight: 1, ..."`), so tools
that read A1111 parameters see which controls made an image. References (IP-Adapter) are
written the same way with their adapter as the model, as that extension does."""

from __future__ import annotations

_MODULES = {"none": "none", "canny": "canny", "lineart": "lineart_standard", "scribble": "scribble_xdog",
            "invert": "invert"}


def control_fields(controls) -> str:
    """', ControlNet 0: "..."' for each control (jobs.control_checks.ControlUse), or ""."""
    parts = []
    for i, use in enumerate(controls):
        module = "ip-adapter_clip" if use.type == "reference" else _MODULES.get(use.preprocessor, use.preprocessor)
        text = (f"Module: {module}, Model: {use.entry.id}, Weight: {use.strength:g}, Resize Mode: Crop and Resize, "
                f"Guidance Start: {use.start:g}, Guidance End: {use.end:g}")
        parts.append(f'ControlNet {i}: "{text}"')
    return "".join(", " + p for p in parts)
