"""Computations behind the Gradient descent page that :mod:`gradcore._descent` lacks.

Pure numpy/sympy on top of gradcore (no plotting, no Streamlit):

* learning rates on a log scale: :data:`LR_GRID` (the values a slider offers, 1e-4 … 10),
  :func:`snap_learning_rate` (a typed or linked rate → the nearest grid value),
  :func:`safe_learning_rate` (the largest grid rate safely below a bound) and
  :func:`suggested_learning_rate` (a method's default rate, lowered below the stability
  bound of the function at a few points);
* why a run diverges: :func:`stability` — the Hessian's eigenvalues, the largest stable
  learning rate of plain gradient descent (2/λ_max) and of its momentum variants, and the
  factor by which one step multiplies the error (:meth:`Stability.growth`);
* many starts: :func:`start_grid` (a grid of start points over a window) and
  :func:`basins` (which minimum each run reached: the known minima when given, otherwise
  the end points clustered);
* the view: :func:`view_window` (a window grown to show where the paths went, in round
  numbers) and :func:`plottable` (path coordinates a plot can draw).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from ._calculus import to_point
from ._descent import _hessian_parts, corner_piece, resolve_hyperparameters
from ._field import nice_step
from ._numeric import _to_float
from ._parser import Function

__all__ = [
    "DEFAULT_LR",
    "LR_GRID",
    "Basins",
    "Stability",
    "basins",
    "leaves_window",
    "plottable",
    "safe_learning_rate",
    "snap_learning_rate",
    "stability",
    "start_grid",
    "suggested_learning_rate",
    "view_window",
]

_MANTISSAS = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9)

#: Learning rates a slider offers: 12 round values per decade from 1e-4 to 10
#: (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9 times a power of ten), increasing.
LR_GRID: tuple[float, ...] = tuple(
    float(f"{m}e{e}") for e in range(-4, 1) for m in _MANTISSAS) + (10.0,)

#: A starting learning rate per method, before any knowledge of the function: plain
#: gradient descent takes the seed's η = 0.1; momentum methods take smaller steps (their
#: velocity adds up to 1/(1−μ) = 10 gradients); the adaptive methods' steps are about η
#: long whatever the gradient's size (Adagrad's shrink over time, so it starts larger).
DEFAULT_LR: Mapping[str, float] = {
    "gd": 0.1, "momentum": 0.05, "nesterov": 0.05, "adagrad": 0.5, "rmsprop": 0.05,
    "adam": 0.1,
}

_ADAPTIVE = {"adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam"}


# ----------------------------------------------------------------------------- learning rates


def snap_learning_rate(value: float, grid: Sequence[float] = LR_GRID) -> float | None:
    """The grid value nearest to ``value`` on a log scale (rates beyond the grid's ends
    become its ends); None for anything that is not a finite number > 0."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(v) and v > 0):
        return None
    g = np.asarray(grid, dtype=float)
    return float(g[int(np.argmin(np.abs(np.log(g) - math.log(v))))])


def safe_learning_rate(bound: float | None, fraction: float = 0.9,
                       grid: Sequence[float] = LR_GRID) -> float | None:
    """The largest grid rate ≤ ``fraction`` × ``bound`` (e.g. 0.9 for the bound 1), or None
    when there is no bound (None, not finite or ≤ 0) or even the grid's smallest rate is
    too large. A bound beyond the grid gives the grid's largest rate."""
    if bound is None or not math.isfinite(bound) or bound <= 0:
        return None
    limit = fraction * bound * (1 + 1e-12)  # 0.9 × 1 is 0.9, not 0.8999999999999999
    ok = [g for g in grid if g <= limit]
    return float(max(ok)) if ok else None


# ----------------------------------------------------------------------------- stability


def _hessian_at(fn: Function, point) -> tuple[np.ndarray, bool]:
    n = len(fn.variables)
    const, entries = _hessian_parts(fn)
    if const is not None:
        return const, True
    if point is None:
        raise ValueError(f"{fn.expr} is not quadratic (its Hessian depends on "
                         f"{', '.join(fn.names)}): pass point=... for the local picture")
    a = to_point(fn, point)
    with np.errstate(all="ignore"):
        vals = entries(*a)
    H = np.array([_to_float(v) for v in vals], dtype=float)
    return H.reshape(n, n), False


