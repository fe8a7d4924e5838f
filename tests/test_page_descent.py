"""AppTest runs of the Gradient descent page (pages/descent.py): the animation, loss charts,
the worked first steps, divergence explained with the safe-rate button, the ascent pitfall,
basins of attraction, three and one variables, the CSV download and the share link."""

from __future__ import annotations

import base64
import csv
import io
import json
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from gradapp import descent_view as dv
from gradcore import evaluate, parse
from gradcore._descent import descend, paths_to_csv

PAGE = "pages/descent.py"
BOWL = "x^2 + y^2"
NARROW = "x^2 + 20y^2"
ROSEN = "(1 - x)^2 + 100(y - x^2)^2"
HIMMELBLAU = "(x^2 + y - 11)^2 + (x + y^2 - 7)^2"


def open_page(f: str | None = None, p: str | None = None, **params: str) -> AppTest:
    """A fresh session opened on a share link, switched to the Gradient descent page."""
    at = AppTest.from_file("../app.py", default_timeout=60)
    if f is not None:
        at.query_params["f"] = f
    if p is not None:
        at.query_params["p"] = p
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(PAGE).run()
    no_failure(at)
    return at


def no_failure(at) -> None:
    assert not at.exception, at.exception
    assert not any("Something went wrong" in e.value for e in at.error)


def _array(value) -> np.ndarray:
    """A figure's array as JSON holds it: a list, or Plotly's base64 typed array."""
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    return np.asarray(value, dtype=float)


def charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def animation(at) -> dict:
    found = [c for c in charts(at) if c.get("frames")]
    assert len(found) == 1
    return found[0]


def texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for kind in (at.info, at.warning, at.success, at.error):
        parts += [e.value for e in kind]
    return "\n".join(parts)


