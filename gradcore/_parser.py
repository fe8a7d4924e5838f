"""A safe parser for functions written the way a learner writes them on paper.

No user text ever reaches ``eval``, ``sympify`` or ``parse_expr``: the text is normalised,
checked character by character against an allow-list, tokenised, and parsed by a small
recursive-descent parser that builds sympy objects directly. Every size that could exhaust
the machine (length, literals, exponents, nesting, expression size) is bounded while
parsing, so ``parse`` finishes in milliseconds on any input.

Grammar (lowest to highest precedence)::

    expr    := term (('+' | '-') term)*
    term    := unary (('*' | '/' | <juxtaposition>) unary)*
    unary   := ('+' | '-') unary | power
    power   := postfix ('^' unary)?          # right-associative: 2^3^2 = 2^9
    postfix := atom | func_call
    atom    := number | name | '(' expr ')' | '|' expr '|'
"""

from __future__ import annotations

import cmath
import keyword
import math
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

from ._plaintext import plain
from ._realroot import odd_root_power, real_root

__all__ = ["LIMITS", "Function", "ParseError", "parse"]


@dataclass(frozen=True)
class Limits:
    """Bounds that keep ``parse`` fast on any input (documented in the README)."""

    max_length: int = 600  # characters of input
    max_literal_digits: int = 30  # digits in one number literal
    max_number_digits: int = 300  # digits of any exact number built while parsing
    max_exponent: int = 1000  # |n| for a numeric exponent
    max_tower: int = 3  # powers stacked in one chain: x^y^z is 3
    max_depth: int = 30  # nesting of parentheses, bars and function calls
    max_nodes: int = 400  # nodes of the parsed expression tree
    max_variables: int = 12


LIMITS = Limits()


class ParseError(ValueError):
    """Input that is not a function we can work with.

    ``str(err)`` is a sentence a student understands, saying what to do instead.
    ``err.position`` is the 0-based index in the original text where the problem is,
    or ``None`` when the problem is not at one place.
    """

    def __init__(self, message: str, position: int | None = None):
        self.reason = message  # without the position
        if position is not None:
            message = f"{message} (at character {position + 1})"
        super().__init__(message)
        self.position = position


@dataclass(frozen=True)
class Function:
    """A parsed function: ``expr`` (sympy), ``variables`` (x, y, z first, then the others
    alphabetically), ``text`` (the input exactly as given) and ``notes`` (how ambiguous
    parts of it were read)."""

    expr: sp.Expr
    variables: tuple[sp.Symbol, ...]
    text: str = field(compare=False)
    #: how an ambiguous part of ``text`` was read, one sentence each (``1/xy`` is (1/x)·y,
    #: ``sin^-1 x`` is arcsin x): shown to the learner beside the formula
    notes: tuple[str, ...] = field(default=(), compare=False)

    @cached_property
    def names(self) -> tuple[str, ...]:
        """The variables' names, in order."""
        return tuple(v.name for v in self.variables)

    def __repr__(self) -> str:
        return f"Function({self.expr}, variables={self.names})"


# --- vocabulary ------------------------------------------------------------------------

def _log(*args: sp.Expr) -> sp.Expr:
    if len(args) == 2:
        return sp.log(args[0], args[1])
    return sp.log(args[0])


