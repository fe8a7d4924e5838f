"""Symbolic work under a hard time limit, from any thread, with no leaked processes."""

import threading
import time

import pytest
import sympy as sp

import gradcore as gc
from gradcore import _bounded, _calculus


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
    fn = gc.parse("(x+y+1)^100 sin(x)^100 cos(y)^50")
    try:
        gc.analyze(fn, timeout=5)
    except gc.TooComplexError as exc:
        assert "Try" in str(exc)
