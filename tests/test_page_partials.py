"""AppTest runs of the Partial derivatives page (pages/partials.py), and a property test of
the step-by-step derivations it shows, through the same loader path (the cached analysis of
``gradapp.state.load`` and ``gradcore._pointwise.explain_partial``)."""

from __future__ import annotations

import math
import random
import re

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

import gradcore as gc
from gradapp import partials_view as pv
from gradapp import state
from gradcore import _pointwise as pw
from gradcore._steps import to_latex

PAGE = "pages/partials.py"


def open_page(f: str | None = None, p: str | None = None, **params: str) -> AppTest:
    """A fresh session opened on a share link (f, p and any further ``params``), switched
    to the Partial derivatives page."""
    at = AppTest.from_file("../app.py", default_timeout=60)
    if f is not None:
        at.query_params["f"] = f
    if p is not None:
        at.query_params["p"] = p
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def bodies(at) -> list[str]:
    """The LaTeX of every st.latex, without the $$ wrapper and the size command."""
    out = []
    for el in at.latex:
        body = el.body.replace("$$", "").strip()
        for size in ("\\large ", "\\LARGE "):
            body = body.removeprefix(size)
        out.append(body)
    return out


def has(at, tex: str) -> bool:
    return any(tex in b for b in bodies(at))


def texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for kind in (at.info, at.warning, at.success, at.error):
        parts += [e.value for e in kind]
    return "\n".join(parts)


def no_failure(at) -> None:
    assert not at.exception
    assert not any("Something went wrong" in e.value for e in at.error)


def markdown_table(at, first_header: str) -> list[dict[str, str]]:
    """The rows of the markdown table whose first column is ``first_header``."""
    md = next(m.value for m in at.markdown if m.value.startswith(f"| {first_header} |"))
    lines = md.splitlines()
    header = [c.strip() for c in lines[0].strip("|").split(" | ")]
    return [dict(zip(header, (c.strip() for c in line.strip("|").split(" | ")), strict=True))
            for line in lines[2:]]


