"""Runs one plug-in procedure on a stand-in GIMP image, in its own process, like GIMP would:
loads the built plug-in's underpaint-gimp.py, lets it register (do_query_procedures,
do_create_procedure) and calls the registered run function non-interactively.

    /usr/bin/python3 driver.py PLUGIN_DIR SCENARIO.json OUT_DIR

PLUGIN_DIR is a built plug-in (dist/gimp/underpaint-gimp, with vendor/); the daemon is found
the way the plug-in finds it in GIMP (daemon.json / $UNDERPAINT_HTTP). SCENARIO.json:
  {"width": W, "height": H, "base_type": "rgb"|"gray"|"indexed", "precision": "u8"|"float",
   "layers": [{"name", "x", "y", "width", "height", "pixels": FILE (RGBA8)}, ...] (bottom first),
   "selection": [x, y, w, h] or null, "procedure": "underpaint-fill", "params": {...},
   "name": the image's name (history is kept per image name), "parasites": {name: text} (attached to the image first), "run_mode": "noninteractive" or
   "interactive" (then "dialog": {property: value} is what the artist sets before OK)}
A parameter {"layer": NAME} is the image's layer of that name (control and reference layers).
Writes OUT_DIR/state.json (status, message, image size, layers top first with offsets, the
image's change log, the progress log) and OUT_DIR/<n>.rgba / selection.gray pixel dumps.
"""

import importlib.util
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main(plugin_dir, scenario_path, out_dir):
    sys.path.insert(0, HERE)
    import gimp_standin

    Gimp = gimp_standin.install()
    sys.path.insert(0, plugin_dir)
    from gi.repository import Gegl

    Gegl.init(None)
    # The plug-in's own entry module, exactly as GIMP starts it (Gimp.main is a no-op here).
    entry = importlib.util.spec_from_file_location(
        "underpaint_gimp_entry", os.path.join(plugin_dir, "underpaint-gimp.py"))
    plugin_module = importlib.util.module_from_spec(entry)
    entry.loader.exec_module(plugin_module)

    with open(scenario_path) as f:
        scenario = json.load(f)
    base = {"rgb": Gimp.ImageBaseType.RGB, "gray": Gimp.ImageBaseType.GRAY,
            "indexed": Gimp.ImageBaseType.INDEXED}[scenario.get("base_type", "rgb")]
    image = Gimp.Image(scenario["width"], scenario["height"], base,
                       scenario.get("precision", "u8"))
    if scenario.get("name"):
        image.name = image.file = scenario["name"]
    for spec in scenario.get("layers", []):
        with open(spec["pixels"], "rb") as f:
            pixels = f.read()
        image.add_layer_with_pixels(spec["name"], spec["x"], spec["y"], spec["width"],
                                    spec["height"], pixels)
    if scenario.get("selection"):
        image.select_rectangle(*scenario["selection"])
    for name, text in scenario.get("parasites", {}).items():
        image.parasites[name] = Gimp.Parasite(name, Gimp.PARASITE_PERSISTENT, text.encode())
    by_name = {layer.name: layer for layer in image.get_layers()}

    plug_in = plugin_module.UnderpaintPlugIn()
    registered = plug_in.do_query_procedures()
    procedure = plug_in.do_create_procedure(scenario["procedure"])
    config = procedure.create_config()
    for name, value in scenario.get("params", {}).items():
        config.set_property(name, by_name[value["layer"]] if isinstance(value, dict) else value)
    gimp_standin.dialog_answers.update(scenario.get("dialog", {}))
    run_mode = {"noninteractive": Gimp.RunMode.NONINTERACTIVE,
                "interactive": Gimp.RunMode.INTERACTIVE}[scenario.get("run_mode", "noninteractive")]
    status, error = procedure.run_func(procedure, run_mode, image,
                                       image.get_layers()[:1], config, None)
    status = {Gimp.PDBStatusType.SUCCESS: "success",
              Gimp.PDBStatusType.CANCEL: "cancel"}.get(status, "error")
    message = error.message if error is not None else ""
    choices = {name: {nick: item[1] for nick, item in procedure.info[name].items.items()}
               for name in ("model-choice", "vae-choice", "upscaler-choice", "style-choice", "entry-choice")
               if procedure.info.get(name)}

    os.makedirs(out_dir, exist_ok=True)
    layers = []
    for n, layer in enumerate(image.get_layers()):
        path = os.path.join(out_dir, f"{n}.rgba")
        with open(path, "wb") as f:
            f.write(layer.buffer.get(Gegl.Rectangle.new(0, 0, layer.width, layer.height), 1.0,
                                     "R'G'B'A u8", Gegl.AbyssPolicy.NONE))
        layers.append({"name": layer.name, "x": layer.offset_x, "y": layer.offset_y,
                       "width": layer.width, "height": layer.height, "file": path})
    with open(os.path.join(out_dir, "selection.gray"), "wb") as f:
        f.write(image.selection.buffer.get(Gegl.Rectangle.new(0, 0, image.width, image.height),
                                           1.0, "Y u8", Gegl.AbyssPolicy.NONE))
    state = {"status": status, "message": message, "width": image.width,
             "height": image.height, "layers": layers,
             "calls": [list(call) for call in image.calls],
             "progress": [list(entry) for entry in gimp_standin.progress_log],
             "registered": registered, "menu_paths": procedure.menu_paths,
             "menu_label": procedure.info["menu_label"],
             "model_choices": choices.get("model-choice", {}),
             "vae_choices": choices.get("vae-choice", {}),
             "choices": choices, "arguments": list(procedure.arguments),
             "hidden": sorted(plugin_module._HIDDEN.get(scenario["procedure"], ())),
             "parasites": {name: bytes(p.get_data()).decode() for name, p in image.parasites.items()},
             "messages": list(gimp_standin.messages), "dialogs": gimp_standin.dialogs,
             "gimp_main_called": bool(gimp_standin.main_calls)}
    with open(os.path.join(out_dir, "state.json"), "w") as f:
        json.dump(state, f, indent=1)


if __name__ == "__main__":
    main(*sys.argv[1:4])
