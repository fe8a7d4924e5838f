"""Gradient-field geometry on plain numpy arrays.

Everything here is pure numpy: no plotting library, no Streamlit, no symbolic maths.
The functions turn already-evaluated arrays (grid coordinates, gradient components,
paths) into drawable geometry (polylines, segments, planes, frame indices).

Conventions
-----------
* A *polyline* is a pair of 1-D float arrays ``x, y`` in which separate pieces are
  separated by a single ``NaN``; plotting libraries draw it as one line trace with
  gaps, which is much faster than one trace per arrow.
* Directions that are undefined (zero, NaN or infinite gradient) give ``NaN`` results
  instead of raising, so that a plotting layer simply draws nothing.
* Arrow geometry is built in data coordinates; it looks right when the x and y axes
  share the same scale (equal aspect ratio).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = [
    "MAX_LINE_POINTS",
    "POINTS_PER_ARROW",
    "ArrowBin",
    "Arrows",
    "angle_between",
    "arrows",
    "bin_arrows",
    "contour_label_points",
    "contour_levels",
    "contour_segments",
    "grid_spacing",
    "LevelMap",
    "level_map",
    "gradient_tip",
    "level_set_points",
    "steepest_ascent_3d",
    "subsample_path_frames",
    "tangent_plane",
    "tangent_segment",
]

#: Number of polyline vertices used by one arrow: base, tip, barb1, tip, barb2, NaN.
POINTS_PER_ARROW = 6

#: Default arrow length in "normalized" mode, in grid spacings.
NORMALIZED_LENGTH = 0.9
#: Length of the longest arrow in "true" mode, in grid spacings.
TRUE_MAX_LENGTH = 1.5


@dataclass(frozen=True, eq=False)
class Arrows:
    """A set of 2-D arrows packed as one NaN-separated polyline.

    Attributes
    ----------
    x, y:
        1-D float64 arrays of length ``POINTS_PER_ARROW * n_arrows``.  Arrow ``i``
        occupies ``x[6*i : 6*i + 6]`` as ``base, tip, barb1, tip, barb2, NaN``:
        the shaft, then both arrowhead barbs drawn from the tip, then a gap.
    magnitude:
        ``(m,)`` gradient magnitude ``hypot(U, V)`` of each drawn arrow (for colouring;
        ``inf`` only if the true magnitude exceeds the float64 range).
    base, tip:
        ``(m, 2)`` start and end points of each shaft.
    n_skipped:
        Number of input vectors that were not drawn because U or V (or the base
        point) was NaN/inf, or the vector was exactly zero.
    """

    x: np.ndarray
    y: np.ndarray
    magnitude: np.ndarray
    base: np.ndarray
    tip: np.ndarray
    n_skipped: int = 0

    @property
    def n_arrows(self) -> int:
        """Number of drawn arrows."""
        return int(self.magnitude.shape[0])

    def __len__(self) -> int:
        return self.n_arrows

    def select(self, mask: np.ndarray) -> Arrows:
        """Return the sub-set of arrows where the boolean (or index) ``mask`` selects.

        ``n_skipped`` is carried over unchanged (it describes the original input).
        """
        idx = np.arange(self.n_arrows)[mask]
        xs = self.x.reshape(-1, POINTS_PER_ARROW)[idx].ravel()
        ys = self.y.reshape(-1, POINTS_PER_ARROW)[idx].ravel()
        return Arrows(
            x=xs,
            y=ys,
            magnitude=self.magnitude[idx],
            base=self.base[idx],
            tip=self.tip[idx],
            n_skipped=self.n_skipped,
        )


@dataclass(frozen=True, eq=False)
class ArrowBin:
    """Arrows whose magnitude falls in ``[lo, hi)`` (the last bin is closed).

    ``t`` is the bin centre mapped to ``[0, 1]`` over the full magnitude range; a
    plotting layer samples its colour scale at ``t``.  ``arrows`` may be empty.
    """

    index: int
    lo: float
    hi: float
    t: float
    arrows: Arrows

    @property
    def count(self) -> int:
        """Number of arrows in this bin."""
        return self.arrows.n_arrows


def _spacing_1d(values: np.ndarray) -> float:
    u = np.unique(values[np.isfinite(values)])
    if u.size < 2:
        return np.nan
    d = np.diff(u)
    d = d[d > 1e-12 * max(1.0, float(np.abs(u).max()))]
    return float(np.median(d)) if d.size else np.nan


def grid_spacing(X: np.ndarray, Y: np.ndarray) -> float:
    """Return the grid spacing ``min(dx, dy)`` of a rectilinear grid.

    ``X`` and ``Y`` may be 1-D axis vectors or 2-D ``meshgrid`` arrays; ``dx`` is the
    median gap between distinct x values (likewise ``dy``).  Returns ``1.0`` when no
    spacing can be inferred (a single point), so callers always get a usable length.
    """
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if X.ndim == 2 and X.shape == Y.shape and min(X.shape) > 1:
        # meshgrid: one row / one column is enough and avoids sorting the whole grid
        dx = _spacing_1d(X[0] if np.ptp(X[0]) > 0 else X[:, 0])
        dy = _spacing_1d(Y[:, 0] if np.ptp(Y[:, 0]) > 0 else Y[0])
    else:
        dx = _spacing_1d(X.ravel())
        dy = _spacing_1d(Y.ravel())
    cands = [d for d in (dx, dy) if np.isfinite(d) and d > 0]
    return float(min(cands)) if cands else 1.0


def _as_grid(X, Y, U, V):
    X, Y, U, V = (np.asarray(a, dtype=float) for a in (X, Y, U, V))
    if U.shape != V.shape:
        raise ValueError(f"U and V must have the same shape, got {U.shape} and {V.shape}")
    if U.ndim == 2 and X.ndim == 1 and Y.ndim == 1 and U.shape == (Y.size, X.size):
        X, Y = np.meshgrid(X, Y)
    try:
        X, Y, U, V = np.broadcast_arrays(X, Y, U, V)
    except ValueError as exc:
        raise ValueError(
            "X, Y, U, V must broadcast to one shape (or X, Y be 1-D axes of a "
            f"(len(Y), len(X)) grid); got {X.shape}, {Y.shape}, {U.shape}"
        ) from exc
    return X, Y, U, V


def arrows(
    X,
    Y,
    U,
    V,
    *,
    scale: Literal["normalized", "true"] = "normalized",
    length: float | None = None,
    head: float = 0.3,
    head_angle_deg: float = 25.0,
) -> Arrows:
    """Build quiver arrows for the vector field ``(U, V)`` sampled at ``(X, Y)``.

    Contract
    --------
    * ``X, Y, U, V`` broadcast to a common shape (typically 2-D meshgrid arrays);
      1-D ``X`` (n,) and ``Y`` (m,) with ``U, V`` of shape (m, n) are also accepted.
    * Each drawn arrow starts at its base point ``(X, Y)`` and points exactly along
      ``(U, V)``: ``tip - base = c * (U, V)`` with ``c > 0``.  (In ``"true"`` mode an
      arrow more than ~1e15 times shorter than the longest rounds to ``tip == base``.)
    * Vectors with a NaN/inf component (or a non-finite base point) and exact zero
      vectors are skipped and counted in ``n_skipped``.
    * ``scale="normalized"``: every arrow has the same length, ``length`` if given,
      else ``0.9 * h`` where ``h = grid_spacing(X, Y)``; only direction is shown.
    * ``scale="true"``: lengths are proportional to ``|(U, V)|``; the longest arrow
      has length ``length`` if given, else ``1.5 * h`` (so the longest arrows overlap
      their neighbours slightly, small ones stay visible as short strokes).
    * The arrowhead is two barbs of length ``head * arrow length`` at
      ``±head_angle_deg`` from the reversed shaft.
    * Output is fully vectorized (no Python loop over arrows); see :class:`Arrows`
      for the polyline layout.
    """
    if scale not in ("normalized", "true"):
        raise ValueError(f"scale must be 'normalized' or 'true', got {scale!r}")
    X, Y, U, V = _as_grid(X, Y, U, V)
    x0, y0, u, v = X.ravel(), Y.ravel(), U.ravel(), V.ravel()
    n_total = u.size

    with np.errstate(invalid="ignore"):
        big = np.maximum(np.abs(u), np.abs(v))
    ok = np.isfinite(x0) & np.isfinite(y0) & np.isfinite(u) & np.isfinite(v) & (big > 0)
    x0, y0, u, v, big = x0[ok], y0[ok], u[ok], v[ok], big[ok]
    m = big.size
    n_skipped = int(n_total - m)

    if length is None:
        h = grid_spacing(X, Y)
        length = (NORMALIZED_LENGTH if scale == "normalized" else TRUE_MAX_LENGTH) * h
    length = float(length)
    if not (np.isfinite(length) and length > 0):
        raise ValueError(f"length must be a positive finite number, got {length}")

    if m == 0:
        empty = np.empty(0)
        return Arrows(empty, empty.copy(), empty.copy(), np.empty((0, 2)), np.empty((0, 2)),
                      n_skipped)

    # Directions via components pre-scaled by max(|u|, |v|): exact for subnormal and
    # for huge vectors (whose magnitude may overflow to inf, which only affects colour).
    us, vs = u / big, v / big
    ns = np.hypot(us, vs)  # in [1, sqrt(2)]
    dx, dy = us / ns, vs / ns
    with np.errstate(over="ignore"):
        mag = big * ns
    if scale == "normalized":
        L = np.full(m, length)
    else:
        with np.errstate(invalid="ignore"):
            ratio = mag / mag.max()
        L = length * np.where(np.isinf(mag), 1.0, ratio)

    xt, yt = x0 + L * dx, y0 + L * dy
    a = np.deg2rad(head_angle_deg)
    ca, sa = np.cos(a), np.sin(a)
    hl = head * L
    # barbs: reversed direction (-dx, -dy) rotated by +a and -a
    b1x = xt + hl * (-dx * ca + dy * sa)
    b1y = yt + hl * (-dy * ca - dx * sa)
    b2x = xt + hl * (-dx * ca - dy * sa)
    b2y = yt + hl * (-dy * ca + dx * sa)

    nan = np.full(m, np.nan)
    px = np.column_stack([x0, xt, b1x, xt, b2x, nan]).ravel()
    py = np.column_stack([y0, yt, b1y, yt, b2y, nan]).ravel()
    return Arrows(
        x=px,
        y=py,
        magnitude=mag,
        base=np.column_stack([x0, y0]),
        tip=np.column_stack([xt, yt]),
        n_skipped=n_skipped,
    )


def bin_arrows(
    arr: Arrows,
    n_bins: int = 6,
    *,
    method: Literal["linear", "quantile"] = "linear",
) -> list[ArrowBin]:
    """Split arrows into ``n_bins`` magnitude bins, for colouring by ``|∇f|``.

    Line traces cannot change colour along their length, so colour-by-magnitude is
    drawn as one NaN-separated polyline per bin.  Bin edges span
    ``[min magnitude, max magnitude]``: equally spaced (``"linear"``, the honest
    choice for a legend) or at quantiles (``"quantile"``, equal arrow counts).
    Every bin is returned (possibly empty) in increasing magnitude order; bin
    ``k`` has ``t = (k + 0.5) / n_bins`` for colour-scale lookup.  Every arrow is in
    exactly one bin.  No arrows -> empty list.
    """
    if n_bins < 1:
        raise ValueError("n_bins must be >= 1")
    mag = arr.magnitude
    if mag.size == 0:
        return []
    lo, hi = float(mag.min()), float(mag.max())
    if method == "linear":
        edges = np.linspace(lo, hi, n_bins + 1)
    elif method == "quantile":
        edges = np.quantile(mag, np.linspace(0.0, 1.0, n_bins + 1))
    else:
        raise ValueError(f"method must be 'linear' or 'quantile', got {method!r}")
    # interior edges decide membership; the last bin includes the maximum
    which = np.clip(np.searchsorted(edges[1:-1], mag, side="right"), 0, n_bins - 1)
    return [
        ArrowBin(
            index=k,
            lo=float(edges[k]),
            hi=float(edges[k + 1]),
            t=(k + 0.5) / n_bins,
            arrows=arr.select(which == k),
        )
        for k in range(n_bins)
    ]


def _unit(vec) -> tuple[np.ndarray, float]:
    g = np.asarray(vec, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        n = float(np.linalg.norm(g))
    if not (np.isfinite(n) and n > 0):
        return np.full(g.shape, np.nan), np.nan
    return g / n, n


def tangent_segment(point, grad, half_length: float) -> np.ndarray:
    """Return the tangent segment to the level curve through ``point``.

    The level curve of ``f`` through ``a`` is perpendicular to ``∇f(a)``, so the
    tangent direction is ``(-g_y, g_x) / |g|``.  Returns a ``(2, 2)`` array
    ``[a - h t, a + h t]`` (rows are endpoints) with ``h = half_length``.  If the
    gradient is zero or non-finite the tangent is undefined and the result is all
    NaN (nothing gets drawn).
    """
    p = np.asarray(point, dtype=float).reshape(2)
    g, _ = _unit(np.asarray(grad, dtype=float).reshape(2))
    t = np.array([-g[1], g[0]])
    return np.vstack([p - half_length * t, p + half_length * t])


def gradient_tip(point, grad, length: float | None = None) -> np.ndarray:
    """Return the tip of the gradient arrow drawn from ``point``.

    ``length=None`` draws the true gradient (``point + grad``); otherwise the arrow
    has the given length along ``grad / |grad|``.  Works in any dimension.  A zero or
    non-finite gradient has no direction: the result is all NaN.
    """
    p = np.asarray(point, dtype=float)
    g = np.asarray(grad, dtype=float).reshape(p.shape)
    u, _ = _unit(g)
    if not np.all(np.isfinite(u)):
        return np.full(p.shape, np.nan)
    return p + (g if length is None else float(length) * u)


def angle_between(u, v) -> float:
    """Angle between vectors ``u`` and ``v`` in degrees, in ``[0, 180]``.

    Uses Kahan's formula ``2 atan2(| |v|u - |u|v |, | |v|u + |u|v |)``, accurate for
    nearly parallel and nearly perpendicular vectors, in any dimension.  NaN if
    either vector is zero or non-finite.
    """
    a = np.asarray(u, dtype=float).ravel()
    b = np.asarray(v, dtype=float).ravel()
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if not (np.isfinite(na) and np.isfinite(nb) and na > 0 and nb > 0):
        return float("nan")
    x = nb * a - na * b
    y = nb * a + na * b
    return float(np.degrees(2.0 * np.arctan2(np.linalg.norm(x), np.linalg.norm(y))))


def tangent_plane(a, f_a: float, grad_a, X, Y) -> np.ndarray:
    """Evaluate the tangent plane of ``f`` at ``a`` on the points ``(X, Y)``.

    ``z = f(a) + ∇f(a) · ((x, y) - a)``; ``X`` and ``Y`` broadcast together (scalars,
    1-D or meshgrid arrays).  At ``a`` it equals ``f_a`` and its slopes are
    ``∂z/∂x = grad_a[0]``, ``∂z/∂y = grad_a[1]``.
    """
    a = np.asarray(a, dtype=float).reshape(2)
    g = np.asarray(grad_a, dtype=float).reshape(2)
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    return float(f_a) + g[0] * (X - a[0]) + g[1] * (Y - a[1])


def steepest_ascent_3d(a, f_a: float, grad_a, length: float) -> np.ndarray:
    """Return the ``(2, 3)`` segment of steepest ascent on the tangent plane at ``a``.

    Starts at ``(a, f(a))``; moves ``length`` in the xy-plane along ``∇f/|∇f|`` and
    climbs ``|∇f| * length`` (the directional derivative times the distance), so
    the segment lies in the tangent plane.  All NaN for a zero/non-finite gradient.
    """
    a = np.asarray(a, dtype=float).reshape(2)
    u, n = _unit(np.asarray(grad_a, dtype=float).reshape(2))
    start = np.array([a[0], a[1], float(f_a)])
    if not np.isfinite(n):
        return np.full((2, 3), np.nan)
    end = np.array([a[0] + length * u[0], a[1] + length * u[1], float(f_a) + n * length])
    return np.vstack([start, end])


def subsample_path_frames(n_steps: int, max_frames: int = 200) -> np.ndarray:
    """Choose which path indices become animation frames.

    Returns a strictly increasing int array of indices into ``range(n_steps)`` with
    at most ``max_frames`` entries, evenly spread, always containing ``0`` and
    ``n_steps - 1`` (when ``max_frames >= 2``).  ``n_steps <= max_frames`` keeps all
    indices; ``n_steps == 0`` gives an empty array; ``max_frames == 1`` keeps only
    the last index (the final state).
    """
    n_steps = int(n_steps)
    max_frames = int(max_frames)
    if max_frames < 1:
        raise ValueError("max_frames must be >= 1")
    if n_steps <= 0:
        return np.empty(0, dtype=np.intp)
    if n_steps <= max_frames:
        return np.arange(n_steps, dtype=np.intp)
    if max_frames == 1:
        return np.array([n_steps - 1], dtype=np.intp)
    idx = np.rint(np.linspace(0, n_steps - 1, max_frames)).astype(np.intp)
    return np.unique(idx)


def nice_step(span: float, divisions: int = 100, *, up: bool = False,
              mantissas: tuple[float, ...] = (1.0, 2.0, 5.0)) -> float:
    """A round step (one of ``mantissas`` times a power of ten) for dividing ``span`` into
    about ``divisions`` parts: the nearest to ``span / divisions``, or with ``up`` the
    smallest at least that large (so no more than ``divisions`` parts). 1.0 for an empty
    or non-finite span."""
    raw = abs(float(span)) / max(int(divisions), 1)
    if not (math.isfinite(raw) and raw > 0):
        return 1.0
    exp = math.floor(math.log10(raw))
    frac = raw / 10.0**exp
    choices = (*mantissas, 10.0)
    if up:
        nice = next((m for m in choices if frac <= m * (1 + 1e-9)), 10.0)
    else:  # nearest; a tie goes up (1.5 -> 2)
        nice = min(choices, key=lambda m: (abs(m - frac), -m))
    return float(nice * 10.0**exp)


def contour_levels(Z, n_levels: int = 20, *, robust: bool = True) -> tuple[float, float, float]:
    """Pick ``(start, end, size)`` for about ``n_levels`` evenly spaced "nice" levels.

    Only finite values of ``Z`` count.  With ``robust=True`` the range is the 1st to
    99th percentile, so a few huge values (poles, blow-ups) do not squash every
    level into a corner.  The step is a 1/2/2.5/5 × 10^k number.  A constant or
    all-NaN ``Z`` gives a single level around its value (or ``(0, 1, 1)``).
    """
    z = np.asarray(Z, dtype=float)
    z = z[np.isfinite(z)]
    if z.size == 0:
        return 0.0, 1.0, 1.0
    if robust and z.size >= 20:
        lo, hi = np.percentile(z, [1.0, 99.0])
    else:
        lo, hi = float(z.min()), float(z.max())
    lo, hi = float(lo), float(hi)
    if not hi > lo:
        span = abs(lo) if lo != 0 else 1.0
        return lo - 0.5 * span, lo + 0.5 * span, span
    size = nice_step(hi - lo, n_levels, up=True, mantissas=(1.0, 2.0, 2.5, 5.0))
    start = float(np.floor(lo / size) * size)
    end = float(np.ceil(hi / size) * size)
    return start, end, size


def contour_segments(xs, ys, Z, levels) -> tuple[np.ndarray, np.ndarray]:
    """The level curves f = c for each c in ``levels`` as one polyline (marching squares).

    ``Z`` has shape ``(len(ys), len(xs))`` (row i is y = ys[i]). Each grid cell whose four
    corners are finite and straddle a level contributes a straight segment between the
    two points where its edges cross the level (linear interpolation along the edge), or
    two segments for a saddle cell (four crossings, paired by the value at the centre).
    Returns ``x, y``: float64 arrays of 3 entries per segment (its ends and a NaN gap),
    empty when no level is crossed. Pure numpy: vectorized over cells, a loop over levels.
    """
    xs = np.asarray(xs, dtype=np.float64).ravel()
    ys = np.asarray(ys, dtype=np.float64).ravel()
    Z = np.asarray(Z, dtype=np.float64)
    if Z.shape != (ys.size, xs.size) or xs.size < 2 or ys.size < 2:
        return np.empty(0), np.empty(0)
    z00, z01, z10, z11 = Z[:-1, :-1], Z[:-1, 1:], Z[1:, :-1], Z[1:, 1:]
    finite = np.isfinite(z00) & np.isfinite(z01) & np.isfinite(z10) & np.isfinite(z11)
    x0, x1 = xs[None, :-1], xs[None, 1:]
    y0, y1 = ys[:-1, None], ys[1:, None]
    centre = (z00 + z01 + z10 + z11) / 4
    out_x: list[np.ndarray] = []
    out_y: list[np.ndarray] = []
    with np.errstate(invalid="ignore", divide="ignore"):
        for c in np.asarray(levels, dtype=np.float64).ravel():
            if not np.isfinite(c):
                continue
            above = [z >= c for z in (z00, z01, z10, z11)]
            # edge crossings: bottom (00-01), top (10-11), left (00-10), right (01-11)
            pairs = ((z00, z01, 0, 1), (z10, z11, 2, 3), (z00, z10, 0, 2), (z01, z11, 1, 3))
            cross = np.stack([(above[a] != above[b]) & finite for _, _, a, b in pairs])
            if not cross.any():
                continue
            t = [np.clip((c - za) / (zb - za), 0.0, 1.0) for za, zb, _, _ in pairs]
            ex = np.stack(np.broadcast_arrays(x0 + t[0] * (x1 - x0), x0 + t[1] * (x1 - x0),
                                              x0 + 0 * t[2], x1 + 0 * t[3]))
            ey = np.stack(np.broadcast_arrays(y0 + 0 * t[0], y1 + 0 * t[1],
                                              y0 + t[2] * (y1 - y0), y0 + t[3] * (y1 - y0)))
            count = cross.sum(axis=0)
            # two crossings: join them (the first two crossed edges, in edge order)
            two = count == 2
            if two.any():
                order = np.argsort(~cross[:, two], axis=0, kind="stable")[:2]
                cols = np.nonzero(two.ravel())[0]
                exf, eyf = ex.reshape(4, -1)[:, cols], ey.reshape(4, -1)[:, cols]
                k = np.arange(cols.size)
                out_x.append(np.stack([exf[order[0], k], exf[order[1], k],
                                       np.full(k.size, np.nan)], axis=1).ravel())
                out_y.append(np.stack([eyf[order[0], k], eyf[order[1], k],
                                       np.full(k.size, np.nan)], axis=1).ravel())
            # four crossings (a saddle cell): pair the edges around the corners that
            # differ from the centre
            four = count == 4
            if four.any():
                cols = np.nonzero(four.ravel())[0]
                exf, eyf = ex.reshape(4, -1)[:, cols], ey.reshape(4, -1)[:, cols]
                same = (centre.ravel()[cols] >= c) == above[0].ravel()[cols]
                # corner 00 with the centre: cut off corners 01 and 10 (bottom-right,
                # left-top); otherwise cut off corners 00 and 11 (bottom-left, top-right)
                a1, b1 = 0, np.where(same, 3, 2)
                a2, b2 = np.where(same, 2, 1), np.where(same, 1, 3)
                k = np.arange(cols.size)
                nan = np.full(k.size, np.nan)
                out_x.append(np.stack([exf[a1, k], exf[b1, k], nan,
                                       exf[a2, k], exf[b2, k], nan], axis=1).ravel())
                out_y.append(np.stack([eyf[a1, k], eyf[b1, k], nan,
                                       eyf[a2, k], eyf[b2, k], nan], axis=1).ravel())
    if not out_x:
        return np.empty(0), np.empty(0)
    return np.concatenate(out_x), np.concatenate(out_y)


def contour_label_points(xs, ys, Z, levels, *, separation: float = 0.16,
                         margin: float = 0.06, per_level: int = 2
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where to write the value of each level curve on a contour map.

    For each level in ``levels`` (in order), up to ``per_level`` places on its curve
    (midpoints of :func:`contour_segments`' segments), each chosen as far as possible from
    the labels already placed and kept only if that is at least ``separation`` (a
    fraction of the window's larger side), and at least ``margin`` of the window inside
    its edges. So labels never pile up where the curves crowd together (a steep wall),
    and a level with no room gets none. Returns ``x, y, level``: float64 arrays of the
    same length (empty when no level is crossed). Pure numpy, a loop over levels; cheap
    next to drawing: a browser placing the labels along the curves itself (Plotly's
    ``contours.showlabels``) measures every path, 0.1–0.3 s per redraw.
    """
    xs = np.asarray(xs, dtype=np.float64).ravel()
    ys = np.asarray(ys, dtype=np.float64).ravel()
    empty = (np.empty(0), np.empty(0), np.empty(0))
    if xs.size < 2 or ys.size < 2:
        return empty
    x_lo, x_hi, y_lo, y_hi = xs.min(), xs.max(), ys.min(), ys.max()
    span = max(x_hi - x_lo, y_hi - y_lo)
    if not (np.isfinite(span) and span > 0):
        return empty
    # distances in window units, so a label's neighbourhood is round on the screen of
    # an equal-aspect map
    lo_x, hi_x = x_lo + margin * (x_hi - x_lo), x_hi - margin * (x_hi - x_lo)
    lo_y, hi_y = y_lo + margin * (y_hi - y_lo), y_hi - margin * (y_hi - y_lo)
    min_d2 = (separation * span) ** 2
    px: list[float] = []
    py: list[float] = []
    pl: list[float] = []
    for c in np.asarray(levels, dtype=np.float64).ravel():
        if not np.isfinite(c):
            continue
        sx, sy = contour_segments(xs, ys, Z, [c])
        if sx.size == 0:
            continue
        mx = (sx[0::3] + sx[1::3]) / 2
        my = (sy[0::3] + sy[1::3]) / 2
        inside = (mx >= lo_x) & (mx <= hi_x) & (my >= lo_y) & (my <= hi_y)
        mx, my = mx[inside], my[inside]
        for _ in range(per_level):
            if mx.size == 0:
                break
            if px:
                d2 = np.min((mx[:, None] - np.asarray(px)[None, :]) ** 2
                            + (my[:, None] - np.asarray(py)[None, :]) ** 2, axis=1)
                best = int(np.argmax(d2))
                if d2[best] < min_d2:
                    break
            else:  # the first label of all: the middle of the curve's segments
                best = mx.size // 2
            px.append(float(mx[best]))
            py.append(float(my[best]))
            pl.append(float(c))
    if not px:
        return empty
    return np.asarray(px), np.asarray(py), np.asarray(pl)


