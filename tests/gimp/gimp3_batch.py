"""Runs inside real GIMP 3 (gimp-console ... --batch-interpreter=python-fu-eval): builds the
scenario's image, calls the installed Underpaint procedure through the PDB non-interactively,
and writes the same state.json / pixel dumps as standin/driver.py, so the tests check both the
same way. Paths come from $UNDERPAINT_GIMP_SCENARIO (python-fu-eval gives no __file__).

Extra scenario keys for real GIMP: "run_mode": "interactive" calls it as the menu does; "repeat": true calls the procedure a second time with
Gimp.RunMode.WITH_LAST_VALS and no arguments (Filters > Repeat), "status2"/"message2" in the
state say how that went; "then": [{"procedure", "params"}, ...] calls more procedures on the same
image afterwards (state "then": [[status, message], ...]). As in the stand-in, a parameter
{"layer": NAME} is the image's layer of that name, "name" names the image (through its file) and
"parasites" {name: text} are attached first; the state lists the image's parasites at the end.
"""

import json
import os

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp, Gio  # noqa: E402

RGBA8 = "R'G'B'A u8"
ALL_PROCEDURES = ("underpaint-generate", "underpaint-fill", "underpaint-refine",
                  "underpaint-expand", "underpaint-variations", "underpaint-restore-faces",
                  "underpaint-rerender-faces", "underpaint-upscale", "underpaint-edit", "underpaint-keyframes",
                  "underpaint-interrogate", "underpaint-history-place", "underpaint-board-send",
                  "underpaint-board-place")


def _rect(x, y, w, h):
    return Gegl.Rectangle.new(int(x), int(y), int(w), int(h))


def _offsets(layer):
    values = layer.get_offsets()
    return int(values[-2]), int(values[-1])


def _new_image(scenario):
    base = {"rgb": Gimp.ImageBaseType.RGB, "gray": Gimp.ImageBaseType.GRAY}[
        scenario.get("base_type", "rgb")]
    # "float" is what the stand-in calls a 32-bit linear-light image.
    precision = {"u8": Gimp.Precision.U8_NON_LINEAR, "float": Gimp.Precision.FLOAT_LINEAR}[
        scenario.get("precision", "u8")]
    image = Gimp.Image.new_with_precision(scenario["width"], scenario["height"], base,
                                          precision)
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
    if scenario.get("name"):
        image.set_file(Gio.File.new_for_path(os.path.join(os.path.dirname(os.environ["UNDERPAINT_GIMP_SCENARIO"]),
                                                          scenario["name"])))
    for name, text in scenario.get("parasites", {}).items():
        image.attach_parasite(Gimp.Parasite.new(name, Gimp.PARASITE_PERSISTENT, list(text.encode())))
    if scenario.get("selection"):
        Gimp.context_set_feather(False)
        Gimp.context_set_antialias(False)
        image.select_rectangle(Gimp.ChannelOps.REPLACE, *scenario["selection"])
    return image, layer


def _call(procedure, run_mode, image, layer, params):
    config = procedure.create_config()
    config.set_property("run-mode", run_mode)
    config.set_property("image", image)
    config.set_core_object_array("drawables", [layer])
    layers = {item.get_name(): item for item in image.get_layers()}
    for name, value in params.items():
        config.set_property(name, layers[value["layer"]] if isinstance(value, dict) else value)
    result = procedure.run(config)
    status = result.index(0)
    message = ""
    if status != Gimp.PDBStatusType.SUCCESS and result.length() > 1:
        message = str(result.index(1))
    return {Gimp.PDBStatusType.SUCCESS: "success",
            Gimp.PDBStatusType.CANCEL: "cancel"}.get(status, "error"), message


def _registration(pdb, procedure):
    return {"registered": [name for name in ALL_PROCEDURES if pdb.procedure_exists(name)],
            "menu_paths": list(procedure.get_menu_paths()),
            "menu_label": procedure.get_menu_label(),
            "arguments": [spec.get_name() for spec in procedure.get_arguments()]}


def run_scenario(scenario_path):
    with open(scenario_path) as f:
        scenario = json.load(f)
    out_dir = os.path.join(os.path.dirname(scenario_path), "out")
    os.makedirs(out_dir, exist_ok=True)
    Gegl.init(None)
    image, layer = _new_image(scenario)

    pdb = Gimp.get_pdb()
    procedure = pdb.lookup_procedure(scenario["procedure"])
    if procedure is None:
        raise RuntimeError(f"{scenario['procedure']} is not registered: the plug-in did not load")
    state = _registration(pdb, procedure)
    # "interactive" runs the procedure as the menu does: it would open its dialog (no display
    # here), so only a call that refuses before the dialog comes back with its own message.
    run_mode = {"noninteractive": Gimp.RunMode.NONINTERACTIVE,
                "interactive": Gimp.RunMode.INTERACTIVE}[scenario.get("run_mode", "noninteractive")]
    state["status"], state["message"] = _call(procedure, run_mode, image, layer,
                                              scenario["params"])
    if scenario.get("repeat"):
        state["status2"], state["message2"] = _call(procedure, Gimp.RunMode.WITH_LAST_VALS,
                                                    image, layer, {})
    state["then"] = [list(_call(pdb.lookup_procedure(call["procedure"]), Gimp.RunMode.NONINTERACTIVE, image,
                                layer, call.get("params", {})))
                     for call in scenario.get("then", [])]

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
    state.update(width=width, height=height, layers=layers, calls=[], progress=[],
                 undo_enabled=bool(image.undo_is_enabled()), name=image.get_name(),
                 parasites={name: bytes(image.get_parasite(name).get_data()).decode()
                            for name in image.get_parasite_list()},
                 precision=image.get_precision().value_nick)
    with open(os.path.join(out_dir, "state.json"), "w") as f:
        json.dump(state, f, indent=1)
    image.delete()


run_scenario(os.environ["UNDERPAINT_GIMP_SCENARIO"])