def metric(at, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


# --------------------------------------------------------------------------------------------
# The seed's examples
# --------------------------------------------------------------------------------------------


def test_seed_x2_plus_3y_partials_and_treat_y_as_constant():
    at = open_page("x^2 + 3y")
    no_failure(at)
    assert has(at, r"\frac{\partial f}{\partial x} = 2 x")
    assert has(at, r"\frac{\partial f}{\partial y} = 3")
    assert has(at, r"\nabla f\left(x, y\right) = \left[\begin{matrix}2 x\\3\end{matrix}\right]")
    # the step-by-step derivation of ∂f/∂x: y visibly held constant, ending in 2x
    assert has(at, r"\frac{\partial}{\partial x}\left[ x^{2} + 3 \textcolor{#E69F00}{y}")
    assert bodies(at).count("= 2 x") == 1
    assert "Treat y as a constant: only x varies." in texts(at)
    assert "constant rule (y is held constant)" in texts(at)
    # ... and of ∂f/∂y, x held constant, ending in 3
    at.radio(key="partials_var").set_value("y").run()
    no_failure(at)
    assert "Treat x as a constant: only y varies." in texts(at)
    assert "= 3" in bodies(at)
    assert has(at, r"\frac{\partial}{\partial y}\left[ \textcolor{#E69F00}{x}^{2} + 3 y")


def open_tab(at, name: str):
    """Open a tab of "What the gradient tells you" (they are lazy: only the open one runs)."""
    at.session_state[pv.W_TAB] = dict(pv.TABS)[name]
    at.run()
    return at


def test_tabs_are_lazy_and_the_open_one_is_in_the_link():
    at = open_page("x^2 + y^2", "0,0")
    assert not any(r"H\left(x, y\right)" in e.body for e in at.latex)  # Hessian tab closed
    assert "tab" not in at.query_params
    open_tab(at, "hessian")
    assert has(at, r"H\left(x, y\right) = \left[\begin{matrix}2 & 0\\0 & 2\end{matrix}\right]")
    assert at.query_params["tab"] == "hessian"
    assert not at.get("plotly_chart")  # the directional chart's tab is closed now
    linked = open_page("x^2 + y^2", "0,0", tab="check")
    assert any("the symbolic gradient is right" in s.value for s in linked.success)
    for hostile in ("nonsense", "<script>", "x" * 5000, "Hessian"):
        at = open_page("x^2 + y^2", "0,0", tab=hostile)
        no_failure(at)
        assert "tab" not in at.query_params


def test_seed_bowl_gradient_at_1_2():
    at = open_page("x^2 + y^2", "1,2")
    no_failure(at)
    assert has(at, r"\frac{\partial f}{\partial x} = 2 x")
    assert has(at, r"\nabla f\left(x, y\right) = \left[\begin{matrix}2 x\\2 y\end{matrix}\right]")
    assert has(at, r"\frac{\partial f}{\partial x}\left(1, 2\right) = 2 x = 2 \cdot 1 = 2")
    assert has(at, r"\frac{\partial f}{\partial y}\left(1, 2\right) = 2 y = 2 \cdot 2 = 4")
    assert has(at, r"\nabla f\left(1, 2\right) = \left[\begin{matrix}2\\4\end{matrix}\right]")
    assert has(at, r"\sqrt{2^{2} + 4^{2}} = \sqrt{20} = 2 \sqrt{5} \approx 4.47214")
    assert has(at, r"f\left(1, 2\right) = 5")
    assert metric(at, "Direction of steepest ascent") == "63.4°"
    assert has(at, r"\hat{u} = \frac{\nabla f}{\left\|\nabla f\right\|} = "
                   r"\left[\begin{matrix}0.447214\\0.894427\end{matrix}\right]")
    assert "a vector, not a number" in texts(at)
    assert "∇f points uphill" in texts(at) and "subtracts" in texts(at)
    open_tab(at, "check")
    assert "If your model can’t compute gradients correctly, it can’t learn." in texts(at)
    assert any("the symbolic gradient is right" in s.value for s in at.success)
    check = markdown_table(at, "variable")
    assert [row["symbolic ∂f/∂v"] for row in check] == ["2", "4"]
    assert [float(row["finite difference"]) for row in check] == pytest.approx([2, 4])
    open_tab(at, "tangent")
    assert has(at, r"L\left(x, y\right) = 5 + 2 \left(x - 1\right) + 4 \left(y - 2\right)")
    approx = markdown_table(at, "h")
    assert [row["h"] for row in approx] == ["0.5", "0.1", "0.01"]
    errors = [float(row[r"error \|f − L\|"]) for row in approx]
    assert errors[0] > errors[1] > errors[2] > 0


def test_seed_default_point_is_1_2():
    at = open_page("x^2 + y^2")
    assert has(at, r"\nabla f\left(1, 2\right) = \left[\begin{matrix}2\\4\end{matrix}\right]")


def test_seed_3xy_plus_y2():
    at = open_page("3xy + y^2", "1,2")
    no_failure(at)
    assert has(at, r"\frac{\partial f}{\partial x} = 3 y")
    assert has(at, r"\frac{\partial f}{\partial y} = 3 x + 2 y")
    assert has(at, r"\left[\begin{matrix}3 y\\3 x + 2 y\end{matrix}\right]")
    assert has(at, r"3 x + 2 y = 3 \cdot 1 + 2 \cdot 2 = 7")
    assert has(at, r"\nabla f\left(1, 2\right) = \left[\begin{matrix}6\\7\end{matrix}\right]")


def test_seed_xyz_three_variables():
    at = open_page("xyz", "1,2,3")
    no_failure(at)
    for var, result in (("x", "y z"), ("y", "x z"), ("z", "x y")):
        assert has(at, rf"\frac{{\partial f}}{{\partial {var}}} = {result}")
    assert has(at, r"\nabla f\left(x, y, z\right) = "
                   r"\left[\begin{matrix}y z\\x z\\x y\end{matrix}\right]")
    assert has(at, r"\nabla f\left(1, 2, 3\right) = \left[\begin{matrix}6\\3\\2\end{matrix}"
                   r"\right]")
    assert "Treat y and z as constants: only x varies." in texts(at)
    assert has(at, r"\left\|\nabla f\left(1, 2, 3\right)\right\| = "
                   r"\sqrt{6^{2} + 3^{2} + 2^{2}} = \sqrt{49} = 7")


# --------------------------------------------------------------------------------------------
# The point: shared state and URL, and what the page shows at it
# --------------------------------------------------------------------------------------------


def test_changing_the_point_updates_values_and_the_link():
    at = open_page("x^2 + y^2", "1,2")
    at.number_input(key="partials_pt_x").set_value(3.0).run()
    no_failure(at)
    assert has(at, r"\nabla f\left(3, 2\right) = \left[\begin{matrix}6\\4\end{matrix}\right]")
    assert at.query_params["p"] == "3,2"
    assert at.session_state["point"] == {"x": 3.0, "y": 2.0}
    at.number_input(key="partials_pt_y").set_value(-0.5).run()
    assert has(at, r"\nabla f\left(3, -0.5\right) = \left[\begin{matrix}6\\-1\end{matrix}"
                   r"\right]")
    assert at.query_params["p"] == "3,-0.5"


def test_point_from_another_page_is_used():
    at = open_page("x^2 + y^2")
    at.session_state["point"] = {"x": -1.0, "y": 4.0}  # as another page would set it
    at.run()
    assert at.number_input(key="partials_pt_x").value == -1.0
    assert has(at, r"\nabla f\left(-1, 4\right) = \left[\begin{matrix}-2\\8\end{matrix}\right]")


def test_far_away_shared_point_is_clamped_not_a_crash():
    at = open_page("x^2 + y^2")
    at.session_state["point"] = {"x": 5e9, "y": float("nan")}  # e.g. a diverged descent
    at.run()
    no_failure(at)
    assert at.number_input(key="partials_pt_x").value == 1e6
    # the non-finite coordinate falls back to the default point's (y = 2)
    assert has(at, r"\nabla f\left(1000000, 2\right) = \left[\begin{matrix}2000000\\4"
                   r"\end{matrix}\right]")


def test_directional_derivative_slider_and_table():
    at = open_page("x^2 + y^2", "1,2")
    assert metric(at, "Dᵤf") == "2"  # θ = 0: along x, equal to ∂f/∂x
    at.slider(key="partials_angle").set_value(90).run()
    no_failure(at)
    assert metric(at, "Dᵤf") == "4"
    assert metric(at, "Largest possible") == "4.47214"
    table = markdown_table(at, "direction")
    chosen = [row for row in table if row["direction"].startswith("**▶")]
    assert [row["angle"] for row in chosen] == ["90.0°"]
    rows = {row["direction"]: row["Dᵤf"] for row in table}
    assert rows["steepest ascent, along ∇f"] == "4.47214"
    assert rows["along the level curve"] == "0"
    assert rows["steepest descent, along −∇f"] == "-4.47214"
    at.slider(key="partials_angle").set_value(243).run()  # downhill
    assert float(metric(at, "Dᵤf")) < 0


def test_direction_vector_in_3d_and_zero_vector():
    at = open_page("xyz", "1,2,3")
    at.number_input(key="partials_dir_y").set_value(1.0).run()
    assert float(metric(at, "Dᵤf")) == pytest.approx((6 + 3) / math.sqrt(2), rel=1e-5)
    at.number_input(key="partials_dir_x").set_value(0.0).run()
    at.number_input(key="partials_dir_y").set_value(0.0).run()
    no_failure(at)
    assert any("non-zero" in w.value for w in at.warning)


def test_one_variable_function():
    at = open_page("x^3", "2")
    no_failure(at)
    assert has(at, r"\frac{\partial f}{\partial x} = 3 x^{2}")
    assert has(at, r"\nabla f\left(2\right) = \left[\begin{matrix}12\end{matrix}\right]")
    assert "ordinary derivative" in texts(at)


def test_saddle_at_the_origin():
    at = open_tab(open_page("x^2 - y^2", "0,0"), "hessian")
    no_failure(at)
    assert metric(at, "Critical point") == "saddle"
    assert any("saddle point" in s.value for s in at.success)
    assert "no direction of steepest ascent" in texts(at)


def test_minimum_and_hessian_values():
    at = open_tab(open_page("x^2 + y^2", "0,0"), "hessian")
    assert metric(at, "Critical point") == "minimum"
    assert has(at, r"H\left(x, y\right) = \left[\begin{matrix}2 & 0\\0 & 2\end{matrix}\right]")
    assert has(at, r"\lambda_{1 \ldots 2} = 2, 2")


@pytest.mark.parametrize("ex", gc.GALLERY, ids=lambda e: e.name)
@pytest.mark.parametrize("p", ["1,2", "0,0"])
def test_every_gallery_example_renders(ex, p):
    at = open_page(ex.text, p)
    no_failure(at)
    fn = gc.parse(ex.text)
    for var, g in zip(fn.variables, gc.gradient(fn), strict=True):
        assert has(at, pw.partial_latex(var, g)) or len(fn.variables) > 4
    assert has(at, r"\nabla f\left(")


# --------------------------------------------------------------------------------------------
# Hostile or awkward input: messages, never tracebacks
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("f", "p", "words"),
    [
        ("log(x)", "-1", "ln(x) needs x > 0, but here x = −1"),
        ("1/x", "0", "divides by x, which is 0 here"),
        ("ln(x y)", "1,-2", "needs x·y > 0"),
        ("x^100 + y", "1000000,1", "overflow"),
    ],
)
def test_undefined_point_shows_a_message(f, p, words):
    at = open_page(f, p)
    no_failure(at)
    assert any(words in w.value for w in at.warning), [w.value for w in at.warning]
    assert has(at, r"\text{undefined}")


