"""Step-by-step partial derivatives for learners.

``derive(f, x)`` explains ``∂f/∂x`` as a chain of equalities.  Step 0 is the unevaluated
``Derivative(f, x)``; every later step rewrites *each* remaining unevaluated
``Derivative(u, x)`` node by exactly one rule (sum rule, product rule, chain rule, ...), so the
learner sees the rules applied term by term, level by level.  The last step is always the
partial derivative exactly as ``_reference_partial`` computes it.

The rules live in two small tables next to what they apply to: ``_NODE_RULES`` (structure:
sums, products, powers, atan2) and ``_FUNCTION_RULES`` (elementary functions f(u), with the
chain rule added automatically when u is not the variable itself).

This module never imports streamlit and never calls ``sympy.simplify``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy
from sympy.printing.latex import LatexPrinter

from ._calculus import _diff
from ._parser import _count_nodes
from ._realroot import real_root

__all__ = [
    "CONSTANT_COLOR",
    "Derivation",
    "Step",
    "derivation_latex",
    "derive",
    "to_latex",
]

#: Colour used to mark held-constant variables in LaTeX (KaTeX ``\textcolor``).
CONSTANT_COLOR = "#E69F00"

TOO_LARGE_MESSAGE = "This expression is too large to explain step by step; here is the result."

_S = sympy.S


# --------------------------------------------------------------------------------------------
# Public data types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One line of a derivation: ``= expr``.

    Attributes:
      expr: right-hand side at this stage; may contain unevaluated ``sympy.Derivative(u, var)``
        nodes for the parts still to be differentiated.
      rules: human names of the rules applied to get here (empty for step 0), in order of
        first use, without duplicates.
      note: a short sentence for the learner.
    """

    expr: sympy.Expr
    rules: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Derivation:
    """A step-by-step partial derivative ``∂expr/∂var``.

    Attributes:
      var: the variable differentiated with respect to.
      expr: the function being differentiated.
      constants: the other variables, held constant.
      steps: ``steps[0].expr`` is ``Derivative(expr, var)``; ``steps[-1].expr == result``.
      result: the partial derivative (structurally equal to the reference partial).
      too_large: True when the expression is too big to explain readably; then ``steps`` holds
        only the first and the final line and ``message`` says so.
      message: empty, or an explanation for the learner (e.g. why steps were skipped).
    """

    var: sympy.Symbol
    expr: sympy.Expr
    constants: tuple[sympy.Symbol, ...]
    steps: tuple[Step, ...]
    result: sympy.Expr
    too_large: bool = False
    message: str = ""


# --------------------------------------------------------------------------------------------
# Reference partial (the single source of truth for the final line)
# --------------------------------------------------------------------------------------------


def _reference_partial(expr: sympy.Expr, var: sympy.Symbol) -> sympy.Expr:
    # exactly what gradcore.partial returns (real variables: |x| gives sign(x))
    return _diff(expr, var)


# --------------------------------------------------------------------------------------------
# Rule tables
# --------------------------------------------------------------------------------------------

# A rewrite is (new expression, rule names, extra note or "").
_Rewrite = tuple[sympy.Expr, tuple[str, ...], str]


def _D(u: sympy.Expr, var: sympy.Symbol) -> sympy.Expr:
    """Unevaluated ∂u/∂var."""
    return sympy.Derivative(u, var, evaluate=False)


def _dep(u: sympy.Basic, var: sympy.Symbol) -> bool:
    return var in u.free_symbols


def _inner(u: sympy.Expr, var: sympy.Symbol) -> tuple[sympy.Expr, tuple[str, ...]]:
    """d(inner) for the chain rule: 1 when inner is var itself, else an unevaluated node."""
    if u == var:
        return _S.One, ()
    return _D(u, var), ("chain rule",)


@dataclass(frozen=True)
class _FnRule:
    name: str  # rule is called "derivative of <name>"
    deriv: Callable[[sympy.Expr], sympy.Expr]  # f'(u)
    formula: str  # shown to the learner


def _sqrt(u: sympy.Expr) -> sympy.Expr:
    return sympy.sqrt(u)


