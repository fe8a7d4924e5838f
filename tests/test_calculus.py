"""Symbolic derivatives checked against finite differences; the numeric evaluators."""

import numpy as np
import pytest
import sympy as sp

import gradcore as gc

x, y, z = sp.symbols("x y z")

CORPUS = [
    "x^2 + 3y", "x^2 + y^2", "3xy + y^2", "xyz", "e^(x^2 y)", "sin(x)cos(y)",
    "x/y", "log(x y)", "sqrt(x^2 + y^2)", "(1 - x)^2 + 100(y - x^2)^2",
    "(x^2 + y - 11)^2 + (x + y^2 - 7)^2", "atan2(y, x)", "tanh(x y) + sigmoid(x)",
    "x^y", "e^(-x^2 - y^2)", "sin^2 x + cos(x y z)", "log(1 + e^(-(2x + y)))",
    "x1 x2 + x3^2", "theta^2 sin(alpha)", "|x| + |y|", "cosh(x) - sinh(y)/3",
    "arcsin(x/2) + arccos(y/3)", "x^3 - 3x y^2", "log(x, 2) + 2^y",
] + [ex.text for ex in gc.GALLERY]


def _random_point(fn, rng):
    return rng.uniform(0.2, 1.5, size=len(fn.variables))


@pytest.mark.parametrize("text", CORPUS)
def test_gradient_matches_finite_differences(text):
    fn = gc.parse(text)
    rng = np.random.default_rng(0)
    for _ in range(5):
        check = gc.check_gradient(fn, _random_point(fn, rng))
        assert check.ok, (text, check)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x^2 + 3y", {"x": 2 * x, "y": sp.Integer(3)}),
        ("x^2 + y^2", {"x": 2 * x, "y": 2 * y}),
        ("3xy + y^2", {"x": 3 * y, "y": 3 * x + 2 * y}),
        ("xyz", {"x": y * z, "y": x * z, "z": x * y}),
        ("|x|", {"x": sp.sign(x)}),
    ],
)
def test_partials_of_the_seed_examples(text, expected):
    fn = gc.parse(text)
    for name, value in expected.items():
        assert sp.simplify(gc.partial(fn, name) - value) == 0
        assert gc.partial(fn, sp.Symbol(name)) == gc.partial(fn, name)
    assert len(gc.gradient(fn)) == len(fn.variables)


def test_gradient_at_the_seed_point():
    fn = gc.parse("x^2 + y^2")
    assert gc.gradient(fn) == (2 * x, 2 * y)
    np.testing.assert_allclose(gc.gradient_at(fn, (1, 2)), [2.0, 4.0])
    np.testing.assert_allclose(gc.gradient_at(fn, {"x": 1, "y": 2}), [2.0, 4.0])
    np.testing.assert_allclose(gc.gradient_at(fn, {"y": 2, "x": 1}), [2.0, 4.0])
    assert gc.gradient_at(fn, (1, 2)).dtype == float


def test_hessian():
    fn = gc.parse("x^2 y + y^3")
    assert gc.hessian(fn) == sp.Matrix([[2 * y, 2 * x], [2 * x, 6 * y]])
    assert gc.hessian(gc.parse("xyz")).shape == (3, 3)


def test_bad_points_and_variables_raise_helpful_errors():
    fn = gc.parse("x^2 + y^2")
    with pytest.raises(ValueError, match="2 coordinate"):
        gc.gradient_at(fn, (1, 2, 3))
    with pytest.raises(ValueError, match="needs a value for y"):
        gc.gradient_at(fn, {"x": 1})
    with pytest.raises(ValueError, match="not a variable"):
        gc.gradient_at(fn, {"x": 1, "y": 2, "q": 3})
    with pytest.raises(ValueError, match="not a variable"):
        gc.partial(fn, "q")


