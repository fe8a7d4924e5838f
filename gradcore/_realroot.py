"""The real odd root, as on paper: ∛(−8) = −2.

sympy (and numpy) read ``u**(1/3)`` as the *principal* root, which is complex for u < 0,
so x^(1/3) had no value left of 0 and x^(2/3), the textbook cusp, was drawn on half its
domain. The parser writes u^(p/q) with an odd q as ``real_root(u, q)**p`` instead. Its
forward rule (``eval``) and derivative rule (``fdiff``) sit together here; printers give
∛u in LaTeX, ``cbrt(u)`` / ``(u)^(1/q)`` as text (both read back by the parser) and
``numpy.cbrt`` / ``sign·|u|^(1/q)`` as code.
"""

from __future__ import annotations

import sympy as sp
from mpmath.libmp import prec_to_dps
from sympy.core.function import ArgumentIndexError

#: the largest odd index written as a real root (a larger one stays principal)
MAX_INDEX = 99


class real_root(sp.Function):  # noqa: N801 - a sympy function, named as sympy names them
    """real_root(u, n): the real n-th root of u for an odd n ≥ 3 (negative for u < 0)."""

    nargs = 2

    @classmethod
    def eval(cls, u, n):
        if not (n.is_Integer and n.is_odd and 3 <= n <= MAX_INDEX):
            raise ValueError(f"real_root needs an odd index from 3 to {MAX_INDEX}, got {n}")
        if u.is_number and u.is_extended_real and u.is_Rational:
            return sp.real_root(u, n)  # exact: real_root(-8, 3) = -2, real_root(2, 3) = ∛2
        return None

    def fdiff(self, argindex=1):
        # (ⁿ√u)' = 1 / (n · ⁿ√u^(n-1)), the power rule for u^(1/n), real for u < 0 too
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        u, n = self.args
        return 1 / (n * real_root(u, n) ** (n - 1))

    def _eval_is_extended_real(self):
        return self.args[0].is_extended_real

    def _eval_is_finite(self):  # cbrt(pi) is a constant, not "undefined or infinite"
        return self.args[0].is_finite

    def _eval_evalf(self, prec):
        u, n = self.args
        dps = prec_to_dps(prec)  # ``prec`` is in bits; evalf takes decimal digits
        value = u.evalf(dps)
        if value.is_Number and value.is_extended_real:
            return (sp.sign(value) * sp.Abs(value) ** (sp.Integer(1) / n).evalf(dps)).evalf(dps)
        return None

    def _latex(self, printer, exp=None):
        u, n = self.args
        tex = rf"\sqrt[{printer._print(n)}]{{{printer._print(u)}}}"
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"

    def _sympystr(self, printer):
        u, n = self.args
        if n == 3:
            return f"cbrt({printer._print(u)})"
        return f"(({printer._print(u)})^(1/{n}))"  # bracketed: its own powers read back

    def _numpycode(self, printer):
        u, n = self.args
        arg = printer._print(u)
        if n == 3:
            return f"{printer._module_format('numpy.cbrt')}({arg})"
        sign, absolute, power = (printer._module_format(f"numpy.{f}")
                                 for f in ("sign", "abs", "power"))
        return f"({sign}({arg})*{power}({absolute}({arg}), {1.0 / int(n)!r}))"

    def _pythoncode(self, printer):  # plain Python floats ("math")
        u, n = self.args
        arg = printer._print(u)
        return (f"{printer._module_format('math.copysign')}"
                f"(abs({arg})**{1.0 / int(n)!r}, {arg})")

    def _mpmathcode(self, printer):
        u, n = self.args
        arg = printer._print(u)
        return (f"({printer._module_format('mpmath.sign')}({arg})"
                f"*{printer._module_format('mpmath.root')}(abs({arg}), {int(n)}))")


def odd_root_power(base: sp.Expr, exponent: sp.Rational) -> sp.Expr | None:
    """``base**exponent`` as a real root when the exponent is p/q with an odd q ≥ 3 and
    the base can be negative (it has variables, or is a negative number); None otherwise
    (the principal power is already real then)."""
    q = int(exponent.q)
    if q < 3 or q % 2 == 0 or q > MAX_INDEX:
        return None
    if not (base.free_symbols or (base.is_number and base.is_extended_negative)):
        return None
    return real_root(base, q) ** int(exponent.p)