def test_kink_shows_a_message_and_keeps_the_partial_that_exists():
    at = open_page("|x| + |y|", "0,1")
    no_failure(at)
    assert any("not differentiable" in w.value and "corner" in w.value for w in at.warning)
    assert has(at, r"\text{(undefined here)}")
    assert has(at, r"\left[\begin{matrix}\text{undefined}\\1\end{matrix}\right]")
    assert "No tangent plane here" in texts(open_tab(at, "tangent"))


@pytest.mark.parametrize(
    "f",
    [" + ".join(f"{k}x^{k}" for k in range(1, 61)),
     " + ".join(f"sin({k}x)y^{k % 5 + 1}" for k in range(1, 40))],
    ids=["60-term polynomial", "39-term trig sum"],
)
def test_big_expression_says_too_large(f):
    assert len(f) <= gc.LIMITS.max_length
    at = open_page(f)
    no_failure(at)
    assert any("too large to explain step by step" in i.value for i in at.info)
    assert has(at, r"\frac{\partial f}{\partial x} = ")


def test_big_power_product_renders():
    at = open_page("(x+y+1)^100 sin(x)^100", "1,2")
    no_failure(at)
    assert has(at, r"\frac{\partial f}{\partial y}\left(1, 2\right) = 100 \left(x + y + 1\right)")
    assert has(at, r"\approx 1.2819 \cdot 10^{54}")


