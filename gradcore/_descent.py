"""Gradient-descent optimizers with PyTorch's update rules.

Six methods (:data:`METHODS`): plain gradient descent, momentum, Nesterov momentum,
Adagrad, RMSprop and Adam, with the update rules, hyperparameter names and defaults of
``torch.optim`` (SGD, Adagrad, RMSprop, Adam) as its documentation writes them, so a path
here matches the same run in PyTorch step for step (to rounding: the tests compare 30
steps with torch to 1e-10 where torch is installed). ``ascent=True`` is torch's
``maximize``: the gradient's sign flips before the update (weight decay is added after).
AMSGrad keeps the running maximum of v (not of v̂), as torch's docs and code do.

Two engines give the same numbers:

* :func:`descend` — one start; a loop over plain Python floats (≈5 µs a step);
* :func:`descend_many` — many starts at once; the loop over steps runs in numpy,
  vectorized over the starts; a step costs a few whole-array reductions for the stopping
  tests, and only on a step where some run stops are per-start masks computed, the
  stopped runs recorded and dropped from the working arrays (no Python work per start).

Both call one compiled function of the coordinates that returns f and ∇f together
(:func:`_compiled`): f and the symbolic gradient lambdified with ``cse=True`` (common
factors pulled out first, so the gradient reuses f's subexpressions); printed with ``*``,
``/`` and numpy ufunc calls only (never ``**``, which numpy computes differently for
scalars and arrays), and both engines do the same floating-point operations in the same
order. Results agree bit for bit wherever numpy's elementwise functions give an element
the same result whatever the array's length (always for arithmetic and sqrt; on machines
where numpy uses AVX-512 kernels for exp, log or trig, the last bit may differ).

Stopping, checked at every point the optimizer reaches, the start included, in this order:

* ``"diverged"`` when a coordinate is not finite, f is undefined there (NaN: outside its
  domain, e.g. log of a negative number), a coordinate's magnitude exceeds
  :data:`DIVERGENCE_BOUND` (1e12), |f| exceeds it (or f is infinite), or a partial
  derivative is not finite (or ‖∇f‖² overflows);
* ``"converged"`` when ‖∇f‖ < tol (tested as ‖∇f‖² < tol²);
* ``"max_steps"`` when neither happened within ``steps`` steps.

A path that diverges ends with the offending point (so its last row may be huge, or not
finite); ``Path.reason`` says which test fired and ``Path.message`` says it in words.
Numerical trouble never raises and never warns (numpy's warnings are silenced inside).
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import precedence

from ._bounded import TooComplexError, cached_once
from ._calculus import gradient, hessian, to_point
from ._numeric import _numeric_form, _to_float, compile_hessian, lambdify_bounded
from ._parser import Function, _always
from ._pointwise import (
    _find_candidates,
    _plain,
    classify_critical_point,
    hessian_at,
    is_critical,
    near_critical,
)

__all__ = [
    "DEFAULTS", "DESCRIPTIONS", "DIVERGENCE_BOUND", "LABELS", "METHODS", "TORCH_DEFAULT_LR",
    "TORCH_EQUIVALENT", "ManyPaths", "Path", "StepRow", "StepTable", "descend", "descend_many",
    "MAX_PATH_BYTES", "describe", "first_steps_table", "paths_to_csv",
    "resolve_hyperparameters", "stability_bound", "torch_code",
]

METHODS: tuple[str, ...] = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")

#: |f| or a coordinate's magnitude past this counts as divergence.
DIVERGENCE_BOUND = 1e12

_ro = MappingProxyType
_SGD_DEFAULTS = {"momentum": 0.0, "dampening": 0.0, "nesterov": False, "weight_decay": 0.0}

#: Default hyperparameters per method, with torch.optim's names and defaults. The learning
#: rate is not among them: ``lr`` is an argument of its own (torch's defaults for it are in
#: :data:`TORCH_DEFAULT_LR`). Read-only; copy with ``dict(DEFAULTS[m])`` to edit.
DEFAULTS: Mapping[str, Mapping[str, object]] = _ro({
    "gd": _ro(dict(_SGD_DEFAULTS)),
    "momentum": _ro({**_SGD_DEFAULTS, "momentum": 0.9}),
    "nesterov": _ro({**_SGD_DEFAULTS, "momentum": 0.9, "nesterov": True}),
    "adagrad": _ro({"lr_decay": 0.0, "weight_decay": 0.0, "initial_accumulator_value": 0.0,
                    "eps": 1e-10}),
    "rmsprop": _ro({"alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0,
                    "centered": False}),
    "adam": _ro({"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False}),
})

#: torch.optim's default learning rates (ours is the ``lr`` argument, 0.1 unless given).
TORCH_DEFAULT_LR: Mapping[str, float] = _ro({
    "gd": 1e-3, "momentum": 1e-3, "nesterov": 1e-3, "adagrad": 1e-2, "rmsprop": 1e-2,
    "adam": 1e-3,
})

#: The same optimizer in PyTorch.
TORCH_EQUIVALENT: Mapping[str, str] = _ro({
    "gd": "torch.optim.SGD(params, lr)",
    "momentum": "torch.optim.SGD(params, lr, momentum=0.9)",
    "nesterov": "torch.optim.SGD(params, lr, momentum=0.9, nesterov=True)",
    "adagrad": "torch.optim.Adagrad(params, lr)",
    "rmsprop": "torch.optim.RMSprop(params, lr)",
    "adam": "torch.optim.Adam(params, lr)",
})

LABELS: Mapping[str, str] = _ro({
    "gd": "Gradient descent", "momentum": "Momentum", "nesterov": "Nesterov momentum",
    "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam",
})

#: One or two sentences per method for the UI.
DESCRIPTIONS: Mapping[str, str] = _ro({
    "gd": "Plain gradient descent: step against the gradient, θ ← θ − η∇f(θ). Simple and "
          "predictable, but slow in long narrow valleys and unstable if η is too large.",
    "momentum": "Gradient descent with a velocity: b ← μb + ∇f, θ ← θ − ηb (μ = 0.9). Like a "
                "heavy ball it keeps rolling, speeding up along valleys and damping zig-zags, "
                "but it can overshoot.",
    "nesterov": "Nesterov momentum: like momentum, but the step uses ∇f + μb, a look-ahead "
                "correction that brakes earlier and overshoots less.",
    "adagrad": "Adagrad: divides each coordinate's step by the square root of the sum of all "
               "its past squared gradients, so steep directions get small steps. The steps "
               "keep shrinking, which can stall it before the minimum.",
    "rmsprop": "RMSprop: like Adagrad, but with a moving average of squared gradients "
               "(α = 0.99) instead of a sum, so the step size adapts without dying out.",
    "adam": "Adam: momentum (a moving average of gradients, β₁ = 0.9) plus RMSprop-style "
            "scaling (a moving average of squared gradients, β₂ = 0.999), both bias-corrected "
            "for the first steps. Steps are about η in size whatever the gradient's scale.",
})

def describe(method: str, ascent: bool = False) -> str:
    """:data:`DESCRIPTIONS` of ``method`` for descent, or for ascent (maximising f: each
    step is added, θ ← θ + …, and plain gradient descent becomes gradient ascent).

    Raises KeyError for a method not in :data:`METHODS`."""
    text = DESCRIPTIONS[method]
    if not ascent:
        return text
    if method == "gd":
        return ("Plain gradient ascent: step along the gradient, θ ← θ + η∇f(θ), uphill as "
                "fast as possible. It climbs to a maximum, or forever when f has none.")
    return ("Climbing (gradient ascent): the same optimizer on −f, so each step is added "
            "instead of subtracted. " + text.replace("θ ← θ − η", "θ ← θ + η"))


def torch_code(method: str, lr: float, ascent: bool = False) -> str:
    """The PyTorch line that builds the same optimizer with learning rate ``lr``
    (``maximize=True`` for ascent, as torch.optim spells it).

    Raises KeyError for a method not in :data:`METHODS`."""
    code = TORCH_EQUIVALENT[method].replace("lr", f"lr={lr:g}")
    return code[:-1] + ", maximize=True)" if ascent else code



_KIND = {"gd": "sgd", "momentum": "sgd", "nesterov": "sgd", "adagrad": "adagrad",
         "rmsprop": "rmsprop", "adam": "adam"}
_ALIASES = {"sgd": "gd", "gradient descent": "gd", "descent": "gd", "heavy ball": "momentum",
            "nag": "nesterov", "adamw": "adam"}
_BOOL = {"nesterov", "centered", "amsgrad"}

# Reasons a path stops as diverged; codes are in priority order (lower is tested first).
_REASONS = (None, "point_not_finite", "f_undefined", "point_too_far", "f_too_large",
            "gradient_not_finite")
_NOT_FINITE, _UNDEFINED, _TOO_FAR, _F_TOO_LARGE, _GRAD = 1, 2, 3, 4, 5
_MAX_STEPS, _CONVERGED, _DIVERGED = 0, 1, 2
_STATUS = ("max_steps", "converged", "diverged")


# ---------------------------------------------------------------------------------------
# Hyperparameters


def _check_method(method: str) -> str:
    if isinstance(method, str) and method in _KIND:
        return method
    text = str(method).strip().lower()
    hint = ""
    if text in _KIND:
        hint = f" (methods are lower case: use {text!r})"
    elif text in _ALIASES:
        hint = f" ({method!r} is called {_ALIASES[text]!r} here)"
    else:
        close = difflib.get_close_matches(text, METHODS, n=1)
        if close:
            hint = f" (did you mean {close[0]!r}?)"
    raise ValueError(f"unknown method {method!r}{hint}; choose one of {', '.join(METHODS)}")


def _fmt_default(value: object) -> str:
    return f"{value!r}" if isinstance(value, (bool, tuple)) else f"{value:g}"


def resolve_hyperparameters(method: str, **hyper) -> dict[str, object]:
    """The full, validated hyperparameters of ``method``: its :data:`DEFAULTS` updated with
    ``hyper``. Raises ``ValueError`` naming the valid names for an unknown one, and for
    out-of-range values (the checks ``torch.optim`` makes)."""
    method = _check_method(method)
    defaults = DEFAULTS[method]
    resolved = dict(defaults)
    for name, value in hyper.items():
        if name not in defaults:
            raise ValueError(_unknown_hyper_message(method, name))
        resolved[name] = value
    for name, value in resolved.items():
        resolved[name] = _coerce(method, name, value)
    _validate(method, resolved)
    return resolved


def _unknown_hyper_message(method: str, name: str) -> str:
    valid = DEFAULTS[method]
    listing = ", ".join(f"{k}={_fmt_default(v)}" for k, v in valid.items())
    msg = f"{method} has no hyperparameter {name!r}"
    close = difflib.get_close_matches(name, list(valid), n=1, cutoff=0.6)
    if name == "lr":
        msg += "; the learning rate is the lr argument itself"
    elif close:
        msg += f"; did you mean {close[0]!r}?"
    owners = [m for m in METHODS if name in DEFAULTS[m]]
    if owners and not close:
        msg += f" ({name} belongs to {', '.join(owners)})"
    torch_name = TORCH_EQUIVALENT[method].split("(")[0]
    return (f"{msg}. Its hyperparameters are {listing} (the names of {torch_name}); pass "
            f"them as keywords, e.g. descend(f, start, {method!r}, "
            f"{next(iter(valid))}={_fmt_default(next(iter(valid.values())))}).")


def _coerce(method: str, name: str, value: object) -> object:
    if name in _BOOL:
        if not isinstance(value, (bool, np.bool_, int)):
            raise ValueError(f"{name} must be True or False, got {value!r}")
        return bool(value)
    if name == "betas":
        try:
            b1, b2 = (float(b) for b in value)  # type: ignore[union-attr]
        except (TypeError, ValueError):
            raise ValueError(f"betas must be a pair of numbers like (0.9, 0.999), got "
                             f"{value!r}") from None
        return (b1, b2)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} of {method} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} of {method} must be finite, got {value!r}")
    return number


def _validate(method: str, h: dict) -> None:
    for name in ("momentum", "weight_decay", "eps", "lr_decay", "initial_accumulator_value",
                 "alpha"):
        if name in h and h[name] < 0:
            raise ValueError(f"{name} of {method} must be ≥ 0, got {h[name]:g}")
    if "betas" in h:
        for i, b in enumerate(h["betas"]):
            if not 0.0 <= b < 1.0:
                raise ValueError(f"betas[{i}] of adam must be in [0, 1), got {b:g}")
    if h.get("nesterov") and (h["momentum"] <= 0 or h["dampening"] != 0):
        raise ValueError("Nesterov momentum needs momentum > 0 and dampening = 0 (as in "
                         "torch.optim.SGD); set momentum=0.9, or use method='gd'")


@dataclass(frozen=True)
class _Spec:
    method: str
    kind: str
    lr: float
    hyper: dict
    ascent: bool
    steps: int
    tol: float


def _spec(method, lr, steps, tol, ascent, hyper) -> _Spec:
    method = _check_method(method)
    hyper = dict(hyper)
    maximize = hyper.pop("maximize", False)  # torch's name for ascent
    resolved = resolve_hyperparameters(method, **hyper)
    try:
        lr = float(lr)
    except (TypeError, ValueError):
        raise ValueError(f"the learning rate must be a number, got {lr!r}") from None
    if not (math.isfinite(lr) and lr >= 0):
        raise ValueError(f"the learning rate must be a finite number ≥ 0, got {lr!r}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a whole number ≥ 0, got {steps!r}")
    try:
        tol = float(tol)
    except (TypeError, ValueError):
        raise ValueError(f"tol must be a number ≥ 0, got {tol!r}") from None
    if not tol >= 0:
        raise ValueError(f"tol must be ≥ 0, got {tol!r}")
    return _Spec(method, _KIND[method], lr, resolved, bool(ascent or maximize), int(steps),
                 tol)


# ---------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, eq=False)
class Path:
    """One optimizer run from one start.

    ``points`` (k+1, n): the start, then the point after each step (k = ``steps_taken``);
    ``values`` (k+1,): f there; ``grads`` (k+1, n): ∇f there (the true gradient, not the
    optimizer's direction); ``grad_norms`` (k+1,): ‖∇f‖. ``status`` is "converged",
    "max_steps" or "diverged"; ``reason`` (diverged only, else None) is one of
    "point_not_finite", "f_undefined", "point_too_far", "f_too_large",
    "gradient_not_finite"; ``message`` says it in a sentence. ``method``, ``lr``,
    ``hyper`` (all hyperparameters, defaults included), ``ascent``, ``tol`` and ``steps``
    (the budget) are the settings used; ``names`` the variables, in ``points`` column order.
    ``warning`` is the part of ``message`` saying the run ended somewhere it did not aim
    for (a saddle point, the opposite extremum, a bounce at the stability limit), or "".
    """

    points: np.ndarray
    values: np.ndarray
    grads: np.ndarray
    grad_norms: np.ndarray
    method: str
    lr: float
    hyper: dict
    status: str
    steps_taken: int
    message: str
    reason: str | None = None
    ascent: bool = False
    tol: float = 1e-8
    steps: int = 100
    names: tuple[str, ...] = ()
    warning: str = ""

    @property
    def start(self) -> np.ndarray:
        return self.points[0]

    @property
    def final(self) -> np.ndarray:
        return self.points[-1]

    @property
    def final_value(self) -> float:
        return float(self.values[-1])


@dataclass(frozen=True, eq=False)
class ManyPaths:
    """Many optimizer runs, one per start (m starts, n variables).

    Always: ``starts`` (m, n); ``final`` (m, n), ``final_values`` (m,) and
    ``final_grad_norms`` (m,) at the point where each run stopped; ``status`` (m,) of
    "converged" / "max_steps" / "diverged"; ``reason`` (m,) ("" unless diverged, else as
    :attr:`Path.reason`); ``stopped_at`` (m,) the step each run stopped at (= its
    ``steps_taken``).

    With ``keep_paths=True`` also ``points`` (steps+1, m, n), ``values`` (steps+1, m) and
    ``grad_norms`` (steps+1, m); after a run stops, its rows repeat its final point (a
    finished run stays put), so ``points[t]`` is where every run is at step t. Without it
    they are None: 10,000 starts × 500 steps × 2 variables is 80 MB of points.

    ``path(i)`` gives run i as a :class:`Path` (recomputed with :func:`descend`, which
    gives the same numbers), ``message(i)`` its message, ``counts()`` the statuses.
    """

    fn: Function = field(repr=False)
    names: tuple[str, ...]
    method: str
    lr: float
    hyper: dict
    ascent: bool
    tol: float
    steps: int
    starts: np.ndarray = field(repr=False)
    final: np.ndarray = field(repr=False)
    final_values: np.ndarray = field(repr=False)
    final_grad_norms: np.ndarray = field(repr=False)
    status: np.ndarray = field(repr=False)
    reason: np.ndarray = field(repr=False)
    stopped_at: np.ndarray = field(repr=False)
    points: np.ndarray | None = field(default=None, repr=False)
    values: np.ndarray | None = field(default=None, repr=False)
    grad_norms: np.ndarray | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.starts)

    def counts(self) -> dict[str, int]:
        """How many runs ended with each status."""
        return {s: int(np.count_nonzero(self.status == s)) for s in _STATUS}

    def path(self, i: int) -> Path:
        """Run ``i`` as a :class:`Path` (recomputed by :func:`descend`: same numbers)."""
        return descend(self.fn, self.starts[i], self.method, self.lr, self.steps, self.tol,
                       self.ascent, **self.hyper)

    def message(self, i: int) -> str:
        """The sentence :func:`descend` would give for run ``i``."""
        if str(self.status[i]) != "diverged":  # its warning reads the path (descend's)
            return self.path(i).message
        reason = str(self.reason[i]) or None
        return _message(self.fn, self.names, self.method, self.lr, self.hyper, self.ascent,
                        self.tol, self.steps, str(self.status[i]), reason,
                        int(self.stopped_at[i]), self.final[i], float(self.final_values[i]),
                        float(self.final_grad_norms[i]))

    def at(self, t: int) -> np.ndarray:
        """Where every run is at step ``t`` (m, n); finished runs stay at their final
        point. Needs ``keep_paths=True``."""
        if self.points is None:
            raise ValueError("paths were not kept: call descend_many(..., keep_paths=True)")
        return self.points[min(int(t), self.steps)]


# ---------------------------------------------------------------------------------------
# Messages


def _num(x: float, digits: int = 4) -> str:
    """A short human number: 1e-08 → 1e-8, 1e+12 → 1e12."""
    if x != x:
        return "NaN"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    text = f"{x:.{digits}g}"
    text = re.sub(r"e\+?(-?)0*(\d)", r"e\1\2", text)
    return text


def _at(names: Sequence[str], point: Sequence[float]) -> str:
    if len(names) == 1:
        return f"{names[0]} = {_num(float(point[0]))}"
    return (f"({', '.join(names)}) = "
            f"({', '.join(_num(float(v)) for v in point)})")


def _not_the_goal(fn: Function, point, ascent: bool, step: int = 1) -> str:
    """"" at a minimum (a maximum when ascending) or where the second-derivative test is
    undecided; otherwise the rest of a sentence saying the run stopped at a saddle point
    (or at the opposite extremum): ∇f = 0 there too, so the step is 0."""
    try:
        kind = classify_critical_point(hessian_at(fn, point))
    except (TooComplexError, ValueError, TypeError):
        return ""
    goal, other = ("maximum", "minimum") if ascent else ("minimum", "maximum")
    way = "increases" if ascent else "decreases"
    if kind == "saddle":
        how = ("∇f = 0 here, so the steps are 0; start anywhere else nearby" if step == 0
               else "the run came in along the directions that lead to it, and a start "
                    "slightly off its path would slide away")
        return (f". But this is a saddle point, not a {goal}: the Hessian has eigenvalues "
                f"of both signs, so f still {way} in some direction; {how}")
    if kind == other:
        return (f". But this is a {other}, not a {goal}: ∇f = 0 here, so the steps are 0; "
                f"start anywhere else nearby")
    return ""


def _message(fn, names, method, lr, hyper, ascent, tol, steps, status, reason, step, point,
             value, grad_norm) -> str:
    plural = "" if step == 1 else "s"
    if status == "converged":
        if step == 0:
            text = (f"Converged at the start: ‖∇f‖ < {_num(tol)} already — "
                    f"{_at(names, point)} is a stationary point"
                    if grad_norm == 0 or is_critical(fn, point) else
                    f"Converged at the start: ‖∇f‖ = {_num(grad_norm)} is already below "
                    f"{_num(tol)} at {_at(names, point)}, so no step is taken. f is "
                    f"almost flat here, but ∇f is not 0: this is not a stationary point")
        else:
            text = f"Converged after {step} step{plural}: ‖∇f‖ < {_num(tol)}"
        return text
    if status == "max_steps":
        return (f"Stopped after {step} step{plural} without converging: ‖∇f‖ = "
                f"{_num(grad_norm)} is still above {_num(tol)}. Take more steps, or change "
                f"the learning rate.")
    bound = _num(DIVERGENCE_BOUND)
    lr_hint = f"the learning rate {_num(lr)} is too large for this function"
    if reason in ("f_too_large", "point_too_far") and method == "gd" and not ascent \
            and hyper.get("momentum", 0) == 0 and hyper.get("weight_decay", 0) == 0:
        try:
            eta = stability_bound(fn)
        except ValueError:
            eta = None
        if eta is not None:
            lr_hint += f" (plain gradient descent on it is stable only for η < {_num(eta)})"
    if step == 0:
        where = _at(names, point)
        if reason == "f_undefined":
            return (f"The start {where} is outside f's domain: f is undefined there. Pick "
                    f"another start.")
        if reason == "gradient_not_finite":
            return (f"The gradient is undefined or too large at the start {where} (a "
                    f"partial derivative is not finite there, or ‖∇f‖ is past floating "
                    f"point's 1.8e308). Pick another start.")
        return (f"The start {where} is out of range: coordinates and |f| must stay within "
                f"{bound}. Pick another start.")
    head = f"Diverged at step {step}: "
    if reason == "point_not_finite":
        bad = [n for n, v in zip(names, point, strict=False) if not math.isfinite(v)]
        return head + (f"{', '.join(bad)} stopped being a finite number (the update "
                       f"overflowed, or divided 0 by 0) — try a smaller learning rate")
    if reason == "f_undefined":
        return (head + f"f is undefined at {_at(names, point)} — the step left f's domain; "
                f"try a smaller learning rate or another start")
    if reason == "point_too_far":
        k = int(np.argmax(np.abs(np.nan_to_num(np.asarray(point, float)))))
        return (head + f"{names[k]} reached {_num(float(point[k]), 3)}, past ±{bound} — "
                f"{lr_hint}, or f has no minimum in that direction")
    if reason == "f_too_large":
        up = value > 0
        if up != ascent:  # moved the wrong way: overshooting
            grew = "grew past " if up else "fell below -"
            return head + f"f {grew}{bound} — {lr_hint}"
        if ascent:
            return head + (f"f grew past {bound} — f has no maximum in this direction (it is "
                           f"unbounded above), so gradient ascent climbs forever")
        return head + (f"f fell below -{bound} — f has no minimum in this direction (it is "
                       f"unbounded below)")
    return (head + f"∇f is undefined or too large at {_at(names, point)} (a partial "
            f"derivative is not finite there, or ‖∇f‖ is past floating point's 1.8e308) — "
            f"try a smaller learning rate or another start")


# ---------------------------------------------------------------------------------------
# f and ∇f compiled for both engines


def _ipow(b, k: int):
    """b**k for an integer k ≥ 1 by repeated squaring: the same multiplications, so the
    same numbers, on floats, numpy scalars and arrays."""
    result = None
    while True:
        if k & 1:
            result = b if result is None else result * b
        k >>= 1
        if not k:
            return result
        b = b * b


class _ExactPrinter(NumPyPrinter):
    """Prints powers with ``*``, ``/`` and numpy ufunc calls, never ``**``: numpy computes
    ``array**2`` as a square but ``scalar**2`` with ``pow``, so ``**`` could differ between
    :func:`descend` (floats) and :func:`descend_many` (arrays) in the last bit."""

    def _print_Pow(self, expr, rational=False):
        base, exp = expr.as_base_exp()
        b = self._print(base)
        if exp.is_Integer and exp != 0 and abs(int(exp)) <= 64:
            k = abs(int(exp))
            if k == 1:
                power = f"({b})"
            elif k in (2, 3) and base.is_Symbol:
                power = "(" + "*".join([b] * k) + ")"
            else:
                power = f"_ipow({b}, {k})"
            return power if exp > 0 else f"(1/{power})"
        if exp == sp.S.Half:
            return f"{self._module_format('numpy.sqrt')}({b})"
        if exp == -sp.S.Half:
            return f"(1/{self._module_format('numpy.sqrt')}({b}))"
        e = repr(float(exp)) if exp.is_number else self._print(exp)
        return f"{self._module_format('numpy.power')}({b}, {e})"

    def _print_Add(self, expr, order=None):
        # a positive term first: "y - t" is one operation, "-t + y" two
        terms = list(self._as_ordered_terms(expr, order=order))
        for i, term in enumerate(terms):
            if not term.could_extract_minus_sign():
                terms.insert(0, terms.pop(i))
                break
        prec = precedence(expr)
        parts = []
        for term in terms:
            t = self._print(term)
            if t.startswith("-") and not term.is_Add:
                sign, t = "-", t[1:]
            else:
                sign = "+"
            parts += [sign, f"({t})" if precedence(term) < prec or term.is_Add else t]
        sign = parts.pop(0)
        return ("" if sign == "+" else sign) + " ".join(parts)


# Functions that numpy's printer writes with ``**``: rewritten with a reciprocal first.
_RECIPROCAL = ((sp.sec, sp.cos), (sp.csc, sp.sin), (sp.cot, sp.tan), (sp.sech, sp.cosh),
               (sp.csch, sp.sinh), (sp.coth, sp.tanh))
_INVERSE_OF_RECIPROCAL = ((sp.acot, sp.atan), (sp.asec, sp.acos), (sp.acsc, sp.asin),
                          (sp.acoth, sp.atanh))


def _printable(expr: sp.Expr) -> sp.Expr:
    expr = _numeric_form(expr)
    for func, inner in _RECIPROCAL:
        if expr.has(func):
            expr = expr.replace(func, lambda a, inner=inner: 1 / inner(a))
    for func, inner in _INVERSE_OF_RECIPROCAL:
        if expr.has(func):
            expr = expr.replace(func, lambda a, inner=inner: inner(1 / a))
    return expr


def _is_node(e: sp.Expr) -> bool:
    return isinstance(e, (sp.Add, sp.Mul, sp.Pow)) or (
        isinstance(e, sp.Function) and all(isinstance(a, sp.Expr) for a in e.args))


_MODULES = [{"_ipow": _ipow}, "numpy"]


@cached_once(maxsize=128)
def _compiled(fn: Function):
    """[f, ∂f/∂v1, …] as one function of the coordinates, compiled once per function with
    ``lambdify(..., cse=True)`` under the time limit and exact-printed (without ``**``, see
    :class:`_ExactPrinter`) so that floats and arrays give the same numbers."""
    return lambdify_bounded(fn.variables, [fn.expr, *gradient(fn)], _MODULES,
                            printer=_ExactPrinter, prepare=_printable)


# ---------------------------------------------------------------------------------------
# Engines


def _item(o) -> float:
    return float(o) if o.__class__ is not np.ndarray else o.item()


def _run_one(fg, theta: list[float], spec: _Spec) -> dict:
    """One start: the loop over Python floats. Mirrors :func:`_run_many` operation by
    operation (same formulas, same order), so the numbers are identical."""
    n = len(theta)
    h = spec.hyper
    kind, lr, steps = spec.kind, spec.lr, spec.steps
    tol2 = spec.tol * spec.tol
    B = DIVERGENCE_BOUND
    inf = math.inf
    isfinite = math.isfinite
    pts: list[tuple] = []
    vals: list[float] = []
    grads: list[list[float]] = []
    norms: list[float] = []
    wd = float(h.get("weight_decay", 0.0))
    ascent = spec.ascent
    # optimizer state, one float per coordinate: buf (momentum buffer), s1 (adagrad
    # state_sum, rmsprop square_avg, adam exp_avg_sq), s2 (rmsprop grad_avg, adam exp_avg),
    # s3 (adam max_exp_avg_sq)
    st = {"buf": [0.0] * n, "s1": [0.0] * n, "s2": [0.0] * n, "s3": [0.0] * n}
    if kind == "adagrad":
        st["s1"] = [float(h["initial_accumulator_value"])] * n
    mu = float(h.get("momentum", 0.0))
    sqrt = math.sqrt
    t = 0
    status = reason = 0
    with np.errstate(all="ignore"):
        while True:
            try:
                out = fg(*theta)
            except ZeroDivisionError:  # numpy gives inf or NaN there: so do numpy scalars
                out = fg(*[np.float64(v) for v in theta])
            f = _item(out[0])
            g = [_item(out[k + 1]) for k in range(n)]
            gsq = [gk * gk for gk in g]
            if n >= 2:
                gn2 = gsq[0] + gsq[1]
                for k in range(2, n):
                    gn2 += gsq[k]
            else:
                gn2 = gsq[0] if n else 0.0
            pts.append(tuple(theta))
            vals.append(f)
            grads.append(g)
            norms.append(sqrt(gn2) if gn2 >= 0 else math.nan)
            # the same tests, in the same priority, as _run_many; a quick pass first
            for p in theta:
                if not -B <= p <= B:
                    quiet = False
                    break
            else:
                quiet = -B <= f <= B and tol2 <= gn2 < inf
            if quiet:
                pass
            elif not all(isfinite(p) for p in theta):
                reason = _NOT_FINITE
            elif f != f:
                reason = _UNDEFINED
            elif not all(abs(p) <= B for p in theta):
                reason = _TOO_FAR
            elif not abs(f) <= B:
                reason = _F_TOO_LARGE
            elif not gn2 < inf:
                reason = _GRAD
            elif gn2 < tol2:
                status = _CONVERGED
                break
            if reason:
                status = _DIVERGED
                break
            if t == steps:
                break
            t += 1
            # ---- one optimizer step (torch.optim, single-tensor implementation) ----
            if ascent:
                g = [-gk for gk in g]
            if wd:
                g = [gk + wd * p for gk, p in zip(g, theta, strict=True)]
                gsq = [gk * gk for gk in g]
            try:
                theta, st = _scalar_step(kind, h, t, lr, mu, theta, g, gsq, st, sqrt)
            except (ZeroDivisionError, ValueError, OverflowError):
                # Python raises where numpy returns inf or NaN (x/0, sqrt of a negative):
                # redo the step in numpy scalars, which follow the same IEEE rules as the
                # arrays of _run_many
                f64 = np.float64
                theta, st = _scalar_step(
                    kind, h, t, lr, mu, [f64(v) for v in theta], [f64(v) for v in g],
                    [f64(v) for v in gsq], {k: [f64(v) for v in vs] for k, vs in st.items()},
                    np.sqrt)
                theta = [float(v) for v in theta]
                st = {k: [float(v) for v in vs] for k, vs in st.items()}
    return {"points": pts, "values": vals, "grads": grads, "norms": norms, "status": status,
            "reason": reason, "steps_taken": t}


def _scalar_step(kind, h, t, lr, mu, theta, g, gsq, st, sqrt):
    """One optimizer step on lists of floats; returns the new point and a new state dict
    (nothing is modified in place, so a step can be redone)."""
    buf, s1, s2, s3 = st["buf"], st["s1"], st["s2"], st["s3"]
    if kind == "sgd":
        if mu:
            damp = float(h["dampening"])
            if t == 1:
                buf = list(g)
            elif damp:
                c = 1 - damp
                buf = [mu * b + c * gk for b, gk in zip(buf, g, strict=True)]
            else:
                buf = [mu * b + gk for b, gk in zip(buf, g, strict=True)]
            if h["nesterov"]:
                g = [mu * b + gk for b, gk in zip(buf, g, strict=True)]
            else:
                g = buf
        theta = [p - lr * gk for p, gk in zip(theta, g, strict=True)]
    elif kind == "adagrad":
        eps = float(h["eps"])
        clr = lr / (1 + (t - 1) * float(h["lr_decay"]))
        s1 = [s + q for s, q in zip(s1, gsq, strict=True)]
        theta = [p - (clr * gk) / (sqrt(s) + eps) for p, gk, s in zip(theta, g, s1, strict=True)]
    elif kind == "rmsprop":
        alpha, eps = float(h["alpha"]), float(h["eps"])
        ca = 1 - alpha
        s1 = [alpha * v + ca * q for v, q in zip(s1, gsq, strict=True)]
        if h["centered"]:
            s2 = [alpha * a + ca * gk for a, gk in zip(s2, g, strict=True)]
            avg = [sqrt(v - a * a) + eps for v, a in zip(s1, s2, strict=True)]
        else:
            avg = [sqrt(v) + eps for v in s1]
        if mu > 0:
            buf = [mu * b + gk / d for b, gk, d in zip(buf, g, avg, strict=True)]
            theta = [p - lr * b for p, b in zip(theta, buf, strict=True)]
        else:
            theta = [p - (lr * gk) / d for p, gk, d in zip(theta, g, avg, strict=True)]
    else:  # adam
        b1, b2 = h["betas"]
        step_size, eps_t = _adam_constants(h, lr, t)
        s2 = [b1 * m + gk for m, gk in zip(s2, g, strict=True)]
        s1 = [b2 * v + q for v, q in zip(s1, gsq, strict=True)]
        if h["amsgrad"]:
            # np.maximum: NaN wins
            s3 = [v if (v > w or v != v) else w for w, v in zip(s3, s1, strict=True)]
            src = s3
        else:
            src = s1
        theta = [p - m / (sqrt(v) + eps_t) * step_size
                 for p, m, v in zip(theta, s2, src, strict=True)]
    return theta, {"buf": buf, "s1": s1, "s2": s2, "s3": s3}


def _adam_constants(h: dict, lr: float, t: int) -> tuple[float, float]:
    """Adam's step t with fewer array passes. torch.optim.Adam's rule is
    m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², θ ← θ − lr·m̂/(√v̂ + ε) with
    m̂ = m/(1−β1^t), v̂ = v/(1−β2^t). We keep M = m/(1−β1) and V = v/(1−β2) instead
    (M ← β1·M + g, V ← β2·V + g²: two passes each, not three) and fold every constant into
    two numbers: θ ← θ − (M/(√V + ε_t))·c_t with c_t = lr·(1−β1)·√(1−β2^t) /
    ((1−β1^t)·√(1−β2)) and ε_t = ε·√(1−β2^t)/√(1−β2). The same update, equal to torch's
    up to rounding (~1e-16 relative per step)."""
    b1, b2 = h["betas"]
    bc1 = 1 - b1**t
    bc2_sqrt = (1 - b2**t) ** 0.5
    root = (1 - b2) ** 0.5
    return lr * (1 - b1) * bc2_sqrt / (bc1 * root), float(h["eps"]) * bc2_sqrt / root


def _run_many(fg, starts: np.ndarray, spec: _Spec, keep: bool) -> dict:
    """Many starts: the loop over steps in numpy, vectorized over the starts. State is kept
    as (n, m) blocks whose rows are the coordinate columns the compiled function takes.
    Each step runs a few whole-array reductions; only on a step where some run stops are
    per-start masks computed, the stopped runs recorded and dropped from the blocks."""
    m_all, n = starts.shape
    h = spec.hyper
    kind, lr, steps = spec.kind, spec.lr, spec.steps
    tol2 = spec.tol * spec.tol
    B = DIVERGENCE_BOUND
    inf = math.inf
    wd = float(h.get("weight_decay", 0.0))
    mu = float(h.get("momentum", 0.0))
    ascent = spec.ascent

    final = np.full((m_all, n), np.nan)
    final_f = np.full(m_all, np.nan)
    final_gn = np.full(m_all, np.nan)
    status = np.zeros(m_all, np.int8)
    reason = np.zeros(m_all, np.int8)
    stopped_at = np.full(m_all, steps, np.int64)
    if keep:
        hist_p = np.empty((steps + 1, n, m_all))
        hist_f = np.empty((steps + 1, m_all))
        hist_g = np.empty((steps + 1, m_all))

    P = np.array(starts.T, dtype=float, order="C")  # (n, m): row k is coordinate k
    idx = np.arange(m_all)
    compacted = False
    m = m_all
    state: dict[str, np.ndarray] = {}
    if kind == "adagrad":
        state["s1"] = np.full((n, m), float(h["initial_accumulator_value"]))
    elif kind == "rmsprop":
        state["s1"] = np.zeros((n, m))
        if h["centered"]:
            state["s2"] = np.zeros((n, m))
        if mu > 0:
            state["buf"] = np.zeros((n, m))
    elif kind == "adam":
        state["s1"] = np.zeros((n, m))
        state["s2"] = np.zeros((n, m))
        if h["amsgrad"]:
            state["s3"] = np.zeros((n, m))

    def buffers(m):
        return (np.empty((n, m)), np.empty((n, m)), np.empty((n, m)), np.empty((n, m)),
                np.empty(m))

    G, GSQ, T1, T2, gn2 = buffers(m)
    t = 0
    with np.errstate(all="ignore"):
        while True:
            # ---- evaluate f and ∇f at every active point ----
            out = fg(*P)
            F = out[0]
            if F.__class__ is not np.ndarray or F.shape != (m,) or np.may_share_memory(F, P):
                F = np.array(np.broadcast_to(F, (m,)), dtype=float)
            for k in range(n):
                G[k] = out[k + 1]
            np.multiply(G, G, out=GSQ)
            if n >= 2:
                np.add(GSQ[0], GSQ[1], out=gn2)
                for k in range(2, n):
                    gn2 += GSQ[k]
            elif n == 1:
                gn2[...] = GSQ[0]
            else:
                gn2[...] = 0.0
            if keep:
                if compacted:
                    hist_p[t] = hist_p[t - 1]
                    hist_f[t] = hist_f[t - 1]
                    hist_g[t] = hist_g[t - 1]
                    for k in range(n):  # row by row: fancy indexing of axis 1 is slow
                        hist_p[t, k, idx] = P[k]
                    hist_f[t, idx] = F
                    hist_g[t, idx] = np.sqrt(gn2)
                else:
                    hist_p[t] = P
                    hist_f[t] = F
                    np.sqrt(gn2, out=hist_g[t])
            # ---- stopping tests: whole-array reductions first (NaN fails them all) ----
            # (max and min propagate NaN, which fails every comparison; no np.dot: BLAS
            # threads spinning between calls slow everything else down)
            quiet = (gn2.min() >= tol2 and gn2.max() < inf and F.max() <= B and F.min() >= -B
                     and (n == 0 or (P.max() <= B and P.min() >= -B)))
            if not quiet:
                code = np.zeros(m, np.int8)
                code[~(gn2 < inf)] = _GRAD
                code[~(np.abs(F) <= B)] = _F_TOO_LARGE
                far = np.zeros(m, bool)
                not_finite = np.zeros(m, bool)
                for row in P:  # row by row: axis-0 reductions of (n, m) are slow
                    far |= ~(np.abs(row) <= B)
                    not_finite |= ~np.isfinite(row)
                code[far] = _TOO_FAR
                code[np.isnan(F)] = _UNDEFINED
                code[not_finite] = _NOT_FINITE
                diverged = code > 0
                stop = diverged | (gn2 < tol2)
                out_i = np.flatnonzero(stop)  # np.take: boolean indexing of axis 1 is slow
                where = idx[out_i]
                final[where] = np.take(P, out_i, axis=1).T
                final_f[where] = F[out_i]
                final_gn[where] = np.sqrt(gn2[out_i])
                status[where] = np.where(diverged[out_i], _DIVERGED, _CONVERGED)
                reason[where] = code[out_i]
                stopped_at[where] = t
                in_i = np.flatnonzero(~stop)
                idx = idx[in_i]
                m = len(idx)
                if m == 0:
                    break
                P = np.take(P, in_i, axis=1)
                G = np.take(G, in_i, axis=1)
                GSQ = np.take(GSQ, in_i, axis=1)
                for key in state:
                    state[key] = np.take(state[key], in_i, axis=1)
                F = F[in_i]
                gn2 = gn2[in_i]
                T1, T2 = np.empty((n, m)), np.empty((n, m))
                compacted = True
            if t == steps:
                break
            t += 1
            # ---- one optimizer step (the same operations as _run_one) ----
            g = G
            gsq = GSQ
            if ascent:
                np.negative(G, out=G)
            if wd:
                np.multiply(P, wd, out=T1)
                T1 += g
                g = T1
                gsq = np.multiply(g, g, out=GSQ)
            if kind == "sgd":
                if mu:
                    damp = float(h["dampening"])
                    if t == 1 or "buf" not in state:
                        state["buf"] = g.copy()
                    else:
                        buf = state["buf"]
                        buf *= mu
                        if damp:
                            np.multiply(g, 1 - damp, out=T2)
                            buf += T2
                        else:
                            buf += g
                    buf = state["buf"]
                    if h["nesterov"]:
                        np.multiply(buf, mu, out=T2)
                        T2 += g
                        g = T2
                    else:
                        g = buf
                np.multiply(g, lr, out=T1)
                P -= T1
            elif kind == "adagrad":
                eps = float(h["eps"])
                clr = lr / (1 + (t - 1) * float(h["lr_decay"]))
                s1 = state["s1"]
                s1 += gsq
                np.sqrt(s1, out=T2)
                T2 += eps
                np.multiply(g, clr, out=T1)
                T1 /= T2
                P -= T1
            elif kind == "rmsprop":
                alpha, eps = float(h["alpha"]), float(h["eps"])
                ca = 1 - alpha
                s1 = state["s1"]
                s1 *= alpha
                np.multiply(gsq, ca, out=T2)
                s1 += T2
                if h["centered"]:
                    s2 = state["s2"]
                    s2 *= alpha
                    np.multiply(g, ca, out=T2)
                    s2 += T2
                    np.multiply(s2, s2, out=T2)
                    np.subtract(s1, T2, out=T2)
                    np.sqrt(T2, out=T2)
                else:
                    np.sqrt(s1, out=T2)
                T2 += eps
                if mu > 0:
                    buf = state["buf"]
                    buf *= mu
                    np.divide(g, T2, out=T2)
                    buf += T2
                    np.multiply(buf, lr, out=T1)
                    P -= T1
                else:
                    np.multiply(g, lr, out=T1)
                    T1 /= T2
                    P -= T1
            else:  # adam
                step_size, eps_t = _adam_constants(h, lr, t)
                s1, s2 = state["s1"], state["s2"]
                s2 *= h["betas"][0]
                s2 += g
                s1 *= h["betas"][1]
                s1 += gsq
                if h["amsgrad"]:
                    np.maximum(state["s3"], s1, out=state["s3"])
                    src = state["s3"]
                else:
                    src = s1
                np.sqrt(src, out=T2)
                T2 += eps_t
                np.divide(s2, T2, out=T1)
                T1 *= step_size
                P -= T1
    if m:
        final[idx] = P.T
        final_f[idx] = F
        final_gn[idx] = np.sqrt(gn2)
    result = {"final": final, "final_f": final_f, "final_gn": final_gn, "status": status,
              "reason": reason, "stopped_at": stopped_at}
    if keep:
        last = t
        if last < steps:  # every run stopped early: the rest of the rows stay put
            hist_p[last + 1:] = hist_p[last]
            hist_f[last + 1:] = hist_f[last]
            hist_g[last + 1:] = hist_g[last]
        result.update(points=np.swapaxes(hist_p, 1, 2), values=hist_f, grad_norms=hist_g)
    return result


# ---------------------------------------------------------------------------------------
# Public API


def descend(
    fn: Function,
    start: Sequence[float] | Mapping[str, float],
    method: str = "gd",
    lr: float = 0.1,
    steps: int = 100,
    tol: float = 1e-8,
    ascent: bool = False,
    **hyper,
) -> Path:
    """Run ``method`` from one ``start`` (a sequence in ``fn.variables`` order, or a mapping
    of names to values) for at most ``steps`` steps of learning rate ``lr``.

    ``hyper`` are the method's hyperparameters with torch.optim's names (see
    :data:`DEFAULTS`, e.g. ``momentum=0.5`` or ``betas=(0.8, 0.99)``); ``maximize=True``
    is accepted as torch's name for ``ascent=True``. ``ascent=True`` climbs: the gradient's
    sign is flipped before the update, as torch does for ``maximize``. Stops when
    ‖∇f‖ < ``tol`` ("converged"), or when the run diverges (see the module docstring).
    Never raises for numerical trouble; raises ``ValueError`` for bad arguments.
    """
    spec = _spec(method, lr, steps, tol, ascent, hyper)
    theta = [float(v) for v in to_point(fn, start)]
    run = _run_one(_compiled(fn), theta, spec)
    n = len(theta)
    points = np.array(run["points"], dtype=float).reshape(len(run["points"]), n)
    values = np.array(run["values"], dtype=float)
    grads = np.array(run["grads"], dtype=float).reshape(len(run["grads"]), n)
    norms = np.array(run["norms"], dtype=float)
    status = _STATUS[run["status"]]
    reason = _REASONS[run["reason"]]
    k = run["steps_taken"]
    warning = _warning(fn, spec, status, spec.ascent, points, norms)
    message = _message(fn, fn.names, spec.method, spec.lr, spec.hyper, spec.ascent, spec.tol,
                       spec.steps, status, reason, k, points[-1], float(values[-1]),
                       float(norms[-1])) + warning
    return Path(points, values, grads, norms, spec.method, spec.lr, spec.hyper, status, k,
                message, reason, spec.ascent, spec.tol, spec.steps, fn.names, warning)


def _warning(fn: Function, spec, status: str, ascent: bool, points: np.ndarray,
             norms: np.ndarray) -> str:
    """The end of a run's message when it ended somewhere it did not aim for: converged to
    a saddle point or the opposite extremum, or bouncing between two points at the step
    limit; "" otherwise. A run that stopped on a plateau (‖∇f‖ under the tolerance but
    not small next to the gradients it met, nor next to ∇f a small step away, e.g.
    e^(−x²−y²) started at (5, 5)) is at no critical point, so the Hessian there says
    nothing about one."""
    if status == "converged":
        if len(points) == 1:  # stopped at the start: only a true critical point warns, as
            if norms[-1] > 0 and not is_critical(fn, points[-1]):  # the message says
                return ""
            return _not_the_goal(fn, points[-1], ascent, 0)
        finite = norms[np.isfinite(norms)]
        came_down = finite.size and norms[-1] <= 1e-2 * finite.max()
        if not (came_down or near_critical(fn, points[-1], float(norms[-1]))):
            return ""
        return _not_the_goal(fn, points[-1], ascent, len(points) - 1)
    if status == "max_steps" and len(points) >= 5 and np.allclose(points[-1], points[-3]) \
            and np.allclose(points[-2], points[-4]) and not np.allclose(points[-1], points[-2]):
        if _at_stability_limit(fn, spec, points[-1]):
            return (" It is bouncing between two points: each step overshoots by as much as "
                    "the last one corrected, which happens at the stability limit (η = 2/λ for "
                    "plain gradient descent on a quadratic). Make η a little smaller.")
        corner = corner_piece(fn)
        if corner:
            return (f" It is bouncing between two points across a corner of {corner}: there "
                    "the slope does not shrink as the run gets close, so every step is about "
                    "as long as the last, and with a fixed step gradient descent never "
                    "settles at a corner, whatever η. A smaller η makes the bounce smaller.")
        return (" It is bouncing between two points: each step overshoots by as much as the "
                "last one corrected, and η is not at the stability limit 2/λ here: near the "
                "point it circles, f's slope does not shrink in step with the distance (as "
                "at the tip of |x|^1.5), so a fixed step keeps overshooting. A smaller η "
                "makes the bounce smaller.")
    return ""


def _at_stability_limit(fn: Function, spec, point) -> bool:
    """Whether plain gradient descent's η is 2/λ for an eigenvalue λ of the Hessian at
    ``point`` (within 5 %): the bounce of a quadratic at its stability limit."""
    if spec.method != "gd" or spec.hyper.get("momentum", 0):
        return True  # no simple limit to compare with: keep the general explanation
    try:
        H = hessian_at(fn, point)
    except (TooComplexError, ValueError, TypeError):
        return True
    if not np.all(np.isfinite(H)):
        return False
    eig = np.linalg.eigvalsh((H + H.T) / 2)
    return bool(np.any(np.abs(spec.lr * eig - 2) < 0.1))


#: keep_paths refuses histories bigger than this (bytes).
MAX_PATH_BYTES = 1 << 30


def descend_many(
    fn: Function,
    starts: np.ndarray | Sequence[Sequence[float]],
    method: str = "gd",
    lr: float = 0.1,
    steps: int = 100,
    tol: float = 1e-8,
    ascent: bool = False,
    keep_paths: bool = False,
    **hyper,
) -> ManyPaths:
    """Run ``method`` from every row of ``starts`` (shape (m, n), columns in
    ``fn.variables`` order) at once; the same settings and results as :func:`descend`,
    start by start, bit for bit.

    Memory: by default only the final point, value and gradient norm of each run are kept
    (O(m·n)); ``keep_paths=True`` also keeps every step, (steps+1)·m·(n+2) floats — 10,000
    starts × 500 steps × 2 variables is 80 MB of points (refused past ``MAX_PATH_BYTES``).
    """
    spec = _spec(method, lr, steps, tol, ascent, hyper)
    n = len(fn.variables)
    arr = np.asarray(starts, dtype=float)
    if arr.ndim == 1 and n == 1:
        arr = arr[:, None]
    if arr.ndim == 1 and arr.size == 0:
        arr = arr.reshape(0, n)
    if arr.ndim != 2 or arr.shape[1] != n:
        raise ValueError(f"starts must have shape (m, {n}) — one row per start, one column "
                         f"per variable ({', '.join(fn.names)}) — got {arr.shape}")
    m = len(arr)
    if keep_paths:
        size = (spec.steps + 1) * m * (n + 2) * 8
        if size > MAX_PATH_BYTES:
            raise ValueError(f"keeping every step would take {size / 2**20:.0f} MB; use fewer "
                             f"starts or steps, or keep_paths=False (final points only)")
    if m:
        run = _run_many(_compiled(fn), arr, spec, bool(keep_paths))
    else:
        run = {"final": np.empty((0, n)), "final_f": np.empty(0), "final_gn": np.empty(0),
               "status": np.empty(0, np.int8), "reason": np.empty(0, np.int8),
               "stopped_at": np.empty(0, np.int64)}
        if keep_paths:
            run.update(points=np.empty((spec.steps + 1, 0, n)),
                       values=np.empty((spec.steps + 1, 0)),
                       grad_norms=np.empty((spec.steps + 1, 0)))
    status = np.array(_STATUS)[run["status"]]
    reason = np.array([r or "" for r in _REASONS])[run["reason"]]
    return ManyPaths(fn, fn.names, spec.method, spec.lr, spec.hyper, spec.ascent, spec.tol,
                     spec.steps, arr.copy(), run["final"], run["final_f"], run["final_gn"],
                     status, reason, run["stopped_at"], run.get("points"), run.get("values"),
                     run.get("grad_norms"))


# ---------------------------------------------------------------------------------------
# Stability bound


def corner_piece(fn: Function) -> str | None:
    """The first piece of f with a corner, as plain text, or None: an |u| whose slope
    jumps where u crosses 0. Its Hessian says nothing about the corner (sign′ = 0): with
    a fixed step, gradient descent never settles at a corner, whatever the learning rate.

    Read from the formula's structure (no symbolic work), |u| has no corner where
    * u is never negative (|x²| is x²);
    * the factor of u that crosses 0 is raised to a power above 1 (|x³| = |x|³ is C²);
    * every use of |u| is smooth there: raised to a power above 1 (|x|³), or multiplied
      by that factor of u (x|x| and x²|x| have continuous slopes).
    Other uses (sin(|x|), an |u| inside a sum) count as corners, even the rare smooth
    one (cos(|x|))."""
    uses: dict = {}  # |u| -> the cofactors it is multiplied by (None: a bare use)
    for node in sp.preorder_traversal(fn.expr):
        for arg in node.args:
            if isinstance(arg, sp.Abs):
                uses.setdefault(arg, []).append(_abs_use(node, arg))
    if isinstance(fn.expr, sp.Abs):
        uses.setdefault(fn.expr, []).append(None)
    for c in _find_candidates(fn.expr, fn.variables):
        if c.kind != "abs" or _always("root", c.inners[0]):
            continue
        for g, k in _factors(c.inners[0]):
            if k == 1 and g.free_symbols & set(fn.variables) and not _always("root", g) and any(
                    use != "smooth" and (use is None or g not in use)
                    for use in uses.get(c.node, [None])):
                return _plain(c.node)
    return None


def _factors(expr: sp.Expr) -> list[tuple[sp.Expr, object]]:
    """``expr`` as (base, exponent) factors: x³y → [(x, 3), (y, 1)]."""
    return [f.as_base_exp() for f in sp.Mul.make_args(expr)]


def _abs_use(parent: sp.Basic, a: sp.Abs):
    """How ``parent`` uses its argument ``a`` = |u|: "smooth" (raised to a power above
    1), the set of bases it is multiplied by (a product), or None (anything else)."""
    if isinstance(parent, sp.Pow) and parent.base == a:
        e = parent.exp
        return "smooth" if e.is_number and e > 1 else None
    if isinstance(parent, sp.Mul):
        bases = set()
        for f in parent.args:
            if f != a:
                b, e = f.as_base_exp()
                if e.is_number and e >= 1:  # |xy| vanishes where x does
                    inner = b.args[0] if isinstance(b, sp.Abs) else b
                    bases.update(g for g, k in _factors(inner) if k.is_number and k >= 1)
        return bases
    return None


@cached_once(maxsize=64)
def _hessian_parts(fn: Function):
    """(the constant Hessian, None) for a quadratic, else (None, a compiled function of
    the coordinates giving the n² entries, row by row). |x| + y² has a constant Hessian
    (sign′ = 0) but is no quadratic: only a polynomial counts."""
    n = len(fn.variables)
    H = hessian(fn)  # (rewritten for floats only if constant: factor_terms of 64 entries
    # of a big Hessian took 1.3 s in the server's thread; compile_hessian does it in a worker)
    if not H.free_symbols & set(fn.variables) and fn.expr.is_polynomial(*fn.variables):
        return np.array([_to_float(_numeric_form(e)) for e in H], dtype=float
                        ).reshape(n, n), None
    return None, compile_hessian(fn)  # the n² entries, row by row


def stability_bound(fn: Function, point: Sequence[float] | Mapping[str, float] | None = None
                    ) -> float | None:
    """The largest stable learning rate of plain gradient descent, 2/λ_max, where λ_max is
    the largest eigenvalue of the Hessian.

    For a quadratic (the Hessian is constant) this is exact and global: GD converges from
    every start when 0 < η < 2/λ_max and diverges (from almost every start) when
    η > 2/λ_max; ``point`` is not needed. For any other function it is local: the Hessian
    at ``point`` (required) describes f only near that point, so the bound holds for steps
    that stay close to it. Returns None when λ_max ≤ 0 (no curvature upward: GD never
    overshoots there) or the Hessian is undefined at ``point``.
    """
    const, entries = _hessian_parts(fn)
    n = len(fn.variables)
    if n == 0:
        return None
    if const is not None:
        H = const
    else:
        if point is None:
            raise ValueError(
                f"{fn.expr} is not quadratic (its Hessian depends on {', '.join(fn.names)}), "
                f"so the stable learning rate changes from point to point; pass point=... "
                f"for the local bound there")
        a = to_point(fn, point)
        with np.errstate(all="ignore"):
            vals = entries(*a)
        H = np.array([_to_float(v) for v in vals], dtype=float).reshape(n, n)
    if not np.isfinite(H).all():
        return None
    lam = float(np.linalg.eigvalsh(H)[-1])
    return 2.0 / lam if lam > 0 else None


# ---------------------------------------------------------------------------------------
# Worked table and CSV


@dataclass(frozen=True)
class StepRow:
    """One step of plain gradient descent: θ_{k+1} = θ_k − η∇f(θ_k) (for ascent,
    θ_{k+1} = θ_k + η∇f(θ_k)); tuples are in variable order."""

    k: int
    theta: tuple[float, ...]
    f: float
    grad: tuple[float, ...]
    lr_grad: tuple[float, ...]
    theta_next: tuple[float, ...]
    f_next: float


@dataclass(frozen=True)
class StepTable:
    """The first steps of plain gradient descent, for a worked table."""

    names: tuple[str, ...]
    lr: float
    ascent: bool
    rows: tuple[StepRow, ...]

    def records(self) -> list[dict[str, float]]:
        """One flat dict per row, one column per variable, e.g. for a DataFrame:
        k, x_k, y_k, f(θ_k), ∂f/∂x, ∂f/∂y, η·∂f/∂x, η·∂f/∂y, x_{k+1}, y_{k+1}."""
        out = []
        for r in self.rows:
            rec: dict[str, float] = {"k": r.k}
            rec.update({f"{v}_k": c for v, c in zip(self.names, r.theta, strict=True)})
            rec["f(θ_k)"] = r.f
            rec.update({f"∂f/∂{v}": c for v, c in zip(self.names, r.grad, strict=True)})
            rec.update({f"η·∂f/∂{v}": c for v, c in zip(self.names, r.lr_grad, strict=True)})
            rec.update({f"{v}_{{k+1}}": c
                        for v, c in zip(self.names, r.theta_next, strict=True)})
            out.append(rec)
        return out


def first_steps_table(
    source: Path | Function,
    start: Sequence[float] | Mapping[str, float] | None = None,
    lr: float = 0.1,
    k: int = 5,
    ascent: bool = False,
) -> StepTable:
    """The first ``k`` steps of plain gradient descent as numbers: θ_k, f(θ_k), ∇f(θ_k),
    η∇f(θ_k) and θ_{k+1}.

    ``source`` is a :class:`Path` of method "gd" without momentum or weight decay (its
    ``lr`` and ``ascent`` are used; ``start``/``lr``/``ascent`` are ignored), or a
    function, run with :func:`descend` from ``start``. Fewer rows when the run stops
    sooner. θ_{k+1} is exactly θ_k ∓ η∇f(θ_k) as the optimizer computed it.
    """
    if isinstance(source, Path):
        path = source
        if path.method != "gd" or path.hyper.get("momentum", 0) or \
                path.hyper.get("weight_decay", 0):
            raise ValueError("the worked table is for plain gradient descent; pass a path of "
                             "method 'gd' without momentum or weight decay, or a function")
    else:
        if start is None:
            raise ValueError("give a start point to run gradient descent from")
        path = descend(source, start, "gd", lr=lr, steps=int(k), ascent=ascent)
    rows = []
    eta = path.lr
    for i in range(min(int(k), path.steps_taken)):
        g = path.grads[i]
        rows.append(StepRow(
            i, tuple(float(v) for v in path.points[i]), float(path.values[i]),
            tuple(float(v) for v in g), tuple(eta * float(v) for v in g),
            tuple(float(v) for v in path.points[i + 1]), float(path.values[i + 1])))
    return StepTable(path.names, eta, path.ascent, tuple(rows))


def paths_to_csv(paths: Mapping[str, Path]) -> str:
    """The paths as CSV text: columns optimizer, step, one per variable, f, grad_norm; one
    row per point. Numbers are written with ``repr`` (they read back exactly)."""
    names: tuple[str, ...] | None = None
    for label, path in paths.items():
        if names is None:
            names = path.names
        elif path.names != names:
            raise ValueError(f"path {label!r} has variables {', '.join(path.names)}, the others "
                             f"{', '.join(names)}: a CSV needs the same columns")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["optimizer", "step", *(names or ()), "f", "grad_norm"])
    for label, path in paths.items():
        for i in range(len(path.points)):
            writer.writerow([label, i, *(repr(float(v)) for v in path.points[i]),
                             repr(float(path.values[i])), repr(float(path.grad_norms[i]))])
    return buf.getvalue()