# f(u)  ->  f'(u) · du      (chain rule added when u is not the variable itself)
_FUNCTION_RULES: dict[type, _FnRule] = {
    sympy.exp: _FnRule("exp", lambda u: sympy.exp(u), "(e^u)' = e^u"),
    sympy.log: _FnRule("ln", lambda u: 1 / u, "(ln u)' = 1/u"),
    sympy.Abs: _FnRule("|u|", lambda u: sympy.sign(u), "|u|' = sign(u) for u ≠ 0"),
    sympy.sign: _FnRule("sign(u)", lambda u: _S.Zero, "sign(u)' = 0 for u ≠ 0 (it jumps at 0)"),
    sympy.sin: _FnRule("sin", lambda u: sympy.cos(u), "(sin u)' = cos u"),
    sympy.cos: _FnRule("cos", lambda u: -sympy.sin(u), "(cos u)' = -sin u"),
    sympy.tan: _FnRule("tan", lambda u: sympy.sec(u) ** 2, "(tan u)' = sec²u"),
    sympy.cot: _FnRule("cot", lambda u: -(sympy.csc(u) ** 2), "(cot u)' = -csc²u"),
    sympy.sec: _FnRule("sec", lambda u: sympy.sec(u) * sympy.tan(u), "(sec u)' = sec u tan u"),
    sympy.csc: _FnRule("csc", lambda u: -sympy.csc(u) * sympy.cot(u), "(csc u)' = -csc u cot u"),
    sympy.asin: _FnRule("arcsin", lambda u: 1 / _sqrt(1 - u**2), "(arcsin u)' = 1/√(1-u²)"),
    sympy.acos: _FnRule("arccos", lambda u: -1 / _sqrt(1 - u**2), "(arccos u)' = -1/√(1-u²)"),
    sympy.atan: _FnRule("arctan", lambda u: 1 / (1 + u**2), "(arctan u)' = 1/(1+u²)"),
    sympy.acot: _FnRule("arccot", lambda u: -1 / (1 + u**2), "(arccot u)' = -1/(1+u²)"),
    # shown as sympy's derivative is written, the textbook form next to it
    sympy.asec: _FnRule(
        "arcsec", lambda u: 1 / (u**2 * _sqrt(1 - 1 / u**2)),
        "(arcsec u)' = 1/(u²√(1-1/u²)), that is 1/(|u|√(u²-1))"
    ),
    sympy.acsc: _FnRule(
        "arccsc", lambda u: -1 / (u**2 * _sqrt(1 - 1 / u**2)),
        "(arccsc u)' = -1/(u²√(1-1/u²)), that is -1/(|u|√(u²-1))"
    ),
    sympy.sinh: _FnRule("sinh", lambda u: sympy.cosh(u), "(sinh u)' = cosh u"),
    sympy.cosh: _FnRule("cosh", lambda u: sympy.sinh(u), "(cosh u)' = sinh u"),
    sympy.tanh: _FnRule("tanh", lambda u: sympy.sech(u) ** 2, "(tanh u)' = sech²u"),
    sympy.coth: _FnRule("coth", lambda u: -(sympy.csch(u) ** 2), "(coth u)' = -csch²u"),
    sympy.sech: _FnRule(
        "sech", lambda u: -sympy.sech(u) * sympy.tanh(u), "(sech u)' = -sech u tanh u"
    ),
    sympy.csch: _FnRule(
        "csch", lambda u: -sympy.csch(u) * sympy.coth(u), "(csch u)' = -csch u coth u"
    ),
    sympy.asinh: _FnRule("arsinh", lambda u: 1 / _sqrt(u**2 + 1), "(arsinh u)' = 1/√(u²+1)"),
    sympy.acosh: _FnRule(
        "arcosh", lambda u: 1 / (_sqrt(u - 1) * _sqrt(u + 1)),
        "(arcosh u)' = 1/(√(u-1)√(u+1)), that is 1/√(u²-1) for u > 1"
    ),
    sympy.atanh: _FnRule("artanh", lambda u: 1 / (1 - u**2), "(artanh u)' = 1/(1-u²)"),
    sympy.acoth: _FnRule("arcoth", lambda u: 1 / (1 - u**2), "(arcoth u)' = 1/(1-u²)"),
    sympy.asech: _FnRule(
        "arsech", lambda u: -1 / (u * _sqrt(1 - u**2)), "(arsech u)' = -1/(u√(1-u²))"
    ),
    sympy.acsch: _FnRule(
        "arcsch", lambda u: -1 / (u**2 * _sqrt(1 + 1 / u**2)),
        "(arcsch u)' = -1/(u²√(1+1/u²)), that is -1/(|u|√(1+u²))"
    ),
}


def _rule_function(u: sympy.Expr, var: sympy.Symbol) -> _Rewrite | None:
    rule = _FUNCTION_RULES.get(type(u))
    if rule is None or len(u.args) != 1:
        return None
    (arg,) = u.args
    du, chain = _inner(arg, var)
    return rule.deriv(arg) * du, (f"derivative of {rule.name}", *chain), rule.formula + "."