def test_deep_nesting_needs_too_many_steps():
    f = "x"
    for _ in range(14):
        f = f"sin({f} + 1)"
    at = open_page(f)
    no_failure(at)
    assert any("more than" in i.value and "steps" in i.value for i in at.info)


def test_constant_function():
    at = open_page("5")
    no_failure(at)
    assert "A constant has no variables" in texts(at)


def test_hostile_link_falls_back_to_the_default():
    at = open_page("__import__('os').system('id')", "nan,1")
    no_failure(at)
    assert has(at, r"\nabla f\left(1, 2\right) = \left[\begin{matrix}2\\4\end{matrix}\right]")


# --------------------------------------------------------------------------------------------
# Property: every derivation the page shows is a chain of equalities ending in gc.partial
# --------------------------------------------------------------------------------------------

CORPUS = [
    "x^2 + 3y", "x^2 + y^2", "3xy + y^2", "xyz", "e^(x^2 y)", "|x| + |y|", "sin x cos y",
    "x/y", "ln(xy)", "sqrt(x^2 + y^2)", "(1 - x)^2 + 100(y - x^2)^2",
    "(x^2 + y - 11)^2 + (x + y^2 - 7)^2", "(x + 2y - 7)^2 + (2x + y - 5)^2",
    "(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
    "20 + x^2 - 10cos(2pi x) + y^2 - 10cos(2pi y)",
    "log(1 + e^(b - 2w)) + log(1 + e^(w - b)) + log(1 + e^(0.5w + b))",
    "atan2(y, x)", "x^y", "2^x y", "tan(xy)", "sigmoid(w x + b)", "x^3 y^2 z",
    "log(x, 2) + y", "asin(x/3) + acos(y/4)", "sinh x cosh y", "1/(1 + x^2 + y^2)",
    "x sin(1/x) + y", "sqrt(1 + x^2 y^2)", "(x^2 + 1)^(sin x + 2)", "tanh(x y) + sech x",
    "(x + y + z)^3", "e^x sin(x) ln(x^2 + 1) (x + y)", "|x y - 1|", "x^x", "theta^2 alpha",
]


