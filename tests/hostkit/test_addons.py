"""Host-kit add-on helpers: pickers offer only what fits the chosen model; requests carry LoRAs
and the VAE where the protocol says."""

from __future__ import annotations

import pytest

from underpaint_kit import addons, pb, requests


def listing() -> pb.ListModelsResponse:
    return pb.ListModelsResponse(
        default_model="base",
        models=[pb.Model(id="base", architecture="sd15"), pb.Model(id="xl", architecture="sdxl"),
                pb.Model(id="two", architecture="sd2"), pb.Model(id="demo", architecture="sd15", is_demo=True)],
        add_ons=[pb.AddOn(id="ink", type="lora", architecture="sd15"),
                 pb.AddOn(id="xl-ink", type="lora", architecture="sdxl"),
                 pb.AddOn(id="demo-lora", type="lora", architecture="sd15", is_demo=True),
                 pb.AddOn(id="xl-neg", type="embedding", architecture="sdxl"),
                 pb.AddOn(id="easyneg", type="embedding", architecture="sd15"),
                 pb.AddOn(id="mse", type="vae", architecture="sd15"),
                 pb.AddOn(id="any", type="vae", architecture=""),
                 pb.AddOn(id="xl-vae", type="vae", architecture="sdxl")])


@pytest.mark.parametrize("model, kind, ids", [
    ("base", "lora", ["ink"]), ("", "lora", ["ink"]), ("xl", "lora", ["xl-ink"]), ("demo", "lora", ["demo-lora"]),
    ("two", "lora", []), ("xl", "embedding", ["xl-neg", "easyneg"]), ("base", "embedding", ["easyneg", "xl-neg"]),
    ("two", "vae", ["mse", "any"]), ("xl", "vae", ["any", "xl-vae"]), ("base", "vae", ["mse", "any"]),
])
def test_addons_for_model_offers_what_fits(model, kind, ids):
    assert [a.id for a in addons.addons_for_model(listing(), model, kind)] == ids


def test_addons_for_model_names_bad_arguments():
    with pytest.raises(ValueError, match="kind"):
        addons.addons_for_model(listing(), "base", "upscalers")
    with pytest.raises(ValueError, match="model_id"):
        addons.addons_for_model(listing(), "nope", "lora")


def test_lora_tags_and_weights():
    assert addons.lora_tag("ink", 0.8) == "<lora:ink:0.8>" and addons.lora_tag("ink") == "<lora:ink:1>"
    with pytest.raises(ValueError, match="name"):
        addons.lora_tag("a:b")
    assert addons.lora_weights({"a": 0.5}) == [pb.LoraWeight(name="a", weight=0.5)]
    assert addons.lora_weights(["a", ("b", -1)]) == [pb.LoraWeight(name="a", weight=1), pb.LoraWeight(name="b", weight=-1)]


def test_requests_carry_loras_and_vae():
    req = requests.generate_request("a fox", loras=[("ink", 0.7)], vae="mse")
    assert list(req.loras) == [pb.LoraWeight(name="ink", weight=0.7)] and req.vae == "mse"
    req = requests.canvas_request("generate", (64, 64), bytes(64 * 64 * 4), (0, 0, 64, 64), loras={"ink": 1}, vae="any")
    assert list(req.loras) == [pb.LoraWeight(name="ink", weight=1)] and req.vae == "any"
    assert not requests.generate_request("plain").loras