def _rule_sum(u: sympy.Add, var: sympy.Symbol) -> _Rewrite:
    # (a + b)' = a' + b'
    return sympy.Add(*[_D(t, var) for t in u.args]), ("sum rule",), ""


def _is_reciprocal(f: sympy.Expr) -> bool:
    return f.is_Pow and f.exp.is_Number and f.exp.is_negative


def _rule_mul(u: sympy.Mul, var: sympy.Symbol) -> _Rewrite:
    const = [f for f in u.args if not _dep(f, var)]
    varying = [f for f in u.args if _dep(f, var)]
    if const:
        # (c·g)' = c·g'       (c is free of var: numbers and held-constant variables)
        return sympy.Mul(*const) * _D(sympy.Mul(*varying), var), ("constant multiple rule",), ""
    num = [f for f in varying if not _is_reciprocal(f)]
    den = [sympy.Pow(f.base, -f.exp) for f in varying if _is_reciprocal(f)]
    if num and den:
        # (n/d)' = (n'·d - n·d') / d²
        n, d = sympy.Mul(*num), sympy.Mul(*den)
        return (_D(n, var) * d - n * _D(d, var)) / d**2, ("quotient rule",), ""
    # (f₁f₂…fₖ)' = Σᵢ f₁…fᵢ'…fₖ
    terms = [sympy.Mul(*varying[:i], _D(f, var), *varying[i + 1 :]) for i, f in enumerate(varying)]
    return sympy.Add(*terms), ("product rule",), ""


def _rule_pow(u: sympy.Pow, var: sympy.Symbol) -> _Rewrite:
    b, e = u.args
    if not _dep(e, var):
        db, chain = _inner(b, var)
        if e == _S.Half:
            # (√u)' = u' / (2√u)
            return db / (2 * sympy.sqrt(b)), ("derivative of sqrt", *chain), "(√u)' = 1/(2√u)."
        # (uⁿ)' = n·uⁿ⁻¹·u'
        return sympy.Mul(e, b ** (e - 1), db), ("power rule", *chain), ""
    de, chain = _inner(e, var)
    if not _dep(b, var):
        # (aᵘ)' = aᵘ·ln(a)·u'
        return u * sympy.log(b) * de, ("exponential rule", *chain), "(a^u)' = a^u ln a."
    # (uᵛ)' = uᵛ·(v'·ln u + v·u'/u)       from uᵛ = e^(v ln u)
    return (
        u * (_D(e, var) * sympy.log(b) + e * _D(b, var) / b),
        ("general power rule",),
        "(u^v)' = u^v (v' ln u + v u'/u), since u^v = e^(v ln u).",
    )


def _rule_real_root(u: real_root, var: sympy.Symbol) -> _Rewrite:
    # (ⁿ√v)' = v' / (n·ⁿ√v^(n-1)): the power rule for v^(1/n), real for v < 0 too
    v, n = u.args
    dv, chain = _inner(v, var)
    return (dv / (n * real_root(v, n) ** (n - 1)), ("power rule", *chain),
            f"(ⁿ√u)' = 1/(n·ⁿ√u^(n-1)): the power rule for u^(1/n), with n = {n}.")


def _rule_atan2(u: sympy.atan2, var: sympy.Symbol) -> _Rewrite:
    # atan2(a, b)' = (b·a' - a·b') / (a² + b²)
    a, b = u.args
    da = _D(a, var) if _dep(a, var) else _S.Zero
    db = _D(b, var) if _dep(b, var) else _S.Zero
    return (
        (b * da - a * db) / (a**2 + b**2),
        ("derivative of atan2",),
        "atan2(a, b)' = (b a' - a b')/(a² + b²).",
    )


# node type -> rule (checked after the constant rule and d(var)/d(var) = 1)
_NODE_RULES: dict[type, Callable[[sympy.Expr, sympy.Symbol], _Rewrite]] = {
    sympy.Add: _rule_sum,
    sympy.Mul: _rule_mul,
    sympy.Pow: _rule_pow,
    sympy.atan2: _rule_atan2,
    real_root: _rule_real_root,
}

