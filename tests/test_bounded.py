"""Symbolic work under a hard time limit, from any thread, with no leaked processes."""

import os
import threading
import time

import numpy as np
import pytest
import sympy as sp
from conftest import child_processes, is_worker

import gradcore as gc
from gradcore import _bounded, _calculus, _descentcalc, _numeric


def test_result_comes_back():
    fn = gc.parse("x^2 + y^2")
    assert gc.run_bounded(gc.gradient, fn) == gc.gradient(fn)


def test_exceptions_are_re_raised():
    fn = gc.parse("x^2")
    with pytest.raises(ValueError, match="not a variable"):
        gc.run_bounded(gc.partial, fn, "q")


def test_only_gradcore_functions_run():
    with pytest.raises(ValueError):
        gc.run_bounded(print, "hello")


def test_overrun_is_stopped_and_the_worker_replaced():
    # sympy's simplify of this derivative takes tens of seconds unbounded
    fn = gc.parse("(x+y+1)^100 sin(x)^100")
    expr = gc.partial(fn, "x")
    start = time.monotonic()
    with pytest.raises(gc.TooComplexError, match="too complex"):
        gc.run_bounded(_calculus._simplify, expr, timeout=0.5)
    assert time.monotonic() - start < 5
    # the pool recovers: the next call works
    assert gc.run_bounded(gc.gradient, gc.parse("x y")) == gc.gradient(gc.parse("x y"))
    assert gc.worker_count() <= _bounded.MAX_WORKERS


def test_regression_ci_workers_are_warm_before_their_first_request():
    # A CI run (GRADCORE_TIMEOUT=0.25) stopped a valid function as "too complex": the
    # worker that replaced a killed one paid ~0.2 s of sympy's and lambdify's first-use
    # costs inside the user's time limit. Workers now warm up before saying ready.
    with pytest.raises(gc.TooComplexError):
        gc.run_bounded(_calculus._simplify, gc.partial(gc.parse("(x+y+1)^100 sin(x)^100"),
                                                       "x"), timeout=0.2)
    gc.shutdown_workers()  # every worker from here on is a fresh one
    assert all(gc.run_bounded(_bounded._probe_warmed) for _ in range(3))
    assert not _bounded._probe_warmed()  # the server itself never runs the warm-up


def test_simplify_bounded_falls_back_to_the_input():
    fn = gc.parse("(x+y+1)^100 sin(x)^100")
    expr = gc.partial(fn, "x")
    assert gc.simplify_bounded(expr, timeout=0.3) == expr
    assert gc.simplify_bounded(sp.sin(sp.Symbol("x")) ** 2 + sp.cos(sp.Symbol("x")) ** 2) == 1


def test_works_from_threads():
    fn = gc.parse("sin(x) y")
    results = []

    def work():
        results.append(gc.run_bounded(gc.gradient, fn))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [gc.gradient(fn)] * 4


def test_analyze_reports_too_complex_derivatives():
    # regression: this test used "(x+y+1)^100 sin(x)^100 cos(y)^50", which analyze
    # handles (its derivatives are small), so it asserted nothing; this one's gradient
    # and Hessian pass 6000 nodes (or, on a slow machine, the time limit)
    fn = gc.parse("sin(x y)^7 cos(x+y)^9 tan(x-y)^5 exp(x y z)^3 log(1+x^2+y^2+z^2)^4 "
                  "atan(x z)^6")
    with pytest.raises(gc.TooComplexError, match="Try a (simpler or )?shorter function"):
        gc.analyze(fn, timeout=5)


# --- compiling (lambdify's cse and code printing) is bounded too