@dataclass(frozen=True)
class Stability:
    """What the Hessian says about the learning rate of one method.

    ``eigenvalues`` of the Hessian H (ascending); ``quadratic`` is True when H is constant
    (f is quadratic: the picture holds everywhere), else it describes f near ``point``.
    ``bound`` is the largest stable learning rate of ``method`` (None when there is none:
    see ``reason``), ``formula`` how it is computed, in words/symbols, ``momentum`` μ,
    ``weight_decay`` (it adds to every eigenvalue).
    """

    method: str
    eigenvalues: tuple[float, ...]
    quadratic: bool
    point: tuple[float, ...] | None
    bound: float | None
    formula: str
    reason: str | None
    momentum: float = 0.0
    dampening: float = 0.0
    nesterov: bool = False
    weight_decay: float = 0.0
    #: f is quadratic with a negative eigenvalue (a saddle, or a maximum): unbounded below,
    #: so no learning rate converges except from starts on the directions of λ ≥ 0
    unbounded_below: bool = False
    #: a piece of f with a corner (|x|), as text, or None: the Hessian says nothing there,
    #: and a fixed step never settles at a corner, whatever η
    corner: str | None = None

    @property
    def lam_max(self) -> float:
        """The largest eigenvalue (NaN when the Hessian is undefined)."""
        return self.eigenvalues[-1] if self.eigenvalues else float("nan")

    def growth(self, lr: float) -> float | None:
        """How much one step multiplies the error along the worst eigen-direction when f is
        its quadratic model: max over eigenvalues λ of the spectral radius of the linear
        update (for plain GD, max |1 − ηλ|). Above 1 the error grows every step: the run
        diverges. None for the adaptive methods (their steps are not linear) and when the
        Hessian is undefined."""
        if self.method in _ADAPTIVE or not self.eigenvalues or not all(
                math.isfinite(v) for v in self.eigenvalues):
            return None
        worst = 0.0
        for lam in self.eigenvalues:
            h = float(lr) * (lam + self.weight_decay)
            mu = self.momentum
            if mu == 0:
                rho = abs(1 - h)
            else:
                h1 = h * (1 - self.dampening)
                if self.nesterov:
                    M = np.array([[1 - h1 * (1 + mu), -mu * mu], [h1, mu]])
                else:
                    M = np.array([[1 - h1, -mu], [h1, mu]])
                rho = float(np.max(np.abs(np.linalg.eigvals(M))))
            worst = max(worst, rho)
        return worst


def stability(fn: Function, method: str = "gd", hyper: Mapping[str, object] | None = None,
              point: Sequence[float] | Mapping[str, float] | None = None,
              ascent: bool = False) -> Stability:
    """The largest stable learning rate of ``method`` on ``fn``, from the Hessian's
    eigenvalues λ (largest λ_max; weight decay wd adds to each):

    * plain gradient descent: η < 2/λ_max — each step multiplies the error along an
      eigenvector by 1 − ηλ, which must stay within (−1, 1);
    * momentum (torch's b ← μb + ∇f, θ ← θ − ηb): η < 2(1+μ)/λ_max (with dampening d,
      divided by 1−d);
    * Nesterov (θ ← θ − η(∇f + μb)): η < 2(1+μ)/((1+2μ)λ_max);
    * Adagrad, RMSprop, Adam: no such bound (bound None), their steps are rescaled by the
      gradient's own size.

    When f is quadratic the Hessian is constant and the bound is exact and global;
    otherwise ``point`` is required and the bound is local (it holds while the steps stay
    near the point). The bound is None when λ_max ≤ 0 (no upward curvature: nothing to
    overshoot) or the Hessian is undefined at the point. A quadratic f with a negative
    eigenvalue is marked ``unbounded_below`` and its ``reason`` says so: no rate converges
    from a start with a component along that direction (``bound`` still limits the
    overshoot along the upward directions). A function with |u| has ``corner`` set to that
    piece, and its ``reason``, when the Hessian gives no bound, says that no
    rate settles at a corner. With ``ascent`` the analysis is of gradient ascent, which
    is descent on −f: the eigenvalues are −H's, and a quadratic with a positive eigenvalue
    (a bowl) is unbounded above. Raises ValueError for an unknown method or
    hyperparameter, or a missing point.
    """
    s = _stability(fn, method, hyper, point, ascent)
    corner = corner_piece(fn)
    if corner:
        s = replace(s, corner=corner)
        if s.bound is None and s.eigenvalues and method not in _ADAPTIVE:
            s = replace(s, reason=(
                f"f has a corner ({corner}), where its slope jumps and its Hessian says "
                "nothing: a fixed step bounces across a corner however small η is, so no "
                f"learning rate makes gradient {'ascent' if ascent else 'descent'} settle "
                "there"))
    wd = s.weight_decay
    if s.quadratic and s.eigenvalues and s.eigenvalues[0] + wd < 0:
        # along λ < 0 every step multiplies the distance from the saddle by 1 + η|λ| > 1
        sign, way = ("positive", "above") if ascent else ("negative", "below")
        s = replace(s, unbounded_below=True, reason=(
            f"f is quadratic and its Hessian has a {sign} eigenvalue (λ = "
            f"{(-1 if ascent else 1) * s.eigenvalues[0]:.4g}), so f is unbounded {way} "
            "along that direction: every step moves further along it, and no learning rate "
            "converges (unless the start has no component along it)"))
    return s