_RULE_NOTES: dict[str, str] = {
    "sum rule": "Differentiate each term separately.",
    "constant multiple rule": "Constant factors stay in front of the derivative.",
    "power rule": "Power rule: bring the exponent down and lower it by one.",
    "product rule": "Product rule: differentiate one factor at a time, keep the others.",
    "quotient rule": "Quotient rule: (f/g)' = (f'g - fg')/g².",
    "chain rule": "Chain rule: multiply by the derivative of the inside.",
    "simplify": "Simplify to the final result.",
    "rewrite": "The same derivative, rearranged into the form used for ∇f below (equal to "
               "the line above, though not shorter).",
    "derivative computed directly": "No textbook rule applies here; differentiate directly.",
}


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _rewrite(u: sympy.Expr, var: sympy.Symbol) -> _Rewrite:
    """Apply exactly one rule to ∂u/∂var."""
    if not _dep(u, var):
        held = sorted((str(s) for s in u.free_symbols), key=str)
        if not held:
            return _S.Zero, ("constant rule",), "The derivative of a constant is 0."
        verb = "is" if len(held) == 1 else "are"
        return (
            _S.Zero,
            (f"constant rule ({_join(held)} {verb} held constant)",),
            f"{_join(held)} {verb} held constant, so {'its' if len(held) == 1 else 'their'}"
            " derivative is 0.",
        )
    if u == var:
        return _S.One, (f"derivative of {var} with respect to {var} is 1",), f"d{var}/d{var} = 1."
    node_rule = _NODE_RULES.get(type(u))
    if node_rule is not None:
        return node_rule(u, var)
    fn = _rule_function(u, var)
    if fn is not None:
        return fn
    # Anything else (Piecewise, Min, floor, user functions, ...): differentiate directly.
    return _reference_partial(u, var), ("derivative computed directly",), ""


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


def _pending(expr: sympy.Basic, var: sympy.Symbol) -> list[sympy.Derivative]:
    """Unevaluated ∂/∂var nodes still in expr (outermost only), in traversal order."""
    found: list[sympy.Derivative] = []
    seen: set[sympy.Basic] = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, sympy.Derivative) and node.variable_count == ((var, 1),):
            if node not in seen:
                seen.add(node)
                found.append(node)
            continue
        stack.extend(reversed(node.args))
    return found


def _too_big(expr: sympy.Expr, limit: int) -> bool:
    return _count_nodes(expr, limit) > limit or sympy.count_ops(expr) > limit


def _intro_note(var: sympy.Symbol, constants: tuple[sympy.Symbol, ...]) -> str:
    if not constants:
        return f"Differentiate with respect to {var}."
    names = _join([str(c) for c in constants])
    what = "a constant" if len(constants) == 1 else "constants"
    return f"Treat {names} as {what}: only {var} varies."


def _step_note(notes: list[str]) -> str:
    out: list[str] = []
    for n in notes:
        if n and n not in out:
            out.append(n)
    return " ".join(out)


def derive(
    expr: sympy.Expr,
    var: sympy.Symbol,
    variables: tuple[sympy.Symbol, ...] | None = None,
    *,
    max_steps: int = 12,
    max_size: int = 400,
) -> Derivation:
    """Explain the partial derivative ∂expr/∂var step by step.

    Args:
      expr: the function (a sympy expression; plain numbers are sympified).
      var: the symbol to differentiate with respect to.
      variables: all variables of the function; every one except ``var`` is held constant.
        Defaults to the free symbols of ``expr`` (plus ``var``), sorted by name.
      max_steps: maximum number of rule-applying steps (step 0 and the final "simplify" line
        are not counted).
      max_size: maximum size of ``expr`` (tree nodes and ``count_ops``); intermediate steps may
        grow to 8 × max_size tree nodes.

    Returns:
      A ``Derivation``.  ``steps[0].expr`` is ``Derivative(expr, var)`` (unevaluated); each
      following step rewrites every remaining unevaluated ``Derivative(u, var)`` node by one
      rule; every step is an equality with the partial derivative (for real inputs).
      ``steps[-1].expr == result == _reference_partial(expr, var)`` structurally; when the
      rule-by-rule expression differs from it, a final step with rules ``("simplify",)`` is
      appended.  If the expression is too large, needs more than ``max_steps`` steps, or a
      step grows past the size bound, ``too_large`` is True, ``steps`` is (step 0, final
      result) and ``message`` says so.

    Raises:
      TypeError: if ``var`` is not a sympy Symbol.
    """
    if not isinstance(var, sympy.Symbol):
        raise TypeError(f"var must be a sympy Symbol, got {type(var).__name__}")
    if not isinstance(expr, sympy.Basic):  # never sympify: text would reach sympy's eval
        if isinstance(expr, (int, float)):
            expr = sympy.Float(expr) if isinstance(expr, float) else sympy.Integer(expr)
        else:
            raise TypeError(f"expr must be a sympy expression, got {type(expr).__name__}")
    if variables is None:
        variables = tuple(sorted(expr.free_symbols | {var}, key=lambda s: s.name))
    constants = tuple(v for v in variables if v != var)
    result = _reference_partial(expr, var)

    first = Step(_D(expr, var), (), _intro_note(var, constants))
    final = Step(result, ("simplify",), _RULE_NOTES["simplify"])

    def make(steps: list[Step], too_large: bool = False, message: str = "") -> Derivation:
        return Derivation(var, expr, constants, tuple(steps), result, too_large, message)

    if _too_big(expr, max_size):
        return make([first, final], True, TOO_LARGE_MESSAGE)

    steps = [first]
    current = first.expr
    step_limit = 8 * max_size
    for _ in range(max_steps):
        nodes = _pending(current, var)
        if not nodes:
            break
        mapping: dict[sympy.Basic, sympy.Expr] = {}
        rules: list[str] = []
        notes: list[str] = []
        for node in nodes:
            new, names, note = _rewrite(node.expr, var)
            mapping[node] = new
            for name in names:
                if name not in rules:
                    rules.append(name)
                notes.append(note if name == names[0] and note else _RULE_NOTES.get(name, ""))
        nxt = current.xreplace(mapping)
        if nxt == current:  # no progress (e.g. an undefined function): stop explaining
            break
        if _count_nodes(nxt, step_limit) > step_limit:
            return make([first, final], True, TOO_LARGE_MESSAGE)
        steps.append(Step(nxt, tuple(rules), _step_note(notes)))
        current = nxt
    else:
        if _pending(current, var):
            return make(
                [first, final],
                True,
                f"This derivative needs more than {max_steps} steps to explain; "
                "here is the result.",
            )

    if current != result:
        if _count_nodes(result, step_limit) > _count_nodes(current, step_limit):
            # sympy's form can be longer than the rule-by-rule one: say so, not "simplify"
            final = Step(result, ("simplify",), _RULE_NOTES["rewrite"])
        steps.append(final)
    return make(steps)