def test_compiling_runs_in_a_worker_not_in_the_server(monkeypatch):
    # regression (issue #7): lambdify(cse=True) found common subexpressions and printed
    # the code in the server process, outside any time limit; only compiling the printed
    # source may happen here now (lambdify of nothing builds the numpy namespace)
    real = sp.lambdify

    def no_codegen_here(args, *rest, **kwargs):
        if list(args):
            raise AssertionError(f"lambdify in the server process: {args}")
        return real(args, *rest, **kwargs)

    monkeypatch.setattr(sp, "lambdify", no_codegen_here)
    fn = gc.parse("sin(x y) + exp(x - y^2) / 7 + |x - 3/11|")  # new: nothing cached
    values, grads = gc.compile_function(fn).value_and_grad(np.array([[0.5, -1.0]]))
    x, y = 0.5, -1.0
    assert values[0] == pytest.approx(np.sin(x * y) + np.exp(x - y * y) / 7 + abs(x - 3 / 11))
    assert grads[0] == pytest.approx([y * np.cos(x * y) + np.exp(x - y * y) / 7 + 1,
                                      x * np.cos(x * y) - 2 * y * np.exp(x - y * y) / 7])
    assert gc.hessian_at(fn, (x, y)) == pytest.approx(gc.hessian_at(fn, {"x": x, "y": y}))
    assert gc.at_point(fn, (x, y)).value == pytest.approx(values[0])
    path = gc.descend(fn, (x, y), method="gd", lr=0.01, steps=3)
    assert path.points[1] == pytest.approx(path.points[0] - 0.01 * grads[0])
    assert gc.stability_bound(fn, (x, y)) > 0
    assert _descentcalc.stability(fn, "gd", point=(x, y)) is not None
    verdict = gc.check_answer("x cos(x y) - 2y exp(x - y^2)/7", gc.partial(fn, "y"), fn,
                              fn=fn, var="y")
    assert verdict.status == "correct"


def test_regression_red_team5_descent_rewrites_for_floats_in_a_worker(monkeypatch):
    # descent's compile and its Hessian check ran factor_terms (_numeric_form) on every
    # derivative in the server's thread: 1.3 s for a product of 8 variables and an exp
    def not_here(*args, **kwargs):
        raise AssertionError("factor_terms in the server process")

    monkeypatch.setattr(sp, "factor_terms", not_here)
    fn = gc.parse("x y z e^(x + y + z) + 3/23")  # new: nothing cached
    path = gc.descend(fn, (0.1, 0.2, 0.3), method="gd", lr=0.01, steps=3)
    assert len(path.points) == 4 and np.isfinite(path.values).all()
    s = _descentcalc.stability(fn, "gd", point=(0.1, 0.2, 0.3))
    assert s.bound is not None and s.bound > 0
    quad = gc.parse("3x^2 + x y + 2y^2 + 5/29")  # a quadratic: its constant Hessian is
    assert _descentcalc.stability(quad, "gd").quadratic  # turned into floats here: cheap


def test_compiling_is_time_bounded_and_recovers(monkeypatch):
    fn = gc.parse("atan(x^3 y^2 + sinh(x y)) log(1 + x^2 + y^2)^3 + 5/17")
    monkeypatch.setattr(_bounded, "DEFAULT_TIMEOUT", 1e-4)
    with pytest.raises(gc.TooComplexError, match="[Cc]ompiling this function took longer"):
        gc.compile_function(fn)
    with pytest.raises(gc.TooComplexError, match="too complex"):
        gc.descend(fn, (1, 1), method="gd", lr=0.01, steps=2)
    monkeypatch.undo()
    # the overrun was not cached and the pool replaced its killed workers
    assert np.isfinite(gc.compile_function(fn).values(np.array([[1.0, 2.0]]))).all()
    assert gc.worker_count() <= _bounded.MAX_WORKERS


def test_bounded_work_inside_a_worker_runs_there():
    # compile_function inside a worker (gradient_at compiles) must not start a pool of
    # its own there: the worker's limits already bound the whole request
    fn = gc.parse("x^3 y + cos(y) + 2/19")
    assert gc.run_bounded(gc.gradient_at, fn, (1.0, 2.0)) == pytest.approx(
        [3 * 4 * 1.0 ** 2 / 2, 1 - np.sin(2.0)])
    workers = [pid for pid, _, _ in child_processes(os.getpid()) if is_worker(pid)]
    assert workers and all(not child_processes(w) for w in workers)


