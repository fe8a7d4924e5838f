"""Benchmark gradcore's core: f-and-gradient on grids against hand-written numpy (measured
in the same run), and the time to prepare a function (parse + differentiate + compile).

    python bench/bench_core.py            # full run
    python bench/bench_core.py --quick    # smaller repeat counts

Targets (issue #2): grid ratio at most 1.3 (aim 1.0); preparing any gallery function under
150 ms warm. Prints ratios; exits 0 (speed is reported, never asserted in tests).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import gradcore as gc  # noqa: E402
from gradcore import _calculus  # noqa: E402


def _bowl(X, Y):
    return X**2 + Y**2, 2 * X, 2 * Y


def _rosenbrock(X, Y):
    a = 1 - X
    b = Y - X**2
    return a**2 + 100 * b**2, -2 * a - 400 * X * b, 200 * b


def _himmelblau(X, Y):
    a = X**2 + Y - 11
    b = X + Y**2 - 7
    return a**2 + b**2, 4 * X * a + 2 * b, 2 * a + 4 * Y * b


def _trig(X, Y):
    s, c = np.sin(X), np.cos(Y)
    return s * c, np.cos(X) * c, -s * np.sin(Y)


def _gauss(X, Y):
    e = np.exp(-(X**2) - Y**2)
    return e, -2 * X * e, -2 * Y * e


def _rastrigin(X, Y):
    tp = 2 * np.pi
    f = 20 + X**2 - 10 * np.cos(tp * X) + Y**2 - 10 * np.cos(tp * Y)
    return f, 2 * X + 10 * tp * np.sin(tp * X), 2 * Y + 10 * tp * np.sin(tp * Y)


SUITE = [
    ("bowl", "x^2 + y^2", _bowl),
    ("rosenbrock", "(1 - x)^2 + 100(y - x^2)^2", _rosenbrock),
    ("himmelblau", "(x^2 + y - 11)^2 + (x + y^2 - 7)^2", _himmelblau),
    ("trig", "sin(x) cos(y)", _trig),
    ("gaussian", "e^(-x^2 - y^2)", _gauss),
    ("rastrigin", "20 + x^2 - 10cos(2pi x) + y^2 - 10cos(2pi y)", _rastrigin),
]


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _paired_medians(a, b, repeats: int) -> tuple[float, float]:
    """Median times of a and b, run alternately so both see the same machine noise."""
    a(), b()  # warm up
    ta, tb = [], []
    for _ in range(repeats):
        for fn, out in ((a, ta), (b, tb)):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    return statistics.median(ta), statistics.median(tb)


def bench_grids(repeats: int) -> list[float]:
    print("f and ∇f on a grid: gradcore.evaluate_grid vs hand-written numpy (same run)")
    print(f"{'function':12} {'grid':>6} {'numpy ms':>9} {'gradcore ms':>12} {'ratio':>6}")
    ratios = []
    for name, text, hand in SUITE:
        fn = gc.parse(text)
        gc.compile_function(fn)  # compile once, as the app does
        for n in (100, 400, 1000):
            reps = repeats if n < 1000 else max(3, repeats // 3)

            def baseline(n=n, hand=hand):
                xs = np.linspace(-2, 2, n)
                ys = np.linspace(-2, 2, n)
                X, Y = np.meshgrid(xs, ys)
                return hand(X, Y)

            def ours(n=n, fn=fn):
                return gc.evaluate_grid(fn, {"x": (-2, 2), "y": (-2, 2)}, n)

            base, mine = _paired_medians(baseline, ours, reps)
            ratio = mine / base
            ratios.append(ratio)
            print(f"{name:12} {n:>5}² {base * 1e3:9.2f} {mine * 1e3:12.2f} {ratio:6.2f}")
    worst = max(ratios)
    print(f"grid ratio: median {statistics.median(ratios):.2f}, worst {worst:.2f} "
          f"(target ≤ 1.3) {'PASS' if worst <= 1.3 else 'FAIL'}")
    return ratios


def bench_prepare(repeats: int) -> None:
    print("\nprepare = parse + differentiate + compile (warm: sympy imported, caches cleared)")
    texts = [(ex.name, ex.text) for ex in gc.GALLERY]
    worst = 0.0
    for name, text in texts:
        def prepare(text=text):
            gc.compile_function.cache_clear()
            _calculus._CACHE.clear()
            fn = gc.parse(text)
            gc.compile_function(fn)

        t = _median_time(prepare, repeats)
        worst = max(worst, t)
        print(f"  {name:28} {t * 1e3:7.1f} ms  ratio to 150 ms target {t / 0.150:5.2f}")
    print(f"worst prepare {worst * 1e3:.1f} ms (target < 150 ms) "
          f"{'PASS' if worst < 0.150 else 'FAIL'}")

    print("\nanalyze (gradient + Hessian in the bounded worker, then compile), warm worker")
    gc.analyze(gc.parse("x + y"))
    for name, text in texts[-3:]:
        def full(text=text):
            gc.compile_function.cache_clear()
            _calculus._CACHE.clear()
            gc.analyze(gc.parse(text))

        print(f"  {name:28} {_median_time(full, max(3, repeats // 2)) * 1e3:7.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    repeats = 5 if args.quick else 15
    bench_grids(repeats)
    bench_prepare(repeats)


if __name__ == "__main__":
    main()
