"""Computations behind the Gradient field page that the rest of gradcore lacks.

Pure numpy on top of :mod:`gradcore` (no plotting, no Streamlit):

* choosing and checking the viewing window (:func:`default_window`,
  :func:`check_window`, :func:`centre_window`, :func:`arrow_ranges`, :func:`snap`,
  :func:`nice_step`);
* measuring perpendicularity honestly: the level curve through a point is *found
  numerically* (where f = f(a) on a small circle around a), not derived from ∇f, so the
  angle reported between ∇f(a) and it is a measurement (:func:`level_curve_tangent`,
  :func:`level_surface_tangents`);
* three variables: the level-surface grid (:func:`volume`), a level slider range
  (:func:`level_range`) and evenly spread gradient cones on the surface
  (:func:`cone_samples`);
* small helpers for the 3-D and one-variable views (:func:`tangent_patch`,
  :func:`tangent_line`, :func:`clip_outliers`, :func:`is_flat`).

A *window* is a tuple of ``(low, high)`` ranges, one per plotted variable in
``fn.variables`` order (x, then y, then the third variable's range for slices and
level surfaces).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ._bounded import TooComplexError, cached_once
from ._calculus import to_point
from ._field import angle_between, level_set_points, nice_step
from ._gallery import matching_example
from ._numeric import Grid, compile_function, evaluate_grid
from ._parser import Function

__all__ = [
    "DEFAULT_RANGE",
    "angle_deg",
    "MAX_COORDINATE",
    "Volume",
    "arrow_ranges",
    "centre_window",
    "check_window",
    "clip_outliers",
    "cone_samples",
    "default_window",
    "is_flat",
    "max_gradient",
    "level_curve_tangent",
    "nice_points",
    "level_range",
    "level_surface_tangents",
    "nice_step",
    "snap",
    "tangent_line",
    "tangent_patch",
    "view_length",
    "volume",
]

#: Range of a variable when nothing better is known.
DEFAULT_RANGE: tuple[float, float] = (-3.0, 3.0)
#: Largest coordinate a window may reach (also the bound for numbers read from links).
MAX_COORDINATE = 1e6
#: Smallest span of a window range, relative to its largest coordinate (float32 plots
#: need a few digits to tell grid lines apart) and absolute.
_MIN_RELATIVE_SPAN = 1e-4
_MIN_SPAN = 1e-6

Window = tuple[tuple[float, float], ...]


# ----------------------------------------------------------------------------- windows


def _inside(value: float, rng: tuple[float, float]) -> bool:
    return rng[0] <= value <= rng[1]


def centre_window(window: Sequence[tuple[float, float]], point: Sequence[float]) -> Window:
    """Shift each range of ``window`` so that it is centred on the corresponding
    coordinate of ``point``; ranges past ``len(point)`` are kept. The span is kept, or
    widened to 1e-3 of the coordinate far from 0, so the range still passes
    :func:`check_window` (a 6-wide range around x = 100000 would not)."""
    out = []
    for k, (lo, hi) in enumerate(window):
        lo, hi = float(lo), float(hi)
        if k < len(point) and math.isfinite(point[k]):
            half = max((hi - lo) / 2, 10 * _MIN_RELATIVE_SPAN * abs(float(point[k])))
            c = float(np.clip(point[k], -MAX_COORDINATE + half, MAX_COORDINATE - half))
            lo, hi = c - half, c + half
        out.append((lo, hi))
    return tuple(out)


def default_window(fn: Function, point: Sequence[float] | None = None,
                   n_ranges: int | None = None) -> Window:
    """The window that shows ``fn`` best: the gallery entry's (x, y) window when ``fn``
    is a gallery example (however it was typed), else ``DEFAULT_RANGE`` for each variable.

    ``n_ranges`` ranges are returned (default: ``min(len(fn.variables), 3)``, at least 1);
    ranges past the gallery's two use ``DEFAULT_RANGE``. When ``point`` (in
    ``fn.variables`` order) lies outside a range, that range is re-centred on it, so the
    chosen point is always in view.

    Any other function defined on less than half of those ranges gets them narrowed to
    where it is defined, with a margin (``sqrt(1 - x^2 - y^2)``: -1.5…1.5, not a map 90 %
    blank); see :func:`_fit_to_domain`.
    """
    n = n_ranges if n_ranges is not None else max(1, min(len(fn.variables), 3))
    base: list[tuple[float, float]] = [DEFAULT_RANGE] * n
    ex = matching_example(fn)
    if ex is not None:
        base[: min(n, 2)] = [tuple(map(float, r)) for r in ex.window[: min(n, 2)]]
    window = tuple((float(lo), float(hi)) for lo, hi in base)
    full = window
    if ex is None and n == len(fn.variables):
        try:
            window = _fit_to_domain(fn, window)
        except TooComplexError:  # a busy moment: the plain window now, a fit next time
            pass
    if point is None:
        return window
    out = list(window)
    for k in range(min(n, len(point))):
        p = float(point[k])
        if _inside(p, out[k]):
            continue
        if _inside(p, full[k]):  # narrowed to the domain: widen it to take the point in
            lo, hi = out[k]
            margin = (hi - lo) / 10
            out[k] = (max(full[k][0], min(lo, p - margin)), min(full[k][1], max(hi, p + margin)))
        else:
            out[k] = centre_window([full[k]], [p])[0]
    return tuple(out)


_FIT_BELOW = 0.5  # narrow the ranges to f's domain when it covers less of the window


@cached_once(maxsize=256)
def _fit_to_domain(fn: Function, window: Window) -> Window:
    """``window`` narrowed, range by range, to the box where ``fn`` is defined (finite),
    padded by a grid step and 10 % and rounded outward to round numbers; ``window``
    itself when f is defined on at least half of it or nowhere on it; a range itself where
    the domain is a sliver at its edge (it goes on past it). Sampled on 41 points a range
    (17 for three). Raises TooComplexError if f cannot be evaluated now (not cached)."""
    res = 41 if len(window) <= 2 else 17
    grid = evaluate_grid(fn, window, res)
    finite = np.isfinite(grid.values)
    share = finite.mean() if finite.size else 0.0
    if not 0 < share < _FIT_BELOW:
        return window
    if finite.ndim >= 2:  # meshgrid "xy" order: (y, x, ...) -> (x, y, ...)
        finite = np.swapaxes(finite, 0, 1)
    out = []
    for k, (lo, hi) in enumerate(window):
        others = tuple(a for a in range(finite.ndim) if a != k)
        where = np.flatnonzero(finite.any(axis=others) if others else finite)
        xs = grid.axes[k]
        step = (hi - lo) / (res - 1)
        a, b = float(xs[where[0]]), float(xs[where[-1]])
        pad = step + 0.1 * max(b - a, step)
        unit = nice_step(b - a + 2 * pad, 4)
        new_lo = max(lo, math.floor((a - pad) / unit) * unit)
        new_hi = min(hi, math.ceil((b + pad) / unit) * unit)
        # a sliver at the window's edge is a domain that goes on past it: keep the range
        sliver = (where[0] == 0 or where[-1] == res - 1) and new_hi - new_lo < (hi - lo) / 4
        out.append((lo, hi) if sliver or new_hi <= new_lo else (float(new_lo), float(new_hi)))
    return tuple(out)


def check_window(values: Sequence[float]) -> Window | None:
    """Ranges from flat numbers ``lo1, hi1, lo2, hi2, ...`` (e.g. a link's
    ``win=-3,3,-2,2``), or ``None`` when anything is off: an odd count, a non-finite
    number, a coordinate beyond ``MAX_COORDINATE``, ``lo >= hi``, or a span too small to
    draw (below 1e-6, or below 1e-4 of the largest coordinate)."""
    vals = list(values)
    if not vals or len(vals) % 2:
        return None
    out = []
    for lo, hi in zip(vals[0::2], vals[1::2], strict=True):
        try:
            lo, hi = float(lo), float(hi)
        except (TypeError, ValueError):
            return None
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return None
        if max(abs(lo), abs(hi)) > MAX_COORDINATE or not lo < hi:
            return None
        if hi - lo < max(_MIN_SPAN, _MIN_RELATIVE_SPAN * max(abs(lo), abs(hi))):
            return None
        out.append((lo, hi))
    return tuple(out)


def arrow_ranges(window: Sequence[tuple[float, float]], density: int) -> Window:
    """Ranges whose ``density``-point ``linspace`` puts arrow bases at the centres of a
    ``density`` × ``density`` tiling of ``window``: arrows then stay inside the window
    instead of starting on its edges."""
    n = max(int(density), 1)
    out = []
    for lo, hi in window:
        h = (float(hi) - float(lo)) / n
        out.append((float(lo) + h / 2, float(hi) - h / 2) if n > 1 else
                   ((float(lo) + float(hi)) / 2,) * 2)
    return tuple(out)


def nice_points(lo: float, hi: float, n: int = 40) -> np.ndarray:
    """About ``n`` evenly spaced points in [lo, hi] at multiples of a :func:`nice_step`,
    so round numbers (0, 1, 2.5) are among them: a click layer on these lets a learner
    click exactly on the origin or on (1, 2). ``[lo, hi]`` for an empty or non-finite
    range."""
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi) and hi > lo):
        return np.array([lo, hi], dtype=np.float64)
    step = nice_step(hi - lo, max(int(n) - 1, 1))
    k = np.arange(math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9) + 1)
    return k * step if k.size >= 2 else np.array([lo, hi], dtype=np.float64)


def snap(value: float, span: float, divisions: int = 1000) -> float:
    """Round a clicked coordinate to a clean number at ``span / divisions`` resolution
    (a click cannot be more precise than a pixel): 1.0303030252 -> 1.03 for span 6."""
    step = nice_step(span, divisions)
    digits = max(0, -math.floor(math.log10(step)))
    return float(round(round(float(value) / step) * step, digits))


# ----------------------------------------------------------------------------- level curves


def angle_deg(u: Sequence[float], v: Sequence[float]) -> float:
    """Angle between ``u`` and ``v`` in degrees (NaN if either is zero or not finite),
    robust to huge components: both are scaled by their largest entry first, so a
    gradient of size 1e200 still gets an angle (``_field.angle_between`` alone would
    overflow computing its norm)."""
    out = []
    for w in (u, v):
        w = np.asarray(w, dtype=float).ravel()
        big = float(np.max(np.abs(w))) if w.size else 0.0
        if not (math.isfinite(big) and big > 0):
            return float("nan")
        out.append(w / big)
    return angle_between(out[0], out[1])



def level_curve_tangent(
    fn: Function,
    point: Sequence[float] | Mapping[str, float],
    axes: tuple[int, int] = (0, 1),
    radius: float = 1e-3,
    samples: int = 720,
) -> np.ndarray | None:
    """Unit tangent of the level curve of ``f`` through ``point`` in the plane of the
    variables ``axes`` (other coordinates fixed), found *numerically*.

    ``f - f(a)`` is evaluated at ``samples`` points on the circle of ``radius`` around
    ``a`` in that plane; a regular level curve crosses the circle exactly twice, at
    ``a ± r t + O(r²)``, so the chord between the two crossings (located by linear
    interpolation) is parallel to the tangent ``t`` up to O(r²). It never uses ∇f, which
    makes the angle between the two a genuine check of perpendicularity.

    Returns an n-vector (zero outside ``axes``), oriented so that ``(t_i, t_j)`` is ∇f
    turned by +90° when ∇f is defined; ``None`` when the curve does not cross the circle
    exactly twice (∇f = 0: an extremum or a saddle; or the radius is too large) or f is
    undefined on or at the circle.
    """
    a = to_point(fn, point)
    i, j = (int(k) for k in axes)
    n = a.size
    if not (0 <= i < n and 0 <= j < n and i != j) or not radius > 0:
        return None
    best = None
    for shrink in (1, 10, 100, 1000):  # O(r²): a sharply bending curve needs a small r
        found = _chord_tangent(fn, a, i, j, radius / shrink, int(samples))
        if found is None:
            if best is None:
                return None
            break
        t, digits = found
        if best is not None and digits < 5:
            break  # f's change on the circle is down in its rounding: keep the last
        best = t
    return best


def _chord_tangent(fn: Function, a: np.ndarray, i: int, j: int, radius: float,
                   samples: int) -> tuple[np.ndarray, float] | None:
    """:func:`level_curve_tangent` at one radius: the unit chord, and how many digits of
    f's change around the circle stand above f's rounding."""
    n = a.size
    theta = np.linspace(0.0, 2 * np.pi, int(samples), endpoint=False)
    pts = np.repeat(a[None, :], theta.size + 1, axis=0)
    pts[1:, i] += radius * np.cos(theta)
    pts[1:, j] += radius * np.sin(theta)
    values, grads = compile_function(fn).value_and_grad(pts)
    if not np.all(np.isfinite(values)):
        return None
    d = values[1:] - values[0]
    nxt = np.roll(d, -1)
    with np.errstate(invalid="ignore", over="ignore"):
        straddle = np.sign(d) * np.sign(nxt) < 0
    exact = d == 0
    k_cross = np.flatnonzero(straddle)
    step = theta[1] - theta[0]
    angles = list(theta[k_cross] + step * d[k_cross] / (d[k_cross] - nxt[k_cross]))
    angles += list(theta[exact])
    if len(angles) != 2:
        return None
    p1 = np.array([np.cos(angles[0]), np.sin(angles[0])])
    p2 = np.array([np.cos(angles[1]), np.sin(angles[1])])
    chord = p2 - p1
    norm = float(np.hypot(*chord))
    if not norm > 0:
        return None
    chord /= norm
    g = grads[0, [i, j]]
    if np.all(np.isfinite(g)) and (g[0] * chord[1] - g[1] * chord[0]) < 0:
        chord = -chord
    t = np.zeros(n)
    t[i], t[j] = chord
    scale = float(np.max(np.abs(values))) * np.finfo(float).eps
    digits = math.log10(float(np.max(np.abs(d))) / scale) if scale > 0 else math.inf
    return t, digits


def level_surface_tangents(
    fn: Function,
    point: Sequence[float] | Mapping[str, float],
    radius: float = 1e-3,
    samples: int = 720,
) -> list[np.ndarray]:
    """Two independent tangent directions of the level surface of a function of 3 (or
    more) variables through ``point``, each found numerically by
    :func:`level_curve_tangent` in a coordinate plane (x-y, x-z, then y-z). Fewer than
    two are returned when the surface is singular there (∇f = 0) or f is undefined."""
    a = to_point(fn, point)
    found: list[np.ndarray] = []
    n = min(a.size, 3)
    for axes in ((0, 1), (0, 2), (1, 2)):
        if max(axes) >= n:
            continue
        t = level_curve_tangent(fn, a, axes, radius, samples)
        if t is None:
            continue
        if found and np.linalg.norm(np.cross(found[0][:3], t[:3])) < 0.1:
            continue
        found.append(t)
        if len(found) == 2:
            break
    return found


# ----------------------------------------------------------------------------- 3 variables


@dataclass(frozen=True, eq=False)
class Volume:
    """f on a 3-D box: ``axes`` (three 1-D arrays for ``names``), coordinate arrays
    ``X, Y, Z`` and ``values`` (NaN where undefined), all shaped like
    ``np.meshgrid(*axes, indexing="xy")``; ``n_undefined`` of ``values.size`` are NaN."""

    names: tuple[str, str, str]
    axes: tuple[np.ndarray, np.ndarray, np.ndarray]
    X: np.ndarray
    Y: np.ndarray
    Z: np.ndarray
    values: np.ndarray
    n_undefined: int
    fixed: dict

    @property
    def fraction_undefined(self) -> float:
        return self.n_undefined / self.values.size if self.values.size else 0.0


def volume(
    fn: Function,
    box: Mapping[str, tuple[float, float]],
    resolution: int = 24,
    fixed: Mapping[str, float] | None = None,
) -> Volume:
    """Evaluate f on a ``resolution``³ grid over ``box`` (three variable names -> ranges;
    any further variables take their value from ``fixed``). Keep ``resolution`` small
    (24-32): Plotly's isosurface needs every grid point's x, y, z and value."""
    if len(box) != 3:
        raise ValueError("a volume needs exactly three ranges")
    grid = evaluate_grid(fn, box, resolution, fixed)
    X, Y, Z = np.meshgrid(*grid.axes, indexing="xy")
    return Volume(tuple(grid.names), tuple(grid.axes), X, Y, Z, grid.values,
                  grid.n_undefined, dict(grid.fixed))


def level_range(values: np.ndarray) -> tuple[float, float] | None:
    """A slider range for the level c of ``f = c``: the 1st to 99th percentile of the
    finite values (robust to poles), or ``None`` when f is constant or undefined."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return None
    lo, hi = (float(q) for q in np.percentile(v, [1.0, 99.0])) if v.size >= 20 else (
        float(v.min()), float(v.max()))
    if not hi > lo:
        lo, hi = float(v.min()), float(v.max())
    if not hi > lo:
        return None
    return lo, hi


