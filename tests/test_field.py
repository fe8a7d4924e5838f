"""Tests for gradcore._field (pure numpy gradient-field geometry)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gradcore import _field as F

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


def _grid(n=8, m=6):
    xs = np.linspace(-2.0, 2.0, n)
    ys = np.linspace(-1.0, 1.5, m)
    return np.meshgrid(xs, ys)


def _arrow_blocks(a: F.Arrows):
    return a.x.reshape(-1, F.POINTS_PER_ARROW), a.y.reshape(-1, F.POINTS_PER_ARROW)


# ----------------------------------------------------------------------------- arrows


@settings(max_examples=60, deadline=None)
@given(
    U=arrays(np.float64, (6, 8), elements=finite),
    V=arrays(np.float64, (6, 8), elements=finite),
    scale=st.sampled_from(["normalized", "true"]),
)
def test_arrow_direction_parallel_to_field(U, V, scale):
    X, Y = _grid()
    a = F.arrows(X, Y, U, V, scale=scale)
    keep = (U != 0).ravel() | (V != 0).ravel()
    assert a.n_arrows == keep.sum()
    assert a.n_skipped == (~keep).sum()
    base = np.column_stack([X.ravel(), Y.ravel()])[keep]
    uv = np.column_stack([U.ravel(), V.ravel()])[keep]
    np.testing.assert_allclose(a.base, base)
    d = a.tip - a.base
    if a.n_arrows == 0:
        return
    np.testing.assert_allclose(a.magnitude, np.hypot(uv[:, 0], uv[:, 1]), rtol=1e-12)
    # compare unit vectors (robust to tiny / subnormal components)
    big = np.abs(uv).max(axis=1, keepdims=True)
    w = uv / big
    w /= np.hypot(w[:, :1], w[:, 1:])
    length = np.hypot(d[:, 0], d[:, 1])
    if scale == "normalized":
        drawn = np.ones(a.n_arrows, dtype=bool)
    else:
        # arrows ~1e15 times shorter than the longest are below float resolution at
        # their base point and may round to zero length / a skewed direction
        drawn = a.magnitude >= 1e-6 * a.magnitude.max()
    assert np.all(length[drawn] > 0)
    e = d[drawn] / length[drawn, None]
    cross = e[:, 0] * w[drawn, 1] - e[:, 1] * w[drawn, 0]
    dot = np.einsum("ij,ij->i", e, w[drawn])
    # 1e-6: the shaft is a difference of coordinates up to |X| ~ 2, lengths >= ~1e-9
    assert np.all(np.abs(cross) <= 1e-6)
    assert np.all(dot > 0)


def test_polyline_layout():
    X, Y = _grid()
    a = F.arrows(X, Y, np.ones_like(X), 2 * np.ones_like(X))
    assert a.x.ndim == a.y.ndim == 1
    assert a.x.shape == (F.POINTS_PER_ARROW * a.n_arrows,)
    bx, by = _arrow_blocks(a)
    # base, tip, barb1, tip, barb2, NaN
    np.testing.assert_allclose(bx[:, 0], a.base[:, 0])
    np.testing.assert_allclose(by[:, 1], a.tip[:, 1])
    np.testing.assert_allclose(bx[:, 3], a.tip[:, 0])
    assert np.isnan(bx[:, 5]).all() and np.isnan(by[:, 5]).all()
    assert np.isfinite(bx[:, :5]).all()


def test_arrowhead_barbs_symmetric_and_sized():
    a = F.arrows([0.0], [0.0], [1.0], [0.0], length=1.0, head=0.3, head_angle_deg=25)
    bx, by = _arrow_blocks(a)
    tip = a.tip[0]
    for k in (2, 4):
        barb = np.array([bx[0, k], by[0, k]])
        v = barb - tip
        assert np.linalg.norm(v) == pytest.approx(0.3)
        assert F.angle_between(v, [-1.0, 0.0]) == pytest.approx(25.0)
    assert by[0, 2] == pytest.approx(-by[0, 4])


def test_normalized_arrows_equal_length_default_spacing():
    X, Y = _grid(11, 7)  # dx = 0.4, dy = 2.5/6 ≈ 0.4167 -> h = 0.4
    rng = np.random.default_rng(0)
    U, V = rng.normal(size=X.shape) * 100, rng.normal(size=X.shape)
    a = F.arrows(X, Y, U, V)
    lengths = np.linalg.norm(a.tip - a.base, axis=1)
    np.testing.assert_allclose(lengths, 0.9 * 0.4)
    a2 = F.arrows(X, Y, U, V, length=0.25)
    np.testing.assert_allclose(np.linalg.norm(a2.tip - a2.base, axis=1), 0.25)


def test_true_scale_proportional_with_max_1p5_spacings():
    X, Y = _grid(11, 7)
    rng = np.random.default_rng(1)
    U, V = rng.normal(size=X.shape), rng.normal(size=X.shape)
    a = F.arrows(X, Y, U, V, scale="true")
    lengths = np.linalg.norm(a.tip - a.base, axis=1)
    assert lengths.max() == pytest.approx(1.5 * 0.4)
    np.testing.assert_allclose(lengths / a.magnitude, lengths.max() / a.magnitude.max())


def test_nan_inf_zero_vectors_skipped_and_counted():
    X, Y = _grid(4, 3)
    U = np.ones_like(X)
    V = np.zeros_like(X)
    U[0, 0] = np.nan
    V[0, 1] = np.inf
    U[1, 1] = 0.0  # zero vector
    U[2, 3] = -np.inf
    a = F.arrows(X, Y, U, V)
    assert a.n_skipped == 4
    assert a.n_arrows == X.size - 4
    assert np.isfinite(a.base).all() and np.isfinite(a.tip).all()
    assert np.isfinite(a.magnitude).all()


def test_huge_and_tiny_vectors_keep_direction():
    X, Y = np.zeros(3), np.zeros(3)
    U = np.array([1.5e308, 3e-320, -4.0])
    V = np.array([1.5e308, 4e-320, 3.0])
    a = F.arrows(X, Y, U, V, length=1.0)
    assert a.n_arrows == 3 and a.n_skipped == 0
    d = a.tip - a.base
    np.testing.assert_allclose(d[0], [np.sqrt(0.5)] * 2)
    np.testing.assert_allclose(d[1], [0.6, 0.8], rtol=1e-3)  # subnormal inputs
    np.testing.assert_allclose(d[2], [-0.8, 0.6])
    assert np.isinf(a.magnitude[0])
    t = F.arrows(X, Y, U, V, scale="true", length=1.0)
    assert np.isfinite(t.tip).all()
    assert np.linalg.norm(t.tip[0] - t.base[0]) == pytest.approx(1.0)


def test_all_skipped_gives_empty():
    X, Y = _grid(3, 3)
    a = F.arrows(X, Y, np.zeros_like(X), np.full_like(X, np.nan))
    assert a.n_arrows == 0 and a.n_skipped == 9
    assert a.x.size == a.y.size == 0 and a.base.shape == (0, 2)


def test_1d_axes_accepted():
    xs, ys = np.linspace(0, 1, 5), np.linspace(0, 2, 3)
    X, Y = np.meshgrid(xs, ys)
    U, V = X + 1, Y - 7
    a1 = F.arrows(xs, ys, U, V)
    a2 = F.arrows(X, Y, U, V)
    np.testing.assert_allclose(a1.x, a2.x)
    np.testing.assert_allclose(a1.y, a2.y)


def test_bad_arguments():
    X, Y = _grid()
    with pytest.raises(ValueError):
        F.arrows(X, Y, X, Y, scale="log")
    with pytest.raises(ValueError):
        F.arrows(X, Y, X, Y[:, :3])


def test_vectorized_40x40():
    xs = np.linspace(-3, 3, 40)
    X, Y = np.meshgrid(xs, xs)
    a = F.arrows(X, Y, 2 * X + 0.01, 2 * Y - 0.01)
    assert a.n_arrows == 1600 and a.x.size == 1600 * F.POINTS_PER_ARROW
    a = F.arrows(X, Y, 2 * X + 0.01, 2 * Y - 0.01, scale="true")
    assert a.n_arrows == 1600


# ----------------------------------------------------------------------------- bins


@pytest.mark.parametrize("method", ["linear", "quantile"])
def test_bins_partition_arrows(method):
    X, Y = _grid(12, 10)
    a = F.arrows(X, Y, X**3 + 0.1, Y)
    bins = F.bin_arrows(a, 6, method=method)
    assert len(bins) == 6
    assert sum(b.count for b in bins) == a.n_arrows
    assert [b.index for b in bins] == list(range(6))
    assert all(0 < b.t < 1 for b in bins)
    assert bins[0].lo == pytest.approx(a.magnitude.min())
    assert bins[-1].hi == pytest.approx(a.magnitude.max())
    for b in bins:
        assert np.all(b.arrows.magnitude >= b.lo - 1e-12)
        assert np.all(b.arrows.magnitude <= b.hi + 1e-12)
        assert b.arrows.x.size == F.POINTS_PER_ARROW * b.count
    # the union of the bins' polylines is the whole field
    got = np.sort(np.concatenate([b.arrows.base[:, 0] for b in bins]))
    np.testing.assert_allclose(got, np.sort(a.base[:, 0]))


def test_bins_constant_and_empty():
    X, Y = _grid(3, 3)
    a = F.arrows(X, Y, np.ones_like(X), np.ones_like(X))
    bins = F.bin_arrows(a, 4)
    assert sum(b.count for b in bins) == 9
    empty = F.arrows(X, Y, np.zeros_like(X), np.zeros_like(X))
    assert F.bin_arrows(empty, 4) == []


# ----------------------------------------------------------------------------- tangent


@settings(max_examples=80, deadline=None)
@given(
    p=st.tuples(finite, finite),
    g=st.tuples(finite, finite).filter(lambda g: np.hypot(*g) > 1e-6),
    h=st.floats(0.01, 10),
)
def test_tangent_orthogonal_to_gradient(p, g, h):
    seg = F.tangent_segment(p, g, h)
    assert seg.shape == (2, 2)
    d = seg[1] - seg[0]
    assert np.linalg.norm(d) == pytest.approx(2 * h)
    np.testing.assert_allclose(seg.mean(axis=0), p, atol=1e-9 * (1 + np.abs(p).max()))
    assert abs(np.dot(d, g)) <= 1e-9 * np.linalg.norm(d) * np.linalg.norm(g)
    assert F.angle_between(d, g) == pytest.approx(90.0, abs=1e-6)


def test_tangent_undefined_at_critical_point():
    assert np.isnan(F.tangent_segment([1, 2], [0, 0], 1.0)).all()
    assert np.isnan(F.tangent_segment([1, 2], [np.nan, 1], 1.0)).all()


def test_angle_between():
    assert F.angle_between([1, 0], [0, 1]) == pytest.approx(90)
    assert F.angle_between([1, 0], [1, 0]) == pytest.approx(0, abs=1e-12)
    assert F.angle_between([1, 0], [-2, 0]) == pytest.approx(180)
    assert F.angle_between([1, 1], [1, 0]) == pytest.approx(45)
    assert F.angle_between([1, 0, 0], [0, 0, 3]) == pytest.approx(90)
    assert F.angle_between([1, 1e-9], [1, 0]) == pytest.approx(np.degrees(1e-9), rel=1e-6)
    assert np.isnan(F.angle_between([0, 0], [1, 0]))


def test_gradient_tip():
    np.testing.assert_allclose(F.gradient_tip([1, 1], [3, 4], 10), [7, 9])
    np.testing.assert_allclose(F.gradient_tip([1, 1], [3, 4]), [4, 5])
    np.testing.assert_allclose(F.gradient_tip([0, 0, 0], [0, 0, 2], 1), [0, 0, 1])
    assert np.isnan(F.gradient_tip([1, 1], [0, 0], 1)).all()


# ----------------------------------------------------------------------------- planes


@settings(max_examples=40, deadline=None)
@given(a=st.tuples(finite, finite), fa=finite, g=st.tuples(finite, finite))
def test_tangent_plane_value_and_slope(a, fa, g):
    assert F.tangent_plane(a, fa, g, a[0], a[1]) == pytest.approx(fa, abs=1e-9 * (1 + abs(fa)))
    h = 0.5
    X = np.array([a[0], a[0] + h, a[0]])
    Y = np.array([a[1], a[1], a[1] + h])
    Z = F.tangent_plane(a, fa, g, X, Y)
    tol = 1e-6 * (1 + abs(fa) + abs(g[0]) + abs(g[1]) + abs(a[0]) + abs(a[1]))
    assert (Z[1] - Z[0]) / h == pytest.approx(g[0], abs=tol)
    assert (Z[2] - Z[0]) / h == pytest.approx(g[1], abs=tol)


def test_tangent_plane_on_meshgrid_matches_linear_function():
    X, Y = _grid()
    Z = F.tangent_plane((0.5, -0.25), 3.0, (2.0, -1.0), X, Y)
    np.testing.assert_allclose(Z, 3.0 + 2.0 * (X - 0.5) - 1.0 * (Y + 0.25))


def test_steepest_ascent_lies_in_tangent_plane():
    a, fa, g = np.array([1.0, 2.0]), 5.0, np.array([3.0, 4.0])
    seg = F.steepest_ascent_3d(a, fa, g, 0.5)
    np.testing.assert_allclose(seg[0], [1, 2, 5])
    np.testing.assert_allclose(np.linalg.norm(seg[1, :2] - a), 0.5)
    assert seg[1, 2] == pytest.approx(F.tangent_plane(a, fa, g, seg[1, 0], seg[1, 1]))
    assert F.angle_between(seg[1, :2] - a, g) == pytest.approx(0, abs=1e-7)
    assert np.isnan(F.steepest_ascent_3d(a, fa, [0, 0], 1)).all()


# ----------------------------------------------------------------------------- frames


@given(n=st.integers(0, 5000), m=st.integers(1, 400))
def test_subsample_path_frames(n, m):
    idx = F.subsample_path_frames(n, m)
    assert idx.dtype.kind == "i"
    assert len(idx) <= m
    if n == 0:
        assert len(idx) == 0
        return
    assert np.all(np.diff(idx) > 0)
    assert idx[0] >= 0 and idx[-1] == n - 1
    if m >= 2:
        assert idx[0] == 0
    if n <= m:
        np.testing.assert_array_equal(idx, np.arange(n))
    elif m >= 2:
        assert len(idx) == m  # rounding linspace over more steps keeps all frames distinct


# ----------------------------------------------------------------------------- misc


def test_grid_spacing():
    assert F.grid_spacing(np.linspace(0, 1, 11), np.linspace(0, 4, 5)) == pytest.approx(0.1)
    X, Y = np.meshgrid(np.linspace(0, 1, 11), np.linspace(0, 4, 5), indexing="ij")
    assert F.grid_spacing(X, Y) == pytest.approx(0.1)
    assert F.grid_spacing([0.0], [0.0]) == 1.0


def test_contour_levels():
    xs = np.linspace(-1, 1, 50)
    X, Y = np.meshgrid(xs, xs)
    Z = X**2 + Y**2
    start, end, size = F.contour_levels(Z, 20, robust=False)
    assert start <= 0 and end >= 2 and 10 <= (end - start) / size <= 30
    Z[0, 0] = 1e12  # a pole: robust levels ignore it
    start, end, size = F.contour_levels(Z, 20)
    assert end < 10
    Z[:] = np.nan
    assert F.contour_levels(Z) == (0.0, 1.0, 1.0)
    s, e, sz = F.contour_levels(np.full((5, 5), 3.0))
    assert s < 3 < e and sz > 0


def test_level_set_points_on_sphere():
    g = np.linspace(-1.5, 1.5, 25)
    X, Y, Z = np.meshgrid(g, g, g, indexing="ij")
    V = X**2 + Y**2 + Z**2
    P = F.level_set_points(X, Y, Z, V, 1.0, max_points=40)
    assert P.shape == (40, 3)
    np.testing.assert_allclose(np.linalg.norm(P, axis=1), 1.0, atol=0.02)
    assert F.level_set_points(X, Y, Z, V, 100.0).shape == (0, 3)


# ----------------------------------------------------------------------- level curves


def test_contour_segments_lie_on_their_levels():
    xs = np.linspace(-2, 2, 81)
    X, Y = np.meshgrid(xs, xs)
    x, y = F.contour_segments(xs, xs, X**2 + Y**2, [1.0, 2.0])
    assert x.size % 3 == 0 and np.isnan(x[2::3]).all() and np.isnan(y[2::3]).all()
    ok = np.isfinite(x)
    r2 = x[ok] ** 2 + y[ok] ** 2
    assert np.all((np.abs(r2 - 1) < 2e-3) | (np.abs(r2 - 2) < 2e-3))
    # the circle of radius 1 closes: every end point is shared by another segment (by
    # three more where it passes through a grid point exactly)
    on1 = ok & (np.abs(x**2 + y**2 - 1) < 2e-3)
    pts = np.round(np.stack([x[on1], y[on1]], axis=1), 9)
    _, counts = np.unique(pts, axis=0, return_counts=True)
    assert (counts % 2 == 0).all()


def test_contour_segments_saddle_cells_and_undefined_cells():
    xs = np.linspace(-1, 1, 21)
    X, Y = np.meshgrid(xs, xs)
    Z = X * Y  # level 0 runs through the saddle cell at the centre
    x, y = F.contour_segments(xs, xs, Z, [0.0, 0.1])
    ok = np.isfinite(x)
    assert np.all(np.minimum(np.abs(x[ok] * y[ok]), np.abs(x[ok] * y[ok] - 0.1)) < 5e-3)
    Z[5:10, 5:10] = np.nan  # no segment from a cell with an undefined corner
    x2, y2 = F.contour_segments(xs, xs, Z, [0.1])
    inside = (x2 > xs[5]) & (x2 < xs[9]) & (y2 > xs[5]) & (y2 < xs[9])
    assert not inside.any()
    assert F.contour_segments(xs, xs, np.ones_like(Z), [0.5])[0].size == 0
    assert F.contour_segments(xs, xs[:3], Z, [0.0])[0].size == 0  # shape mismatch


def test_contour_label_points_sit_on_their_curves_inside_and_apart():
    xs = np.linspace(-3, 3, 121)
    ys = np.linspace(-2, 2, 81)
    X, Y = np.meshgrid(xs, ys)
    Z = X**2 + 3 * Y
    levels = np.arange(-6.0, 16.0, 1.0)
    lx, ly, lv = F.contour_label_points(xs, ys, Z, levels, separation=0.1, margin=0.05)
    assert lx.size == ly.size == lv.size and lx.size >= 10
    assert np.allclose(lx**2 + 3 * ly, lv, atol=0.05)  # on the curve of its level
    assert set(lv) <= set(levels) and np.count_nonzero(lv == lv[0]) <= 2  # per_level
    assert (lx >= -3 + 0.05 * 6).all() and (lx <= 3 - 0.05 * 6).all()
    assert (ly >= -2 + 0.05 * 4).all() and (ly <= 2 - 0.05 * 4).all()
    d = np.hypot(lx[:, None] - lx[None, :], ly[:, None] - ly[None, :])
    assert d[~np.eye(lx.size, dtype=bool)].min() >= 0.1 * 6 - 1e-9


def test_level_map_labels_every_level_it_draws_and_only_those():
    xs = np.linspace(-3, 3, 101)
    ys = np.linspace(-2, 2, 81)
    X, Y = np.meshgrid(xs, ys)
    Z = X**2 + 3 * Y
    lm = F.level_map(xs, ys, Z, 20)
    assert (lm.start, lm.end, lm.size) == F.contour_levels(Z, 20)
    assert lm.values[0] == lm.start and lm.values[-1] == pytest.approx(lm.end)
    assert lm.line_x.size == 0  # Plotly draws the curves from the contour trace
    assert lm.label_x.size >= 10 and set(lm.label_value) <= set(lm.values)
    assert np.allclose(lm.label_x**2 + 3 * lm.label_y, lm.label_value, atol=0.05)
    # drawing its own curves: the levels strictly inside, traced, and labelled on them
    lines = F.level_map(xs, ys, Z, 20, lines=True)
    on = lines.line_x**2 + 3 * lines.line_y
    ok = np.isfinite(on)
    inner = lines.values[1:-1]
    assert ok.sum() > 100
    assert np.abs(on[ok, None] - inner[None, :]).min(axis=1).max() < 0.05
    assert set(lines.label_value) <= set(inner)
    assert np.allclose(lines.label_x**2 + 3 * lines.label_y, lines.label_value, atol=0.05)


def test_level_map_caps_its_lines_and_labels_only_the_levels_left():
    # sin(20x)cos(20y) crosses every level in every cell: every other level is dropped
    # until the curves fit, and a label never names a level whose curve is not drawn
    xs = np.linspace(-3, 3, 100)
    X, Y = np.meshgrid(xs, xs)
    Z = np.sin(20 * X) * np.cos(20 * Y)
    full = F.level_map(xs, xs, Z, lines=True, max_line_points=10**9)
    capped = F.level_map(xs, xs, Z, lines=True)
    assert full.line_x.size > F.MAX_LINE_POINTS >= capped.line_x.size > 0
    drawn = {round(v, 9) for v in capped.label_value}
    assert drawn and drawn < {round(v, 9) for v in full.values[1:-1]}
    sx, sy = F.contour_segments(xs, xs, Z, sorted(drawn))
    assert sx.size == capped.line_x.size  # the lines are exactly the labelled levels'
    # one level crossing every cell: bands only, nothing drawn or labelled
    none = F.level_map(xs, xs, Z, lines=True, max_line_points=10)
    assert none.line_x.size == none.label_x.size == 0
    flat = F.level_map(xs, xs, np.ones_like(Z), lines=True)
    assert flat.line_x.size == flat.label_x.size == 0 and flat.size > 0


def test_contour_label_points_leave_crowded_and_missing_levels_out():
    xs = np.linspace(-1, 1, 41)
    X, Y = np.meshgrid(xs, xs)
    steep = 1000 * X  # 400 levels, 0.005 apart: most get no label, none overlap
    lx, ly, lv = F.contour_label_points(xs, xs, steep, np.arange(-1000, 1001, 5.0))
    assert 0 < lx.size < 400 / 4
    d = np.hypot(lx[:, None] - lx[None, :], ly[:, None] - ly[None, :])
    assert d[~np.eye(lx.size, dtype=bool)].min() >= 0.16 * 2 - 1e-9
    assert F.contour_label_points(xs, xs, np.ones_like(X), [0.5])[0].size == 0
    Z = X.copy()
    Z[:, :] = np.nan
    assert F.contour_label_points(xs, xs, Z, [0.0])[0].size == 0  # f undefined
    assert F.contour_label_points(xs[:1], xs, X[:, :1], [0.0])[0].size == 0
    assert F.contour_label_points(xs, xs, X, [np.nan, np.inf])[0].size == 0