# name -> (sympy callable, allowed argument counts)
_FUNCTIONS: dict[str, tuple[object, tuple[int, ...]]] = {
    "sin": (sp.sin, (1,)), "cos": (sp.cos, (1,)), "tan": (sp.tan, (1,)),
    "cot": (sp.cot, (1,)), "sec": (sp.sec, (1,)), "csc": (sp.csc, (1,)),
    "asin": (sp.asin, (1,)), "acos": (sp.acos, (1,)), "atan": (sp.atan, (1,)),
    "acot": (sp.acot, (1,)), "asec": (sp.asec, (1,)), "acsc": (sp.acsc, (1,)),
    "arcsin": (sp.asin, (1,)), "arccos": (sp.acos, (1,)), "arctan": (sp.atan, (1,)),
    "arccot": (sp.acot, (1,)), "arcsec": (sp.asec, (1,)), "arccsc": (sp.acsc, (1,)),
    "atan2": (sp.atan2, (2,)), "arctan2": (sp.atan2, (2,)),
    "sinh": (sp.sinh, (1,)), "cosh": (sp.cosh, (1,)), "tanh": (sp.tanh, (1,)),
    "coth": (sp.coth, (1,)), "sech": (sp.sech, (1,)), "csch": (sp.csch, (1,)),
    "asinh": (sp.asinh, (1,)), "acosh": (sp.acosh, (1,)), "atanh": (sp.atanh, (1,)),
    "arsinh": (sp.asinh, (1,)), "arcosh": (sp.acosh, (1,)), "artanh": (sp.atanh, (1,)),
    "arcsinh": (sp.asinh, (1,)), "arccosh": (sp.acosh, (1,)), "arctanh": (sp.atanh, (1,)),
    "acoth": (sp.acoth, (1,)), "asech": (sp.asech, (1,)), "acsch": (sp.acsch, (1,)),
    "arcoth": (sp.acoth, (1,)), "arsech": (sp.asech, (1,)), "arcsch": (sp.acsch, (1,)),
    "arccoth": (sp.acoth, (1,)), "arcsech": (sp.asech, (1,)), "arccsch": (sp.acsch, (1,)),
    # cosec, as written in the UK and India
    "cosec": (sp.csc, (1,)), "cosech": (sp.csch, (1,)),
    "exp": (sp.exp, (1,)), "ln": (sp.log, (1,)), "log": (_log, (1, 2)),
    "log10": (lambda a: sp.log(a, 10), (1,)), "log2": (lambda a: sp.log(a, 2), (1,)),
    "sign": (sp.sign, (1,)),  # derivations show |u|' = sign(u): answers may use it too
    "sqrt": (sp.sqrt, (1,)), "cbrt": (lambda a: real_root(a, 3), (1,)), "abs": (sp.Abs, (1,)),
    "sigmoid": (lambda a: 1 / (1 + sp.exp(-a)), (1,)),
}
# sin^-1 x is arcsin x (as on paper and calculators), not 1/sin x
_INVERSES: dict[str, tuple[object, str]] = {
    "sin": (sp.asin, "arcsin"), "cos": (sp.acos, "arccos"), "tan": (sp.atan, "arctan"),
    "cot": (sp.acot, "arccot"), "sec": (sp.asec, "arcsec"), "csc": (sp.acsc, "arccsc"),
    "sinh": (sp.asinh, "arsinh"), "cosh": (sp.acosh, "arcosh"), "tanh": (sp.atanh, "artanh"),
    "coth": (sp.acoth, "arcoth"), "sech": (sp.asech, "arsech"), "csch": (sp.acsch, "arcsch"),
}
_CONSTANTS = {"pi": sp.pi, "e": sp.E}
_GREEK = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron "
    "rho sigma tau upsilon phi chi psi omega"
).split()
_KNOWN = set(_FUNCTIONS) | set(_CONSTANTS) | set(_GREEK)
# Words a learner (or an attacker) may type that we recognise and refuse by name.
_UNSUPPORTED = {
    "max": "max(…) is not supported: its gradient jumps. Try a smooth function",
    "min": "min(…) is not supported: its gradient jumps. Try a smooth function",
    "sum": "sum(…) is not supported: write the terms out with +",
    "floor": "floor(…) is not supported: its derivative is zero almost everywhere",
    "ceil": "ceil(…) is not supported: its derivative is zero almost everywhere",
    "factorial": "factorial is not supported: it is not differentiable",
    "gamma": None,  # a Greek variable name; listed so it is never split
    "mod": "mod is not supported",
    "sgn": "sgn(…) is spelled sign(…) here",
    "diff": "derivatives are computed for you: type just the function",
    "integrate": "integrals are not supported: type just the function",
}
# Capital letters that sympy and maths give other meanings; refused as variable names.
_RESERVED_LETTERS = {
    "E": "Euler's number e", "I": "the imaginary unit", "S": "sympy's S",
    "N": "sympy's N", "O": "the big-O symbol", "Q": "sympy's Q",
}
_SUPERSCRIPTS = {
    "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7",
    "⁸": "8", "⁹": "9", "⁻": "-", "⁺": "+",
    # letters too: eˣ is e^x and xⁿ is x^n (folded to plain letters they read as e·x)
    "ˣ": "x", "ʸ": "y", "ᶻ": "z", "ⁿ": "n", "ᵃ": "a", "ᵇ": "b", "ᵗ": "t", "ᵏ": "k",
    "⁽": "(", "⁾": ")", "ᐟ": "/",
}
_REPLACEMENTS = {
    "−": "-", "–": "-", "—": "-", "‐": "-", "‑": "-", "×": "*", "·": "*", "⋅": "*",
    "∙": "*", "∗": "*", "•": "*", "✕": "*", "÷": "/", "∕": "/", "⁄": "/", "∣": "|",
    "｜": "|",
    # a root sign is a function name followed by a space (√2 is sqrt 2, not a name sqrt2)
    "√": "sqrt ", "∛": "cbrt ",
}
_GREEK_LETTERS = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu",
    "ν": "nu", "ξ": "xi", "ρ": "rho", "σ": "sigma", "τ": "tau", "υ": "upsilon",
    "φ": "phi", "ϕ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
}
_ALLOWED = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 +-*/^().,|")
_FORBIDDEN_HINTS = {
    "_": "underscores are not allowed: write x1 instead of x_1",
    "[": "square brackets are not allowed: use round parentheses ( )",
    "]": "square brackets are not allowed: use round parentheses ( )",
    "{": "braces are not allowed: use round parentheses ( )",
    "}": "braces are not allowed: use round parentheses ( )",
    "'": "quotes are not allowed: type the function itself, without quotes",
    '"': "quotes are not allowed: type the function itself, without quotes",
    "`": "backticks are not allowed: type the function itself",
    "=": "type a function, not an equation: the formula alone (x^2 + y^2) or with the "
         "function's name in front (f(x, y) = x^2 + y^2)",
    "<": "comparisons are not allowed: type a function, not an inequality",
    ">": "comparisons are not allowed: type a function, not an inequality",
    "≤": "comparisons are not allowed: type a function, not an inequality",
    "≥": "comparisons are not allowed: type a function, not an inequality",
    "≠": "comparisons are not allowed: type a function, not an inequality",
    "∂": "derivatives are computed for you: type just the function (its partial "
         "derivatives are on the Partial derivatives page)",
    "∫": "integrals are not supported: type just the function",
    "°": "degrees are not supported: angles are in radians (30° is pi/6)",
    "∜": "the fourth root has no sign here: write (…)^(1/4)",
    "!": "'!' is not allowed: factorials and negations are not supported",
    "&": "logical operators are not allowed: type a function",
    "~": "'~' is not allowed: use - for negation",
    "%": "'%' is not allowed: write percentages as decimals (5% = 0.05)",
    "@": "'@' is not allowed: use * to multiply",
    ";": "only one expression at a time: remove ';'",
    ":": "':' is not allowed: type just the function",
    "\\": "backslashes are not allowed: type sqrt(x), not \\sqrt{x}",
    "#": "'#' is not allowed",
    "$": "'$' is not allowed: type the function without LaTeX dollars",
    "?": "'?' is not allowed",
}


# --- normalisation ---------------------------------------------------------------------

def _normalise(text: str) -> tuple[str, list[int]]:
    """Map Unicode notation to ASCII; return the new text and, per character, its index
    in the original text (for error positions). Rejects invisible and look-alike characters."""
    out: list[str] = []
    where: list[int] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in _SUPERSCRIPTS:  # x²³ -> x^(23); x⁻¹ -> x^(-1)
            j = i
            while j < len(text) and text[j] in _SUPERSCRIPTS:
                j += 1
            sup = "".join(_SUPERSCRIPTS[c] for c in text[i:j])
            if sup[-1] in "+-":
                raise ParseError(f"the superscript {text[j - 1]} needs a power after it, as "
                                 f"in x{text[j - 1]}¹", j - 1)
            # eˣ² is e^(x²): a superscript cannot carry its own, so a digit after a
            # letter is that letter's power (not a variable x2)
            sup = re.sub(r"(?<=[A-Za-z])(?=\d)", "^", sup)
            piece = "^(" + sup + ")"
            out.append(piece)
            where.extend([i] * len(piece))
            i = j
            continue
        piece = _one_char(ch, i)
        out.append(piece)
        where.extend([i] * len(piece))
        i += 1
    return "".join(out), where


def _one_char(ch: str, i: int) -> str:
    if ch in _ALLOWED:
        return ch
    if ch in _REPLACEMENTS:
        return _REPLACEMENTS[ch]
    if ch in _GREEK_LETTERS:
        return " " + _GREEK_LETTERS[ch] + " "
    if ch == "π":
        return " pi "
    if ch in "\t\n\r":
        return " "
    if ch in _FORBIDDEN_HINTS:
        raise ParseError(_FORBIDDEN_HINTS[ch], i)
    cat = unicodedata.category(ch)
    name = unicodedata.name(ch, f"U+{ord(ch):04X}")
    if cat in ("Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"):
        raise ParseError(
            f"invisible or control character {name} found: delete it and retype that part", i
        )
    if cat == "Zs":  # exotic spaces
        return " "
    folded = unicodedata.normalize("NFKC", ch)
    if folded != ch and len(folded) <= 3 and all(c in _ALLOWED for c in folded):
        return folded  # full-width letters and digits, ligatures
    if re.fullmatch(r"\d+\u2044\d+", folded):  # ½, ⅔: a bracketed fraction
        return "(" + folded.replace("\u2044", "/") + ")"
    if "GREEK CAPITAL LETTER" in unicodedata.name(folded[:1], ""):
        small = folded.lower()
        raise ParseError(
            f"capital Greek letters such as {ch} are not supported: use the lower-case "
            f"{small} (or a Latin letter) as the variable", i)
    if cat.startswith("L"):
        raise ParseError(
            f"the letter {ch!r} ({name.title()}) is not a plain Latin letter, though it may "
            "look like one: retype it on a standard keyboard", i,
        )
    raise ParseError(f"the character {ch!r} ({name.title()}) is not allowed here", i)


# --- tokens ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Tok:
    kind: str  # num, name, op, end
    text: str
    pos: int  # index in the normalised text