#: at most this many points (3 per segment) of level lines :func:`level_map` returns
#: (~130 KB of JSON as a figure's path shape)
MAX_LINE_POINTS = 12_000


@dataclass(frozen=True, eq=False)
class LevelMap:
    """The levels of a contour map of a grid, and where to write their values.

    Attributes
    ----------
    start, end, size:
        The levels are ``start, start + size, ..., end`` (see :func:`contour_levels`).
    label_x, label_y, label_value:
        Where to write each level's value (see :func:`contour_label_points`): float64
        arrays of one length, empty when no level is crossed.
    line_x, line_y:
        The level curves as one NaN-separated polyline (see :func:`contour_segments`),
        for maps that draw their own lines; empty unless asked for.
    """

    start: float
    end: float
    size: float
    label_x: np.ndarray
    label_y: np.ndarray
    label_value: np.ndarray
    line_x: np.ndarray
    line_y: np.ndarray

    @property
    def values(self) -> np.ndarray:
        """Every level, ``start`` to ``end``."""
        n = max(1, int(round((self.end - self.start) / self.size)))
        return self.start + self.size * np.arange(n + 1)


def level_map(xs, ys, Z, n_levels: int = 20, *, robust: bool = True, lines: bool = False,
              max_line_points: int = MAX_LINE_POINTS) -> LevelMap:
    """The levels a contour map of ``Z`` (shape ``(len(ys), len(xs))``) draws, with its
    labels' places and, with ``lines=True``, its level curves.

    The levels are :func:`contour_levels` of ``Z``. Without ``lines`` (a plotting library
    draws the curves, as Plotly's contour trace does) every level is labelled. With
    ``lines`` the curves of the levels strictly between ``start`` and ``end`` are traced;
    while they exceed ``max_line_points`` (a wavy f such as sin(20x)·cos(20y) crosses every
    level in every cell) every other level is dropped, and if a single level still does
    no lines are drawn; only the levels drawn are labelled. Compute this once per grid
    (it costs milliseconds) and hand it to the figure.
    """
    start, end, size = contour_levels(Z, n_levels, robust=robust)
    empty = np.empty(0)
    if not lines:
        n = max(1, int(round((end - start) / size)))
        lx, ly, lv = contour_label_points(xs, ys, Z, start + size * np.arange(n + 1))
        return LevelMap(start, end, size, lx, ly, lv, empty, empty)
    n_bands = max(1, int(round((end - start) / size)))
    drawn = start + size * np.arange(1, n_bands)
    sx, sy = contour_segments(xs, ys, Z, drawn)
    while sx.size > max_line_points and drawn.size > 1:
        drawn = drawn[::2]
        sx, sy = contour_segments(xs, ys, Z, drawn)
    if sx.size > max_line_points:  # one level still crosses most cells: no lines
        return LevelMap(start, end, size, empty, empty, empty, empty, empty)
    lx, ly, lv = contour_label_points(xs, ys, Z, drawn) if sx.size else (empty,) * 3
    return LevelMap(start, end, size, lx, ly, lv, sx, sy)


