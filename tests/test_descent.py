"""Tests for the gradient-descent optimizers (gradcore._descent).

Each optimizer is checked against its update rule written out independently below, in
plain Python, as torch.optim's documentation writes it; against torch itself when torch
happens to be importable (it is not a project dependency: those tests skip otherwise).
"""

from __future__ import annotations

import csv
import inspect
import io
import math
import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradcore import compile_function, parse
from gradcore._descent import (
    DEFAULTS,
    DESCRIPTIONS,
    DIVERGENCE_BOUND,
    LABELS,
    METHODS,
    TORCH_DEFAULT_LR,
    TORCH_EQUIVALENT,
    ManyPaths,
    Path,
    StepTable,
    _compiled,
    descend,
    descend_many,
    first_steps_table,
    paths_to_csv,
    resolve_hyperparameters,
    stability_bound,
)
from gradcore._gallery import GALLERY

QUAD = parse("x^2 + 3y^2 + xy")
ROSEN = parse("(1 - x)^2 + 100(y - x^2)^2")
BOWL = parse("x^2 + y^2")


def quad_grad(p):
    x, y = p
    return [2 * x + y, 6 * y + x]


def rosen_grad(p):
    x, y = p
    return [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]


# ---------------------------------------------------------------------------------------
# The update rules written out independently, from torch.optim's documentation


def reference_path(method, grad, theta0, lr, steps, ascent=False, **hyper):
    """Points θ_0..θ_steps of ``method`` in plain Python floats, formula by formula as in
    the torch.optim docs (SGD, Adagrad, RMSprop, Adam)."""
    h = {**DEFAULTS[method], **hyper}
    theta = [float(v) for v in theta0]
    n = len(theta)
    points = [list(theta)]
    b = [0.0] * n  # momentum buffer
    state_sum = [float(h.get("initial_accumulator_value", 0.0))] * n
    v = [0.0] * n
    g_ave = [0.0] * n
    m = [0.0] * n
    v_max = [0.0] * n
    wd = h.get("weight_decay", 0.0)
    for t in range(1, steps + 1):
        g = grad(theta)
        if ascent:  # torch's maximize
            g = [-gi for gi in g]
        if wd:
            g = [gi + wd * pi for gi, pi in zip(g, theta, strict=True)]
        if method in ("gd", "momentum", "nesterov"):
            mu, damp = h["momentum"], h["dampening"]
            if mu:
                if t == 1:
                    b = list(g)
                else:
                    b = [mu * bi + (1 - damp) * gi for bi, gi in zip(b, g, strict=True)]
                if h["nesterov"]:
                    g = [gi + mu * bi for gi, bi in zip(g, b, strict=True)]
                else:
                    g = list(b)
            theta = [p - lr * gi for p, gi in zip(theta, g, strict=True)]
        elif method == "adagrad":
            clr = lr / (1 + (t - 1) * h["lr_decay"])
            state_sum = [s + gi * gi for s, gi in zip(state_sum, g, strict=True)]
            theta = [p - clr * gi / (math.sqrt(s) + h["eps"])
                     for p, gi, s in zip(theta, g, state_sum, strict=True)]
        elif method == "rmsprop":
            a, eps, mu = h["alpha"], h["eps"], h["momentum"]
            v = [a * vi + (1 - a) * gi * gi for vi, gi in zip(v, g, strict=True)]
            v_tilde = list(v)
            if h["centered"]:
                g_ave = [ga * a + (1 - a) * gi for ga, gi in zip(g_ave, g, strict=True)]
                v_tilde = [vt - ga * ga for vt, ga in zip(v_tilde, g_ave, strict=True)]
            if mu > 0:
                b = [mu * bi + gi / (math.sqrt(vt) + eps)
                     for bi, gi, vt in zip(b, g, v_tilde, strict=True)]
                theta = [p - lr * bi for p, bi in zip(theta, b, strict=True)]
            else:
                theta = [p - lr * gi / (math.sqrt(vt) + eps)
                         for p, gi, vt in zip(theta, g, v_tilde, strict=True)]
        else:  # adam
            b1, b2 = h["betas"]
            m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g, strict=True)]
            v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g, strict=True)]
            m_hat = [mi / (1 - b1**t) for mi in m]
            if h["amsgrad"]:
                v_max = [max(a, c) for a, c in zip(v_max, v, strict=True)]
                v_hat = [vm / (1 - b2**t) for vm in v_max]
            else:
                v_hat = [vi / (1 - b2**t) for vi in v]
            theta = [p - lr * mh / (math.sqrt(vh) + h["eps"])
                     for p, mh, vh in zip(theta, m_hat, v_hat, strict=True)]
        points.append(list(theta))
    return np.array(points)