_TOKEN_RE = re.compile(
    r"(?P<space>\s+)|(?P<num>\d+\.?\d*|\.\d+)|(?P<word>[A-Za-z]+\d*)|(?P<op>\*\*|[-+*/^(),|.])"
)


def _tokenise(s: str, where: list[int]) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    while pos < len(s):
        m = _TOKEN_RE.match(s, pos)
        if m is None:  # pragma: no cover - every allowed character matches
            raise ParseError(f"unexpected character {s[pos]!r}", where[pos])
        kind = m.lastgroup
        text = m.group()
        if kind == "num":
            if text.count(".") and m.end() < len(s) and s[m.end()] == ".":
                raise ParseError("a number has two decimal points", where[m.end()])
            digits = len(text.replace(".", "").lstrip("0"))
            if digits > LIMITS.max_literal_digits:
                raise ParseError(
                    f"the number is too long (over {LIMITS.max_literal_digits} digits): "
                    "use a shorter one", where[pos],
                )
            sci = re.match(r"[eE]([-+]?\d+)", s[m.end():])
            if sci:
                power = sci.group(1)[:8]
                raise ParseError(
                    f"scientific notation like {text}e{power} is not supported: write "
                    f"{text}*10^({power}) instead (and 2e^x for 2·eˣ)", where[m.end()],
                )
            toks.append(_Tok("num", text, pos))
        elif kind == "word":
            before_paren = s[m.end():].lstrip().startswith("(")
            toks.extend(_split_word(text, pos, where, before_paren))
        elif kind == "op":
            if text == "." :
                raise ParseError(
                    "a dot may only be a decimal point (as in 1.5); attribute access like "
                    "x.y is not allowed", where[pos],
                )
            toks.append(_Tok("op", "^" if text == "**" else text, pos))
        pos = m.end()
    toks.append(_Tok("end", "", len(s)))
    return toks


def _split_word(word: str, pos: int, where: list[int], before_paren: bool) -> list[_Tok]:
    """Split a run of letters (and trailing digits) into names.

    Known names (functions, constants, Greek letters) are never split; a letter followed by
    digits is one variable (x1); other runs are products of single letters (xy = x*y),
    reading known names out of them (xsin -> x sin, sinx -> sin x, pix -> pi x). A run of
    single letters that does not read as a product (foo, eval) is rejected by name."""
    if keyword.iskeyword(word) and word != "lambda":
        raise ParseError(
            f"'{word}' is a programming keyword, not maths: type only the function, "
            "such as x^2 + y^2", where[pos],
        )
    if word in _GREEK and before_paren and word in ("gamma", "beta", "zeta"):
        raise ParseError(
            f"'{word}' is read as a Greek letter variable; the {word} function is not "
            f"supported (write {word}*(…) to multiply)", where[pos],
        )
    if word in _KNOWN or word in _UNSUPPORTED:
        return [_Tok("name", word, pos)]
    if len(word) > 1 and word != word.lower() and word.lower() in _KNOWN:  # Sin, PI, LN
        kind = "constant" if word.lower() in _CONSTANTS else (
            "function" if word.lower() in _FUNCTIONS else "Greek letter")
        raise ParseError(f"'{word}': {kind} names are lower case here, so type "
                         f"{word.lower()}", where[pos])
    m = re.fullmatch(r"([A-Za-z]+?)(\d+)", word)
    letters, digits = (m.group(1), m.group(2)) if m else (word, "")
    pieces: list[tuple[str, int]] = []
    i = 0
    while i < len(letters):
        for n in range(len(letters) - i, 1, -1):  # longest known name starting here
            if letters[i:i + n] in _KNOWN or letters[i:i + n] in _UNSUPPORTED:
                pieces.append((letters[i:i + n], i))
                i += n
                break
        else:
            pieces.append((letters[i], i))
            i += 1
    singles = "".join(p for p, _ in pieces if len(p) == 1)
    if len(letters) > 1 and not _reads_as_product(singles, all_single=len(singles) == len(
            letters), before_paren=before_paren and len(pieces[-1][0]) == 1):
        hint = ""
        if word.lower() in _KNOWN:
            hint = f"; function names are lower case: {word.lower()}"
        elif before_paren:
            hint = "; the functions are sin, cos, tan, exp, log, ln, sqrt, abs, … (see the list)"
        raise ParseError(
            f"unknown name '{word}': variables are single letters (or a letter and digits, "
            f"like x1, or a Greek name like theta){hint}; to multiply letters, put spaces or * "
            f"between them ({' * '.join(letters)})", where[pos],
        )
    if digits:
        last, at = pieces[-1]
        if last in _FUNCTIONS:  # sin2x, ln2, sqrt2: the number starts the argument
            return [*(_Tok("name", p, pos + a) for p, a in pieces),
                    _Tok("num", digits, pos + len(letters))]
        if len(last) != 1:
            raise ParseError(
                f"unknown name '{word}': a number after a name needs a * ({last}*{digits})",
                where[pos],
            )
        pieces[-1] = (last + digits, at)
    return [_Tok("name", p, pos + at) for p, at in pieces]


def _reads_as_product(singles: str, *, all_single: bool, before_paren: bool) -> bool:
    """Whether the single letters of a run read as a product (xy, xyz, abc, xxy, 2pix)
    rather than an unknown word (foo, eval, compile): only x, y, z, or at most three
    distinct letters. A run of several letters right before '(' (bar(x)) reads as an
    unknown function unless it is made of x, y and z only."""
    if set(singles) <= set("xyz"):
        return True
    if all_single and before_paren:
        return False
    return len(singles) <= 3 and len(set(singles)) == len(singles)


# --- parser ----------------------------------------------------------------------------

