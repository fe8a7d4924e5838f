"""Tests for gradcore._descentcalc: learning-rate grid, stability bounds (checked against
runs of the optimizers either side of them), start grids, basins, windows."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcore import parse
from gradcore._descent import METHODS, descend, descend_many, stability_bound
from gradcore._descentcalc import (
    DEFAULT_LR,
    LR_GRID,
    basins,
    plottable,
    safe_learning_rate,
    snap_learning_rate,
    stability,
    start_grid,
    suggested_learning_rate,
    view_window,
)
from gradcore._gallery import GALLERY

BOWL = parse("x^2 + y^2")
NARROW = parse("x^2 + 20y^2")
ROSEN = parse("(1 - x)^2 + 100(y - x^2)^2")
HIMMELBLAU = next(ex for ex in GALLERY if ex.name == "Himmelblau")


# ----------------------------------------------------------------------------- rates


def test_grid_is_increasing_log_scale_from_1e_4_to_10():
    assert LR_GRID[0] == 1e-4 and LR_GRID[-1] == 10.0
    assert all(a < b for a, b in zip(LR_GRID, LR_GRID[1:], strict=False))
    for v in (0.1, 0.01, 0.9, 0.05, 1.0, 2.0, 0.5):
        assert v in LR_GRID
    ratios = np.diff(np.log10(LR_GRID))
    assert ratios.max() < 0.13  # at most ~35 % between neighbours


@pytest.mark.parametrize(("value", "expected"), [
    (0.1, 0.1), (0.123, 0.12), (0.0, None), (-1, None), (math.nan, None), (math.inf, None),
    ("abc", None), (1e-9, 1e-4), (1e9, 10.0), (0.94, 0.9), (0.96, 1.0),
])
def test_snap_learning_rate(value, expected):
    assert snap_learning_rate(value) == expected


@given(st.floats(min_value=1e-6, max_value=1e6))
def test_snap_always_lands_on_the_grid(v):
    assert snap_learning_rate(v) in LR_GRID


def test_safe_learning_rate():
    assert safe_learning_rate(1.0) == 0.9
    assert safe_learning_rate(0.05) == 0.04  # 0.045 is not on the grid: the next one down
    assert safe_learning_rate(1.0, fraction=0.5) == 0.5
    assert safe_learning_rate(1e6) == 10.0
    assert safe_learning_rate(1e-6) is None
    for bad in (None, 0.0, -1.0, math.inf, math.nan):
        assert safe_learning_rate(bad) is None


@given(st.floats(min_value=1.2e-4, max_value=11))
def test_safe_rate_is_below_the_bound_and_the_largest_such(bound):
    safe = safe_learning_rate(bound)
    assert safe is not None and safe <= 0.9 * bound * (1 + 1e-9)
    bigger = [g for g in LR_GRID if g > safe]
    assert not bigger or bigger[0] > 0.9 * bound


# ----------------------------------------------------------------------------- stability


def test_bowl_bound_is_one_and_growth_explains_divergence():
    s = stability(BOWL)
    assert s.quadratic and s.point is None
    assert s.eigenvalues == (2.0, 2.0) and s.lam_max == 2.0
    assert s.bound == pytest.approx(1.0) and s.formula == "2/λₘₐₓ"
    assert s.growth(2.0) == pytest.approx(3.0)  # |1 − 2·2|
    assert s.growth(0.1) == pytest.approx(0.8)
    assert s.growth(0.5) == pytest.approx(0.0)  # one step to the minimum


@pytest.mark.parametrize("text", ["x^2 + y^2", "x^2 + 20y^2", "x^2 + 3y^2 + xy",
                                  "(x + 2y - 7)^2 + (2x + y - 5)^2"])
def test_gd_bound_agrees_with_descent_module(text):
    fn = parse(text)
    assert stability(fn).bound == pytest.approx(stability_bound(fn))


def test_local_bound_needs_a_point_and_matches_stability_bound():
    with pytest.raises(ValueError, match="point"):
        stability(ROSEN)
    s = stability(ROSEN, point=(1, 1))
    assert not s.quadratic and s.point == (1.0, 1.0)
    assert s.bound == pytest.approx(stability_bound(ROSEN, (1, 1)))
    assert s.lam_max == pytest.approx(1001.6006, rel=1e-6)


@pytest.mark.parametrize(("method", "hyper"), [
    ("gd", {}), ("momentum", {"momentum": 0.9}), ("momentum", {"momentum": 0.5}),
    ("nesterov", {"momentum": 0.9}), ("nesterov", {"momentum": 0.3}),
    ("momentum", {"momentum": 0.5, "dampening": 0.3}), ("gd", {"weight_decay": 1.0}),
])
def test_bounds_separate_converging_from_diverging_runs(method, hyper):
    s = stability(NARROW, method, hyper)
    assert s.bound is not None
    below = descend(NARROW, (1, 1), method, lr=0.97 * s.bound, steps=3000, **hyper)
    above = descend(NARROW, (1, 1), method, lr=1.03 * s.bound, steps=3000, **hyper)
    assert below.status == "converged"
    assert above.status == "diverged"
    assert s.growth(0.97 * s.bound) < 1 < s.growth(1.03 * s.bound)


def test_momentum_formulas():
    lam = 40.0  # x² + 20y²
    assert stability(NARROW, "momentum").bound == pytest.approx(2 * 1.9 / lam)
    assert stability(NARROW, "nesterov").bound == pytest.approx(2 * 1.9 / (2.8 * lam))
    assert "1+μ" in stability(NARROW, "momentum").formula


@pytest.mark.parametrize("method", ["adagrad", "rmsprop", "adam"])
def test_adaptive_methods_have_no_bound(method):
    s = stability(BOWL, method)
    assert s.bound is None and "η" in s.reason
    assert s.growth(1.0) is None


def test_no_upward_curvature_and_undefined_hessian():
    s = stability(parse("-x^2 - y^2"))
    assert s.bound is None and s.unbounded_below and "unbounded below" in s.reason
    s = stability(parse("-x^4 - y^2"), point=(1, 0))  # local: no upward curvature here
    assert s.bound is None and not s.unbounded_below and "no positive eigenvalue" in s.reason
    s = stability(parse("sqrt(x) + y^2"), point=(-1, 0))
    assert s.bound is None and "undefined" in s.reason
    s = stability(parse("x^2 - y^2"))  # a saddle: the positive direction still overshoots
    assert s.bound == pytest.approx(1.0)


@pytest.mark.parametrize("method", ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_regression_a_quadratic_saddle_is_unbounded_below_for_every_rate(method):
    # the page said "Stable for η < 1 everywhere (f is quadratic)" for x^2 - y^2 while,
    # on the same screen, runs with η = 0.1 diverged: along λ < 0 no rate converges
    s = stability(parse("x^2 - y^2"), method)
    assert s.unbounded_below and "negative eigenvalue" in s.reason
    assert not stability(parse("x^2 + 3y^2"), method).unbounded_below
    assert not stability(parse("x^3 - y^2"), method, point=(1, 1)).unbounded_below  # local


def test_unknown_method_is_a_value_error():
    with pytest.raises(ValueError):
        stability(BOWL, "sgdd")
    with pytest.raises(ValueError):
        stability(BOWL, "momentum", {"mu": 0.9})


def test_suggested_rates():
    assert suggested_learning_rate(BOWL, "gd", points=[(1, 2)]) == 0.1  # the seed's η
    assert suggested_learning_rate(NARROW, "gd", points=[(1, 2)]) == 0.04  # ≤ 0.8·0.05
    assert suggested_learning_rate(NARROW, "gd", points=[(1, 2)], fraction=0.5) == 0.025
    rosen = suggested_learning_rate(ROSEN, "gd", points=[(1, 2), (1, 1)])
    assert rosen in LR_GRID and rosen <= 0.5 * stability_bound(ROSEN, (1, 1))
    for method in ("adagrad", "rmsprop", "adam"):
        assert suggested_learning_rate(ROSEN, method, points=[(1, 1)]) == DEFAULT_LR[method]
    assert set(DEFAULT_LR) == set(METHODS)


def test_suggested_gd_rate_converges_on_himmelblau_minima():
    fn = parse(HIMMELBLAU.text)
    lr = suggested_learning_rate(fn, "gd", points=[(1, 2), *HIMMELBLAU.minima])
    for m in HIMMELBLAU.minima:
        start = np.asarray(m) + 0.1
        assert descend(fn, start, "gd", lr=lr, steps=2000).status == "converged"


# ----------------------------------------------------------------------------- many starts


def test_start_grid_at_tile_centres():
    S = start_grid(((-5, 5), (0, 2)), 20)
    assert S.shape == (400, 2)
    assert S[:, 0].min() == pytest.approx(-4.75) and S[:, 0].max() == pytest.approx(4.75)
    assert S[:, 1].min() == pytest.approx(0.05)
    assert S[1, 0] > S[0, 0] and S[1, 1] == S[0, 1]  # x varies fastest
    with pytest.raises(ValueError):
        start_grid(((0, 1),), 3)
    with pytest.raises(ValueError):
        start_grid(((0, 1), (0, 1)), 0)


def test_himmelblau_has_four_basins():
    fn = parse(HIMMELBLAU.text)
    many = descend_many(fn, start_grid(HIMMELBLAU.window, 20), "gd", lr=0.007, steps=200)
    b = basins(many.final, many.status, HIMMELBLAU.minima, radius=0.2,
               grad_norms=many.final_grad_norms)
    assert b.n_basins == 4 and b.known.all() and len(b.centres) == 4
    assert b.counts.sum() + b.n_diverged + b.n_unassigned == 400
    assert (b.counts > 50).all()
    # without the known minima, clustering finds the same four points
    c = basins(many.final, many.status, (), radius=0.2, grad_norms=many.final_grad_norms)
    assert c.n_basins == 4 and not c.known.any()
    for m in HIMMELBLAU.minima:
        assert np.min(np.linalg.norm(c.centres - np.asarray(m), axis=1)) < 1e-3
    assert sorted(c.counts) == sorted(b.counts)


def test_basins_labels_diverged_far_and_extra_clusters():
    final = np.array([[0, 0], [0.01, 0], [5, 5], [5.01, 5], [9, 9], [1e20, 0], [np.nan, 1],
                      [3, 3]], dtype=float)
    status = ["converged", "max_steps", "converged", "converged", "converged", "diverged",
              "max_steps", "max_steps"]
    b = basins(final, status, [(0, 0)], radius=0.1, max_basins=2)
    assert list(b.labels[:4]) == [0, 0, 1, 1]
    assert b.labels[4] == -1 and b.n_dropped == 1  # a third cluster: no room
    assert list(b.labels[5:]) == [-1, -1, -1]
    assert b.n_diverged == 2 and b.n_unassigned == 2  # (9, 9) dropped, (3, 3) not stationary
    assert list(b.counts) == [2, 2]
    np.testing.assert_allclose(b.centres[1], [5.005, 5])
    with pytest.raises(ValueError):
        basins(final, status[:-1], radius=0.1)
    with pytest.raises(ValueError):
        basins(final, status, radius=0)


def test_basins_with_no_runs_and_grad_norm_stationarity():
    b = basins(np.empty((0, 2)), [], [(1, 1)], radius=0.1)
    assert b.n_basins == 0 and list(b.counts) == [0]
    b = basins([[2.0, 2.0]], ["max_steps"], radius=0.1, grad_norms=[1e-6])
    assert b.n_basins == 1 and b.labels[0] == 0


# ----------------------------------------------------------------------------- view


def test_view_window_unchanged_when_paths_stay_inside():
    w = ((-3.0, 3.0), (-3.0, 3.0))
    assert view_window(w, [np.array([[1, 2], [0, 0]])]) == w
    assert view_window(w, []) == w


def test_view_window_grows_in_round_numbers_and_ignores_far_tails():
    w = ((-3.0, 3.0), (-3.0, 3.0))
    grown = view_window(w, [np.array([[0, 0], [5, 1], [1e9, 0], [np.inf, np.nan]])])
    (xlo, xhi), (ylo, yhi) = grown
    assert (xlo, ylo, yhi) == (-3.0, -3.0, 3.0)
    assert 5.4 <= xhi <= 7 and xhi == round(xhi)  # margin, rounded to a whole step
    again = view_window(w, [np.array([[0, 0], [5.05, 1]])])
    assert again == grown  # a slightly different path keeps the window


def test_view_window_one_variable():
    assert view_window(((-3.0, 3.0),), [np.array([[4.0]])])[0][1] >= 4.0


def test_plottable():
    a = plottable([[1, np.inf], [1e300, -2], [np.nan, 3]])
    assert np.isnan(a[0, 1]) and np.isnan(a[1, 0]) and a[1, 1] == -2 and a[2, 1] == 3


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["x^2 + y^2", "x^2 + 20y^2", "3x^2 + 2xy + y^2"]),
       st.floats(min_value=0.2, max_value=1.8))
def test_gd_diverges_exactly_past_the_bound_property(text, fraction):
    fn = parse(text)
    s = stability(fn)
    p = descend(fn, (1, -1), "gd", lr=fraction * s.bound, steps=5000)
    if fraction < 0.98:
        assert p.status == "converged"
    elif fraction > 1.02:
        assert p.status == "diverged"


def test_regression_a_window_grown_along_one_axis_is_not_a_strip():
    # runs diverging down a saddle's y axis grew y to [-3, 18] but left x at [-3, 3]: with
    # equal axes the map was a 100 px strip on a projector
    w = ((-3.0, 3.0), (-3.0, 3.0))
    (xlo, xhi), (ylo, yhi) = view_window(w, [np.array([[1.0, 0.5], [0.0, 17.0]])])
    assert yhi >= 17
    assert (yhi - ylo) <= 2 * (xhi - xlo) + 1e-9
    assert xlo <= -3 and xhi >= 3 and (xlo + xhi) == pytest.approx(0.0)


def test_regression_a_constant_hessian_from_a_corner_is_no_quadratic():
    # |x| + y²: H = diag(0, 2) everywhere (sign′ = 0), so it was called quadratic with a
    # global bound η < 1; gradient descent bounces across |x|'s corner at every η
    s = stability(parse("abs(x) + y^2"), "gd", point=(1, 1))
    assert not s.quadratic and s.corner == "|x|"
    s = stability(parse("abs(x) + abs(y)"), "gd", point=(1, 1))
    assert s.bound is None and "corner" in s.reason and "cannot overshoot" not in s.reason
    assert stability(parse("x^2 + y^2"), "gd").quadratic  # a polynomial still is one
    for lr in (0.3, 0.09):  # the bounce is the corner's, not the stability limit's
        path = descend(parse("abs(x) + y^2"), (1, 1), "gd", lr=lr, steps=200)
        assert "across a corner of |x|" in path.warning and "η a little smaller" not in \
            path.warning
    path = descend(parse("x^2 + y^2"), (1, 1), "gd", lr=1.0, steps=50)
    assert "stability limit" in path.warning


def test_stability_of_ascent_is_that_of_descent_on_minus_f():
    s = stability(parse("x^2 + y^2"), "gd", ascent=True)
    assert s.unbounded_below and "unbounded above" in s.reason
    s = stability(parse("-x^2 - y^2"), "gd", ascent=True)
    assert s.bound == pytest.approx(1.0) and not s.unbounded_below


def test_regression_review2_ascent_reasons_speak_of_ascent():
    s = stability(parse("x^4 + y^4"), "gd", point=(1, 1), ascent=True)
    assert "no negative eigenvalue" in s.reason and "ascent step" in s.reason
    s = stability(parse("-|x| - |y|"), "gd", point=(1, 1), ascent=True)
    assert "gradient ascent settle" in s.reason