VARIANTS = [
    ("gd", {}),
    ("gd", {"weight_decay": 0.1}),
    ("momentum", {}),
    ("momentum", {"dampening": 0.3}),
    ("momentum", {"momentum": 0.5, "weight_decay": 0.05}),
    ("nesterov", {}),
    ("nesterov", {"momentum": 0.7, "weight_decay": 0.02}),
    ("adagrad", {}),
    ("adagrad", {"lr_decay": 0.01, "initial_accumulator_value": 0.1, "weight_decay": 0.01}),
    ("rmsprop", {}),
    ("rmsprop", {"centered": True}),
    ("rmsprop", {"momentum": 0.9}),
    ("rmsprop", {"centered": True, "momentum": 0.5, "alpha": 0.9, "weight_decay": 0.01}),
    ("adam", {}),
    ("adam", {"amsgrad": True}),
    ("adam", {"betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.01}),
]
VARIANT_IDS = [f"{m}-{'-'.join(f'{k}={v}' for k, v in h.items()) or 'default'}"
               for m, h in VARIANTS]


def _lr(method, fn):
    if fn is ROSEN:
        return 1e-4 if method in ("gd", "momentum", "nesterov") else 0.01
    return 0.05


@pytest.mark.parametrize(("method", "hyper"), VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("ascent", [False, True], ids=["descent", "ascent"])
@pytest.mark.parametrize(("fn", "grad", "start"), [
    (QUAD, quad_grad, (2.0, -1.0)),
    (ROSEN, rosen_grad, (-1.2, 1.0)),
], ids=["quadratic", "rosenbrock"])
def test_matches_the_update_rule_written_out(fn, grad, start, method, hyper, ascent):
    lr = _lr(method, fn) * (0.1 if ascent else 1.0)
    steps = 25
    ref = reference_path(method, grad, start, lr, steps, ascent=ascent, **hyper)
    path = descend(fn, start, method, lr=lr, steps=steps, tol=0, ascent=ascent, **hyper)
    assert path.status == "max_steps"
    assert path.points.shape == (steps + 1, 2)
    np.testing.assert_allclose(path.points, ref, rtol=1e-12, atol=1e-12)


CONVERGING_LR = {"gd": 0.1, "momentum": 0.05, "nesterov": 0.05, "adagrad": 0.5,
                 "rmsprop": 0.01, "adam": 0.05}


@pytest.mark.parametrize(("method", "lr"), CONVERGING_LR.items())
def test_each_optimizer_converges_on_a_convex_quadratic(method, lr):
    path = descend(QUAD, (2, -1), method, lr=lr, steps=5000, tol=1e-6)
    assert path.status == "converged", path.message
    assert path.grad_norms[-1] < 1e-6
    np.testing.assert_allclose(path.final, [0, 0], atol=1e-5)
    assert path.message == f"Converged after {path.steps_taken} steps: ‖∇f‖ < 1e-6"
    # f went down overall (adaptive methods and momentum need not be monotone)
    assert path.values[-1] < path.values[0]


# ---------------------------------------------------------------------------------------
# Divergence, convergence in one step, ascent


def test_gd_with_a_too_large_learning_rate_diverges_and_says_when():
    path = descend(BOWL, (1, 1), "gd", lr=1.5, steps=100)
    # θ_t = (-2)^t θ_0, so f = 2·4^t passes 1e12 at t = 20
    assert path.status == "diverged"
    assert path.reason == "f_too_large"
    assert path.steps_taken == 20
    assert path.message.startswith(
        "Diverged at step 20: f grew past 1e12 — the learning rate 1.5 is too large for "
        "this function")
    assert "stable only for η < 1" in path.message  # the quadratic's bound 2/λ_max = 1
    assert abs(path.values[-1]) > DIVERGENCE_BOUND
    assert np.all(np.abs(path.values[:-1]) <= DIVERGENCE_BOUND)


def test_gd_with_half_learning_rate_converges_in_one_step_on_the_bowl():
    path = descend(BOWL, (3, -4), "gd", lr=0.5)
    assert path.status == "converged"
    assert path.steps_taken == 1
    np.testing.assert_array_equal(path.final, [0, 0])
    assert path.message == "Converged after 1 step: ‖∇f‖ < 1e-8"


def test_a_stationary_start_converges_at_step_zero():
    path = descend(BOWL, {"x": 0, "y": 0})
    assert (path.status, path.steps_taken, len(path.points)) == ("converged", 0, 1)
    assert "stationary point" in path.message


@pytest.mark.parametrize(("text", "start"), [
    ("1/(1 + exp(-x))", (-20,)),  # a saturated sigmoid: σ′ = 2·10⁻⁹, not 0
    ("exp(-x^2 - y^2)", (5, 5)),  # a flat tail; its Hessian there is saddle-shaped
])
def test_regression_a_flat_start_is_not_called_a_stationary_point(text, start):
    path = descend(parse(text), start)
    assert (path.status, path.steps_taken) == ("converged", 0)
    assert "not a stationary point" in path.message
    assert "saddle" not in path.message and path.warning == ""


def test_max_steps_message():
    path = descend(ROSEN, (-1.2, 1), "gd", lr=1e-4, steps=10)
    assert path.status == "max_steps"
    assert path.steps_taken == 10
    assert path.message.startswith("Stopped after 10 steps without converging")


def test_ascent_moves_uphill():
    path = descend(BOWL, (1, 2), "gd", lr=0.1, steps=10, ascent=True)
    assert np.all(np.diff(path.values) > 0)
    # on a concave function ascent finds the maximum
    cap = parse("-(x - 1)^2 - 2(y + 1)^2")
    for method in METHODS:
        path = descend(cap, (3, 2), method, lr=CONVERGING_LR[method], steps=5000, tol=1e-6,
                       ascent=True)
        assert path.status == "converged", (method, path.message)
        np.testing.assert_allclose(path.final, [1, -1], atol=1e-5)
    # torch's name for it works too
    a = descend(BOWL, (1, 2), "adam", steps=5, ascent=True)
    b = descend(BOWL, (1, 2), "adam", steps=5, maximize=True)
    np.testing.assert_array_equal(a.points, b.points)
    assert b.ascent


def test_ascent_on_an_unbounded_function_says_so():
    path = descend(BOWL, (1, 1), "gd", lr=0.5, ascent=True, steps=200)
    assert path.status == "diverged"
    assert "no maximum" in path.message


def test_descent_on_an_unbounded_below_function_says_so():
    path = descend(parse("-x^2"), (1,), "gd", lr=0.5, steps=200)
    assert path.status == "diverged"
    assert "f fell below -1e12" in path.message
    assert "no minimum" in path.message


# ---------------------------------------------------------------------------------------
# stability_bound


def test_stability_bound_of_a_quadratic_and_gd_either_side_of_it():
    f = parse("x^2 + 20y^2")
    eta = stability_bound(f)
    assert eta == pytest.approx(2 / 40, rel=1e-15)
    below = descend(f, (1, 1), "gd", lr=0.98 * eta, steps=5000)
    above = descend(f, (1, 1), "gd", lr=1.02 * eta, steps=5000)
    assert below.status == "converged", below.message
    assert above.status == "diverged", above.message


def test_stability_bound_local_and_none():
    quartic = parse("x^4 + y^2")
    with pytest.raises(ValueError, match="not quadratic.*point="):
        stability_bound(quartic)
    # Hessian diag(12x², 2) at (1, 0): λ_max = 12
    assert stability_bound(quartic, (1, 0)) == pytest.approx(2 / 12)
    assert stability_bound(quartic, {"x": 0.1, "y": 0}) == pytest.approx(1.0)
    assert stability_bound(parse("-x^2 - y^2")) is None  # no upward curvature
    assert stability_bound(parse("3x + y")) is None
    assert stability_bound(parse("x^2 - y^2")) == pytest.approx(1.0)  # saddle: λ_max = 2
    assert stability_bound(parse("sqrt(x) + y^2"), (-1, 0)) is None  # undefined there
    assert stability_bound(parse("x^2 + 3y^2 + xy")) == pytest.approx(
        2 / max(np.linalg.eigvalsh([[2, 1], [1, 6]])))


# ---------------------------------------------------------------------------------------
# Undefined regions: a status and a message, never an exception or a warning


@pytest.fixture
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_start_outside_the_domain(no_warnings):
    f = parse("log(x) + y^2")
    path = descend(f, (-1, 1))
    assert (path.status, path.reason, path.steps_taken) == ("diverged", "f_undefined", 0)
    assert path.message == ("The start (x, y) = (-1, 1) is outside f's domain: f is undefined "
                            "there. Pick another start.")
    many = descend_many(f, [[-1, 1], [2, 1]], steps=3)
    assert list(many.status) == ["diverged", "max_steps"]
    assert many.message(0) == path.message


def test_stepping_out_of_the_domain(no_warnings):
    f = parse("log(x)")  # ∂f/∂x = 1/x is defined at x < 0, f is not
    path = descend(f, (1,), "gd", lr=0.5, steps=10)
    # x: 1 → 0.5 → -0.5
    assert path.status == "diverged"
    assert path.reason == "f_undefined"
    assert path.steps_taken == 2
    assert path.message.startswith("Diverged at step 2: f is undefined at x = -0.5")
    assert np.isnan(path.values[-1])


@pytest.mark.parametrize(("text", "start", "reason"), [
    ("sqrt(x) + y^2", (-1, 0), "f_undefined"),
    ("1/x + y", (0, 0), "f_too_large"),  # 1/0: inf, not a ZeroDivisionError
    ("1/(x - 1)^2", (1,), "f_too_large"),
    ("abs(x)^0.5", (0,), "gradient_not_finite"),
    ("x^2 + y^2", (float("nan"), 0), "point_not_finite"),
    ("x^2 + y^2", (2e12, 0), "point_too_far"),
])
def test_bad_starts_have_a_reason(no_warnings, text, start, reason):
    f = parse(text)
    path = descend(f, start)
    assert (path.status, path.reason, path.steps_taken) == ("diverged", reason, 0)
    assert path.message.startswith("The ")
    many = descend_many(f, [start])
    assert (many.status[0], many.reason[0], many.stopped_at[0]) == ("diverged", reason, 0)


def test_division_by_zero_inside_the_optimizer_matches_numpy(no_warnings):
    # eps = 0 and a zero gradient component: 0/0 in the update. Python floats would raise;
    # both engines give numpy's NaN, and the run reports it
    for method in ("adagrad", "rmsprop", "adam"):
        path = descend(BOWL, (1, 0), method, steps=5, eps=0)
        many = descend_many(BOWL, [[1, 0]], method, steps=5, eps=0)
        assert path.status == "diverged", method
        assert path.reason == "point_not_finite"
        assert "y stopped being a finite number" in path.message
        assert many.status[0] == "diverged" and many.stopped_at[0] == path.steps_taken


# ---------------------------------------------------------------------------------------
# descend_many agrees with descend, start by start


MANY_CASES = [
    # a start that diverges (|x| big: x⁴ overshoots), one that converges at once (a
    # stationary point), one that converges early, one outside the domain, a NaN start
    (parse("x^4 - 2x^2 + y^2"), [[0.5, 0.5], [3.0, 1.0], [1.0, 0.0], [0.0, 0.0],
                                  [-0.7, 2.0], [1.9, -0.3], [float("nan"), 1.0]]),
    (parse("log(x) + (y - 1)^2 + x"), [[0.5, 0.5], [-1.0, 1.0], [3.0, -2.0], [1.0, 1.0],
                                       [0.05, 0.0]]),
    (ROSEN, [[-1.2, 1.0], [1.0, 1.0], [2.0, 2.0], [0.0, -1.0], [-2.0, 3.0]]),
    (parse("sin(x) cos(y) + 0.1(x^2 + y^2)"), [[0.1, 0.2], [2.0, -1.0], [-3.0, 3.0]]),
    (parse("x^2 + 3y^2 + xy + z^2"), [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [-5.0, 1.0, 2.0]]),
]


def _assert_same(fn, starts, method, lr, steps, ascent=False, **hyper):
    many = descend_many(fn, starts, method, lr=lr, steps=steps, ascent=ascent,
                        keep_paths=True, **hyper)
    assert isinstance(many, ManyPaths)
    assert many.points.shape == (steps + 1, len(starts), len(fn.variables))
    for i, start in enumerate(starts):
        one = descend(fn, start, method, lr=lr, steps=steps, ascent=ascent, **hyper)
        k = one.steps_taken
        assert many.status[i] == one.status
        assert many.reason[i] == (one.reason or "")
        assert many.stopped_at[i] == k
        np.testing.assert_array_equal(many.final[i], one.final)
        np.testing.assert_array_equal(many.final_values[i], one.values[-1])
        np.testing.assert_array_equal(many.final_grad_norms[i], one.grad_norms[-1])
        np.testing.assert_array_equal(many.points[:k + 1, i], one.points)
        np.testing.assert_array_equal(many.values[:k + 1, i], one.values)
        np.testing.assert_array_equal(many.grad_norms[:k + 1, i], one.grad_norms)
        # a finished run stays put
        np.testing.assert_array_equal(many.points[k:, i],
                                      np.broadcast_to(one.final, (steps + 1 - k, one.final.size)))
        assert many.message(i) == one.message
    return many


@pytest.mark.parametrize(("method", "hyper"), VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("case", range(len(MANY_CASES)))
def test_descend_many_agrees_with_descend(case, method, hyper):
    fn, starts = MANY_CASES[case]
    lr = 0.3 if method in ("gd", "momentum", "nesterov") else 0.2
    many = _assert_same(fn, starts, method, lr, 60, **hyper)
    _assert_same(fn, starts, method, lr / 3, 30, ascent=True, **hyper)
    if case == 0 and method == "gd" and not hyper:
        assert set(many.status) == {"converged", "diverged", "max_steps"}
        assert many.stopped_at.min() == 0


def test_descend_many_agrees_with_descend_ascending():
    fn = parse("-(x - 1)^2 - 2(y + 1)^2 + 0.1 x y")
    starts = [[0.0, 0.0], [3.0, 2.0], [1.0, -1.0], [40.0, -40.0]]
    for method in METHODS:
        _assert_same(fn, starts, method, 0.4, 80, ascent=True)


def test_descend_many_with_a_single_variable_and_a_1d_array():
    fn = parse("x^4 - x")
    many = descend_many(fn, np.array([-1.0, 0.5, 2.0]), "momentum", lr=0.02, steps=300)
    for i, x0 in enumerate([-1.0, 0.5, 2.0]):
        one = descend(fn, (x0,), "momentum", lr=0.02, steps=300)
        np.testing.assert_array_equal(many.final[i], one.final)
        assert many.stopped_at[i] == one.steps_taken


def test_descend_many_without_paths_and_path_of_a_run():
    starts = np.array([[-1.2, 1.0], [0.5, 0.5], [3.0, 3.0]])
    many = descend_many(ROSEN, starts, "adam", lr=0.02, steps=200)
    assert many.points is None and many.values is None and many.grad_norms is None
    with pytest.raises(ValueError, match="keep_paths=True"):
        many.at(3)
    path = many.path(1)
    assert isinstance(path, Path)
    np.testing.assert_array_equal(path.final, many.final[1])
    assert sum(many.counts().values()) == 3
    assert len(many) == 3


def test_descend_many_freezes_finished_runs():
    many = descend_many(BOWL, [[1.0, 1.0], [2.0, 2.0]], "gd", lr=0.5, steps=5,
                        keep_paths=True)
    # both converge at step 1 and stay at the origin
    assert list(many.stopped_at) == [1, 1]
    np.testing.assert_array_equal(many.at(4), [[0, 0], [0, 0]])
    np.testing.assert_array_equal(many.at(0), [[1, 1], [2, 2]])


def test_descend_many_input_checks():
    with pytest.raises(ValueError, match=r"shape \(m, 2\)"):
        descend_many(BOWL, [[1, 2, 3]])
    empty = descend_many(BOWL, np.empty((0, 2)), keep_paths=True)
    assert empty.final.shape == (0, 2) and empty.points.shape == (101, 0, 2)
    with pytest.raises(ValueError, match="MB"):
        descend_many(BOWL, np.zeros((10_000_000, 2)), steps=1000, keep_paths=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(METHODS),
    lr=st.floats(1e-3, 1.5),
    case=st.integers(0, len(MANY_CASES) - 1),
    jitter=st.lists(st.floats(-3, 3), min_size=6, max_size=6),
)
def test_descend_many_equals_descend_property(method, lr, case, jitter):
    fn, base = MANY_CASES[case]
    n = len(fn.variables)
    starts = [list(base[0][:n]), [jitter[k] for k in range(n)],
              [jitter[-1 - k] for k in range(n)]]
    _assert_same(fn, starts, method, lr, 40)


# ---------------------------------------------------------------------------------------
# Arguments


def test_unknown_method_is_a_helpful_value_error():
    with pytest.raises(ValueError, match=r"unknown method 'sgd' \('sgd' is called 'gd' here\)"):
        descend(BOWL, (1, 1), "sgd")
    with pytest.raises(ValueError, match="did you mean 'adam'"):
        descend(BOWL, (1, 1), "adma")
    with pytest.raises(ValueError, match="lower case"):
        descend_many(BOWL, [[1, 1]], "Adam")
    with pytest.raises(ValueError, match="gd, momentum, nesterov, adagrad, rmsprop, adam"):
        descend(BOWL, (1, 1), "lbfgs")


def test_unknown_hyperparameter_is_a_helpful_value_error():
    with pytest.raises(ValueError) as err:
        descend(BOWL, (1, 1), "adam", beta1=0.8)
    msg = str(err.value)
    assert "adam has no hyperparameter 'beta1'" in msg
    assert "did you mean 'betas'?" in msg
    assert "betas=(0.9, 0.999), eps=1e-08, weight_decay=0, amsgrad=False" in msg
    assert "torch.optim.Adam" in msg
    with pytest.raises(ValueError, match="momentum belongs to gd, momentum, nesterov, rmsprop"):
        descend(BOWL, (1, 1), "adagrad", momentum=0.9)
    with pytest.raises(ValueError, match="lr argument"):
        resolve_hyperparameters("gd", lr=0.1)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"lr": -0.1}, "learning rate"),
    ({"lr": float("nan")}, "learning rate"),
    ({"steps": -1}, "steps"),
    ({"steps": 2.5}, "steps"),
    ({"tol": -1}, "tol"),
    ({"method": "adam", "betas": (0.9, 1.0)}, r"betas\[1\]"),
    ({"method": "adam", "betas": 0.9}, "pair"),
    ({"method": "rmsprop", "alpha": -1}, "alpha"),
    ({"method": "gd", "nesterov": True}, "Nesterov momentum needs"),
    ({"method": "momentum", "weight_decay": "lots"}, "number"),
    ({"method": "adam", "amsgrad": "yes"}, "True or False"),
])
def test_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        descend(BOWL, (1, 1), **kwargs)


