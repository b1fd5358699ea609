"""Blender's scene passes as controls and Project onto Mesh, in real Blender (bpy 5.0.1 in
.venv-blender, and a Blender 4.2+ binary: the machine's or the Debian 13 root's 4.3) with the
built extension, against a real daemon. controls_scenario.py runs the
checks in Blender and reports JSON; the tests here judge it. Expected depths, normals and pixel
positions come from the scene's geometry and bpy_extras' camera projection."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BLENDER_PYTHON = REPO / ".venv-blender" / "bin" / "python"

pytestmark = pytest.mark.slow


def blender_command(flavour: str, script: Path) -> list:
    """argv running `script` in real Blender: the bpy module of .venv-blender (5.0), or a Blender
    4.2+ binary (the machine's, else the Debian 13 root's) in background mode."""
    if flavour == "bpy":
        if not BLENDER_PYTHON.exists():
            pytest.skip(f"{BLENDER_PYTHON} missing: run scripts/setup-blender-venv (pip install bpy==5.0.1)")
        return [str(BLENDER_PYTHON), str(script)]
    from tests.blender.test_blender_binary import blender_4_ui

    prefix, blender, version = blender_4_ui()
    if prefix is None:
        pytest.skip(version)
    return prefix + [blender, "-b", "--factory-startup", "--python", str(script), "--"]


@pytest.fixture(scope="module", params=["bpy", "blender-4"])
def report(request, daemon, tmp_path_factory) -> dict:
    command = blender_command(request.param, HERE / "controls_scenario.py")
    from underpaint.plugins.build import build

    zip_path = build("blender", tmp_path_factory.mktemp("dist"), log=lambda *args: None)
    work = tmp_path_factory.mktemp("blender-controls")
    env = dict(daemon.env)
    env["BLENDER_USER_RESOURCES"] = str(work / "blender-user")  # a clean Blender profile
    env.pop("UNDERPAINT_HTTP", None)
    out = work / "report.json"
    done = subprocess.run(command + ["--zip", str(zip_path), "--out", str(out)], env=env,
                          capture_output=True, text=True, timeout=900)
    sys.stdout.write(done.stdout[-4000:])
    assert done.returncode == 0 and out.exists(), (
        f"Blender controls scenario failed (rc {done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    result = json.loads(out.read_text())
    assert result["blender"].startswith("5." if request.param == "bpy" else "4."), result["blender"]
    return result


def check(report: dict, name: str) -> dict:
    result = report[name]
    assert "error" not in result, f"{name} raised inside Blender:\n{result['error']}"
    return result


def test_depth_pass_of_cubes_at_known_distances(report):
    result = check(report, "depth_pass")
    points = result["points"]
    # front faces at 5 and 9 units: the pass holds the planar depth bpy_extras computes
    for label, depth in (("near_centre", 5.0), ("near_corner", 5.0), ("far_centre", 9.0)):
        assert points[label]["expected_depth"] == pytest.approx(depth, abs=1e-4)
        assert points[label]["depth"] == pytest.approx(depth, abs=1e-3), (label, points[label])
    assert points["background"]["depth"] > 1e9
    assert result["visible_min"] == pytest.approx(5.0, abs=1e-3)
    # ControlNet convention: nearest = white, farthest = black, normalised over what is visible
    near, far = result["visible_min"], result["visible_max"]
    assert points["near_centre"]["control"] == [255, 255, 255, 255]
    expected_far = round(255 * (far - 9.0) / (far - near))
    assert abs(points["far_centre"]["control"][0] - expected_far) <= 1
    assert points["background"]["control"] == [0, 0, 0, 255]
    assert 0.05 < result["hit_fraction"] < 0.5
    # the temporary render scene is gone, the artist's objects are as they were
    assert result["scenes_after"] == ["Scene"] and result["objects_after"] == ["Camera", "Far", "Near"]


def test_normal_pass_is_camera_space_opengl_rgb(report):
    result = check(report, "normal_pass")
    for face in ("+x", "-y", "+z"):
        rgb, expected = result[face]["rgb"], result[face]["expected"]
        assert max(abs(a - b) for a, b in zip(rgb, expected)) <= 2, (face, rgb, expected)
    # seen from above: the top face's normal points up (green) and towards the viewer (blue)
    assert result["+z"]["rgb"][1] > 200 and result["+z"]["rgb"][2] > 150
    assert result["corner_pixel"] == [0, 0, 0, 255]


def test_object_index_pass_gives_each_object_its_colour(report):
    result = check(report, "segmentation_pass")
    colours = [tuple(c) for c in result["auto"]]
    assert len(set(colours)) == 3 and (0, 0, 0) not in colours, colours
    assert result["background"] == [0, 0, 0, 255]
    assert result["indices_after"] == [0, 0, 0], "the automatic numbering must be undone"
    # numbered by the artist: the same number is the same segment, 0 is no segment
    numbered = result["numbered"]
    assert numbered[0] == numbered[2] != [0, 0, 0] and numbered[1] == [0, 0, 0]
    assert result["numbered_after"] == [5, 0, 5]


@pytest.mark.parametrize("name", ["projection", "projection_orthographic"])
def test_projection_writes_only_texels_the_camera_sees(report, name):
    result = check(report, name)
    faces = result["faces"]
    assert sorted(k for k, f in faces.items() if f["facing"]) == ["+x", "+z", "-y"]
    for key, face in faces.items():
        if not face["facing"]:
            assert face["written_count"] == 0, (key, face)  # faces away from the camera stay untouched
    assert faces["+x"]["written_fraction"] == 1.0 and faces["-y"]["written_fraction"] == 1.0
    # the top faces the camera, but the occluder hides its centre: depth test, not just facing
    assert 0.4 < faces["+z"]["written_fraction"] < 0.95
    assert not faces["+z"]["centre_written"]
    # a written texel carries the picture's colour where the camera sees that point
    for key in ("+x", "-y"):
        rgba, expected = faces[key]["centre_rgba"], faces[key]["picture_at_centre"]
        assert max(abs(a - b) for a, b in zip(rgba, expected)) < 0.03, (key, rgba, expected)
    assert result["untouched_value"] == 0.0
    assert 0 < result["planned"] < result["covered"]
    # the bake margin reaches into texels no face covers, and only there
    assert result["margin_written"] > 0 and result["margin_written_without_margin"] == 0
    assert result["covered_texels_same_with_and_without_margin"]


def test_project_onto_mesh_generates_with_depth_and_bakes_a_new_texture(report):
    result = check(report, "project_operator")
    assert result["state"] == "succeeded", result["message"]
    # depth is not ticked for Generate Texture: projection steers with it anyway, at depth's own settings
    assert result["controls"] == [["depth", "none", 0.7, 0.1, 0.8, 64, 64]]
    assert result["new_images"] == ["Cube (projected)"] == result["images"]
    assert result["size"] == [64, 64] and result["packed"]
    assert result["base_color_image"] == "Cube (projected)"
    assert result["written"] > 0
    for key, face in result["faces"].items():
        if face["facing"]:
            assert face["written_count"] > 0, key
        else:
            assert face["written_count"] == 0, key


def test_a_second_view_fills_the_same_texture_and_keeps_the_first(report):
    result = check(report, "project_operator")["second_view"]
    assert result["state"] == "succeeded", result["message"]
    assert result["new_images"] == [] and result["images"] == ["Cube (projected)"]
    faces = result["faces"]
    # the first camera saw +x, -y, +z; the second sees -x, +y, +z; nothing sees the bottom
    for key in ("+x", "-y", "-x", "+y"):
        assert faces[key]["written_fraction"] == 1.0, (key, faces[key])
    assert faces["-z"]["written_count"] == 0
    # texels the second camera does not see keep the first projection's colours exactly
    assert result["first_view_faces_unchanged"] == {"+x": True, "-y": True}


def test_project_refuses_what_it_cannot_do(report):
    result = check(report, "project_refusals")
    assert "'NoUV' has no UV map" in result["no_uv"]
    assert "needs a mesh" in result["camera_object"]
    assert "object_name: no object called 'Nope'" in result["missing"]
    assert "no active camera" in result["no_camera"]
    assert "'Seen' has no Base Color texture yet" in result["no_texture_yet"]
    assert "The camera sees nothing of 'Elsewhere'" in result["not_in_view"]


def test_scene_controls_reach_the_daemon(report):
    result = check(report, "controls_reach_daemon")
    for label in ("plain", "depth", "all", "strength_0", "two_passes"):
        assert result[label]["state"] == "succeeded", (label, result[label]["message"])
    assert result["plain"]["controls"] == [] and result["plain"]["daemon_used"] == []
    assert result["depth"]["controls"] == [["depth", "none", 1.0, 0.0, 0.9, 64, 64]]
    assert [c[0] for c in result["all"]["controls"]] == ["depth", "normal", "segmentation"]
    assert all(c[2:5] == [0.8, 0.0, 0.9] for c in result["all"]["controls"])
    # same seed: a control changes the picture; strength 0 changes nothing, bit for bit
    assert result["depth"]["max_diff_to_plain"] > 0.02
    assert result["all"]["max_diff_to_plain"] > 0.02
    assert result["strength_0"]["max_diff_to_plain"] == 0.0


def test_each_scene_pass_keeps_its_own_strength_and_range(report):
    """Depth at 1.0 over 0-0.8 beside normals at 0.4 over 0.25-0.6: two controls with exactly
    those values, in the request and as the daemon used them (its infotext); the unticked object
    index pass (set to 1.7 over 0.5-0.55) is not sent."""
    result = check(report, "controls_reach_daemon")["two_passes"]
    assert result["state"] == "succeeded", result["message"]
    assert result["controls"] == [["depth", "none", 1.0, 0.0, 0.8, 64, 64],
                                  ["normal", "none", 0.4, 0.25, 0.6, 64, 64]]
    assert result["daemon_used"] == [[1.0, 0.0, 0.8], [0.4, 0.25, 0.6]]
    assert result["max_diff_to_plain"] > 0.02


def test_a_pass_starting_at_or_after_its_end_is_refused_before_rendering(report):
    result = check(report, "schedule_refusals")
    generate, project = result["generate"], result["project"]
    assert "normal_start: Normals Start (0.6) must be below Normals End (0.6)" in generate["message"]
    # projection takes depth's settings even with depth unticked for Generate Texture
    assert "depth_start: Depth Start (0.9) must be below Depth End (0.5)" in project["message"]
    for refused in (generate, project):
        assert refused["renders"] == 0 and not refused["job_started"] and refused["new_images"] == []
    # the render counter counts: a valid job renders its pass and starts
    assert result["valid"]["state"] == "succeeded" and result["valid"]["controls"] == 1
    assert result["valid"]["renders"] >= 1


def test_the_panel_shows_a_pass_settings_only_when_it_is_ticked(report):
    result = check(report, "panel_rows")
    assert result["unknown_properties"] == []
    schedule = lambda kind: [f"{kind}_strength", f"{kind}_start", f"{kind}_end"]  # noqa: E731
    assert result["depth_and_normal"] == schedule("depth") + schedule("normal")
    # nothing ticked: only depth's settings, for Project onto Mesh (which always uses depth)
    assert result["none"] == schedule("depth")
    assert result["segmentation"] == schedule("segmentation") + schedule("depth")


def test_in_the_real_ui_generate_and_project_then_one_undo_takes_the_projection_back(daemon, tmp_path):
    """Blender 4.2+ with its UI under Xvfb, the factory scene (a UV-mapped cube, a camera): the
    buttons' operators run from an Image Editor, and one undo removes the projected texture."""
    from tests.blender.test_blender_binary import blender_4_ui
    from underpaint.plugins.build import build

    prefix, blender, version = blender_4_ui()
    if prefix is None:
        pytest.skip(version)
    zip_path = build("blender", tmp_path / "dist", log=lambda *args: None)
    env = dict(daemon.env)
    env.pop("UNDERPAINT_HTTP", None)
    env["BLENDER_USER_RESOURCES"] = str(tmp_path / "blender-user")
    install = subprocess.run(prefix + [blender, "--factory-startup", "--command", "extension", "install-file",
                                       "-r", "user_default", "-e", str(zip_path)],
                             env=env, capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, f"{version}: extension install failed:\n{install.stdout[-2000:]}{install.stderr[-2000:]}"
    out = tmp_path / "report.json"
    done = subprocess.run(prefix + ["xvfb-run", "-a", blender, "--python", str(HERE / "controls_gui.py"),
                                    "--", "--out", str(out)], env=env, capture_output=True, text=True, timeout=840)
    if not out.exists() and ("GLX" in done.stderr or "OpenGL" in done.stderr):
        pytest.skip(f"{version}: the UI cannot start under Xvfb here: {done.stderr[-500:]}")
    assert out.exists(), f"{version}: no report:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    result = json.loads(out.read_text())
    assert "error" not in result, result["error"]
    assert result["generate"]["state"] == "succeeded", result["generate"]
    assert result["generate"]["controls"] == ["depth", "normal", "segmentation"]
    project = result["project"]
    assert project["state"] == "succeeded", project
    assert project["images"] == ["Cube (projected)"] and project["size"] == [128, 128]
    assert "TEX_IMAGE" in project["material_nodes"]
    undone = result["after_one_undo"]
    assert not undone["projected_image"] and "TEX_IMAGE" not in undone["material_nodes"]
    assert undone["generated_image"], "one undo must take back the projection only"
    assert undone["scenes"] == ["Scene"]
