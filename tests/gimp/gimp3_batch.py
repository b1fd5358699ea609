"""Runs inside real GIMP 3 (gimp-console ... --batch-interpreter=python-fu-eval): builds the
scenario's image, calls the installed Underpaint procedure through the PDB non-interactively,
and writes the same state.json / pixel dumps as standin/driver.py, so the tests check both the
same way. Paths come from $UNDERPAINT_GIMP_SCENARIO (python-fu-eval gives no __file__).
"""

import json
import os

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp  # noqa: E402

RGBA8 = "R'G'B'A u8"


def _rect(x, y, w, h):
    return Gegl.Rectangle.new(int(x), int(y), int(w), int(h))


def _offsets(layer):
    values = layer.get_offsets()
    return int(values[-2]), int(values[-1])


def run_scenario(scenario_path):
    with open(scenario_path) as f:
        scenario = json.load(f)
    out_dir = os.path.join(os.path.dirname(scenario_path), "out")
    os.makedirs(out_dir, exist_ok=True)
    Gegl.init(None)

    base = {"rgb": Gimp.ImageBaseType.RGB, "gray": Gimp.ImageBaseType.GRAY}[
        scenario.get("base_type", "rgb")]
    image = Gimp.Image.new(scenario["width"], scenario["height"], base)
    layer_type = (Gimp.ImageType.RGBA_IMAGE if base == Gimp.ImageBaseType.RGB
                  else Gimp.ImageType.GRAYA_IMAGE)
    layer = None
    for spec in scenario["layers"]:
        layer = Gimp.Layer.new(image, spec["name"], spec["width"], spec["height"], layer_type,
                               100.0, Gimp.LayerMode.NORMAL)
        image.insert_layer(layer, None, 0)
        layer.set_offsets(spec["x"], spec["y"])
        with open(spec["pixels"], "rb") as f:
            buffer = layer.get_buffer()
            buffer.set(_rect(0, 0, spec["width"], spec["height"]), RGBA8, f.read())
            buffer.flush()
        layer.update(0, 0, spec["width"], spec["height"])
    if scenario.get("selection"):
        Gimp.context_set_feather(False)
        Gimp.context_set_antialias(False)
        image.select_rectangle(Gimp.ChannelOps.REPLACE, *scenario["selection"])

    procedure = Gimp.get_pdb().lookup_procedure(scenario["procedure"])
    if procedure is None:
        raise RuntimeError(f"{scenario['procedure']} is not registered: the plug-in did not load")
    config = procedure.create_config()
    config.set_property("run-mode", Gimp.RunMode.NONINTERACTIVE)
    config.set_property("image", image)
    config.set_core_object_array("drawables", [layer])
    for name, value in scenario["params"].items():
        config.set_property(name, value)
    result = procedure.run(config)
    status = result.index(0)
    message = ""
    if status != Gimp.PDBStatusType.SUCCESS and result.length() > 1:
        message = str(result.index(1))
    status_name = {Gimp.PDBStatusType.SUCCESS: "success",
                   Gimp.PDBStatusType.CANCEL: "cancel"}.get(status, "error")

    layers = []
    for n, item in enumerate(image.get_layers()):
        width, height = item.get_width(), item.get_height()
        x, y = _offsets(item)
        path = os.path.join(out_dir, f"{n}.rgba")
        with open(path, "wb") as f:
            f.write(item.get_buffer().get(_rect(0, 0, width, height), 1.0, RGBA8,
                                          Gegl.AbyssPolicy.NONE))
        layers.append({"name": item.get_name(), "x": x, "y": y, "width": width,
                       "height": height, "file": path})
    width, height = image.get_width(), image.get_height()
    with open(os.path.join(out_dir, "selection.gray"), "wb") as f:
        f.write(image.get_selection().get_buffer().get(_rect(0, 0, width, height), 1.0, "Y u8",
                                                       Gegl.AbyssPolicy.NONE))
    state = {"status": status_name, "message": message, "width": width, "height": height,
             "layers": layers, "calls": [], "progress": [],
             "undo_enabled": bool(image.undo_is_enabled())}
    with open(os.path.join(out_dir, "state.json"), "w") as f:
        json.dump(state, f, indent=1)
    image.delete()


run_scenario(os.environ["UNDERPAINT_GIMP_SCENARIO"])