def cone_samples(
    fn: Function,
    vol: Volume,
    level: float,
    max_points: int = 60,
    cells: int = 6,
) -> tuple[np.ndarray, np.ndarray]:
    """Points spread evenly over the level surface ``f = level`` and ∇f at them (for
    gradient cones): ``(positions (m, 3), gradients (m, 3))``, at most ``max_points``.

    Candidate points are the grid-edge crossings of
    :func:`~gradcore._field.level_set_points`; to spread them over the surface rather
    than along the grid's memory order, the box is cut into ``cells``³ boxes and one
    crossing is kept per box. Points where ∇f is undefined or zero are dropped.
    """
    empty = (np.empty((0, 3)), np.empty((0, 3)))
    with np.errstate(over="ignore", invalid="ignore"):
        pts = level_set_points(vol.X, vol.Y, vol.Z, vol.values, float(level),
                               max_points=vol.values.size * 3)
    if pts.shape[0] == 0:
        return empty
    lo = np.array([ax[0] for ax in vol.axes])
    hi = np.array([ax[-1] for ax in vol.axes])
    span = np.where(hi > lo, hi - lo, 1.0)
    idx = np.clip(((pts - lo) / span * cells).astype(np.int64), 0, cells - 1)
    cell_id = (idx[:, 0] * cells + idx[:, 1]) * cells + idx[:, 2]
    _, first = np.unique(cell_id, return_index=True)
    pts = pts[np.sort(first)]
    if pts.shape[0] > max_points:
        pts = pts[np.rint(np.linspace(0, pts.shape[0] - 1, max_points)).astype(np.intp)]
    full = np.empty((pts.shape[0], len(fn.names)))
    for k, name in enumerate(fn.names):
        if name in vol.names:
            full[:, k] = pts[:, vol.names.index(name)]
        else:
            full[:, k] = float(vol.fixed.get(name, 0.0))
    grads = compile_function(fn).grad(full)
    cols = [fn.names.index(nm) if nm in fn.names else None for nm in vol.names]
    vec = np.column_stack([grads[:, c] if c is not None else np.zeros(len(full))
                           for c in cols])
    ok = np.all(np.isfinite(vec), axis=1) & np.any(vec != 0, axis=1)
    return pts[ok], vec[ok]