# --------------------------------------------------------------------------------------------
# LaTeX
# --------------------------------------------------------------------------------------------


class _StepPrinter(LatexPrinter):
    """LaTeX printer showing ∂/∂x[u] for unevaluated derivatives, in a sum in the order of
    the terms they came from (the sum rule keeps 3xy + y² as ∂[3xy] + ∂[y²]; sympy would
    sort the derivatives among themselves)."""

    def _as_ordered_terms(self, expr, order=None):
        terms = super()._as_ordered_terms(expr, order=order)
        if order is not None or not expr.has(sympy.Derivative):
            return terms
        sources = [t.replace(lambda e: isinstance(e, sympy.Derivative), lambda e: e.expr)
                   for t in terms]
        shown = sympy.Add(*sources, evaluate=False).as_ordered_terms()
        rank: dict[sympy.Expr, list[int]] = {}
        for i, src in enumerate(shown):
            rank.setdefault(src, []).append(i)
        if any(src not in rank for src in sources):  # pragma: no cover - the same terms
            return terms
        keys = [rank[src].pop(0) for src in sources]
        return [t for _, t in sorted(zip(keys, terms, strict=True), key=lambda kt: kt[0])]

    def _print_Derivative(self, expr: sympy.Derivative) -> str:
        if len(expr.variable_count) == 1 and expr.variable_count[0][1] == 1:
            v, u = self._print(expr.variables[0]), self._print(expr.expr)
            return r"\frac{\partial}{\partial " + v + r"}\left[ " + u + r" \right]"
        return super()._print_Derivative(expr)


def _printer(derivation: Derivation) -> _StepPrinter:
    names = {
        c: rf"\textcolor{{{CONSTANT_COLOR}}}{{{sympy.latex(c)}}}" for c in derivation.constants
    }
    return _StepPrinter({"symbol_names": names})


def to_latex(step_expr: sympy.Expr, derivation: Derivation) -> str:
    """LaTeX for one step's expression.

    Unevaluated ``Derivative(u, x)`` renders as ``\\frac{\\partial}{\\partial x}\\left[ u
    \\right]``; held-constant variables of ``derivation`` are coloured with ``\\textcolor``.
    """
    return _printer(derivation).doprint(step_expr)


def derivation_latex(d: Derivation) -> list[str]:
    """One LaTeX line per step: ``\\frac{\\partial f}{\\partial x} = ...`` then ``= ...``."""
    p = _printer(d)
    head = r"\frac{\partial f}{\partial " + sympy.latex(d.var) + "} = "
    return [(head if i == 0 else "= ") + p.doprint(s.expr) for i, s in enumerate(d.steps)]
