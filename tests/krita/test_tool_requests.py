"""The Tools and History sections' pure logic (no Krita): the requests they send, how results
become layers, what a history entry gives back. The same code runs inside Krita in
test_krita_tools.py; these pin the edges (refusals, odd results, names) without starting Krita."""

from __future__ import annotations

import pytest

from underpaint_krita import planning, tool_requests


def settings(**overrides):
    values = dict(prompt="a red apple", negative_prompt="blurry", model="m", steps=3, guidance=4.5, seed=9)
    values.update(overrides)
    return planning.PanelSettings(**values)


def facts(selection=True):
    region = bytes(range(4)) * (40 * 30)
    if selection:
        return planning.CanvasFacts((100, 80), (10, 20, 40, 30), region, bytes([255]) * 200, (15, 25, 20, 10))
    return planning.CanvasFacts((100, 80), (10, 20, 40, 30), region)


def test_upscale_request_is_a_finish_job_on_the_selections_canvas():
    from underpaint_kit import pb

    request = tool_requests.upscale_request(facts(), 3, "esrgan")
    assert request.type == pb.JOB_TYPE_FINISH
    (step,) = request.finishing
    assert (step.upscale.scale, step.upscale.model, step.upscale.diffusion) == (3.0, "esrgan", False)
    c = request.canvas
    assert (c.document_width, c.document_height, c.region_x, c.region_y) == (100, 80, 10, 20)
    assert (c.selection_x, c.selection_y, c.selection.width, c.selection.height) == (15, 25, 20, 10)
    assert not request.prompt  # a plain upscale sends no generation settings


def test_refined_upscale_carries_the_prompt_model_and_strength():
    request = tool_requests.upscale_request(facts(selection=False), 2, "", refine=True, strength=0.3,
                                            settings=settings())
    (step,) = request.finishing
    assert step.upscale.diffusion and step.upscale.strength == pytest.approx(0.3)
    assert (request.prompt, request.negative_prompt, request.model, request.steps, request.seed) == (
        "a red apple", "blurry", "m", 3, 9)
    assert not request.canvas.HasField("selection")


def test_upscale_factor_outside_the_offer_is_refused():
    with pytest.raises(ValueError, match=r"factor: expected one of 2, 3, 4, got 5"):
        tool_requests.upscale_request(facts(), 5)


def test_edit_request_inverts_from_one_prompt_to_another_on_the_canvas():
    from underpaint_kit import pb

    request = tool_requests.edit_request(facts(), " a red apple ", "a green apple", settings(), strength=0.8)
    assert request.type == pb.JOB_TYPE_EDIT
    assert (request.edit.source_prompt, request.prompt) == ("a red apple", "a green apple")
    assert request.canvas.operation == pb.CANVAS_OPERATION_REFINE and request.strength == pytest.approx(0.8)
    assert (request.canvas.selection_x, request.canvas.selection_y) == (15, 25)


@pytest.mark.parametrize("source, target, field", [("", "b", "Edit from"), ("a", " ", '"to" field')])
def test_edit_needs_both_prompts(source, target, field):
    with pytest.raises(ValueError, match=field):
        tool_requests.edit_request(facts(), source, target, settings())


def test_keyframes_request_freezes_the_noise_and_keeps_frame_order():
    from underpaint_kit import pb

    frames = [bytes([i]) * (4 * 6 * 4) for i in range(3)]
    request = tool_requests.keyframes_request(frames, (6, 4), settings(), strength=0.45)
    assert request.type == pb.JOB_TYPE_KEYFRAMES and request.noise.freeze
    assert [f.data[0] for f in request.frames] == [0, 1, 2]
    with pytest.raises(ValueError, match="no keyframes"):
        tool_requests.keyframes_request([], (6, 4), settings())
    with pytest.raises(ValueError, match="Prompt field"):
        tool_requests.keyframes_request(frames, (6, 4), settings(prompt=""))


