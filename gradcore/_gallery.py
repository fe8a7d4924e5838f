"""Functions to explore: every example of the seed text, then classics of optimisation."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ._bounded import TooComplexError, cached_once

__all__ = ["GALLERY", "Example", "example", "matching_example"]


@dataclass(frozen=True)
class Example:
    """A gallery entry: ``text`` is what a learner would type; ``window`` the (x, y) ranges
    that show it best; ``minima`` known minimisers (for basins of attraction)."""

    name: str
    text: str
    about: str
    window: tuple[tuple[float, float], tuple[float, float]] = ((-3.0, 3.0), (-3.0, 3.0))
    minima: tuple[tuple[float, ...], ...] = ()
    source: str = "classic"


GALLERY: tuple[Example, ...] = (
    Example("Seed: x² + 3y", "x^2 + 3y",
            "The seed's first example: ∂f/∂x = 2x (treat y as constant), ∂f/∂y = 3.",
            source="seed"),
    Example("Seed: bowl x² + y²", "x^2 + y^2",
            "The seed's gradient example: ∇f(1, 2) = [2, 4]; arrows point straight out.",
            minima=((0.0, 0.0),), source="seed"),
    Example("Seed: 3xy + y²", "3xy + y^2",
            "Try it yourself #2: ∇f = [3y, 3x + 2y].", source="seed"),
    Example("Seed: xyz", "xyz", "Try it yourself #3, three variables: ∇f = [yz, xz, xy].",
            source="seed"),
    Example("Saddle x² − y²", "x^2 - y^2",
            "A saddle point at the origin: ∇f = 0 but it is neither a minimum nor a maximum."),
    Example("Ill-conditioned bowl", "x^2 + 20y^2",
            "A long narrow valley: plain gradient descent zig-zags; momentum and Adam help.",
            minima=((0.0, 0.0),)),
    Example("Rosenbrock", "(1 - x)^2 + 100(y - x^2)^2",
            "The banana valley: easy to find, hard to follow to the minimum at (1, 1).",
            window=((-2.0, 2.0), (-1.0, 3.0)), minima=((1.0, 1.0),)),
    Example("Himmelblau", "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
            "Four minima: where descent ends depends on where it starts.",
            window=((-5.0, 5.0), (-5.0, 5.0)),
            minima=((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186),
                    (3.584428, -1.848126))),
    Example("Beale", "(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
            "Flat plateaus and steep walls; minimum at (3, 0.5).",
            window=((-4.5, 4.5), (-4.5, 4.5)), minima=((3.0, 0.5),)),
    Example("Booth", "(x + 2y - 7)^2 + (2x + y - 5)^2",
            "A tilted bowl with its minimum at (1, 3).",
            window=((-10.0, 10.0), (-10.0, 10.0)), minima=((1.0, 3.0),)),
    Example("Rastrigin", "20 + x^2 - 10cos(2pi x) + y^2 - 10cos(2pi y)",
            "Many local minima on a bowl: gradient descent gets stuck near where it starts.",
            window=((-5.12, 5.12), (-5.12, 5.12)), minima=((0.0, 0.0),)),
    Example("Logistic log-loss", "log(1 + e^(b - 2w)) + log(1 + e^(w - b)) + "
            "log(1 + e^(0.5w + b)) + log(1 + e^(-w - b)) + log(1 + e^(-2w - b))",
            "Training loss of logistic regression on five points, as a function of the "
            "bias b and the weight w: convex, so every start reaches the same minimum.",
            window=((-4.0, 4.0), (-4.0, 4.0))),
    Example("Exponential e^(x²y)", "e^(x^2 y)", "The chain rule at work.",
            window=((-1.5, 1.5), (-1.5, 1.5))),
    Example("Absolute values |x| + |y|", "|x| + |y|",
            "Not differentiable on the axes: the gradient jumps across them."),
)


def example(name: str) -> Example:
    """The gallery entry called ``name``."""
    for ex in GALLERY:
        if ex.name == name:
            return ex
    raise KeyError(f"no example called {name!r}; see GALLERY")


@lru_cache(maxsize=1)
def _parsed_functions() -> dict:
    """Entry name -> its parsed Function (parsed once)."""
    from ._parser import parse

    return {ex.name: parse(ex.text) for ex in GALLERY}


@lru_cache(maxsize=1)
def _parsed_gallery() -> dict:
    """(expression, variables) of each entry's text -> the entry."""
    out: dict = {}
    for ex in GALLERY:
        fn = _parsed_functions()[ex.name]
        out.setdefault((fn.expr, fn.variables), ex)
    return out


# Fixed probe points, shared by every entry with the same number of variables (every
# gallery function is finite there).
_PROBES = {n: np.random.default_rng(20261207 + n).uniform(-2.3, 2.3, size=(6, n))
           for n in (1, 2, 3)}


def _values_at_probes(fn) -> np.ndarray | None:
    """f at the probe points (compiled, vectorized); None where f is not finite at one;
    raises :class:`_Unavailable` if they cannot be had now."""
    from ._numeric import evaluate

    probes = _PROBES.get(len(fn.variables))
    if probes is None:
        return None
    try:
        values = evaluate(fn, probes).values
    except (TooComplexError, ArithmeticError, ValueError, TypeError):
        raise _Unavailable from None
    return values if np.all(np.isfinite(values)) else None


_FINGERPRINTS: dict[str, np.ndarray] = {}  # entry name -> f at the probes (once computed)


def _fingerprint(ex: Example, fn) -> np.ndarray | None:
    if ex.name not in _FINGERPRINTS:
        _FINGERPRINTS[ex.name] = _values_at_probes(fn)
    return _FINGERPRINTS[ex.name]


def matching_example(fn) -> Example | None:
    """The gallery entry ``fn`` (a parsed Function) is, however it was typed:
    ``(1-x)^2+100(y-x^2)^2`` is Rosenbrock as much as the gallery's spaced text is, and
    so is ``(x-1)^2+100(y-x^2)^2`` or its expansion (its window and minima then apply).
    None for any other function.

    Same text or same parsed expression first; else f must equal the entry's function at
    six fixed points (to 1e-10, relatively) in the same variables: at worst a function
    that agrees with an entry there gets the entry's window, never a wrong derivative."""
    for ex in GALLERY:
        if ex.text == fn.text:
            return ex
    hit = _parsed_gallery().get((fn.expr, fn.variables))
    if hit is not None or not fn.variables:
        return hit
    try:
        return _match_by_values(fn)
    except _Unavailable:  # e.g. the server is busy: try again next time
        return None


class _Unavailable(Exception):
    """Values at the probes cannot be had now (not cached by :func:`_match_by_values`)."""


@cached_once(maxsize=256)
def _match_by_values(fn) -> Example | None:
    """The entry equal to ``fn`` at the probes, cached per function: pages ask on every
    rerun."""
    mine = None
    for ex in GALLERY:
        entry = _parsed_functions()[ex.name]
        if entry.variables != fn.variables:
            continue
        if mine is None:
            mine = _values_at_probes(fn)
            if mine is None:
                return None  # undefined or non-finite at a probe: no entry is
        ref = _fingerprint(ex, entry)
        if ref is not None and np.allclose(mine, ref, rtol=1e-10, atol=1e-12):
            return ex
    return None