def test_start_as_mapping_and_bad_starts():
    a = descend(QUAD, {"y": -1, "x": 2}, "adam", steps=5)
    b = descend(QUAD, (2, -1), "adam", steps=5)
    np.testing.assert_array_equal(a.points, b.points)
    with pytest.raises(ValueError, match="needs a value for y"):
        descend(QUAD, {"x": 1})
    with pytest.raises(ValueError, match="2 coordinate"):
        descend(QUAD, (1, 2, 3))


def test_constant_function():
    fn = parse("5")
    path = descend(fn, ())
    assert (path.status, path.steps_taken) == ("converged", 0)
    many = descend_many(fn, np.empty((3, 0)))
    assert list(many.status) == ["converged"] * 3


# ---------------------------------------------------------------------------------------
# Public tables


def test_method_tables_are_complete():
    assert METHODS == ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
    for table in (DEFAULTS, DESCRIPTIONS, LABELS, TORCH_EQUIVALENT, TORCH_DEFAULT_LR):
        assert tuple(table) == METHODS
    assert DEFAULTS["momentum"]["momentum"] == 0.9 and not DEFAULTS["momentum"]["nesterov"]
    assert DEFAULTS["nesterov"]["nesterov"] is True
    assert DEFAULTS["adagrad"]["eps"] == 1e-10
    assert DEFAULTS["rmsprop"]["alpha"] == 0.99
    assert DEFAULTS["adam"]["betas"] == (0.9, 0.999)
    assert TORCH_DEFAULT_LR["adagrad"] == 0.01
    with pytest.raises(TypeError):
        DEFAULTS["adam"]["eps"] = 1.0  # read-only
    assert resolve_hyperparameters("nesterov", momentum=0.5) == {
        "momentum": 0.5, "dampening": 0.0, "nesterov": True, "weight_decay": 0.0}


