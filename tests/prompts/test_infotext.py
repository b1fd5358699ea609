"""A1111 "parameters" text: ours read back, A1111's own read, and `generate --from IMAGE.png`."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from underpaint.infotext import format_infotext, read_infotext, request_fields
from underpaint.pipelines.samplers import SAMPLERS

from ..daemon.test_cli import run_cli

A1111 = """masterpiece, (a red fox:1.2) in snow, [oak:pine:0.5] <lora:ink_style:0.8>
second line of the prompt
Negative prompt: blurry, (worst quality:1.4)
Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 1234567, Size: 512x768, \
Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, VAE hash: 735e4c3a44, VAE: vae-ft-mse-840000.safetensors, \
Denoising strength: 0.45, Clip skip: 2, Lora hashes: "ink_style: 0123456789ab", \
TI hashes: "easynegative: c74b4e810b03", Version: v1.10.1"""


def test_reads_a1111s_text():
    info = read_infotext(A1111)
    assert info.prompt == ("masterpiece, (a red fox:1.2) in snow, [oak:pine:0.5] <lora:ink_style:0.8>\n"
                           "second line of the prompt")
    assert info.negative_prompt == "blurry, (worst quality:1.4)"
    assert info.fields["Lora hashes"] == "ink_style: 0123456789ab"
    assert info.fields["Version"] == "v1.10.1" and info.fields["Schedule type"] == "Karras"
    fields, notes = request_fields(info, dict(SAMPLERS), {"v1-5-pruned-emaonly": "v15"})
    assert fields == dict(prompt=info.prompt, negative_prompt=info.negative_prompt, steps=28, guidance=6.5,
                          seed=1234567, clip_skip=2, strength=0.45, width=512, height=768,
                          sampler="dpmpp_2m_karras", model="v15", vae="vae-ft-mse-840000")
    assert notes == []


def test_what_cannot_be_carried_over_is_said():
    info = read_infotext("a cat\nSteps: 20, Sampler: Restart, CFG scale: 7, Seed: 1, Size: 64x64, Model: sdxl_base")
    fields, notes = request_fields(info, dict(SAMPLERS), {})
    assert "sampler" not in fields and "model" not in fields
    assert notes == ["sampler 'Restart' is not offered here; using the daemon's default",
                     "model 'sdxl_base' is not installed; using the default model"]


def test_ours_round_trip():
    text = format_infotext("a fox, (snow:1.2)", "blurry: very", steps=12, sampler="Euler a", guidance=5.5, seed=9,
                           width=64, height=96, model="Demo, v2", clip_skip=3, tiling=True,
                           lora_hashes="ink: 0123456789ab", extra_prompt="<lora:ink:0.5>")
    info = read_infotext(text)
    assert info.prompt == "a fox, (snow:1.2) <lora:ink:0.5>" and info.negative_prompt == "blurry: very"
    assert info.fields["Model"] == "Demo, v2" and info.fields["Lora hashes"] == "ink: 0123456789ab"
    fields, _ = request_fields(info, dict(SAMPLERS), {"Demo, v2": "demo"})
    assert (fields["steps"], fields["sampler"], fields["guidance"], fields["seed"], fields["width"],
            fields["height"], fields["clip_skip"], fields["tiling"], fields["model"]) == \
        (12, "euler_a", 5.5, 9, 64, 96, 3, True, "demo")


def test_a_prompt_without_fields_is_all_prompt():
    info = read_infotext("just a prompt, with: a colon")
    assert info.prompt == "just a prompt, with: a colon" and info.fields == {}


def test_generate_from_our_png_makes_the_same_image(daemon, tmp_path):
    first = tmp_path / "first.png"
    res = run_cli(daemon, "generate", "--prompt", "a (fox:1.3) [red|blue]", "--negative", "blurry", "--width", "64",
                  "--height", "64", "--steps", "3", "--seed", "77", "--clip-skip", "2", "--sampler", "euler",
                  "--out", str(first))
    assert res.returncode == 0, res.stderr
    again = tmp_path / "again.png"
    res = run_cli(daemon, "generate", "--from", str(first), "--out", str(again))
    assert res.returncode == 0, res.stderr
    assert np.array_equal(np.asarray(Image.open(first)), np.asarray(Image.open(again)))
    assert Image.open(first).text["parameters"] == Image.open(again).text["parameters"]
    # an option given on the command line wins over the PNG's
    other = tmp_path / "other.png"
    res = run_cli(daemon, "generate", "--from", str(first), "--seed", "78", "--out", str(other))
    assert res.returncode == 0, res.stderr
    assert "Seed: 78" in Image.open(other).text["parameters"]


def test_generate_from_an_a1111_png(daemon, tmp_path):
    source = tmp_path / "a1111.png"
    meta = PngInfo()
    meta.add_text("parameters", "a fox in snow\nNegative prompt: blurry\nSteps: 3, Sampler: DPM++ 2M, "
                                "Schedule type: Karras, CFG scale: 6, Seed: 4321, Size: 64x64, Model hash: 0123456789, "
                                "Model: someone-elses-model, Clip skip: 2, Version: v1.10.1")
    Image.new("RGB", (64, 64)).save(source, pnginfo=meta)
    out = tmp_path / "out.png"
    res = run_cli(daemon, "generate", "--from", str(source), "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert "model 'someone-elses-model' is not installed" in res.stderr
    params = Image.open(out).text["parameters"]
    assert params.startswith("a fox in snow\nNegative prompt: blurry\n")
    for part in ("Steps: 3", "Sampler: DPM++ 2M Karras", "CFG scale: 6", "Seed: 4321", "Size: 64x64", "Clip skip: 2"):
        assert part in params


def test_generate_from_a_png_without_parameters(daemon, tmp_path):
    Image.new("RGB", (8, 8)).save(tmp_path / "plain.png")
    res = run_cli(daemon, "generate", "--from", str(tmp_path / "plain.png"), "--out", str(tmp_path / "o.png"))
    assert res.returncode == 1 and "has no generation parameters" in res.stderr
    res = run_cli(daemon, "generate", "--out", str(tmp_path / "o.png"))
    assert res.returncode == 2 and "needs --prompt" in res.stderr
