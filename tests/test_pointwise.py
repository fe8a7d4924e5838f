"""Unit tests of gradcore._pointwise: the maths the Partial derivatives page shows at a point."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import gradcore as gc
from gradcore import _pointwise as pw


def report(text: str, point):
    fn = gc.parse(text)
    return fn, pw.at_point(fn, point)


# --------------------------------------------------------------------------------------------
# The seed's values
# --------------------------------------------------------------------------------------------


def test_seed_bowl_at_1_2():
    fn, r = report("x^2 + y^2", (1, 2))
    assert r.value == 5
    np.testing.assert_array_equal(r.gradient, [2, 4])
    assert r.norm == pytest.approx(math.sqrt(20))
    np.testing.assert_allclose(r.direction, np.array([1, 2]) / math.sqrt(5))
    assert r.angle == pytest.approx(math.degrees(math.atan2(2, 1)))
    assert r.defined and r.differentiable and r.reason is None
    assert not r.critical and not r.nearly_critical


@pytest.mark.parametrize(
    ("text", "point", "expected"),
    [
        ("x^2 + 3y", (1, 2), [2, 3]),
        ("x^2 + 3y", (-4, 7), [-8, 3]),
        ("3xy + y^2", (1, 2), [6, 7]),  # [3y, 3x + 2y]
        ("xyz", (1, 2, 3), [6, 3, 2]),  # [yz, xz, xy]
        ("e^(x^2 y)", (1, 0), [0, 1]),
    ],
)
def test_seed_gradients(text, point, expected):
    fn, r = report(text, point)
    np.testing.assert_allclose(r.gradient, expected)
    np.testing.assert_allclose(r.gradient, gc.gradient_at(fn, point))
    assert r.angle is None if len(point) != 2 else r.angle is not None


def test_point_as_mapping_and_wrong_length():
    fn = gc.parse("x^2 + y^2")
    np.testing.assert_array_equal(pw.at_point(fn, {"y": 2, "x": 1}).gradient, [2, 4])
    with pytest.raises(ValueError):
        pw.at_point(fn, (1, 2, 3))


def test_constant_function_has_no_gradient():
    fn = gc.parse("5")
    r = pw.at_point(fn, ())
    assert r.value == 5 and not r.differentiable and "constant" in r.reason


# --------------------------------------------------------------------------------------------
# Directional derivatives
# --------------------------------------------------------------------------------------------


def test_directional_derivative_largest_along_gradient_equals_norm():
    fn, r = report("x^2 + y^2", (1, 2))
    angles = np.arange(0, 360, 0.1)
    values = [pw.directional_derivative(fn, (1, 2), pw.direction_from_angle(a), r).value
              for a in angles]
    best = int(np.argmax(values))
    assert values[best] == pytest.approx(r.norm, rel=1e-5)
    assert angles[best] == pytest.approx(r.angle, abs=0.1)
    along = pw.directional_derivative(fn, (1, 2), r.gradient, r)
    assert along.value == pytest.approx(r.norm) and along.angle_to_gradient == pytest.approx(0)


def test_directional_derivative_zero_along_level_curve_negative_downhill():
    fn, r = report("x^2 + y^2", (1, 2))
    level = pw.directional_derivative(fn, (1, 2), (-4, 2), r)  # ⟂ ∇f = (2, 4)
    assert level.value == pytest.approx(0, abs=1e-12)
    assert level.angle_to_gradient == pytest.approx(90)
    down = pw.directional_derivative(fn, (1, 2), (-2, -4), r)
    assert down.value == pytest.approx(-r.norm)
    assert pw.directional_derivative(fn, (1, 2), (-1, 0), r).value < 0


def test_directional_derivative_normalises_and_rejects_zero():
    fn, r = report("3xy + y^2", (1, 2))
    a = pw.directional_derivative(fn, (1, 2), (3, 4), r)
    b = pw.directional_derivative(fn, (1, 2), (30, 40), r)
    assert a.value == pytest.approx(b.value) == pytest.approx((6 * 3 + 7 * 4) / 5)
    np.testing.assert_allclose(np.linalg.norm(a.unit), 1)
    for bad in [(0, 0), (math.nan, 1), (1,)]:
        with pytest.raises(ValueError):
            pw.directional_derivative(fn, (1, 2), bad, r)


def test_directional_derivative_3d():
    fn, r = report("xyz", (1, 2, 3))
    dd = pw.directional_derivative(fn, (1, 2, 3), (1, 1, 1), r)
    assert dd.value == pytest.approx((6 + 3 + 2) / math.sqrt(3))


def test_direction_table_facts():
    fn, r = report("x^2 + y^2", (1, 2))
    rows = pw.direction_table(r, pw.direction_from_angle(30), fn.names)
    by = {row.label: row for row in rows}
    assert by["steepest ascent, along ∇f"].value == pytest.approx(r.norm)
    assert max(row.value for row in rows) == pytest.approx(r.norm)
    assert by["along the level curve"].value == pytest.approx(0, abs=1e-12)
    assert by["steepest descent, along −∇f"].value == pytest.approx(-r.norm)
    assert by["along the x-axis"].value == pytest.approx(2)
    assert by["along the y-axis"].value == pytest.approx(4)
    chosen = [row for row in rows if row.chosen]
    assert len(chosen) == 1 and chosen[0].angle == pytest.approx(30)
    angles = [row.angle for row in rows]
    assert angles == sorted(angles)
    for row in rows:
        assert np.linalg.norm(row.unit) == pytest.approx(1)


def test_direction_table_3d_level_direction_is_perpendicular():
    fn, r = report("xyz", (1, 2, 3))
    rows = pw.direction_table(r, (0, 0, 1), fn.names)
    level = next(row for row in rows if row.label.startswith("along the level"))
    assert np.dot(level.unit, r.gradient) == pytest.approx(0, abs=1e-12)
    assert all(row.angle is None for row in rows)


# --------------------------------------------------------------------------------------------
# Tangent plane and linear approximation
# --------------------------------------------------------------------------------------------


def test_tangent_plane_of_the_bowl():
    fn = gc.parse("x^2 + y^2")
    x, y = fn.variables
    plane = pw.tangent_plane(fn, (1, 2))
    assert sp.expand(plane - (5 + 2 * (x - 1) + 4 * (y - 2))) == 0
    assert pw.tangent_plane_latex(fn, plane) == (
        r"L\left(x, y\right) = 5 + 2 \left(x - 1\right) + 4 \left(y - 2\right)")


def test_tangent_plane_values_and_zero_terms():
    fn = gc.parse("xyz")
    x, y, z = fn.variables
    assert sp.expand(pw.tangent_plane(fn, (0, 1, 2)) - 2 * x) == 0
    fn = gc.parse("sin(x) cos(y)")
    x, y = fn.variables
    plane = pw.tangent_plane(fn, (1, 0.5))
    f = sp.lambdify((x, y), plane)
    a = (1.0, 0.5)
    assert f(*a) == pytest.approx(math.sin(1) * math.cos(0.5), rel=1e-5)
    g = gc.gradient_at(fn, a)
    assert f(1.1, 0.5) - f(*a) == pytest.approx(0.1 * g[0], rel=1e-4)


def test_tangent_plane_with_exact_inputs_and_at_a_kink():
    fn = gc.parse("x^2 + y^2")
    plane = pw.tangent_plane(fn, (1.5, -2), sp.Rational(25, 4), [3, -4])
    tex = pw.tangent_plane_latex(fn, plane)
    assert "x - 1.5" in tex and "y + 2" in tex and "6.25" in tex
    with pytest.raises(ValueError):
        pw.tangent_plane(gc.parse("|x| + y"), (0, 1))


def test_linear_approximation_error_shrinks_like_h_squared():
    fn, r = report("e^(x^2 y)", (0.5, 1))
    rows = pw.linear_approximation(fn, (0.5, 1), report=r)
    assert [row.h for row in rows] == [0.5, 0.1, 0.01]
    for row in rows:
        assert row.error == pytest.approx(abs(row.f - row.linear))
    ratio = rows[1].error / rows[2].error
    assert 50 < ratio < 200  # ~ (0.1 / 0.01)^2 = 100
    fn, r = report("|x| + y", (0, 1))
    assert pw.linear_approximation(fn, (0, 1), report=r) == []


def test_descent_step_goes_downhill_and_ascent_uphill():
    fn, r = report("x^2 + y^2", (1, 2))
    step = pw.descent_step(fn, r)
    assert step.rate == 0.01
    assert step.downhill == pytest.approx((0.98, 1.96))
    assert step.f_downhill < step.f_start < step.f_uphill
    assert step.f_start - step.f_downhill == pytest.approx(step.predicted_change, rel=0.02)
    steep = pw.descent_step(*report("(1 - x)^2 + 100(y - x^2)^2", (-1.5, 2)))
    assert steep.rate < 0.01  # shrunk so that the step is at most 0.1 long
    assert np.linalg.norm(np.subtract(steep.downhill, steep.start)) <= 0.1 + 1e-12
    assert steep.f_downhill < steep.f_start < steep.f_uphill
    assert pw.descent_step(*report("x^2 + y^2", (0, 0))) is None


# --------------------------------------------------------------------------------------------
# Hessian and the classification of critical points
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [("x^2 + y^2", "minimum"), ("-x^2 - y^2", "maximum"), ("x^2 - y^2", "saddle"),
     ("x^4 + y^4", "undecided"), ("x^2 + y^4", "undecided"), ("x^2 y^2 + x^2 + 3 y^2",
                                                              "minimum")],
)
def test_classification_at_the_origin(text, kind):
    fn, r = report(text, (0, 0))
    assert r.critical
    assert pw.classify_critical_point(pw.hessian_at(fn, (0, 0))) == kind
    hr = pw.hessian_report(fn, r)
    assert hr.critical and hr.kind == kind
    words = {"minimum": "local minimum", "maximum": "local maximum", "saddle": "saddle point",
             "undecided": "cannot decide"}
    assert words[kind] in hr.explanation


def test_classification_from_matrices():
    assert pw.classify_critical_point([[2, 0], [0, 3]]) == "minimum"
    assert pw.classify_critical_point([[-2, 1], [1, -3]]) == "maximum"
    assert pw.classify_critical_point([[0, 1], [1, 0]]) == "saddle"
    assert pw.classify_critical_point([[0, 0], [0, 0]]) == "undecided"
    assert pw.classify_critical_point([[1e-12, 0], [0, 5]]) == "undecided"
    assert pw.classify_critical_point([[math.nan, 0], [0, 1]]) == "undefined"
    assert pw.classify_critical_point(np.zeros((0, 0))) == "undefined"
    assert pw.classify_critical_point([[4]]) == "minimum"


def test_rosenbrock_minimum_and_himmelblau():
    fn, r = report("(1 - x)^2 + 100(y - x^2)^2", (1, 1))
    assert r.critical
    hr = pw.hessian_report(fn, r)
    assert hr.kind == "minimum"
    np.testing.assert_allclose(hr.matrix, [[802, -400], [-400, 200]])
    fn, r = report("(x^2 + y - 11)^2 + (x + y^2 - 7)^2", (3, 2))
    assert r.critical and pw.hessian_report(fn, r).kind == "minimum"


def test_hessian_away_from_critical_points_describes_curvature():
    fn, r = report("x^2 - y^2", (1, 2))
    hr = pw.hessian_report(fn, r)
    assert not hr.critical and hr.kind == "saddle" and "not a critical point" in hr.explanation
    np.testing.assert_allclose(hr.eigenvalues, [-2, 2])
    fn, r = report("x^2 + y^2", (1e-4, 0))
    assert r.nearly_critical and not r.critical
    assert "probably close by" in pw.hessian_report(fn, r).explanation


def test_hessian_is_compiled_once_per_function():
    fn = gc.parse("x^3 y + sin(x y)")
    assert pw.compile_hessian(fn) is pw.compile_hessian(gc.parse("x^3 y + sin(x y)"))
    h = pw.hessian_at(fn, (0.3, -0.7))
    x, y = fn.variables
    # the test's own reference (the app never substitutes point by point)
    exact = sp.hessian(fn.expr, (x, y)).subs({x: 0.3, y: -0.7})
    np.testing.assert_allclose(h, np.array(exact, dtype=float), rtol=1e-12)
    np.testing.assert_allclose(h, h.T)


def test_hessian_of_abs_away_from_kink_and_undefined_point():
    fn, r = report("|x| + y^2", (1, 1))
    np.testing.assert_allclose(pw.hessian_at(fn, (1, 1)), [[0, 0], [0, 2]])
    fn, r = report("log(x)", (-1,))
    assert pw.hessian_report(fn, r).kind == "undefined"


# --------------------------------------------------------------------------------------------
# Where the gradient does not exist
# --------------------------------------------------------------------------------------------


def test_kink_of_abs_x():
    fn, r = report("|x|", (0,))
    assert r.defined and r.value == 0
    assert not r.differentiable and math.isnan(r.gradient[0]) and math.isnan(r.norm)
    assert "corner" in r.reason and "|x|" in r.reason and "∂f/∂x does not exist" in r.reason
    assert pw.nondifferentiable_reason(fn, (0,)) == r.reason
    assert pw.nondifferentiable_reason(fn, (0.5,)) is None
    assert pw.directional_derivative(fn, (0,), (1,), r).value != pw.directional_derivative(
        fn, (0,), (1,), r).value  # NaN: no ∇f·u at a corner


def test_kink_of_abs_in_two_variables_keeps_the_partial_that_exists():
    fn, r = report("|x| + |y|", (0, 1))
    assert not r.differentiable
    assert math.isnan(r.gradient[0]) and r.gradient[1] == 1
    assert "∂f/∂x does not exist" in r.reason
    fn, r = report("|x| + |y|", (0, 0))
    assert np.isnan(r.gradient).all()
    fn, r = report("|x - y|", (1.5, 1.5))
    assert not r.differentiable
    fn, r = report("|x + y - 0.3|", (0.1, 0.2))  # on the kink up to rounding
    assert not r.differentiable


@pytest.mark.parametrize(
    ("text", "point"),
    [("|x|^3 + y", (0, 1)), ("|x| y", (0, 0)), ("|x|", (1e-3,)), ("|x| + |y|", (1, -2)),
     ("sqrt(x^2 + y^2 + 1)", (0, 0)), ("x^(5/2) + y", (1, 1))],
)
def test_candidates_that_are_differentiable_after_all(text, point):
    fn, r = report(text, point)
    assert r.differentiable, r.reason
    assert pw.nondifferentiable_reason(fn, point) is None
    np.testing.assert_allclose(r.gradient, gc.gradient_at(fn, point))


@pytest.mark.parametrize(
    ("text", "point", "words"),
    [
        ("sqrt(x^2 + y^2)", (0, 0), "not differentiable"),
        ("sqrt(x)", (0,), "one side"),
        ("sqrt(|x y|)", (0, 0), "crease"),
        ("atan2(y, x)", (-1, 0), "cut"),
        ("asin(x)", (1,), "vertical"),
        ("x^(2/3)", (0,), "not differentiable"),
    ],
)
def test_other_non_differentiable_points(text, point, words):
    fn, r = report(text, point)
    assert r.defined and not r.differentiable
    assert words in r.reason
    assert math.isnan(r.norm) and np.isnan(r.direction).all()


@pytest.mark.parametrize(
    ("text", "point", "words"),
    [
        ("log(x)", (-1,), "ln(x) needs x > 0, but here x = −1"),
        ("log(x)", (0,), "ln 0"),
        ("log(x y)", (1, -2), "ln(x·y) needs x·y > 0"),
        ("1/x", (0,), "divides by x"),
        ("x/(x^2 + y^2)", (0, 0), "divides by x^2 + y^2"),
        ("sqrt(x)", (-4,), "not a real number"),
        ("asin(x)", (2,), "−1 ≤ x ≤ 1"),
        ("atan2(y, x)", (0, 0), "origin"),
        ("cot(x)", (0,), "divides by zero"),
        ("x^y", (-1, 0.5), "x > 0"),
        ("x^100", (1e6,), "overflow"),
    ],
)
def test_undefined_points(text, point, words):
    fn, r = report(text, point)
    assert not r.defined and not r.differentiable and math.isnan(r.value)
    assert words in r.reason
    assert np.isnan(r.gradient).all()


def test_reasons_are_markdown_safe():
    cases = [("|x_1| + y", None), ("|x1 y| + y", (0, 1)), ("log(x1 y)", (-1, 1)),
             ("sqrt(x^2*y^2)", (0, 1)), ("1/(x*y)", (0, 1))]
    for text, point in cases:
        try:
            fn = gc.parse(text)
        except gc.ParseError:
            continue
        r = pw.at_point(fn, point or [0.0] * len(fn.variables))
        assert r.reason
        for ch in "*_`$[]#\\":
            assert ch not in r.reason, (text, r.reason)
        assert not re.search(r"<[a-zA-Z/!]", r.reason) and not r.reason.startswith(">")


# --------------------------------------------------------------------------------------------
# Agreement with the compiled gradient on many points (property)
# --------------------------------------------------------------------------------------------

SMOOTH = ["x^2 + y^2", "3xy + y^2", "sin(x) cos(y)", "e^(x^2 y)", "(1 - x)^2 + 100(y - x^2)^2",
          "log(1 + x^2 + y^2)", "x^3 - 3x y^2", "atan(x y)"]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SMOOTH), st.floats(-3, 3), st.floats(-3, 3))
def test_report_matches_compiled_gradient(text, a, b):
    fn, r = report(text, (a, b))
    assert r.differentiable
    g = gc.gradient_at(fn, (a, b))
    np.testing.assert_allclose(r.gradient, g)
    assert r.norm == pytest.approx(float(np.linalg.norm(g)))
    if r.norm > 0:
        dd = pw.directional_derivative(fn, (a, b), r.direction, r)
        assert dd.value == pytest.approx(r.norm)


# --------------------------------------------------------------------------------------------
# Exact display of the substitution
# --------------------------------------------------------------------------------------------


def test_exact_point_reads_the_typed_decimal():
    assert pw.exact_point([1.2000000000000002, 0.1, -3, 1e-7]) == (
        sp.Rational(6, 5), sp.Rational(1, 10), -3, sp.Rational(1, 10**7))
    with pytest.raises(ValueError):
        pw.exact_point([math.inf])


def test_substitution_lines_for_the_seed_example():
    fn, r = report("x^2 + y^2", (1, 2))
    d = pw.display_at(fn, (1, 2))
    assert pw.substitution_latex(fn, 0, r, d) == (
        r"\frac{\partial f}{\partial x}\left(1, 2\right) = 2 x = 2 \cdot 1 = 2")
    assert pw.substitution_latex(fn, 1, r, d).endswith(r"= 2 y = 2 \cdot 2 = 4")
    assert pw.gradient_at_latex(r, d) == (
        r"\nabla f\left(1, 2\right) = \left[\begin{matrix}2\\4\end{matrix}\right]")
    norm = pw.norm_latex(r, d)
    assert r"\sqrt{2^{2} + 4^{2}} = \sqrt{20} = 2 \sqrt{5} \approx 4.47214" in norm
    assert pw.value_latex(fn, r, d) == r"f\left(1, 2\right) = 5"


def test_substitution_with_negative_and_decimal_coordinates():
    fn, r = report("3xy + y^2", (-1, 0.5))
    d = pw.display_at(fn, (-1, 0.5))
    assert pw.substitution_latex(fn, 0, r, d).endswith(r"3 y = 3 \cdot 0.5 = 1.5")
    line = pw.substitution_latex(fn, 1, r, d)
    assert r"3 \cdot \left(-1\right) + 2 \cdot 0.5 = -2" in line
    assert pw.value_latex(fn, r, d) == r"f\left(-1, 0.5\right) = -1.25"


def test_substitution_irrational_values_show_decimals_and_constants_stay_short():
    fn, r = report("sin(x) cos(y) + 3z", (1, 0.5, 2))
    d = pw.display_at(fn, (1, 0.5, 2))
    line = pw.substitution_latex(fn, 0, r, d)
    assert r"\cos{\left(1 \right)} \cdot \cos{\left(0.5 \right)} \approx 0.47416" in line
    assert pw.substitution_latex(fn, 2, r, d).endswith(r"\right) = 3")
    assert r"\approx" in pw.gradient_at_latex(r, d) or "0.47416" in pw.gradient_at_latex(r, d)


def test_substitution_at_a_kink_says_undefined():
    fn, r = report("|x| + |y|", (0, 1))
    d = pw.display_at(fn, (0, 1))
    assert r"\text{(undefined here)}" in pw.substitution_latex(fn, 0, r, d)
    assert pw.substitution_latex(fn, 1, r, d).endswith("= 1")
    assert r"\text{undefined}" in pw.gradient_at_latex(r, d)
    assert pw.norm_latex(r, d).endswith(r"\text{undefined}")


def test_display_of_a_big_expression_is_prompt_and_numeric():
    fn, r = report("(x+y+1)^100 sin(x)^100", (1, 2))
    d = pw.display_at(fn, (1, 2), timeout=30)
    assert d is not None
    line = pw.substitution_latex(fn, 1, r, d)
    assert r"\approx 1.2819 \cdot 10^{54}" in line
    fn, r = report(" + ".join(f"{k}x^{k}" for k in range(1, 61)), (1,))
    d = pw.display_at(fn, (1,), timeout=30)
    assert pw.substitution_latex(fn, 0, r, d) == (
        r"\frac{\partial f}{\partial x}\left(1\right) = 73810")


def test_display_at_without_worker_time_returns_none():
    fn = gc.parse("x^2 + y^2")
    assert pw.display_at(fn, (1, 2), timeout=1e-6) is None
    _, r = report("x^2 + y^2", (1, 2))
    assert pw.substitution_latex(fn, 0, r, None).endswith("= 2")
    assert pw.norm_latex(r, None).endswith("4.47214")


def test_matrix_latex_and_eigenvalues():
    assert pw.matrix_latex(np.array([[2.0, 0.5], [math.nan, 1e-7]])) == (
        r"\left[\begin{matrix}2 & 0.5\\\text{undefined} & 1.0 \cdot 10^{-7}\end{matrix}\right]")
    assert pw.eigenvalues_latex(np.array([2.0, 2.0])) == r"\lambda_{1 \ldots 2} = 2, 2"


# --------------------------------------------------------------------------------------------
# Step-by-step explanation with its fallbacks
# --------------------------------------------------------------------------------------------


def test_explain_partial_seed():
    fn = gc.parse("x^2 + 3y")
    ex = pw.explain_partial(fn, "x")
    assert ex.result == gc.partial(fn, "x") and ex.message == "" and not ex.too_large
    assert ex.lines[-1] == "= 2 x"
    assert "Treat y as a constant" in ex.notes[0]
    assert any(r.startswith("constant rule (y is held constant)") for rs in ex.rules for r in rs)
    assert len(ex.lines) == len(ex.notes) == len(ex.rules)
    ex = pw.explain_partial(fn, "y")
    assert ex.lines[-1] == "= 3"


def test_explain_partial_too_large_and_timeout():
    fn = gc.parse(" + ".join(f"{k}x^{k}" for k in range(1, 61)))
    ex = pw.explain_partial(fn, "x")
    assert ex.too_large and "too large" in ex.message
    assert ex.lines == (pw.partial_latex(fn.variables[0], gc.partial(fn, "x")),)
    fn = gc.parse("sin(x) cos(y)")
    ex = pw.explain_partial(fn, "y", timeout=1e-6)
    assert ex.derivation is None and "took longer" in ex.message and not ex.retry
    assert ex.lines[-1] == r"\frac{\partial f}{\partial y} = " + sp.latex(gc.partial(fn, "y"))


def test_partial_and_gradient_latex():
    fn = gc.parse("xyz")
    assert pw.gradient_latex(fn, gc.gradient(fn)) == (
        r"\nabla f\left(x, y, z\right) = \left[\begin{matrix}y z\\x z\\x y\end{matrix}\right]")
    assert pw.partial_latex(fn.variables[2], gc.partial(fn, "z")) == (
        r"\frac{\partial f}{\partial z} = x y")


def test_directional_curve_peaks_along_the_gradient_and_vanishes_on_the_level_curve():
    import numpy as np

    from gradcore import _pointwise as pw

    fn = gc.parse("x^2 + y^2")
    report = pw.at_point(fn, (1, 2))
    angles, values = pw.directional_curve(report)
    peak = angles[np.argmax(values)]
    assert abs(peak - np.degrees(np.arctan2(4, 2))) <= 1.0
    assert np.max(values) == pytest.approx(np.hypot(2, 4), rel=1e-4)
    assert np.min(np.abs(values)) < 0.05
    assert pw.directional_curve(pw.at_point(gc.parse("xyz"), (1, 2, 3)))[0].size == 0


def test_regression_isolated_points_are_not_called_a_domain_edge():
    # (-1)^x is real only at whole x: at x = 1 it has no value on either side, and the
    # report said "defined on one side of this point only (the edge of its domain)"
    r = gc.at_point(gc.parse("(-1)^x + y^2"), [1.0, 2.0])
    assert not r.differentiable
    assert "on either side" in r.reason and "one side of this point only" not in r.reason
    edge = gc.at_point(gc.parse("sqrt(x) + y"), [0.0, 2.0])
    assert "one side of this point only" in edge.reason


@pytest.mark.parametrize(("text", "point"), [
    ("10^10 + (x - 1)^2 + y^2", (1.5, 0)),
    ("10^12 + x^2", (0.3,)),
    ("-10^9 + x y", (1, 1)),
])
def test_regression_a_large_f_does_not_make_a_critical_point(text, point):
    # the tolerance for ‖∇f‖ ≈ 0 grew with |f|: with ∇f = (1, 0) the Hessian tab said
    # "Critical point (∇f = 0): minimum"
    fn, r = report(text, point)
    assert r.norm >= 0.5 and not r.critical
    assert "not a critical point" in pw.hessian_report(fn, r).explanation


@pytest.mark.parametrize(("text", "point"), [
    ("10^10 (x^2 + y^2)", (1e-15, 0)),  # rounding-size ∇f of a steep bowl
    ("10^10 + (x - 1)^2 + y^2", (1, 0)),
    ("(1 - x)^2 + 100(y - x^2)^2", (1, 1)),
])
def test_critical_points_of_large_or_steep_functions_are_found(text, point):
    assert report(text, point)[1].critical


@pytest.mark.parametrize(("text", "point", "gradient"), [
    ("sqrt(x^4 + y^4)", (0, 0), (0, 0)),  # the formula gives 0/0; f is differentiable
    ("(x^2 y^2)^(1/3)", (0, 0), (0, 0)),
    ("|x y|", (0, 0), (0, 0)),  # |xy| <= r²/2
    ("|x|^(4/3)", (0,), (0,)),
    ("sqrt(x^2 + y^2)", (1e-7, 0), (1, 0)),  # near, not on, the cone's tip
    ("|x|", (1e-13,), (1,)),
    ("|x| + |y|", (1e-12, -1e-12), (1, -1)),
])
def test_regression_differentiable_points_are_not_called_corners(text, point, gradient):
    # these were "not differentiable": a 0/0 formula was taken as no gradient, and a point
    # a hair from a kink counted as on it (an absolute 1e-12 tolerance on x^2 + y^2 = 1e-14)
    fn, r = report(text, point)
    assert r.differentiable, r.reason
    np.testing.assert_allclose(r.gradient, gradient, atol=1e-6)


def test_a_gradient_found_as_a_limit_is_said_and_shown_as_one():
    fn, r = report("sqrt(x^4 + y^4)", (0, 0))
    assert "0/0" in r.note and r.limits == (0, 1)
    text = pw.substitution_latex(fn, 0, r, pw.display_at(fn, (0, 0)))
    assert "limit" in text
    assert report("x^2 + y^2", (1, 2))[1].note is None


@pytest.mark.parametrize(("text", "point"), [
    ("|x|", (0,)),
    ("|3x - 0.3|", (0.1,)),  # on the corner up to rounding (3·0.1 - 0.3 = 5.5e-17)
    ("|x + y - 0.3|", (0.1, 0.2)),
    ("|cos(x)|", (1.5707963267948966,)),
    ("sqrt(x^2 + y^2)", (0, 0)),
    ("sqrt(|x y|)", (0, 0)),  # partials 0, but a crease along the diagonal
    ("|x|^(2/3) |y|^(1/3)", (0, 0)),
])
def test_corners_are_still_found(text, point):
    assert not report(text, point)[1].differentiable


def test_regression_partials_said_to_exist_are_shown():
    # x^y at (0, 1): "The partial derivatives exist here" above two "undefined" partials
    # (the formula x^y·ln x gives 0·(−∞) for ∂f/∂y, whose limit is 0)
    fn, r = report("x^y", (0, 1))
    assert not r.differentiable and "edge of its domain" in r.reason
    np.testing.assert_allclose(r.gradient, [1, 0], atol=1e-6)
    fn, r = report("sqrt(|x y|)", (0, 0))  # a crease along the diagonal, partials 0
    assert not r.differentiable and "exist here" in r.reason
    np.testing.assert_allclose(r.gradient, [0, 0], atol=1e-6)


@pytest.mark.parametrize(("text", "point"), [
    ("1000x + cbrt(x^3 + y^3)", (0, 0)),  # a cone's mismatch, small next to 1000x
    ("cbrt(x^3 + y^3)/1000", (0, 0)),
    ("cbrt(x y z)/1000", (0, 0, 0)),
    ("|tan(x + pi/4) - 1|", (0,)),  # a corner on an axis, inner rounding 1e-16
    ("|tan(x + pi/4) - 1| + y", (0, 1)),
    ("|cos(x + pi/6) - cos(pi/6)|", (0,)),
])
def test_regression_review_corners_the_new_tests_missed(text, point):
    # a review of the 0/0-limit and rounding-tolerance changes found these called
    # differentiable: an absolute 1e-3 tolerance on the slopes' linearity, and a zero
    # coordinate that gave the kink test a tolerance of 0
    assert not report(text, point)[1].differentiable


@pytest.mark.parametrize(("text", "point"), [
    ("sqrt(1/x)", (0,)), ("ln(1/x) + y", (0, 1)), ("asin(1/x) + y", (0, 1)),
    ("sqrt(1/(x^2 + y^2))", (0, 0)),
])
def test_regression_python_float_division_by_zero_is_undefined_not_a_crash(text, point):
    # the kink/domain pieces are evaluated on Python floats, where 0.0 ** -1 raises
    # ZeroDivisionError: the Partial derivatives page said "Something went wrong"
    r = report(text, point)[1]
    assert not r.defined and r.reason


@pytest.mark.parametrize(("text", "point"), [
    ("x^(5/7)", (0,)), ("x^(3/5) + y", (0, 1)), ("x^(97/99) + y", (0, 1)),
])
def test_regression_an_infinite_partial_is_a_vertical_tangent_not_a_limit(text, point):
    # "f is differentiable here; ∂f/∂x = 51.79" at the vertical tangent of x^(5/7)
    r = report(text, point)[1]
    assert not r.differentiable and "vertical tangent" in r.reason
    assert np.isnan(r.gradient[0])


def test_a_limit_that_shrinks_with_the_step_is_zero():
    # ∛(x⁵ + y⁵) at the origin: slopes shrink like h^(2/3); ∇f was (0.0001, 0.0001)
    r = report("cbrt(x^5 + y^5)", (0, 0))[1]
    assert r.differentiable and list(r.gradient) == [0.0, 0.0]


@pytest.mark.parametrize(("text", "point", "words"), [
    ("x^(2/3)", (0,), "a cusp"),  # was "the slope is −100 … and 100": step-dependent
    ("x^(2/3) + y^2", (0, 1), "a cusp"),
    ("sqrt(|x|)", (0,), "a cusp"),
    ("x^(1/3)", (0,), "vertical tangent"),
])
def test_regression_cusps_and_vertical_tangents_are_named(text, point, words):
    r = report(text, point)[1]
    assert not r.differentiable and words in r.reason


@pytest.mark.parametrize(("text", "point", "gradient"), [
    ("|x|^1.1", (0,), (0,)),  # one-sided slopes ±h^0.1: they meet, slowly (was "a corner")
    ("|x|^1.1 + y", (0, 1), (0, 1)),
    ("|x|^1.05 + |y|^1.1", (0, 0), (0, 0)),
    ("|x y|^1.1", (0, 0), (0, 0)),
    ("10^6 |x - 3|^1.1", (3,), (0,)),
])
def test_regression_a_slope_gap_shrinking_like_a_power_of_h_is_no_corner(text, point,
                                                                          gradient):
    fn, r = report(text, point)
    assert r.differentiable, r.reason
    np.testing.assert_allclose(r.gradient, gradient, atol=1e-9)


@pytest.mark.parametrize(("text", "point"), [
    ("0.001|x| + 10000 x^2", (0,)),  # the gap 2.002, 0.022, 0.0022 settles at 0.002
    ("1000 + 0.01|x|", (0,)),
    ("|x|^0.9", (0,)),
    ("|x|^1.1 + |y|", (0, 0)),
])
def test_corners_behind_a_smooth_part_or_a_slow_power_are_found(text, point):
    assert not report(text, point)[1].differentiable


@pytest.mark.parametrize(("text", "point", "named", "not_named"), [
    ("|x|^1.1 + |y|", (0, 0), "|y| has a corner", "|x|"),  # it broke along y only
    ("x^(5/7) + |y|^1.2", (0, 0), "x^(1/7) is not differentiable", "|y|"),
    ("x^(1/3)", (0,), "∛x is not differentiable", "cbrt"),  # a real root is a piece too
])
def test_regression_the_piece_named_is_the_one_that_breaks(text, point, named, not_named):
    # |x|^1.1 + |y| at the origin blamed |x|^(11/10), and x^(5/7) + |y|^1.2 blamed |y|
    r = report(text, point)[1]
    assert not r.differentiable and named in r.reason and not_named not in r.reason


@pytest.mark.parametrize(("text", "point"), [
    ("sigmoid(x)", (-20,)),  # σ′(−20) = 2·10⁻⁹: small, not zero (was "a local minimum")
    ("x^3", (1e-5,)),  # 3·10⁻¹⁰
    ("x^2/10^9", (1,)),
])
def test_regression_a_small_gradient_is_not_a_critical_point(text, point):
    fn, r = report(text, point)
    assert not r.critical
    assert "not a critical point" in pw.hessian_report(fn, r).explanation


def test_regression_a_flat_tail_is_not_near_a_critical_point_and_small_curvature_counts():
    fn, r = report("exp(-x^2 - y^2)", (3, 3))  # only critical point: the origin
    assert not r.critical and not r.nearly_critical
    fn, r = report("x^2", (1e-4,))
    assert r.nearly_critical and not r.critical
    fn, r = report("(x^2 + y^2)/10^10", (0, 0))  # eigenvalues 2·10⁻¹⁰: was "undecided"
    assert r.critical and pw.hessian_report(fn, r).kind == "minimum"
    assert pw.hessian_report(*report("x^4 + y^4", (0, 0))).kind == "undecided"


@pytest.mark.parametrize(("text", "point", "kind"), [
    ("sqrt(x^2 + y^2)", (0, 0), "undefined"),  # was ZeroDivisionError: 0.0 ** -0.5
    ("sqrt(x^4 + y^4)", (0, 0), "undefined"),  # critical, Hessian formula 0/0
    ("exp(-1/x^2) + y", (0, 0), "undefined"),
    ("x^y", (0, 1), "undefined"),
    ("x^x + y", (0, 1), "undefined"),
])
def test_regression_the_hessian_at_a_non_smooth_point_is_undefined_not_a_crash(text, point,
                                                                               kind):
    fn, r = report(text, point)
    assert pw.hessian_report(fn, r).kind == kind


@pytest.mark.parametrize(("text", "point", "words"), [
    ("atan(y/x)", (0, 1), "divides by x"),  # numpy: atan(1/0) = π/2, was "defined, 1.571"
    ("tanh(1/x)", (0,), "divides by x"),
    ("1/(1 + exp(1/x))", (0,), "divides by x"),
    ("atan(ln(x))", (0,), "ln 0"),
    ("atan(cot(x))", (0,), "divides by zero"),
])
def test_regression_a_division_by_zero_inside_a_finite_formula_is_undefined(text, point,
                                                                           words):
    r = report(text, point)[1]
    assert not r.defined and words in r.reason


@pytest.mark.parametrize(("text", "point", "value"), [
    ("atan2(y, x)", (1e-13, 1e-13), math.pi / 4),  # was "no angle at the origin"
    ("atan2(y, x) + z", (1e-7, 1e-7, 1e6), 1e6 + math.pi / 4),  # z's size made it one
    ("ln(x)", (1e-13,), math.log(1e-13)),
    ("x^(1/3)", (-8,), -2),
])
def test_regression_near_a_boundary_is_not_on_it(text, point, value):
    r = report(text, point)[1]
    assert r.defined and r.value == pytest.approx(value)


def test_regression_a_jump_is_named_as_one_not_a_vertical_tangent():
    for text, point in (("sign(x)", (0,)), ("sign(x) + x + y", (0, 1))):
        r = report(text, point)[1]
        assert not r.differentiable and "jumps" in r.reason and "not continuous" in r.reason
        assert "vertical tangent" not in r.reason
    assert "vertical tangent" in report("x^(1/3)", (0,))[1].reason


@pytest.mark.parametrize(("text", "point"), [("cbrt(x^2 y)", (0, 0)), ("cbrt(x^3 + y^3)", (0, 0))])
def test_regression_partials_as_limits_that_make_no_gradient_say_why(text, point):
    # the reason stopped at "the partial derivatives exist as limits (≈ 0, ≈ 0)" with
    # differentiable False and no word of why not
    r = report(text, point)[1]
    assert not r.differentiable
    assert "not differentiable here: along the direction" in r.reason and "∇f·u" in r.reason


@pytest.mark.parametrize(("text", "point"), [
    ("sqrt(x) + y", (0, 1)),  # red team: ZeroDivisionError on the Hessian tab
    ("acosh(x) + y", (1, 2)),
    ("asec(x) + y", (1, 2)),
    ("1/asec(x) + y", (1, 1)),
    ("sqrt(x) + y", (1e-320, 1)),  # x^1.5 underflows to 0 in the Hessian
])
def test_regression_the_hessian_at_a_domain_edge_is_undefined_not_a_crash(text, point):
    fn, r = report(text, point)
    assert pw.hessian_report(fn, r).kind == "undefined"


def test_regression_a_large_finite_gradient_is_not_an_overflow():
    # ‖(1e155, 1)‖² overflows, ‖(1e155, 1)‖ does not: it was "∇f is too large (overflow)"
    fn, r = report("10^155 (x - 1) + y", (1, 2))
    assert r.differentiable and r.norm == pytest.approx(1e155)
    np.testing.assert_allclose(r.direction, [1, 1e-155])
    # and a tiny direction is a direction: its squared length underflowed to 0
    dd = pw.directional_derivative(gc.parse("x y z"), (1, 2, 3), (1e-300, 0, 0))
    assert dd.value == pytest.approx(6)


def test_regression_level_directions_of_huge_and_tiny_gradients():
    # maths audit: (0, 0) for ∇f = (1e155, 1) and (−inf, inf) for 1e-170·(1, 1)
    for text in ("10^155 (x - 1) + y", "10^(-170) (x + y)", "10^(-170) (x + 2y + z)"):
        fn = gc.parse(text)
        p = (1.0,) * len(fn.variables)
        rows = pw.direction_table(gc.at_point(fn, p), np.ones(len(p)), fn.names)
        for row in rows:
            if "level" in row.label:
                assert np.linalg.norm(row.unit) == pytest.approx(1)


def test_regression_whole_angles_have_no_rounding_in_their_directions():
    np.testing.assert_array_equal(pw.direction_from_angle(90), [0, 1])
    np.testing.assert_array_equal(pw.direction_from_angle(180), [-1, 0])


def test_regression_a_point_is_not_rounded_onto_another_for_display():
    # 1.00000000001 was shown as 1, with 1/(x − 1) "= 1e11" at x = 1 where it is undefined
    assert pw.exact_point([1.00000000001])[0] == sp.Rational("1.00000000001")
    assert pw.exact_point([123456.78912])[0] == sp.Rational("123456.78912")
    assert pw.exact_point([1.2000000000000002, 0.30000000000000004]) == (
        sp.Rational(6, 5), sp.Rational(3, 10))  # float noise still reads as typed


@pytest.mark.parametrize(("value", "shown"), [
    (250003.2, "250003.2"),  # was 250003.0: a whole number with ".0" reads as exact
    (1.0000001, "1.0000001"),  # was 1.0
    (665866.04, "665866.04"),
    (2.5, "2.5"),
    (3.0, "3"),
    (0.1 + 0.2, "0.3"),  # rounding noise is still rounded away
])
def test_regression_displayed_numbers_do_not_look_whole_when_they_are_not(value, shown):
    assert sp.latex(pw.display_number(value)) == shown


@pytest.mark.parametrize(("text", "point", "critical", "kind"), [
    ("sin(x)^3", (math.pi,), True, "undecided"),  # review: f″ = 7e-16 was "a minimum"
    ("(x - 0.1)^3", (0.1,), True, "undecided"),
    ("x^4 - 2.8x^3 + 2.94x^2 - 1.372x", (0.7,), True, "undecided"),  # (x − 0.7)⁴ expanded:
    # ∇f ≈ 1e-15 from rounding was "not a critical point", f″ ≈ −1e-15 "a maximum"
    ("sin(x)", (math.pi / 2,), True, "maximum"),
    ("(x^2 + y^2)/10^10", (0, 0), True, "minimum"),
])
def test_regression_rounding_is_not_curvature_nor_a_gradient(text, point, critical, kind):
    fn, r = report(text, point)
    assert r.critical is critical
    assert pw.hessian_report(fn, r).kind == kind


@pytest.mark.parametrize("text", ["x^(1/7)", "x^(1/9)", "|x|^0.1"])
def test_regression_a_slow_root_is_no_jump(text):
    # review: a rise shrinking like h^(1/7) (0.52 per 100x) passed the 0.5 test for a jump
    r = report(text, (0,))[1]
    assert not r.differentiable and "jumps" not in r.reason


@pytest.mark.parametrize("text", ["0.05|x| + |x|^1.1", "0.01|x| + |x|^1.1"])
def test_regression_a_small_corner_under_a_slow_power_is_found(text):
    # review: Aitken found the corner's gap (0.1) but a 25 % threshold threw it away
    assert not report(text, (0,))[1].differentiable


def test_regression_every_broken_axis_names_its_corner():
    # seed walkthrough: |x| + |y| at the origin named only |x|'s corner
    r = report("|x| + |y|", (0, 0))[1]
    assert "|x| has a corner" in r.reason and "|y| has a corner" in r.reason


def test_regression_a_negative_argument_gets_one_pair_of_brackets():
    # maths audit: \sin{\left(\left(-1\right) \right)}
    fn = gc.parse("sin(x) + x^2 y")
    r = pw.at_point(fn, (-1, 2))
    tex = pw.substitution_latex(fn, 0, r, pw.display_at(fn, (-1, 2)))
    assert r"\cos{\left(-1 \right)}" in tex and r"\left(\left(" not in tex
    assert r"2 \cdot \left(-1\right) \cdot 2" in tex  # a factor keeps its brackets


def test_regression_review2_a_pole_is_no_critical_point():
    # tan at π/2: ∇f = 2.7e32 changes hugely across a few ulps, which read as rounding
    fn, r = report("tan(x)", (math.pi / 2,))
    assert not r.critical
    assert "∇f = 0" not in pw.hessian_report(fn, r).explanation
    fn, r = report("x^6 - 1.8x^5 + 1.35x^4 - 0.54x^3 + 0.1215x^2 - 0.01458x", (0.3,))
    assert r.critical and pw.hessian_report(fn, r).kind == "undecided"  # (x − 0.3)⁶


@pytest.mark.parametrize(("text", "named"), [
    ("0.05|x| + |x|^1.1", "|x| has a corner"),  # review 2: "|x|^(11/10) is not
    ("0.01|x| + |x|^1.5", "|x| has a corner"),  # differentiable", which is false
    ("x^(4/3) + |x|", "|x| has a corner"),
])
def test_regression_review2_a_smooth_power_is_not_blamed(text, named):
    r = report(text, (0,))[1]
    assert not r.differentiable and named in r.reason and "is not differentiable" not in \
        r.reason.split(". ")[1]


@pytest.mark.parametrize("text, point, words", [
    ("x^3 - 3x", (0.5,), "tangent line is tilted"),
    ("x^2", (0,), "f′ = 0 and f″ > 0"),
    ("-x^2", (0,), "f″ < 0"),
    ("x^3", (0,), "f″ = 0 too"),
])
def test_regression_one_variable_hessian_report_speaks_of_f_second(text, point, words):
    # maths audit 5: x³ − 3x at 0.5 said "the tangent plane is tilted" and "f curves up in
    # every direction", with Hessian eigenvalues, for a function of one variable
    fn = gc.parse(text)
    hr = pw.hessian_report(fn, pw.at_point(fn, point))
    assert words in hr.explanation and "plane" not in hr.explanation
    assert "eigenvalue" not in hr.explanation


def test_regression_displayed_numbers_are_rounded_in_decimal():
    # ‖∇(3xy + y²)(1, 2)‖ = √85 was shown as ≈ 9.21955 (sympy's Float rounds the binary
    # value), while the directional-derivative tab printed 9.21954 (teacher QA 3)
    assert sp.latex(pw.display_number(math.sqrt(85))) == "9.21954"
    roots = [math.sqrt(n) for n in range(2, 400) if not math.sqrt(n).is_integer()]
    assert [sp.latex(pw.display_number(v)) for v in roots] == [f"{v:.6g}" for v in roots]
