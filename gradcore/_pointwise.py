"""Point-wise maths of partial derivatives: what ∇f says at one chosen point.

Everything numeric comes from functions compiled once per function with ``lambdify``
(``compile_function`` for f and ∇f, :func:`compile_hessian` for the Hessian) and evaluated at
the point in one vectorized call; nothing is evaluated point by point with ``.subs``.

The exact numbers shown to learners ("∂f/∂x = 2x = 2·1 = 2") come from *one* display
substitution of sympy Rationals into the (small) symbolic partials, done by
:func:`point_display` in a bounded worker process (:func:`display_at`).

Public contents:

* :func:`at_point` → :class:`PointReport`: f(a), ∇f(a), ‖∇f(a)‖, the unit direction of
  steepest ascent, its angle (2-D), and whether f is defined / differentiable there, with a
  reason a student understands (:func:`nondifferentiable_reason` detects the corners of
  ``|u|``, jumps of ``sign(u)``, roots at 0 and the cut of ``atan2``).
* :func:`directional_derivative`, :func:`direction_from_angle`, :func:`direction_table`.
* :func:`tangent_plane`, :func:`linear_approximation`, :func:`descent_step`.
* :func:`compile_hessian`, :func:`hessian_at`, :func:`classify_critical_point`,
  :func:`hessian_report`.
* :func:`explain_partial` (the step-by-step derivation, time-bounded, with a fallback).
* LaTeX builders for the page (only sympy's own rendering plus fixed TeX).

Never imports streamlit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from functools import lru_cache

import numpy as np
import sympy as sp

from ._bounded import TooComplexError, cached_once, run_bounded
from ._calculus import gradient, resolve_variable, to_point
from ._numeric import (
    _to_float,
    compile_function,
    compile_hessian,
    evaluate,
    lambdify_bounded,
)
from ._parser import Function, _count_nodes
from ._plaintext import plain as _plain
from ._realroot import real_root
from ._steps import Derivation, derivation_latex, derive

__all__ = [
    "EXPLAIN_MAX_SIZE",
    "ApproximationRow",
    "DescentStep",
    "DirectionRow",
    "Directional",
    "Explanation",
    "HessianReport",
    "PointDisplay",
    "PointReport",
    "Substitution",
    "at_point",
    "classify_critical_point",
    "compile_hessian",
    "descent_step",
    "direction_from_angle",
    "direction_table",
    "directional_curve", "directional_derivative",
    "directional_latex",
    "display_at",
    "eigenvalues_latex",
    "display_number",
    "exact_point",
    "explain_partial",
    "gradient_at_latex",
    "gradient_latex",
    "hessian_at",
    "hessian_at_latex",
    "hessian_latex",
    "hessian_report",
    "linear_approximation",
    "matrix_latex",
    "nondifferentiable_reason",
    "norm_latex",
    "partial_latex",
    "plane_inputs",
    "point_display",
    "point_latex",
    "substitution_latex",
    "tangent_plane",
    "tangent_plane_latex",
    "unit_direction_latex",
    "value_latex",
]

#: Largest expression (tree nodes) explained step by step; larger ones show the result alone.
#: Smaller than ``derive``'s own default: a 60-term sum is correct but unreadable in class.
EXPLAIN_MAX_SIZE = 150
#: Most rule-applying steps shown.
EXPLAIN_MAX_STEPS = 12
#: Partials up to this size get the substituted line "2·1 + 3·2"; larger ones only a value.
DISPLAY_MAX_NODES = 40
#: Exact display numbers with more bits than this fall back to decimals.
_MAX_EXACT_BITS = 128
#: ‖∇f‖ below this times ‖∇f‖ a small step away counts as zero: a critical point.
CRITICAL_TOL = 1e-8
#: ‖∇f‖ below this (times max(1, ‖∇f‖ a small step away)), and well below ‖∇f‖ a small
#: step away, is "almost flat": a critical point is probably close by.
NEARLY_CRITICAL_TOL = 1e-3

_EPS = np.finfo(float).eps


# --------------------------------------------------------------------------------------------
# Numbers for display
# --------------------------------------------------------------------------------------------


def display_number(value: float, digits: int = 6) -> sp.Expr:
    """A float as a sympy number for display: an Integer when it is a whole number (below
    1e15), else a Float with ``digits`` significant digits, or more when those would
    round it to a whole number (250003.2 is not shown as 250003.0, which reads as exact,
    nor 1.0000001 as 1.0); ``sp.nan`` when not finite."""
    v = float(value)
    if not math.isfinite(v):
        return sp.nan
    if v == int(v) and abs(v) < 1e15:
        return sp.Integer(int(v))
    for d in range(digits, 16):
        shown = float(f"{v:.{d}g}")  # what d significant digits print
        if abs(v) >= 1e15 or shown != round(shown) or abs(v - shown) <= 1e-12 * abs(v):
            return sp.Float(f"{v:.{d}g}", d)  # rounded in decimal (√85: 9.21954, not …55)
    return sp.Float(f"{v:.15g}", 15)


def exact_point(values: Sequence[float], digits: int = 10) -> tuple[sp.Rational, ...]:
    """The point's coordinates as exact Rationals, each read from its shortest decimal with
    at most ``digits`` significant digits (so a float 1.2000000000000002 is 6/5, as typed)
    when that is the float up to rounding (4 units in its last place); otherwise from the
    float's own shortest decimal, so 1.00000000001 stays itself and is not shown as 1
    (where 1/(x − 1) is undefined).

    Raises ValueError for non-finite values.
    """
    out = []
    for v in values:
        v = float(v)
        if not math.isfinite(v):
            raise ValueError("the point's coordinates must be finite numbers")
        short = f"{v:.{digits}g}"
        if abs(float(short) - v) > 4 * math.ulp(v):
            short = repr(v)
        out.append(sp.Rational(short))
    return tuple(out)


def _decimal(r: sp.Rational) -> sp.Expr:
    """A Rational for display: an Integer, a terminating decimal ("2.25") as a Float with
    exactly its digits, or the fraction itself (1/3)."""
    if r.q == 1:
        return r
    q = int(r.q)
    for p in (2, 5):
        while q % p == 0:
            q //= p
    if q != 1:
        return r
    with localcontext() as ctx:
        ctx.prec = 60
        text = format(Decimal(int(r.p)) / Decimal(int(r.q)), "f")
    if len(text.replace("-", "").replace(".", "").lstrip("0")) > 12:
        return r
    return sp.Float(text, max(15, len(text)))


def _small(expr: sp.Expr) -> bool:
    """True when every exact number in ``expr`` is small enough to print."""
    for a in expr.atoms(sp.Rational):
        if int(a.p).bit_length() > _MAX_EXACT_BITS or int(a.q).bit_length() > _MAX_EXACT_BITS:
            return False
    return True


def _num(v: float) -> str:
    return f"{float(v):.4g}".replace("-", "−")


# --------------------------------------------------------------------------------------------
# Where f or its derivatives break: candidates found in the expression, compiled once
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    """A piece of f that can make f undefined or non-differentiable: ``kind`` says how,
    ``node`` is the piece, ``inners`` the arguments whose values decide it."""

    kind: str
    node: sp.Expr
    inners: tuple[sp.Expr, ...]


_KINKS = ("abs", "sign", "root", "atan2", "power")  # may make f non-differentiable


def _find_candidates(expr: sp.Expr, variables) -> list[_Candidate]:
    out: list[_Candidate] = []
    seen: set = set()
    for node in sp.preorder_traversal(expr):
        if node in seen or not node.free_symbols & set(variables):
            continue
        seen.add(node)
        cand = None
        if isinstance(node, sp.Abs):
            cand = _Candidate("abs", node, node.args)
        elif isinstance(node, sp.sign):
            cand = _Candidate("sign", node, node.args)
        elif isinstance(node, sp.Pow):
            b, e = node.args
            if not b.free_symbols:
                pass  # a^u: defined everywhere for a > 0
            elif e.free_symbols:
                cand = _Candidate("power", node, (b,))
            elif e.is_Rational and not e.is_Integer:
                cand = _Candidate("root", node, (b,))
            elif e.is_Number and e.is_negative:
                cand = _Candidate("divide", node, (b,))
            elif e.is_Number and not e.is_Integer:  # float exponent
                cand = _Candidate("root", node, (b,))
        elif isinstance(node, real_root):  # x^(p/q) with q odd, ∛x: vertical at 0
            cand = _Candidate("root", node, node.args[:1])
        elif isinstance(node, sp.log):
            cand = _Candidate("log", node, node.args[:1])
        elif isinstance(node, (sp.asin, sp.acos)):
            cand = _Candidate("asin", node, node.args)
        elif isinstance(node, (sp.asec, sp.acsc)):
            cand = _Candidate("asec", node, node.args)
        elif isinstance(node, sp.atanh):
            cand = _Candidate("atanh", node, node.args)
        elif isinstance(node, sp.acoth):
            cand = _Candidate("acoth", node, node.args)
        elif isinstance(node, sp.acosh):
            cand = _Candidate("acosh", node, node.args)
        elif isinstance(node, (sp.cot, sp.csc, sp.coth, sp.csch)):
            cand = _Candidate("recip", node, node.args)
        elif isinstance(node, sp.atan2):
            cand = _Candidate("atan2", node, node.args)
        if cand is not None:
            out.append(cand)
        if len(out) >= 60:
            break
    return out


@dataclass(frozen=True, eq=False)
class _Candidates:
    items: tuple[_Candidate, ...]
    inner_values: object  # callable(*coords) -> list of floats, one per inner
    # real roots only ever raised to a power above their index (x^(4/3) = ∛x⁴): smooth
    smooth_roots: frozenset = frozenset()

    def evaluate(self, a: np.ndarray) -> list[tuple[float, ...]]:
        """The inner values of every candidate at ``a`` (NaN where not a finite real)."""
        if not self.items:
            return []
        with np.errstate(all="ignore"):
            try:
                flat = [_to_float(v) for v in self.inner_values(*[float(v) for v in a])]
            except (ArithmeticError, ValueError):  # Python floats: 0.0 ** -1 raises; numpy
                out = self.inner_values(*[np.array([float(v)]) for v in a])  # gives inf
                flat = [_to_float(np.asarray(v).ravel()[0]) for v in out]
        out, k = [], 0
        for c in self.items:
            out.append(tuple(flat[k:k + len(c.inners)]))
            k += len(c.inners)
        return out


@cached_once(maxsize=128)
def _candidates(fn: Function) -> _Candidates:
    items = tuple(_find_candidates(fn.expr, fn.variables))
    inners = [i for c in items for i in c.inners]
    func = lambdify_bounded(fn.variables, inners, numeric_form=True) if inners else None
    powered = [p for p in fn.expr.atoms(sp.Pow) if isinstance(p.base, real_root)]
    smooth = {p.base for p in powered if p.exp.is_number and p.exp > p.base.args[1]}
    bare = {r for r in fn.expr.atoms(real_root)} - {p.base for p in powered}
    return _Candidates(items, func, frozenset(smooth - bare))


def _zero_tol(a: np.ndarray) -> float:
    return 1e-12 * (1.0 + (float(np.max(np.abs(a))) if a.size else 0.0))


def _undefined_piece(cands: _Candidates, a: np.ndarray, exact: bool = False
                     ) -> str | None:
    """Why f itself is undefined at ``a``: the first piece whose argument is out of range.
    ``exact``: count an argument as at a boundary (0 for a division) only up to its own
    rounding (:func:`_rounding_tols`), not up to 10⁻¹² of the point's size. That is the
    test for a point where the compiled f is finite all the same: numpy takes atan(1/0)
    to π/2 and atan2(0, 0) to 0, but atan(y/x) at (0, 1) divides by 0, and the origin has
    no angle; atan2 at (10⁻¹³, 10⁻¹³) is π/4."""
    here = cands.evaluate(a)
    tols = _rounding_tols(cands, a, here) if exact else [_zero_tol(a)] * len(here)
    for c, vals, z in zip(cands.items, here, tols, strict=True):
        u = vals[0] if vals else float("nan")
        p, inner = _plain(c.node), _plain(c.inners[0]) if c.inners else ""
        if c.kind == "log" and u <= z:
            return (f"{p} needs {inner} > 0, but here {inner} = {_num(u)}" if abs(u) > z
                    else f"{p} needs {inner} > 0, but here {inner} = 0 (ln 0 = −∞)")
        if c.kind == "divide" and abs(u) <= z:
            return f"it divides by {inner}, which is 0 here"
        if c.kind == "recip" and abs(u) <= z:
            return f"{p} divides by zero where {inner} = 0, as it is here"
        if isinstance(c.node, real_root):
            continue  # an odd root is real everywhere; its vertical tangent is no gap
        if c.kind == "root" and u < -z:
            return (f"{p} is not a real number when {inner} < 0, and here {inner} = "
                    f"{_num(u)}")
        if c.kind == "root" and abs(u) <= z and c.node.exp < 0:
            return f"it divides by {inner}, which is 0 here"
        if c.kind == "power" and u < -z:
            return (f"{p} (a power with a variable exponent) needs {inner} > 0, but here "
                    f"{inner} = {_num(u)}")
        if c.kind == "asin" and abs(u) > 1 + z:
            return f"{p} needs −1 ≤ {inner} ≤ 1, but here {inner} = {_num(u)}"
        if c.kind == "asec" and abs(u) < 1 - z:
            return f"{p} needs |{inner}| ≥ 1, but here {inner} = {_num(u)}"
        if c.kind == "atanh" and abs(u) >= 1 - z:
            return f"{p} needs −1 < {inner} < 1, but here {inner} = {_num(u)}"
        if c.kind == "acoth" and abs(u) <= 1 + z:
            return f"{p} needs |{inner}| > 1, but here {inner} = {_num(u)}"
        if c.kind == "acosh" and u < 1 - z:
            return f"{p} needs {inner} ≥ 1, but here {inner} = {_num(u)}"
        if c.kind == "atan2" and len(vals) == 2 and abs(vals[0]) <= z and abs(vals[1]) <= z:
            return f"{p} has no angle at the origin, where both arguments are 0"
    return None


def _rounding_tols(cands: _Candidates, a: np.ndarray, here: list[tuple[float, ...]]
                   ) -> list[float]:
    """For each candidate, how far from its critical value its first inner may be at ``a``
    and still count as on it: the rounding of the inner's value, taken as 1e-8 of how much
    the inner changes when one coordinate moves by a millionth of itself (by 1e-6 when it
    is 0). So
    |3x − 0.3| at x = 0.1 (inner 5.5e-17) is at its corner, but √(x² + y²) at
    (1e-7, 0) (inner 1e-14) is not: there the formula for ∇f is right."""
    change = [0.0] * len(cands.items)
    for j in range(a.size):
        b = a.copy()
        b[j] += 1e-6 * abs(a[j]) if a[j] != 0 else 1e-6  # |tan(x + π/4) − 1| at x = 0
        for k, (u0, u1) in enumerate(zip(here, cands.evaluate(b), strict=True)):
            if u0 and u1 and math.isfinite(u0[0]) and math.isfinite(u1[0]):
                change[k] = max(change[k], abs(u1[0] - u0[0]))
    return [1e-8 * c for c in change]


def _kink_pieces(cands: _Candidates, a: np.ndarray, variables
                 ) -> list[tuple[str, frozenset[int]]]:
    """Descriptions of the pieces of f that may break differentiability at ``a``: those
    whose inner is at its critical value up to rounding (:func:`_rounding_tols`), each with
    the indices of the variables it involves."""
    out: list[tuple[str, frozenset[int]]] = []
    here = cands.evaluate(a)
    for c, vals, z in zip(cands.items, here, _rounding_tols(cands, a, here), strict=True):
        u = vals[0] if vals else float("nan")
        p, inner = _plain(c.node), _plain(c.inners[0]) if c.inners else ""
        text = None
        if c.kind == "abs" and abs(u) <= z:
            text = f"this point lies where {inner} = 0, where {p} has a corner"
        elif c.kind == "sign" and abs(u) <= z:
            text = f"this point lies where {inner} = 0, where {p} jumps"
        elif c.kind in ("root", "power") and abs(u) <= z and (
                c.kind == "power"
                or (c.node not in cands.smooth_roots if isinstance(c.node, real_root)
                    else 0 < c.node.exp < 1)):  # |x|^1.1 is differentiable at 0
            text = f"this point lies where {inner} = 0, where {p} is not differentiable"
        elif c.kind in ("asin", "asec") and abs(abs(u) - 1) <= z:
            text = f"this point lies where {inner} = ±1, where {p} has a vertical slope"
        elif c.kind == "acosh" and abs(u - 1) <= z:
            text = f"this point lies where {inner} = 1, where {p} has a vertical slope"
        elif c.kind == "atan2" and len(vals) == 2 and abs(vals[0]) <= z and vals[1] < 0:
            text = (f"this point lies on the cut of {p}, where {_plain(c.inners[0])} = 0 "
                    f"and {_plain(c.inners[1])} < 0: the angle jumps from π to −π there")
        if text and text not in [t for t, _ in out]:
            free = c.node.free_symbols
            out.append((text, frozenset(k for k, v in enumerate(variables) if v in free)))
    return out


def _piece_sentence(pieces: list[tuple[str, frozenset[int]]], axes) -> str:
    """The pieces involving ``axes`` (variable indices; the first for each axis, at most
    two) as a sentence ending in a space; "" when there is none. In |x|^1.1 + |y| at the
    origin the slopes break along y only, so the piece to name is |y|, not |x|^1.1; in
    |x| + |y| they break along both, and both corners are named."""
    texts: list[str] = []
    for axis in sorted(set(int(k) for k in axes)):
        text = next((t for t, free in pieces if axis in free), "")
        if text and text not in texts:
            texts.append(text)
    if not texts:
        return ""
    texts = texts[:2]
    if len(texts) == 2 and texts[1].startswith("this point lies "):
        texts[1] = "and " + texts[1].removeprefix("this point lies ")
    text = "; ".join(texts)
    return text[:1].upper() + text[1:] + ". "


# --------------------------------------------------------------------------------------------
# One-sided slopes: the numeric evidence for a corner
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Slopes:
    direction: np.ndarray
    axis: int | None  # index of the coordinate axis, or None for another direction
    backward: float  # (f(a) − f(a − h u)) / h
    forward: float  # (f(a + h u) − f(a)) / h
    broken: bool  # the two one-sided slopes disagree (or one side is undefined)
    one_sided: bool  # f is undefined on one side
    steep: bool  # the slopes grow without bound as h shrinks
    coarse: float = float("nan")  # the two-sided slope at the 100x larger step
    noise: float = 0.0  # rounding in the slopes at the small step
    jump: bool = False  # f(a ± h) stays away from f(a) as h shrinks: f is not continuous


def _directions(n: int) -> list[tuple[np.ndarray, int | None]]:
    dirs: list[tuple[np.ndarray, int | None]] = [(np.eye(n)[i], i) for i in range(n)]
    if n >= 2:
        pairs = [(i, j) for i in range(n) for j in range(i + 1, n)][:12]
        for i, j in pairs:
            for s in (1.0, -1.0):
                d = np.zeros(n)
                d[i], d[j] = 1.0, s
                dirs.append((d / math.sqrt(2.0), None))
        rng = np.random.default_rng(12345)
        for _ in range(2):
            d = rng.normal(size=n)
            dirs.append((d / np.linalg.norm(d), None))
    return dirs


def _raw_values(fn: Function, points: np.ndarray) -> np.ndarray:
    """f at each row of ``points`` from the compiled function, unmasked (inf stays inf)."""
    compiled = compile_function(fn)
    cols = [points[:, k] for k in range(points.shape[1])]
    with np.errstate(all="ignore"):
        out = compiled._f_and_grad(*cols)
    vals = np.asarray(out[0], dtype=float)  # compiled code returns real values (or NaN)
    return np.broadcast_to(vals, (points.shape[0],)).astype(float)


def _one_sided_slopes(fn: Function, a: np.ndarray, f0: float) -> list[_Slopes]:
    """Forward and backward difference quotients of f at ``a`` along the coordinate axes and
    a few other directions, at four step sizes. A smooth f has slopes that agree up to O(h);
    at a corner they stay apart however small h is."""
    n = a.size
    dirs = _directions(n)
    s = max(1.0, float(np.max(np.abs(a))))
    hs = (1e-4 * s, 1e-6 * s, 1e-8 * s, 1e-2 * s)
    rows = []
    for h in hs:
        for d, _ in dirs:
            rows.append(a + h * d)
            rows.append(a - h * d)
    vals = _raw_values(fn, np.array(rows))
    m = len(dirs)
    out = []
    for k, (d, axis) in enumerate(dirs):
        fp1, fm1 = vals[2 * k], vals[2 * k + 1]
        fp2, fm2 = vals[2 * m + 2 * k], vals[2 * m + 2 * k + 1]
        fp3, fm3 = vals[4 * m + 2 * k], vals[4 * m + 2 * k + 1]
        fp0, fm0 = vals[6 * m + 2 * k], vals[6 * m + 2 * k + 1]
        h1, h2, h3, h0 = hs
        if not (np.isfinite(fp2) and np.isfinite(fm2)):
            fwd = (fp2 - f0) / h2 if np.isfinite(fp2) else float("nan")
            bwd = (f0 - fm2) / h2 if np.isfinite(fm2) else float("nan")
            out.append(_Slopes(d, axis, bwd, fwd, True, True, False))
            continue
        fwd1, bwd1 = (fp1 - f0) / h1, (f0 - fm1) / h1
        fwd2, bwd2 = (fp2 - f0) / h2, (f0 - fm2) / h2
        gap1, gap2 = abs(fwd1 - bwd1), abs(fwd2 - bwd2)
        noise = 8 * _EPS * (abs(f0) + abs(fp2) + abs(fm2)) / h2
        fwd3, bwd3 = (fp3 - f0) / h3, (f0 - fm3) / h3
        noise3 = 8 * _EPS * (abs(f0) + abs(fp3) + abs(fm3)) / h3
        gap0 = abs((fp0 - f0) / h0 - (f0 - fm0) / h0)  # NaN off f's domain
        broken = _gap_stays(gap0, gap1, gap2, abs(fwd3 - bwd3), noise3) if (
            gap2 > max(1e-6 * (1 + abs(fwd2) + abs(bwd2)), 100 * noise)) else False
        # growing at least like h^(-1/4) as h shrinks 100x (x^(2/3): 21.5 -> 100)
        steep = bool(max(abs(fwd2), abs(bwd2)) > 3 * max(abs(fwd1), abs(bwd1), 1e-300)
                     and max(abs(fwd2), abs(bwd2)) > 30)
        # a jump's step in f stays put as h shrinks; a vertical tangent's shrinks, if
        # slowly (∛h; h^(1/7) by a factor 0.52 per 100x, |x|^0.1 by 0.63)
        rise1 = max(abs(fp1 - f0), abs(fm1 - f0))
        rise2 = max(abs(fp2 - f0), abs(fm2 - f0))
        rise3 = max(abs(fp3 - f0), abs(fm3 - f0))
        jump = bool(steep and math.isfinite(rise3) and rise3 > 0.9 * rise2
                    and rise2 > 0.9 * rise1 and rise3 > 100 * noise3 * h3)
        out.append(_Slopes(d, axis, float(bwd2), float(fwd2), broken or steep, False, steep,
                           float((fwd1 + bwd1) / 2), float(noise), jump))
    return out


def _gap_stays(gap0: float, gap1: float, gap2: float, gap3: float, noise3: float) -> bool:
    """Whether the gap between the one-sided slopes, measured at steps 100h, h, h/100 and
    h/10⁴, tends to a nonzero limit (a corner) rather than to 0. A corner's gap stays put
    as h shrinks, maybe after a smooth part's O(h) has died away (0.001|x| + 10⁴x²: 2.002,
    0.022, 0.0022); |x|^1.1 at 0 has a gap shrinking like h^0.1 (0.80, 0.50, 0.32), so it is
    differentiable however slowly its slopes meet. The limit is Aitken's extrapolation of
    the three smallest steps' gaps, exact for a constant plus a power of h (0 for |x|^1.1,
    0.1 for 0.05|x| + |x|^1.1); a corner's stays the same from the three largest, while
    for a mix of powers (|x|^1.05 + |y|^1.1 along a diagonal) it keeps falling toward 0.
    Below the smallest step's rounding only h and h/100 are compared."""
    if not (math.isfinite(gap3) and gap3 > 100 * noise3):
        return gap2 > 0.5 * gap1
    if not (gap3 < 0.8 * gap2 and gap2 < gap1):
        return True  # not shrinking steadily at the smallest steps: a corner
    limit = _aitken(gap1, gap2, gap3)
    if not limit > 0.02 * gap3:
        return False
    earlier = _aitken(gap0, gap1, gap2) if math.isfinite(gap0) else math.nan
    return not (math.isfinite(earlier) and limit < 0.9 * earlier)


