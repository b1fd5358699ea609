"""The plugin's pure logic (no Krita): operation choice, requests, names, pixel conversion."""

from __future__ import annotations

import random
import struct
from array import array

import pytest

from underpaint_krita import pixel_depth, planning


def test_operation_follows_selection_and_strength():
    assert planning.choose_operation(False, 1.0) == "generate"
    assert planning.choose_operation(True, 1.0) == "fill"
    assert planning.choose_operation(True, 0.99) == "refine"
    assert planning.choose_operation(False, 0.3) == "refine"


def test_whole_canvas_generate_sends_no_pixels():
    assert not planning.needs_pixels("generate", False)
    assert planning.needs_pixels("generate", True)
    assert planning.needs_pixels("refine", False)


def test_build_request_carries_panel_and_canvas_facts():
    from underpaint_kit import pb

    settings = planning.PanelSettings(prompt="cat", negative_prompt="dog", model="m", strength=0.4,
                                      steps=7, guidance=5.5, seed=42, count=3, grow=2, feather=-1,
                                      context=0.25)
    facts = planning.CanvasFacts((100, 80), (10, 20, 2, 1), bytes(8), bytes([255, 0]), (11, 20, 2, 1))
    request = planning.build_request("refine", settings, facts, client="krita test")
    canvas = request.canvas
    assert canvas.operation == pb.CANVAS_OPERATION_REFINE
    assert (canvas.document_width, canvas.document_height) == (100, 80)
    assert (canvas.region_x, canvas.region_y, canvas.region.width, canvas.region.height) == (10, 20, 2, 1)
    assert (canvas.selection_x, canvas.selection_y, canvas.selection.data) == (11, 20, bytes([255, 0]))
    assert (canvas.mask_options.grow, canvas.mask_options.feather) == (2, -1)
    assert canvas.mask_options.context == pytest.approx(0.25)
    assert request.strength == pytest.approx(0.4)
    assert (request.prompt, request.negative_prompt, request.model) == ("cat", "dog", "m")
    assert (request.steps, request.seed, request.count, request.client) == (7, 42, 3, "krita test")
    # strength only means something for refine
    assert planning.build_request("fill", settings, facts).strength == 0.0


def test_quick_extend_margins():
    assert planning.quick_extend_margins("top", 128) == (0, 128, 0, 0)
    assert planning.quick_extend_margins("left", 8) == (8, 0, 0, 0)
    with pytest.raises(ValueError, match="side"):
        planning.quick_extend_margins("up", 8)
    with pytest.raises(ValueError, match="amount"):
        planning.quick_extend_margins("top", 0)


def test_layer_names_are_short_and_carry_the_seed():
    assert planning.layer_name("  a  red\napple ", 7) == "a red apple · seed 7"
    assert planning.layer_name("", 3) == "Underpaint · seed 3"
    long_name = planning.layer_name("word " * 30, 9)
    assert long_name.endswith("… · seed 9") and len(long_name) < 60
    assert planning.group_name("cat", 4) == "cat · 4 variations"


def test_result_layers_keep_order_position_and_check_sizes():
    from underpaint_kit import pb

    def result(index, seed, x, y, w=2, h=1, data=None):
        r = pb.Result(index=index, seed=seed, x=x, y=y)
        r.image.width, r.image.height, r.image.format = w, h, pb.PIXEL_FORMAT_RGBA8
        r.image.data = data if data is not None else bytes(range(w * h * 4))
        return r

    layers = planning.result_layers([result(1, 6, 3, 4), result(0, 5, 1, 2)], "sky")
    assert [(l.name, l.x, l.y, l.width, l.height) for l in layers] == [
        ("sky · seed 5", 1, 2, 2, 1), ("sky · seed 6", 3, 4, 2, 1)]
    with pytest.raises(ValueError, match="needs 8 bytes, got 3"):
        planning.result_layers([result(0, 1, 0, 0, data=b"abc")], "x")
    png = result(0, 1, 0, 0)
    png.image.format = pb.PIXEL_FORMAT_PNG
    with pytest.raises(ValueError, match="raw RGBA8"):
        planning.result_layers([png], "x")


def test_canvas_growth_only_for_results_that_resize():
    from underpaint_kit import pb

    assert planning.canvas_growth([pb.Result(x=1, y=2)]) is None
    grown = pb.Result(document_width=90, document_height=70, offset_x=10, offset_y=0)
    assert planning.canvas_growth([grown]) == (90, 70, 10, 0)


def test_reroll_stays_in_the_panel_range():
    rng = random.Random(1)
    seeds = {planning.reroll_seed(rng) for _ in range(50)}
    assert len(seeds) == 50 and all(0 <= s <= planning.MAX_SEED for s in seeds)


# --- pixel depth -------------------------------------------------------------------------------

RGBA = bytes([10, 20, 30, 40, 250, 128, 0, 255, 0, 0, 0, 0])


def test_u8_swaps_red_and_blue_both_ways():
    bgra = pixel_depth.from_rgba8(RGBA, "U8")
    assert bgra[:4] == bytes([30, 20, 10, 40])
    assert pixel_depth.to_rgba8(bgra, "U8") == RGBA


@pytest.mark.parametrize("depth", ["U16", "F16", "F32"])
@pytest.mark.parametrize("linear", [False, True])
def test_deep_depths_round_trip_exactly(depth, linear):
    every_value = bytes(range(256)) * 4
    raw = pixel_depth.from_rgba8(every_value, depth, linear)
    assert len(raw) == len(every_value) * (4 if depth == "F32" else 2)
    assert pixel_depth.to_rgba8(raw, depth, linear) == every_value


