"""Fast numerics: a function and its gradient compiled once to numpy, evaluated vectorized
on grids and many points, with undefined points masked (NaN) and counted."""

from __future__ import annotations

import functools
import itertools
import linecache
import math
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from . import _bounded
from ._bounded import TooComplexError, cached_once, run_bounded
from ._calculus import _remember, gradient, hessian, to_point
from ._parser import Function, _count_nodes

__all__ = [
    "Compiled", "Evaluation", "GradientCheck", "Grid", "check_gradient", "compile_function",
    "evaluate", "evaluate_grid",
]


_FACTOR_TERMS_MAX_NODES = 200


def _numeric_form(expr: sp.Expr) -> sp.Expr:
    """Prepare an expression for floating point: huge exact numbers become floats (numpy
    cannot multiply by a 300-digit int) and Dirac deltas (second derivatives of |x|) are 0
    away from the kink, which the undefined-point check reports separately. Small
    expressions get their common factors pulled out (``factor_terms``: cheap, unlike
    ``simplify``), which lets ``cse`` share them with f: -200x² + 200y becomes 200(y - x²),
    the very subexpression Rosenbrock's f computes."""
    expr = expr.replace(sp.DiracDelta, lambda *args: sp.S.Zero)
    if expr.is_Add and _count_nodes(expr, _FACTOR_TERMS_MAX_NODES) <= _FACTOR_TERMS_MAX_NODES:
        expr = sp.factor_terms(expr)
    big = {a: sp.Float(a, 17) for a in expr.atoms(sp.Rational)
           if abs(a.p) > 2**53 or a.q > 2**53}
    return expr.xreplace(big) if big else expr


# --------------------------------------------------------------------------------------
# Compiling under the time limit: ``lambdify(..., cse=True)`` finds common subexpressions
# and prints the code, which grows with the expression; that part runs in a bounded worker
# and only the printed source comes back, to be compiled here (what lambdify itself does
# with the code it prints: ``exec`` in the modules' namespace).

_MAX_SOURCE_CHARS = 2_000_000  # ~10x the largest code the derivative-size limit allows
_COMPILED = itertools.count()


def _lambdify_source(args, exprs, modules, printer=None, numeric_form: bool = False,
                     prepare=None) -> str:
    """The source code ``lambdify(args, exprs, modules, printer=printer, cse=True,
    dummify=True)`` generates (run in a worker by :func:`lambdify_bounded`), after
    ``prepare`` (or :func:`_numeric_form` if ``numeric_form``) is applied to each
    expression."""
    prepare = prepare or (_numeric_form if numeric_form else None)
    if prepare is not None:
        exprs = [prepare(e) for e in exprs] if isinstance(exprs, (list, tuple)) \
            else prepare(exprs)
    func = sp.lambdify(list(args), exprs, modules, printer=printer, cse=True, dummify=True)
    filename = func.__code__.co_filename
    source = "".join(linecache.getlines(filename))
    linecache.cache.pop(filename, None)  # a long-lived worker must not keep every source
    if not source:  # pragma: no cover - sympy always registers the source it executes
        raise RuntimeError("lambdify left no source to compile")
    return source


def _load_source(source: str, modules) -> Callable:
    """Compile source printed by :func:`_lambdify_source` in the namespace lambdify builds
    for ``modules`` (here, in the calling process) and return the function it defines."""
    if len(source) > _MAX_SOURCE_CHARS:
        raise TooComplexError("The compiled code for this function would be too large. "
                              "Try a shorter function.")
    namespace = sp.lambdify([], 0, modules).__globals__  # numpy (etc.) names, as lambdify
    filename = f"<gradcore-compiled-{next(_COMPILED)}>"
    try:
        code = compile(source, filename, "exec")
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        raise TooComplexError("This function is nested too deeply to compile. Try a "
                              "simpler or shorter function.") from None
    defined: dict = {}
    exec(code, namespace, defined)  # noqa: S102 - code printed by sympy, not user text
    (func,) = defined.values()
    # like lambdify: the source is readable (inspect, tracebacks) while the function lives
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    weakref.finalize(func, linecache.cache.pop, filename, None)
    return _real_valued(func)


_NEAR_REAL = 1e-12  # |imaginary part| ≤ this × max(1, |real part|): rounding, not a value
_FLOAT = frozenset({float})


def _to_float(v) -> float:
    """One number (a Python, numpy or sympy scalar, or a one-element array, as compiled
    code returns) as a float; NaN when it is not one real number (complex, not a number)."""
    try:
        arr = np.asarray(v, dtype=float)
    except (TypeError, ValueError):
        return math.nan
    return float(arr.reshape(-1)[0]) if arr.size == 1 else math.nan


