"""Benchmark the Partial derivatives page: its rerun after the point changes, with AppTest.

    python bench/bench_partials.py            # 30 warm reruns per case
    python bench/bench_partials.py --quick    # 10

Each case opens the app on a share link, switches to pages/partials.py, warms up, then
changes x in the point number input to a new value before every rerun (so the per-point
work — the compiled evaluations, the kink check and the one exact display substitution in
the bounded worker — really runs each time; the per-function work is cached, as in the
app). The median rerun is compared with the 100 ms target and with a minimal one-widget page
(a number input and one st.latex) measured the same way in the same run.

AppTest re-runs only the page script on reruns (see tests/test_page_partials.py); the real
server also re-runs app.py, which is cheap. Prints ratios; always exits 0 (speed is
reported, never asserted in tests).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

TARGET_MS = 100.0

CASES = [  # (name, f, p)
    ("seed bowl x²+y²", "x^2 + y^2", "1,2"),
    ("seed xyz (3 variables)", "xyz", "1,2,3"),
    ("Rosenbrock", "(1 - x)^2 + 100(y - x^2)^2", "-1,2"),
    ("logistic log-loss", "log(1 + e^(b - 2w)) + log(1 + e^(w - b)) + "
     "log(1 + e^(0.5w + b)) + log(1 + e^(-w - b)) + log(1 + e^(-2w - b))", "1,0.5"),
    ("kink |x|+|y|", "|x| + |y|", "0,1"),
    ("big (x+y+1)^100 sin(x)^100", "(x+y+1)^100 sin(x)^100", "1,2"),
]

MINIMAL_PAGE = '''
import streamlit as st
x = st.number_input("x =", value=1.0, key="x", format="%g")
st.latex(r"x^{2} = " + f"{x * x:g}")
'''


def _time_reruns(at: AppTest, key: str, n: int, warmup: int, start: float) -> list[float]:
    times = []
    for i in range(warmup + n):
        widget = at.number_input(key=key)
        widget.set_value(round(start + 0.01 * (i + 1), 4))
        t0 = time.perf_counter()
        at.run()
        dt = time.perf_counter() - t0
        if at.exception:
            raise RuntimeError(f"the page failed: {at.exception}")
        if i >= warmup:
            times.append(dt)
    return times


def bench_minimal(n: int, warmup: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "minimal.py"
        page.write_text(MINIMAL_PAGE)
        at = AppTest.from_file(str(page), default_timeout=60)
        at.run()
        return statistics.median(_time_reruns(at, "x", n, warmup, 1.0))


def bench_case(f: str, p: str, n: int, warmup: int) -> tuple[float, float, float]:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["f"] = f
    at.query_params["p"] = p
    at.run()
    t0 = time.perf_counter()
    at.switch_page("pages/partials.py").run()
    first = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError(f"the page failed: {at.exception}")
    start = float(p.split(",")[0])
    key = at.number_input[0].key  # the first variable's input (x, or b for the log-loss)
    times = _time_reruns(at, key, n, warmup, start)
    return first, statistics.median(times), max(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10 reruns instead of 30")
    args = ap.parse_args()
    n = 10 if args.quick else 30
    warmup = 3

    base = bench_minimal(n, warmup)
    print(f"Partial derivatives page: rerun after changing the point (median of {n} warm "
          "reruns, AppTest)")
    print(f"baseline: minimal one-widget page {base * 1000:7.1f} ms")
    print(f"{'case':30s} {'first load':>11s} {'median':>9s} {'max':>9s} "
          f"{'÷ target':>9s} {'÷ baseline':>11s}")
    worst = 0.0
    for name, f, p in CASES:
        try:
            first, med, worst_case = bench_case(f, p, n, warmup)
        except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not stop
            print(f"{name:30s} FAILED: {exc}")
            continue
        worst = max(worst, med)
        print(f"{name:30s} {first * 1000:9.0f} ms {med * 1000:6.1f} ms {worst_case * 1000:6.1f} ms"
              f" {med * 1000 / TARGET_MS:9.2f} {med / base:11.1f}x")
    verdict = "PASS" if worst * 1000 <= TARGET_MS else "FAIL"
    print(f"{verdict}: slowest median {worst * 1000:.1f} ms against the {TARGET_MS:.0f} ms "
          "target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
