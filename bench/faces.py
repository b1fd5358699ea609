"""Face tools: what detection costs against image size, and what restoration costs beyond the
network itself. Prints ratios measured in this run; not a test.

    python bench/faces.py [--sizes 512 1024 2048 4096] [--repeat 3] [--no-restore]

Detection: our one-pass Haar search (all windows, grouped here, scored) against OpenCV's plain
detectMultiScale on the same picture (the astronaut, scaled): the ratio is the price of the score.
Restoration: the whole restore_faces step on the astronaut against the GFPGAN forward pass alone
(random full-size weights): the ratio is what detection, alignment and blending add.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import cv2
import numpy as np


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_detection(sizes, repeat: int) -> None:
    from skimage import data

    from underpaint.finishing.faces_detect import MAX_DETECT_SIDE, HaarDetector, haar_path

    astronaut = data.astronaut()
    ours = HaarDetector()
    cascade = cv2.CascadeClassifier(str(haar_path()))
    print(f"{'size':>6} {'ours ms':>9} {'opencv ms':>10} {'ratio':>6}  faces")
    for size in sizes:
        picture = cv2.resize(astronaut, (size, size), interpolation=cv2.INTER_CUBIC)

        def plain():
            scale = min(1.0, MAX_DETECT_SIDE / size)  # the same search size as ours
            small = cv2.resize(picture, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else picture
            return cascade.detectMultiScale(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), 1.1, 3)

        t_ours = _best(lambda: ours.detect(picture), repeat)
        t_plain = _best(plain, repeat)
        print(f"{size:>6} {t_ours * 1000:>9.1f} {t_plain * 1000:>10.1f} {t_ours / t_plain:>6.2f}  {len(ours.detect(picture))}")


def bench_restore(repeat: int) -> None:
    import tempfile
    from pathlib import Path

    import torch
    from skimage import data

    from underpaint.finishing import face_models
    from underpaint.finishing.faces_demo import write_demo_gfpgan
    from underpaint.finishing.faces_restore import restore_faces
    from underpaint.v1 import underpaint_pb2 as pb

    class Ctx:  # what a job gives a step, minus the event loop
        class cache:
            device = "cpu"

        def annotations(self, index):
            return {}

        def activity(self, *args, **kwargs):
            pass

        def check_cancelled(self):
            pass

    with tempfile.TemporaryDirectory() as tmp:
        write_demo_gfpgan(Path(tmp))
        models = face_models.configure(Path(tmp))
        restorer = models.load_restorer(models.restorer(""), "cpu")
        astronaut = data.astronaut()
        crop = np.random.default_rng(0).integers(0, 256, (512, 512, 3), dtype=np.uint8)
        restore_faces(Ctx(), astronaut, pb.RestoreFacesOptions(), 0)  # warm up
        t_step = _best(lambda: restore_faces(Ctx(), astronaut, pb.RestoreFacesOptions(), 0), repeat)
        t_net = _best(lambda: restorer.restore(crop), repeat)
    print(f"restore_faces on the astronaut (1 face): {t_step:.2f} s; GFPGAN forward alone {t_net:.2f} s; "
          f"ratio {t_step / t_net:.2f} (torch threads {torch.get_num_threads()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 1024, 2048, 4096])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-restore", action="store_true")
    args = parser.parse_args()
    print(f"{platform.machine()}, {platform.python_version()}, load {statistics.mean(__import__('os').getloadavg()):.1f}")
    bench_detection(args.sizes, args.repeat)
    if not args.no_restore:
        bench_restore(max(1, args.repeat // 2))


if __name__ == "__main__":
    main()