def test_undefined_points_are_masked_and_counted_without_warnings():
    fn = gc.parse("log(x) + 1/y")
    with __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("error")
        grid = gc.evaluate_grid(fn, {"x": (-1, 1), "y": (-1, 1)}, 21)
        ev = gc.evaluate(fn, [[1.0, 1.0], [-1.0, 1.0], [1.0, 0.0]])
    assert grid.values.shape == (21, 21)
    assert grid.grads.shape == (2, 21, 21)
    assert 0 < grid.n_undefined < grid.values.size
    assert np.isnan(grid.values).sum() == grid.n_undefined
    assert np.isnan(grid.grads[0]).sum() == grid.n_undefined
    assert ev.n_undefined == 2
    assert list(ev.undefined) == [False, True, True]
    assert np.isnan(gc.gradient_at(fn, (-1, 1))).all()


def test_overflow_is_masked():
    ev = gc.evaluate(gc.parse("e^(x^2)"), [[1.0], [40.0]])
    assert ev.n_undefined == 1 and np.isfinite(ev.values[0])


def test_grid_orientation_matches_plotly_contour():
    fn = gc.parse("x + 10y")
    grid = gc.evaluate_grid(fn, {"x": (0, 1), "y": (0, 2)}, (3, 5))
    xs, ys = grid.axes
    assert grid.values.shape == (5, 3)
    assert grid.values[4, 2] == pytest.approx(xs[2] + 10 * ys[4])
    np.testing.assert_allclose(grid.grads[0], 1.0)
    np.testing.assert_allclose(grid.grads[1], 10.0)


def test_grid_slice_of_three_variables():
    fn = gc.parse("x^2 + y^2 + z^2")
    grid = gc.evaluate_grid(fn, {"x": (-1, 1), "y": (-1, 1)}, 11, fixed={"z": 2.0})
    assert grid.values[5, 5] == pytest.approx(4.0)
    assert grid.names == ("x", "y")


def test_constants_broadcast():
    grid = gc.evaluate_grid(gc.parse("3y"), {"x": (0, 1), "y": (0, 1)}, 4)
    np.testing.assert_allclose(grid.grads[0], 0.0)
    np.testing.assert_allclose(grid.grads[1], 3.0)


def test_compiled_once_and_reused():
    fn = gc.parse("x^2 + y^2")
    assert gc.compile_function(fn) is gc.compile_function(gc.parse("x^2+y^2"))


def test_huge_coefficients_evaluate():
    fn = gc.parse("10^200 x")
    np.testing.assert_allclose(gc.gradient_at(fn, [1.0]), [1e200])


def test_gradient_check_reports_relative_error():
    check = gc.check_gradient(gc.parse("sin(x) e^y"), (0.3, 0.7))
    assert check.ok and check.relative_error < 1e-8
    assert check.numeric.shape == (2,)


def test_gradient_check_fails_where_undefined():
    check = gc.check_gradient(gc.parse("log(x) + y"), (-1.0, 1.0))
    assert not check.ok


def test_analyze_gives_gradient_hessian_and_compiled():
    a = gc.analyze(gc.parse("x^2 + y^2"))
    assert a.gradient == (2 * x, 2 * y)
    assert a.hessian == sp.Matrix([[2, 0], [0, 2]])
    np.testing.assert_allclose(a.compiled.grad(np.array([[1.0, 2.0]])), [[2.0, 4.0]])


def test_regression_grid_values_never_share_memory_with_the_axes():
    # evaluating on broadcast axes: for f = x the compiled function returns its input
    grid = gc.evaluate_grid(gc.parse("x"), {"x": (0, 1)}, 5)
    grid.values[0] = 99.0
    assert grid.axes[0][0] == 0.0


@pytest.mark.parametrize("text", ["(-1)^x + y^2", "(-8)^(1/3) x + y", "(-x)^pi + y",
                                  "x^((-1)^(1/3)) + y", "(-2)^(x y)"])
def test_regression_complex_results_are_undefined_not_a_crash(text):
    # numpy's and Python's powers of negative numbers can be complex; evaluate_grid,
    # evaluate, descend and check_gradient raised TypeError (float() of a complex) and
    # crashed the field and descent pages
    fn = gc.parse(text)
    grid = gc.evaluate_grid(fn, {"x": (-2, 2), "y": (-2, 2)}, 9)
    for arr in (grid.values, *grid.grads):
        assert not np.iscomplexobj(arr)
    ev = gc.evaluate(fn, [[0.5, 1.5], [2.0, 1.0]])
    assert not np.iscomplexobj(ev.values) and not np.iscomplexobj(ev.grads)
    path = gc.descend(fn, [0.5, 1.5], method="gd", lr=0.01, steps=5)
    assert not np.iscomplexobj(path.points) and not np.iscomplexobj(path.values)
    many = gc.descend_many(fn, [[0.5, 1.5], [1.0, 1.0]], method="adam", lr=0.01, steps=5)
    assert not np.iscomplexobj(many.final)
    gc.check_gradient(fn, [0.5, 1.5])