def _is_real(value) -> bool:
    return value.__class__ is float or (value.__class__ is np.ndarray
                                        and value.dtype.kind != "c")


def _real(value):
    """``value`` (a number, an array, or a list or tuple of them) as real numbers: NaN
    where it has an imaginary part (no real value there), its real part where that part
    is only rounding (``(-1)^(1/3) - (-1)^(2/3)`` is 1)."""
    if isinstance(value, (list, tuple)):
        if all(map(_is_real, value)):  # the usual case, in the descent loop: as it is
            return value
        return type(value)(_real(v) for v in value)
    if isinstance(value, complex | np.complexfloating) or (
            isinstance(value, np.ndarray) and value.dtype.kind == "c"):
        re, im = np.real(value), np.abs(np.imag(value))
        out = np.where(im <= _NEAR_REAL * np.maximum(1.0, np.abs(re)), re, np.nan)
        return float(out) if out.ndim == 0 else out
    return value


def _real_valued(func: Callable) -> Callable:
    """``func`` with real results only. Python floats and numpy's complex constants can
    make compiled code complex (``(-1.0)**0.5``, ``x**((-1)**(1/3))``): a complex result
    is not a value of a real function, so it becomes NaN ("undefined here")."""

    @functools.wraps(func)
    def real_valued(*args):
        out = func(*args)
        cls = out.__class__
        if cls is float or ((cls is list or cls is tuple) and set(map(type, out)) <= _FLOAT):
            return out  # the descent loop's case (Python floats), checked at C speed
        return _real(out)

    return real_valued


def lambdify_bounded(args: Sequence[sp.Symbol], exprs, modules="numpy", *, printer=None,
                     numeric_form: bool = False, prepare: Callable | None = None,
                     timeout: float | None = None,
                     what: str = "compiling this function") -> Callable:
    """``sympy.lambdify(args, exprs, modules, printer=printer, cse=True, dummify=True)``
    under a hard time and memory limit.

    Finding common subexpressions and printing the code (the part that grows with the
    expression) runs in a worker process (:func:`~gradcore.run_bounded`); the source it
    prints is compiled here. With ``numeric_form=True`` the expressions are first prepared
    for floating point in the worker (huge exact numbers as floats, Dirac deltas as 0);
    ``prepare``, a module-level gradcore function of one expression, is applied there
    instead (sympy rewriting is symbolic work too: it must not run in the server's thread).
    ``printer``, ``prepare`` and ``modules`` must pickle (a printer class and module names
    or dicts of module-level functions). Raises :class:`TooComplexError` when the work takes longer
    than ``timeout`` seconds (default: the general limit, ``GRADCORE_TIMEOUT``) or too
    much memory, or its code is too large to compile.
    """
    source = run_bounded(_lambdify_source, list(args), exprs, modules, printer,
                         numeric_form, prepare, timeout=timeout or _bounded.DEFAULT_TIMEOUT,
                         what=what)
    return _load_source(source, modules)


