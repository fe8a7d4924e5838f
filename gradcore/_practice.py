"""Practice: exercises on partial derivatives, with answers checked for mathematical
equivalence rather than textual equality.

* :class:`Exercise` and :data:`SEED_EXERCISES` (the seed text's "Try it yourself" functions,
  then :data:`CURATED` ones of growing difficulty); :func:`generate` makes fresh, reproducible
  random exercises of a chosen difficulty.
* :func:`check_answer` decides whether a typed answer equals the expected partial derivative:
  the answer is parsed with the safe :func:`~gradcore._parser.parse` (never ``eval`` or
  ``sympify``), compared numerically at fixed pseudo-random points, and confirmed symbolically
  in a time-bounded worker (:func:`~gradcore._bounded.run_bounded`). Wrong answers get a
  diagnosis where one is cheap: a sign error, a constant factor, the partial with respect to
  the wrong variable, a missing chain-rule factor, a missing term.
* :func:`hint` and :func:`solution` explain an exercise with the step-by-step engine
  (:func:`~gradcore._steps.derive`); :class:`Progress` counts what a learner has solved.

Pure Python: never imports streamlit, and never calls ``sympy.simplify`` outside a bounded
worker.
"""

from __future__ import annotations

import itertools
import math
import random
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

import numpy as np
import sympy as sp
from sympy.printing.str import StrPrinter

from ._bounded import TooComplexError, cached_once, run_bounded
from ._calculus import _diff, partial, resolve_variable
from ._numeric import lambdify_bounded
from ._parser import LIMITS, Function, ParseError, parse
from ._steps import Derivation, derive

__all__ = [
    "CURATED",
    "SEED_EXERCISES",
    "Exercise",
    "Progress",
    "Verdict",
    "check_answer",
    "find_exercise",
    "generate",
    "hint",
    "solution",
]

TOPICS = (
    "power rule", "product rule", "quotient rule", "chain rule", "exp/log", "trig",
    "three variables",
)


# --- exercises ---------------------------------------------------------------------------

@lru_cache(maxsize=512)
def _parsed(text: str) -> Function:
    return parse(text)


@dataclass(frozen=True)
class Exercise:
    """One practice exercise: find every partial derivative of the function ``text``.

    ``id`` is a stable string (the same exercise always has the same id, across runs and
    machines), ``text`` is the function as a learner would type it (``parse`` accepts it),
    ``difficulty`` is 1 (easiest) to 4, and ``topic`` names the main skill (one of
    ``TOPICS``: "power rule", "product rule", "quotient rule", "chain rule", "exp/log",
    "trig", "three variables").
    """

    id: str
    text: str
    difficulty: int
    topic: str

    @property
    def function(self) -> Function:
        """The parsed function (cached)."""
        return _parsed(self.text)

    @property
    def variables(self) -> tuple[sp.Symbol, ...]:
        """The function's variables, x, y, z first."""
        return self.function.variables

    @property
    def names(self) -> tuple[str, ...]:
        """The names of the function's variables."""
        return self.function.names

    def expected(self, var: sp.Symbol | str) -> sp.Expr:
        """The expected answer ∂f/∂var (as ``partial`` gives it, unsimplified)."""
        return partial(self.function, var)

    @property
    def gradient(self) -> tuple[sp.Expr, ...]:
        """All expected partials, in ``variables`` order."""
        return tuple(self.expected(v) for v in self.variables)

    def check(self, var: sp.Symbol | str, answer_text: str, *, timeout: float = 2.0) -> Verdict:
        """:func:`check_answer` for ∂f/∂var of this exercise, with every diagnosis enabled."""
        fn = self.function
        sym = resolve_variable(fn, var)
        return check_answer(
            answer_text, partial(fn, sym), fn.variables, timeout=timeout, fn=fn, var=sym
        )

    def hint(self, var: sp.Symbol | str) -> str:
        """:func:`hint` for ∂f/∂var of this exercise."""
        return hint(self, var)


def _ex(id: str, text: str, difficulty: int, topic: str) -> Exercise:
    return Exercise(id=id, text=text, difficulty=difficulty, topic=topic)


#: The seed text's "Try it yourself" exercises.
_TRY_IT = (
    _ex("try-1", "x^2 + y^2", 1, "power rule"),  # ∇f = [2x, 2y]
    _ex("try-2", "3xy + y^2", 1, "power rule"),  # ∇f = [3y, 3x + 2y]
    _ex("try-3", "xyz", 1, "three variables"),  # ∇f = [yz, xz, xy]
)

#: Hand-picked exercises of growing difficulty.
CURATED: tuple[Exercise, ...] = (
    _ex("curated-power", "x^3 y^2 - 4x + 5y", 1, "power rule"),
    _ex("curated-product", "(x + y)(x - 2y)", 2, "product rule"),
    _ex("curated-trig", "sin(x) cos(y)", 2, "trig"),
    _ex("curated-quotient", "x / (x + y)", 3, "quotient rule"),
    _ex("curated-chain", "(x^2 + 3y)^4", 3, "chain rule"),
    _ex("curated-log", "ln(x^2 + y^2)", 3, "exp/log"),
    _ex("curated-product-exp", "x e^(xy)", 3, "product rule"),
    _ex("curated-composition", "sin(x e^y)", 4, "chain rule"),
    _ex("curated-three", "sqrt(x^2 + y^2 + z^2)", 4, "three variables"),
)

#: "Try it yourself" first (x^2 + y^2, 3xy + y^2, xyz), then ``CURATED``.
SEED_EXERCISES: tuple[Exercise, ...] = _TRY_IT + CURATED


def find_exercise(exercise_id: str) -> Exercise | None:
    """The seed exercise with this id, or a generated one (id ``gen-<d>-<seed>-<i>``);
    ``None`` when the id is unknown."""
    for ex in SEED_EXERCISES:
        if ex.id == exercise_id:
            return ex
    m = re.fullmatch(r"gen-([1-4])-(-?\d{1,30})-(\d{1,3})", str(exercise_id))
    if m:
        d, seed, i = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if i < _MAX_GENERATED:
            return generate(d, seed, i + 1)[i]
    return None


# --- generator ---------------------------------------------------------------------------

_MAX_GENERATED = 50
_MAX_TEXT = 48  # characters of a generated function
_MAX_OPS = 24  # count_ops of a generated function
_MAX_PARTIAL_OPS = 60  # count_ops of each of its partials


def _coef(rng: random.Random, lo: int = 2, hi: int = 9) -> int:
    return rng.randint(lo, hi)


def _term(c: int | str, exps: dict[str, int]) -> str:
    """A monomial in learner notation, variables in alphabetical order: ``3x^2 y``, ``xy^3``
    (``c`` 1 or "" is omitted)."""
    out = "" if c in (1, "") else str(c)
    for name in sorted(n for n, e in exps.items() if e):
        e = exps[name]
        if out and "^" in out.rsplit(" ", 1)[-1]:
            out += " "  # 3x^2 y, not 3x^2y
        out += name if e == 1 else f"{name}^{e}"
    return out


def _first_letter(term: str) -> str:
    letters = [ch for ch in term if ch in "xyz"]
    return letters[0] if letters else "~"  # constants last


def _sum(rng: random.Random, terms: Sequence[str]) -> str:
    """Terms in alphabetical order of their variables, joined by random + and - signs."""
    terms = sorted(terms, key=_first_letter)
    text = terms[0]
    for t in terms[1:]:
        text += rng.choice([" + ", " + ", " - "]) + t
    return text


def _monomial(rng: random.Random, names: Sequence[str], max_exp: int = 3) -> tuple:
    """Exponents (at least one non-zero) and a coefficient for a random monomial."""
    while True:
        exps = tuple(rng.randint(0, max_exp) for _ in names)
        if any(exps):
            return exps, rng.choice([1, 1, _coef(rng)])