def _aitken(a: float, b: float, c: float) -> float:
    """Aitken's Δ² extrapolation of a sequence a, b, c (c itself when it does not apply)."""
    d1, d2 = b - a, c - b
    return c - d2 * d2 / (d2 - d1) if d2 - d1 > 0 else c


def _slope_sentence(sl: _Slopes, names: Sequence[str]) -> str:
    where = (f"along {names[sl.axis]}" if sl.axis is not None
             else "along the direction (" + ", ".join(_num(v) for v in sl.direction) + ")")
    if sl.one_sided and math.isnan(sl.forward) and math.isnan(sl.backward):
        return (f"{where}, f has no real value on either side of this point, however "
                "close (it is defined only at isolated points here), so "
                "there is no slope")
    if sl.one_sided:
        return (f"{where}, f is defined on one side of this point only (the edge of its "
                "domain), so there is no two-sided slope")
    if sl.jump:
        return (f"{where}, f jumps: f(a ± h) does not approach f(a) as h shrinks, so f is "
                "not continuous here, and a function must be continuous to be "
                "differentiable")
    if sl.steep and sl.forward * sl.backward < 0:
        return (f"{where}, the slopes grow without bound, with opposite signs on the two "
                "sides (a cusp)")
    if sl.steep:
        return f"{where}, the slope grows without bound (a vertical tangent)"
    return (f"{where}, the slope is {_num(sl.backward)} coming from one side and "
            f"{_num(sl.forward)} going to the other")