# ----------------------------------------------------------------------------- helpers


def tangent_patch(a: Sequence[float], f_a: float, grad_a: Sequence[float],
                  half_width: float, n: int = 12):
    """The tangent plane of f at ``a`` (2 variables) on a square patch of half-width
    ``half_width`` centred on ``a``: ``(px, py, PZ)`` with 1-D axes and heights
    ``PZ[j, i] = f(a) + ∇f(a)·((px[i], py[j]) - a)``; all NaN when ∇f(a) is undefined."""
    a = np.asarray(a, dtype=float).reshape(2)
    g = np.asarray(grad_a, dtype=float).reshape(2)
    px = np.linspace(a[0] - half_width, a[0] + half_width, n)
    py = np.linspace(a[1] - half_width, a[1] + half_width, n)
    PX, PY = np.meshgrid(px, py)
    PZ = float(f_a) + g[0] * (PX - a[0]) + g[1] * (PY - a[1])
    return px, py, PZ


def view_length(span: float, z_span: float, grad_norm: float, fraction: float = 0.15,
                rise: float = 0.3) -> float:
    """Length (in the x-y plane) for drawing the tangent-plane patch and the steepest
    ascent arrow on a 3-D surface: ``fraction`` of the window ``span``, shortened so that
    climbing at slope ``grad_norm`` rises at most ``rise`` × ``z_span`` (steep planes would
    otherwise stretch the scene and flatten the surface)."""
    length = fraction * float(span)
    if math.isfinite(grad_norm) and grad_norm > 0 and math.isfinite(z_span) and z_span > 0:
        length = min(length, rise * float(z_span) / float(grad_norm))
    return length if math.isfinite(length) and length > 0 else 1.0