def _stability(fn: Function, method: str, hyper: Mapping[str, object] | None,
               point: Sequence[float] | Mapping[str, float] | None,
               ascent: bool = False) -> Stability:
    """:func:`stability` without the check for a quadratic unbounded below."""
    h = resolve_hyperparameters(method, **dict(hyper or {}))
    n = len(fn.variables)
    if n == 0:
        return Stability(method, (), True, None, None, "", "f has no variables")
    H, constant = _hessian_at(fn, point)
    if ascent:
        H = -H  # gradient ascent is descent on −f
    at = None if constant else tuple(float(v) for v in to_point(fn, point))
    if not np.all(np.isfinite(H)):
        return Stability(method, (), constant, at, None, "",
                         "the Hessian is undefined here")
    eig = tuple(float(v) for v in np.linalg.eigvalsh((H + H.T) / 2))
    if method in _ADAPTIVE:
        return Stability(method, eig, constant, at, None, "",
                         f"{_ADAPTIVE[method]} divides each step by the gradient's recent "
                         "size, so its steps are about η long whatever the curvature: no "
                         "bound comes from the Hessian")
    mu = float(h["momentum"])
    damp = float(h["dampening"])
    nesterov = bool(h["nesterov"])
    wd = float(h["weight_decay"])
    lam = eig[-1] + wd
    extra = dict(momentum=mu, dampening=damp, nesterov=nesterov, weight_decay=wd)
    lam_text = "(λₘₐₓ + weight decay)" if wd else "λₘₐₓ"
    if lam <= 0:
        return Stability(method, eig, constant, at, None, "",
                         ("the Hessian has no negative eigenvalue here: f curves nowhere "
                          "downward, so an ascent step cannot overshoot") if ascent else
                         ("the Hessian has no positive eigenvalue here: f curves nowhere "
                          "upward, so a step cannot overshoot"), **extra)
    if mu == 0:
        bound, formula = 2.0 / lam, f"2/{lam_text}"
    elif nesterov:
        bound, formula = 2 * (1 + mu) / ((1 + 2 * mu) * lam), f"2(1+μ)/((1+2μ){lam_text})"
    else:
        bound = 2 * (1 + mu) / ((1 - damp) * lam) if damp < 1 else math.inf
        formula = f"2(1+μ)/((1−d){lam_text})" if damp else f"2(1+μ)/{lam_text}"
    if not math.isfinite(bound):
        return Stability(method, eig, constant, at, None, "", "dampening 1 stops the "
                         "optimizer from moving", **extra)
    return Stability(method, eig, constant, at, float(bound), formula, None, **extra)


def suggested_learning_rate(fn: Function, method: str,
                            hyper: Mapping[str, object] | None = None,
                            points: Iterable[Sequence[float]] = (),
                            fraction: float | None = None,
                            grid: Sequence[float] = LR_GRID) -> float:
    """A learning rate to start ``method`` with on ``fn``: :data:`DEFAULT_LR`, lowered to
    the largest grid rate ≤ ``fraction`` × the stability bound at each of ``points``
    (e.g. the start and the known minima). By default ``fraction`` is 0.8 for a quadratic
    (its bound is exact and global: plain gradient descent then still zig-zags across a
    narrow valley, as it does in practice) and 0.5 otherwise (a local bound is only a
    guide). Adaptive methods keep their default."""
    lr = DEFAULT_LR[method]
    if method in _ADAPTIVE or not fn.variables:
        return lr
    pts = list(points)
    const, _ = _hessian_parts(fn)
    if fraction is None:
        fraction = 0.8 if const is not None else 0.5
    for p in (pts[:1] if const is not None else pts) or [None]:
        try:
            s = stability(fn, method, hyper, p)
        except ValueError:
            continue
        safe = safe_learning_rate(s.bound, fraction, grid)
        if s.bound is not None:
            lr = min(lr, safe if safe is not None else float(grid[0]))
    return float(lr)