def _gen_polynomial(rng: random.Random, names: Sequence[str]) -> tuple[str, str]:
    monomials: dict[tuple, int] = {}
    count = rng.randint(2, 3)
    while len(monomials) < count:
        exps, c = _monomial(rng, names)
        monomials.setdefault(exps, c)
    terms = [_term(c, dict(zip(names, e, strict=True))) for e, c in monomials.items()]
    text = terms[0]
    for t in terms[1:]:
        text += rng.choice([" + ", " + ", " - "]) + t
    return text, "power rule"


def _linear(rng: random.Random, a: str, b: str) -> str:
    """``x + 3y``, ``2x - y``, ... (both variables present)."""
    ca = rng.choice(["", "", str(_coef(rng, 2, 5))])
    cb = rng.choice(["", str(_coef(rng, 2, 5))])
    return _sum(rng, [f"{ca}{a}", f"{cb}{b}"])


def _gen_level2(rng: random.Random, a: str, b: str) -> tuple[str, str]:
    n, m, c = rng.randint(2, 4), rng.randint(2, 3), _coef(rng)
    k = rng.choice(["", str(_coef(rng, 2, 4))])
    choices = [
        (f"{_term(c, {a: n})} e^{b}", "exp/log"),
        (f"{_term(1, {a: m})} e^({k}{b})" if k else f"{_term(1, {a: m})} e^{b}", "exp/log"),
        (f"{_term(1, {a: n, b: m})} + {c}e^{a}", "exp/log"),
        (f"{a} e^{a} + {b}^{m}", "product rule"),
        (f"{_term(1, {a: m, b: 1})} e^{a}", "product rule"),
        (f"({_linear(rng, a, b)})({_sum(rng, [f'{a}^{m}', b])})", "product rule"),
        (f"{_term(c, {a: n})} sqrt({b})", "power rule"),
        (f"{_term(1, {a: n, b: m})} - {_term(c, {a: 1, b: 1})}", "power rule"),
        (f"{_term(1, {a: m})} sin({b})", "trig"),
        (f"{c}{a} cos({b}) + {b}^{m}", "trig"),
    ]
    return rng.choice(choices)


def _inner2(rng: random.Random, a: str, b: str) -> str:
    c, n = _coef(rng, 2, 5), rng.randint(2, 3)
    return rng.choice([
        _term(1, {a: 1, b: 1}), _sum(rng, [f"{a}^{n}", b]), _term(1, {a: n, b: 1}),
        _linear(rng, a, b), _term(c, {a: 1, b: 1}),
    ])


def _positive2(rng: random.Random, a: str, b: str) -> str:
    """A sum that is positive everywhere (for ln and sqrt)."""
    c = _coef(rng, 2, 5)
    terms = rng.choice([
        [f"{a}^2", f"{b}^2", "1"], [_term(1, {a: 2, b: 2}), "1"], [f"{a}^2", f"{c}{b}^2", "1"],
        [f"{a}^2", f"{b}^4", str(c)],
    ])
    return " + ".join(sorted(terms, key=_first_letter))


def _gen_level3(rng: random.Random, a: str, b: str) -> tuple[str, str]:
    c, n = _coef(rng, 2, 5), rng.randint(2, 5)
    trig = rng.choice(["sin", "cos", "tan"])
    num = rng.choice([a, _term(1, {a: 1, b: 1}), f"{a}^2", _linear(rng, a, b)])
    den = rng.choice([
        _sum(rng, [a, b]).replace(" - ", " + "), f"{_sum(rng, [f'{a}^2', f'{b}^2'])}",
        f"{b}^2 + 1", _sum(rng, [a, f"{c}{b}"]), f"{_term(1, {a: 1, b: 1})} + 1",
    ])
    choices = [
        (f"({num}) / ({den})" if " " in num else f"{num} / ({den})", "quotient rule"),
        (f"{trig}({_inner2(rng, a, b)})", "chain rule"),
        (f"e^({_inner2(rng, a, b)})", "exp/log"),
        (f"ln({_positive2(rng, a, b)})", "exp/log"),
        (f"({_inner2(rng, a, b)})^{n}", "chain rule"),
        (f"sqrt({_positive2(rng, a, b)})", "chain rule"),
        (f"{a} {trig}({_inner2(rng, a, b)})", "chain rule"),
    ]
    return rng.choice(choices)


def _inner3(rng: random.Random, a: str, b: str, c: str) -> str:
    k = _coef(rng, 2, 4)
    return rng.choice([
        "xyz", _sum(rng, [_term(1, {a: 1, b: 1}), c]),
        _sum(rng, [f"{a}^2", _term(1, {b: 1, c: 1})]),
        _sum(rng, [a, _term(1, {b: 2, c: 1})]), _sum(rng, [_term(1, {a: 1, c: 1}), f"{k}{b}"]),
        "x^2 + y^2 + z^2",
    ])


def _gen_level4(rng: random.Random, a: str, b: str, c: str) -> tuple[str, str]:
    trig = rng.choice(["sin", "cos"])
    inner = _inner3(rng, a, b, c)
    inner2 = _inner2(rng, a, b)
    k = _coef(rng, 2, 4)
    choices = [
        (f"e^({_term(1, {a: 1, b: 1})}) {trig}({c})", "three variables"),
        (f"{trig}({inner})", "three variables"),
        (f"e^({inner})", "three variables"),
        (f"ln(1 + ({inner})^2)", "chain rule"),
        (f"{a} ln({' + '.join(sorted([f'{b}^2', f'{c}^2']))} + 1)", "three variables"),
        (f"({inner})^{k}", "three variables"),
        (f"{c} {trig}({inner2})", "three variables"),
        (f"xyz + e^({_term(1, {a: 1, c: 1})})", "three variables"),
        (f"{trig}(e^({inner2}))", "chain rule"),
        (f"e^({trig}({inner2}))", "chain rule"),
        (f"sqrt(1 + ({inner2})^2)", "chain rule"),
        (f"{trig}({_term(1, {a: 1, b: 1})})^{k}", "chain rule"),
        (f"ln(1 + e^({inner2}))", "chain rule"),
    ]
    return rng.choice(choices)


def _candidate(rng: random.Random, difficulty: int) -> tuple[str, str]:
    """One random function text and its topic for ``difficulty``."""
    if difficulty == 1:
        names = ["x", "y", "z"] if rng.random() < 0.25 else ["x", "y"]
        return _gen_polynomial(rng, names)
    if difficulty == 4:
        a, b, c = rng.sample(["x", "y", "z"], 3)
        return _gen_level4(rng, a, b, c)
    a, b = rng.sample(["x", "y"], 2)
    return (_gen_level2 if difficulty == 2 else _gen_level3)(rng, a, b)


def _acceptable(text: str) -> bool:
    """Parses, 2-3 variables, small, and every partial non-zero and small."""
    if len(text) > _MAX_TEXT:
        return False
    try:
        fn = _parsed(text)
    except ParseError:
        return False
    if not 2 <= len(fn.variables) <= 3 or sp.count_ops(fn.expr) > _MAX_OPS:
        return False
    for v in fn.variables:
        d = partial(fn, v)
        if d == 0 or sp.count_ops(d) > _MAX_PARTIAL_OPS:
            return False
    return True