def _random_points(n: int, k: int = 6, seed: int = 7) -> list[tuple[float, ...]]:
    rng = random.Random(seed)
    return [tuple(rng.uniform(0.3, 1.7) for _ in range(n)) for _ in range(k)]


def _as_values(expr: sp.Expr, variables, points) -> list[complex | None]:
    f = sp.lambdify(variables, expr, modules=["mpmath"])
    out: list[complex | None] = []
    for pt in points:
        try:
            v = complex(f(*pt))
        except (ZeroDivisionError, ValueError, TypeError, OverflowError):
            v = None
        if v is not None and not (math.isfinite(v.real) and math.isfinite(v.imag)):
            v = None
        out.append(v)
    return out


def _evaluate_step(expr: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """Carry out the step's pending ∂/∂var nodes (var real, as the engine assumes)."""
    r = sp.Dummy(var.name, real=True)
    return expr.xreplace({var: r}).doit().xreplace({r: var})


def check_page_derivation(text: str) -> None:
    loaded = state.load(text)  # the page's own cached loader: parse + bounded analysis
    assert loaded.error is None, loaded.error
    fn, analysis = loaded.fn, loaded.analysis
    points = _random_points(len(fn.variables))
    for i, var in enumerate(fn.variables):
        ex = pw.explain_partial(fn, var.name, reference=analysis.gradient[i], timeout=30)
        reference = gc.partial(fn, var)
        assert ex.result == reference
        assert ex.lines[0].startswith(r"\frac{\partial f}{\partial " + sp.latex(var) + "} = ")
        if ex.too_large:
            assert ex.lines[-1] == pw.partial_latex(var, reference)
            continue
        d = ex.derivation
        assert d.steps[-1].expr == reference
        assert ex.lines[-1] == "= " + to_latex(reference, d)
        assert len(ex.lines) == len(d.steps)
        ref_values = _as_values(reference, fn.variables, points)
        for step in d.steps:
            values = _as_values(_evaluate_step(step.expr, var), fn.variables, points)
            compared = 0
            for a, b in zip(values, ref_values, strict=True):
                if a is None or b is None:
                    continue
                compared += 1
                assert abs(a - b) <= 1e-7 * (1 + abs(b)), (text, var, step.expr)
            assert compared >= 2 or all(v is None for v in ref_values), (text, step.expr)


@pytest.mark.parametrize("text", CORPUS)
def test_every_derivation_is_valid_and_ends_in_the_partial(text):
    check_page_derivation(text)


_VARS = st.sampled_from(["x", "y", "z"])
_ATOM = st.one_of(_VARS, st.integers(1, 9).map(str))


def _term(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(children, st.integers(2, 4)).map(lambda t: f"({t[0]})^{t[1]}"),
        st.tuples(st.sampled_from(["sin", "cos", "exp", "ln", "sqrt", "atan", "tanh"]),
                  children).map(lambda t: f"{t[0]}({t[1]})"),
    )


EXPRESSIONS = st.recursive(_ATOM, _term, max_leaves=8)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(EXPRESSIONS)
def test_random_functions_derivations_are_valid(text):
    try:
        fn = gc.parse(text)
    except gc.ParseError:
        return
    if not fn.variables:
        return
    check_page_derivation(text)


def test_page_shows_the_loader_lines():
    """What the page renders is exactly what explain_partial gives (for each variable)."""
    text = "sigmoid(w x + b)"
    at = open_page(text)
    loaded = state.load(text)
    for i, name in enumerate(loaded.fn.names):
        at.radio(key="partials_var").set_value(name).run()
        ex = pw.explain_partial(loaded.fn, name, reference=loaded.analysis.gradient[i])
        shown = bodies(at)
        for line in ex.lines:
            assert line in shown, (name, line)


# --------------------------------------------------------------------------------------------
# Share links: the direction (dir) and the explained variable (var)
# --------------------------------------------------------------------------------------------


def open_link(direct: bool = False, **params: str) -> AppTest:
    """A fresh session on a share link with any parameters: ``direct`` opens the Partial
    derivatives page on the first run, otherwise the session starts on the Function page
    and navigates there."""
    at = AppTest.from_file("../app.py", default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    if not direct:
        at.run()
    at.switch_page(PAGE).run()
    no_failure(at)
    return at


def share_box(at) -> str:
    return " ".join(c.value for c in at.code if "?" in c.value)


@pytest.mark.parametrize("direct", [True, False], ids=["first-load", "navigation"])
def test_link_sets_the_angle_and_the_explained_variable(direct):
    at = open_link(direct, f="x^2 + y^2", p="1,2", dir="90", var="y")
    assert at.slider(key="partials_angle").value == 90
    assert metric(at, "Dᵤf") == "4"  # along y: ∂f/∂y
    assert at.radio(key="partials_var").value == "y"
    assert "Treat x as a constant: only y varies." in texts(at)
    assert at.query_params["dir"] == "90" and at.query_params["var"] == "y"
    assert "dir=90" in share_box(at) and "var=y" in share_box(at)


def test_angle_and_variable_widgets_write_the_link():
    at = open_link(f="x^2 + y^2", p="1,2")
    assert "dir" not in at.query_params and "var" not in at.query_params  # defaults
    at.slider(key="partials_angle").set_value(135).run()
    at.radio(key="partials_var").set_value("y").run()
    no_failure(at)
    assert at.query_params["dir"] == "135" and at.query_params["var"] == "y"
    assert "dir=135" in share_box(at) and "var=y" in share_box(at)  # not a run behind
    at.slider(key="partials_angle").set_value(0).run()
    at.radio(key="partials_var").set_value("x").run()
    assert "dir" not in at.query_params and "var" not in at.query_params


def test_direction_and_variable_survive_a_visit_to_another_page():
    at = open_link(f="x^2 + y^2", p="1,2")
    at.slider(key="partials_angle").set_value(200).run()
    at.radio(key="partials_var").set_value("y").run()
    at.switch_page("pages/function.py").run()
    at.switch_page(PAGE).run()
    no_failure(at)
    assert at.slider(key="partials_angle").value == 200
    assert at.radio(key="partials_var").value == "y"
    assert at.query_params["dir"] == "200"


def test_link_sets_the_one_variable_direction():
    at = open_link(f="x^3", p="2", dir="-1")
    assert at.radio(key="partials_dir1").value == "−"
    assert metric(at, "Dᵤf") == "-12"
    at.radio(key="partials_dir1").set_value("+").run()
    assert "dir" not in at.query_params
    at.radio(key="partials_dir1").set_value("−").run()
    assert at.query_params["dir"] == "-1"


def test_link_sets_the_direction_vector_and_the_variable_in_3d():
    at = open_link(f="xyz", p="1,2,3", dir="0,1,-1", var="z")
    values = [at.number_input(key=f"partials_dir_{n}").value for n in "xyz"]
    assert values == [0.0, 1.0, -1.0]
    assert float(metric(at, "Dᵤf")) == pytest.approx((3 - 2) / math.sqrt(2), rel=1e-5)
    assert at.radio(key="partials_var").value == "z"
    at.number_input(key="partials_dir_x").set_value(2.5).run()
    assert at.query_params["dir"] == "2.5,1,-1"
    assert "dir=2.5%2C1%2C-1" in share_box(at)


@pytest.mark.parametrize(("f", "params"), [
    ("x^2 + y^2", {"dir": "abc", "var": "w"}),
    ("x^2 + y^2", {"dir": "nan", "var": "<script>alert(1)</script>"}),
    ("x^2 + y^2", {"dir": "inf", "var": "x" * 5000}),
    ("x^2 + y^2", {"dir": "1e999", "var": "__class__"}),
    ("x^2 + y^2", {"dir": "1e9"}),
    ("x^2 + y^2", {"dir": "45,45"}),
    ("x^2 + y^2", {"dir": "9" * 5000}),
    ("x^3", {"dir": "0", "var": "x"}),
    ("x^3", {"dir": "-inf"}),
    ("xyz", {"dir": "1,2", "var": "Z"}),
    ("xyz", {"dir": "1,nan,0"}),
    ("xyz", {"dir": "1e9,0,0"}),
    ("xyz", {"dir": "1,0,0,0"}),
])
def test_hostile_direction_and_variable_are_ignored(f, params):
    at = open_link(f=f, **params)
    assert not at.error
    n = len(gc.parse(f).names)
    if n == 1:
        assert at.radio(key="partials_dir1").value == "+"
    elif n == 2:
        assert at.slider(key="partials_angle").value == 0
    else:
        assert [at.number_input(key=f"partials_dir_{v}").value for v in "xyz"] == [1, 0, 0]
    if n > 1:
        assert at.radio(key="partials_var").value == "x"
    assert "dir" not in at.query_params and "var" not in at.query_params


def test_link_angle_is_taken_modulo_360():
    at = open_link(f="x^2 + y^2", p="1,2", dir="-90.4")
    assert at.slider(key="partials_angle").value == 270
    assert at.query_params["dir"] == "270"


def test_read_link_unit():
    from gradapp import partials_view as pv

    assert pv.read_link({"dir": "45", "var": "y"}, ("x", "y")) == {"angle": 45, "var": "y"}
    assert pv.read_link({"dir": "-3"}, ("x",)) == {"sign": "−"}
    assert pv.read_link({"dir": "1,0,2"}, ("x", "y", "z")) == {
        "vector": {"x": 1.0, "y": 0.0, "z": 2.0}}
    assert pv.read_link({"var": "x"}, ("x",)) == {}  # one variable: nothing to choose
    assert pv.read_link({"dir": "1,0", "var": "q"}, ("x", "y", "z")) == {}


def test_regression_the_uphill_step_shows_enough_digits_to_see_f_change():
    # "raises f (1e+10 → 1e+10) … f drops (1e+10 → 1e+10)": 6 digits hid the change
    at = open_page("10^10 + x^2 + y^2", "1,2")
    text = next(m.value for m in at.markdown if "points uphill" in m.value)
    numbers = re.findall(r"\(([\d.e+]+) → ([\d.e+]+)\)", text)
    assert len(numbers) == 2 and all(a != b for a, b in numbers), text


@pytest.mark.parametrize(("f", "p"), [("sqrt(x) + y", "0,1"), ("sqrt(x^2 + y^2)", "0,0"),
                                      ("acosh(x) + y", "1,2")])
def test_regression_the_hessian_tab_at_a_non_smooth_point_explains_not_crashes(f, p):
    # red team and maths audit: "Something went wrong on this page" (a ZeroDivisionError
    # from the Hessian evaluated with Python floats)
    at = open_page(f, p, tab="hessian")
    text = texts(at)
    assert "Something went wrong" not in text
    assert "no Hessian at this point" in text


def test_regression_the_error_caption_says_what_the_table_shows():
    # maths audit: "ten times closer gives about a hundred times smaller error" under a
    # column of rounding errors (x² − y² is linear along (1, 1)) and under an 8x drop
    at = open_page("x^2 - y^2", "1,2", tab="tangent")
    assert "exactly linear" in texts(at)
    at = open_page("x^2 y^3", "1.2,-0.7", tab="tangent")
    assert "made it 8.39 times smaller" in texts(at) and "higher powers" in texts(at)
    at = open_page("x^2 + y^2", "1,2", tab="tangent")
    assert "made it 100 times smaller" in texts(at) and "higher powers" not in texts(at)


def test_regression_projected_point_lines_are_as_large_as_f_of_a():
    # teacher QA: projected, "∂f/∂x(1, 2) = 2x = 2·1 = 2" and ‖∇f‖ rendered smaller than
    # f(1, 2) just above them
    wanted = (r"\frac{\partial f}{\partial x}\left(1, 2\right)",
              r"\frac{\partial f}{\partial y}\left(1, 2\right)", r"\left\|\nabla f", r"\hat{u}")

    def sizes(at) -> dict[str, str]:
        out = {}
        for el in at.latex:
            body = el.body.replace("$$", "").strip()
            for w in wanted:
                if w in body and w not in out:
                    out[w] = body.split(" ", 1)[0] if body.startswith("\\LARGE") else ""
        return out

    assert sizes(open_page("x^2 + y^2", "1,2", proj="1")) == dict.fromkeys(wanted, r"\LARGE")
    assert sizes(open_page("x^2 + y^2", "1,2")) == dict.fromkeys(wanted, "")