# ----------------------------------------------------------------------------- many starts


def start_grid(window: Sequence[tuple[float, float]], per_side: int) -> np.ndarray:
    """``per_side``² start points (rows (x, y), x varying fastest) at the centres of a
    ``per_side`` × ``per_side`` tiling of a two-range ``window``, so none lies on its
    edge."""
    n = int(per_side)
    if n < 1:
        raise ValueError("per_side must be at least 1")
    if len(window) != 2:
        raise ValueError("a start grid needs a window of two ranges (x and y)")
    axes = []
    for lo, hi in window:
        lo, hi = float(lo), float(hi)
        d = (hi - lo) / n
        axes.append(lo + d * (np.arange(n) + 0.5))
    X, Y = np.meshgrid(*axes)
    return np.column_stack([X.ravel(), Y.ravel()])


@dataclass(frozen=True, eq=False)
class Basins:
    """Which minimum each run reached.

    ``centres`` (k, n): the known minima first (``known[i]`` True), then the end points
    found by clustering (the mean of each cluster); ``labels`` (m,): index into
    ``centres`` per run, or -1 (diverged, stopped away from every centre, or in a cluster
    beyond ``max_basins``); ``counts`` (k,) runs per centre; ``n_diverged``;
    ``n_unassigned`` non-diverged runs labelled -1; ``n_dropped`` of them ended at
    stationary points in clusters past ``max_basins``.
    """

    centres: np.ndarray
    labels: np.ndarray
    known: np.ndarray
    counts: np.ndarray
    n_diverged: int
    n_unassigned: int
    n_dropped: int

    @property
    def n_basins(self) -> int:
        """Centres reached by at least one run."""
        return int(np.count_nonzero(self.counts))


def basins(final: np.ndarray, status: Sequence[str], minima: Sequence[Sequence[float]] = (),
           *, radius: float, grad_norms: Sequence[float] | None = None,
           stationary_tol: float = 1e-3, max_basins: int = 8) -> Basins:
    """Label each run's end point (rows of ``final``, statuses as :class:`ManyPaths`
    gives them) by the minimum it reached.

    A run that did not diverge belongs to the nearest known minimum (``minima``) within
    ``radius``; the remaining runs that stopped at a stationary point (status
    "converged", or ‖∇f‖ < ``stationary_tol`` when ``grad_norms`` is given) are grouped
    greedily into clusters of that radius, the most visited first, up to ``max_basins``
    centres in all. Everything else gets -1.
    """
    F = np.asarray(final, dtype=float)
    if F.ndim == 1:
        F = F[:, None]
    m, n = F.shape
    status = np.asarray(status).astype(str)
    if status.shape != (m,):
        raise ValueError(f"{m} end points but {status.size} statuses")
    radius = float(radius)
    if not radius > 0:
        raise ValueError("radius must be > 0")
    M = np.asarray(minima, dtype=float).reshape(-1, n) if len(minima) else np.empty((0, n))
    labels = np.full(m, -1, dtype=np.int64)
    diverged = status == "diverged"
    ok = ~diverged & np.all(np.isfinite(F), axis=1)
    if len(M) and ok.any():
        d = np.linalg.norm(F[ok][:, None, :] - M[None, :, :], axis=2)
        nearest = np.argmin(d, axis=1)
        near = d[np.arange(len(nearest)), nearest] <= radius
        idx = np.flatnonzero(ok)
        labels[idx[near]] = nearest[near]
    stationary = status == "converged"
    if grad_norms is not None:
        g = np.asarray(grad_norms, dtype=float)
        stationary |= np.isfinite(g) & (g < stationary_tol)
    rest = np.flatnonzero(ok & stationary & (labels < 0))
    centres: list[np.ndarray] = []
    members: list[list[int]] = []
    for i in rest:  # greedy: at most m × clusters distance checks
        p = F[i]
        if centres:
            d = np.linalg.norm(np.asarray(centres) - p, axis=1)
            j = int(np.argmin(d))
            if d[j] <= radius:
                members[j].append(int(i))
                continue
        centres.append(p.copy())
        members.append([int(i)])
    order = sorted(range(len(members)), key=lambda j: -len(members[j]))
    room = max(0, int(max_basins) - len(M))
    kept = order[:room]
    dropped = sum(len(members[j]) for j in order[room:])
    new_centres = [F[members[j]].mean(axis=0) for j in kept]
    for k, j in enumerate(kept):
        labels[members[j]] = len(M) + k
    all_centres = np.vstack([M, *new_centres]) if new_centres else M.copy()
    known = np.arange(len(all_centres)) < len(M)
    counts = np.bincount(labels[labels >= 0], minlength=len(all_centres))
    n_div = int(np.count_nonzero(~ok))
    return Basins(all_centres, labels, known, counts, n_div,
                  int(np.count_nonzero(ok & (labels < 0))), int(dropped))


