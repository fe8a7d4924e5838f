"""Symbolic calculus on parsed functions: partial derivatives, gradient, Hessian."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from threading import Lock

import numpy as np
import sympy as sp

from ._parser import Function

__all__ = [
    "gradient", "gradient_at", "hessian", "partial", "resolve_variable", "simplify_bounded",
    "to_point",
]


def resolve_variable(fn: Function, var: sp.Symbol | str) -> sp.Symbol:
    """The variable of ``fn`` named by ``var`` (a Symbol or its name)."""
    name = var.name if isinstance(var, sp.Symbol) else str(var)
    for v in fn.variables:
        if v.name == name:
            return v
    if isinstance(var, sp.Symbol):
        return var  # a variable f does not depend on: its partial is 0
    raise ValueError(
        f"{name!r} is not a variable of {fn.expr}; its variables are "
        f"{', '.join(fn.names) or 'none'}"
    )


_CACHE: OrderedDict[tuple[sp.Expr, sp.Symbol], sp.Expr] = OrderedDict()
_CACHE_SIZE = 1024
_CACHE_LOCK = Lock()
_STRIPES = [Lock() for _ in range(32)]


def _remember(expr: sp.Expr, var: sp.Symbol, result: sp.Expr) -> None:
    """Store a derivative (e.g. one computed in a bounded worker) so it is not recomputed."""
    with _CACHE_LOCK:
        _CACHE[(expr, var)] = result
        _CACHE.move_to_end((expr, var))
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)


def _differentiate(pairs: list[tuple[sp.Expr, sp.Symbol]]) -> list[sp.Expr]:
    """d expr / d var for each pair (the work itself: run in a bounded worker)."""
    out = []
    for expr, var in pairs:
        # Differentiate with real-valued stand-ins for every variable, so |x| gives
        # sign(x) and |xy| gives y·sign(xy) rather than sympy's complex-valued re/im
        # forms, then map back to the user's symbols.
        real = {s: sp.Dummy(s.name, real=True) for s in expr.free_symbols | {var}}
        back = {d: s for s, d in real.items()}
        d = sp.diff(expr.xreplace(real), real[var]).xreplace(back)
        out.append(_without_sign_jumps(d))
    return out


def _without_sign_jumps(d: sp.Expr) -> sp.Expr:
    """sign(u)' is 0 wherever it exists (u ≠ 0; at u = 0 the point is reported as a jump):
    sympy writes 2·δ(u) for a real u and leaves Derivative(sign(u), x) unevaluated when u
    may be complex (sign(ln x)), which no numeric printer can compile."""
    if d.has(sp.DiracDelta):
        d = d.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.Zero)
    if d.has(sp.Derivative):
        d = d.replace(lambda e: isinstance(e, sp.Derivative) and isinstance(e.expr, sp.sign),
                      lambda e: sp.S.Zero)
    return d


def _derivatives(pairs: list[tuple[sp.Expr, sp.Symbol]]) -> list[sp.Expr]:
    """d expr / d var for each pair: from the cache, the rest in one call of a bounded
    worker (run inline when this already is one). Raises ``TooComplexError`` when that
    overruns the time or memory limit."""
    from . import _bounded  # local: keeps this module importable on its own

    def missing() -> tuple[list, list]:
        with _CACHE_LOCK:
            found = [_CACHE.get(p) for p in pairs]
        return found, list(dict.fromkeys(
            p for p, hit in zip(pairs, found, strict=True) if hit is None))

    found, todo = missing()
    if not todo:
        return found
    # sessions asking for the same derivatives at once (a class on one link) wait for
    # one worker call instead of each queueing its own
    with _STRIPES[hash(tuple(todo)) % len(_STRIPES)]:
        found, todo = missing()
        if todo:
            results = _bounded.run_bounded(_differentiate, todo,
                                           timeout=_bounded.DEFAULT_TIMEOUT,
                                           what="differentiating this function")
            done = dict(zip(todo, results, strict=True))
            for (expr, var), result in done.items():
                _remember(expr, var, result)
            found = [done[p] if hit is None else hit
                     for p, hit in zip(pairs, found, strict=True)]
    return found


def _diff(expr: sp.Expr, var: sp.Symbol) -> sp.Expr:
    return _derivatives([(expr, var)])[0]


def partial(fn: Function, var: sp.Symbol | str) -> sp.Expr:
    """∂f/∂var as a sympy expression, exactly as ``sympy.diff`` gives it (no ``simplify``).

    ``var`` is one of ``fn.variables`` or its name. Variables are real: ∂|x|/∂x = sign(x).
    Differentiating runs under the hard time limit (``TooComplexError`` when it overruns)
    and is cached.
    """
    return _diff(fn.expr, resolve_variable(fn, var))


def gradient(fn: Function) -> tuple[sp.Expr, ...]:
    """∇f: one partial derivative per variable, in ``fn.variables`` order (computed under
    the hard time limit, like :func:`partial`)."""
    return tuple(_derivatives([(fn.expr, v) for v in fn.variables]))


def hessian(fn: Function) -> sp.Matrix:
    """The matrix of second partial derivatives, rows and columns in ``fn.variables`` order
    (computed under the hard time limit, like :func:`partial`)."""
    grad = gradient(fn)
    n = len(fn.variables)
    upper = [(i, j) for i in range(n) for j in range(i, n)]
    second = _derivatives([(grad[i], fn.variables[j]) for i, j in upper])
    rows = [[None] * n for _ in range(n)]
    for (i, j), d in zip(upper, second, strict=True):
        rows[i][j] = rows[j][i] = d
    return sp.Matrix(rows) if n else sp.zeros(0, 0)


def to_point(fn: Function, point: Sequence[float] | Mapping[str, float]) -> np.ndarray:
    """A point as a float array in ``fn.variables`` order, from a sequence in that order or a
    mapping of variable names (or Symbols) to values."""
    if isinstance(point, Mapping):
        values = {(k.name if isinstance(k, sp.Symbol) else str(k)): v for k, v in point.items()}
        missing = [n for n in fn.names if n not in values]
        if missing:
            raise ValueError(f"the point needs a value for {', '.join(missing)}")
        extra = sorted(set(values) - set(fn.names))
        if extra:
            raise ValueError(
                f"{', '.join(extra)} {'is' if len(extra) == 1 else 'are'} not a variable of "
                f"this function; its variables are {', '.join(fn.names)}"
            )
        arr = np.array([values[n] for n in fn.names], dtype=float)
    else:
        arr = np.asarray(point, dtype=float).reshape(-1)
        if arr.shape != (len(fn.variables),):
            raise ValueError(
                f"the point needs {len(fn.variables)} coordinate(s) ({', '.join(fn.names)}), "
                f"got {arr.size}"
            )
    return arr


def gradient_at(fn: Function, point: Sequence[float] | Mapping[str, float]) -> np.ndarray:
    """∇f at one point as a float array (NaN where a partial is undefined there).

    ``point`` is a sequence in ``fn.variables`` order or a mapping of names to values.
    Uses the compiled gradient, never per-point substitution.
    """
    from ._numeric import compile_function  # local: _numeric imports this module

    return compile_function(fn).grad(to_point(fn, point)[None, :])[0]



def _simplify(expr: sp.Expr) -> sp.Expr:
    """sympy's ``simplify``: can run for minutes, so only ever called through
    :func:`simplify_bounded` (in a worker process under a time limit)."""
    return sp.simplify(expr)


def simplify_bounded(expr: sp.Expr, timeout: float = 1.0) -> sp.Expr:
    """``expr`` simplified by sympy within ``timeout`` seconds, or ``expr`` unchanged when
    that takes longer (or the simplified form is not shorter)."""
    from ._bounded import TooComplexError, run_bounded

    try:
        result = run_bounded(_simplify, expr, timeout=timeout, what="Simplifying")
    except TooComplexError:
        return expr
    return result if sp.count_ops(result) <= sp.count_ops(expr) else expr
