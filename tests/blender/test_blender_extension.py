"""The Blender extension, built as an artist installs it, driven inside real Blender (bpy 5.0.1
in .venv-blender) against a real daemon. scenario.py runs in Blender and reports JSON; the
tests here assert on it (one Blender run for all of them: starting Blender and the jobs cost
the time, not the asserts)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BLENDER_PYTHON = REPO / ".venv-blender" / "bin" / "python"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built_extension(tmp_path_factory) -> Path:
    from underpaint.plugins.build import build

    return build("blender", tmp_path_factory.mktemp("dist"), log=lambda *args: None)


def run_in_blender(daemon, zip_path: Path, work: Path, only=()) -> dict:
    if not BLENDER_PYTHON.exists():
        pytest.skip(f"{BLENDER_PYTHON} missing: run scripts/setup-blender-venv (pip install bpy==5.0.1)")
    env = dict(daemon.env)
    env["BLENDER_USER_RESOURCES"] = str(work / "blender-user")  # a clean Blender profile
    env.pop("UNDERPAINT_HTTP", None)  # the extension must find the daemon through daemon.json
    report = work / "report.json"
    command = [str(BLENDER_PYTHON), str(HERE / "scenario.py"), "--zip", str(zip_path),
               "--out", str(report)] + (["--only", *only] if only else [])
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    sys.stdout.write(done.stdout[-4000:])
    assert done.returncode == 0 and report.exists(), (
        f"Blender scenario failed (rc {done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return json.loads(report.read_text())


@pytest.fixture(scope="module")
def report(daemon, built_extension, tmp_path_factory) -> dict:
    return run_in_blender(daemon, built_extension, tmp_path_factory.mktemp("blender"))


def check(report: dict, name: str) -> dict:
    result = report[name]
    assert "error" not in result, f"{name} raised inside Blender:\n{result['error']}"
    return result


def test_extension_zip_has_manifest_at_root_kit_inside_and_protobuf_wheel(built_extension):
    import zipfile

    names = zipfile.ZipFile(built_extension).namelist()
    assert "blender_manifest.toml" in names and "__init__.py" in names
    assert "underpaint_kit/__init__.py" in names
    assert any(name.startswith("wheels/protobuf-") for name in names)
    assert not any(name.startswith(("vendor/", "google/")) for name in names)


def test_protobuf_comes_from_blenders_wheel_install_not_a_sys_path_entry(report):
    result = check(report, "registered")
    # Blender unpacked the manifest's wheel into its shared extensions site-packages ...
    assert "/extensions/.local/lib/" in result["protobuf_file"], result["protobuf_file"]
    # ... the kit is the extension's own sub-package, and the add-on added nothing to sys.path
    assert result["kit_module"] == "bl_ext.user_default.underpaint_blender.underpaint_kit"
    assert result["sys_path_added"] == []


def test_installs_as_extension_with_operators_panels_and_preferences(report):
    result = check(report, "registered")
    assert report["blender"].startswith("5.")
    assert result["operators"] == ["generate", "refine", "fill", "expand", "use_as_material", "cancel",
                                   "insert_lora", "insert_embedding", "faces"]
    assert {"UNDERPAINT_PT_image_board", "UNDERPAINT_PT_node_board"} <= set(result["panels"])
    assert {"UNDERPAINT_PT_image_main", "UNDERPAINT_PT_node_main"} <= set(result["panels"])
    assert result["preferences"] == ["address", "token_file"]


def test_generate_makes_textures_of_the_requested_size(report):
    result = check(report, "generate")
    assert result["state"] == "succeeded", result["message"]
    assert result["has_preview"], "no progress preview reached the panel"
    assert len(result["images"]) == 2 and result["new_images"] == sorted(result["images"])
    seeds = []
    for image in result["details"]:
        assert image["size"] == [64, 64]
        assert image["packed"] and image["kept_on_save"], "a generated texture must survive saving the .blend"
        assert image["std"] > 0.01, "the texture is flat: pixels did not arrive"
        seeds.append(int(image["seed_prop"]))
    assert seeds == [1234, 1235]


def test_the_first_job_fetches_the_model_and_sampler_lists(report):
    result = check(report, "lists_after_job")
    assert result["state"] == "ok" and result["short"] == "Connected (cpu)", result
    labels = dict(result["model_candidates"])
    assert labels["underpaint-demo"] == "Underpaint demo (random weights)", labels  # said once
    assert result["samplers"] > 0
    assert result["demo_note"] == "Demo model: random weights, output is noise"


def test_seamless_edges_continue_each_other(report):
    result = check(report, "seamless")
    assert "plain" in result, result
    for tiled, plain in zip(result["seamless"], result["plain"]):
        for axis in ("x", "y"):
            # tiled: the wrap-around pair correlates like interior neighbours; plain: it does not
            assert tiled[axis] > 0.5, (axis, tiled)
            assert tiled[axis] > plain[axis] + 0.3, (axis, tiled, plain)
            assert tiled[axis] > 0.6 * tiled[f"interior_{axis}"], (axis, tiled)


@pytest.mark.parametrize("name", ["fill_alpha", "fill_mask_image"])
def test_fill_changes_only_the_masked_area(report, name):
    result = check(report, name)
    assert result["state"] == "succeeded", result["message"]
    assert result["size"] == [64, 64]
    assert result["unmasked_max_diff"] == 0.0
    assert result["masked_changed_fraction"] > 0.5
    assert result["masked_min_alpha"] > 0.99, "the filled hole must become opaque"


def test_fill_without_a_mask_says_what_to_do(report):
    result = check(report, "fill_nothing")
    assert "Nothing to fill" in result["error_text"]


def test_refine_repaints_the_image_in_place(report):
    result = check(report, "refine")
    assert result["state"] == "succeeded", result["message"]
    assert result["images"] == ["refine-me"] and result["size"] == [64, 64]
    assert result["mean_abs_change"] > 0.01


def test_refine_the_render_result(report):
    result = check(report, "refine_render")
    if "skipped" in result:
        pytest.skip(result["skipped"])
    assert result["state"] == "succeeded", result["message"]
    assert result["size"] == [64, 64] and result["packed"]


def test_expand_grows_the_image_and_keeps_the_old_pixels(report):
    result = check(report, "expand")
    assert result["state"] == "succeeded", result["message"]
    assert result["size"] == [96, 64]
    assert result["left_half_max_diff"] < 1e-6
    assert result["new_area_min_alpha"] > 0.99


def test_use_as_material_wires_base_color(report):
    result = check(report, "material")
    assert result["linked_from"] == "TEX_IMAGE"
    assert result["linked_image"] == result["expected_image"]
    assert result["texture_nodes"] == 1, "running it twice must reuse the node"


def test_cancel_leaves_no_half_written_image(report):
    result = check(report, "cancel")
    assert result["state"] == "cancelled", result
    assert result["step_at_cancel"] >= 1 and result["step_at_cancel"] < result["total"]
    assert result["images"] == [] and result["new_images"] == []
    assert result["target_max_diff"] == 0.0
    assert result["step_at_end"] < result["total"]  # it stopped, it did not run to the end


def test_srgb_linear_and_data_images_round_trip(report):
    result = check(report, "colour_roundtrip")
    assert result["srgb_byte"]["colorspace"] == "sRGB" and not result["srgb_byte"]["is_float"]
    assert result["linear_float"]["is_float"]
    for case in result.values():
        if isinstance(case, dict):
            assert case["stored_max_error"] < 1e-5, case
            assert case["roundtrip_max_diff"] == 0, case


def test_generated_into_a_linear_image_looks_the_same(report):
    result = check(report, "generate_into_linear")
    assert result["states"] == ["succeeded", "succeeded"]
    assert result["linear_is_float"]
    assert result["max_diff"] <= 1
    assert result["linear_mean"] < result["srgb_mean"] - 0.05, "linear pixels were not decoded"


def test_bad_size_fails_the_job_naming_the_field(report):
    result = check(report, "bad_size")
    assert result["state"] == "failed" and result["images"] == []
    assert "width" in result["message"] and "61" in result["message"]


def test_daemon_down_fails_the_job_with_the_artist_message(report):
    result = check(report, "daemon_down")
    assert result["state"] == "failed"
    assert "not running at 127.0.0.1:9" in result["message"]


def test_board_send_publishes_the_image_pixels(report):
    result = check(report, "board_send")
    assert result["same_pixels"] and result["size"] == [64, 64]
    assert result["source_app"] == "blender" and result["layer"] == "send-me"
    assert f"(v{result['version']})" in result["message"]
    assert result["bad_channel_message"].startswith("Send failed:")
    assert "channel" in result["bad_channel_message"]


def test_board_place_copies_the_channel_into_a_new_image(report):
    result = check(report, "board_place")
    assert result["new_images"] == ["from-krita"], result
    assert result["size"] == [32, 48] and result["same_pixels"]


def test_board_live_link_follows_new_versions_until_unfollowed(report):
    result = check(report, "board_follow")
    assert result["following"] == ["live-link"]
    for version, size in (("v1", [24, 24]), ("v2", [24, 16])):
        assert result[version]["arrived"], f"{version} never reached the followed image"
        assert result[version]["size"] == size and result[version]["same_pixels"]
    assert result["following_after_unfollow"] == []
    assert result["unchanged_after_unfollow"]


def test_board_live_link_resumes_when_the_blend_is_reopened(report):
    result = check(report, "board_follow_resumes_after_reopen")
    assert result["following_after_new_file"] == []
    assert result["following_after_reopen"] == ["resume-link"]
    assert result["arrived"] and result["same_pixels"]


def test_loras_embeddings_vae_and_faces(report):
    extras = check(report, "extras")
    assert extras["prompt"] == "a mossy stone, <lora:underpaint-demo-lora:0.5>"
    assert extras["negative"] == "underpaint-demo-embedding"
    tokens = extras["tokens"]
    count = int(tokens["label"].split("/")[0])
    assert tokens["label"] == f"{count}/75" and tokens["details"][0].startswith(f"chunk 1: {count}/75")
    assert "×1.3)" in tokens["details"][0]
    assert extras["lora_candidates"] == ["underpaint-demo-lora"]
    assert extras["vae_candidates"] == ["underpaint-demo-vae"]
    generate = extras["generate"]
    assert generate["state"] == "succeeded", generate
    assert generate["request"] == {"vae": "underpaint-demo-vae", "finishing": ["rerender_faces"]}
    assert generate["images"] == ["a mossy stone"]  # the LoRA tag is not part of the name
    faces = extras["faces"]
    # The demo paints noise: no face, so the job says so and makes no image.
    assert faces["state"] == "succeeded" and "no faces found" in faces["message"], faces
    assert faces["new_images"] == []
