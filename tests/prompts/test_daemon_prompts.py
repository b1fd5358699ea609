"""The prompt language through a real daemon: submit-time refusals, clip skip, weighted and
long prompts in canvas operations, TokenizePrompt over gRPC and Connect, `underpaint tokens`."""

from __future__ import annotations

import sys
from pathlib import Path

import grpc
import numpy as np
import pytest

from underpaint.v1 import underpaint_pb2 as pb

from ..daemon.helpers import gray_image, request, rgba_image, run_job
from ..daemon.test_cli import run_cli

LONG = " ".join(["abcde"] * 40)  # 200 tokens with the demo's one-token-per-letter vocabulary


@pytest.mark.parametrize("fields, start", [
    (dict(prompt="a (cat:1.2.3)"), "prompt: ':1.2.3)' at position 6: '1.2.3' is not a number"),
    (dict(prompt="a (cat:500)"), "prompt: ':500)' at position 6: weight 500 is out of range; allowed -100 to 100"),
    (dict(negative_prompt="ugly, (blurry:.)"), "negative_prompt: ':.)' at position 13"),
    (dict(prompt="a cat <lora:nope:0.5>"), "prompt: <lora:nope:0.5> at position 6: no LoRA named 'nope'"),
    (dict(prompt="a cat <lora::0.5>"), "prompt: '<lora::0.5>' at position 6: the LoRA name is empty"),
    (dict(clip_skip=13), "clip_skip: 13 is out of range; allowed 1 to 12"),
])
def test_bad_prompts_are_refused_before_queuing(grpc_client, fields, start):
    with pytest.raises(grpc.RpcError) as err:
        grpc_client.stub.Submit(request(**fields))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.details().startswith(start), err.value.details()
    assert grpc_client.info().protocol_major == 1


def test_clip_skip_is_applied_and_recorded(grpc_client):
    _, _, results, finished = run_job(grpc_client, request(clip_skip=2, steps=2))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
    params = results[0].parameters
    assert params.clip_skip == 2 and "Clip skip: 2" in params.infotext
    _, _, plain, _ = run_job(grpc_client, request(steps=2))
    assert plain[0].parameters.clip_skip == 1 and "Clip skip" not in plain[0].parameters.infotext
    assert results[0].image.data != plain[0].image.data


def test_weighted_long_and_edited_prompts_in_a_canvas_fill(grpc_client):
    region = np.random.default_rng(1).integers(0, 256, (64, 64, 4), dtype=np.uint8)
    region[..., 3] = 255
    selection = np.zeros((64, 64), np.uint8)
    selection[16:48, 16:48] = 255
    canvas = pb.CanvasRequest(document_width=64, document_height=64, region=rgba_image(region),
                              selection=gray_image(selection), operation=pb.CANVAS_OPERATION_FILL)
    images = []
    for prompt in ("a red fox", f"(a red fox:1.4) {LONG}", "a [red:blue:0.5] fox AND snow :0.5"):
        _, _, results, finished = run_job(grpc_client, request(prompt=prompt, canvas=canvas, steps=3, width=0, height=0))
        assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
        assert results[0].parameters.prompt == prompt  # the infotext keeps the text as written
        images.append(results[0].image.data)
    assert len(set(images)) == 3


def test_tokenize_prompt_over_grpc(grpc_client):
    response = grpc_client.tokenize(f"(red:1.5) BREAK {LONG} AND sky <lora:ink:0.7>")
    part0 = [c for c in response.chunks if c.subprompt == 0]
    assert [c.token_count for c in part0] == [3, 75, 75, 50]
    assert list(part0[0].tokens) == ["r", "e", "d"] and list(part0[0].weights) == pytest.approx([1.5] * 3)
    assert all(c.capacity == 75 for c in response.chunks)
    assert [c.token_count for c in response.chunks if c.subprompt == 1] == [3]
    assert response.total_tokens == 206
    assert [(l.name, round(l.weight, 3)) for l in response.loras] == [("ink", 0.7)]
    assert any("no LoRA named 'ink'" in w for w in response.warnings)


def test_tokenize_prompt_refuses_bad_syntax_and_models(grpc_client):
    stub = grpc_client.stub.TokenizePrompt
    with pytest.raises(grpc.RpcError) as err:
        stub(pb.TokenizePromptRequest(prompt="a (cat:1.2.3)"))  # ':' at 6
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "at position 6" in err.value.details()
    with pytest.raises(grpc.RpcError) as err:
        stub(pb.TokenizePromptRequest(prompt="a cat", model="no-such-model"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_tokenize_prompt_over_connect_with_the_host_kit(daemon):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "plugins" / "common"))
    import underpaint_kit as kit

    client = kit.Daemon(daemon.http)
    try:
        assert "tokenize_prompt" in client.get_info().capabilities
        response = client.tokenize_prompt(" ".join(["abcde"] * 27) + " (x:0.5) (a")
        assert kit.prompts.counter_label(response) == "62/75 · 2 chunks"  # 27 × 5 + 1 + 1 = 137 tokens
        lines = kit.prompts.chunk_lines(response)
        assert lines[1].startswith("chunk 2: 62/75") and "(x ×0.5)" in lines[1]
        assert any("'(' at position" in line for line in lines)
        with pytest.raises(kit.RequestRejected) as err:
            client.tokenize_prompt("(a:1..2)")
        assert err.value.code == "invalid_argument"
    finally:
        client.close()


def test_tokens_command(daemon):
    out = run_cli(daemon, "tokens", "a (red:1.5) fox BREAK snow")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "4/75 · 2 chunks"
    assert lines[1] == "chunk 1: 7/75" and "r(1.5) e(1.5) d(1.5)" in lines[2]
    assert lines[3] == "chunk 2: 4/75"
    bad = run_cli(daemon, "tokens", "a (red:1.2.3)")
    assert bad.returncode == 1 and "at position 6" in bad.stderr


def test_lora_tags_and_weighted_embeddings(grpc_client):
    from underpaint.models.demo_addons import EMBEDDING_NAME, LORA_NAME

    def image(**fields):
        _, _, results, finished = run_job(grpc_client, request(steps=3, model="underpaint-demo", **fields))
        assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
        return results[0]

    tagged = image(prompt=f"a fox <lora:{LORA_NAME}:0.8>")
    assert [(l.name, round(l.weight, 3)) for l in tagged.parameters.loras] == [(LORA_NAME, 0.8)]
    # the tag is not read as text: the same pixels as the LoRA asked for in the request list
    listed = image(prompt="a fox", loras=[pb.LoraWeight(name=LORA_NAME, weight=0.8)])
    assert tagged.image.data == listed.image.data
    assert image(prompt="a fox").image.data != tagged.image.data
    plain = image(prompt=f"a fox, {EMBEDDING_NAME}")
    assert image(prompt=f"a fox, ({EMBEDDING_NAME}:1.4)").image.data != plain.image.data

    response = grpc_client.tokenize(f"a fox, ({EMBEDDING_NAME}:1.4) <lora:{LORA_NAME}:0.8>", "underpaint-demo")
    assert list(response.embeddings) == [EMBEDDING_NAME]
    tokens = [(t, round(w, 3)) for c in response.chunks for t, w in zip(c.tokens, c.weights)]
    assert any(t.startswith(EMBEDDING_NAME) and w == 1.4 for t, w in tokens)
    assert not response.warnings