class _Parser:
    def __init__(self, toks: list[_Tok], where: list[int], text: str = ""):
        self.toks = toks
        self.where = where
        self.text = text  # the original text, for notes quoting it
        self.notes: list[str] = []
        self.i = 0
        self.depth = 0
        self.abs_depth = 0
        self.symbols: dict[str, sp.Symbol] = {}
        # domain conditions of the pieces built so far, in order (see _domain_pieces)
        self.conditions: dict[tuple[str, sp.Expr], None] = {}
        self.approx: dict[sp.Expr, complex] = {}  # constants' float values (see _approx)
        self.depths: dict[sp.Expr, int] = {}  # constants' nesting (see _constant_depth)

    # helpers
    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def pos(self, tok: _Tok | None = None) -> int | None:
        tok = tok or self.tok
        if tok.pos < len(self.where):
            return self.where[tok.pos]
        return (self.where[-1] + 1) if self.where else 0

    def span(self, first: int, end: int) -> str:
        """The original text of tokens ``first`` up to (not including) ``end``."""
        return self.text[self.pos(self.toks[first]):self.pos(self.toks[end])].strip()

    def note(self, message: str) -> None:
        if message not in self.notes and len(self.notes) < 3:
            self.notes.append(message)

    def error(self, message: str, tok: _Tok | None = None) -> ParseError:
        return ParseError(message, self.pos(tok))

    def accept(self, text: str) -> bool:
        if self.tok.kind == "op" and self.tok.text == text:
            self.i += 1
            return True
        return False

    def expect(self, text: str, opened: _Tok) -> None:
        if not self.accept(text):
            what = "end of input" if self.tok.kind == "end" else repr(self.tok.text)
            raise self.error(
                f"expected {text!r} to close the {opened.text!r} opened at character "
                f"{self.pos(opened) + 1}, found {what}",
            )

    def enter(self) -> None:
        self.depth += 1
        if self.depth > LIMITS.max_depth:
            raise self.error(
                f"the expression is nested too deeply (more than {LIMITS.max_depth} levels): "
                "simplify it"
            )

    # grammar
    def parse(self) -> sp.Expr:
        if self.tok.kind == "end":
            raise ParseError("type a function, for example x^2 + y^2")
        expr = self.expr()
        if self.tok.kind != "end":
            t = self.tok
            if t.text == ")":
                raise self.error("there is a ')' without a matching '('")
            if t.text == ",":
                raise self.error("a comma may only separate arguments, as in log(x, 2)")
            raise self.error(f"unexpected {t.text!r}")
        return expr

    def expr(self) -> sp.Expr:
        self.enter()
        result = self.term()
        while self.tok.kind == "op" and self.tok.text in "+-":
            op = self.tok
            self.i += 1
            rhs = self.term()
            result = _check(result + rhs if op.text == "+" else result - rhs, self, op)
        self.depth -= 1
        return result

    def starts_operand(self) -> bool:
        t = self.tok
        if t.kind in ("num", "name"):
            return True
        if t.kind == "op" and t.text == "(":
            return True
        # a bar starts a new |…| only where it cannot close one
        return t.kind == "op" and t.text == "|" and self.abs_depth == 0

    def term(self) -> sp.Expr:
        first = self.i
        result = self.unary()
        divided = None  # (the '/' token's index, where its divisor starts) just before
        while True:
            t = self.tok
            if t.kind == "op" and t.text in "*/":
                self.i += 1
                if self.tok.kind == "op" and self.tok.text in "*/^)":
                    raise self.error(f"'{t.text}' must be followed by a number, variable or '('")
                divisor = self.i
                rhs = self.unary()
                if t.text == "*":
                    result = _check(result * rhs, self, t)
                    divided = None
                else:
                    if rhs == 0:
                        raise self.error("division by zero", t)
                    if rhs.free_symbols:  # x·y/x is y at once: the divisor's condition
                        _record(self, sp.Pow(rhs, -1))  # would never be seen
                    result = _check(result / rhs, self, t)
                    divided = (divisor - 1, divisor)
            elif self.starts_operand():
                start = self.i
                result = _check(result * self.power(), self, t)  # juxtaposition: 3xy
                if divided is not None:  # 1/xy, 1/2x: read left to right, as (1/x)·y
                    slash, divisor = divided
                    self.note(
                        f"{self.span(first, self.i)} is read left to right, as "
                        f"({self.span(first, start)})·{self.span(start, self.i)}: to divide "
                        f"by {self.span(divisor, self.i)}, type "
                        f"{self.span(first, slash)}/({self.span(divisor, self.i)})")
                    divided = None
            else:
                return result

    def unary(self) -> sp.Expr:
        t = self.tok
        if t.kind == "op" and t.text in "+-":
            self.i += 1
            self.enter()
            operand = self.unary()
            self.depth -= 1
            return _check(-operand, self, t) if t.text == "-" else operand
        return self.power()

    def power(self, tower: int = 1) -> sp.Expr:
        base = self.postfix()
        t = self.tok
        if t.kind == "op" and t.text == "^":
            self.i += 1
            if tower >= LIMITS.max_tower:
                raise self.error(
                    f"too many stacked powers (at most {LIMITS.max_tower}): "
                    "use parentheses to simplify", t,
                )
            self.enter()
            start = self.i
            if self.tok.kind == "op" and self.tok.text in "+-":
                sign = self.tok
                self.i += 1
                exponent = self.power(tower + 1)
                if sign.text == "-":
                    exponent = -exponent
            else:
                exponent = self.power(tower + 1)
            self.depth -= 1
            self._note_short_exponent(base, start, t)
            return _pow(base, exponent, self, t)
        return base

    def _note_short_exponent(self, base: sp.Expr, start: int, caret: _Tok) -> None:
        """e^xy, 2^xy, e^2x: an exponent is one number, letter or bracket, so the factor
        written right after it (no space) is not part of it. Said when the exponent is a
        letter, or the base is e (x^2y = x²y is the usual reading)."""
        last = self.toks[self.i - 1]
        nxt = self.tok
        signed = self.toks[start].kind == "op" and self.toks[start].text in "+-"
        span = self.toks[start + signed:self.i]
        tower = len(span) > 1 and all(  # e^x^2y: the exponent x^2, then y
            (k % 2 == 0 and tk.kind in ("name", "num"))
            or (k % 2 == 1 and tk.kind == "op" and tk.text == "^") for k, tk in enumerate(span))
        if (self.i - start != 1 + signed and not tower) or last.kind not in ("name", "num"):
            return
        if self._note_fraction_exponent(start, last, nxt):
            return
        if nxt.kind not in ("name", "num") or nxt.pos != last.pos + len(last.text):
            return
        if nxt.text in _FUNCTIONS or (last.kind == "num" and not base.is_number and not tower):
            return  # x^2y is x²y as usual; 2^3x (nobody writes 8x so) and e^2x are noted
        caret_at = self.toks.index(caret)
        before = self.toks[caret_at - 1] if caret_at else None
        base_text = before.text if before is not None and before.kind in ("name", "num") \
            else "(…)"
        exp_text = self.span(start, self.i)
        joined = f"{exp_text} {nxt.text}" if tower else exp_text + nxt.text
        shown = f"({exp_text})" if tower else exp_text
        self.note(f"{base_text}^{exp_text}{nxt.text} is read as {base_text}^{shown} times "
                  f"{nxt.text} (an exponent is one number, letter or bracket): for "
                  f"{base_text}^({joined}) type the brackets")

    def _note_fraction_exponent(self, start: int, last: _Tok, nxt: _Tok) -> bool:
        """x^1/2, x^-3/2: an exponent of 1 or a negative one written straight before a
        division by a number is read as (x^1)/2, but meant as a root on paper (nobody
        writes x^1; x^2/2 is x²/2 as usual). Noted; True if so."""
        after = self.toks[self.i + 1] if self.i + 1 < len(self.toks) else None
        signed = self.toks[start].kind == "op" and self.toks[start].text == "-"
        caret_at = start - 1
        if caret_at >= 2 and self.toks[caret_at - 2].kind == "op" \
                and self.toks[caret_at - 2].text == "^":
            return False  # x^y^1/2: a tower, read as it is
        if not (self.i - start == 1 + signed and last.kind == "num" and last.text.isdigit()
                and (signed or last.text == "1")
                and nxt.kind == "op" and nxt.text == "/"
                and nxt.pos == last.pos + len(last.text) and after is not None
                and after.kind == "num" and after.pos == nxt.pos + 1):
            return False
        before = self.toks[caret_at - 1] if caret_at > 0 else None
        base_text = before.text if before is not None and before.kind in ("name", "num") \
            else "(…)"
        exp_text = self.span(start, self.i)
        self.note(f"{base_text}^{exp_text}/{after.text} is read as ({base_text}^{exp_text})/"
                  f"{after.text} (an exponent is one number, letter or bracket): for the "
                  f"power {exp_text}/{after.text} type {base_text}^({exp_text}/{after.text})")
        return True

    def postfix(self) -> sp.Expr:
        t = self.tok
        if t.kind == "name" and t.text in _FUNCTIONS:
            return self.call()
        return self.atom()

    def call(self) -> sp.Expr:
        name_tok = self.tok
        name = name_tok.text
        func, arities = _FUNCTIONS[name]
        self.i += 1
        # sin^2 x means (sin x)^2, as on paper
        power = None
        if self.tok.kind == "op" and self.tok.text == "^":
            caret = self.tok
            self.i += 1
            power = self.unary_atom()
            if not power.is_number:
                raise self.error(f"a power of {name} written after its name must be a number "
                                 f"(sin^2 x): for another power type ({name} …)^(power)",
                                 caret)
        self.enter()
        if self.tok.kind == "op" and self.tok.text == "(":
            opened = self.tok
            self.i += 1
            if self.tok.kind == "op" and self.tok.text == ")":
                raise self.error(f"{name}() is empty: put its argument inside, as in "
                                 f"{name}(x)", opened)
            saved, self.abs_depth = self.abs_depth, 0
            args = [self.expr()]
            while self.accept(","):
                args.append(self.expr())
            self.abs_depth = saved
            self.expect(")", opened)
        elif self.tok.kind == "num" and self._root_sign(name_tok):
            # √2 x is √2·x, a surd times x (sqrt 2x is sqrt(2x), like sin 2x)
            args = [self.power()]
            last = self.toks[self.i - 1]
            if self.starts_operand() and self.tok.pos == last.pos + len(last.text):
                surd = self.text[self.pos(name_tok):self.pos()].strip()
                self.note(f"{surd} is read as the number {surd} times what follows: for "
                          f"the root of the whole product type {surd[0]}(…)")
        elif self.starts_operand() or (
                self.tok.kind == "op" and self.tok.text in "+-"
                and self.toks[self.i + 1].kind in ("num", "name")):
            # sin x, sin 2x, sin xy: the argument is the following product of atoms,
            # up to the next function name, operator or bracket; √-x is √(−x)
            sign = self.tok.text if self.tok.kind == "op" else ""
            self.i += bool(sign)
            start = self.i
            args = [self.bare_argument(name_tok)]
            if sign == "-":
                args = [_check(-args[0], self, name_tok)]
            arg_tok = self.toks[start]
            if (self.i - start == 1 and arg_tok.kind == "name"
                    and arg_tok.pos == name_tok.pos + len(name)
                    and self.tok.kind == "op" and self.tok.text == "("):
                # sinn(y), cosx(y): a typo of sin(y)? read as sin(n)·(y), and said so
                self.note(f"{name}{arg_tok.text}(…) is read as {name}({arg_tok.text})·(…), "
                          f"with {arg_tok.text} a variable: for {name}(…) remove the "
                          f"{arg_tok.text}")
        else:
            raise self.error(f"{name} needs an argument, as in {name}(x)", name_tok)
        self.depth -= 1
        if len(args) not in arities:
            want = " or ".join(str(a) for a in arities)
            raise self.error(
                f"{name} takes {want} argument{'s' if arities != (1,) else ''}, "
                f"got {len(args)}", name_tok,
            )
        if name in _PERIODIC:
            for arg in args:  # sin(10^299·…): no digit of it survives in floating point,
                if not arg.free_symbols and abs(_approx(self, arg)) > 1e15:  # and sympy
                    raise self.error(  # takes ever longer on nested ones
                        f"{name} of a constant as large as {abs(_approx(self, arg)):.1e} has "
                        "no meaningful value in floating point: use a smaller number",
                        name_tok)
        try:
            value = func(*args)
        except (ValueError, TypeError, ZeroDivisionError) as exc:
            raise self.error(f"{name} cannot be applied here ({exc})", name_tok) from None
        value = _check(value, self, name_tok)
        if power == -1 and name in _INVERSES:  # sin^-1 x, sin⁻¹ x: arcsin x, as on paper
            inverse, inverse_name = _INVERSES[name]
            self.note(f"{name}^-1 is read as {inverse_name}, the inverse function (as on "
                      f"calculators): for 1/{name} type 1/{name}(…) or ({name} …)^-1")
            return _check(inverse(*args), self, name_tok)
        if power is not None:
            value = _pow(value, power, self, name_tok)
        return value

    def unary_atom(self) -> sp.Expr:
        t = self.tok
        if t.kind == "op" and t.text == "-":
            self.i += 1
            return -self.atom()
        return self.atom()

    def _root_sign(self, name_tok: _Tok) -> bool:
        """Whether the function name was typed as a root sign (√, ∛)."""
        at = self.pos(name_tok)
        return at is not None and self.text[at:at + 1] in ("√", "∛")

    def bare_argument(self, name_tok: _Tok) -> sp.Expr:
        first = self.i
        result = self.power()
        while self.starts_operand() and not (
            self.tok.kind == "name" and self.tok.text in _FUNCTIONS
        ):
            t = self.tok
            if t.kind == "op" and t.text == "(":
                break  # sin x (x+1) = sin(x)·(x+1)
            nxt = self.toks[self.i + 1]
            if (t.kind == "op" and t.text == "|") or (
                    t.text == "e" and nxt.kind == "op" and nxt.text == "^"):
                # sin x e^x, sin x |y|: a new factor (an exponential, an absolute
                # value), as sin x ln x and sin x cos y stop at the next function;
                # said when typed without a space (sin xe^x)
                last = self.toks[self.i - 1]
                if t.pos != last.pos + len(last.text):
                    break
                fn_text = self.text[self.pos(name_tok):self.pos(self.toks[first])].strip()
                arg_text = self.span(first, self.i)
                self.note(f"{fn_text} {arg_text} … is read as {fn_text}({arg_text}) times "
                          f"what follows: to take {fn_text} of more, type the brackets")
                break
            result = _check(result * self.power(), self, t)
        return result

    def atom(self) -> sp.Expr:
        t = self.tok
        if t.kind == "num":
            self.i += 1
            return sp.Rational(t.text) if "." in t.text else sp.Integer(t.text)
        if t.kind == "name":
            self.i += 1
            return self.name(t)
        if t.kind == "op" and t.text == "(":
            self.i += 1
            self.enter()
            if self.tok.kind == "op" and self.tok.text == ")":
                raise self.error("empty parentheses: put an expression inside ( )", t)
            saved, self.abs_depth = self.abs_depth, 0  # bars inside ( ) open new |…|
            inner = self.expr()
            self.abs_depth = saved
            self.expect(")", t)
            self.depth -= 1
            return inner
        if t.kind == "op" and t.text == "|":
            self.i += 1
            self.enter()
            self.abs_depth += 1
            inner = self.expr()
            self.abs_depth -= 1
            if not self.accept("|"):
                raise self.error("missing the closing '|' of an absolute value |…|", t)
            self.depth -= 1
            return _check(sp.Abs(inner), self, t)
        if t.kind == "end":
            raise self.error("the expression ends too early: something is missing at the end")
        if t.text == ")":
            raise self.error("there is a ')' without a matching '(' or with nothing before it")
        if t.text == ",":
            raise self.error("a comma may only separate arguments, as in log(x, 2)")
        raise self.error(f"unexpected {t.text!r}: something is missing before it")

    def name(self, t: _Tok) -> sp.Expr:
        word = t.text
        if word in _CONSTANTS:
            return _CONSTANTS[word]
        if word in _UNSUPPORTED and _UNSUPPORTED[word]:
            raise self.error(_UNSUPPORTED[word], t)
        if word in _RESERVED_LETTERS:
            raise self.error(
                f"'{word}' cannot be a variable here (it is easily confused with "
                f"{_RESERVED_LETTERS[word]}): use a lower-case letter", t,
            )
        sym = self.symbols.get(word)
        if sym is None:
            if len(self.symbols) >= LIMITS.max_variables:
                raise self.error(f"too many variables (at most {LIMITS.max_variables})", t)
            sym = self.symbols[word] = sp.Symbol(word)
        return sym