def test_u16_layout_is_bgra_and_linear_applies_to_colour_only():
    values = array("H", pixel_depth.from_rgba8(bytes([255, 128, 0, 128]), "U16", linear=True))
    blue, green, red, alpha = values
    assert (red, blue) == (65535, 0)
    assert 14100 < green < 14200  # sRGB 128 is 21.6 % linear light
    assert alpha == 128 * 257  # alpha is never gamma-converted


def test_float_layout_is_rgba():
    floats = struct.unpack("<4f", pixel_depth.from_rgba8(bytes([255, 0, 51, 255]), "F32"))
    assert floats == pytest.approx((1.0, 0.0, 0.2, 1.0))


def test_float_values_outside_0_1_are_clamped():
    raw = array("f", [2.0, -1.0, 0.5, 1.5]).tobytes()
    assert pixel_depth.to_rgba8(raw, "F32") == bytes([255, 0, 128, 255])


def test_linear_profiles_are_recognised():
    assert pixel_depth.is_linear_profile("sRGB-elle-V2-g10.icc")
    assert not pixel_depth.is_linear_profile("sRGB-elle-V2-srgbtrc.icc")
    assert not pixel_depth.is_linear_profile("sRGB built-in")


def test_unknown_depth_is_named():
    with pytest.raises(ValueError, match="'U32'"):
        pixel_depth.to_rgba8(b"", "U32")


def test_board_layer_keeps_position_only_for_a_same_size_document():
    from underpaint_kit import pb, pb_board

    entry = pb_board.BoardEntry(channel="sketch", version=3)
    entry.meta.CopyFrom(pb_board.BoardMeta(source_app="gimp", x=4, y=5, document_width=100, document_height=80))
    entry.image.CopyFrom(pb.Image(width=1, height=2, format=pb.PIXEL_FORMAT_RGBA8, data=bytes(8)))
    same = planning.board_layer(entry, (100, 80))
    assert (same.name, same.x, same.y, same.width, same.height) == ("sketch · v3 (from gimp)", 4, 5, 1, 2)
    other = planning.board_layer(entry, (64, 64))
    assert (other.x, other.y) == (0, 0)
    entry.image.data = bytes(7)
    with pytest.raises(ValueError, match="needs 8 bytes, got 7"):
        planning.board_layer(entry, (100, 80))


def test_vae_and_face_steps_ride_on_generations_but_not_on_expand():
    from underpaint_kit import pb

    settings = planning.PanelSettings(prompt="portrait", vae="ink-vae", rerender_faces=True, restore_faces=True,
                                      face_restorer="GFPGANv1.4", face_strength=0.3)
    facts = planning.CanvasFacts((64, 64), (0, 0, 64, 64), bytes(64 * 64 * 4))
    request = planning.build_request("refine", settings, facts)
    assert request.vae == "ink-vae"
    # Re-render first (it redraws the face), then restore (it cleans up what was drawn).
    assert [step.WhichOneof("step") for step in request.finishing] == ["rerender_faces", "restore_faces"]
    assert request.finishing[0].rerender_faces.strength == pytest.approx(0.3)
    assert request.finishing[1].restore_faces.model == "GFPGANv1.4"
    expand = planning.build_request("expand", settings, facts, expand=(8, 0, 0, 0))
    assert expand.canvas.operation == pb.CANVAS_OPERATION_EXPAND and len(expand.finishing) == 0
    plain = planning.build_request("fill", planning.PanelSettings(prompt="x"), facts)
    assert plain.vae == "" and len(plain.finishing) == 0


def test_face_requests_send_the_region_as_an_image():
    from underpaint_kit import pb

    settings = planning.PanelSettings(prompt="a face", negative_prompt="blur", model="m", seed=9,
                                      face_restorer="r1", face_strength=0.5)
    facts = planning.CanvasFacts((100, 80), (10, 20, 3, 2), bytes(range(24)))
    restore = planning.build_face_request("restore", settings, facts)
    assert restore.type == pb.JOB_TYPE_FINISH and not restore.HasField("canvas")
    assert (restore.init_image.width, restore.init_image.height, restore.init_image.data) == (3, 2, bytes(range(24)))
    assert restore.finishing[0].restore_faces.model == "r1"
    rerender = planning.build_face_request("rerender", settings, facts)
    assert (rerender.prompt, rerender.negative_prompt, rerender.model, rerender.seed) == ("a face", "blur", "m", 9)
    assert rerender.finishing[0].rerender_faces.strength == pytest.approx(0.5)
    with pytest.raises(ValueError, match="action"):
        planning.build_face_request("sharpen", settings, facts)


def test_face_results_go_back_where_the_region_was_read_and_say_what_they_are():
    from underpaint_kit import faces, pb

    image = pb.Image(width=2, height=1, data=bytes(8))
    results = [pb.Result(index=0, seed=5, image=image, x=0, y=0)]
    (layer,) = planning.result_layers(results, "cat", offset=(10, 20), name_prefix="Restored faces · ")
    assert (layer.x, layer.y, layer.name) == (10, 20, "Restored faces · cat · seed 5")
    assert planning.faces_found(results)
    assert not planning.faces_found([pb.Result(note=faces.NO_FACES, image=image)])
