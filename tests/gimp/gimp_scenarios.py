"""Helpers for the GIMP plug-in tests: one stand-in scenario per call, and its outcome."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "standin" / "driver.py"
REPO = HERE.parents[1]
REPO_ROOT_KIT = REPO / "plugins" / "common"
PLUGIN_SOURCE = REPO / "plugins" / "gimp" / "underpaint-gimp"
# Every procedure the plug-in registers, in order (gimp3_batch.py keeps its own copy: it runs
# inside GIMP without this module).
ALL_PROCEDURES = ["underpaint-generate", "underpaint-fill", "underpaint-refine", "underpaint-expand",
                  "underpaint-variations", "underpaint-restore-faces", "underpaint-rerender-faces",
                  "underpaint-upscale", "underpaint-edit", "underpaint-keyframes", "underpaint-interrogate",
                  "underpaint-history-place", "underpaint-board-send", "underpaint-board-place"]


def load_plugin_module(name: str):
    """A GIMP-free plug-in module (procedures, choices) loaded by path under its own name:
    "procedures" is too common a module name to put the plug-in folder on sys.path."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(f"underpaint_gimp_{name}", PLUGIN_SOURCE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defining
    spec.loader.exec_module(module)
    return module


def plugin_env(base: dict) -> dict:
    env = dict(base)
    for key in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
        env.pop(key, None)
    return env


def gradient_rgba(width: int, height: int) -> np.ndarray:
    """An opaque picture with no two neighbouring pixels alike, so any shift shows."""
    y, x = np.mgrid[0:height, 0:width]
    return np.stack([(x * 255 // max(width - 1, 1)), (y * 255 // max(height - 1, 1)),
                     (x * 7 + y * 13) % 256, np.full_like(x, 255)], axis=-1).astype(np.uint8)


class Scenario:
    """One procedure call on a stand-in image; .run() returns the resulting State."""

    def __init__(self, tmp_path: Path, width: int, height: int, procedure: str,
                 params: dict | None = None, selection=None, base_type: str = "rgb",
                 precision: str = "u8", **extra):
        self.tmp_path = tmp_path
        tmp_path.mkdir(parents=True, exist_ok=True)
        self.data = {"width": width, "height": height, "base_type": base_type,
                     "precision": precision,
                     "procedure": procedure, "params": params or {}, "selection": selection,
                     "layers": [], **extra}
        self.layers: list[np.ndarray] = []

    def add_layer(self, name: str, pixels: np.ndarray, x: int = 0, y: int = 0) -> "Scenario":
        path = self.tmp_path / f"input-{name}.rgba"
        path.write_bytes(np.ascontiguousarray(pixels, dtype=np.uint8).tobytes())
        self.data["layers"].append({"name": name, "x": x, "y": y, "width": pixels.shape[1],
                                    "height": pixels.shape[0], "pixels": str(path)})
        self.layers.append(pixels)
        return self

    def write(self) -> Path:
        path = self.tmp_path / "scenario.json"
        path.write_text(json.dumps(self.data))
        return path

    def command(self, python: str, plugin: Path) -> list:
        return [python, str(DRIVER), str(plugin), str(self.write()), str(self.tmp_path / "out")]

    def run(self, python: str, plugin: Path, env: dict, timeout: float = 300) -> "State":
        result = subprocess.run(self.command(python, plugin), env=plugin_env(env),
                                capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, f"driver failed:\n{result.stdout}\n{result.stderr}"
        return State(self.tmp_path / "out", result.stderr)


class State:
    """What the image looked like after the call (layers top first)."""

    def __init__(self, out: Path, stderr: str = ""):
        self.data = json.loads((out / "state.json").read_text())
        self.stderr = stderr
        self.status, self.message = self.data["status"], self.data["message"]
        self.width, self.height = self.data["width"], self.data["height"]
        self.layers = self.data["layers"]
        self.calls = [tuple(call) for call in self.data["calls"]]
        self.progress = [tuple(entry) for entry in self.data["progress"]]
        self.selection = np.frombuffer((out / "selection.gray").read_bytes(), np.uint8).reshape(
            self.height, self.width)

    def pixels(self, layer: dict) -> np.ndarray:
        return np.frombuffer(Path(layer["file"]).read_bytes(), np.uint8).reshape(
            layer["height"], layer["width"], 4)

    def alpha_in_document(self, layer: dict) -> np.ndarray:
        """The layer's alpha placed at its offsets on a document-sized canvas."""
        canvas = np.zeros((self.height, self.width), np.uint8)
        alpha = self.pixels(layer)[..., 3]
        x, y = layer["x"], layer["y"]
        x0, y0 = max(x, 0), max(y, 0)
        x1, y1 = min(x + layer["width"], self.width), min(y + layer["height"], self.height)
        canvas[y0:y1, x0:x1] = alpha[y0 - y:y1 - y, x0 - x:x1 - x]
        return canvas