def _digits(n: int) -> int:
    return 1 if n == 0 else int(abs(n).bit_length() * 0.30103) + 1


def _check(value: sp.Expr, parser: _Parser, tok: _Tok) -> sp.Expr:
    """Bound exact numbers built while parsing (sympy folds 10^200 * 10^200 into one)."""
    coeff = value
    if value.is_Mul or value.is_Add:
        coeff = value.as_coeff_Mul()[0] if value.is_Mul else value.as_coeff_Add()[0]
    if coeff.is_Rational:
        p, q = coeff.p, coeff.q
        if max(_digits(p), _digits(q)) > LIMITS.max_number_digits:
            raise parser.error(
                f"a number here has more than {LIMITS.max_number_digits} digits (it is too "
                "large, or too close to 0): use simpler numbers", tok,
            )
    if value is sp.nan or value.has(sp.zoo, sp.nan):
        raise parser.error("this is undefined (division by zero)", tok)
    if not value.free_symbols and _constant_depth(parser, value) > MAX_CONSTANT_NESTING:
        raise parser.error(
            f"functions of a constant are nested more than {MAX_CONSTANT_NESTING} deep here, "
            "which sympy takes seconds to minutes to work through: compute that number and "
            "type it instead", tok)
    if not value.free_symbols and not value.is_Rational and _too_large(parser, value):
        raise parser.error(
            "this constant is larger than 1.8·10^308, beyond floating point, and sympy "
            "could take hours to work with it: use smaller numbers", tok)
    if not value.free_symbols and not value.is_Rational:
        v = _approx(parser, value)  # refused now, not after sympy has built on it
        if abs(v.imag) > 1e-9 * abs(v):  # (ln(ln(… ln(−2)))) grew 6x slower per level)
            raise parser.error(_IMAGINARY, tok)
    if value.is_Add and not value.free_symbols and _hidden_zero(parser, value):
        raise parser.error(
            "this sum of roots is 0 to every digit that can be computed, but not visibly 0, "
            "and deciding its sign could take minutes: replace it by 0, or by simpler "
            "numbers", tok)
    _record(parser, value)
    return value


