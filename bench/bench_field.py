"""Benchmark the gradient-field geometry and the size of the Plotly figures.

    python bench/bench_field.py            # full run
    python bench/bench_field.py --quick    # fewer repeats

Targets: arrows for a 40×40 grid < 5 ms (median); default contour figure (100×100 float32
grid + 20×20 arrows + point, gradient and tangent) ≤ 400 KB of JSON; 4 paths × 200 steps
descent animation over a 100×100 contour ≤ 300 KB.  Prints each value as a ratio to its
target (≤ 1.0 is on target); exits 0 (speed is reported, never asserted in tests).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gradapp import figures as G  # noqa: E402
from gradcore import _field as F  # noqa: E402


def _median_ms(fn, repeats: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def _row(name: str, value: float, unit: str, target: float) -> None:
    print(f"{name:<46} {value:9.3f} {unit:<3} target {target:g} {unit:<3} "
          f"ratio {value / target:5.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    args = ap.parse_args()
    repeats = 50 if args.quick else 500

    # --- arrows on a 40×40 grid (Himmelblau gradient)
    xs = np.linspace(-5, 5, 40)
    X, Y = np.meshgrid(xs, xs)
    a = X**2 + Y - 11
    b = X + Y**2 - 7
    U, V = 4 * X * a + 2 * b, 2 * a + 4 * Y * b
    for scale in ("normalized", "true"):
        ms = _median_ms(lambda s=scale: F.arrows(X, Y, U, V, scale=s), repeats)
        _row(f"arrows 40x40 ({scale}), median", ms, "ms", 5.0)
    arr = F.arrows(X, Y, U, V, scale="true")
    ms = _median_ms(lambda: F.bin_arrows(arr, 6), repeats)
    _row("bin_arrows 40x40 into 6 bins, median", ms, "ms", 5.0)

    # --- default contour figure: 100×100 float32 grid + 20×20 arrows
    gx = np.linspace(-5, 5, 100)
    GX, GY = np.meshgrid(gx, gx)
    Z = ((GX**2 + GY - 11) ** 2 + (GX + GY**2 - 7) ** 2).astype(np.float32)
    ax = np.linspace(-5, 5, 20)
    AX, AY = np.meshgrid(ax, ax)
    a2, b2 = AX**2 + AY - 11, AX + AY**2 - 7
    arrows20 = F.arrows(AX, AY, 4 * AX * a2 + 2 * b2, 2 * a2 + 4 * AY * b2)
    p, g = np.array([1.0, 1.0]), np.array([-46.0, -38.0])
    levels = F.level_map(gx, gx, Z)  # the page's cached loader hands this in
    ms = _median_ms(lambda: F.level_map(gx, gx, Z), max(5, repeats // 20))
    print(f"{'level_map (levels + label places), median':<46} {ms:9.3f} ms")
    for style in (G.Style.normal(), G.Style.projector()):
        fig = G.contour_figure(gx, gx, Z, arrows=arrows20, point=p, point_grad=g,
                               tangent=F.tangent_segment(p, g, 0.8), style=style,
                               levels=levels)
        _row(f"contour figure JSON ({style.name})", len(fig.to_json()) / 1000, "KB", 400)
    Zn = Z.copy()
    Zn[:, :30] = np.nan
    fig = G.contour_figure(gx, gx, Zn, arrows=arrows20, point=p, point_grad=g)
    _row("contour figure JSON (30% undefined)", len(fig.to_json()) / 1000, "KB", 400)
    ms = _median_ms(lambda: G.contour_figure(gx, gx, Z, arrows=arrows20, point=p,
                                             point_grad=g, levels=levels).to_json(),
                    max(5, repeats // 20))
    print(f"{'contour figure build + to_json, median':<46} {ms:9.3f} ms")

    # --- 4 paths × 200 steps descent animation
    rng = np.random.default_rng(0)
    paths = []
    for _ in range(4):
        t = np.linspace(0, 1, 200)[:, None]
        paths.append(rng.uniform(-4, 4, 2) * (1 - t) ** 3 + 0.02 * rng.normal(size=(200, 2)))
    lines = F.level_map(gx, gx, Z, lines=True)
    fig = G.descent_figure(gx, gx, Z, paths, labels=["GD", "Momentum", "RMSProp", "Adam"],
                           style=G.Style.projector(), levels=lines)
    _row("descent animation JSON (4 x 200, 100x100)", len(fig.to_json()) / 1000, "KB", 300)
    ms = _median_ms(lambda: G.descent_figure(gx, gx, Z, paths, labels=list("abcd"),
                                             levels=lines).to_json(), max(5, repeats // 20))
    print(f"{'descent figure build + to_json, median':<46} {ms:9.3f} ms")


if __name__ == "__main__":
    main()
