"""Add-ons through a real daemon over gRPC: listed with their family, applied per job, refused
by name before queueing, written into the A1111 infotext, and never leaking into the next job."""

from __future__ import annotations

import hashlib
import json
import shutil
import struct

import grpc
import numpy as np
import pytest

from underpaint.client import Client
from underpaint.models.demo_addons import EMBEDDING_NAME, LORA_NAME, VAE_NAME
from underpaint.testing import DaemonProcess
from underpaint.v1 import underpaint_pb2 as pb

from ..daemon.helpers import pixels, request, run_job
from .addon_files import header_lora
from .tiny_models import write_tiny_sd2

LORA = pb.LoraWeight(name=LORA_NAME, weight=0.8)


@pytest.fixture(scope="module")
def models_dir(demo_models_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("addon-models")
    for item in demo_models_dir.iterdir():
        (shutil.copytree if item.is_dir() else shutil.copy)(item, root / item.name)
    # a demo LoRA labelled SDXL: "an SDXL LoRA on an SD 1.5 model"
    header_lora(root / "loras" / "xl-style.safetensors", 2048, te="lora_te1_",
                metadata={"underpaint.demo": "true", "underpaint.architecture": "sdxl"})
    write_tiny_sd2(root, demo_models_dir, "tiny-sd2", planted=True)
    (root / "embeddings" / "truncated.safetensors").write_bytes(b"\x05\x00")  # listed as unusable
    (root / "underpaint-demo-single.underpaint.json").write_text(
        json.dumps({"steps": 3, "sampler": "dpmpp_2m", "guidance": 4.5, "vae": VAE_NAME}))
    return root


@pytest.fixture(scope="module")
def client(models_dir, tmp_path_factory):
    process = DaemonProcess(models_dir, tmp_path_factory.mktemp("addon-daemon")).start()
    try:
        with Client(process.grpc) as c:
            yield c
    finally:
        process.stop()


def generate(client, **fields):
    fields.setdefault("model", "underpaint-demo")
    job, events, results, finished = run_job(client, request(steps=3, **fields))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
    return pixels(results[0].image), results[0], events


def test_a_job_with_add_ons_never_leaks_into_the_next(models_dir, tmp_path):
    """Plain, then LoRA + embedding + VAE, then plain: the last equals the first, which a daemon
    that never saw an add-on made."""
    process = DaemonProcess(models_dir, tmp_path / "home").start()
    try:
        with Client(process.grpc) as c:
            fresh, _, _ = generate(c)
            dressed, _, _ = generate(c, prompt=f"a red fox in snow, {EMBEDDING_NAME}", loras=[LORA], vae=VAE_NAME)
            lora_only, _, _ = generate(c, loras=[LORA])
            after, _, _ = generate(c)
    finally:
        process.stop()
    assert not np.array_equal(fresh, dressed) and not np.array_equal(fresh, lora_only)
    assert np.array_equal(after, fresh)


def test_models_lists_add_ons_with_the_family_they_fit(client):
    resp = client.models()
    found = {(a.type, a.id): a for a in resp.add_ons}
    assert {("lora", LORA_NAME), ("lora", "xl-style"), ("embedding", EMBEDDING_NAME), ("vae", VAE_NAME)} <= set(found)
    assert found[("lora", "xl-style")].architecture == "sdxl"
    embedding = found[("embedding", EMBEDDING_NAME)]
    assert embedding.architecture == "sd15" and embedding.vectors == 2 and embedding.is_demo
    assert "random weights" in embedding.description
    assert {"lora", "embeddings", "vae"} <= set(client.info().capabilities)
    (unusable,) = [u for u in resp.unusable if u.id == "truncated"]
    assert unusable.reason.startswith("embedding: ") and "too short" in unusable.reason


def test_loras_with_weights_change_the_image_and_add_up(client):
    plain, _, _ = generate(client)
    light, _, _ = generate(client, loras=[pb.LoraWeight(name=LORA_NAME, weight=0.3)])
    strong, result, _ = generate(client, loras=[pb.LoraWeight(name=LORA_NAME)])  # weight 0 = 1.0
    assert len({plain.tobytes(), light.tobytes(), strong.tobytes()}) == 3
    assert list(result.parameters.loras) == [pb.LoraWeight(name=LORA_NAME, weight=1.0)]


@pytest.mark.parametrize("fields, field, words", [
    (dict(loras=[pb.LoraWeight(name="no-such-lora")]), "loras[0].name", ["no-such-lora", LORA_NAME]),
    (dict(loras=[pb.LoraWeight(name="xl-style")]), "loras[0].name", ["'xl-style' is made for SDXL", "SD 1.x"]),
    (dict(loras=[pb.LoraWeight(name=LORA_NAME, weight=50)]), "loras[0].weight", ["-10 to 10"]),
    (dict(loras=[pb.LoraWeight(name=LORA_NAME, weight=float("inf"))]), "loras[0].weight", ["out of range"]),
    (dict(loras=[LORA, pb.LoraWeight(name=LORA_NAME.upper(), weight=0.2)]), "loras[1]", ["already given in loras[0]"]),
    (dict(loras=[pb.LoraWeight(name="")]), "loras[0].name", ["empty"]),
    (dict(vae="no-such-vae"), "vae", ["no-such-vae", VAE_NAME]),
    (dict(model="tiny-sd2", loras=[LORA]), "loras[0].name", ["SD 1.x", "SD 2.x"]),
])
def test_bad_add_ons_are_refused_at_submit_by_field(client, fields, field, words):
    fields.setdefault("model", "underpaint-demo")
    with pytest.raises(grpc.RpcError) as err:
        client.stub.Submit(request(**fields))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.details().startswith(f"{field}:"), err.value.details()
    for word in words:
        assert word in err.value.details()
    assert client.models().models  # still serving


def _sha(path, offset=0) -> str:
    data = path.read_bytes()
    return hashlib.sha256(data[offset:]).hexdigest()


def test_infotext_names_loras_embeddings_and_the_vae_as_a1111_does(client, models_dir):
    _, result, _ = generate(client, prompt=f"a fox, {EMBEDDING_NAME}", negative_prompt="blurry",
                            loras=[LORA], vae=VAE_NAME)
    lora_file = models_dir / "loras" / f"{LORA_NAME}.safetensors"
    header = struct.unpack("<Q", lora_file.read_bytes()[:8])[0]
    lora_hash = _sha(lora_file, 8 + header)[:12]
    ti_hash = _sha(models_dir / "embeddings" / f"{EMBEDDING_NAME}.safetensors")[:12]
    vae_hash = _sha(models_dir / "vae" / f"{VAE_NAME}.safetensors")[:10]
    text = result.parameters.infotext
    first, negative, fields = text.split("\n")
    assert first == f"a fox, {EMBEDDING_NAME} <lora:{LORA_NAME}:0.8>"
    assert negative == "Negative prompt: blurry"
    assert f"VAE hash: {vae_hash}, VAE: {VAE_NAME}.safetensors" in fields
    assert f'Lora hashes: "{LORA_NAME}: {lora_hash}"' in fields
    assert f'TI hashes: "{EMBEDDING_NAME}: {ti_hash}"' in fields
    assert result.parameters.vae == VAE_NAME


def test_embeddings_work_in_either_prompt_in_any_case(client):
    plain, _, _ = generate(client)
    used, _, _ = generate(client, prompt=f"a red fox in snow, {EMBEDDING_NAME}")
    shouted, _, _ = generate(client, prompt=f"a red fox in snow, {EMBEDDING_NAME.upper()}")
    negative, _, _ = generate(client, negative_prompt=EMBEDDING_NAME)
    assert np.array_equal(used, shouted)
    assert len({plain.tobytes(), used.tobytes(), negative.tobytes()}) == 3


def test_sidecar_defaults_are_listed_and_fill_what_the_request_leaves_empty(client):
    listed = {m.id: m for m in client.models().models}
    d = listed["underpaint-demo-single"].defaults
    assert (d.steps, d.sampler, d.guidance, d.vae) == (3, "dpmpp_2m", 4.5, VAE_NAME)
    assert listed["underpaint-demo"].defaults == pb.ModelDefaults()
    job, events, results, _ = run_job(client, request(model="underpaint-demo-single", steps=0))
    params = results[0].parameters
    assert (params.steps, params.sampler, params.guidance, params.vae) == (3, "dpmpp_2m", 4.5, VAE_NAME)
    assert [e.progress.total_steps for e in events if e.HasField("progress")] == [3, 3, 3]
    _, _, results, _ = run_job(client, request(model="underpaint-demo-single", steps=2, sampler="euler",
                                               guidance=6, vae="none"))
    params = results[0].parameters
    assert (params.steps, params.sampler, params.guidance, params.vae) == (2, "euler", 6, "")


def test_an_embedding_for_another_encoder_is_mapped_and_the_fit_reported(client):
    _, result, events = generate(client, model="tiny-sd2", prompt=f"a fox, {EMBEDDING_NAME}")
    activities = [e.activity for e in events if e.HasField("activity") and e.activity.kind == "embedding"]
    assert len(activities) == 1 and activities[0].subject == EMBEDDING_NAME
    residual = float(result.note.split("fit residual ")[1].split()[0])
    assert residual < 1e-4 and "close fit" in result.note
    _, again, events = generate(client, model="tiny-sd2", prompt=f"a hare, {EMBEDDING_NAME}")
    assert not [e for e in events if e.HasField("activity") and e.activity.kind == "embedding"]  # once per model
    assert again.note == result.note
    _, plain, _ = generate(client, model="tiny-sd2")
    assert plain.note == ""


def test_cli_lists_add_ons_and_generates_with_them(client, models_dir, tmp_path):
    import subprocess
    import sys

    from PIL import Image

    cli = [sys.executable, "-m", "underpaint.cli.main"]
    env_server = ["--server", client.address]
    out = subprocess.run(cli + ["models"] + env_server, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "LoRAs:" in out.stdout and f"  {LORA_NAME}  [SD 1.x, DEMO: random weights]" in out.stdout
    assert f"  {EMBEDDING_NAME}  [SD 1.x, 2 vectors, DEMO: random weights]" in out.stdout
    assert "  xl-style  [SDXL, DEMO: random weights]" in out.stdout
    assert f"    defaults: steps 3, sampler dpmpp_2m, guidance 4.5, VAE {VAE_NAME}" in out.stdout
    png = tmp_path / "fox.png"
    out = subprocess.run(cli + ["generate", "--prompt", "a fox", "--model", "underpaint-demo", "--steps", "2",
                                "--lora", f"{LORA_NAME}:0.5", "--vae", VAE_NAME, "--out", str(png)] + env_server,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    text = Image.open(png).text["parameters"]
    assert f"<lora:{LORA_NAME}:0.5>" in text and "Lora hashes" in text and f"VAE: {VAE_NAME}" in text
    out = subprocess.run(cli + ["generate", "--prompt", "a fox", "--lora", f"{LORA_NAME}:lots", "--out", str(png)]
                         + env_server, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "the weight after ':' must be a number" in out.stderr