def test_differentiating_runs_in_a_worker_not_in_the_server(monkeypatch):
    # regression (issue #7): a derivative missing from the cache (never analysed, or
    # evicted) was computed with sympy.diff in the server process, outside any limit
    def no_diff_here(*args, **kwargs):
        raise AssertionError("sympy.diff in the server process")

    monkeypatch.setattr(sp, "diff", no_diff_here)
    monkeypatch.setattr(sp.Expr, "diff", no_diff_here)
    fn = gc.parse("cos(x^2 y) + y^3 / 13 + 2/23")  # new: nothing cached
    x, y = fn.variables
    assert gc.gradient(fn) == (-2 * x * y * sp.sin(x**2 * y),
                               -x**2 * sp.sin(x**2 * y) + 3 * y**2 / 13)
    assert gc.partial(fn, "y") == gc.gradient(fn)[1]
    assert gc.hessian(fn)[0, 1] == gc.hessian(fn)[1, 0]
    # the practice check's chain-rule diagnosis differentiates the inside, x^2 y
    verdict = gc.check_answer("-sin(x^2 y)", gc.partial(fn, "x"), fn, fn=fn, var="x")
    assert verdict.diagnosis == "chain_factor"


def test_differentiating_is_time_bounded(monkeypatch):
    fn = gc.parse("sin(x y)^7 cos(x+y)^9 tan(x-y)^5 exp(x y z)^3 + 3/29")
    monkeypatch.setattr(_bounded, "DEFAULT_TIMEOUT", 1e-4)
    with pytest.raises(gc.TooComplexError, match="[Dd]ifferentiating this function took"):
        gc.hessian(fn)
    monkeypatch.undo()
    assert len(gc.gradient(fn)) == 3  # not cached as a failure; the pool recovered


# --- shared work is done once, even when a whole class asks at the same moment


def _at_once(n, work):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run():
        barrier.wait()
        try:
            results.append(work())
        except Exception as exc:  # noqa: BLE001 - reported by the assertions
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


def test_a_class_asking_at_once_compiles_once(monkeypatch):
    # regression (load test, N = 20): twenty sessions opening the same new function sent
    # twenty identical jobs to the two workers, and some waited past the busy limit
    calls = []
    real = _bounded.run_bounded

    def counting(func, *args, **kwargs):
        calls.append(func.__name__)
        return real(func, *args, **kwargs)

    monkeypatch.setattr(_numeric, "run_bounded", counting)
    monkeypatch.setattr(_bounded, "run_bounded", counting)
    fn = gc.parse("atan(x y) + x^5 / 31 + 4/37")  # new: nothing cached
    compiled = _at_once(12, lambda: gc.compile_function(fn))
    assert all(c is compiled[0] for c in compiled)
    assert calls.count("_compile_source") == 1
    other = gc.parse("cosh(x - y) / 41 + y^7")
    grads = _at_once(12, lambda: gc.gradient(other))
    assert all(g == grads[0] for g in grads)
    assert calls.count("_differentiate") == 1


def test_cached_once_keeps_values_not_failures():
    calls = []

    @_bounded.cached_once(maxsize=2)
    def square(v):
        calls.append(v)
        if v < 0:
            raise ValueError("negative")
        return v * v

    assert [square(3), square(3), square(4)] == [9, 9, 16]
    assert calls == [3, 4]
    for _ in range(2):
        with pytest.raises(ValueError):
            square(-1)
    assert calls == [3, 4, -1, -1]  # a failure is tried again
    square(5)  # evicts 3, the least recently used
    square(3)
    assert calls[-2:] == [5, 3]
    square.cache_clear()
    square(4)
    assert calls[-1] == 4
