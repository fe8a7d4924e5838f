"""Everything the app needs about one function, computed once under a time limit."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ._bounded import DEFAULT_TIMEOUT, TooComplexError, run_bounded
from ._calculus import _remember, gradient, hessian
from ._numeric import Compiled, compile_function
from ._parser import Function, _count_nodes

__all__ = ["MAX_DERIVATIVE_NODES", "Analysis", "analyze"]

MAX_DERIVATIVE_NODES = 6000  # tree nodes in ∇f and the Hessian together, before compiling


@dataclass(frozen=True, eq=False)
class Analysis:
    """A function with its gradient, Hessian and compiled numeric evaluator."""

    fn: Function
    gradient: tuple[sp.Expr, ...]
    hessian: sp.Matrix
    compiled: Compiled


def _size(exprs) -> int:
    """Nodes of all ``exprs`` together, counted only up to just past the limit."""
    n = 0
    for e in exprs:
        n += _count_nodes(e, MAX_DERIVATIVE_NODES + 1 - n)
        if n > MAX_DERIVATIVE_NODES:
            break
    return n


def _symbolic(fn: Function) -> tuple[tuple[sp.Expr, ...], sp.Matrix, int]:
    grad = gradient(fn)
    hess = hessian(fn)
    return grad, hess, _size([*grad, *hess])


def analyze(fn: Function, timeout: float = DEFAULT_TIMEOUT) -> Analysis:
    """Differentiate ``fn`` (gradient and Hessian) in a bounded worker process and compile
    it for numpy. Raises :class:`TooComplexError` when that takes longer than ``timeout``
    seconds, too much memory, or yields derivatives too large to evaluate quickly."""
    grad, hess, size = run_bounded(_symbolic, fn, timeout=timeout,
                                   what="Differentiating this function")
    if size > MAX_DERIVATIVE_NODES:
        raise TooComplexError(
            f"The derivatives of this function are too large to work with (more than "
            f"{MAX_DERIVATIVE_NODES} parts). Try a shorter function."
        )
    for v, g in zip(fn.variables, grad, strict=True):
        _remember(fn.expr, v, g)
        for w, h in zip(fn.variables, hess.row(fn.variables.index(v)), strict=True):
            _remember(g, w, h)
    return Analysis(fn, grad, hess, compile_function(fn))