@dataclass(frozen=True, eq=False)
class Compiled:
    """``fn`` and its gradient compiled once with ``lambdify(..., cse=True)``.

    Methods take ``points`` of shape (m, n) (n = number of variables) and return values of
    shape (m,) and gradients of shape (m, n); undefined or overflowing results are NaN.
    """

    fn: Function
    gradient: tuple[sp.Expr, ...]
    _f_and_grad: object

    @property
    def n(self) -> int:
        return len(self.fn.variables)

    def _columns(self, points: np.ndarray) -> list[np.ndarray]:
        pts = np.asarray(points, dtype=float)
        if pts.ndim != 2 or pts.shape[1] != self.n:
            raise ValueError(f"points must have shape (m, {self.n}), got {pts.shape}")
        return [pts[:, k] for k in range(self.n)]

    def value_and_grad(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cols = self._columns(points)
        with np.errstate(all="ignore"):
            out = self._f_and_grad(*cols)
        m = len(points)
        values = _full(out[0], (m,))
        grads = np.empty((m, self.n))
        for k in range(self.n):
            grads[:, k] = out[k + 1]
        _mask_inplace(values, grads.T)
        return values, grads

    def values(self, points: np.ndarray) -> np.ndarray:
        return self.value_and_grad(points)[0]

    def grad(self, points: np.ndarray) -> np.ndarray:
        """∇f at each row of ``points``: shape (m, n); NaN rows where f or any partial is
        undefined or not finite."""
        return self.value_and_grad(points)[1]



def _full(a, shape) -> np.ndarray:
    """``a`` (an array, a broadcastable piece or a constant) as a writable float array of
    ``shape``."""
    if a.__class__ is np.ndarray and a.shape == shape and a.dtype == np.float64:
        return a
    out = np.empty(shape)
    out[...] = a
    return out


def _mask_inplace(values: np.ndarray, grads) -> int:
    """Set every component to NaN where any of f or its gradient is not finite; return the
    number of such points. The common case (all finite) costs only read-only reductions:
    NaN and ±inf survive a sum; an overflowing sum of finite values falls through to the
    exact check."""
    with np.errstate(all="ignore"):
        total = values.sum()
        for g in grads:
            total += g.sum()
        if math.isfinite(total):
            return 0
        bad = ~np.isfinite(values)
        for g in grads:
            bad |= ~np.isfinite(g)
    count = int(np.count_nonzero(bad))
    if count:
        values[bad] = np.nan
        for g in grads:
            g[bad] = np.nan
    return count


@cached_once(maxsize=128)
def compile_function(fn: Function) -> Compiled:
    """Compile ``fn`` and its gradient to numpy once (cached per function) and return a
    :class:`Compiled` evaluator.

    Differentiating and generating the code run under a hard time limit in a worker (as in
    :func:`lambdify_bounded`); raises :class:`TooComplexError` when they overrun (not
    cached: a later call tries again)."""
    grad, source = run_bounded(_compile_source, fn, timeout=_bounded.DEFAULT_TIMEOUT,
                               what="compiling this function")
    for v, g in zip(fn.variables, grad, strict=True):
        _remember(fn.expr, v, g)
    return Compiled(fn, grad, _load_source(source, "numpy"))


def _compile_source(fn: Function) -> tuple[tuple[sp.Expr, ...], str]:
    """∇f and the source of f and ∇f compiled together (run in a worker)."""
    grad = gradient(fn)
    return grad, _lambdify_source(fn.variables, [fn.expr, *grad], "numpy", numeric_form=True)


@cached_once(maxsize=128)
def compile_hessian(fn: Function):
    """The Hessian of f compiled once (cached per function) with ``lambdify(cse=True)``
    under the time limit (:func:`lambdify_bounded`): returns a callable taking the n
    coordinates and returning the n² entries, row by row. Raises
    :class:`TooComplexError` when compiling overruns."""
    h = hessian(fn)
    n = len(fn.variables)
    entries = [h[i, j] for i in range(n) for j in range(n)]
    return lambdify_bounded(fn.variables, entries, numeric_form=True,
                            what="compiling the Hessian")


@dataclass(frozen=True)
class Evaluation:
    """f and ∇f at many points: ``values`` (m,), ``grads`` (m, n), ``undefined`` (m,) bool
    mask of points where f or a partial is undefined or not finite, ``n_undefined``."""

    values: np.ndarray
    grads: np.ndarray
    undefined: np.ndarray
    n_undefined: int


def evaluate(fn: Function, points: np.ndarray | Sequence) -> Evaluation:
    """Evaluate f and ∇f at every row of ``points`` (shape (m, n)) at once."""
    values, grads = compile_function(fn).value_and_grad(np.atleast_2d(np.asarray(points, float)))
    undefined = np.isnan(values)
    return Evaluation(values, grads, undefined, int(undefined.sum()))


class _GradStack(tuple):
    """The partials of a grid, one array per axis, without copying them into one block:
    ``grads[k]`` is an array; ``shape``/``asarray`` behave as the stacked array would."""

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self), *self[0].shape) if self else (0,)

    def __array__(self, dtype=None, copy=None):
        return np.stack(self) if dtype is None else np.stack(self).astype(dtype)


@dataclass(frozen=True)
class Grid:
    """f and ∇f on a rectangular grid.

    ``axes``: one 1-D coordinate array per varying variable (``names`` gives them);
    ``values``: f with numpy ``meshgrid(*axes, indexing="xy")`` shape — for two axes
    (ny, nx), so ``values[j, i]`` is f(xs[i], ys[j]) as Plotly's contour expects;
    ``grads``: the partials along the varying axes, ``grads[k]`` shaped like ``values``
    (``np.asarray(grads)`` stacks them: shape (len(axes), *values.shape));
    ``n_undefined`` of ``values.size`` points are NaN (undefined or not finite).
    """

    names: tuple[str, ...]
    axes: tuple[np.ndarray, ...]
    values: np.ndarray
    grads: np.ndarray
    fixed: dict
    n_undefined: int

    @property
    def fraction_undefined(self) -> float:
        return self.n_undefined / self.values.size if self.values.size else 0.0