def test_path_records_its_settings():
    path = descend(QUAD, (2, -1), "rmsprop", lr=0.01, steps=7, tol=0, centered=True)
    assert path.method == "rmsprop" and path.lr == 0.01 and path.steps == 7
    assert path.hyper == {"alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0,
                          "centered": True}
    assert path.names == ("x", "y")
    assert path.points.shape == (8, 2) and path.grads.shape == (8, 2)
    assert path.values.shape == path.grad_norms.shape == (8,)
    np.testing.assert_array_equal(path.start, [2, -1])
    np.testing.assert_allclose(path.grads, [quad_grad(p) for p in path.points], rtol=1e-14)
    np.testing.assert_allclose(path.grad_norms, np.linalg.norm(path.grads, axis=1),
                               rtol=1e-14)
    np.testing.assert_allclose(path.values, compile_function(QUAD).values(path.points),
                               rtol=1e-14)


def test_first_steps_table():
    table = first_steps_table(QUAD, (2, -1), lr=0.1, k=3)
    assert isinstance(table, StepTable) and len(table.rows) == 3
    row = table.rows[0]
    assert row.theta == (2.0, -1.0)
    assert row.grad == (3.0, -4.0)
    assert row.lr_grad == pytest.approx((0.3, -0.4))
    assert row.theta_next == pytest.approx((1.7, -0.6))
    for r in table.rows:  # θ_{k+1} = θ_k − η∇f(θ_k), exactly as computed
        assert r.theta_next == tuple(t - s for t, s in zip(r.theta, r.lr_grad, strict=True))
    for a, b in zip(table.rows, table.rows[1:], strict=False):
        assert a.theta_next == b.theta and a.f_next == b.f
    rec = table.records()[0]
    assert list(rec) == ["k", "x_k", "y_k", "f(θ_k)", "∂f/∂x", "∂f/∂y", "η·∂f/∂x",
                         "η·∂f/∂y", "x_{k+1}", "y_{k+1}"]
    # from a path; stops early with the path
    path = descend(BOWL, (1, 1), "gd", lr=0.5)
    assert len(first_steps_table(path, k=5).rows) == 1
    up = first_steps_table(BOWL, (1, 1), lr=0.1, k=2, ascent=True)
    assert up.rows[0].theta_next == pytest.approx((1.2, 1.2))
    with pytest.raises(ValueError, match="plain gradient descent"):
        first_steps_table(descend(BOWL, (1, 1), "adam"))
    with pytest.raises(ValueError, match="start"):
        first_steps_table(BOWL)