# --------------------------------------------------------------------------------------------
# The report at a point
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PointReport:
    """What f and ∇f do at one point ``a``.

    Attributes:
      point: a, shape (n,).
      value: f(a), NaN when f is undefined there.
      gradient: ∇f(a), shape (n,); a component is NaN where that partial derivative does
        not exist (or its formula cannot be evaluated) at a.
      norm: ‖∇f(a)‖ (NaN unless ``differentiable``).
      direction: ∇f(a)/‖∇f(a)‖, the unit direction of steepest ascent (NaN when ∇f(a) = 0
        or f is not differentiable at a).
      angle: for two variables, the angle of ``direction`` in degrees in [0, 360) (NaN when
        there is no direction); None for other dimensions.
      defined: f(a) is a finite number.
      differentiable: f is differentiable at a, so ∇f(a) describes every direction.
      reason: None when differentiable, else a sentence (plain text, markdown-safe) saying
        why not.
      critical: differentiable and ‖∇f(a)‖ ≈ 0: within ``CRITICAL_TOL`` times the size
        of ∇f a small step away, the scale of its rounding.
      nearly_critical: critical, or ‖∇f(a)‖ < ``NEARLY_CRITICAL_TOL`` (times that size
        when above 1) and under half that size: almost flat, with a critical point
        probably close by.
      note: a sentence when differentiable but the formula for a partial derivative
        cannot be evaluated at a (0/0): its value in ``gradient`` is the limit, from
        one-sided slopes that agree in every direction tried (√(x⁴ + y⁴) at the origin).
    """

    point: np.ndarray
    value: float
    gradient: np.ndarray
    norm: float
    direction: np.ndarray
    angle: float | None
    defined: bool
    differentiable: bool
    reason: str | None
    critical: bool
    nearly_critical: bool
    note: str | None = None
    limits: tuple[int, ...] = ()  # the partials whose value is a limit (see ``note``)

    @property
    def n(self) -> int:
        return int(self.point.size)


def _angle_of(v: np.ndarray) -> float:
    if not np.all(np.isfinite(v)):
        return float("nan")
    deg = math.degrees(math.atan2(float(v[1]), float(v[0]))) % 360.0
    return 0.0 if deg >= 360.0 - 1e-12 else deg


