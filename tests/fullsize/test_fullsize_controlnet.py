"""A full-size SD 1.5 ControlNet in the layout lllyasviel published (`control_model.*`, the
`cldm` code's names): the names and shapes, derived here from the original code's structure,
convert exactly onto the ControlNet the daemon builds for an SD 1.5 UNet; and in a real daemon
beside a full-size SD 1.5 checkpoint the file loads and runs a step (slow).

cldm.ControlNet = the UNet's time embedding, input blocks and middle block, plus the hint
encoder (`input_hint_block`: eight 3x3 convolutions 3->16->16->32->32->96->96->256->320 with
SiLUs between, hence the even indices 0..14), a zero 1x1 convolution after every input block
(`zero_convs.N.0`) and one after the middle block (`middle_block_out.0`).
"""

from __future__ import annotations

import json
import struct
from importlib import resources

import grpc
import pytest
import torch

from tests.fullsize import original_layout as layout
from tests.daemon.helpers import request, rgba_image
from underpaint.v1 import underpaint_pb2 as pb

PREFIX = "control_model."
HINT_CHANNELS = (3, 16, 16, 32, 32, 96, 96, 256)


def controlnet_shapes(spec: layout.UNetSpec = layout.SD15_UNET) -> layout.Shapes:
    unet = layout.unet_shapes(spec, prefix="")
    out = {k: v for k, v in unet.items() if k.startswith(("time_embed.", "input_blocks.", "middle_block."))}
    for i, (cin, cout) in enumerate(zip(HINT_CHANNELS, HINT_CHANNELS[1:] + (spec.model_channels,))):
        layout._conv(out, f"input_hint_block.{2 * i}", cin, cout, 3)
    blocks = sorted({int(k.split(".")[1]) for k in out if k.startswith("input_blocks.")})
    for n in blocks:  # the channels each input block hands on
        weight = next(v for k, v in out.items() if k.startswith(f"input_blocks.{n}.") and k.endswith(
            ("0.out_layers.3.weight", "0.op.weight", "input_blocks.0.0.weight")))
        layout._conv(out, f"zero_convs.{n}.0", weight[0], weight[0], 1)
    top = out["middle_block.2.out_layers.3.weight"][0]
    layout._conv(out, "middle_block_out.0", top, top, 1)
    return {PREFIX + k: v for k, v in out.items()}


def _sd15_unet_config() -> dict:
    configs = resources.files("underpaint.models").joinpath("configs")
    return json.loads(configs.joinpath("sd15", "unet", "config.json").read_text())


def test_the_original_layout_converts_exactly_onto_the_daemons_controlnet():
    from accelerate import init_empty_weights
    from diffusers import ControlNetModel
    from diffusers.loaders.single_file_utils import convert_controlnet_checkpoint

    from underpaint.models import ldm_layout
    from underpaint.pipelines.controlnets import controlnet_config

    config = controlnet_config(_sd15_unet_config())
    with init_empty_weights():
        controlnet = ControlNetModel.from_config(config)
    expected = {k: tuple(v.shape) for k, v in controlnet.state_dict().items()}
    shapes = controlnet_shapes()
    meta = {k: torch.empty(s, device="meta") for k, s in shapes.items()}
    converted = convert_controlnet_checkpoint(meta, config)
    assert {k: tuple(v.shape) for k, v in converted.items()} == expected
    # and the demo's writer (diffusers -> original) gives exactly the published names and shapes
    ours = ldm_layout.controlnet_to_ldm(controlnet.state_dict(), config["layers_per_block"])
    assert {k: tuple(v.shape) for k, v in ours.items()} == shapes
    assert layout.parameter_count(shapes) == sum(v.numel() for v in controlnet.state_dict().values())
    assert (len(shapes), layout.parameter_count(shapes)) == (340, 361_279_120)  # 1.45 GB in fp32, as published


@pytest.mark.slow
def test_fullsize_controlnet_loads_beside_a_fullsize_model_and_runs(fullsize_checkpoint, tmp_path):
    from underpaint.client import Client
    from underpaint.testing import DaemonProcess

    from tests.controls.control_files import diffusers_controlnet_header

    source = (fullsize_checkpoint("sd15.safetensors") / "sd15.safetensors").resolve()
    models = tmp_path / "models"
    (models / "controlnet").mkdir(parents=True)
    (models / "sd15.safetensors").symlink_to(source)
    shapes = controlnet_shapes()
    bias = struct.pack("<1280e", *([0.5] * 1280))  # a middle block residual that is not zero
    layout.write_zero_safetensors(models / "controlnet" / "control_v11p_sd15_canny.safetensors", shapes,
                                  {"control_model.middle_block_out.0.bias": bias})
    diffusers_controlnet_header(models / "controlnet" / "diffusers_xl_canny_full.safetensors", 2048)
    square = torch.zeros(64, 64, 3, dtype=torch.uint8)
    square[16:48, 16:48] = 255
    control = pb.Control(type="canny", image=rgba_image(square.numpy()))

    process = DaemonProcess(models, tmp_path / "home").start()
    try:
        with Client(process.grpc) as client:
            found = {a.id: (a.architecture, a.control_type) for a in client.models().add_ons if a.type == "controlnet"}
            assert found == {"control_v11p_sd15_canny": ("sd15", "canny"), "diffusers_xl_canny_full": ("sdxl", "canny")}
            job = client.submit(request(model="sd15", steps=1, guidance=2.0, controls=[control]))
            events = list(client.watch(job.id, reconnects=0))
            finished = events[-1].finished
            assert finished.status == pb.JOB_STATUS_SUCCEEDED, f"{finished.message}\n{process.log()}"
            kinds = [e.activity.kind for e in events if e.HasField("activity")]
            assert "loading_controlnet" in kinds
            with pytest.raises(grpc.RpcError) as err:
                client.stub.Submit(request(model="sd15", controls=[pb.Control(
                    type="canny", image=control.image, model="diffusers_xl_canny_full")]))
            assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "made for SDXL" in err.value.details() and "SD 1.x" in err.value.details()
    finally:
        process.stop()
