"""What the content policy costs per job: the prompt blocklist on submit, the image check per image.

    .venv/bin/python bench/policy.py [--runs 20] [--full-size]

(1) blocklist: the built-in list (plus N generated rules, --extra-rules) against prompts of 300 and
    10,000 characters; baseline: casefold + a \\w+ regex split of the same text (what a naive
    word-boundary check would cost at least). Prints median ms and the ratio to the baseline.
(2) image check (--full-size): a random-weight CLIP ViT-L/14 safety checker (the published
    architecture) on a 512x512 image on this machine's CPU; baseline: its preprocessing alone.
Not a test; figures go to bench/RESULTS.md with date and machine.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _median_ms(fn, runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def bench_blocklist(runs: int, extra_rules: int) -> None:
    from underpaint.policy.blocklist import Blocklist, read_blocklist, rule_from_text
    from underpaint.policy.settings import BUILTIN_DIR

    rules = read_blocklist(BUILTIN_DIR / "celebrities.txt")
    rules += [rule_from_text(f"Person{i} Surname{i} | Персона{i} Фамилия{i}", "bench") for i in range(extra_rules)]
    blocklist = Blocklist(rules)
    base = "a highly detailed (oil painting:1.2) of a lighthouse at dusk, dramatic clouds, 35mm, "
    print(f"blocklist: {len(rules)} rules")
    for size in (300, 10_000):
        text = (base * (size // len(base) + 1))[:size]
        check = _median_ms(lambda: blocklist.find(text), runs)
        naive = _median_ms(lambda: re.findall(r"\w+", text.casefold()), runs)
        print(f"  {size:>6} chars: {check:8.2f} ms   baseline {naive:6.3f} ms   ratio {check / naive:6.1f}x")


def bench_image_check(runs: int) -> None:
    import numpy as np

    from underpaint.policy.image_check import ImageChecker, _prepare
    from tests.policy.safety_checker import FLAG_NONE, FULL_VISION, build_checker

    with tempfile.TemporaryDirectory() as models:
        build_checker(FLAG_NONE, FULL_VISION, projection_dim=768).save_pretrained(Path(models) / "safety")
        checker = ImageChecker(Path(models))
        image = np.random.default_rng(0).integers(0, 256, (512, 512, 3), dtype=np.uint8)
        start = time.perf_counter()
        checker.load("cpu")
        load = time.perf_counter() - start
        check = _median_ms(lambda: checker.flagged(image, "cpu"), runs)
        prep = _median_ms(lambda: _prepare(image, 224, (0.5,) * 3, (0.5,) * 3), runs)
        print(f"image check (ViT-L/14, CPU): load {load:.1f} s; {check:.0f} ms per 512x512 image; "
              f"preprocessing alone {prep:.1f} ms (ratio {check / prep:.0f}x)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--extra-rules", type=int, default=0, help="generated rules added to the built-in list")
    ap.add_argument("--full-size", action="store_true", help="also time the full-size image check (~1 min)")
    args = ap.parse_args()
    bench_blocklist(args.runs, args.extra_rules)
    if args.extra_rules == 0:
        bench_blocklist(args.runs, 1000)
    if args.full_size:
        bench_image_check(max(3, args.runs // 4))


if __name__ == "__main__":
    main()
