"""Host-kit control layers: a layer's pixels become a control of the request with its place in
the document; pickers offer the control types installed for the model; and a kit-built request
with a control runs on a real daemon exactly as a host runs it."""

from __future__ import annotations

import pytest

from hostkit_helpers import run_in_host_python
from underpaint_kit import controls, pb, requests


def canvas():
    return requests.canvas_request("fill", (64, 64), bytes(64 * 64 * 4), (0, 0, 64, 64), bytes([255]) * 16,
                                   (8, 8, 4, 4))


def test_a_layer_becomes_a_control_at_its_document_place():
    req = canvas()
    control = controls.add_control(req, "Scribble", bytes(range(256)), (10, 20, 16, 4), strength=0.5,
                                   start=0.1, end=0.9)
    assert list(req.controls) == [control]
    assert (control.type, control.x, control.y, control.image.width, control.image.height) == ("scribble", 10, 20, 16, 4)
    assert control.image.format == pb.PIXEL_FORMAT_RGBA8 and control.image.data == bytes(range(256))
    assert (control.strength, round(control.start, 3), round(control.end, 3)) == (0.5, 0.1, 0.9)
    reference = controls.add_reference(req, bytes(8 * 8 * 4), (8, 8), strength=0.6)
    assert reference.type == "reference" and req.controls[1] == reference


@pytest.mark.parametrize("call, words", [
    (lambda r: controls.add_control(r, "sparkle", bytes(16), (0, 0, 2, 2)), "control_type"),
    (lambda r: controls.add_control(r, "canny", bytes(15), (0, 0, 2, 2)), "rgba: expected 2x2x4"),
    (lambda r: controls.add_control(r, "canny", bytes(16), (0, 0, 2, 2), strength=3), "strength: expected 0 to 2"),
    (lambda r: controls.add_control(r, "canny", bytes(16), (0, 0, 2, 2), start=0.5, end=0.5), "end: must be greater"),
    (lambda r: controls.add_control(r, "canny", bytes(16), (0, 0, 0, 2)), "layer_rect"),
    (lambda r: controls.add_control(requests.generate_request("x"), "canny", bytes(16), (4, 0, 2, 2)),
     "only means something on a canvas"),
])
def test_bad_arguments_are_named(call, words):
    with pytest.raises(ValueError, match=words):
        call(canvas())


def test_pickers_offer_the_control_types_installed_for_the_model():
    listing = pb.ListModelsResponse(
        default_model="base",
        models=[pb.Model(id="base", architecture="sd15"), pb.Model(id="xl", architecture="sdxl")],
        add_ons=[pb.AddOn(id="cn-canny", type="controlnet", architecture="sd15", control_type="canny"),
                 pb.AddOn(id="cn-any", type="controlnet", architecture="sd15"),
                 pb.AddOn(id="xl-depth", type="controlnet", architecture="sdxl", control_type="depth"),
                 pb.AddOn(id="ip15", type="ipadapter", architecture="sd15"),
                 pb.AddOn(id="ink", type="lora", architecture="sd15")])
    base = controls.control_types_for_model(listing)
    assert base["canny"] == ["cn-canny", "cn-any"] and base["depth"] == ["cn-any"] and base["reference"] == ["ip15"]
    assert controls.control_types_for_model(listing, "xl") == {"depth": ["xl-depth"]}


def test_a_kit_built_control_steers_a_canvas_fill_on_a_real_daemon(kit_vendor, daemon):
    env = {k: v for k, v in daemon.env.items() if k not in ("UNDERPAINT_HTTP", "UNDERPAINT_SERVER")}
    result = run_in_host_python(kit_vendor, """
        import underpaint_kit as kit
        d = kit.connect_daemon()
        W, H = 64, 64
        doc = bytes([90, 120, 150, 255]) * (W * H)
        types = kit.controls.control_types_for_model(d.list_models(), "underpaint-demo")
        line = bytearray(40 * 40 * 4)            # a transparent layer with one opaque stroke
        for x in range(40):
            line[(20 * 40 + x) * 4:(20 * 40 + x) * 4 + 4] = bytes([0, 0, 0, 255])
        out = {"types": sorted(types)}
        for name, strength in (("plain", 0.0), ("steered", 1.0)):
            req = kit.requests.canvas_request("fill", (W, H), doc, (0, 0, W, H), bytes([255]) * (32 * 32),
                                              (16, 16, 32, 32), prompt="a road", steps=2, seed=3, model="underpaint-demo")
            kit.controls.add_control(req, "scribble", bytes(line), (12, 12, 40, 40), strength=strength)
            outcome = kit.JobRunner(d, req).run()
            out[name] = [outcome.status, outcome.message, outcome.results[0].image.data.hex() if outcome.results else ""]
        print(json.dumps(out))
    """, env=env, timeout=600)  # two jobs plus the ControlNet's first load, on a shared machine
    assert result["plain"][0] == "succeeded", result["plain"][1]
    assert result["steered"][0] == "succeeded", result["steered"][1]
    assert result["plain"][2] != result["steered"][2]
    assert {"scribble", "canny", "reference"} <= set(result["types"])