def _cells(line: str) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", c).strip()
            for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def _value(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def tables(at) -> list[list[dict]]:
    """The page's Markdown tables (``ui.table``), as rows of {column: number or text}."""
    out = []
    for m in at.markdown:
        lines = m.value.splitlines()
        if len(lines) >= 2 and lines[0].startswith("| ") and set(lines[1]) <= set("|-:"):
            head = _cells(lines[0])
            out.append([dict(zip(head, map(_value, _cells(row)), strict=True))
                        for row in lines[2:]])
    return out


def summary_table(at) -> list[dict]:
    found = [t for t in tables(at) if "end θ" in t[0]]
    assert len(found) == 1
    return found[0]


def worked_table(at) -> list[dict]:
    found = [t for t in tables(at) if "xₖ₊₁" in t[0]]
    assert len(found) == 1
    return found[0]


def set_methods(at, methods) -> None:
    at.multiselect(key=dv.W_METHODS).set_value(list(methods)).run()
    no_failure(at)


def set_lr(at, method: str, lr: float) -> None:
    at.select_slider(key=f"descent_lr_{method}").set_value(lr).run()
    no_failure(at)


# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [NARROW, ROSEN])
def test_several_optimizers_animate_over_the_contour_map(text):
    at = open_page(text, "-1,2")
    set_methods(at, ["gd", "momentum", "adam"])
    fig = animation(at)
    play = [b["label"] for b in fig["layout"]["updatemenus"][0]["buttons"]]
    assert any("Play" in label for label in play) and any("Pause" in label for label in play)
    assert fig["layout"]["sliders"][0]["steps"]
    assert 2 <= len(fig["frames"]) <= 200
    names = [t.get("name", "") for t in fig["data"]]
    for label in ("Gradient descent (η", "Momentum (η", "Adam (η"):
        assert any(n.startswith(label) for n in names)
    assert "click-layer" in names  # clicking anywhere picks a start
    # the level curves' values, written on the drawn curves
    labels = fig["data"][0]
    assert labels["name"] == "level labels" and labels["mode"] == "text"
    assert len(labels["text"]) >= 4 and fig["layout"]["shapes"][0]["path"]
    values = np.array([float(t.replace("\u2212", "-")) for t in labels["text"]])
    on = evaluate(parse(text), np.column_stack([_array(labels["x"]), _array(labels["y"])]))
    gaps = np.diff(np.unique(values))
    assert np.allclose(on.values, values, atol=0.1 * gaps.min(), rtol=0.02)
    # loss and gradient-norm charts, one line per optimizer, log scale
    losses = [c for c in charts(at) if c["layout"].get("yaxis", {}).get("type") == "log"]
    assert len(losses) == 2
    assert all(len(c["data"]) == 3 for c in losses)
    assert worked_table(at) is not None
    assert len(summary_table(at)) == 3  # the run summary


def test_frames_are_subsampled_for_long_runs():
    at = open_page(NARROW)
    at.slider(key=dv.W_STEPS).set_value(1000).run()
    set_lr(at, "gd", 0.001)  # slow: runs all 1000 steps
    fig = animation(at)
    assert len(fig["frames"]) == dv.MAX_FRAMES
    assert fig["frames"][-1]["name"] == "1000"
    assert fig["layout"]["images"] and fig["layout"]["shapes"][0]["type"] == "path"


def test_first_steps_table_for_the_seed_example():
    at = open_page(BOWL, "1,2")
    set_lr(at, "gd", 0.1)
    df = worked_table(at)
    assert [r["k"] for r in df][:2] == [0, 1]
    row = df[0]
    assert (row["xₖ"], row["yₖ"]) == (1.0, 2.0)
    assert (row["∂f/∂x"], row["∂f/∂y"]) == (2.0, 4.0)
    assert row["η·∂f/∂x"] == pytest.approx(0.2) and row["η·∂f/∂y"] == pytest.approx(0.4)
    assert row["xₖ₊₁"] == pytest.approx(0.8) and row["yₖ₊₁"] == pytest.approx(1.6)
    assert row["f(θₖ)"] == 5.0
    assert df[1]["xₖ"] == pytest.approx(0.8)  # the next row starts where this ended
    tex = [e.body for e in at.latex]
    assert any(r"\theta_{k+1} = \theta_k - \eta" in t for t in tex)
    worked = next(t for t in tex if r"\theta_1 = \theta_0" in t)
    assert "0.1" in worked and "0.8" in worked and "1.6" in worked


def test_table_without_gd_among_the_optimizers_still_uses_plain_gd():
    at = open_page(BOWL, "1,2")
    set_methods(at, ["adam"])
    df = worked_table(at)
    assert df[0]["xₖ₊₁"] == pytest.approx(0.8)
    assert "plain gradient descent with η = 0.1" in texts(at)


def test_divergence_is_explained_and_the_safe_rate_button_fixes_it():
    at = open_page(BOWL, "1,2")
    set_methods(at, ["gd"])
    set_lr(at, "gd", 2.0)
    errors = [e.value for e in at.error]
    assert any("Diverged at step" in e for e in errors)
    explained = texts(at)
    assert "η < 2/λₘₐₓ = **1**" in explained
    assert "eigenvalues λ = 2, 2" in explained
    assert "multiplies the distance" in explained and "3" in explained
    assert any(r"H = \left[\begin{matrix}2 & 0\\0 & 2\end{matrix}\right]" in e.body
               for e in at.latex)
    button = at.button(key="descent_safe_gd")
    assert "0.9" in button.label
    button.click().run()
    no_failure(at)
    lr = at.select_slider(key="descent_lr_gd").value
    assert lr == 0.9 and lr < 1.0  # below 2/λ_max = 1
    assert not any("Diverged" in e.value for e in at.error)
    assert at.query_params["lr"] == "0.9"


def test_momentum_divergence_uses_its_own_bound():
    at = open_page(BOWL, "1,2")
    set_methods(at, ["momentum"])
    set_lr(at, "momentum", 5.0)
    assert "2(1+μ)/λₘₐₓ = **1.9**" in texts(at)
    at.button(key="descent_safe_momentum").click().run()
    assert at.select_slider(key="descent_lr_momentum").value == 1.5  # grid ≤ 0.9 × 1.9


def test_adam_leaving_the_domain_is_explained_and_offers_a_smaller_rate():
    at = open_page("x^2 + y^2 + sqrt(x)", "1,2")
    set_methods(at, ["adam"])
    set_lr(at, "adam", 10.0)
    assert any("Diverged at step 1: f is undefined" in e.value for e in at.error)
    assert "no bound comes from the Hessian" in texts(at)
    at.button(key="descent_smaller_adam").click().run()
    assert at.select_slider(key="descent_lr_adam").value == 1.0


def test_ascent_toggle_moves_uphill_and_warns():
    at = open_page(BOWL, "1,2")
    at.toggle(key=dv.W_ASCENT).set_value(True).run()
    no_failure(at)
    assert any("sign is flipped" in w.value for w in at.warning)
    assert any(r"\theta_{k+1} = \theta_k + \eta" in e.body for e in at.latex)
    df = worked_table(at)
    assert df[0]["xₖ₊₁"] == pytest.approx(1.2) and df[0]["yₖ₊₁"] == pytest.approx(2.4)
    f = [r["f(θₖ)"] for r in df]
    assert all(b > a for a, b in zip(f, f[1:], strict=False))  # uphill, every step
    assert at.query_params["asc"] == "1"
    at.toggle(key=dv.W_ASCENT).set_value(False).run()
    assert worked_table(at)[0]["xₖ₊₁"] == pytest.approx(0.8)
    assert "asc" not in at.query_params


def test_basins_are_off_until_asked_for():
    at = open_page(HIMMELBLAU, "1,2")
    assert at.toggle(key=dv.W_BASINS).value is False
    assert "starts with" not in texts(at)
    assert not [c for c in charts(at) if any("minimum" in t.get("name", "") for t in c["data"])]
    at.toggle(key=dv.W_BASINS).set_value(True).run()
    assert "400 starts" in texts(at)


def test_himmelblau_has_four_basins():
    at = open_page(HIMMELBLAU, "1,2", basins="1")
    assert at.toggle(key=dv.W_BASINS).value
    basin = [c for c in charts(at) if any("minimum" in t.get("name", "") for t in c["data"])]
    assert len(basin) == 1
    groups = [t["name"] for t in basin[0]["data"] if t.get("name", "").startswith("→ minimum")]
    assert len(groups) == 4
    assert any(t.get("name") == "level labels" for t in basin[0]["data"])
    assert all(not g.endswith("(0)") for g in groups)  # every basin was reached
    assert "4 basins" in texts(at)
    assert "400 starts" in texts(at)
    # another optimizer and grid size
    at.selectbox(key=dv.W_BASIN_METHOD).set_value("adam").run()
    at.select_slider(key=dv.W_BASIN_N).set_value(10).run()
    no_failure(at)
    assert "100 starts with Adam" in texts(at)


def test_three_variables_draw_a_3d_path():
    at = open_page("x^2 + 2y^2 + 3z^2", "1,1,1")
    assert len(at.number_input) >= 3
    figs = [c for c in charts(at) if any(t["type"] == "scatter3d" for t in c["data"])]
    assert len(figs) == 1
    assert worked_table(at)[0]["zₖ₊₁"] is not None


def test_one_variable_draws_the_path_on_the_curve():
    at = open_page("x^4 - 3x^2 + x", "2")
    figs = charts(at)
    assert any(t.get("name") == "f(x)" for t in figs[0]["data"])
    assert worked_table(at) is not None


def test_four_variables_explain_that_paths_are_not_drawn():
    at = open_page("w^2 + x^2 + y^2 + z^2")
    assert "cannot be drawn" in texts(at)
    assert len(charts(at)) == 2  # the loss charts


def test_csv_download_holds_the_paths():
    at = open_page(BOWL, "1,2")
    buttons = [b for b in at.get("download_button") if "CSV" in b.proto.label]
    assert len(buttons) == 1
    # the same text as paths_to_csv of the same runs
    fn = parse(BOWL)
    p = descend(fn, (1, 2), "gd", lr=0.1, steps=100)
    text = paths_to_csv({"Gradient descent (η = 0.1)": p})
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["optimizer", "step", "x", "y", "f", "grad_norm"]
    assert rows[2][2:4] == ["0.8", "1.6"]


def test_settings_are_mirrored_in_the_link_and_read_back():
    at = open_page(NARROW, "1,2")
    set_methods(at, ["gd", "adam"])
    set_lr(at, "adam", 0.02)
    at.slider(key=dv.W_STEPS).set_value(50).run()
    qp = at.query_params
    assert qp["opt"] == "gd,adam" and qp["lr"] == "0.04,0.02" and qp["steps"] == "50"
    again = open_page(NARROW, "1,2", opt="gd,adam", lr="0.04,0.02", steps="50")
    assert again.multiselect(key=dv.W_METHODS).value == ["gd", "adam"]
    assert again.select_slider(key="descent_lr_adam").value == 0.02
    assert again.slider(key=dv.W_STEPS).value == 50


@pytest.mark.parametrize(("params", "methods", "steps"), [
    ({"opt": "__import__('os'),gd,gd,ADAM,evil", "steps": "1e9"}, ["gd", "adam"], 1000),
    ({"opt": "", "lr": "nan,inf", "steps": "-5"}, ["gd", "momentum", "adam"], 1),
    ({"opt": "x" * 5000, "lr": "1" * 500, "steps": "abc"}, ["gd", "momentum", "adam"], 100),
    ({"opt": "nesterov,rmsprop,adagrad,momentum,gd", "lr": "0.123,1e-30,1e30"},
     ["nesterov", "rmsprop", "adagrad", "momentum"], 100),
])
def test_hostile_links_are_cleaned(params, methods, steps):
    at = open_page(BOWL, "1,2", **params)
    assert at.multiselect(key=dv.W_METHODS).value == methods
    assert at.slider(key=dv.W_STEPS).value == steps
    if params.get("lr", "").startswith("0.123"):
        assert at.select_slider(key="descent_lr_nesterov").value == 0.12
        assert at.select_slider(key="descent_lr_rmsprop").value == 1e-4
        assert at.select_slider(key="descent_lr_adagrad").value == 10.0


def test_read_link_unit():
    assert dv.read_link({"opt": "adam,gd", "lr": "0.5,2", "asc": "1"}) == {
        "methods": ["adam", "gd"], "lr": {"adam": 0.5, "gd": 2.0}, "ascent": True}
    assert dv.read_link({"lr": "0.5"}) == {}  # rates without methods mean nothing
    assert dv.read_link({"asc": "yes"}) == {}


def test_new_function_gets_stable_learning_rates():
    at = open_page(BOWL, "1,2")
    assert at.select_slider(key="descent_lr_gd").value == 0.1
    at.session_state["fn_text"] = ROSEN
    at.run()
    no_failure(at)
    lr = at.select_slider(key="descent_lr_gd").value
    assert lr <= 0.001  # Rosenbrock's valley is steep: 2/λ_max ≈ 0.002 at (1, 1)
    assert not any("Diverged" in e.value for e in at.error)


def test_start_inputs_move_the_shared_point():
    at = open_page(BOWL, "1,2")
    at.number_input(key="descent_pt_x").set_value(-2.0).run()
    no_failure(at)
    assert at.query_params["p"] == "-2,2"
    assert worked_table(at)[0]["xₖ"] == -2.0


def test_hyperparameters_change_the_run():
    at = open_page(NARROW, "1,2")
    first = summary_table(at)[1]["end θ"]
    at.slider(key="descent_hp_momentum_momentum").set_value(0.5).run()
    no_failure(at)
    assert summary_table(at)[1]["end θ"] != first
    at.slider(key="descent_hp_adam_beta1").set_value(0.5).run()
    at.select_slider(key="descent_hp_adam_beta2").set_value(0.99).run()
    no_failure(at)


def test_no_optimizer_chosen():
    at = open_page(BOWL)
    set_methods(at, [])
    assert "Choose at least one optimizer" in texts(at)
    assert "opt" not in at.query_params


def test_projector_mode_renders_big_figures():
    at = open_page(NARROW, "1,2", proj="1")
    fig = animation(at)
    normal = animation(open_page(NARROW, "1,2"))
    # big type and thick lines, in a figure that fits a 1280×720 screen under the title
    assert fig["layout"]["font"]["size"] >= 20 > normal["layout"]["font"]["size"]
    widths = [t["line"]["width"] for t in fig["data"] if t.get("mode") == "lines+markers"]
    assert min(widths) > max(t["line"]["width"] for t in normal["data"]
                             if t.get("mode") == "lines+markers")
    assert fig["layout"]["height"] <= 520


def test_settings_survive_a_visit_to_another_page():
    at = open_page(BOWL, "1,2")
    set_methods(at, ["adam"])
    set_lr(at, "adam", 0.3)
    at.switch_page("pages/function.py").run()
    at.switch_page(PAGE).run()
    no_failure(at)
    assert at.multiselect(key=dv.W_METHODS).value == ["adam"]
    assert at.select_slider(key="descent_lr_adam").value == 0.3


@pytest.mark.parametrize("text", ["log(x) + y^2", "1/(x^2 + y^2)", "x^3 + y", "5",
                                  "|x| + |y|", "e^(x^2 y)"])
def test_awkward_functions_render(text):
    at = open_page(text, "1,2")
    no_failure(at)


def test_start_outside_the_domain_says_so():
    at = open_page("log(x) + y^2", "-1,2")
    assert any("outside f's domain" in e.value for e in at.error)
    assert "No step was taken" in texts(at)
    assert animation(at)["frames"]


def test_ascent_on_an_unbounded_function_explains_the_climb():
    at = open_page(BOWL, "1,2")
    set_methods(at, ["gd"])
    set_lr(at, "gd", 0.5)
    at.toggle(key=dv.W_ASCENT).set_value(True).run()
    no_failure(at)
    assert any("no maximum" in e.value for e in at.error)
    assert not [b for b in at.button if b.key and b.key.startswith("descent_safe")]


# ----------------------------------------------------------------------------- share links:
# hyperparameters (hp) and basins of attraction (basins, bopt, bn)


def share_box(at) -> str:
    return " ".join(c.value for c in at.code if "?" in c.value)


def hyper(at, method: str, name: str):
    key = f"descent_hp_{method}_{name}"
    kind = next(k for n, _l, k, *_ in dv.HYPER_WIDGETS[method] if n == name)
    return (at.slider(key=key) if kind == "slider" else at.select_slider(key=key)).value


def open_direct(f: str, **params: str) -> AppTest:
    """A fresh session whose first run is the Gradient descent page itself."""
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.query_params["f"] = f
    for k, v in params.items():
        at.query_params[k] = v
    at.switch_page(PAGE).run()
    no_failure(at)
    return at


HP = "momentum.momentum:0.5,rmsprop.alpha:0.9,rmsprop.momentum:0.3,adam.beta1:0.8," \
     "adam.beta2:0.99"


@pytest.mark.parametrize("direct", [True, False], ids=["first-load", "navigation"])
def test_link_sets_the_hyperparameters(direct):
    params = dict(opt="momentum,rmsprop,adam", hp=HP + ",nesterov.momentum:0.7")
    at = open_direct(NARROW, **params) if direct else open_page(NARROW, "1,2", **params)
    assert hyper(at, "momentum", "momentum") == 0.5
    assert hyper(at, "rmsprop", "alpha") == 0.9
    assert hyper(at, "rmsprop", "momentum") == 0.3
    assert hyper(at, "adam", "beta1") == 0.8
    assert hyper(at, "adam", "beta2") == 0.99
    # the runs use them: the same as a session that set them by hand
    by_hand = open_page(NARROW, "1,2", opt="momentum,rmsprop,adam")
    by_hand.slider(key="descent_hp_momentum_momentum").set_value(0.5).run()
    by_hand.select_slider(key="descent_hp_rmsprop_alpha").set_value(0.9).run()
    by_hand.slider(key="descent_hp_rmsprop_momentum").set_value(0.3).run()
    by_hand.slider(key="descent_hp_adam_beta1").set_value(0.8).run()
    by_hand.select_slider(key="descent_hp_adam_beta2").set_value(0.99).run()
    assert [r["end θ"] for r in summary_table(at)] == [r["end θ"] for r in summary_table(by_hand)]
    # Nesterov is not chosen: its value is remembered, but only chosen methods are written
    assert at.query_params["hp"] == HP
    assert by_hand.query_params["hp"] == HP
    set_methods(at, ["nesterov"])
    assert hyper(at, "nesterov", "momentum") == 0.7
    assert at.query_params["hp"] == "nesterov.momentum:0.7"


def test_hyperparameter_widgets_write_the_link():
    at = open_page(NARROW, "1,2")
    assert "hp" not in at.query_params  # all defaults
    at.slider(key="descent_hp_adam_beta1").set_value(0.75).run()
    no_failure(at)
    assert at.query_params["hp"] == "adam.beta1:0.75"
    assert "hp=adam.beta1%3A0.75" in share_box(at)  # the box is not a run behind
    at.slider(key="descent_hp_momentum_momentum").set_value(0.95).run()
    assert at.query_params["hp"] == "momentum.momentum:0.95,adam.beta1:0.75"
    at.slider(key="descent_hp_adam_beta1").set_value(0.9).run()  # back to the default
    at.slider(key="descent_hp_momentum_momentum").set_value(0.9).run()
    assert "hp" not in at.query_params


def test_hyperparameters_survive_a_visit_to_another_page():
    at = open_page(NARROW, "1,2")
    at.select_slider(key="descent_hp_adam_beta2").set_value(0.9).run()
    at.switch_page("pages/function.py").run()
    at.switch_page(PAGE).run()
    no_failure(at)
    assert hyper(at, "adam", "beta2") == 0.9
    assert at.query_params["hp"] == "adam.beta2:0.9"


@pytest.mark.parametrize(("hp", "expected"), [
    ("momentum.momentum:nan,adam.beta1:inf,adam.beta2:-inf", {}),
    ("momentum.momentum:abc,adam.beta1:1e999,adam.beta2:", {}),
    ("evil.momentum:0.5,adam.__class__:1,adam.eps:1,gd.momentum:0.5,adam:0.5", {}),
    pytest.param("x" * 5000, {}, id="overlong"),
    pytest.param("momentum.momentum:0.5," * 40, {}, id="too-long-as-a-whole"),
    ("<script>alert(1)</script>", {}),
    ("momentum.momentum:1e300,nesterov.momentum:-5,adam.beta1:0.123,rmsprop.alpha:1e300",
     {("momentum", "momentum"): 0.99, ("nesterov", "momentum"): 0.01,
      ("rmsprop", "alpha"): 0.999, ("adam", "beta1"): 0.12}),
    ("rmsprop.alpha:0.96,adam.beta2:7, ADAM.Beta1 :0.5",  # names as opt: any case
     {("rmsprop", "alpha"): 0.95, ("adam", "beta1"): 0.5, ("adam", "beta2"): 0.9999}),
])
def test_hostile_hyperparameters_are_ignored_or_snapped(hp, expected):
    at = open_page(BOWL, "1,2", opt="momentum,nesterov,rmsprop,adam", hp=hp)
    assert not at.error
    defaults = {(m, n): v for m, values in dv._default_hyper().items()
                for n, v in values.items()}
    for (m, n), default in defaults.items():
        assert hyper(at, m, n) == pytest.approx(expected.get((m, n), default)), (m, n)
    if expected:
        assert at.query_params["hp"] == ",".join(
            f"{m}.{n}:{expected[m, n]:g}" for m in ("momentum", "nesterov", "rmsprop", "adam")
            for n, *_ in dv.HYPER_WIDGETS[m] if (m, n) in expected)
    else:
        assert "hp" not in at.query_params


def test_link_sets_the_basins_settings():
    at = open_page(HIMMELBLAU, "1,2", opt="gd,adam", basins="1", bopt="adam", bn="10")
    assert at.selectbox(key=dv.W_BASIN_METHOD).value == "adam"
    assert at.select_slider(key=dv.W_BASIN_N).value == 10
    assert "100 starts with Adam" in texts(at)
    assert at.query_params["bopt"] == "adam" and at.query_params["bn"] == "10"
    assert at.query_params["basins"] == "1"
    off = open_direct(HIMMELBLAU, basins="0")
    assert off.toggle(key=dv.W_BASINS).value is False
    assert "starts with" not in texts(off)
    assert "basins" not in off.query_params  # the default is not written
    on = open_direct(HIMMELBLAU, basins="1")
    assert on.toggle(key=dv.W_BASINS).value is True
    assert "starts with" in texts(on)


def test_basins_widgets_write_the_link():
    at = open_page(HIMMELBLAU, "1,2")
    assert not {"basins", "bopt", "bn"} & set(at.query_params)  # defaults
    at.toggle(key=dv.W_BASINS).set_value(True).run()
    assert at.query_params["basins"] == "1"
    assert "basins=1" in share_box(at)
    at.selectbox(key=dv.W_BASIN_METHOD).set_value("momentum").run()
    at.select_slider(key=dv.W_BASIN_N).set_value(25).run()
    no_failure(at)
    assert at.query_params["bopt"] == "momentum" and at.query_params["bn"] == "25"
    assert "bopt=momentum" in share_box(at) and "bn=25" in share_box(at)
    at.selectbox(key=dv.W_BASIN_METHOD).set_value("gd").run()  # the first one: default
    at.select_slider(key=dv.W_BASIN_N).set_value(20).run()
    assert not {"bopt", "bn"} & set(at.query_params)
    at.toggle(key=dv.W_BASINS).set_value(False).run()
    assert not {"basins", "bopt", "bn"} & set(at.query_params)
    assert "basins=" not in share_box(at)


@pytest.mark.parametrize(("params", "method", "size", "on"), [
    ({"bopt": "evil", "bn": "nan", "basins": "yes"}, "gd", 20, False),
    ({"bopt": "<script>", "bn": "inf", "basins": "1e9"}, "gd", 20, False),
    ({"bopt": "x" * 5000, "bn": "9" * 5000, "basins": "1" * 5000}, "gd", 20, False),
    ({"bopt": "nesterov", "bn": "1e300", "basins": "1"}, "gd", 30, True),  # not chosen
    ({"bopt": " ADAM ", "bn": "-7", "basins": "1"}, "adam", 10, True),
    ({"bn": "abc", "basins": "1"}, "gd", 20, True),
])
def test_hostile_basins_settings_are_ignored_or_snapped(params, method, size, on):
    at = open_page(HIMMELBLAU, "1,2", **params)
    assert not at.error
    assert at.toggle(key=dv.W_BASINS).value is on
    if not on:  # hostile on/off values leave the basins off; look at the rest switched on
        at.toggle(key=dv.W_BASINS).set_value(True).run()
    assert at.selectbox(key=dv.W_BASIN_METHOD).value == method
    assert at.select_slider(key=dv.W_BASIN_N).value == size


def test_read_link_unit_hyperparameters_and_basins():
    assert dv.read_link({"hp": "adam.beta1:0.5,momentum.momentum:0.955", "basins": "0",
                         "bopt": "rmsprop", "bn": "12"}) == {
        "hyper": {"adam": {"beta1": 0.5}, "momentum": {"momentum": 0.96}},
        "basins": False, "basin_method": "rmsprop", "basin_n": 10}
    assert dv.read_link({"hp": "adam.beta1", "bopt": "sgd", "bn": "x"}) == {}
    assert dv.snap_hyper("adam", "beta2", 0.9991) == 0.999
    assert dv.snap_hyper("adam", "betas", 0.5) is None


def test_regression_half_width_charts_export_landscape_pngs():
    # the loss and gradient-norm charts sit in half-page columns: their PNGs came out
    # portrait (1206×1800), which suits slides poorly
    at = open_page("x^2 + y^2", "1,2")
    configs = {c.proto.id: json.loads(c.proto.config) for c in at.get("plotly_chart")}
    loss = [cfg["toImageButtonOptions"] for cfg in configs.values()
            if cfg["toImageButtonOptions"]["filename"] in ("descent-loss",
                                                           "descent-gradient-norm")]
    assert len(loss) == 2
    for opts in loss:
        assert (opts["width"] * opts["scale"], opts["height"] * opts["scale"]) == (1920, 1080)


def test_regression_a_saddle_gets_no_stability_promise():
    # "Stable for η < 1 everywhere (f is quadratic)" for x^2 - y^2, above runs that diverged
    at = open_page("x^2 - y^2", "1,0.5", opt="gd,momentum")
    text = texts(at)
    assert "Stable for" not in text
    assert "No η converges: f is unbounded below" in text
    assert "unbounded below along that direction" in text  # why the runs diverged
    assert not any(b.label.startswith("Set a safe rate") for b in at.button)


def test_regression_ascent_gets_no_unbounded_below_caption():
    # climbing -x^2 - y^2 converges; the caption said "No η converges: f is unbounded below"
    at = open_page("-x^2 - y^2", "1,2", asc="1")
    assert "No η converges" not in texts(at)


def test_regression_projector_keeps_the_saddle_warning_and_grammar():
    # projected, the per-run notes were all dropped, so a run that stopped at the saddle
    # of x^2 - y^2 read as plain success
    at = open_page("x^2 - y^2", "1,0", proj="1", opt="gd")
    assert "saddle point, not a minimum" in texts(at)
    at = open_page(BOWL, "1,2", opt="gd", lr="1.2")  # diverges: the Hessian sentence
    assert "everywhere; it has eigenvalues" in texts(at)


def test_regression_a_corner_gets_no_quadratic_promise():
    # |x| + y² was "Stable for η < 1 everywhere (f is quadratic)": its Hessian is constant
    # only because sign′ = 0, and gradient descent bounces across the corner at any η
    text = texts(open_page("|x| + y^2", "1,1", opt="gd"))
    assert "everywhere (f is quadratic)" not in text
    assert "At a corner of \\|x\\|" in text or "At a corner of |x|" in text
    assert "across a corner of |x|" in text or "across a corner of \\|x\\|" in text


def test_regression_ascent_on_a_bowl_gets_no_stability_promise():
    # seed walkthrough: with gradient ascent on, x² + y² still said "Stable for η < 1"
    # above runs that diverged (ascent is descent on −f, which has no minimum)
    text = texts(open_page("x^2 + y^2", "1,2", asc="1"))
    assert "Stable for" not in text and "unbounded above" in text
    text = texts(open_page("-x^2 - y^2", "1,2", asc="1"))  # a dome: ascent converges
    assert "Stable for η" in text.replace("\\", "")


def test_regression_the_intro_matches_ascent():
    # teacher QA: with asc=1 the intro still said "to minimise f we step the other way"
    # right above θ ← θ + η∇f(θ)
    at = open_page("x^2 + y^2", asc="1")
    text = " ".join(m.value for m in at.markdown)
    assert "**maximise** f we step along it" in text and "minimise" not in text


def test_regression_the_loss_caption_names_the_scale_drawn():
    # teacher QA 2: "Log scale: a straight falling line…" stood under two linear charts
    # (f went below 0 on xyz)
    captions = " ".join(c.value for c in open_page("xyz").caption)
    assert "Linear scale for f" in captions and "Log scale:" not in captions
    assert "Log scale:" in " ".join(c.value for c in open_page("x^2 + y^2").caption)


def test_regression_ascent_runs_are_named_gradient_ascent():
    # teacher QA 2: in ascent mode the runs were still labelled "Gradient descent (η = …)"
    at = open_page("-x^2 - y^2", "1,2", asc="1")
    assert [r["optimizer"] for r in summary_table(at)] == ["Gradient ascent", "Momentum",
                                                           "Adam"]
    names = {t.get("name", "") for c in charts(at) for t in c["data"]}
    assert "Gradient ascent (η = 0.1)" in names
    assert not [n for n in names if "Gradient descent" in n]
    projected = open_page("-x^2 - y^2", "1,2", asc="1", proj="1")
    names = {t.get("name", "") for c in charts(projected) for t in c["data"]}
    assert "GA" in names and "GD" not in names
    # descending, the names are unchanged
    down = open_page("x^2 + y^2", "1,2")
    assert summary_table(down)[0]["optimizer"] == "Gradient descent"
    assert "Gradient descent (η = 0.1)" in {t.get("name", "") for c in charts(down)
                                             for t in c["data"]}


def test_regression_ascent_describes_the_climb_everywhere():
    # teacher QA 3: with asc=1 the optimizer card still said "step against the gradient,
    # θ ← θ − η∇f(θ)", the table "The first steps of gradient descent" and the loss
    # caption "a straight falling line … ‖∇f‖ → 0 at a minimum"
    at = open_page("x^2 + y^2", "1,2", asc="1", opt="gd,momentum")
    words = " ".join([*(c.value for c in at.caption), *(s.value for s in at.subheader),
                      *(e.value for e in at.code), *(s.help or "" for s in at.select_slider)])
    assert "Plain gradient ascent: step along the gradient, θ ← θ + η∇f(θ)" in words
    assert "θ ← θ + ηb" in words and "θ ← θ − η" not in words
    assert "against the gradient" not in words
    assert "The first steps of gradient ascent, in numbers" in words
    assert "maximize=True" in words
    assert "Climbing, f rises" in words and "at a minimum" not in words
    down = open_page("x^2 + y^2", "1,2", opt="gd,momentum")
    words = " ".join([*(c.value for c in down.caption), *(s.value for s in down.subheader),
                      *(e.value for e in down.code)])
    assert "step against the gradient, θ ← θ − η∇f(θ)" in words
    assert "The first steps of gradient descent, in numbers" in words
    assert "maximize" not in words and "‖∇f‖ → 0 at a minimum" in words