def tangent_line(a: float, f_a: float, slope: float, xs) -> np.ndarray:
    """The tangent line ``y = f(a) + f'(a)(x - a)`` of a one-variable function on ``xs``."""
    return float(f_a) + float(slope) * (np.asarray(xs, dtype=float) - float(a))


def clip_outliers(values: np.ndarray, reach: float = 2.0) -> tuple[np.ndarray, int]:
    """A copy of ``values`` with points far outside the bulk set to NaN, for 3-D surfaces
    whose poles would otherwise flatten everything else: kept are values within
    ``reach`` × (p99 - p1) of the 1st-99th percentile band. Returns ``(copy, n_clipped)``."""
    v = np.array(values, dtype=float, copy=True)
    finite = v[np.isfinite(v)]
    if finite.size < 20:
        return v, 0
    lo, hi = np.percentile(finite, [1.0, 99.0])
    band = float(hi - lo)
    if not band > 0:
        return v, 0
    with np.errstate(invalid="ignore"):
        far = (v < lo - reach * band) | (v > hi + reach * band)
    n = int(np.count_nonzero(far))
    v[far] = np.nan
    return v, n


def is_flat(grid: Grid, rtol: float = 1e-12) -> bool:
    """True when there are no level curves to draw on the (defined part of the) grid: f
    changes by less than ``rtol`` × max(1, max|f|) across the window, so by nothing that
    floating point can show (∇f = 0, or a change of f lost next to its size). False when f
    is nowhere defined. 10¹⁰ + x + y is not flat: its values differ from the 10th digit
    on. :func:`max_gradient` tells ∇f = 0 from a change too small to draw."""
    values = np.asarray(grid.values, dtype=float)
    ok = np.isfinite(values)
    if not ok.any():
        return False
    gmax = max_gradient(grid)
    diag = math.hypot(*(float(ax[-1] - ax[0]) for ax in grid.axes)) or 1.0
    scale = max(1.0, float(np.max(np.abs(values[ok]))))
    return gmax * diag <= rtol * scale


def max_gradient(grid: Grid) -> float:
    """The largest |∂f/∂xᵢ| over the grid's points where f is defined (0.0 when ∇f = 0
    there, or f is nowhere defined)."""
    ok = np.isfinite(np.asarray(grid.values, dtype=float))
    gmax = 0.0
    for g in grid.grads:
        g = np.asarray(g, dtype=float)[ok]
        g = g[np.isfinite(g)]
        if g.size:
            gmax = max(gmax, float(np.max(np.abs(g))))
    return gmax
