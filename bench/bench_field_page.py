"""Benchmark of the Gradient field page against its targets (prints ratios; exits 0).

Targets at default settings:
* figure JSON at most 400 KB (as Streamlit sends it: the chart's spec; and
  ``len(fig.to_json())`` of the default figure built directly);
* server-side rerun after a slider change under 150 ms median (AppTest, warm);
* arrows for a 40 × 40 grid built in under 5 ms (grid evaluation + arrow geometry).

A baseline measured in the same run puts the rerun time in context: the Function page's
rerun after a text change (a page with no plot).

Run: python bench/bench_field_page.py [--reruns 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import gradcore as gc  # noqa: E402
from gradapp import figures as G  # noqa: E402
from gradcore import _field as F  # noqa: E402
from gradcore import _fieldcalc as fc  # noqa: E402

JSON_TARGET = 400_000
RERUN_TARGET = 0.150
ARROWS_TARGET = 0.005
BOWL = "x^2 + y^2"
HIMMELBLAU = gc.example("Himmelblau").text


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def line(what: str, value: str, ratio: float | None = None) -> None:
    tail = f"   {ratio:5.2f}x target" if ratio is not None else ""
    print(f"  {what:<68} {value:>12}{tail}")


def default_figure(text: str = BOWL):
    """The page's default 2-D figure, built the way pages/field.py builds it."""
    fn = gc.parse(text)
    window = fc.default_window(fn)
    grid = gc.evaluate_grid(fn, dict(zip(fn.names, window, strict=True)), 101)
    ag = gc.evaluate_grid(fn, dict(zip(fn.names, fc.arrow_ranges(window, 20), strict=True)),
                          20)
    AX, AY = np.meshgrid(*ag.axes)
    arr = F.arrows(AX, AY, ag.grads[0], ag.grads[1], scale="true")
    p = np.array([1.0, 2.0])
    g = gc.gradient_at(fn, p)
    t = fc.level_curve_tangent(fn, p, radius=6e-3)
    return G.contour_figure(grid.axes[0], grid.axes[1], grid.values, arrows=arr, point=p,
                            point_grad=g, tangent=np.vstack([p - 0.9 * t, p + 0.9 * t]),
                            click_resolution=60,
                            levels=F.level_map(grid.axes[0], grid.axes[1], grid.values))


def bench_json() -> None:
    from streamlit.testing.v1 import AppTest

    print("Figure JSON (target <= 400 KB)")
    js = default_figure().to_json()
    line("default figure, len(fig.to_json()), x^2 + y^2", f"{len(js) / 1e3:.0f} KB",
         len(js) / JSON_TARGET)
    cases = [
        ("2D map, x^2 + y^2", BOWL, {}, None),
        ("2D map, Himmelblau, colour = |∇f|", HIMMELBLAU, {"arrows": "unit"}, None),
        ("2D map, log(x) + y (undefined half)", "log(x) + y", {}, None),
        ("2D map at max resolution 181, 40 arrows", BOWL, {"res": "181", "dens": "40"},
         "max"),
        ("3D surface, x^2 + y^2", BOWL, {"view": "3d"}, None),
        ("slice z = c, xyz", "xyz", {"p": "1,2,3"}, None),
        ("level surface, xyz (22^3 default)", "xyz", {"p": "1,2,3", "view": "3d"}, None),
        ("level surface, x^2+y^2+z^2 at max grid 24^3", "x^2 + y^2 + z^2",
         {"p": "1,1,1", "view": "3d", "res3": "24"}, "max"),
    ]
    for label, text, query, note in cases:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.query_params["f"] = text
        for k, v in query.items():
            at.query_params[k] = v
        at.run()
        at.switch_page("pages/field.py").run()
        specs = [c.proto.spec for c in at.get("plotly_chart")]
        size = max(len(s) for s in specs) if specs else 0
        line(f"{label} (sent spec{', not default' if note else ''})",
             f"{size / 1e3:.0f} KB", size / JSON_TARGET)