def evaluate_grid(
    fn: Function,
    ranges: Mapping[str, tuple[float, float]] | Sequence[tuple[float, float]],
    resolution: int | Sequence[int] = 100,
    fixed: Mapping[str, float] | None = None,
) -> Grid:
    """Evaluate f and ∇f on a grid, vectorized.

    ``ranges`` maps the varying variables' names to (low, high) — or is a sequence of
    (low, high) for the first variables in order; every other variable takes its value from
    ``fixed`` (a slice, e.g. z = 1). ``resolution`` is points per axis (one int or one per
    axis). Undefined points are NaN and counted, never an exception or a warning.
    """
    if not isinstance(ranges, Mapping):
        ranges = dict(zip(fn.names, ranges, strict=False))
    names = tuple(str(n) for n in ranges)  # names f does not depend on are allowed:
    # f is constant along them (3y drawn over the x-y plane)
    fixed = {str(k): float(v) for k, v in (fixed or {}).items()}
    res = [int(resolution)] * len(names) if np.isscalar(resolution) else list(resolution)
    axes = tuple(np.linspace(float(lo), float(hi), int(r))
                 for (lo, hi), r in zip(ranges.values(), res, strict=True))
    # meshgrid(..., indexing="xy") order, but as broadcastable views: no coordinate
    # meshes are built, numpy broadcasts each axis where the expression uses it
    dims = [1, 0, *range(2, len(axes))] if len(axes) >= 2 else [0] * len(axes)
    shape = tuple(len(axes[dims.index(d)]) for d in range(len(axes)))
    views = []
    for k, ax in enumerate(axes):
        view_shape = [1] * len(axes)
        view_shape[dims[k]] = ax.size
        views.append(ax.reshape(view_shape))
    fn_names = fn.names
    coords = []
    for name in fn_names:
        if name in names:
            coords.append(views[names.index(name)])
        elif name in fixed:
            coords.append(np.float64(fixed[name]))
        else:
            raise ValueError(f"give {name} a range or a fixed value")
    compiled = compile_function(fn)
    with np.errstate(all="ignore"):
        out = compiled._f_and_grad(*coords)
        raw = [out[0], *(out[1 + fn_names.index(n)] if n in fn_names else 0.0 for n in names)]
        # finite before broadcasting: the sums run over fewer numbers
        finite = math.isfinite(sum(float(a.sum() if a.__class__ is np.ndarray else a)
                                   for a in raw))
    # an output that is an input (f = x on a 1-D grid) is copied, never shared with axes
    values, *grads = (_full(np.array(a) if any(a is c for c in coords) else a, shape)
                      for a in raw)
    n_bad = 0 if finite else _mask_inplace(values, grads)
    return Grid(names, axes, values, _GradStack(grads), fixed, n_bad)


@dataclass(frozen=True)
class GradientCheck:
    """Symbolic ∇f against central finite differences at ``point``.

    ``relative_error`` = ‖symbolic − numeric‖ / max(‖symbolic‖, ‖numeric‖, 1e-12);
    ``ok`` when it is below ``tolerance`` (NaN-safe: False where undefined)."""

    point: np.ndarray
    symbolic: np.ndarray
    numeric: np.ndarray
    step: float
    relative_error: float
    tolerance: float

    @property
    def ok(self) -> bool:
        return bool(self.relative_error <= self.tolerance)


def check_gradient(
    fn: Function,
    point: Sequence[float] | Mapping[str, float],
    step: float | None = None,
    tolerance: float = 1e-5,
) -> GradientCheck:
    """Compare the symbolic gradient with central differences (f(a+h) − f(a−h)) / 2h.

    The default step is h = 1e-5·max(1, |a_i|) per coordinate. All 2n shifted points are
    evaluated in one vectorized call.
    """
    a = to_point(fn, point)
    n = a.size
    compiled = compile_function(fn)
    h = (1e-5 * np.maximum(1.0, np.abs(a))) if step is None else np.full(n, float(step))
    shifted = np.repeat(a[None, :], 2 * n, axis=0)
    idx = np.arange(n)
    shifted[2 * idx, idx] += h
    shifted[2 * idx + 1, idx] -= h
    values = compiled.values(shifted)
    numeric = (values[0::2] - values[1::2]) / (2 * h)
    symbolic = compiled.grad(a[None, :])[0]
    with np.errstate(all="ignore"):
        denom = max(np.linalg.norm(symbolic), np.linalg.norm(numeric), 1e-12)
        err = float(np.linalg.norm(symbolic - numeric) / denom)
    if not np.isfinite(err):
        err = float("nan")
    return GradientCheck(a, symbolic, numeric, float(h.max()) if n else 0.0, err, tolerance)
