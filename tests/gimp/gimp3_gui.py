"""Runs inside real GIMP 3 WITH its UI (gimp --batch-interpreter=python-fu-eval -b ...), under the
Xvfb that test_gimp_gui.py started: opens an image in a display window, selects a rectangle and
calls Filters > Underpaint > Generate interactively, so the plug-in shows its dialog. With
$UNDERPAINT_GIMP_GUI_PROCEDURE=underpaint-history-place it first makes two fills (seeds 11, 22)
on the image, non-interactively, then opens Place Again from History's dialog instead. The test
presses OK from outside (xdotool), the job runs, and this script writes the image's layers to
state.json, then waits for the test's "quit" file (it takes its screenshots meanwhile) and quits.

Paths come from $UNDERPAINT_GIMP_GUI (a folder): python-fu-eval gives no __file__.
"""

import json
import os
import time

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp, Gio  # noqa: E402

folder = os.environ["UNDERPAINT_GIMP_GUI"]
state = {}
try:
    image = Gimp.Image.new(320, 240, Gimp.ImageBaseType.RGB)
    layer = Gimp.Layer.new(image, "Background", 320, 240, Gimp.ImageType.RGBA_IMAGE, 100.0,
                           Gimp.LayerMode.NORMAL)
    image.insert_layer(layer, None, 0)
    Gegl.init(None)
    Gimp.context_set_foreground(Gegl.Color.new("#4a7ab0"))
    layer.fill(Gimp.FillType.FOREGROUND)
    Gimp.Display.new(image)
    Gimp.displays_flush()
    image.select_rectangle(Gimp.ChannelOps.REPLACE, 80, 60, 160, 120)
    name = os.environ.get("UNDERPAINT_GIMP_GUI_PROCEDURE", "underpaint-generate")
    if name == "underpaint-history-place":
        image.set_file(Gio.File.new_for_path(os.path.join(folder, os.path.basename(folder) + ".xcf")))
        fill = Gimp.get_pdb().lookup_procedure("underpaint-fill")
        for seed in (11, 22):
            fill_config = fill.create_config()
            for key, value in (("run-mode", Gimp.RunMode.NONINTERACTIVE), ("image", image),
                               ("prompt", "a red barn"), ("steps", 2), ("seed", seed)):
                fill_config.set_property(key, value)
            fill_config.set_core_object_array("drawables", [layer])
            if fill.run(fill_config).index(0) != Gimp.PDBStatusType.SUCCESS:
                raise RuntimeError(f"the fill with seed {seed} failed")
        state["made"] = [item.get_name() for item in image.get_layers()]
    procedure = Gimp.get_pdb().lookup_procedure(name)
    if procedure is None:
        raise RuntimeError(f"{name} is not registered: the plug-in did not load")
    config = procedure.create_config()
    config.set_property("run-mode", Gimp.RunMode.INTERACTIVE)
    config.set_property("image", image)
    config.set_core_object_array("drawables", [layer])
    result = procedure.run(config)  # the dialog is up until the test presses OK
    status = result.index(0)
    state["status"] = {Gimp.PDBStatusType.SUCCESS: "success",
                       Gimp.PDBStatusType.CANCEL: "cancel"}.get(status, "error")
    state["message"] = str(result.index(1)) if status != Gimp.PDBStatusType.SUCCESS and result.length() > 1 else ""
    state["layers"] = [item.get_name() for item in image.get_layers()]
    image.clean_all()  # no "discard changes?" question at quit
    Gimp.displays_flush()
except Exception as error:  # say what broke instead of leaving the test waiting
    import traceback

    state["error"] = f"{error!r}\n{traceback.format_exc()}"
with open(os.path.join(folder, "state.json"), "w") as handle:
    json.dump(state, handle)

deadline = time.monotonic() + 120
while not os.path.exists(os.path.join(folder, "quit")) and time.monotonic() < deadline:
    time.sleep(0.2)
quit_procedure = Gimp.get_pdb().lookup_procedure("gimp-quit")
quit_config = quit_procedure.create_config()
quit_config.set_property("force", True)
quit_procedure.run(quit_config)
