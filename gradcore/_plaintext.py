"""Plain-text forms of (small) expressions for messages: ``x^2 + y^2``, ``|x|``, ``∛x``,
``√(x + 1)``, ``e^(x)``, ``ln(x)``, ``π``. Markdown-safe: no ``*``, ``_``, backticks, ``$``
or brackets from sympy's own printing."""

from __future__ import annotations

import sympy as sp
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter


class _PlainPrinter(StrPrinter):
    printmethod = "_plain_text"  # not real_root's own _sympystr, which is parser input

    def _print_real_root(self, expr):
        u, n = expr.args
        arg = self._print(u)
        if n == 3:
            return "∛" + (arg if u.is_Atom else "(" + arg + ")")
        return self.parenthesize(u, PRECEDENCE["Pow"], strict=True) + f"^(1/{n})"

    def _print_Abs(self, expr):
        return "|" + self._print(expr.args[0]) + "|"

    def _print_Pow(self, expr, rational=False):
        if expr.exp == sp.S.Half:
            return "√(" + self._print(expr.base) + ")"
        return super()._print_Pow(expr, rational)

    def _print_log(self, expr):
        return "ln(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Pi(self, expr):
        return "π"

    def _print_Exp1(self, expr):
        return "e"

    def _print_exp(self, expr):
        return "e^(" + self._print(expr.args[0]) + ")"


def plain(expr: sp.Basic, max_nodes: int = 30) -> str:
    """A compact, markdown-safe text form of ``expr``, e.g. ``x^2 + y^2``; "part of f"
    when it has more than ``max_nodes`` nodes."""
    n = 0
    for _ in sp.preorder_traversal(expr):
        n += 1
        if n > max_nodes:
            return "part of f"
    text = _PlainPrinter().doprint(expr).replace("**", "^").replace("*", "·")
    return text.replace("_", " ")