def _diagnose(fn: Function, a: np.ndarray, f0: float, grad: np.ndarray
              ) -> tuple[np.ndarray, bool, str | None]:
    """Given finite f(a) and the compiled ∇f(a), decide differentiability: returns the
    gradient (NaN where a partial does not exist), the differentiable flag and a reason
    (when differentiable, a note on a partial whose formula gives 0/0, or None)."""
    names = fn.names
    cands = _candidates(fn)
    pieces = _kink_pieces(cands, a, fn.variables)
    grad_ok = bool(np.all(np.isfinite(grad)))
    if not pieces and grad_ok:
        return grad, True, None
    slopes = _one_sided_slopes(fn, a, f0)
    broken = [s for s in slopes if s.broken]
    if not broken and grad_ok:
        return grad, True, None  # e.g. |x|^3 at 0: a candidate, but smooth after all
    out = grad.copy()
    bad_axes = {s.axis for s in broken if s.axis is not None}
    for i in bad_axes:
        out[i] = np.nan
    for sl in slopes:  # a partial whose formula fails (0·ln 0) but whose slopes agree
        if sl.axis is not None and sl.axis not in bad_axes and not np.isfinite(out[sl.axis]) \
                and math.isfinite(sl.forward) and math.isfinite(sl.backward):
            out[sl.axis] = (sl.forward + sl.backward) / 2
    parts: list[str] = []
    if broken:
        first = next((s for s in broken if s.axis is not None), broken[0])
        if pieces:
            along = bad_axes or set(np.flatnonzero(first.direction).tolist())
            parts.append(_piece_sentence(pieces, along).rstrip())
        sentence = _slope_sentence(first, names)
        parts.append(sentence[:1].upper() + sentence[1:] + ".")
        if bad_axes:
            which = ", ".join(f"∂f/∂{names[i]}" for i in sorted(bad_axes))
            verb = "does" if len(bad_axes) == 1 else "do"
            parts.append(f"So {which} {verb} not exist here, and f has no gradient at this "
                         "point.")
        elif first.one_sided:
            parts.append("The partial derivatives exist here (along the axes f is defined "
                         "on both sides), but f is not differentiable: the edge of its domain "
                         "runs through this point.")
        else:
            parts.append("The partial derivatives exist here, but f still has a crease "
                         "through this point, so it is not differentiable: no single vector "
                         "∇f gives the slope in every direction.")
        return out, False, "f is not differentiable at this point. " + " ".join(parts)
    # The formula for ∇f fails (0/0, division by zero) but no corner was seen numerically.
    bad = [i for i in range(a.size) if not np.isfinite(grad[i])]
    which = ", ".join(f"∂f/∂{names[i]}" for i in bad)
    text = (f"The formula for {which} cannot be evaluated at this point (it divides by zero "
            "or gives 0/0), so ∇f is undefined here by its formula.")
    text = _piece_sentence(pieces, bad) + text
    agree = [s for s in slopes if s.axis in bad and not s.broken]
    infinite = [i for i in bad if np.isinf(grad[i])]  # c/0: a vertical tangent, no limit
    if infinite:
        out[infinite] = np.nan
        which_inf = ", ".join(f"∂f/∂{names[i]}" for i in infinite)
        return out, False, (
            _piece_sentence(pieces, infinite)
            + f"The formula for {which_inf} is infinite at this point: the slope grows "
            "without bound (a vertical tangent), so f is not differentiable here.")
    if len(agree) == len(bad) and all(np.isfinite(s.forward) for s in agree):
        limits, fine, coarse = grad.copy(), grad.copy(), grad.copy()
        for sl in agree:
            fine[sl.axis] = (sl.forward + sl.backward) / 2
            coarse[sl.axis] = sl.coarse
            # a slope shrinking like a power of the step (h^(2/3) of ∛(x⁵ + y⁵)) tends to 0
            limits[sl.axis] = 0.0 if abs(fine[sl.axis]) <= 0.25 * abs(sl.coarse) \
                else fine[sl.axis]
        vals = ", ".join(f"∂f/∂{names[s.axis]} = {_num(limits[s.axis])}" for s in agree)
        if _linear(slopes, fine, coarse):
            # no corner in any direction tried, and every slope is ∇f·u: differentiable
            return limits, True, (
                f"The formula for {which} gives 0/0 at this point, but the slopes on both "
                f"sides agree in every direction and match ∇f·u, so f is differentiable "
                f"here; its value is the limit ({vals}).")
        text += (" The one-sided slopes agree, though, so the partial derivatives exist as "
                 f"limits ({vals.replace(' = ', ' ≈ ')}).")
        text += _not_linear_sentence(slopes, limits, names)
    return out, False, text


def _not_linear_sentence(slopes: list[_Slopes], g: np.ndarray, names: Sequence[str]) -> str:
    """Why partial derivatives found as limits ``g`` make no gradient: the direction whose
    slope differs most from ∇f·u (∛(x²y) at the origin: slope 0.63 along the diagonal,
    ∇f·u = 0). "" when no direction shows it."""
    if not np.all(np.isfinite(g)):
        return ""
    gaps = [(abs((sl.forward + sl.backward) / 2 - float(g @ sl.direction)), sl)
            for sl in slopes if not sl.broken and sl.axis is None
            and math.isfinite(sl.forward + sl.backward)]
    top = max((d for d, _ in gaps), default=0.0)
    if not top > 0:
        return ""
    # the first of the round directions (diagonals come before random ones) that shows it
    worst = next(sl for d, sl in gaps if d >= 0.5 * top)
    where = "(" + ", ".join(_num(v) for v in worst.direction) + ")"
    slope = (worst.forward + worst.backward) / 2
    return (f" But f is not differentiable here: along the direction {where} its slope is "
            f"{_num(slope)}, while these partials give ∇f·u = "
            f"{_num(float(g @ worst.direction))}, so no single vector ∇f gives the slope in "
            "every direction.")


def _linear(slopes: list[_Slopes], g: np.ndarray, g_coarse: np.ndarray) -> bool:
    """Whether every direction's two-sided slope tends to ∇f·u for ``g``: the test that
    partial derivatives found as limits make a gradient. A differentiable f's mismatch
    shrinks with the step (here 100x smaller: by far more than 3x), or is rounding; a
    cone-like f (∛(x³ + y³)) keeps the same mismatch at every step, however small next
    to a large linear part (1000x + ∛(x³ + y³))."""
    if not (np.all(np.isfinite(g)) and np.all(np.isfinite(g_coarse))):
        return False
    for sl in slopes:
        if sl.broken or not (math.isfinite(sl.forward) and math.isfinite(sl.backward)
                             and math.isfinite(sl.coarse)):
            return False
        fine = abs((sl.forward + sl.backward) / 2 - float(g @ sl.direction))
        coarse = abs(sl.coarse - float(g_coarse @ sl.direction))
        if fine > max(0.3 * coarse, 100 * sl.noise):
            return False
    return True


def at_point(fn: Function, point, *, tol: float = CRITICAL_TOL) -> PointReport:
    """f, ∇f, ‖∇f‖ and the direction of steepest ascent at ``point`` (a sequence in
    ``fn.variables`` order or a mapping of names to values), from the compiled function.

    Never raises for a point where f misbehaves: ``defined``/``differentiable`` are False
    and ``reason`` says why (f undefined, e.g. ln of a negative number or division by zero;
    overflow; a corner of |u| or a root at 0; a partial whose formula gives 0/0).
    Raises ValueError only for a point of the wrong length.
    """
    a = to_point(fn, point)
    n = a.size
    nan_vec = np.full(n, np.nan)
    if n == 0:
        v = float(fn.expr) if fn.expr.is_number and fn.expr.is_real else float("nan")
        return PointReport(a, v, nan_vec, float("nan"), nan_vec, None, math.isfinite(v),
                           False, "A constant has no variables to differentiate.", False, False)
    compiled = compile_function(fn)
    with np.errstate(all="ignore"):
        out = compiled._f_and_grad(*[np.array([v]) for v in a])
    raw = [_to_float(o) for o in out]
    f0, grad = raw[0], np.array(raw[1:], dtype=float)
    angle_none = None if n != 2 else float("nan")
    origin = _undefined_piece(_candidates(fn), a, exact=True) if math.isfinite(f0) \
        else None
    if not math.isfinite(f0) or origin:
        piece = origin or _undefined_piece(_candidates(fn), a)
        if piece:
            reason = f"f is not defined at this point: {piece}."
        elif math.isinf(f0):
            reason = ("f is infinite or too large for floating point at this point "
                      "(overflow), so its gradient cannot be computed here.")
        else:
            reason = "f is not defined at this point (its formula has no real value here)."
        return PointReport(a, float("nan"), nan_vec, float("nan"), nan_vec, angle_none,
                           False, False, reason, False, False)
    formula_failed = tuple(i for i in range(n) if not math.isfinite(grad[i]))
    grad, differentiable, reason = _diagnose(fn, a, f0, grad)
    note = reason if differentiable else None
    limits = formula_failed if differentiable else ()
    if not differentiable:
        if reason is None:  # pragma: no cover - _diagnose always explains
            reason = "f is not differentiable at this point."
        return PointReport(a, f0, grad, float("nan"), nan_vec, angle_none, True, False,
                           reason, False, False)
    with np.errstate(over="ignore"):
        norm = _norm(grad)
    if not math.isfinite(norm):
        return PointReport(a, f0, grad, float("nan"), nan_vec, angle_none, True, False,
                           "∇f is too large for floating point here (overflow).", False, False)
    direction = grad / norm if norm > 0 else nan_vec
    angle = _angle_of(direction) if n == 2 else None
    scale = _gradient_scale(compiled, a)
    critical = _critical(compiled, a, grad, norm, scale, tol)
    nearly = norm < NEARLY_CRITICAL_TOL * max(1.0, scale) and norm < 0.5 * scale
    return PointReport(a, f0, grad, norm, direction, angle, True, True, None, critical,
                       critical or nearly, note, limits)


def _critical(compiled, a: np.ndarray, grad: np.ndarray, norm: float, scale: float,
              tol: float = CRITICAL_TOL) -> bool:
    """Whether ‖∇f(a)‖ = ``norm`` counts as 0: it is 0, or tiny next to ∇f a small step
    away (``scale``, :func:`_gradient_scale`), or no larger than ∇f's own rounding (how
    much it changes within 13 units in the last place of a, taking both signs there: (x −
    0.7)⁴ expanded has ∇f ≈ 10⁻¹⁵ at 0.7 from rounding alone; tan at π/2 is no critical
    point, though its huge ∇f changes hugely there)."""
    if norm == 0 or norm <= tol * scale:
        return True
    ball = _ulp_ball(a)
    if not len(ball):
        return False
    with np.errstate(all="ignore"):
        grads = _columns(compiled._f_and_grad(*ball.T)[1:], len(ball)).T
    finite = [g for g in grads if np.all(np.isfinite(g))]
    if not finite:
        return False
    # rounding straddles 0: every component takes both signs (or 0) across the ball; near
    # a pole ∇f changes wildly across it too, but keeps its sign (tan at π/2)
    signs = np.array([*finite, grad])
    straddles = bool(np.all((signs.min(axis=0) <= 0) & (signs.max(axis=0) >= 0)))
    return straddles and norm <= 2 * max(_norm(g - grad) for g in finite)


def _ulp_ball(a: np.ndarray) -> np.ndarray:
    """Points (rows) 1 to 13 units in the last place away from ``a`` along each axis: a
    quantity that changes across them changes by no more than rounding can hide (its
    rounding differs from one to the next, not at every one)."""
    rows = []
    for i in range(a.size):
        if a[i] != 0 and math.isfinite(a[i]):
            for k in (-13, -8, -5, -3, -2, -1, 1, 2, 3, 5, 8, 13):  # roundings vary
                b = a.copy()
                b[i] += k * math.ulp(float(a[i]))
                rows.append(b)
    return np.array(rows, dtype=float).reshape(len(rows), a.size)


