"""The kit says "this daemon is too old for X" before sending what an older daemon would silently
drop (protobuf parses fields it does not know and ignores them)."""

from __future__ import annotations

import pytest

import underpaint_kit as kit
from underpaint_kit import capabilities, controls, faces, noise, requests, training, upscale
from underpaint_kit.protocol import pb

PIXEL = bytes([200, 10, 10, 255])


def _image(size=8):
    return requests.rgba_image(size, size, PIXEL * size * size)


def _with(**fields):
    request = pb.GenerateRequest(prompt="a lighthouse", **fields)
    return request


def feature_requests() -> dict:
    """One request per feature a host can send, built the way the hosts build them."""
    control = _with()
    controls.add_control(control, "scribble", PIXEL * 64, (0, 0, 8, 8))
    reference = _with()
    controls.add_reference(reference, PIXEL * 64, (8, 8))
    return {
        "control layers": control,
        "reference images": reference,
        "LoRAs": _with(loras=[pb.LoraWeight(name="ink", weight=0.8)]),
        "a chosen VAE": _with(vae="vae-ft-mse"),
        "CLIP skip": _with(clip_skip=2),
        "styles": _with(styles=["noir"]),
        "variation seeds and frozen noise": noise.set_noise(_with(), variation_seed=5, variation_strength=0.3),
        "keyframes": noise.keyframes_request([_image(), _image()], "a lighthouse"),
        "Edit": noise.edit_request("a lighthouse", "a lighthouse at night", image=_image()),
        "training": training.train_request([(64, 64, PIXEL * 64 * 64)] * 3, token="cat-toy"),
        "upscaling": upscale.upscale_request(image=_image(), scale=2),
        "upscaling with a model": upscale.upscale_request(image=_image(), scale=4, model="RealESRGAN_x4plus"),
        "re-rendering an upscale": upscale.upscale_request(image=_image(), scale=2, diffusion=True),
        "restoring faces": faces.restore_faces_request(image=_image()),
        "re-rendering faces": faces.rerender_faces_request("a face", image=_image()),
        "Live": _with(live_session="doc-1"),
    }


def test_a_plain_request_needs_nothing_beyond_protocol_v1():
    assert capabilities.needs(pb.GenerateRequest(prompt="a lighthouse", width=512, height=512)) == []


@pytest.mark.parametrize("feature", sorted(feature_requests()))
def test_each_feature_names_a_capability_this_daemon_offers(daemon, feature):
    """A misspelt capability would make every daemon 'too old': each one is checked against a real
    daemon's GetInfo."""
    connection = kit.connect_daemon(daemon.http)
    try:
        needed = capabilities.needs(feature_requests()[feature])
        assert feature in [what for _capability, what in needed]
        assert {capability for capability, _what in needed} <= set(connection.info.capabilities)
        capabilities.check(feature_requests()[feature], connection.info)  # the current daemon: no refusal
    finally:
        connection.close()


def test_an_older_daemon_is_called_too_old_and_nothing_is_sent(daemon):
    connection = kit.connect_daemon(daemon.http)
    sent = []
    real_call = connection._client.call
    connection._client.call = lambda service, method, *args: (sent.append(method), real_call(service, method, *args))[1]
    try:
        # What a daemon from before control layers, model upscalers and Live answers to GetInfo.
        older = pb.Info()
        older.CopyFrom(connection.info)
        kept = [c for c in older.capabilities if c not in ("controls", "upscale_model", "live")]
        del older.capabilities[:]
        older.capabilities.extend(kept)
        connection.info = older

        request = feature_requests()["control layers"]
        upscale.add_upscale_step(request, scale=4, model="RealESRGAN_x4plus")
        request.live_session = "doc-1"
        with pytest.raises(kit.DaemonLacksFeature) as refused:
            connection.submit(request)
        message = str(refused.value)
        assert message.startswith(f"This Underpaint daemon ({older.daemon_version}) is too old for control layers, "
                                  "upscaling with a model, Live.")
        assert "pip install -U underpaint" in message
        assert refused.value.features == ["control layers", "upscaling with a model", "Live"]
        assert sent == []

        # What it can do still goes through.
        job = connection.submit(pb.GenerateRequest(prompt="a lighthouse", width=64, height=64, steps=1))
        assert job.id and sent == ["Submit"]
        connection.cancel(job.id)
    finally:
        connection.close()