#: functions (and roots) applied to a constant, one inside another, at most this deep:
#: sympy's constructors query each level's assumptions, about 2x the time per level
#: (14 nested sigmoids of 2 took 20 s in parse, in the server's thread)
MAX_CONSTANT_NESTING = 6


def _constant_depth(parser: _Parser, value: sp.Expr) -> int:
    """How many functions or non-integer powers of constants are nested in ``value``,
    remembered per piece."""
    known = parser.depths.get(value)
    if known is not None:
        return known
    inner = max((_constant_depth(parser, a) for a in value.args), default=0)
    level = isinstance(value, sp.Function) or (
        isinstance(value, sp.Pow) and not value.exp.is_Integer)
    parser.depths[value] = depth = inner + int(level)
    return depth


_PERIODIC = frozenset({"sin", "cos", "tan", "cot", "sec", "csc"})
_IMAGINARY = ("this has an imaginary part (a square root or logarithm of a negative number "
              "is not a real number): the app works with real functions, so remove it")


def _too_large(parser: _Parser, value: sp.Expr) -> bool:
    """Whether a constant is beyond floating point (1.8·10^308) in size: e^(e^(e^5)) is
    10^(10^63), sin of it needs 10^63 digits, and evaluating (or printing) anything built
    on it never ends. Every constant piece is checked as it is built, so this one's parts
    are all within 10^308 and evaluating it is quick."""
    v = _approx(parser, value)
    if math.isnan(v.real) or math.isnan(v.imag):
        return False  # not a number sympy can evaluate: left to the other checks
    return math.isinf(v.real) or math.isinf(v.imag) or abs(v) > sys.float_info.max


def _approx(parser: _Parser, value: sp.Expr) -> complex:
    """A constant's value as a complex float (inf when too large, NaN when sympy cannot
    evaluate it), remembered per piece: a sum or product of pieces already seen is added
    or multiplied in floats, so a long sum of constants costs one sympy evaluation per
    new piece, not one per prefix."""
    known = parser.approx.get(value)
    if known is not None:
        return known
    try:
        if value.is_Rational:
            v = complex(float(value.p) / float(value.q))
        elif value.is_Add or value.is_Mul:
            parts = [_approx(parser, a) for a in value.args]
            v = sum(parts) if value.is_Add else math.prod(parts)
            if not all(map(cmath.isfinite, parts)) or 0 in parts or not cmath.isfinite(v):
                # a part beyond floats (π^-1000 underflows to 0, so a product of it and
                # cosh(700)⁶, 10^1327, came out 0): evaluate the whole in sympy instead
                v = complex(value.evalf(17))
        else:  # to double precision: a sum that cancels shows as one
            v = complex(value.evalf(17))
    except OverflowError:
        v = complex(math.inf)
    except (TypeError, ValueError, ArithmeticError):
        v = complex(math.nan)
    parser.approx[value] = v
    return v


def _hidden_zero(parser: _Parser, value: sp.Expr) -> bool:
    """Whether a constant sum with roots in it evaluates to 0 with no significant digit
    (a sum of radicals that cancels). sympy decides the sign of such a number, the next
    time anything asks (√, |·|, ln, a power), by computing its minimal polynomial, which
    takes minutes for ∜(5 + 5·2^(4/5)·3^(1/5) + …) − 2^(1/5) − 3^(1/5) (red team). Only
    sums of rationals and their roots are evaluated (quick), and only when their terms
    cancel in floating point; sympy does not search for a minimal polynomial of anything
    else (π, sin, e^…)."""
    terms = [abs(_approx(parser, a)) for a in value.args]
    if abs(_approx(parser, value)) > 1e-9 * max(terms, default=0.0):
        return False  # no cancellation: clearly not 0
    nodes = list(sp.preorder_traversal(value))
    if value.atoms(sp.NumberSymbol) or any(isinstance(a, sp.Function) and not isinstance(
            a, real_root) for a in nodes):
        return False  # not algebraic: sympy does not look for a minimal polynomial
    if not any(isinstance(a, real_root) or (isinstance(a, sp.Pow) and a.exp.is_Rational
                                            and not a.exp.is_Integer) for a in nodes):
        return False
    try:
        v = value.evalf(2)
    except (ValueError, TypeError, ArithmeticError):  # pragma: no cover - defensive
        return True
    return isinstance(v, sp.Float) and v._prec <= 1


