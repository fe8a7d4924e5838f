"""Benchmark gradcore's optimizers against hand-written numpy, measured in the same run.

    python bench/bench_descent.py            # full run
    python bench/bench_descent.py --quick    # fewer repeats

1. 10,000 starts × 500 Adam steps with ``descend_many`` against the same Adam loop written
   by hand in numpy with a hand-written gradient (Himmelblau, Rosenbrock). Target: ratio
   ≤ 1.2. ``descend_many`` runs with tol=0 so every start takes all 500 steps, like the
   hand-written loop (which has no stopping tests at all); its finiteness and bound tests
   are included in its time. Runs alternate (ours, hand, ours, ...) and the medians of
   their CPU times (``time.process_time``: steadier than wall time on a shared machine;
   both are single-threaded) are compared; the wall-time ratio is printed beside it.
2. One path of 1,000 steps with ``descend`` (target < 20 ms) for each method.

Prints PASS/FAIL per line; always exits 0 (speed is reported, never asserted in tests).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gradcore import parse  # noqa: E402
from gradcore._descent import METHODS, descend, descend_many  # noqa: E402

B1, B2, EPS = 0.9, 0.999, 1e-8


def _grad_himmelblau(x, y):
    a = x * x + y - 11
    b = x + y * y - 7
    return 4 * x * a + 2 * b, 2 * a + 4 * y * b


def _grad_rosenbrock(x, y):
    d = y - x * x
    return -2 * (1 - x) - 400 * x * d, 200 * d


def hand_adam(grad, starts: np.ndarray, steps: int, lr: float):
    """Textbook Adam (torch.optim.Adam's documented update) in plain numpy."""
    x = starts[:, 0].copy()
    y = starts[:, 1].copy()
    mx = np.zeros_like(x)
    my = np.zeros_like(x)
    vx = np.zeros_like(x)
    vy = np.zeros_like(x)
    for t in range(1, steps + 1):
        gx, gy = grad(x, y)
        mx = B1 * mx + (1 - B1) * gx
        my = B1 * my + (1 - B1) * gy
        vx = B2 * vx + (1 - B2) * gx * gx
        vy = B2 * vy + (1 - B2) * gy * gy
        bc1 = 1 - B1**t
        bc2 = 1 - B2**t
        x = x - lr * (mx / bc1) / (np.sqrt(vx / bc2) + EPS)
        y = y - lr * (my / bc1) / (np.sqrt(vy / bc2) + EPS)
    return np.stack([x, y], axis=1)


CASES = [
    ("Himmelblau", "(x^2 + y - 11)^2 + (x + y^2 - 7)^2", _grad_himmelblau, (-5, 5), 0.05),
    ("Rosenbrock", "(1 - x)^2 + 100(y - x^2)^2", _grad_rosenbrock, (-2, 2), 0.01),
]


def _mark(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def bench_many(repeats: int, m: int = 10_000, steps: int = 500) -> None:
    print(f"descend_many: {m:,} starts × {steps} Adam steps vs hand-written numpy "
          f"(medians of {repeats} alternating runs; target ratio ≤ 1.2)")
    rng = np.random.default_rng(0)
    with np.errstate(all="ignore"):
        for name, text, grad, (lo, hi), lr in CASES:
            fn = parse(text)
            starts = rng.uniform(lo, hi, (m, 2))
            descend_many(fn, starts[:10], "adam", lr=lr, steps=2)  # compile once
            ours, hand = [], []
            for _ in range(repeats):
                res, wall, cpu = _timed(
                    lambda fn=fn, starts=starts, lr=lr: descend_many(
                        fn, starts, "adam", lr=lr, steps=steps, tol=0))
                ours.append((wall, cpu))
                ref, wall, cpu = _timed(
                    lambda grad=grad, starts=starts, lr=lr: hand_adam(grad, starts, steps, lr))
                hand.append((wall, cpu))
            wall_a, cpu_a = (statistics.median(x) for x in zip(*ours, strict=True))
            wall_b, cpu_b = (statistics.median(x) for x in zip(*hand, strict=True))
            ratio = cpu_a / cpu_b
            agree = np.nanmax(np.abs(res.final - ref) / np.maximum(1, np.abs(ref)))
            print(f"  {name:<11} descend_many {cpu_a * 1e3:6.1f} ms   hand {cpu_b * 1e3:6.1f} ms"
                  f"   ratio {ratio:4.2f} (CPU time; wall {wall_a / wall_b:4.2f})   "
                  f"{_mark(ratio <= 1.2)}")
            _, wall, cpu = _timed(lambda fn=fn, starts=starts, lr=lr: descend_many(
                fn, starts, "adam", lr=lr, steps=steps))
            res = descend_many(fn, starts, "adam", lr=lr, steps=steps)
            print(f"  {'':<11} same finals as hand to {agree:.0e} (relative); with the default "
                  f"tol=1e-8: {cpu * 1e3:.1f} ms, {res.counts()['converged']:,} of {m:,} "
                  f"converged early")


def bench_one(repeats: int, steps: int = 1000) -> None:
    print(f"descend: one path of {steps:,} steps (best of {repeats}; target < 20 ms)")
    fn = parse("(x^2 + y - 11)^2 + (x + y^2 - 7)^2")
    for method in METHODS:
        lr = 0.001 if method in ("gd", "momentum", "nesterov") else 0.05
        descend(fn, (0.0, 0.0), method, lr=lr, steps=2)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            path = descend(fn, (0.0, 0.0), method, lr=lr, steps=steps, tol=0)
            times.append(time.perf_counter() - t0)
        best = min(times) * 1e3
        print(f"  {method:<9} {best:6.2f} ms  ({path.steps_taken} steps, {path.status})  "
              f"{best / 20:4.2f}× target   {_mark(best < 20)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    args = ap.parse_args()
    bench_many(5 if args.quick else 9)
    bench_one(3 if args.quick else 10)


if __name__ == "__main__":
    main()