def test_csv_round_trips():
    paths = {
        "gd": descend(ROSEN, (-1.2, 1), "gd", lr=1e-3, steps=20),
        "adam": descend(ROSEN, (-1.2, 1), "adam", lr=0.05, steps=30),
        "diverged": descend(ROSEN, (3, 3), "gd", lr=0.1, steps=10),
    }
    text = paths_to_csv(paths)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["optimizer", "step", "x", "y", "f", "grad_norm"]
    assert len(rows) == sum(len(p.points) for p in paths.values())
    for label, path in paths.items():
        mine = [r for r in rows if r["optimizer"] == label]
        assert [int(r["step"]) for r in mine] == list(range(len(path.points)))
        got = np.array([[float(r["x"]), float(r["y"])] for r in mine])
        np.testing.assert_array_equal(got, path.points)
        np.testing.assert_array_equal([float(r["f"]) for r in mine], path.values)
        np.testing.assert_array_equal([float(r["grad_norm"]) for r in mine], path.grad_norms)
    with pytest.raises(ValueError, match="same columns"):
        paths_to_csv({"a": paths["gd"], "b": descend(parse("x^2"), (1,))})


# ---------------------------------------------------------------------------------------
# The compiled f-and-gradient (exact-printed) against the symbolic gradient


@pytest.mark.parametrize("text", [e.text for e in GALLERY] + [
    "sec(x) + acot(y)", "x^y", "log(x, 10) + atan2(y, x)", "sigmoid(x*y)", "x", "-x^2",
    "x log(x)", "coth(x) + csch(y)", "exp(sin(cos(x y)))/(1 + x^2)", "abs(x - y)^3",
])
def test_compiled_gradient_matches_the_symbolic_one(text):
    fn = parse(text)
    n = len(fn.variables)
    # never "**": numpy computes scalar**2 with pow() but array**2 as a square
    assert "**" not in inspect.getsource(_compiled(fn))
    points = np.random.default_rng(3).uniform(-3, 3, (n, 500))
    with np.errstate(all="ignore"):
        ours = _compiled(fn)(*points)
        ref = compile_function(fn)._f_and_grad(*points)
    for a, b in zip(ours, ref, strict=True):
        a = np.broadcast_to(np.asarray(a, float), (500,))
        b = np.broadcast_to(np.asarray(b, float), (500,))
        ok = np.isfinite(a) & np.isfinite(b)
        np.testing.assert_array_equal(np.isfinite(a), np.isfinite(b))
        np.testing.assert_allclose(a[ok], b[ok], rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------------------------------
# Against torch.optim itself (only where torch is importable; not a dependency)


def _torch_path(torch, method, f_torch, start, lr, steps, ascent, hyper):
    h = {**DEFAULTS[method], **hyper}
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    cls = {"gd": torch.optim.SGD, "momentum": torch.optim.SGD, "nesterov": torch.optim.SGD,
           "adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop,
           "adam": torch.optim.Adam}[method]
    opt = cls([p], lr=lr, maximize=ascent, foreach=False, **h)
    points = [p.detach().clone().numpy()]
    for _ in range(steps):
        opt.zero_grad()
        f_torch(p).backward()
        opt.step()
        points.append(p.detach().clone().numpy())
    return np.array(points)


@pytest.mark.parametrize(("method", "hyper"), VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("ascent", [False, True], ids=["descent", "ascent"])
def test_matches_torch_optim_step_by_step(method, hyper, ascent):
    # requirements-dev.txt installs torch, so CI always runs this; elsewhere it may skip
    torch = __import__("torch") if os.environ.get("CI") else pytest.importorskip("torch")
    cases = [
        (QUAD, lambda p: p[0] ** 2 + 3 * p[1] ** 2 + p[0] * p[1], [2.0, -1.0]),
        (ROSEN, lambda p: (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2, [-1.2, 1.0]),
    ]
    for fn, f_torch, start in cases:
        lr = _lr(method, fn) * (0.1 if ascent else 1.0)
        ref = _torch_path(torch, method, f_torch, start, lr, 30, ascent, hyper)
        ours = descend(fn, start, method, lr=lr, steps=30, tol=0, ascent=ascent, **hyper)
        np.testing.assert_allclose(ours.points, ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("text", "start", "ascent", "words"), [
    ("x^2 - y^2", (1, 0), False, "saddle point, not a minimum"),
    ("x^2 - y^2", (0, 1), True, "saddle point, not a maximum"),
    ("-x^2 - y^2", (0, 0), False, "a maximum, not a minimum"),
    ("x^3 - 3x + y^2", (1, 0), True, "a minimum, not a maximum"),
    ("x^2 + y^2", (1, 1), False, None),
    ("-x^2 - y^2", (1, 1), True, None),
    ("x^4 + y^4", (0, 0), False, None),  # the second-derivative test is undecided
])
def test_regression_converging_to_a_saddle_is_said(text, start, ascent, words):
    # gradient descent from (1, 0) on x^2 - y^2 reached the saddle (0, 0) and was reported
    # only as "Converged after 86 steps", as if it had found a minimum
    path = descend(parse(text), start, "gd", lr=0.1, ascent=ascent)
    assert path.status == "converged"
    if words is None:
        assert "But" not in path.message
    else:
        assert words in path.message, path.message


def test_a_start_at_a_saddle_is_not_said_to_have_come_in():
    path = descend(parse("x^2 - y^2"), (0, 0), "gd", lr=0.1)
    assert path.steps_taken == 0 and "saddle point" in path.message
    assert "came in" not in path.message


def test_regression_bouncing_at_the_stability_limit_is_said():
    # η = 1 on x^2 + y^2 bounces between (2, 1) and (-2, -1) forever: only "still going"
    path = descend(parse("x^2 + y^2"), (2, 1), "gd", lr=1.0, steps=20)
    assert path.status == "max_steps" and "bouncing between two points" in path.message
    assert "bouncing" not in descend(parse("x^2 + y^2"), (2, 1), "gd", lr=1e-3, steps=20).message


def test_regression_review_stationary_starts_and_saddles_are_still_said():
    path = descend(parse("sin(x)"), (math.pi / 2,))  # ∇f = 6e-17: rounding, not a plateau
    assert "is a stationary point" in path.message and "maximum" in path.warning
    path = descend(parse("x^2 - y^2"), (1e-5, 0))  # came down to the saddle from 2e-5
    assert "saddle point" in path.warning
    path = descend(parse("x^2 - y^2"), (1, 0), tol=1e-3)
    assert "saddle point" in path.warning


def test_regression_a_smooth_power_of_abs_is_no_corner():
    from gradcore._descent import corner_piece
    assert corner_piece(parse("|x|^3 + y^2")) is None  # |x|³ is C²
    assert corner_piece(parse("(x^2 + y^2)^2 + |x|^3")) is None
    assert corner_piece(parse("|x|^3 + |x|")) == "|x|"
    assert corner_piece(parse("sin(|x|)")) == "|x|"


def test_regression_a_bounce_that_is_neither_the_limit_nor_a_corner_says_so():
    # |x|^1.5 bounces near 0 (its slope shrinks like √|x|, slower than the distance); the
    # warning blamed the stability limit η = 2/λ, which η·λ = 1 is not
    path = descend(parse("|x|^1.5"), (0.3,), "gd", lr=0.2, steps=300)
    assert "not at the stability limit" in path.warning
    assert "stability limit (η = 2/λ" in descend(parse("x^2 + y^2"), (1, 1), "gd", lr=1.0,
                                                  steps=50).warning


def test_regression_review2_a_flat_start_gets_no_extremum_warning():
    # "this is not a stationary point. But this is a minimum, not a maximum: ∇f = 0 here"
    path = descend(parse("x^3"), (1e-5,), ascent=True)
    assert "not a stationary point" in path.message and path.warning == ""


def test_regression_review2_abs_of_a_never_negative_argument_is_no_corner():
    from gradcore._descent import corner_piece
    assert corner_piece(parse("|x^2| + y^2")) is None  # |x²| is x²
    assert corner_piece(parse("|x y|")) == "|x·y|"


@pytest.mark.parametrize("text, corner", [
    ("|x^3| + y^2", None),       # |x³| = |x|³ is C²
    ("x^2 |x| + y^2", None),     # = |x|³
    ("x |x| + y^2", None),       # slope 2|x|: continuous
    ("(x - 1) |x - 1|", None),
    ("|x| x y", None),           # the cofactor vanishes where x does
    ("|x^3 y|", "|x^3·y|"),      # along y = 0 (x ≠ 0) the slope jumps
    ("|x| |y|", "|x|"),          # along x = 0 the cofactor |y| is not 0
    ("|x| |x y|", "|x·y|"),      # = x²|y|: a corner along y = 0 only
    ("|x| y", "|x|"),
    ("|x|^(1/2) + y^2", "|x|"),  # a cusp: no settling either
    ("|x^2 - 1|", "|x^2 - 1|"),
    ("|x^3 (y^2 + 1)|", None),   # review: y² + 1 never reaches 0
    ("|x (y^2 + 1)|", "|x·(y^2 + 1)|"),
])
def test_regression_corner_piece_reads_smooth_uses_of_abs(text, corner):
    # |x³|, x²|x| and x|x| were called corners: the descent page then said "at a corner of
    # |x^3|, a fixed step never settles", which is false (last stop's closing note)
    from gradcore._descent import corner_piece
    assert corner_piece(parse(text)) == corner


@pytest.mark.parametrize("method", METHODS)
def test_describe_and_torch_code_for_descent_and_ascent(method):
    from gradcore.descent import describe, torch_code

    assert describe(method) == DESCRIPTIONS[method]
    up = describe(method, ascent=True)
    assert "ascent" in up and "θ ← θ − η" not in up
    assert torch_code(method, 0.05) == TORCH_EQUIVALENT[method].replace("lr", "lr=0.05")
    assert torch_code(method, 0.05, ascent=True).endswith(", maximize=True)")
    with pytest.raises(KeyError):
        describe("sgd!")