def _record(parser: _Parser, value: sp.Expr) -> None:
    """Note the domain conditions of a piece just built: at its top, or just below a Mul."""
    for node in (value, *value.args):
        for cond in _domain_pieces(node):
            parser.conditions.setdefault(cond, None)


_CONDITIONS = {"divide": "{} ≠ 0", "root": "{} ≥ 0", "log": "{} > 0", "power": "{} > 0",
               "asin": "−1 ≤ {} ≤ 1", "acosh": "{} ≥ 1", "atanh": "−1 < {} < 1"}


_LONG_CONDITIONS = {"divide": "a divisor ≠ 0", "root": "a square root's argument ≥ 0",
                    "log": "a logarithm's argument > 0", "power": "a power's base > 0",
                    "asin": "an arcsine's argument between −1 and 1",
                    "acosh": "an arcosh's argument ≥ 1",
                    "atanh": "an artanh's argument between −1 and 1"}


def _domain_pieces(node: sp.Basic) -> tuple[tuple[str, sp.Expr], ...]:
    """The condition ``node`` itself puts on the real domain, as (kind, argument): a
    division needs its divisor ≠ 0, an even root its radicand ≥ 0, ln its argument > 0
    (:data:`_CONDITIONS`); () for any other node or a constant argument."""
    if isinstance(node, sp.Pow):
        b, e = node.args
        if not b.free_symbols:
            return ()
        if e.free_symbols:
            return (("power", b),)
        if e.is_Rational and not e.is_Integer and e.q % 2 == 0:
            return (("root", b),) + ((("divide", b),) if e < 0 else ())
        if e.is_Number and e.is_negative:
            return (("divide", b),)
        return ()
    kind = ("log" if isinstance(node, sp.log) else
            "asin" if isinstance(node, (sp.asin, sp.acos)) else
            "acosh" if isinstance(node, sp.acosh) else
            "atanh" if isinstance(node, sp.atanh) else None)
    if kind and node.args and node.args[0].free_symbols:
        return ((kind, node.args[0]),)
    return ()


def _lost_conditions(parser: _Parser, expr: sp.Expr) -> list[str]:
    """Conditions of pieces typed but simplified away by sympy's automatic evaluation
    (√x² = x, e^(ln x) = x, x·y/x = y), each as text: where they fail, the formula as typed
    is undefined. Left out: conditions the simplified form keeps, or implies on the same
    argument (ln u keeps u > 0, so u ≠ 0 is not lost), and conditions that always hold
    (x² + 1 ≠ 0). A root's u ≥ 0 and a division's u ≠ 0 together read u > 0."""
    kept = {c for node in sp.preorder_traversal(expr) for c in _domain_pieces(node)}
    positive = {arg for kind, arg in kept if kind in ("log", "power")}
    lost: dict[sp.Expr, set[str]] = {}
    for kind, arg in parser.conditions:
        if (kind, arg) in kept or (kind in ("divide", "root") and arg in positive):
            continue
        if kind in _CONDITIONS and not _always(kind, arg):
            lost.setdefault(arg, set()).add(kind)
    out = []
    for arg, kinds in lost.items():
        if {"divide", "root"} <= kinds:
            kinds = (kinds - {"divide", "root"}) | {"log"}  # u ≥ 0 and u ≠ 0: u > 0
        for kind in sorted(kinds):
            shown = plain(arg, 60)
            text = (_CONDITIONS[kind].format(shown) if shown != "part of f" else
                    _LONG_CONDITIONS[kind])
            if text not in out:
                out.append(text)
    return out


def _always(kind: str, arg: sp.Expr) -> bool:
    """Whether the condition holds for every real value of the variables (x² + 1 ≠ 0,
    x² + y² ≥ 0), as sympy's assumptions can tell at once."""
    real = arg.xreplace({v: sp.Dummy(v.name, real=True) for v in arg.free_symbols})
    test = {"divide": real.is_nonzero, "root": real.is_nonnegative,
            "log": real.is_positive, "power": real.is_positive}.get(kind)
    return bool(test)


_MAX_ROOT_OF_A_NUMBER = 1000


def _pow(base: sp.Expr, exponent: sp.Expr, parser: _Parser, tok: _Tok) -> sp.Expr:
    if exponent.is_Rational:
        if abs(exponent) > LIMITS.max_exponent:
            raise parser.error(
                f"the exponent is too large (more than {LIMITS.max_exponent} in size): "
                "use a smaller power", tok,
            )
        if base.is_Rational and base != 0:
            size = abs(float(exponent)) * max(math.log10(abs(base.p)), math.log10(base.q))
            if size > LIMITS.max_number_digits:
                raise parser.error(
                    f"this power would have more than {LIMITS.max_number_digits} digits (too "
                    "large, or too close to 0): use simpler numbers", tok,
                )
        if base == 0 and exponent < 0:
            raise parser.error("0 to a negative power is undefined (division by zero)", tok)
        if exponent.q > _MAX_ROOT_OF_A_NUMBER and base.is_number and base not in (1, -1):
            # sympy looks for a perfect power of a rational base, in time that grows with
            # the root: 12^-3^-13 (1594323rd root) took 12 s, (1/12)^(1/10^12) ran out of
            # memory (red team 6)
            raise parser.error(
                f"a root of a number deeper than the {_MAX_ROOT_OF_A_NUMBER}th is not "
                "supported: use a simpler exponent", tok)
    elif exponent.is_number and not exponent.is_finite:
        raise parser.error("the exponent is undefined", tok)
    elif base == 0:
        raise parser.error(
            "0 to a variable power is 0 or undefined, and has no derivative: "
            "use another base", tok,
        )
    if exponent.is_Rational:  # x^(1/3), x^(2/3), (-8)^(1/3): the real root, as on paper
        real = odd_root_power(base, exponent)
        if real is not None:
            return _check(real, parser, tok)
    return _check(sp.Pow(base, exponent), parser, tok)


def _order(symbols: dict[str, sp.Symbol]) -> tuple[sp.Symbol, ...]:
    first = [symbols[n] for n in ("x", "y", "z") if n in symbols]
    rest = sorted((s for n, s in symbols.items() if n not in ("x", "y", "z")),
                  key=_natural_key)
    return tuple(first + rest)


def _natural_key(sym: sp.Symbol) -> tuple[str, int]:
    """Alphabetical, with numbered names in numeric order: x2 before x10."""
    m = re.fullmatch(r"(\D+)(\d*)", sym.name)
    return (m.group(1), int(m.group(2) or -1)) if m else (sym.name, -1)


def _count_nodes(expr: sp.Basic, limit: int) -> int:
    """Nodes of ``expr``'s tree, counting stops just past ``limit`` (so it is cheap on
    huge expressions): compare the result with ``limit``."""
    n = 0
    for _ in sp.preorder_traversal(expr):
        n += 1
        if n > limit:
            break
    return n


# "f(x, y) =", "z =", "g(θ) =": a left-hand side naming the function (and its variables)
_LHS = re.compile(r"\s*(?P<name>[^\W\d_]\w{0,7})\s*(?:\((?P<args>[^()=]{0,200})\)\s*)?=")


