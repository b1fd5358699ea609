"""Runs INSIDE real Krita (kritarunner): imports the built plugin zip through Krita's own
"Import Python Plugin from File..." code, then loads the plugin from where that put it.

Run by test_krita_install.py as `kritarunner -s importer_check -f main` with env:
UNDERPAINT_KRITA_ZIP (the built zip), UNDERPAINT_KRITA_IMPORTER (Krita's plugin_importer.py),
UNDERPAINT_IMPORT_OUT (JSON file to write). Reports plain facts; the test judges them.
"""

import importlib.util
import json
import os
import sys
import traceback

from krita import Krita


def _importer_class():
    # Only the importing logic: the package's __init__ would register a second menu extension.
    spec = importlib.util.spec_from_file_location("krita_plugin_importer", os.environ["UNDERPAINT_KRITA_IMPORTER"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PluginImporter


def main(*_args):
    report = {}
    try:
        importer_class = _importer_class()
        resources = Krita.instance().getAppDataLocation()  # what Krita's menu command passes
        confirmed = []
        imported = importer_class(os.environ["UNDERPAINT_KRITA_ZIP"], resources,
                                  lambda plugin: confirmed.append(plugin["name"]) or True).import_all()
        report["imported"] = [{k: plugin[k] for k in ("name", "ui_name", "module")} for plugin in imported]
        # what the menu command does next when the artist answers "Enable plugins now?" with Yes
        for plugin in imported:
            Krita.instance().writeSetting("python", "enable_%s" % plugin["name"], "true")
        report["setting"] = Krita.instance().readSetting("python", "enable_underpaint_krita", "")
        pykrita = os.path.join(resources, "pykrita")
        report["pykrita"] = pykrita
        report["files"] = sorted(os.path.relpath(os.path.join(d, f), pykrita)
                                 for d, _dirs, files in os.walk(pykrita) for f in files
                                 if "__pycache__" not in d)
        # a second import of the same zip asks before overwriting, then succeeds again
        importer_class(os.environ["UNDERPAINT_KRITA_ZIP"], resources,
                       lambda plugin: confirmed.append(plugin["name"]) or True).import_all()
        report["overwrite_confirmations"] = confirmed
        # Krita loads a pykrita plugin by importing its module from there: do the same
        sys.path.insert(0, pykrita)
        import underpaint_krita  # noqa: F401  (puts its vendored kit on sys.path)
        import underpaint_kit

        report["plugin_file"] = underpaint_krita.__file__
        report["kit_file"] = underpaint_kit.__file__
        report["kit_works"] = underpaint_kit.pb.GenerateRequest(prompt="x").SerializeToString() != b""
    except Exception:
        report["error"] = traceback.format_exc()
    with open(os.environ["UNDERPAINT_IMPORT_OUT"], "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1)
    return 0
