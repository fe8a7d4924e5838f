"""Benchmark the Gradient descent page: its figure sizes and its server-side rerun time.

    python bench/bench_descent_page.py            # full run
    python bench/bench_descent_page.py --quick    # fewer repeats

1. The animated figure for 4 optimizers × 200 steps (Rosenbrock, none converging early, so
   200 frames), as Streamlit sends it (``plotly.io.to_json(fig.to_dict())``), built by the
   page's own cached builder: target ≤ 300 KB (normal and projector style). The basins and
   loss figures are printed beside it.
2. AppTest reruns of the page (warm caches, median): an unchanged rerun, and a rerun
   after a learning-rate change whose runs are already cached (the slider moving back and
   forth); target < 200 ms. Each is printed as a ratio to the target and to a minimal
   one-widget page (bench/minimal_app.py) timed in the same run. A rerun with a new,
   uncached rate (runs, basins and figures recomputed) is printed for information.

Prints PASS/FAIL per line; always exits 0 (speed is reported, never asserted in tests).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import plotly.io  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from gradapp import descent_view as dv  # noqa: E402
from gradcore._descentcalc import LR_GRID  # noqa: E402

ROSEN = "(1 - x)^2 + 100(y - x^2)^2"
HIMMELBLAU = "(x^2 + y - 11)^2 + (x + y^2 - 7)^2"
FOUR = (dv.Run("gd", 0.001), dv.Run("momentum", 0.0005, (("momentum", 0.9),)),
        dv.Run("rmsprop", 0.01, (("alpha", 0.99), ("momentum", 0.0))),
        dv.Run("adam", 0.05, (("betas", (0.9, 0.999)),)))


def _kb(fig) -> float:
    return len(plotly.io.to_json(fig.to_dict(), validate=False)) / 1000


def _row(name: str, value: float, unit: str, target: float | None = None,
         baseline: float | None = None) -> None:
    line = f"{name:<58} {value:9.1f} {unit:<3}"
    if target is not None:
        line += f" target {target:g} {unit:<3} ratio {value / target:5.2f}"
    if baseline:
        line += f"  x minimal page {value / baseline:5.1f}"
    if target is not None:
        line += "  PASS" if value <= target else "  FAIL"
    print(line)


def sizes() -> None:
    start, steps = (-1.5, 2.0), 200
    paths = dv.run_paths(ROSEN, FOUR, start, steps, False)
    taken = [p.steps_taken for p in paths]
    for style in ("normal", "projector"):
        window = ((-2.0, 2.0), (-1.0, 3.0))
        fig = dv.animation(ROSEN, FOUR, start, steps, False, window, style)
        _row(f"animation JSON, 4 x 200 steps ({style}, {len(fig.frames)} frames)", _kb(fig),
             "KB", 300)
    assert min(taken) == steps, taken  # every run took all 200 steps
    fig = dv.loss_chart(ROSEN, FOUR, start, steps, False, "value", "normal")
    _row("loss chart JSON (4 x 200 steps)", _kb(fig), "KB")
    run = dv.Run("gd", 0.007)
    window = ((-5.0, 5.0), (-5.0, 5.0))
    fig = dv.basin_chart(HIMMELBLAU, run, window, 20, 100, "normal")
    _row("basins JSON (20 x 20 starts, Himmelblau)", _kb(fig), "KB")


def _median_ms(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        action()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def reruns(repeats: int) -> None:
    minimal = AppTest.from_file(str(ROOT / "bench" / "minimal_app.py"), default_timeout=60)
    minimal.run()
    for _ in range(3):
        minimal.run()
    base = _median_ms(minimal.run, repeats)
    _row("minimal one-widget page: rerun, median", base, "ms")

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["f"] = ROSEN
    at.query_params["p"] = "-1.5,2"
    at.run()
    at.switch_page("pages/descent.py").run()
    assert not at.exception, at.exception
    at.multiselect(key=dv.W_METHODS).set_value(["gd", "momentum", "rmsprop", "adam"]).run()
    at.slider(key=dv.W_STEPS).set_value(200).run()
    for _ in range(3):
        at.run()
    _row("descent page (4 optimizers x 200 steps): rerun, median", _median_ms(at.run, repeats),
         "ms", 200, base)

    slider = "descent_lr_adam"
    rates = [0.05, 0.06]
    for r in rates:  # warm both
        at.select_slider(key=slider).set_value(r).run()
    state = {"i": 0}

    def toggle() -> None:
        state["i"] += 1
        at.select_slider(key=slider).set_value(rates[state["i"] % 2]).run()

    _row("descent page: learning rate changed (cached runs), median",
         _median_ms(toggle, repeats), "ms", 200, base)

    fresh = iter([r for r in LR_GRID if 0.0001 <= r <= 0.5 and r not in rates])

    def new_rate() -> None:
        at.select_slider(key=slider).set_value(next(fresh)).run()

    n = min(repeats, 20)
    _row("descent page: new learning rate (uncached: runs + figures), median",
         _median_ms(new_rate, n), "ms", None, base)
    assert not at.exception, at.exception


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    args = ap.parse_args()
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    sizes()
    reruns(10 if args.quick else 40)


if __name__ == "__main__":
    main()