def test_complex_values_become_nan_and_real_ones_stay():
    fn = gc.parse("(-1)^x + y^2")  # real where x is a whole number: (-1)^2 = 1
    ev = gc.evaluate(fn, [[0.5, 1.0]])
    assert np.isnan(ev.values[0])
    assert gc.at_point(fn, [2.0, 1.0]).value == 2.0


def test_complex_results_become_real_or_nan():
    from gradcore._numeric import _real

    assert _real([1.0, 2.0]) == [1.0, 2.0]
    assert _real(1 + 0j) == 1.0 and np.isnan(_real(1 + 1j))
    out = _real([2.0 + 0j, np.array([1 + 1e-17j, 2 + 1j, 3 + 0j])])
    assert out[0] == 2.0
    np.testing.assert_array_equal(out[1], [1.0, np.nan, 3.0])
    assert not np.iscomplexobj(out[1])


def test_odd_roots_are_real_roots():
    # as on paper: (-1)^(1/3) = -1 and (-1)^(2/3) = 1 (sympy's principal roots are complex,
    # and their difference evaluated to 1 with a 1e-16 imaginary part)
    fn = gc.parse("x((-1)^(1/3) - (-1)^(2/3))")
    assert fn.expr == -2 * sp.Symbol("x")
    np.testing.assert_allclose(gc.evaluate(fn, [[2.0], [-3.0]]).values, [-4.0, 6.0])


@pytest.mark.parametrize(("text", "point", "value", "slope"), [
    ("x^(1/3)", -8.0, -2.0, 1 / 12),
    ("x^(2/3)", -8.0, 4.0, -1 / 3),  # the cusp's left branch
    ("x^(4/3)", -8.0, 16.0, -8 / 3),
    ("cbrt(x)", -27.0, -3.0, 1 / 27),
    ("x^(-1/3)", -8.0, -0.5, -1 / 48),
    ("x^0.6", -32.0, -8.0, 0.15),  # x^(3/5)
    ("(x^2 - 9)^(1/3)", 0.0, -(9 ** (1 / 3)), 0.0),
])
def test_regression_odd_roots_of_negative_numbers_are_real(text, point, value, slope):
    # x^(1/3) at -8 was "not a real number when x < 0" while the page showed ∛x; x^(2/3),
    # the textbook cusp, was drawn on half its domain
    fn = gc.parse(text)
    r = gc.at_point(fn, [point])
    assert r.value == pytest.approx(value)
    assert r.gradient[0] == pytest.approx(slope, abs=1e-12)
    assert gc.check_gradient(fn, [point]).ok
    grid = gc.evaluate_grid(fn, {"x": (-2.9, -1)}, 7)
    assert np.isfinite(grid.values).all()


def test_even_roots_stay_undefined_for_negative_numbers():
    assert not gc.at_point(gc.parse("x^(1/2)"), [-4.0]).defined
    assert not gc.at_point(gc.parse("x^(3/4)"), [-4.0]).defined


@pytest.mark.parametrize("text", ["sign(ln x) + y", "sign(sqrt(x)) y", "sign(x^y)",
                                  "sign(asin(x)) y", "sign(x) + y"])
def test_regression_sign_is_differentiated_as_zero(text):
    # sympy left Derivative(sign(ln x), x) unevaluated (the compiler then raised and every
    # page crashed) and wrote sign(x)' as 2·DiracDelta(x)
    fn = gc.parse(text)
    for v in fn.variables:
        d = gc.partial(fn, v)
        assert not d.has(sp.Derivative, sp.DiracDelta)
    gc.evaluate_grid(fn, {n: (0.5, 2) for n in fn.names}, 5)