def is_critical(fn: Function, point) -> bool:
    """Whether ∇f(point) counts as 0, by :func:`at_point`'s test (False where f is not
    differentiable). Cached: a descent run's message and its warning both ask."""
    return _is_critical_at(fn, tuple(float(v) for v in to_point(fn, point)))


@lru_cache(maxsize=256)
def _is_critical_at(fn: Function, point: tuple[float, ...]) -> bool:
    return at_point(fn, point).critical


def near_critical(fn: Function, point, norm: float) -> bool:
    """Whether a point where ‖∇f‖ = ``norm`` is near a critical point rather than on a
    plateau: ∇f a small step away is at least 100 times larger (e^(−x² − y²) at (5, 5) is
    a plateau: ∇f is ~10⁻²¹ all around)."""
    a = to_point(fn, point)
    return norm == 0 or norm <= 1e-2 * _gradient_scale(compile_function(fn), a)


def _gradient_scale(compiled, a: np.ndarray) -> float:
    """How large ∇f is around ``a``: the largest ‖∇f‖ a small step away along each axis
    (1 when it is nowhere finite). ‖∇f(a)‖ counts as 0 when it is tiny next to that:
    rounding in a gradient is relative to the gradient's own size, not to f's (10¹⁰ +
    (x - 1)² has ∇f = 1 at x = 1.5, and is nowhere near a critical point there), and a
    small gradient that is not rounding is not 0 (σ(x) at −20 has σ′ = 2·10⁻⁹ and no
    minimum; x³ at 10⁻⁵ is not critical)."""
    pts = _axis_neighbours(a)
    with np.errstate(all="ignore"):
        grads = _columns(compiled._f_and_grad(*pts.T)[1:], len(pts))
        norms = np.sqrt(np.sum(grads * grads, axis=0))
    finite = norms[np.isfinite(norms)]
    return float(finite.max()) if finite.size else 1.0


def _axis_neighbours(a: np.ndarray, step: float = 1e-3) -> np.ndarray:
    """The 2n points (rows) a small step (``step``·max(1, |aᵢ|)) either way along each
    axis from ``a``."""
    steps = step * np.maximum(1.0, np.abs(a))
    pts = np.repeat(a[None, :], 2 * a.size, axis=0)
    for i in range(a.size):
        pts[2 * i, i] += steps[i]
        pts[2 * i + 1, i] -= steps[i]
    return pts


def _columns(outputs, m: int) -> np.ndarray:
    """Compiled outputs for m points (arrays, or constants for entries that do not depend
    on the point) as one (len(outputs), m) float array."""
    return np.array([np.broadcast_to(np.asarray(v, dtype=float), (m,)) for v in outputs])


def _hessian_rows(fn: Function, pts: np.ndarray) -> np.ndarray:
    """The Hessian's n² entries (rows) at each of the points ``pts`` (columns)."""
    with np.errstate(all="ignore"):
        return _columns(compile_hessian(fn)(*pts.T), len(pts))


def nondifferentiable_reason(fn: Function, point) -> str | None:
    """None when f is differentiable at ``point``; otherwise a sentence saying why not:
    f is undefined there, or a piece of f is not differentiable there (the corner of
    ``|u|`` where u = 0, a jump of ``sign(u)``, a root such as ``√u`` at u = 0, the cut of
    ``atan2``), confirmed by one-sided slopes that disagree, or the formula for ∇f gives 0/0.

    A piece that is at its critical value without breaking differentiability (``|x|³`` at
    0, ``|x|·y`` at the origin) is not reported: the one-sided slopes agree there.
    """
    return at_point(fn, point).reason


# --------------------------------------------------------------------------------------------
# Directional derivatives
# --------------------------------------------------------------------------------------------


def direction_from_angle(degrees: float) -> np.ndarray:
    """The unit vector (cos θ, sin θ) at ``degrees`` from the positive x-axis."""
    t = math.radians(float(degrees))
    u = np.array([math.cos(t), math.sin(t)])
    u[np.abs(u) < 1e-15] = 0.0  # 90° is (0, 1), not (6.1e-17, 1): no rounding shown
    return u


def _unit(direction, n: int) -> np.ndarray:
    d = np.asarray(direction, dtype=float).reshape(-1)
    if d.size != n:
        raise ValueError(f"the direction needs {n} component(s), got {d.size}")
    norm = _norm(d) if np.all(np.isfinite(d)) else float("nan")
    if not (math.isfinite(norm) and norm > 0):
        raise ValueError("the direction must be a non-zero vector: it is normalised to "
                         "length 1, and the zero vector has no direction")
    big = float(np.max(np.abs(d)))
    return (d / big) / (norm / big)  # (1e-300, 0): its square underflows, this does not


def _norm(v: np.ndarray) -> float:
    """‖v‖ without overflow or underflow in the squares (as hypot does): (1e155, 1) has
    ‖v‖ = 1e155 though 1e155² overflows, and (1e-300, 0) is not the zero vector."""
    big = float(np.max(np.abs(v))) if v.size else 0.0
    if not (math.isfinite(big) and big > 0):
        return big
    return big * float(np.linalg.norm(v / big))


@dataclass(frozen=True, eq=False)
class Directional:
    """D_u f(a) = ∇f(a)·u: ``unit`` is u (normalised), ``value`` the directional derivative
    (NaN unless f is differentiable at a), ``gradient`` ∇f(a), ``angle_to_gradient`` the
    angle between u and ∇f(a) in degrees (NaN when ∇f(a) = 0 or undefined)."""

    unit: np.ndarray
    value: float
    gradient: np.ndarray
    angle_to_gradient: float


def directional_derivative(fn: Function, point, direction,
                           report: PointReport | None = None) -> Directional:
    """The rate of change of f at ``point`` along ``direction`` (any non-zero vector; it is
    normalised): D_u f = ∇f·u. It is largest along ∇f (equal to ‖∇f‖), zero along the level
    curve (u ⟂ ∇f) and negative downhill. Pass ``report`` (from :func:`at_point`) to reuse
    it. Raises ValueError for a zero or wrong-length direction."""
    report = report if report is not None else at_point(fn, point)
    u = _unit(direction, report.n)
    if not report.differentiable:
        return Directional(u, float("nan"), report.gradient, float("nan"))
    value = float(np.dot(report.gradient, u))
    if report.norm > 0:
        c = max(-1.0, min(1.0, value / report.norm))
        ang = math.degrees(math.acos(c))
    else:
        ang = float("nan")
    return Directional(u, value, report.gradient, ang)


@dataclass(frozen=True)
class DirectionRow:
    """One row of :func:`direction_table`: ``label`` (what the direction is), ``unit`` u,
    ``angle`` (degrees, 2-D only, else None), ``value`` D_u f, ``note`` what it shows,
    ``chosen`` True for the learner's own direction."""

    label: str
    unit: tuple[float, ...]
    angle: float | None
    value: float
    note: str
    chosen: bool = False


def _level_direction(g: np.ndarray) -> np.ndarray:
    """A unit vector perpendicular to ``g`` (in 2-D: g turned by +90°)."""
    n = g.size
    g = g / float(np.max(np.abs(g)))  # scaled: (1e155, 1) and 1e-170·(1, 1) stay finite
    if n == 2:
        return np.array([-g[1], g[0]]) / _norm(g)
    e = np.eye(n)[int(np.argmin(np.abs(g)))]
    v = e - np.dot(e, g) / np.dot(g, g) * g
    return v / _norm(v)


def directional_curve(report: PointReport, samples: int = 361
                      ) -> tuple[np.ndarray, np.ndarray]:
    """For a 2-variable function: D_u f for every direction u = (cos θ, sin θ), θ in degrees
    from 0 to 360, as (angles, values) — the curve ‖∇f‖·cos(θ − θ_∇f), which peaks along
    ∇f and crosses zero along the level curve. Empty arrays when not applicable."""
    if report.n != 2 or not report.differentiable:
        return np.empty(0), np.empty(0)
    angles = np.linspace(0.0, 360.0, samples)
    rad = np.radians(angles)
    g = report.gradient
    return angles, g[0] * np.cos(rad) + g[1] * np.sin(rad)


def direction_table(report: PointReport, chosen, names: Sequence[str]) -> list[DirectionRow]:
    """Directional derivatives that make the facts visible, for a differentiable point:
    steepest ascent (along ∇f: D = ‖∇f‖, the largest), along the level curve (D = 0),
    steepest descent (along −∇f: D = −‖∇f‖, the most negative), along each axis (D = the
    partial derivative), and the learner's ``chosen`` direction. In 2-D the rows are sorted
    by angle. Empty when f is not differentiable at the point.
    """
    if not report.differentiable or report.n == 0:
        return []
    g, n = report.gradient, report.n
    rows: list[DirectionRow] = []

    def add(label: str, u: np.ndarray, note: str, chosen_row: bool = False) -> None:
        ang = _angle_of(u) if n == 2 else None
        rows.append(DirectionRow(label, tuple(float(v) for v in u), ang, float(np.dot(g, u)),
                                 note, chosen_row))

    if report.norm > 0:
        up = g / report.norm
        add("steepest ascent, along ∇f", up, "the largest rate: equal to ‖∇f‖")
        if n >= 2:
            lv = _level_direction(g)
            add("along the level curve" if n == 2 else "along the level surface", lv,
                "zero: f does not change along the level set")
            if n == 2:
                add("along the level curve, the other way", -lv,
                    "zero: f does not change along the level set")
        add("steepest descent, along −∇f", -up,
            "the most negative rate: −‖∇f‖ (the way gradient descent goes)")
    for i in range(n):
        add(f"along the {names[i]}-axis", np.eye(n)[i], f"equal to ∂f/∂{names[i]}")
    add("your direction", _unit(chosen, n), "∇f · u for the direction you chose", True)
    if n == 2:
        rows.sort(key=lambda r: (r.angle if r.angle is not None else 0.0, r.chosen))
    return rows


# --------------------------------------------------------------------------------------------
# Tangent plane, linear approximation, one step of gradient descent
# --------------------------------------------------------------------------------------------


def _as_display(v) -> sp.Expr:
    if isinstance(v, sp.Rational):
        return _display_exact(v)
    if isinstance(v, sp.Basic):
        return v
    return display_number(v)