def bench_arrows() -> None:
    print("Arrows for a 40 x 40 grid (target < 5 ms)")
    fn = gc.parse(HIMMELBLAU)
    window = fc.default_window(fn)
    ranges = dict(zip(fn.names, fc.arrow_ranges(window, 40), strict=True))
    gc.evaluate_grid(fn, ranges, 40)

    def build(binned: bool):
        ag = gc.evaluate_grid(fn, ranges, 40)
        AX, AY = np.meshgrid(*ag.axes)
        arr = F.arrows(AX, AY, ag.grads[0], ag.grads[1], scale="normalized")
        return F.bin_arrows(arr, 6) if binned else arr

    ag = gc.evaluate_grid(fn, ranges, 40)
    AX, AY = np.meshgrid(*ag.axes)
    t_geom = median_time(lambda: F.arrows(AX, AY, ag.grads[0], ag.grads[1]), 200)
    t_all = median_time(lambda: build(False), 200)
    t_bins = median_time(lambda: build(True), 200)
    line("arrow geometry only (_field.arrows)", f"{t_geom * 1e3:.2f} ms", t_geom / ARROWS_TARGET)
    line("evaluate 40x40 grad + arrows", f"{t_all * 1e3:.2f} ms", t_all / ARROWS_TARGET)
    line("evaluate + arrows + 6 magnitude bins", f"{t_bins * 1e3:.2f} ms",
         t_bins / ARROWS_TARGET)


def bench_rerun(reruns: int) -> None:
    from streamlit.testing.v1 import AppTest

    print(f"Server-side rerun after a widget change, AppTest, warm, median of {reruns} "
          "(target < 150 ms)")

    def field_app(text: str, **query) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.query_params["f"] = text
        for k, v in query.items():
            at.query_params[k] = v
        at.run()
        return at.switch_page("pages/field.py").run()

    def timed(at: AppTest, change, values) -> float:
        for v in values:  # warm: caches filled for every value used
            change(at, v).run()
        times = []
        for i in range(reruns):
            widget = change(at, values[i % len(values)])
            t = time.perf_counter()
            widget.run()
            times.append(time.perf_counter() - t)
        assert not at.exception, at.exception
        return statistics.median(times)

    # baseline: the Function page, text change (no plot)
    base = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    t_base = timed(base, lambda at, v: at.text_input(key="fn_input").set_value(v),
                   ["x^2 + y^2", "x^2 + 3y"])
    line("baseline: Function page, new text", f"{t_base * 1e3:.0f} ms")

    cases = [
        ("2D map: arrows-per-side slider", BOWL, {},
         lambda at, v: at.slider(key="field_dens").set_value(v), [19, 20]),
        ("2D map: move the point (number input)", BOWL, {},
         lambda at, v: at.number_input(key="field_pt_x").set_value(v), [1.0, 1.5]),
        ("2D map, Himmelblau: arrow-length radio", HIMMELBLAU, {},
         lambda at, v: at.radio(key="field_scale").set_value(v), ["unit", "true"]),
        ("3D surface: resolution slider", BOWL, {"view": "3d"},
         lambda at, v: at.slider(key="field_res").set_value(v), [81, 101]),
        ("slice, xyz: slice slider", "xyz", {"p": "1,2,3"},
         lambda at, v: at.slider(key="field_slice").set_value(v), [1.0, 2.0]),
        ("level surface, xyz: level slider", "xyz", {"p": "1,2,3", "view": "3d"},
         lambda at, v: at.slider(key="field_level").set_value(v), [4.0, 6.0]),
    ]
    for label, text, query, change, values in cases:
        t = timed(field_app(text, **query), change, values)
        line(label, f"{t * 1e3:.0f} ms  ({t / t_base:.1f}x baseline)", t / RERUN_TARGET)


def bench_figure_build() -> None:
    print("Where the time goes (default 2D figure, median of 20)")
    fig_t = median_time(default_figure, 20)
    fig = default_figure()
    json_t = median_time(fig.to_json, 20)
    line("build default contour figure (plotly validation)", f"{fig_t * 1e3:.1f} ms")
    line("fig.to_json()", f"{json_t * 1e3:.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=30)
    args = parser.parse_args()
    bench_json()
    bench_arrows()
    bench_figure_build()
    bench_rerun(args.reruns)
    return 0


if __name__ == "__main__":
    sys.exit(main())