def level_set_points(X, Y, Z, V, level: float, max_points: int = 60) -> np.ndarray:
    """Approximate points on the level set ``V = level`` of a 3-D grid function.

    Contract: ``X, Y, Z, V`` are same-shape 3-D arrays (``np.meshgrid`` with any
    indexing).  Every grid edge along each axis whose end values straddle
    ``level`` contributes its linearly interpolated crossing point.  At most
    ``max_points`` points are returned, chosen evenly over the crossing list (a
    deterministic spread), as an ``(m, 3)`` array; ``(0, 3)`` if the level is not
    crossed.  Useful as cone positions for gradient arrows on an isosurface.
    """
    X, Y, Z, V = (np.asarray(a, dtype=float) for a in (X, Y, Z, V))
    if not (X.shape == Y.shape == Z.shape == V.shape) or V.ndim != 3:
        raise ValueError("X, Y, Z, V must be 3-D arrays of the same shape")
    d = V - float(level)
    pts = []
    for ax in range(3):
        sl0 = [slice(None)] * 3
        sl1 = [slice(None)] * 3
        sl0[ax] = slice(None, -1)
        sl1[ax] = slice(1, None)
        d0, d1 = d[tuple(sl0)], d[tuple(sl1)]
        with np.errstate(invalid="ignore"):
            cross = (d0 * d1 < 0) | ((d0 == 0) & np.isfinite(d1))
        if not cross.any():
            continue
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(d0 == d1, 0.0, d0 / (d0 - d1))[cross]
        coords = [
            C[tuple(sl0)][cross] + t * (C[tuple(sl1)][cross] - C[tuple(sl0)][cross])
            for C in (X, Y, Z)
        ]
        pts.append(np.column_stack(coords))
    if not pts:
        return np.empty((0, 3))
    P = np.vstack(pts)
    if P.shape[0] > max_points:
        P = P[np.rint(np.linspace(0, P.shape[0] - 1, max_points)).astype(np.intp)]
    return P
