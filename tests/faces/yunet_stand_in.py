"""A stand-in for OpenCV Zoo's YuNet face detector: an ONNX graph with YuNet's twelve outputs
(cls/obj/bbox/kps at strides 8, 16, 32) that cv2.FaceDetectorYN loads and decodes like the real
one. It "detects" every bright 32x32 cell of the stride-32 grid, as a box of that cell with five
fixed landmarks inside it, so tests know exactly what a correct decode gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np

# Landmarks inside the cell, as fractions: right eye, left eye, nose, right and left mouth corner.
LANDMARKS = np.array([0.3, 0.4, 0.7, 0.4, 0.5, 0.55, 0.35, 0.75, 0.65, 0.75], np.float32)
STRIDE = 32


def write_yunet_stand_in(path: Path) -> Path:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []

    def const(name, value):
        inits.append(numpy_helper.from_array(np.asarray(value, np.float32), name))
        return name

    # Brightness 0..1 of each pixel (FaceDetectorYN feeds BGR 0..255).
    nodes.append(helper.make_node("Conv", ["input", const("gray_w", np.full((1, 3, 1, 1), 1 / 765))], ["gray"]))
    outputs = []
    for s in (8, 16, 32):
        nodes.append(helper.make_node("AveragePool", ["gray"], [f"pool{s}"], kernel_shape=[s, s], strides=[s, s]))
        inits.append(numpy_helper.from_array(np.array([1, -1, 1], np.int64), f"shape{s}"))
        nodes.append(helper.make_node("Reshape", [f"pool{s}", f"shape{s}"], [f"flat{s}"]))
        # Only stride 32 fires: score = sigmoid(40 (brightness - 0.9)); the others sigmoid(-20).
        nodes.append(helper.make_node("Sub", [f"flat{s}", const(f"t{s}", 0.9)], [f"d{s}"]))
        nodes.append(helper.make_node("Mul", [f"d{s}", const(f"k{s}", 40.0 if s == STRIDE else 0.0)], [f"m{s}"]))
        nodes.append(helper.make_node("Add", [f"m{s}", const(f"b{s}", 0.0 if s == STRIDE else -20.0)], [f"l{s}"]))
        nodes.append(helper.make_node("Sigmoid", [f"l{s}"], [f"cls_{s}"]))
        nodes.append(helper.make_node("Identity", [f"cls_{s}"], [f"obj_{s}"]))
        for name, value in (("bbox", [0.5, 0.5, 0.0, 0.0]), ("kps", LANDMARKS)):  # one cell, centred
            width = len(value)
            nodes.append(helper.make_node("Mul", [f"flat{s}", const(f"z{name}{s}", np.zeros((1, 1, width)))],
                                          [f"zero{name}{s}"]))
            nodes.append(helper.make_node("Add", [f"zero{name}{s}", const(f"v{name}{s}", [[value]])],
                                          [f"{name}_{s}"]))
        for name, width in (("cls", 1), ("obj", 1), ("bbox", 4), ("kps", 10)):
            outputs.append((f"{name}_{s}", width))
    order = [f"{n}_{s}" for n in ("cls", "obj", "bbox", "kps") for s in (8, 16, 32)]
    widths = dict(outputs)
    graph = helper.make_graph(
        nodes, "yunet_stand_in",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, "h", "w"])],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, "n", widths[n]]) for n in order], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path
