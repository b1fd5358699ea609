"""Submit-time checks of add-ons as the prompt parser hands them over: <lora:NAME:W> tags come
with the tag and its position, and every refusal names them."""

from __future__ import annotations

import pytest

from underpaint.errors import InvalidArgument
from underpaint.jobs.addon_checks import check_loras, plan_addons
from underpaint.models.addons import AddOnIndex
from underpaint.models.registry import ModelEntry, ModelRegistry
from underpaint.v1 import underpaint_pb2 as pb

from .addon_files import header_lora


@pytest.fixture
def setup(tmp_path):
    header_lora(tmp_path / "loras" / "ink.safetensors", 768)
    header_lora(tmp_path / "loras" / "xl.safetensors", 2048, te="lora_te1_")
    index = AddOnIndex(tmp_path)
    index.scan()
    model = ModelEntry("base", "base", "sd15", 512, 512, "single_file", False, tmp_path / "base.safetensors", 8, "")
    return index, model


def test_prompt_tags_are_checked_with_their_position(setup):
    index, model = setup
    uses = check_loras([("ink", 0.6, "prompt", "<lora:ink:0.6> at position 9")], model, index)
    assert [(u.entry.id, u.weight, u.field) for u in uses] == [("ink", 0.6, "prompt")]
    cases = [
        (("nope", 1.0, "prompt", "<lora:nope:1> at position 3"), "prompt: <lora:nope:1> at position 3: no LoRA named 'nope'"),
        (("xl", 1.0, "negative_prompt", "<lora:xl:1> at position 0"), "negative_prompt: <lora:xl:1> at position 0: LoRA 'xl' is made for SDXL"),
        (("ink", 11.0, "prompt", "<lora:ink:11> at position 5"), "prompt: <lora:ink:11> at position 5: LoRA 'ink' weight 11.0 is out of range"),
    ]
    for item, start in cases:
        with pytest.raises(InvalidArgument) as err:
            check_loras([item], model, index)
        assert err.value.message.startswith(start), err.value.message


def test_a_lora_in_the_request_and_in_a_tag_is_refused_once_named(setup):
    index, model = setup
    request = pb.GenerateRequest(prompt="x", loras=[pb.LoraWeight(name="ink", weight=0.5)])
    registry = ModelRegistry(model.path.parent)
    with pytest.raises(InvalidArgument) as err:
        plan_addons(request, model, registry, index,
                    prompt_loras=[("ink", 1.0, "prompt", "<lora:ink:1> at position 2")])
    assert err.value.message == ("prompt: <lora:ink:1> at position 2: LoRA 'ink' is already given in "
                                 "loras[0]; give each LoRA once, with the weight you want")


def test_too_many_loras(setup):
    index, model = setup
    with pytest.raises(InvalidArgument, match="at most 16"):
        check_loras([("ink", 1.0, f"loras[{i}]", "") for i in range(17)], model, index)