def tangent_plane(fn: Function, point, value=None, grad=None) -> sp.Expr:
    """The linear approximation L(x) = f(a) + ∇f(a)·(x − a) at ``point`` as an unevaluated
    sympy expression in ``fn.variables`` (terms in order: f(a), then one term per variable;
    zero terms are left out, so it reads "5 + 2(x − 1) + 4(y − 2)").

    ``value`` and ``grad`` may be exact sympy numbers (e.g. from :func:`point_display`); by
    default they come from the compiled function, shown to 6 significant digits. The
    coordinates of a are taken exactly as typed (:func:`exact_point`).
    Raises ValueError when f is not differentiable at the point (there is no tangent plane).
    """
    a = to_point(fn, point)
    if value is None or grad is None:
        report = at_point(fn, a)
        if not report.differentiable:
            raise ValueError(report.reason or "f is not differentiable at this point")
        value = report.value if value is None else value
        grad = report.gradient if grad is None else grad
    exact = exact_point(a)
    terms: list[sp.Expr] = []
    v0 = _as_display(value)
    if v0 != 0:
        terms.append(v0)
    for sym, ai, gi in zip(fn.variables, exact, grad, strict=True):
        g = _as_display(gi)
        if g == 0:
            continue
        shift = sym if ai == 0 else sp.Add(sym, _display_exact(-ai), evaluate=False)
        if g == 1:
            terms.append(shift)
        elif g == -1:
            terms.append(sp.Mul(sp.S.NegativeOne, shift, evaluate=False))
        else:
            terms.append(sp.Mul(g, shift, evaluate=False))
    if not terms:
        return sp.S.Zero
    if len(terms) == 1:
        return terms[0]
    return sp.Add(*terms, evaluate=False)


def _display_exact(r) -> sp.Expr:
    return _decimal(r) if isinstance(r, sp.Rational) else r


@dataclass(frozen=True)
class ApproximationRow:
    """f against its linear approximation L at a + h·u: ``h``, the ``point``, ``f``,
    ``linear`` L(point) and ``error`` |f − L| (shrinks like h² where f is smooth)."""

    h: float
    point: tuple[float, ...]
    f: float
    linear: float
    error: float


def linear_approximation(fn: Function, point, steps: Sequence[float] = (0.5, 0.1, 0.01),
                         direction=None, report: PointReport | None = None
                         ) -> list[ApproximationRow]:
    """Compare f with L(x) = f(a) + ∇f(a)·(x − a) at a + h·u for each h in ``steps``
    (u = ``direction`` normalised, default (1, 1, …)/√n). One vectorized evaluation of f.
    Empty when f is not differentiable at a."""
    report = report if report is not None else at_point(fn, point)
    if not report.differentiable:
        return []
    n = report.n
    u = _unit(np.ones(n) if direction is None else direction, n)
    hs = np.asarray(list(steps), dtype=float)
    pts = report.point[None, :] + hs[:, None] * u[None, :]
    f = evaluate(fn, pts).values
    lin = report.value + hs * float(np.dot(report.gradient, u))
    with np.errstate(all="ignore"):
        err = np.abs(f - lin)
    return [ApproximationRow(float(h), tuple(float(v) for v in p), float(fv), float(lv),
                             float(e)) for h, p, fv, lv, e in zip(hs, pts, f, lin, err,
                                                                  strict=True)]


def approximation_note(rows: Sequence[ApproximationRow]) -> str:
    """A sentence on what :func:`linear_approximation`'s error column shows, measured: f
    linear along the line (every error at rounding level: x² − y² along (1, 1)), or how
    much smaller ten times closer made it; "" for no rows."""
    if not rows:
        return ""
    rounding = 1e-12 * max(1.0, *(abs(r.f) for r in rows))
    if all(r.error <= rounding for r in rows):
        return ("Along this line f is exactly linear, so L matches f there: the errors are "
                "only rounding. (In other directions f curves away from its tangent plane.)")
    general = ("For a differentiable f the error shrinks faster than h (like h² when f is "
               "smooth: ten times closer, about a hundred times smaller) — that is what "
               "“differentiable” means.")
    if len(rows) >= 2 and rows[-1].error > rounding and rows[-2].h == 10 * rows[-1].h:
        ratio = rows[-2].error / rows[-1].error
        text = (f" Here ten times closer (h = {rows[-2].h:g} → {rows[-1].h:g}) made it "
                f"{ratio:.3g} times smaller.")
        if not 50 <= ratio <= 200:
            text += (f" At h = {rows[-2].h:g} the higher powers of h still count; the h² "
                     "pattern shows as h gets smaller.")
        return general + text
    return general


@dataclass(frozen=True)
class DescentStep:
    """One step each way from a: ``rate`` η, ``downhill`` = a − η∇f(a) with ``f_downhill``,
    ``uphill`` = a + η∇f(a) with ``f_uphill``, ``f_start`` = f(a). To first order f changes
    by ∓η‖∇f‖² (``predicted_change``)."""

    rate: float
    start: tuple[float, ...]
    f_start: float
    downhill: tuple[float, ...]
    f_downhill: float
    uphill: tuple[float, ...]
    f_uphill: float
    predicted_change: float


def descent_step(fn: Function, report: PointReport, rate: float | None = None
                 ) -> DescentStep | None:
    """One gradient-descent step θ ← θ − η∇f(θ) from the report's point, and the matching
    ascent step, to show that ∇f points uphill and descent subtracts it. The default η is
    0.01, divided by 10 until the step is at most 0.1 long. None when f is not
    differentiable at the point or ∇f = 0 there."""
    if not report.differentiable or not report.norm > 0:
        return None
    if rate is None:
        rate = 0.01
        while rate * report.norm > 0.1 and rate > 1e-300:
            rate /= 10
    a, g = report.point, report.gradient
    down, up = a - rate * g, a + rate * g
    values = evaluate(fn, np.array([down, up])).values
    return DescentStep(float(rate), tuple(map(float, a)), report.value, tuple(map(float, down)),
                       float(values[0]), tuple(map(float, up)), float(values[1]),
                       rate * report.norm * report.norm)  # inf, not OverflowError, past 1e154


# --------------------------------------------------------------------------------------------
# Hessian
# --------------------------------------------------------------------------------------------


def hessian_at(fn: Function, point) -> np.ndarray:
    """The n×n Hessian at ``point`` from the compiled Hessian (NaN entries where undefined)."""
    a = to_point(fn, point)
    n = a.size
    if n == 0:
        return np.zeros((0, 0))
    with np.errstate(all="ignore"):  # arrays, not Python floats: 0.0 ** -0.5 raises
        flat = compile_hessian(fn)(*[np.array([float(v)]) for v in a])
    vals = [_to_float(v) for v in flat]
    out = np.array(vals, dtype=float).reshape(n, n)
    out[~np.isfinite(out)] = np.nan
    return out


def _hessian_noise(fn: Function, point, m: np.ndarray) -> float:
    """How much the Hessian changes within a few units in the last place of ``point``:
    below that its entries are rounding (sin(x)³ at π has f″ = 7·10⁻¹⁶, an inflection
    point, not a minimum)."""
    a = to_point(fn, point)
    ball = _ulp_ball(a)
    if not len(ball) or not np.all(np.isfinite(m)):
        return 0.0
    diff = np.abs(_hessian_rows(fn, ball) - m.reshape(-1)[:, None])
    diff = diff[np.isfinite(diff)]
    noise = float(diff.max()) if diff.size else 0.0
    # near a pole (tan at π/2) the change across a few ulps is the Hessian's own huge
    # size, far above the Hessian a small step away: that is no rounding
    around = np.abs(_hessian_rows(fn, _axis_neighbours(a)))
    around = around[np.isfinite(around)]
    scale = float(around.max()) if around.size else 0.0
    return noise if float(np.max(np.abs(m))) <= 10 * scale else 0.0


def classify_critical_point(hessian_at_point, tol: float = 1e-9, noise: float = 0.0) -> str:
    """What the second-derivative test says at a critical point, from the Hessian's
    eigenvalues: "minimum" (all > 0), "maximum" (all < 0), "saddle" (some > 0 and some
    < 0), "undecided" (the test fails: a zero eigenvalue and no sign change, e.g. x⁴ + y⁴ at
    0) or "undefined" (a NaN entry). Eigenvalues within ``tol``·max|λ| of 0 count as 0, so
    a small scale is no zero ((x² + y²)/10¹⁰ has a minimum at 0), and so do those within
    twice the entries' rounding ``noise`` (:func:`_hessian_noise`)."""
    h = np.asarray(hessian_at_point, dtype=float)
    if h.size == 0 or not np.all(np.isfinite(h)):
        return "undefined"
    eig = np.linalg.eigvalsh((h + h.T) / 2)
    z = max(tol * float(np.max(np.abs(eig))), 2 * float(noise))
    pos, neg = bool(np.any(eig > z)), bool(np.any(eig < -z))
    if pos and neg:
        return "saddle"
    if np.all(eig > z):
        return "minimum"
    if np.all(eig < -z):
        return "maximum"
    return "undecided"


@dataclass(frozen=True, eq=False)
class HessianReport:
    """The Hessian at a point: ``matrix`` (n×n), ``eigenvalues`` (ascending; NaN when
    undefined), ``critical`` (∇f(a) = 0), ``kind`` from :func:`classify_critical_point`
    (the classification when critical; the shape of f's curvature otherwise), and
    ``explanation``, a sentence for the learner."""

    matrix: np.ndarray
    eigenvalues: np.ndarray
    critical: bool
    kind: str
    explanation: str