def generate(difficulty: int, seed: int, n: int = 5) -> list[Exercise]:
    """``n`` fresh random exercises of ``difficulty`` (1-4), reproducible from ``seed``.

    The same ``(difficulty, seed, n)`` gives the same list on any machine (a private
    ``random.Random`` seeded from difficulty and seed; no global state), and a longer list
    starts with the shorter one. Every text parses, has 2 or 3 variables, at most
    ``_MAX_TEXT`` characters, no zero partial, and bounded size; the texts within one list
    are distinct. Difficulty 1: polynomials; 2: products and powers, exp, simple trig;
    3: quotients and the chain rule with trig, log and exp; 4: compositions and three
    variables. Ids are ``gen-<difficulty>-<seed>-<index>``.

    Raises ``ValueError`` for a difficulty outside 1-4 or ``n`` outside 1-50.
    """
    if isinstance(difficulty, bool) or difficulty not in (1, 2, 3, 4):
        raise ValueError("difficulty must be 1, 2, 3 or 4")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError("seed must be an integer")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= _MAX_GENERATED:
        raise ValueError(f"n must be between 1 and {_MAX_GENERATED}")
    rng = random.Random(f"gradcore-practice:{difficulty}:{seed}")
    out: list[Exercise] = []
    seen: set[sp.Expr] = set()
    attempts = 0
    while len(out) < n:
        attempts += 1
        if attempts > 1000 * n:  # pragma: no cover - the templates are all acceptable
            raise RuntimeError("could not generate enough exercises")
        text, topic = _candidate(rng, difficulty)
        if not _acceptable(text):
            continue
        expr = _parsed(text).expr
        if expr in seen and attempts < 200 * n:
            continue
        seen.add(expr)
        out.append(Exercise(f"gen-{difficulty}-{seed}-{len(out)}", text, difficulty, topic))
    return out


# --- checking answers --------------------------------------------------------------------

