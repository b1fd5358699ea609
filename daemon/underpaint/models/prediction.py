"""Does a checkpoint predict noise (epsilon) or velocity (v)? SD 2.x ships both, in the same layout.

The 768 px SD 2.x models (768-v, 2.1) were trained for v-prediction, the 512 px ones (512-base)
for epsilon; sampling one with the other's objective gives washed-out noise, and nothing in the
tensor names tells them apart. Evidence, strongest first:

1. `<name>.yaml` beside the checkpoint, as AUTOMATIC1111 reads it: `parameterization: "v"` under
   `model.params` means v; a yaml without it means epsilon (Stability's v2-inference.yaml).
2. What the file says of itself: `modelspec.prediction_type` / `modelspec.architecture`
   (Stability's model spec) or a `v_pred` marker tensor (ComfyUI's convention, used by v-pred
   SDXL fine-tunes too).
3. For pickles, `global_step` 875000 is SD 2.0 512-base (the rule diffusers applies).
4. For SD 2.x only, a statistic of the weights, as ComfyUI decides: v-prediction training leaves
   the first norm bias of the last output block's transformer with a standard deviation above
   0.09. It reads 320 numbers, where A1111's alternative, a test forward pass through the whole
   UNet, would need the model in memory just to list it.
"""

from __future__ import annotations

from underpaint.models.checkpoint_files import TensorIndex, Unusable

EPSILON = "epsilon"
V = "v_prediction"
SD2_STATISTIC_TENSOR = "model.diffusion_model.output_blocks.11.1.transformer_blocks.0.norm1.bias"
SD2_STATISTIC_THRESHOLD = 0.09
SD2_512_BASE_STEP = 875_000


def prediction_type(index: TensorIndex, architecture: str) -> tuple[str, str]:
    """(EPSILON | V, how it was told — for people)."""
    told = _from_yaml(index) or _from_file(index)
    if told:
        return told
    if architecture != "sd2":
        return EPSILON, ""
    if index.extras.get("global_step") == SD2_512_BASE_STEP:
        return EPSILON, "global_step 875000 (SD 2.0 512-base)"
    if SD2_STATISTIC_TENSOR not in index.shapes:
        return EPSILON, "no v-prediction marker"
    std = float(index.tensor(SD2_STATISTIC_TENSOR).std(unbiased=False))
    if std > SD2_STATISTIC_THRESHOLD:
        return V, "told from its weights"
    return EPSILON, "told from its weights"


def _from_yaml(index: TensorIndex) -> tuple[str, str] | None:
    sidecar = index.path.with_suffix(".yaml")
    if not sidecar.is_file():
        return None
    import yaml

    try:
        config = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise Unusable(f"{sidecar.name} beside it cannot be read as YAML ({type(e).__name__})") from None
    params = config.get("model", {}).get("params", {}) if isinstance(config, dict) else {}
    value = params.get("parameterization") if isinstance(params, dict) else None
    kind = V if value == "v" else EPSILON
    return kind, f"from {sidecar.name}"


def _from_file(index: TensorIndex) -> tuple[str, str] | None:
    declared = index.metadata.get("modelspec.prediction_type", "").strip().lower()
    if declared in ("v", "v_prediction", "v-prediction"):
        return V, "from its metadata"
    if declared in ("epsilon", "eps"):
        return EPSILON, "from its metadata"
    spec = index.metadata.get("modelspec.architecture", "")
    if spec.startswith("stable-diffusion-v2"):
        return (V, "from its metadata") if spec.endswith("-v") else (EPSILON, "from its metadata")
    if "v_pred" in index.shapes:
        return V, "v_pred marker"
    return None