_AT_CRITICAL = {
    "minimum": "∇f = 0 and every eigenvalue of the Hessian is positive: f curves up in "
               "every direction, so this is a local minimum.",
    "maximum": "∇f = 0 and every eigenvalue of the Hessian is negative: f curves down in "
               "every direction, so this is a local maximum.",
    "saddle": "∇f = 0, but the Hessian has positive and negative eigenvalues: f curves up "
              "in some directions and down in others, so this is a saddle point.",
    "undecided": "∇f = 0, but an eigenvalue of the Hessian is 0: the second-derivative test "
                 "cannot decide (look at higher derivatives or at the plot).",
    "undefined": "∇f = 0, but the Hessian is undefined here, so the second-derivative test "
                 "does not apply.",
}
# One variable: the Hessian is the 1×1 matrix (f″), the tangent plane a tangent line
_AT_CRITICAL_1D = {
    "minimum": "f′ = 0 and f″ > 0: f curves up on both sides, so this is a local minimum.",
    "maximum": "f′ = 0 and f″ < 0: f curves down on both sides, so this is a local maximum.",
    "undecided": "f′ = 0, but f″ = 0 too: the second-derivative test cannot decide (look "
                 "at higher derivatives or at the plot).",
    "undefined": "f′ = 0, but f″ is undefined here, so the second-derivative test does not "
                 "apply.",
}
_NOT_CRITICAL_1D = {
    "minimum": "f curves up here (f″ > 0, like a bowl).",
    "maximum": "f curves down here (f″ < 0, like a dome).",
    "undecided": "f is not curved here (f″ = 0).",
    "undefined": "f″ is undefined at this point.",
}
_NOT_CRITICAL = {
    "minimum": "f curves up in every direction here (like a bowl).",
    "maximum": "f curves down in every direction here (like a dome).",
    "saddle": "f curves up in some directions and down in others here (like a saddle).",
    "undecided": "f is flat (zero curvature) in at least one direction here.",
    "undefined": "The Hessian is undefined at this point.",
}


def hessian_report(fn: Function, report: PointReport) -> HessianReport:
    """The Hessian at the report's point, its eigenvalues, and — where ∇f = 0 — the
    classification of the critical point (minimum, maximum, saddle or undecided)."""
    n = report.n
    if not report.defined or n == 0:
        m = np.full((n, n), np.nan)
        return HessianReport(m, np.full(n, np.nan), False, "undefined",
                             "The Hessian is undefined where f is undefined.")
    if not report.differentiable:
        m = np.full((n, n), np.nan)
        return HessianReport(m, np.full(n, np.nan), False, "undefined",
                             "f is not differentiable here, so it has no Hessian at this "
                             "point.")
    m = hessian_at(fn, report.point)
    kind = classify_critical_point(m, noise=_hessian_noise(fn, report.point, m))
    eig = np.linalg.eigvalsh((m + m.T) / 2) if kind != "undefined" else np.full(n, np.nan)
    one = n == 1 and kind in _AT_CRITICAL_1D
    if report.critical:
        text = (_AT_CRITICAL_1D if one else _AT_CRITICAL)[kind]
    elif one:
        text = ("f′ ≠ 0 here, so this is not a critical point (the tangent line is tilted). "
                + _NOT_CRITICAL_1D[kind])
    else:
        text = ("∇f ≠ 0 here, so this is not a critical point (the tangent plane is tilted). "
                + _NOT_CRITICAL[kind])
        if report.nearly_critical:
            text += (" ∇f is almost 0 here, so a critical point is probably close by; the "
                     "curvature suggests a " + {"minimum": "minimum", "maximum": "maximum",
                                                 "saddle": "saddle"}.get(kind, "flat spot")
                     + ".")
    return HessianReport(m, eig, report.critical, kind, text)


# --------------------------------------------------------------------------------------------
# The one display substitution (exact values), run in a bounded worker
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Substitution:
    """One partial derivative at the point, for display: ``symbolic`` (e.g. 2x),
    ``substituted`` the LaTeX of it with the coordinates plugged in, unevaluated ("2 \\cdot
    1"; None when the partial is too large to show that way or has no variables), ``exact``
    its exact value (2, √2/4, π/4; None when that is not a finite real number of printable
    size or still contains functions such as cos(1))."""

    symbolic: sp.Expr
    substituted: str | None
    exact: sp.Expr | None


@dataclass(frozen=True)
class PointDisplay:
    """Exact numbers at a point for display: ``point`` (Rationals), ``value`` f(a) exactly
    (or None), one :class:`Substitution` per partial, and — when every partial is rational —
    ``norm``, the LaTeX steps of ‖∇f‖ ("\\sqrt{2^{2} + 4^{2}}", "\\sqrt{20}",
    "2 \\sqrt{5}") with ``norm_exact`` its exact value (else None and None).

    Unevaluated forms are kept as LaTeX strings: sympy re-evaluates expressions when they
    are unpickled on their way back from the worker."""

    point: tuple[sp.Rational, ...]
    value: sp.Expr | None
    partials: tuple[Substitution, ...]
    norm: tuple[str, ...] | None
    norm_exact: sp.Expr | None


def _exact_value(expr: sp.Expr) -> sp.Expr | None:
    """``expr`` if it is a finite real number worth printing exactly, else None."""
    if expr.free_symbols or not _small(expr) or _count_nodes(expr, 25) > 25:
        return None
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I) or expr.atoms(sp.Float):
        return None
    if expr.atoms(sp.Function) or expr.is_real is not True or expr.is_finite is not True:
        return None
    return expr


def _number_as_symbol_latex(r: sp.Rational) -> str:
    """LaTeX for a coordinate standing where its variable was: "1", "0.5", or in
    parentheses when it needs them as a factor or a base ("(−1)", "(1/3)", "(1.0·10⁻⁷)")."""
    shown = _display_exact(r)
    text = sp.latex(shown)
    if r < 0 or "frac" in text or "cdot" in text:
        return r"\left(" + text + r"\right)"
    return text


_DOUBLE_BRACKETS = re.compile(r"\\left\(\\left\(((?:(?!\\left|\\right).)*)\\right\) \\right\)")


def _single_brackets(tex: str) -> str:
    """One pair of brackets where a bracketed number is a function's whole argument:
    sin((−1)) is sin(−1)."""
    return _DOUBLE_BRACKETS.sub(r"\\left(\1 \\right)", tex)


def point_display(expr: sp.Expr, variables: tuple[sp.Symbol, ...],
                  partials: tuple[sp.Expr, ...], point: tuple[sp.Rational, ...],
                  max_nodes: int = DISPLAY_MAX_NODES) -> PointDisplay:
    """Substitute the exact point into f and its (small) partial derivatives ONCE, for
    display: "2x = 2·1 = 2". Pure sympy; may take long on hostile input, so the app runs it
    through :func:`display_at` (a bounded worker)."""
    exact = {v: p for v, p in zip(variables, point, strict=True)}
    # Print the partial with each variable *printed as* its number: no evaluation at all
    # (sympy's printer can hang on unevaluated numeric structures such as
    # (UnevaluatedExpr(1) + 2 + 1)**100).
    names = {v: _number_as_symbol_latex(p) for v, p in exact.items()}
    value = _exact_value(expr.xreplace(exact)) if _count_nodes(expr, 200) <= 200 else None
    subs = []
    for d in partials:
        small = _count_nodes(d, max_nodes) <= max_nodes
        substituted = (_single_brackets(sp.latex(d, symbol_names=names, mul_symbol="dot"))
                       if small and d.free_symbols else None)
        ex = _exact_value(d.xreplace(exact)) if _count_nodes(d, 200) <= 200 else None
        subs.append(Substitution(d, substituted, ex))
    norm, norm_exact = None, None
    if subs and all(s.exact is not None and s.exact.is_Rational for s in subs):
        total = sum((s.exact**2 for s in subs), sp.S.Zero)
        if max(int(total.p).bit_length(), int(total.q).bit_length()) <= 40:
            squares = [sp.Pow(_display_exact(s.exact), 2, evaluate=False) for s in subs]
            inner = squares[0] if len(squares) == 1 else sp.Add(*squares, evaluate=False)
            norm_exact = sp.sqrt(total)
            steps = [sp.latex(sp.sqrt(inner, evaluate=False), order="none"),
                     sp.latex(sp.sqrt(_display_exact(total), evaluate=False)),
                     sp.latex(_display_exact(norm_exact) if norm_exact.is_Rational
                              else norm_exact)]
            norm = tuple(dict.fromkeys(steps))
    return PointDisplay(tuple(point), value, tuple(subs), norm, norm_exact)


def display_at(fn: Function, point, partials: Sequence[sp.Expr] | None = None,
               timeout: float = 1.5) -> PointDisplay | None:
    """:func:`point_display` for ``fn`` at ``point`` in a bounded worker process; None when
    it takes longer than ``timeout`` seconds or too much memory (the page then shows
    decimals only). Raises :class:`TooComplexError` only when the server is too busy to
    start the work at all (transient: do not cache that)."""
    grad = tuple(partials) if partials is not None else gradient(fn)
    exact = exact_point(to_point(fn, point))
    try:
        return run_bounded(point_display, fn.expr, fn.variables, grad, exact,
                           timeout=timeout, what="Substituting the point")
    except TooComplexError as exc:
        if "busy" in str(exc):
            raise
        return None


# --------------------------------------------------------------------------------------------
# Step-by-step explanation (time-bounded), with a fallback to the result alone
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Explanation:
    """∂f/∂var for the page: ``result`` is exactly ``gradcore.partial(fn, var)``;
    ``derivation`` the step-by-step one (None when it could not be produced in time);
    ``lines`` one LaTeX line per step — the first says "∂f/∂x = ∂/∂x[f]" with the held
    constants coloured, the last is always ``\\frac{∂f}{∂x} = result`` or "= result";
    ``notes`` one note per line; ``rules`` the rules applied per line; ``message`` why steps
    are missing ("" when they are all there); ``retry`` True when the failure was transient
    (the server was busy), so a cache should not keep it."""

    var: sp.Symbol
    result: sp.Expr
    derivation: Derivation | None
    lines: tuple[str, ...]
    notes: tuple[str, ...]
    rules: tuple[tuple[str, ...], ...]
    message: str
    retry: bool = False

    @property
    def too_large(self) -> bool:
        return self.derivation is None or self.derivation.too_large


def _derive_with_latex(expr, var, variables, max_size, max_steps):
    """Worker side of :func:`explain_partial`: the derivation and its LaTeX lines."""
    d = derive(expr, var, variables, max_size=max_size, max_steps=max_steps)
    return d, derivation_latex(d)


def _result_line(var: sp.Symbol, result: sp.Expr) -> str:
    return r"\frac{\partial f}{\partial " + _latex(var) + "} = " + _latex(result)