# ----------------------------------------------------------------------------- the view


def view_window(window: Sequence[tuple[float, float]], paths: Iterable[np.ndarray],
                reach: float = 3.0, divisions: int = 10, max_aspect: float = 2.0
                ) -> tuple[tuple[float, float], ...]:
    """``window`` grown, range by range, to show where the ``paths`` went (rows are points,
    the first ``len(window)`` columns are the plotted coordinates): points within ``reach``
    window-widths of its centre count, farther ones (a diverging run's tail) do not. A
    grown range gets a 5 % margin and ends rounded outward to a round step (1, 2 or 5
    times a power of ten, about a tenth of its width), so small changes of the paths keep
    the same window. A window the paths stay inside is returned unchanged. When growing
    made the first two ranges more than ``max_aspect`` times as long as one another (runs
    diverging along one axis of a saddle), the shorter one is widened about its centre, so
    a plot with equal axes is not a thin strip."""
    win = [(float(lo), float(hi)) for lo, hi in window]
    pts = [np.asarray(p, dtype=float) for p in paths]
    pts = [p.reshape(len(p), -1)[:, :len(win)] for p in pts if np.size(p)]
    if not pts:
        return tuple(win)
    P = np.vstack(pts)
    out = []
    for k, (lo, hi) in enumerate(win):
        c, half = (lo + hi) / 2, (hi - lo) / 2
        v = P[:, k]
        v = v[np.isfinite(v) & (np.abs(v - c) <= reach * 2 * half)]
        new_lo = min(lo, float(v.min())) if v.size else lo
        new_hi = max(hi, float(v.max())) if v.size else hi
        if (new_lo, new_hi) != (lo, hi):
            pad = 0.05 * (new_hi - new_lo)
            step = nice_step(new_hi - new_lo, divisions, up=True)
            if new_lo < lo:
                new_lo = math.floor((new_lo - pad) / step) * step
            if new_hi > hi:
                new_hi = math.ceil((new_hi + pad) / step) * step
        out.append((float(new_lo), float(new_hi)))
    if len(out) >= 2 and tuple(out[:2]) != tuple(win[:2]):
        widths = [hi - lo for lo, hi in out[:2]]
        narrow = int(np.argmin(widths))
        if min(widths) > 0 and max(widths) > max_aspect * min(widths):
            lo, hi = out[narrow]
            half = max(widths) / max_aspect / 2
            step = nice_step(2 * half, divisions, up=True)
            c = (lo + hi) / 2
            out[narrow] = (float(math.floor((c - half) / step) * step),
                           float(math.ceil((c + half) / step) * step))
    return tuple(out)


def leaves_window(window: Sequence[tuple[float, float]], paths: Iterable[np.ndarray]) -> bool:
    """Whether a point of the ``paths`` (its first ``len(window)`` coordinates) lies outside
    ``window`` or is not finite: a run the plot cuts at its edge."""
    lo = np.array([w[0] for w in window], dtype=float)
    hi = np.array([w[1] for w in window], dtype=float)
    for p in paths:
        P = np.asarray(p, dtype=float).reshape(len(p), -1)[:, :len(lo)] if np.size(p) else None
        if P is not None and not (np.isfinite(P).all() and (P >= lo).all() and (P <= hi).all()):
            return True
    return False


def plottable(points: np.ndarray, limit: float = 1e15) -> np.ndarray:
    """A float copy of ``points`` with entries that are not finite, or beyond ±``limit``,
    replaced by NaN (a gap in a plotted line), e.g. a diverged run's last point."""
    a = np.array(points, dtype=float)
    a[~np.isfinite(a) | (np.abs(a) > limit)] = np.nan
    return a