def parse(text: str) -> Function:
    """Parse a function written as on paper into a :class:`Function`.

    The formula may come with a left-hand side as on paper, ``f(x, y) = x^2 + 3y`` or
    ``z = x^2 + y^2``: the variables listed in ``f(…)`` are the function's variables in
    that order (one the formula does not use is kept: its partial derivative is 0), and
    every variable of the formula must be listed. A name alone (``z =``) must not be one of
    the formula's variables, and the formula must have some (``x = 1`` is an equation).

    Accepts ``^`` and ``**``, implicit multiplication (``3xy``, ``2(x+1)``, ``x sin y``),
    ``e^x``/``exp``, ``ln``/``log``/``log(x, b)``, ``sqrt``, ``|x|``/``abs``, trigonometric,
    inverse trigonometric and hyperbolic functions, ``pi``, ``e``, decimals and common Unicode
    (``x²``, ``−``, ``×``, ``π``, Greek letters). Single letters are variables; ``x1`` and
    Greek names (``theta``) are single variables.

    Raises :class:`ParseError` (a ``ValueError``) with a message saying what to do instead,
    and the position of the problem where there is one. Never evaluates the text as code and
    finishes in milliseconds on any input: see ``LIMITS``.
    """
    if not isinstance(text, str):
        raise ParseError("the function must be given as text")
    if len(text) > LIMITS.max_length:
        raise ParseError(
            f"the input is too long ({len(text)} characters; at most {LIMITS.max_length}): "
            "type a shorter function"
        )
    head = _LHS.match(text)
    if head is None or head["name"].lower() in _FUNCTIONS or "=" in text[head.end():]:
        return _parse(text)  # no left-hand side (another "=" gets its hint there)
    start = head.end()
    try:
        fn = _parse(text[start:])
    except ParseError as err:
        raise ParseError(err.reason, None if err.position is None else err.position + start
                         ) from None
    if head["args"] is None:  # "z = x^2 + y^2" names f; "x = 1" or "z = z^2" is an equation
        if not fn.variables or head["name"] in fn.names:
            return _parse(text)  # refused, with the hint for "="
        return Function(expr=fn.expr, variables=fn.variables, text=text, notes=fn.notes)
    declared = _declared(head["args"], head.start("args"))
    missing = [v.name for v in fn.variables if v not in declared]
    if missing:
        listed = ", ".join([s.name for s in declared] + missing)
        raise ParseError(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} in the formula but "
            f"not in {head['name']}(…): list every variable, e.g. {head['name']}({listed}) = …",
            head.start("args"))
    return Function(expr=fn.expr, variables=declared, text=text, notes=fn.notes)


def _complex_constant(expr: sp.Expr) -> bool:
    """Whether a constant part of ``expr`` (a power or function of numbers only) is not
    real, though sympy left it unevaluated: (-1)^(1/4), asin(2), (-2)^(1/101)."""
    for node in sp.preorder_traversal(expr):
        if not ((node.is_Pow or isinstance(node, sp.Function)) and node.is_number):
            continue
        real = node.is_extended_real
        if real is None and _count_nodes(node, 40) <= 40:  # cbrt(-2)^cbrt(-2): evaluate
            try:
                value = complex(node.evalf(15))
                real = abs(value.imag) <= 1e-12 * max(1.0, abs(value))
            except (TypeError, ValueError, OverflowError, ZeroDivisionError):
                real = None
        if real is False:
            return True
    return False


def _declared(args: str, offset: int) -> tuple[sp.Symbol, ...]:
    """The variables listed in a left-hand side ``f(x, y)``, in order."""
    if not args.strip():
        return ()
    out: list[sp.Symbol] = []
    at = offset
    for piece in args.split(","):
        lead = len(piece) - len(piece.lstrip())
        try:
            sym = _parse(piece).expr
        except ParseError:
            sym = None
        if not isinstance(sym, sp.Symbol):
            raise ParseError("list the variables of f separated by commas, as in "
                             "f(x, y) = x^2 + y^2", at + lead)
        if sym in out:
            raise ParseError(f"{sym.name} is listed twice in f(…)", at + lead)
        out.append(sym)
        at += len(piece) + 1
    if len(out) > LIMITS.max_variables:
        raise ParseError(f"too many variables (at most {LIMITS.max_variables})", offset)
    return tuple(out)


# dy/dx, df/dx, d/dx: a derivative's Leibniz name (only where a word starts with the d)
_LEIBNIZ = re.compile(r"(?<![A-Za-z])d\s*[A-Za-z]?\s*/\s*d\s*[A-Za-z]")


def _parse(text: str) -> Function:
    """:func:`parse` of a formula without a left-hand side."""
    base = re.search(r"\blog_", text)
    if base:  # log_2(x): a base written as a subscript
        raise ParseError("for a logarithm in base b write log(x, b), e.g. log(x, 2)",
                         base.start() + 3)
    leibniz = _LEIBNIZ.search(text)
    if leibniz:  # dy/dx, d/dx x^2: not d·y/(d·x)
        raise ParseError("derivatives are computed for you: type just the function (its "
                         "partial derivatives are on the Partial derivatives page)",
                         leibniz.start())
    normalised, where = _normalise(text)
    if len(normalised) > 2 * LIMITS.max_length:
        raise ParseError("the input is too long once its symbols are spelled out")
    if not normalised.strip():
        raise ParseError("type a function, for example x^2 + y^2")
    tokens = _tokenise(normalised, where)
    parser = _Parser(tokens, where, text)
    expr = parser.parse()
    if _count_nodes(expr, LIMITS.max_nodes) > LIMITS.max_nodes:
        raise ParseError(
            f"the expression is too large (more than {LIMITS.max_nodes} parts): "
            "type a shorter function"
        )
    if not expr.is_finite and expr.is_number:
        raise ParseError("this is undefined or infinite: check for division by zero")
    if expr.has(sp.I) or _complex_constant(expr):  # sqrt(-1), log(-2) = log(2) + iπ,
        raise ParseError(_IMAGINARY)  # acosh(1/2) = iπ/3, and unevaluated ones:
        # (-1)^(1/4), asin(2)
    for number in expr.atoms(sp.Rational):
        if max(_digits(number.p), _digits(number.q)) > LIMITS.max_number_digits:
            raise ParseError(
                f"a number has more than {LIMITS.max_number_digits} digits (too large, or too "
                "close to 0): use simpler numbers"
            )
    lost = _lost_conditions(parser, expr)
    if lost:  # said first: it changes where f is defined
        simpler = plain(expr, 40)
        simpler = ("sympy simplifies this as it is built, and the app uses the simplified "
                   "form" if simpler == "part of f" else
                   f"sympy simplifies this to {simpler}, which the app uses")
        parser.notes.insert(0, (
            f"{simpler}: as typed, f also "
            f"needs {' and '.join(lost[:3])}, "
            + ("a condition" if len(lost) == 1 else "conditions")
            + " the simplified form no longer has"))
    symbols = {s.name: s for s in expr.free_symbols}
    return Function(expr=expr, variables=_order(symbols), text=text, notes=tuple(parser.notes))