def explain_partial(fn: Function, var, *, timeout: float = 2.0,
                    reference: sp.Expr | None = None,
                    max_size: int = EXPLAIN_MAX_SIZE,
                    max_steps: int = EXPLAIN_MAX_STEPS) -> Explanation:
    """∂f/∂var explained step by step by ``_steps.derive``, run in a bounded worker
    (``timeout`` seconds). Its final line always equals ``reference`` (default
    ``gradcore.partial(fn, var)``): when the derivation is too large, takes too long, or (it
    should never happen) ends elsewhere, the explanation is the result alone with a
    ``message`` saying why. Never raises for a variable of ``fn``."""
    from ._calculus import partial

    sym = resolve_variable(fn, var)
    result = reference if reference is not None else partial(fn, sym)
    try:
        d, lines = run_bounded(_derive_with_latex, fn.expr, sym, fn.variables, max_size,
                               max_steps, timeout=timeout,
                               what=f"Explaining ∂f/∂{sym.name} step by step")
    except TooComplexError as exc:
        text = str(exc)
        return Explanation(sym, result, None, (_result_line(sym, result),), ("",), ((),),
                           f"{text} Here is the result.", retry="busy" in text)
    if d.result != result or d.steps[-1].expr != result:
        return Explanation(sym, result, None, (_result_line(sym, result),), ("",), ((),),
                           "This derivative could not be explained step by step; here is "
                           "the result.")
    if d.too_large:
        return Explanation(sym, result, d, (_result_line(sym, result),), ("",), ((),),
                           d.message)
    return Explanation(sym, result, d, tuple(lines), tuple(s.note for s in d.steps),
                       tuple(s.rules for s in d.steps), "")


# --------------------------------------------------------------------------------------------
# LaTeX for the page (sympy's own rendering of parsed objects and numbers, plus fixed TeX)
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=2048)
def _latex(obj: sp.Basic) -> str:
    """sympy's LaTeX of a (hashable) object, remembered: the symbolic partials, gradient and
    Hessian are printed on every rerun of the page but change only with the function."""
    return sp.latex(obj)


def _num_latex(v: float) -> str:
    if not math.isfinite(v):
        return r"\text{undefined}"
    return sp.latex(display_number(v))


def point_latex(report: PointReport, display: PointDisplay | None = None) -> str:
    """"(1, 2)": the point's coordinates as typed (exact decimals)."""
    if display is not None:
        coords = [sp.latex(_display_exact(p)) for p in display.point]
    else:
        coords = [sp.latex(_display_exact(p)) for p in exact_point(report.point)]
    return r"\left(" + ", ".join(coords) + r"\right)"


def matrix_latex(values: np.ndarray) -> str:
    """A vector (column) or matrix of floats as a LaTeX matrix (6 significant digits;
    "undefined" for NaN)."""
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    rows = [" & ".join(_num_latex(v) for v in row) for row in arr]
    return r"\left[\begin{matrix}" + r"\\".join(rows) + r"\end{matrix}\right]"


def _exact_latex(e: sp.Expr) -> str:
    return sp.latex(_display_exact(e) if e.is_Rational else e)


def substitution_latex(fn: Function, index: int, report: PointReport,
                       display: PointDisplay | None) -> str:
    """"∂f/∂x(1, 2) = 2x = 2·1 = 2": the partial, the point plugged in (when small), and
    its value — exact when cheap (with "≈ decimal" when the exact value is irrational), else
    "≈ decimal"; the value always agrees with the compiled gradient (``report.gradient``)
    and reads "undefined" where that partial does not exist."""
    var = fn.variables[index]
    head = (r"\frac{\partial f}{\partial " + sp.latex(var) + "}"
            + point_latex(report, display) + " = ")
    value = float(report.gradient[index])
    sub = display.partials[index] if display is not None else None
    if sub is None:
        return head + _num_latex(value)
    parts = []
    if _count_nodes(sub.symbolic, DISPLAY_MAX_NODES) <= DISPLAY_MAX_NODES:
        parts.append(_latex(sub.symbolic))
    if sub.substituted is not None:
        parts.append(sub.substituted)
    if not parts:  # too large to repeat here: the value alone
        return head + _num_latex(value) if sub.exact is None or not math.isfinite(value) \
            else head + _exact_latex(sub.exact) + (
                "" if sub.exact.is_Rational else r" \approx " + _num_latex(value))
    if not math.isfinite(value):
        return head + " = ".join(parts) + r" \quad \text{(undefined here)}"
    if index in report.limits:  # the formula gives 0/0 here; the value is its limit
        return (head + " = ".join(parts) + r" \quad \text{gives } \tfrac{0}{0}"
                r"\text{; its limit is } " + _num_latex(value))
    if sub.exact is None:
        return head + " = ".join(parts) + r" \approx " + _num_latex(value)
    if sub.symbolic.free_symbols:
        parts.append(_exact_latex(sub.exact))
    text = head + " = ".join(dict.fromkeys(parts))
    if not sub.exact.is_Rational:
        text += r" \approx " + _num_latex(value)
    return text


def gradient_at_latex(report: PointReport, display: PointDisplay | None) -> str:
    """"∇f(1, 2) = [2; 4]" as a column vector: exact values where every partial has a
    printable exact value (then "≈ decimals" too if some are irrational), otherwise 6
    significant digits ("undefined" for a partial that does not exist)."""
    head = r"\nabla f" + point_latex(report, display) + " = "
    if (display is not None and report.differentiable
            and all(s.exact is not None for s in display.partials)):
        body = (r"\left[\begin{matrix}"
                + r"\\".join(_exact_latex(s.exact) for s in display.partials)
                + r"\end{matrix}\right]")
        if not all(s.exact.is_Rational for s in display.partials):
            body += r" \approx " + matrix_latex(report.gradient)
        return head + body
    return head + matrix_latex(report.gradient)


def norm_latex(report: PointReport, display: PointDisplay | None) -> str:
    """"‖∇f(1, 2)‖ = √(2² + 4²) = √20 = 2√5 ≈ 4.47214" (exact steps when cheap)."""
    head = r"\left\|\nabla f" + point_latex(report, display) + r"\right\| = "
    if not report.differentiable:
        return head + r"\text{undefined}"
    if display is not None and display.norm is not None:
        text = " = ".join(display.norm)
        if display.norm_exact is not None and not display.norm_exact.is_Rational:
            text += r" \approx " + _num_latex(report.norm)
        return head + text
    return head + _num_latex(report.norm)


def unit_direction_latex(report: PointReport) -> str:
    """"û = ∇f/‖∇f‖ = [0.447; 0.894]"."""
    return (r"\hat{u} = \frac{\nabla f}{\left\|\nabla f\right\|} = "
            + matrix_latex(report.direction))


def directional_latex(report: PointReport, dd: Directional) -> str:
    """"D_u f = ∇f·u = 2·0.707 + 4·0.707 = 4.243": the dot product written out."""
    terms = []
    for g, u in zip(report.gradient, dd.unit, strict=True):
        terms.append(_num_latex(g) + r" \cdot " + (
            r"\left(" + _num_latex(u) + r"\right)" if u < 0 else _num_latex(u)))
    return (r"D_{\mathbf{u}} f = \nabla f \cdot \mathbf{u} = " + " + ".join(terms)
            + " = " + _num_latex(dd.value))


def tangent_plane_latex(fn: Function, plane: sp.Expr) -> str:
    """"L(x, y) = 5 + 2(x − 1) + 4(y − 2)", keeping the terms in their natural order."""
    args = ", ".join(sp.latex(v) for v in fn.variables)
    return "L" + r"\left(" + args + r"\right) = " + sp.latex(plane, order="none")


def _args_latex(fn: Function) -> str:
    return r"\left(" + ", ".join(sp.latex(v) for v in fn.variables) + r"\right)"


def partial_latex(var: sp.Symbol, expr: sp.Expr) -> str:
    """"∂f/∂x = 2x" for a partial derivative ``expr`` with respect to ``var``."""
    return _result_line(var, expr)


def gradient_latex(fn: Function, grad: Sequence[sp.Expr]) -> str:
    """"∇f(x, y) = [2x; 2y]": the gradient as a column vector (a sympy Matrix)."""
    return r"\nabla f" + _args_latex(fn) + " = " + _latex(sp.ImmutableMatrix(list(grad)))


def hessian_latex(fn: Function, hess: sp.Matrix) -> str:
    """"H(x, y) = [[2, 0], [0, 2]]": the symbolic Hessian."""
    return "H" + _args_latex(fn) + " = " + _latex(sp.ImmutableMatrix(hess))


def hessian_at_latex(report: PointReport, matrix: np.ndarray,
                     display: PointDisplay | None = None) -> str:
    """"H(1, 2) = [[2, 0], [0, 2]]" with the compiled Hessian's values."""
    return "H" + point_latex(report, display) + " = " + matrix_latex(matrix)


def eigenvalues_latex(values: np.ndarray) -> str:
    """"λ = 2, 2" (ascending; "undefined" for NaN)."""
    vals = ", ".join(_num_latex(v) for v in np.asarray(values, dtype=float))
    sub = "" if len(values) == 1 else r"_{1 \ldots " + str(len(values)) + "}"
    return r"\lambda" + sub + " = " + vals


def value_latex(fn: Function, report: PointReport, display: PointDisplay | None) -> str:
    """"f(1, 2) = 5" (exact when rational and cheap, else 6 significant digits)."""
    head = "f" + point_latex(report, display) + " = "
    if not report.defined:
        return head + r"\text{undefined}"
    if display is not None and display.value is not None:
        text = head + _exact_latex(display.value)
        return text if display.value.is_Rational else text + r" \approx " + _num_latex(
            report.value)
    return head + _num_latex(report.value)


def plane_inputs(report: PointReport, display: PointDisplay | None):
    """The exact f(a) and ∇f(a) for :func:`tangent_plane` when they are rational (so the
    plane reads "5 + 2(x − 1) + 4(y − 2)"), else (None, None) to use decimals."""
    if (display is None or display.value is None or not display.value.is_Rational
            or not all(s.exact is not None and s.exact.is_Rational for s in display.partials)):
        return None, None
    return _display_exact(display.value), [_display_exact(s.exact) for s in display.partials]