STATUSES = ("correct", "wrong", "unparseable", "too_complex")


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`check_answer`.

    ``status`` is "correct", "wrong", "unparseable" (the parser's message is in
    ``message``) or "too_complex" (no verdict could be reached in time). ``message`` is a
    sentence for the learner. ``answer_expr`` is the parsed answer (``None`` when
    unparseable). ``diagnosis`` names a recognised mistake, or is ``None``: "sign",
    "factor", "wrong_variable", "chain_factor", "missing_term", "zero", "function_itself",
    "not_differentiated" (f's terms with the variable, or one of them, copied),
    "not_held_constant" (a term without the variable kept, or differentiated by its own),
    "dropped_factor" (a variable held constant left out of a product), "sum_of_partials",
    "unknown_variable".
    ``method`` says how the verdict was reached: "symbolic" (proved), "numeric" (matched
    or failed at the test points only), or "parse".
    """

    status: str
    message: str
    answer_expr: sp.Expr | None = None
    diagnosis: str | None = None
    method: str = ""

    @property
    def correct(self) -> bool:
        return self.status == "correct"


# Numeric comparison: fixed pseudo-random points. The first _N_POINTS ("core": coordinates
# of size 0.3-2.3) are half in the positive orthant (where logarithms and roots are
# defined), half with mixed signs. Then _N_WIDE more, half small (0.02-0.45: inside a unit
# ball) and half large (2.5-100: beyond x = 3 or 12), mixed signs: an answer that is right on the
# core but wrong out there (-1 for ∂/∂x |x - 3|) is caught, and f defined only out there
# (√(x - 3)) can still be checked. A difference seen only on them counts once sympy
# confirms it with exact arithmetic (floats cancel more at large coordinates).
_N_POINTS = 24
_N_WIDE = 24
_EQUAL_RTOL = 1e-8  # at most this relative difference everywhere: numerically equal
_DIFFERENT_RTOL = 1e-5  # more than this anywhere: numerically different
_MIN_POINTS = 4
# Points with small round coordinates, for a readable counterexample.
_NICE = (
    (1, 2, 3), (2, 1, 1), (1, 1, 2), (2, 3, 1), (3, 1, 2), (-1, 2, 1), (1, -2, 3), (2, -1, -2),
    (-1, -2, -3), (-2, -1, 1), (4, 1, 2), (-4, 2, 1), (5, 5, 5), (0.5, 0.25, 0.5),
    (-0.5, 0.25, -0.25), (10, 2, 3), (2, 10, 1), (-10, -2, 1),
)


@lru_cache(maxsize=16)
def _points(nvars: int) -> np.ndarray:
    rng = random.Random(f"gradcore-practice-points:{nvars}")
    rows = []
    for i in range(_N_POINTS):
        row = []
        for _ in range(nvars):
            v = rng.uniform(0.3, 2.3)
            if i >= _N_POINTS // 2 and rng.random() < 0.5:
                v = -v
            row.append(v)
        rows.append(row)
    for i in range(_N_WIDE):  # sizes spread evenly on a log scale
        lo, hi = (0.02, 0.45) if i < _N_WIDE // 2 else (2.5, 100.0)
        rows.append([math.exp(rng.uniform(math.log(lo), math.log(hi))) * rng.choice((-1, 1))
                     for _ in range(nvars)])
    pts = np.array(rows, dtype=float).reshape(_N_POINTS + _N_WIDE, nvars)
    pts.setflags(write=False)
    return pts


def _values(expr: sp.Expr, symbols: Sequence[sp.Symbol], pts: np.ndarray) -> np.ndarray | None:
    """``expr`` at each row of ``pts`` as real floats (NaN where undefined, infinite or not
    real); ``None`` when it cannot be evaluated numerically."""
    try:
        f = lambdify_bounded(symbols, expr, what="evaluating your answer")
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raw = np.asarray(f(*[pts[:, j] for j in range(pts.shape[1])]))  # real
            vals = np.array(np.broadcast_to(raw.astype(float), (pts.shape[0],)), dtype=float)
    except Exception:  # noqa: BLE001 - any failure just means "no numeric verdict"
        return None
    vals[~np.isfinite(vals)] = np.nan
    return vals


@cached_once(maxsize=1024)
def _cached_values(expr: sp.Expr, symbols: tuple[sp.Symbol, ...]) -> np.ndarray | None:
    """``_values`` at the standard points, cached for the expressions that recur between
    checks of one exercise (the expected partial, f, its other partials, ...)."""
    vals = _values(expr, symbols, _points(len(symbols)))
    if vals is not None:
        vals.setflags(write=False)
    return vals


def _rel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a - b) / (np.abs(a) + np.abs(b) + 1e-9)


def _matches(a: np.ndarray | None, b: np.ndarray | None, mask: np.ndarray,
             rtol: float = 1e-6) -> bool:
    """Whether a and b agree at every masked point (both defined there)."""
    if a is None or b is None:
        return False
    a, b = a[mask], b[mask]
    if np.isnan(a).any() or np.isnan(b).any():
        return False
    return bool((_rel(a, b) <= rtol).all())


def _is_zero(e: sp.Expr) -> bool:
    """0, or a Piecewise that is 0 wherever it is defined (x·sign(x) vs |x| at x = 0)."""
    if e == 0:
        return True
    if isinstance(e, sp.Piecewise):
        return all(piece.expr == 0 or piece.expr is sp.nan for piece in e.args)
    return False


def _rational_over_q(d: sp.Expr) -> bool:
    """Whether ``d`` is a rational function of its symbols with rational coefficients (then
    ``cancel`` decides exactly whether it is 0)."""
    gens = sorted(d.free_symbols, key=lambda s: s.name)
    if not gens:
        return d.is_Rational
    try:
        num, den = sp.fraction(sp.together(d))
        sp.Poly(num, *gens, domain="QQ")
        sp.Poly(den, *gens, domain="QQ")
    except (sp.PolynomialError, sp.polys.polyerrors.CoercionFailed, ValueError, TypeError):
        return False
    return True


def _symbolic_equal(a: sp.Expr, b: sp.Expr, symbols: tuple[sp.Symbol, ...] = (),
                    rows: Sequence[Sequence[float]] = ()) -> bool | None:
    """Whether ``a`` equals ``b`` for real values of their variables.

    Runs in a bounded worker (``run_bounded``) only. Tries ``a - b`` = 0 by cheap canonical
    forms first (expand, cancel, together, trig expansion, rewriting with exp), then
    ``simplify``. Returns True (proved equal), False (proved different: a rational function
    with rational coefficients that does not cancel to 0, or a difference that simplifies to
    a non-zero number, or clearly non-zero at one of ``rows``: points (coordinates of
    ``symbols``) where f and the derivative are defined), or None (not decided).
    """
    real = {s: sp.Dummy(s.name, real=True) for s in (a.free_symbols | b.free_symbols)}
    d = (a - b).xreplace(real)
    if d == 0:
        return True
    if _rational_over_q(d):
        return bool(sp.cancel(d) == 0)
    attempts = (
        sp.expand,
        sp.cancel,
        lambda e: sp.expand(sp.together(e)),
        lambda e: sp.expand(e, trig=True),
        lambda e: sp.cancel(sp.expand(e.rewrite(sp.exp))),
        sp.simplify,
        lambda e: sp.simplify(sp.expand(e, trig=True)),
    )
    for attempt in attempts:
        try:
            result = attempt(d)
        except (TypeError, ValueError, NotImplementedError, ZeroDivisionError,
                sp.PolynomialError):
            continue
        if _is_zero(result):
            return True
        if result.is_number and result.is_zero is False:
            return False
    return False if _differs_at(a, b, symbols, rows) else None


# functions whose value jumps where their (first) argument is 0
_JUMPS = (sp.sign, sp.Heaviside, sp.atan2, sp.floor, sp.ceiling)


def _differs_at(a: sp.Expr, b: sp.Expr, symbols: Sequence[sp.Symbol],
                rows: Sequence[Sequence[float]], digits: int = 40) -> bool | None:
    """Whether ``a`` and ``b`` clearly differ at one of ``rows`` (at most 8 points, each
    the coordinates of ``symbols``, rounded to 6 decimals), evaluated with ``digits``
    significant digits: sympy's evalf raises its working precision until the result is
    that accurate, so cancellation does not fake a difference. ``a`` not real where ``b``
    is counts as a difference. Returns None when no point could be evaluated. Runs in a
    bounded worker."""
    evaluated = False
    jumps = [j for j in (a - b).atoms(sp.Function) if isinstance(j, _JUMPS)]
    for row in list(rows)[:8]:
        at = {s: sp.Rational(f"{v:.6f}") for s, v in zip(symbols, row, strict=True)}
        try:
            if any(abs(arg.xreplace(at).evalf(digits, maxn=200)) < sp.Float(10) ** -20
                   for j in jumps for arg in j.args[:1]):
                evaluated = True  # at a jump (the sign of an exact 0): no difference
                continue  # shown from this point
            va, vb = (e.xreplace(at).evalf(15, maxn=200) for e in (a, b))
            if not (vb.is_Float or vb.is_zero):
                continue  # the derivative itself is not a real number there
            if not (va.is_Float or va.is_zero):  # the answer is not real where it is
                if va.is_number and va.is_finite is not False and va.as_real_imag()[1] != 0:
                    return True
                continue
            value = (a - b).xreplace(at).evalf(digits, maxn=200)
        except Exception:  # noqa: BLE001 - mpmath's OverflowError and the like: next point
            continue
        evaluated = True
        if value.is_Float and value._prec >= 100 and abs(value) > sp.Float(10) ** -25:
            return True
    return False if evaluated else None


class _LearnerPrinter(StrPrinter):
    """|x| rather than Abs(x), ln rather than log (as the answer box reads them)."""

    def _print_Abs(self, expr):
        return "|" + self._print(expr.args[0]) + "|"

    def _print_log(self, expr):
        return "ln(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_exp(self, expr):
        return "e^(" + self._print(expr.args[0]) + ")"


def _show(expr: sp.Expr) -> str:
    """An expression in learner notation: x^2·y rather than x**2*y, |x| not Abs(x)."""
    return _LearnerPrinter().doprint(expr).replace("**", "^").replace("*", "·")


def _num(v: float) -> str:
    if float(v).is_integer() and abs(v) < 1e12:
        return str(int(v))
    return f"{v:.4g}"


def _fraction(k: float) -> str:
    if not 1e-6 <= abs(k) <= 1e6:  # 9^300 x: not a 286-digit "whole" number
        return f"{k:.4g}"
    frac = Fraction(k).limit_denominator(100)
    if abs(float(frac) - k) <= 1e-6 * abs(k):
        return str(frac)
    return f"{k:.4g}"


def _join(names: Sequence[str]) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _to_symbols(variables) -> tuple[sp.Symbol, ...]:
    if isinstance(variables, Function):
        return variables.variables
    if isinstance(variables, (str, sp.Symbol)):
        variables = [variables]
    return tuple(v if isinstance(v, sp.Symbol) else sp.Symbol(str(v)) for v in variables)


def _chain_insides(expr: sp.Expr, var: sp.Symbol, limit: int = 20) -> list[sp.Expr]:
    """Insides u (≠ var, depending on var) of functions and powers in ``expr``: the places
    the chain rule multiplies by ∂u/∂var."""
    found: list[sp.Expr] = []
    for node in sp.preorder_traversal(expr):
        inner: list[sp.Expr] = []
        if isinstance(node, sp.Function):
            inner = list(node.args)
        elif node.is_Pow:
            inner = [node.base] if not node.exp.has(var) else [node.exp]
        for u in inner:
            if u != var and u.has(var) and u not in found:
                found.append(u)
        if len(found) >= limit:
            break
    return found


class _Comparison:
    """Numeric values of the answer and the expected partial at the test points."""

    def __init__(self, answer: sp.Expr, expected: sp.Expr, symbols: tuple[sp.Symbol, ...],
                 fn: Function | None):
        self.symbols = symbols
        self.pts = _points(len(symbols))
        self.a = _values(answer, symbols, self.pts)
        self.e = self.values(expected)
        defined = np.ones(len(self.pts), dtype=bool)
        if self.e is not None:
            defined &= ~np.isnan(self.e)
        if fn is not None:  # compare only where f itself is defined
            f_vals = self.values(fn.expr)
            if f_vals is not None:
                defined &= ~np.isnan(f_vals)
        core = np.arange(len(self.pts)) < _N_POINTS
        #: the points compared (and diagnosed on): the core ones, or, where f is defined
        #: at too few of them (√(x - 3)), every point where it is (``wide``)
        self.wide = int((defined & core).sum()) < _MIN_POINTS
        self.mask = defined if self.wide else defined & core
        #: the other points where f and the derivative are defined
        self.elsewhere = defined & ~self.mask
        #: every point where they are (what the diagnoses compare on)
        self.defined = defined

    def rows(self, where: np.ndarray, limit: int = 8) -> list[tuple[float, ...]]:
        """Up to ``limit`` points of ``where`` (a boolean mask), as tuples of floats, the
        smallest first (exact arithmetic overflows less there: exp(exp(exp(x))))."""
        idx = np.flatnonzero(where)
        idx = idx[np.argsort(np.abs(self.pts[idx]).max(axis=1), kind="stable")]
        return [tuple(float(v) for v in self.pts[i]) for i in idx[:limit]]

    def differing(self, where: np.ndarray) -> np.ndarray:
        """The points of ``where`` at which the answer clearly differs from the derivative
        in floating point (or is undefined there)."""
        if self.a is None or self.e is None:
            return np.zeros(len(self.pts), dtype=bool)
        with np.errstate(invalid="ignore"):
            far = np.isnan(self.a) | (_rel(self.a, self.e) > _DIFFERENT_RTOL)
        return where & far

    def outcome(self) -> str:
        """"equal", "different", "unsure" (close but not within tolerance) or
        "inconclusive" (too few points where both can be evaluated)."""
        if self.a is None or self.e is None or self.mask.sum() < _MIN_POINTS:
            return "inconclusive"
        a, e = self.a[self.mask], self.e[self.mask]
        if np.isnan(a).any():
            return "different"  # undefined where the derivative is defined
        worst = float(_rel(a, e).max())
        if worst <= _EQUAL_RTOL:
            return "equal"
        return "different" if worst > _DIFFERENT_RTOL else "unsure"

    def values(self, expr: sp.Expr) -> np.ndarray | None:
        """Values of an expression derived from the exercise (cached)."""
        return _cached_values(expr, self.symbols)


def _confirmed(answer: sp.Expr, expected: sp.Expr, cmp: _Comparison, where: np.ndarray,
               timeout: float) -> bool | None:
    """Whether exact arithmetic confirms that the answer differs from the derivative at
    one of the points of ``where``: True, False (equal at every point evaluated: the
    float difference was rounding, as in an expanded (x - y)^10), or None (not evaluated:
    out of time, or no point could be). In a bounded worker."""
    rows = cmp.rows(where)
    if not rows:
        return None
    try:
        return run_bounded(_differs_at, answer, expected, cmp.symbols, rows,
                           timeout=timeout, what="checking your answer")
    except Exception:  # noqa: BLE001 - no exact verdict
        return None


def _counterexample(answer: sp.Expr, expected: sp.Expr, symbols: tuple[sp.Symbol, ...],
                    wrt: str, fn: Function | None = None,
                    extra: Sequence[tuple[float, ...]] = (), nice: bool = True) -> str:
    """' For example at (x, y) = (1, 2) your answer gives 3, but ∂f/∂x is 4.' or ''; at
    round points (unless ``nice`` is False), then at ``extra`` ones (rounded to 2
    decimals)."""
    n = len(symbols)
    if n == 0:
        return ""
    nice = [p[:n] + (1,) * max(0, n - 3) for p in _NICE] if nice else []
    nice += [tuple(round(v, 2) for v in p) for p in extra]
    pts = np.array(nice, dtype=float).reshape(len(nice), n)
    a, e = _values(answer, symbols, pts), _values(expected, symbols, pts)
    f_vals = _values(fn.expr, symbols, pts) if fn is not None else None
    if a is None or e is None:
        return ""
    for i in range(len(pts)):
        if np.isnan(e[i]) or (f_vals is not None and np.isnan(f_vals[i])):
            continue
        if np.isnan(a[i]):
            gives = "your answer is undefined (not a real number)"
        elif _rel(a[i], e[i]) > _DIFFERENT_RTOL:
            gives = f"your answer gives {_num(a[i])}"
        else:
            continue
        names = ", ".join(s.name for s in symbols)
        coords = ", ".join(_num(v) for v in pts[i])
        where = f"{names} = {coords}" if n == 1 else f"({names}) = ({coords})"
        return f" For example at {where} {gives}, but {wrt} is {_num(e[i])}."
    return ""


def _held_constant_diagnosis(cmp: _Comparison, fn: Function | None, var: sp.Symbol | None
                             ) -> str:
    """The message for the seed text's first pitfall, or "": a term of f without ``var``
    (y² in 3xy + y², for ∂/∂x) is a constant, but the answer kept it (3y + y²) or
    differentiated it by its own variable (3y + 2y)."""
    if fn is None or var is None:
        return ""
    terms = [t for t in sp.Add.make_args(fn.expr) if t.free_symbols and not t.has(var)]
    if not terms or len(terms) > 12:
        return ""
    a, e, mask = cmp.a, cmp.e, cmp.defined
    kept = [(t, cmp.values(t)) for t in terms]
    moved = [(t, cmp.values(sp.Add(*[_diff(t, v) for v in t.free_symbols]))) for t in terms]
    for what, pairs in (("kept", kept), ("differentiated", moved)):
        if any(v is None for _, v in pairs):
            continue
        choices = [pairs] + ([[p] for p in pairs] if len(pairs) > 1 else [])
        for chosen in choices:
            if not _matches(a, e + sum(v for _, v in chosen), mask):
                continue
            one = len(chosen) == 1
            shown = _join([_show(t) for t, _ in chosen])
            names = sorted({v.name for t, _ in chosen for v in t.free_symbols})
            held = f"{_join(names)} {'is' if len(names) == 1 else 'are'} held constant"
            it = "it" if one else "them"
            did = (f"kept {it} in your answer" if what == "kept" else
                   f"differentiated {it} as if {_join(names)} changed")
            return (f"With respect to {var.name}, {held}, so {shown} "
                    f"{'is a constant' if one else 'are constants'}, with derivative 0, but "
                    f"you {did}. Treat the other variables as constants (the text's first "
                    "pitfall).")
    return ""


def _constant_chain_factor(cmp: _Comparison, fn: Function | None, var: sp.Symbol | None
                           ) -> str:
    """The message for an answer that is ∂f/∂var divided by the constant derivative of an
    inside (cos(2x) for sin(2x); cos(x - y) for ∂/∂y sin(x - y), whose factor is −1), or
    ""; or for f = a^u (a constant base other than e) without the factor ln a."""
    mask, a, e = cmp.defined, cmp.a, cmp.e
    nz = mask & (np.abs(e) > 1e-9)
    if fn is None or var is None or nz.sum() < _MIN_POINTS:
        return ""
    ratios = a[nz] / e[nz]
    k = float(np.median(ratios))
    if k == 0 or not (np.abs(ratios - k) <= 1e-6 * abs(k)).all():
        return ""
    for u in _chain_insides(fn.expr, var):
        if fn.expr.xreplace({u: sp.Dummy()}).has(var):
            continue  # f also depends on var elsewhere: −(∂f/∂x) is a plain sign error
        du = _diff(u, var)
        if du.is_number and du not in (0, 1) and abs(k * float(du) - 1) <= 1e-9:
            return (f"Almost: you forgot the chain-rule factor. Multiply by the derivative "
                    f"of the inside, {_show(u)}, with respect to {var.name}: that is "
                    f"{_show(du)}.")
    for node in sp.preorder_traversal(fn.expr):  # d/dx 2^x = 2^x ln 2, not 2^x
        if node.is_Pow and node.base.is_number and node.base.is_positive \
                and node.base != sp.E and node.exp.has(var):
            ln = sp.log(node.base)
            if abs(k * float(ln) - 1) <= 1e-9:
                return (f"Almost: the derivative of {_show(node.base)}^u is "
                        f"{_show(node.base)}^u · {_show(ln)} · u′: you left out the factor "
                        f"{_show(ln)} (only e^u is its own derivative).")
    return ""


def _diagnose(cmp: _Comparison, answer: sp.Expr, expected: sp.Expr, fn: Function | None,
              var: sp.Symbol | None) -> tuple[str | None, str]:
    """A recognised mistake and a message for it, or (None, ""). Every point where f and
    the derivative are defined is compared, not only the core ones: 1 for ∂/∂x of
    |x − 3| + y is no sign error (it is right for x > 3)."""
    mask, a, e = cmp.defined, cmp.a, cmp.e
    if a is None or e is None or mask.sum() < _MIN_POINTS or np.isnan(a[mask]).any():
        return None, ""
    wrt = _name(var) if var is not None else "the derivative"
    # 0 where the derivative is not
    if (a[mask] == 0).all():  # exactly: x/10^13 is no 0 (red team 5)
        return "zero", (
            f"Your answer is 0, but {wrt} is not: f does change when "
            f"{var.name if var is not None else 'the variable'} changes."
        )
    wrong_variable = None  # the partial with respect to another variable, unless the
    # answer is also right in part of the plane (1 for ∂/∂x |x| + y: a sign, not y)
    anywhere = mask | cmp.elsewhere
    partly_right = bool((_rel(a[anywhere], e[anywhere]) <= 1e-9).any())
    if fn is not None and var is not None and not partly_right:
        for other in fn.variables:
            if other != var and _matches(a, cmp.values(partial(fn, other)), mask):
                wrong_variable = other
                break
    # a forgotten constant chain factor comes first: for sin(2x + y), cos(2x + y) is also
    # ∂f/∂y, but a learner asked for ∂f/∂x far more likely dropped the 2
    chain = _constant_chain_factor(cmp, fn, var)
    if chain:
        if wrong_variable is not None:
            chain += (f" (Your answer is also ∂f/∂{wrong_variable.name}: with respect to "
                      f"{wrong_variable.name} that factor happens to be 1.)")
        return "chain_factor", chain
    held = _held_constant_diagnosis(cmp, fn, var) if not (
        fn is not None and _matches(a, cmp.values(fn.expr), mask)) else ""  # f itself: below
    if held:
        return "not_held_constant", held
    if wrong_variable is not None:
        return "wrong_variable", (
            f"This is ∂f/∂{wrong_variable.name}, not ∂f/∂{var.name}: differentiate with "
            f"respect to {var.name}, treating "
            f"{_join([v.name for v in fn.variables if v != var])} as constant."
        )
    # a constant factor (a sign error is the factor -1)
    nz = mask & (np.abs(e) > 1e-9)
    if nz.sum() >= _MIN_POINTS:
        ratios = a[nz] / e[nz]
        k = float(np.median(ratios))
        if k != 0 and (np.abs(ratios - k) <= 1e-6 * abs(k)).all():
            if abs(k + 1) <= 1e-9:
                return "sign", (
                    f"Not quite: your answer is off by a sign (it is -1 times {wrt}). "
                    "Check the signs, e.g. the derivative of cos is -sin."
                )
            return "factor", (
                f"Not quite: your answer is off by a constant factor: it is {_fraction(k)} "
                f"times {wrt}. Check the coefficients: constant factors stay, the power "
                "rule brings the exponent down, and the chain rule multiplies by the "
                "derivative of the inside."
            )
    if fn is not None and var is not None:
        # a forgotten chain-rule factor ∂u/∂var
        for u in _chain_insides(fn.expr, var):
            du = _diff(u, var)
            if du.is_number:
                continue  # a constant factor: diagnosed above
            du_vals = cmp.values(du)
            if du_vals is not None and _matches(a * du_vals, e, mask):
                return "chain_factor", (
                    f"Almost: you forgot the chain-rule factor. Multiply by the derivative "
                    f"of the inside, {_show(u)}, with respect to {var.name}."
                )
        # f itself (after the chain factor: for e^(xy) that is the likelier mistake)
        if _matches(a, cmp.values(fn.expr), mask):
            return "function_itself", (
                f"That is f itself: differentiate it with respect to {var.name}."
            )
        # the terms of f with var in them, copied but not differentiated (x^2 for x^2 + y^2)
        with_var = [t for t in sp.Add.make_args(fn.expr) if t.has(var)]
        if 0 < len(with_var) < len(sp.Add.make_args(fn.expr)) and _matches(
                a, cmp.values(sp.Add(*with_var)), mask):
            return "not_differentiated", (
                f"These are the terms of f with {var.name} in them, not yet differentiated: "
                f"differentiate them with respect to {var.name} (the other terms are "
                "constants, with derivative 0)."
            )
    if fn is not None and var is not None:
        found = _mixed_mistake(cmp, fn, var, expected)
        if found is not None:
            return found
    # one term of the expected sum missing, or one term of a product rule ((x - 2y)(x + y):
    # the sum above has combined them into 2x - y, so look at the products of f itself)
    terms = list(sp.Add.make_args(expected))
    if fn is not None and var is not None:
        terms += _product_rule_terms(fn.expr, var)
    if 2 <= len(terms) <= 24:
        for t in terms:
            t_vals = cmp.values(t)
            if t_vals is not None and _matches(a + t_vals, e, mask):
                return "missing_term", (
                    "Part of it is right, but a term is missing. (The product rule gives one "
                    f"term per factor that contains {var.name if var is not None else 'x'}; "
                    "the sum rule one per term of f.)"
                )
    return None, ""


def _mixed_mistake(cmp: _Comparison, fn: Function, var: sp.Symbol, expected: sp.Expr
                   ) -> tuple[str, str] | None:
    """Mistakes in part of an answer (teacher QA; each got a bare "Not quite"): a factor
    held constant dropped (3 for ∂/∂x 3xy: y set to 1), one term of f copied without
    being differentiated (3x + y² for ∂/∂y 3xy + y²), or every partial derivative added
    up (yz + xz + xy for ∂/∂x xyz)."""
    a, mask = cmp.a, cmp.defined
    others = [v for v in fn.variables if v != var]
    for v in others:
        if expected.has(v):
            dropped = cmp.values(expected.xreplace({v: sp.Integer(1)}))
            if dropped is not None and _matches(a, dropped, mask):
                return "dropped_factor", (
                    f"Your answer is {_name(var)} with {v.name} set to 1: {v.name} is held "
                    f"constant, so it stays as a factor, as the 3 does in "
                    f"∂/∂{var.name} (3{var.name}) = 3.")
    terms = [t for t in sp.Add.make_args(fn.expr) if t.has(var)][:12]
    for t in terms:
        copied = cmp.values(expected - _diff(t, var) + t)
        if copied is not None and _matches(a, copied, mask):
            return "not_differentiated", (
                f"{_show(t)} is copied into your answer without being differentiated: "
                f"replace it by its derivative with respect to {var.name}.")
    if len(terms) > 1:  # one term differentiated by another variable (3y + 2y for ∂/∂y)
        for t in terms:
            for v in others:
                if not t.has(v):
                    continue
                swapped = cmp.values(expected - _diff(t, var) + _diff(t, v))
                if swapped is not None and _matches(a, swapped, mask):
                    return "wrong_variable", (
                        f"For {_show(t)} you took the derivative with respect to {v.name}: "
                        f"differentiate every term with respect to {var.name}, treating "
                        f"{v.name} as a constant.")
    for chosen in _partial_sums(fn, var):
        total = cmp.values(sp.Add(*[partial(fn, v) for v in chosen]))
        if total is not None and _matches(a, total, mask):
            every = len(chosen) == len(fn.variables)
            return "sum_of_partials", (
                ("That is every partial derivative added up. " if every else
                 f"That is {_join([_name(v) for v in chosen])} added together. ")
                + f"{_name(var)} is only the component for {var.name}: differentiate with "
                f"respect to {var.name} alone (the gradient keeps the components apart, as a "
                "vector).")
    return None


def _partial_sums(fn: Function, var: sp.Symbol) -> list[tuple[sp.Symbol, ...]]:
    """Sets of two or more of f's variables, ``var`` among them (all of them first), whose
    partial derivatives a learner may have added up; none past 4 variables but all."""
    n = len(fn.variables)
    if n < 2:
        return []
    out = [tuple(fn.variables)]
    if n <= 4:
        others = [v for v in fn.variables if v != var]
        for size in range(1, n - 1):
            out += [(var, *c) for c in itertools.combinations(others, size)]
    return out


def _name(var: sp.Symbol) -> str:
    return f"∂f/∂{var.name}"


def _product_rule_terms(expr: sp.Expr, var: sp.Symbol) -> list[sp.Expr]:
    """The terms u'·(the other factors) the product rule makes for each product of f (its
    additive terms with two or more factors that contain ``var``; at most 12 terms)."""
    out: list[sp.Expr] = []
    for term in sp.Add.make_args(expr):
        factors = [f for f in sp.Mul.make_args(term) if f.has(var)]
        if len(factors) < 2 or len(factors) > 6:
            continue
        for f in factors:
            out.append(_diff(f, var) * term / f)
            if len(out) >= 12:
                return out
    return out


# A derivative's name written before the answer, as on paper: "∂f/∂x = 2x", "df/dx = 2x",
# "f_x = 2x", "f_{x} = 2x", "∂/∂x f = 2x", "d/dx f(x, y) = 2x", "f'(x) = 2x".
_VAR = r"[^\W\d_][^\W_]*"
_DERIVATIVE_NAME = re.compile(
    rf"""^\s*(?:
        [∂d]\s*[fz]\s*/\s*[∂d]\s*(?P<a>{_VAR})                 # ∂f/∂x, df/dx, ∂z/∂x
      | [∂d]\s*/\s*[∂d]\s*(?P<b>{_VAR})\s*(?:\[?\s*[fz]\s*\]?)?  # ∂/∂x f, d/dx [f], d/dx
      | [fz]\s*_\s*(?:\{{\s*(?P<c>{_VAR})\s*\}}|(?P<d>{_VAR}))  # f_x, f_{{x}}, z_x
      | f(?P<e>[^\W\d_])(?=\s*[(=])                           # fx (f_x without the _)
      | f\s*['′]                                            # f', f′
    )\s*(?:\(\s*[^()=]*\))?\s*=(?!=)""",
    re.VERBOSE,
)


def _derivative_name(text: str) -> tuple[int, str | None]:
    """Where the answer starts after a derivative's name in front (``∂f/∂x = 2x``: after
    the ``=``; 0 without one) and the variable that name gives (``x``; ``None`` for
    ``f'``). Text longer than the parser accepts is not searched (the parser refuses it)."""
    if not isinstance(text, str) or len(text) > LIMITS.max_length:
        return 0, None
    # Matched on the first 120 characters with each run of spaces squeezed to one: runs of
    # spaces next to each other made the pattern backtrack (600 characters took 8 s)
    head, where = [], []
    for i, ch in enumerate(text[:120]):
        if ch.isspace() and head and head[-1] == " ":
            continue
        head.append(" " if ch.isspace() else ch)
        where.append(i)
    where.append(min(len(text), 120))
    match = _DERIVATIVE_NAME.match("".join(head))
    if not match:
        return 0, None
    return where[match.end()], next((v for v in match.group("a", "b", "c", "d", "e") if v),
                                    None)


def _answer_hint(text: str, wrt: str) -> str:
    """A message for an answer shaped unlike one derivative whose parts are each fine
    (``2y =``, ``(2x, 2y)``), or "" (then the parser's own message stands, e.g. for text
    it refuses): the function box's messages ("type a function, not an equation") would
    tell a learner to type f itself."""
    def parses(*parts: str) -> bool:
        try:
            return all(parse(p) is not None for p in parts if p.strip())
        except ParseError:
            return False

    if not isinstance(text, str) or len(text) > LIMITS.max_length:
        return ""
    if "=" in text and parses(*text.split("=")):
        return (f"Type only {wrt} here: the expression alone, or with its name in front "
                f"({wrt} = …).")
    bracketed = text.strip()[:1] in "([" and text.strip()[:1] != ""
    if "," in text and not bracketed and re.search(r"\d,\d", text) \
            and parses(text.replace(",", ".")):  # 1,5 x^2: a decimal comma
        return "Write decimals with a point: 1.5, not 1,5."
    if "," in text and parses(*text.strip().strip("()[]").split(",")):
        return (f"Type one partial derivative per box: only {wrt} here (each component of "
                "the gradient has its own box).")
    return ""


def check_answer(
    answer_text: str,
    expected: sp.Expr,
    variables,
    *,
    timeout: float = 2.0,
    fn: Function | None = None,
    var: sp.Symbol | str | None = None,
) -> Verdict:
    """Whether ``answer_text`` is mathematically equal to ``expected``.

    ``variables`` are the function's variables (Symbols or names, or the ``Function``); an
    answer using any other name is "wrong" with a message saying so. Equivalent forms are
    all accepted (``3y``, ``y*3``; factored or expanded; ``e^x`` or ``exp(x)``;
    ``1/x^2`` or ``x^-2``; ``sin(2x)`` or ``2sin(x)cos(x)``), with or without the
    derivative's name in front as on paper (``∂f/∂x = 2x``, ``df/dx = 2x``, ``f_x = 2x``).

    The answer is parsed with ``parse`` only (a ``ParseError`` gives status "unparseable"
    and the parser's message; hostile text is refused there and never executed). It is then
    compared with ``expected`` at fixed pseudo-random points, where f (when ``fn`` is given)
    and ``expected`` are defined; a clear difference (or an answer undefined where the
    derivative is defined) is "wrong". Otherwise the symbolic check decides, in a worker
    bounded by ``timeout`` seconds (real variables): proved equal is "correct", proved
    different (e.g. ``2xy + 10^-9``) is "wrong". When it runs out of time or cannot decide,
    a numerical match is "correct" with ``method`` "numeric" and a message saying so;
    without one the status is "too_complex". ``expected`` is a sympy expression (text is
    accepted and parsed with ``parse``, never sympified).

    Pass ``fn`` (the exercise's Function) and ``var`` (the variable differentiated by) to
    enable the diagnoses that need them: the partial with respect to the wrong variable, f
    itself, a forgotten chain-rule factor. Sign errors, constant factors and a missing
    term are diagnosed from ``expected`` alone. Never raises for any ``answer_text``.
    """
    symbols = _to_symbols(variables)
    if isinstance(expected, str):  # never sympify text
        expected = parse(expected).expr
    elif isinstance(expected, bool) or not isinstance(expected, (sp.Basic, int, float)):
        raise TypeError(f"expected must be a sympy expression, got {type(expected).__name__}")
    elif not isinstance(expected, sp.Basic):
        expected = sp.Float(expected) if isinstance(expected, float) else sp.Integer(expected)
    if var is not None and fn is not None:
        var = resolve_variable(fn, var)
    elif var is not None:
        var = var if isinstance(var, sp.Symbol) else sp.Symbol(str(var))
    wrt = _name(var) if var is not None else "the expected derivative"

    start, named = _derivative_name(answer_text)
    try:
        answer = parse(answer_text[start:] if start else answer_text).expr
    except ParseError as exc:
        if start and exc.position is not None:  # a position in the text as typed
            exc = ParseError(exc.reason, exc.position + start)
        return Verdict("unparseable", _answer_hint(answer_text[start:] if start else
                                                   answer_text, wrt) or str(exc),
                       None, None, "parse")
    if named is not None and var is not None and named != var.name:
        return Verdict("wrong", f"You wrote the derivative with respect to {named}, but "
                       f"this asks for {wrt}.", answer, "wrong_variable", "parse")

    extra = sorted(s.name for s in answer.free_symbols - set(symbols))
    if extra:
        own = _join([s.name for s in symbols]) or "none"
        verb = "is" if len(extra) == 1 else "are"
        names = {s.name for s in symbols}
        typo = next((m for m in map(re.compile(r"([^\W\d_])(\d+)").fullmatch, extra)
                     if m and m.group(1) in names), None)  # y2 for 2y
        return Verdict(
            "wrong",
            f"Your answer uses {_join(extra)}, which {verb} not a variable of this function "
            f"(its variables are {own})." + (
                f" For {typo.group(2)}·{typo.group(1)} write {typo.group(2)}{typo.group(1)}: "
                "the number goes first." if typo else ""),
            answer, "unknown_variable", "parse",
        )

    if answer == expected:
        return Verdict("correct", "Correct!", answer, None, "symbolic")

    all_symbols = symbols + tuple(
        sorted(expected.free_symbols - set(symbols), key=lambda s: s.name)
    )
    cmp = _Comparison(answer, expected, all_symbols, fn)
    outcome = cmp.outcome()
    if outcome == "different":  # unless exact arithmetic says the floats cancelled
        differing = cmp.differing(cmp.mask)
        confirmed = _confirmed(answer, expected, cmp, differing, timeout)
        # not confirmed in time: a clear finite difference stands; an answer that only
        # overflowed to NaN (exp(exp(exp(x)))·0) is left to the symbolic check
        overflowed = cmp.a is not None and bool(np.isnan(cmp.a[differing]).all())
        if confirmed is False or (confirmed is None and (cmp.wide or overflowed)):
            outcome = "unsure"  # let the exact check decide
    if outcome == "different":
        try:
            with np.errstate(all="ignore"):  # large test points overflow some products
                diagnosis, message = _diagnose(cmp, answer, expected, fn, var)
        except TooComplexError:  # a partial it compares with overran: no diagnosis
            diagnosis, message = None, ""
        if diagnosis is None:
            message = f"Not quite: your answer is not equal to {wrt}." + _counterexample(
                answer, expected, all_symbols, wrt, fn
            )
        return Verdict("wrong", message, answer, diagnosis, "numeric")

    try:
        proved = run_bounded(
            _symbolic_equal, answer, expected, all_symbols, cmp.rows(cmp.mask, 4),
            timeout=timeout, what="checking your answer"
        )
        why = "sympy could not confirm it symbolically"
    except TooComplexError:
        proved, why = None, "the exact symbolic check took too long"
    except Exception:  # noqa: BLE001 - a sympy failure in the worker: no symbolic verdict
        proved, why = None, "sympy could not confirm it symbolically"

    if proved:
        return Verdict("correct", "Correct!", answer, None, "symbolic")
    if proved is False:
        close = " It is very close, but not exactly equal: check the numbers in it."
        return Verdict(
            "wrong",
            f"Not quite: your answer is not equal to {wrt}." + (
                close if outcome in ("equal", "unsure") else _counterexample(
                    answer, expected, all_symbols, wrt, fn
                )
            ),
            answer, None, "symbolic",
        )
    far = cmp.differing(cmp.elsewhere)
    if proved is None and far.any() and _confirmed(answer, expected, cmp, far, timeout):
        # right near the core points, wrong further out (-1 for ∂/∂x |x - 3|)
        return Verdict(
            "wrong",
            f"Not quite: your answer is not equal to {wrt} everywhere f is defined."
            + _counterexample(answer, expected, all_symbols, wrt, fn, cmp.rows(far),
                              nice=False),
            answer, None, "numeric",
        )
    if outcome == "equal":
        return Verdict(
            "correct",
            f"Correct! (Your answer matches {wrt} at {int(cmp.mask.sum())} test points; "
            f"{why}, so this verdict is numerical.)",
            answer, None, "numeric",
        )
    return Verdict(
        "too_complex",
        "Your answer could not be checked: it is too complex to compare in time, or it "
        "cannot be evaluated where the derivative is defined. Try writing it more simply.",
        answer, None, "",
    )


# --- hints and solutions -----------------------------------------------------------------

_RULE_PHRASES = {
    "sum rule": "the sum rule (differentiate term by term)",
    "constant multiple rule": "the constant multiple rule (constant factors stay in front)",
    "power rule": "the power rule",
    "product rule": "the product rule",
    "quotient rule": "the quotient rule",
    "chain rule": "the chain rule",
    "exponential rule": "the rule (a^u)' = a^u ln a",
    "general power rule": "the rule for u^v (write it as e^(v ln u))",
    "derivative of sqrt": "the derivative of sqrt",
}


def _rule_phrase(rule: str) -> str | None:
    if rule in _RULE_PHRASES:
        return _RULE_PHRASES[rule]
    if rule.startswith("constant rule"):
        return None  # said separately
    if rule.startswith("derivative of ") and " with respect to " not in rule:
        return f"the {rule}"
    return None


def _as_function(exercise_or_fn) -> Function:
    if isinstance(exercise_or_fn, Exercise):
        return exercise_or_fn.function
    if isinstance(exercise_or_fn, Function):
        return exercise_or_fn
    if isinstance(exercise_or_fn, str):
        return parse(exercise_or_fn)
    raise TypeError("expected an Exercise, a Function or the text of a function")


def solution(fn, var: sp.Symbol | str, *, timeout: float = 3.0) -> Derivation:
    """The step-by-step solution of ∂f/∂var: ``_steps.derive`` run in a bounded worker.

    ``fn`` is an Exercise, a Function or a function's text. Raises ``TooComplexError`` when
    the explanation takes longer than ``timeout`` seconds, ``ParseError`` for text that
    does not parse, ``ValueError`` for a name that is not a variable of f.
    """
    function = _as_function(fn)
    sym = resolve_variable(function, var)
    return run_bounded(
        derive, function.expr, sym, function.variables, timeout=timeout,
        what="the step-by-step solution",
    )


def hint(exercise_or_fn, var: sp.Symbol | str, *, timeout: float = 3.0) -> str:
    """A hint for ∂f/∂var that does not give the answer away: which variables to treat as
    constants and which rules are needed (the first one to apply, then the others), from
    the step-by-step engine. Falls back to the constants alone when the explanation is too
    large or takes too long.
    """
    fn = _as_function(exercise_or_fn)
    sym = resolve_variable(fn, var)
    others = [v.name for v in fn.variables if v != sym]
    if others:
        what = "a constant" if len(others) == 1 else "constants"
        parts = [f"Treat {_join(others)} as {what}: only {sym.name} varies."]
    else:
        parts = [f"Differentiate with respect to {sym.name}."]
    try:
        derivation = solution(fn, sym, timeout=timeout)
    except (TooComplexError, ValueError, TypeError):
        return parts[0]
    if derivation.too_large:
        return parts[0]
    rules: list[str] = []
    held = False
    for step in derivation.steps[1:]:
        for rule in step.rules:
            if rule.startswith("constant rule"):
                held = True
            phrase = _rule_phrase(rule)
            if phrase and phrase not in rules:
                rules.append(phrase)
    if rules:
        first, rest = rules[0], rules[1:]
        parts.append(f"Start with {first}.")
        if rest:
            parts.append(f"You will also need {_join(rest)}.")
    if held and others:
        parts.append(f"Terms without {sym.name} are constants: their derivative is 0.")
    return " ".join(parts)


# --- progress ----------------------------------------------------------------------------

@dataclass
class Progress:
    """What a learner has done, as plain data (store it in session state).

    A *part* is one partial derivative of one exercise (``exercise_id`` and variable).
    ``answered`` counts the parts attempted, ``correct`` those answered correctly at least
    once (a later wrong attempt does not undo it), ``attempts`` every recorded answer.
    """

    attempts: int = 0
    parts: dict[str, bool] = field(default_factory=dict)

    @staticmethod
    def _key(exercise_id: str, var: sp.Symbol | str) -> str:
        name = var.name if isinstance(var, sp.Symbol) else str(var)
        return f"{exercise_id}/{name}"

    def record(self, exercise_id: str, var: sp.Symbol | str, correct: bool) -> tuple[int, int]:
        """Record one answer; returns ``(answered, correct)``."""
        key = self._key(exercise_id, var)
        self.attempts += 1
        self.parts[key] = self.parts.get(key, False) or bool(correct)
        return self.answered, self.correct

    @property
    def answered(self) -> int:
        return len(self.parts)

    @property
    def correct(self) -> int:
        return sum(self.parts.values())

    def is_solved(self, exercise_id: str, var: sp.Symbol | str) -> bool:
        """Whether this part has been answered correctly."""
        return self.parts.get(self._key(exercise_id, var), False)

    def reset(self) -> None:
        """Forget everything."""
        self.attempts = 0
        self.parts.clear()