def test_keyframe_times_and_frame_layers_follow_the_timeline():
    from underpaint_kit import pb

    times = tool_requests.keyframe_times(lambda t: t in (0, 4, 9), 0, 10)
    assert times == [0, 4, 9]
    results = [pb.Result(index=i, image=pb.Image(width=1, height=1, data=bytes([i, 0, 0, 255]))) for i in (2, 0, 1)]
    layers = tool_requests.frame_layers(results, times, (3, 5, 1, 1), "ink")
    assert [(layer.name, layer.rgba[0], layer.x, layer.y) for layer in layers] == [
        ("frame 0 · ink", 0, 3, 5), ("frame 4 · ink", 1, 3, 5), ("frame 9 · ink", 2, 3, 5)]
    with pytest.raises(ValueError, match="expected results for frames 0..2"):
        tool_requests.frame_layers(results[:2], times, (0, 0, 1, 1), "ink")


def test_upscaled_layer_is_placed_in_the_scaled_document():
    from underpaint_kit import pb

    result = pb.Result(x=20, y=10, document_width=200, document_height=160,
                       image=pb.Image(width=2, height=1, data=bytes(8)))
    layer, size = tool_requests.upscaled_layer(result, 2, "")
    assert (layer.name, layer.x, layer.y, size) == ("Upscaled ×2 · Lanczos", 20, 10, (200, 160))
    result.image.data = bytes(7)
    with pytest.raises(ValueError, match="needs 8 bytes, got 7"):
        tool_requests.upscaled_layer(result, 2, "")


def test_results_are_filed_under_the_document_unless_the_request_says_otherwise():
    from underpaint_kit import pb

    request = tool_requests.tag_for_history(pb.GenerateRequest(), "cat.kra")
    assert (request.archive.host, request.archive.document) == ("krita", "cat.kra")
    own = pb.GenerateRequest(archive=pb.ArchiveOptions(skip=True))
    assert tool_requests.tag_for_history(own, "cat.kra").archive == pb.ArchiveOptions(skip=True)
    assert tool_requests.document_label("/home/me/art/cat.kra", "Cat") == "cat.kra"
    assert tool_requests.document_label("C:\\art\\cat.kra", "Cat") == "cat.kra"
    assert tool_requests.document_label("", "Unnamed") == "Unnamed"


def entry(**fields):
    from underpaint_kit import pb, pb_archive

    params = pb.GenerationParameters(prompt=fields.pop("prompt", "a blue boat"), seed=fields.pop("seed", 7),
                                     negative_prompt="rain", model="m", steps=12, guidance=6.0,
                                     strength=fields.pop("strength", 0.0))
    return pb_archive.HistoryEntry(parameters=params, **fields)


def test_place_again_keeps_the_position_only_in_a_document_of_the_same_size():
    from underpaint_kit import pb

    image = pb.Image(width=1, height=1, data=bytes(4))
    made_here = entry(x=5, y=6, document_width=64, document_height=48, image=image)
    assert (tool_requests.history_layer(made_here, (64, 48)).x, tool_requests.history_layer(made_here, (64, 48)).y) == (5, 6)
    layer = tool_requests.history_layer(made_here, (128, 96))
    assert (layer.x, layer.y, layer.name) == (0, 0, "a blue boat · again")


def test_reused_fields_and_the_prompt_that_made_a_layer():
    fields = tool_requests.reused_fields(entry(strength=0.4))
    assert (fields.prompt, fields.negative_prompt, fields.model, fields.steps, fields.seed) == (
        "a blue boat", "rain", "m", 12, 7)
    assert fields.strength_percent == 40
    assert tool_requests.reused_fields(entry()).strength_percent == 100
    entries = [entry(prompt="a red fox", seed=3), entry(prompt="a blue boat", seed=7)]
    assert tool_requests.source_prompt("a blue boat · seed 7", entries, "typed") == "a blue boat"
    assert tool_requests.source_prompt("Edited · a red fox · seed 3", entries, "typed") == "a red fox"
    assert tool_requests.source_prompt("Paint Layer 1", entries, "typed") == "typed"
    assert tool_requests.entry_label(entry(width=20, height=16)) == "a blue boat · 20×16 · seed 7"


def test_missing_capabilities_name_what_an_old_daemon_lacks():
    assert tool_requests.missing("upscale", ("finish",)) == ["upscale"]
    assert tool_requests.missing("interrogate", ("interrogate",)) == []
    assert tool_requests.style_tag("ink-wash") == "{style:ink-wash}"
