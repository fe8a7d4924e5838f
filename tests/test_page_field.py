"""AppTest runs of the Gradient field page (pages/field.py)."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import gradcore as gc

BOWL = "x^2 + y^2"
HIMMELBLAU = gc.example("Himmelblau").text


def open_field(f: str | None = None, **query) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=30)
    if f is not None:
        at.query_params["f"] = f
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/field.py").run()
    assert not at.exception, at.exception
    return at


def figures(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def traces(fig: dict, name: str | None = None, kind: str | None = None) -> list[dict]:
    return [t for t in fig["data"] if (name is None or t.get("name") == name)
            and (kind is None or t["type"] == kind)]


def array(value) -> np.ndarray:
    """A Plotly JSON array: base64-packed typed array or a plain list."""
    if isinstance(value, dict) and "bdata" in value:
        a = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            a = a.reshape([int(s) for s in str(value["shape"]).split(",")])
        return a.astype(float)
    return np.asarray(value, dtype=float)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def infos(at: AppTest) -> str:
    return " ".join(i.value for i in at.info)


def check_arrows_follow_gradient(fig: dict, fn: gc.Function, n_expected: int) -> None:
    (arrow,) = traces(fig, "∇f, drawn to scale", "scatter")
    xs, ys = array(arrow["x"]), array(arrow["y"])
    assert xs.size == 6 * n_expected
    blocks = np.column_stack([xs, ys]).reshape(-1, 6, 2)  # base, tip, barb, tip, barb, gap
    assert np.isnan(blocks[:, 5]).all()
    for i in (0, n_expected // 3, n_expected - 1):
        base, tip = blocks[i, 0], blocks[i, 1]
        g = gc.gradient_at(fn, base)
        d = tip - base
        cos = d @ g / (np.linalg.norm(d) * np.linalg.norm(g))
        assert cos == pytest.approx(1.0, abs=1e-5), (base, d, g)


# ----------------------------------------------------------------------------- 2 variables


@pytest.mark.parametrize("text", [BOWL, HIMMELBLAU], ids=["bowl", "himmelblau"])
def test_contour_with_arrows_along_the_gradient(text):
    at = open_field(text)
    assert not at.error
    (fig,) = figures(at)
    assert traces(fig, kind="contour")
    check_arrows_follow_gradient(fig, gc.parse(text), 20 * 20)
    assert metrics(at)["angle to level curve"] == "90.0°"
    assert "the longest stands for |∇f| = " in captions(at)
    assert at.query_params["dens"] == "20" and at.query_params["view"] == "2d"


@pytest.mark.parametrize("text", [BOWL, HIMMELBLAU], ids=["bowl", "himmelblau"])
def test_level_values_are_written_on_their_curves(text):
    at = open_field(text)
    (fig,) = figures(at)
    (labels,) = traces(fig, "level labels")
    (contour,) = traces(fig, kind="contour")
    x, y = array(labels["x"]), array(labels["y"])
    values = np.array([float(t.replace("\u2212", "-")) for t in labels["text"]])
    f = gc.parse(text)
    on = gc.evaluate(f, np.column_stack([x, y])).values
    size = contour["contours"]["size"]
    assert values.size >= 4
    assert np.allclose(on, values, atol=0.1 * size)  # each label on its level's curve
    assert np.allclose((values - contour["contours"]["start"]) / size,
                       np.round((values - contour["contours"]["start"]) / size))
    # moving the point keeps the labels where they were (placed once per grid)
    at.number_input(key="field_pt_x").set_value(0.5).run()
    (again,) = traces(figures(at)[0], "level labels")
    assert again["text"] == labels["text"] and np.array_equal(array(again["x"]), x)


def test_himmelblau_gets_its_gallery_window():
    at = open_field(HIMMELBLAU)
    (fig,) = figures(at)
    assert fig["layout"]["xaxis"]["range"] == [-5, 5]
    assert at.query_params["win"] == "-5,5,-5,5"
    assert at.number_input(key="field_lo0").value == -5


def test_point_from_the_link_is_drawn_with_its_gradient_and_tangent():
    at = open_field(BOWL, p="-1.5,0.5")
    (fig,) = figures(at)
    (pt,) = traces(fig, "a = (-1.5, 0.5)")
    assert array(pt["x"]).tolist() == [-1.5] and array(pt["y"]).tolist() == [0.5]
    assert traces(fig, "∇f(a) = (-3, 1)")
    (tangent,) = traces(fig, "tangent to level curve")
    seg = np.column_stack([array(tangent["x"]), array(tangent["y"])])
    d = seg[1] - seg[0]
    assert abs(d @ np.array([-3.0, 1.0])) < 1e-6 * np.linalg.norm(d)  # ⟂ ∇f(a)
    m = metrics(at)
    assert m["a"] == "(−1.5, 0.5)" and m["∇f(a)"] == "(−3, 1)"
    assert m["angle to level curve"] == "90.0°"


def test_typing_a_point_moves_it_and_the_link():
    at = open_field(BOWL)
    at.number_input(key="field_pt_x").set_value(2.5).run()
    assert at.query_params["p"] == "2.5,2"
    (fig,) = figures(at)
    assert traces(fig, "a = (2.5, 2)")


def test_critical_point_is_explained_not_crashed():
    at = open_field(BOWL, p="0,0")
    assert "critical point" in infos(at)
    assert metrics(at)["angle to level curve"] == "—"
    assert not at.error


def test_arrow_density_slider_and_unit_arrows():
    at = open_field(BOWL)
    at.slider(key="field_dens").set_value(10).run()
    (fig,) = figures(at)
    check_arrows_follow_gradient(fig, gc.parse(BOWL), 100)
    assert at.query_params["dens"] == "10"
    at.radio(key="field_scale").set_value("unit").run()
    (fig,) = figures(at)
    binned = [t for t in fig["data"] if t.get("legendgroup") == "arrows"]
    assert binned and sum(array(t["x"]).size for t in binned) == 6 * 100
    assert traces(fig, "|∇f| scale")  # the colour bar for |∇f|
    assert at.query_params["arrows"] == "unit"


def test_settings_from_the_link():
    at = open_field(BOWL, win="-1,1,-2,2", dens="10", res="61", arrows="unit", view="3d")
    assert at.number_input(key="field_lo1").value == -2
    assert at.slider(key="field_res").value == 61
    (fig,) = figures(at)
    assert traces(fig, kind="surface")  # view=3d opened the 3-D tab
    assert at.query_params["win"] == "-1,1,-2,2"
    assert at.query_params["view"] == "3d"


@pytest.mark.parametrize("query", [
    {"win": "nan,1,2,3"}, {"win": "3,-3,0,1"}, {"win": "1e999,1,2,3"}, {"win": "1," * 100},
    {"dens": "1e9", "res": "-5"}, {"res": "abc"}, {"arrows": "<script>alert(1)</script>"},
    {"view": "javascript:alert(1)"}, {"res3": "100000"},
])
def test_hostile_settings_in_the_link_are_ignored_or_clamped(query):
    at = open_field(BOWL, **query)
    assert not at.error
    (fig,) = figures(at)
    assert traces(fig, kind="contour")
    assert at.query_params["win"] == "-3,3,-3,3"
    assert 4 <= int(at.query_params["dens"]) <= 40
    assert 41 <= int(at.query_params["res"]) <= 181
    assert at.query_params["arrows"] in ("true", "unit")


def test_invalid_window_keeps_the_last_valid_one():
    at = open_field(BOWL)
    at.number_input(key="field_lo0").set_value(5.0).run()
    assert at.warning and "last valid window" in at.warning[0].value
    (fig,) = figures(at)
    assert fig["layout"]["xaxis"]["range"] == [-3, 3]
    at.number_input(key="field_lo0").set_value(-1.0).run()
    (fig,) = figures(at)
    assert fig["layout"]["xaxis"]["range"] == [-1, 3]
    assert at.query_params["win"] == "-1,3,-3,3"


def test_reset_window_returns_to_the_gallery_window():
    at = open_field(HIMMELBLAU, win="0,1,0,1")
    assert at.query_params["win"] == "0,1,0,1"
    at.button(key="field_reset").click().run()
    assert at.query_params["win"] == "-5,5,-5,5"
    assert at.number_input(key="field_hi1").value == 5


def test_a_new_function_gets_its_own_window():
    at = open_field(HIMMELBLAU)
    at.session_state["fn_text"] = BOWL
    at.run()
    (fig,) = figures(at)
    assert fig["layout"]["xaxis"]["range"] == [-3, 3]


def test_point_outside_the_window_offers_to_centre_on_it():
    at = open_field(BOWL, p="1,2", win="5,9,5,9")
    assert "outside the window" in infos(at)
    at.button(key="field_centre").click().run()
    assert at.query_params["win"] == "-1,3,0,4"


def test_surface_view_with_tangent_plane_and_steepest_ascent():
    at = open_field(BOWL)
    at.session_state["field_tab2"] = "3D surface"
    at.run()
    (fig,) = figures(at)
    names = [t.get("name") for t in fig["data"]]
    assert "tangent plane" in names and "steepest ascent" in names
    assert traces(fig, kind="surface")[0]["contours"]["z"]["project"]["z"] is True
    assert metrics(at)["(a, f(a))"] == "(1, 2, 5)"
    assert at.query_params["view"] == "3d"


# ----------------------------------------------------------------------------- singular


@pytest.mark.parametrize("text, share", [("log(x) + y", "26%"), ("1/x + y", "0.99%"),
                                         ("sqrt(x y)", "")])
def test_undefined_region_is_blank_with_a_note(text, share):
    at = open_field(text)
    assert not at.error
    (fig,) = figures(at)
    assert traces(fig, "undefined", "heatmap")
    assert f"{share} of the window is outside the domain of f" in captions(at)


def test_point_where_f_is_undefined():
    at = open_field("log(x) + y", p="-1,1")
    assert at.warning and "undefined at a" in at.warning[0].value
    assert not at.error


def test_constant_function_shows_a_message():
    at = open_field("5")
    assert "f is a constant" in infos(at)
    assert not figures(at) and not at.error


def test_flat_function_shows_a_message():
    at = open_field("sin(x + y)^2 + cos(x + y)^2")
    assert "∇f = 0 everywhere" in infos(at)
    assert not at.error


def test_regression_flat_slice_does_not_claim_the_gradient_is_zero():
    # xyz on the slice z = 0 is 0 everywhere, but ∇f(1, 2, 0) = (0, 0, 2): the page used
    # to say "∇f = 0 everywhere in this slice: f does not change here"
    at = open_field("xyz", p="1,2,0")
    info = infos(at)
    assert "constant on the slice z = 0" in info and "∂f/∂x = ∂f/∂y = 0" in info
    assert "∇f itself is not 0" in info and "(0, 0, 2)" in info and "as z changes" in info
    assert "∇f = 0 everywhere" not in info
    assert not figures(at) and not at.error


def test_regression_seed_xyz_is_drawn_at_the_default_point():
    # the default point's z was 0, so the seed's xyz opened on a flat, empty slice
    at = open_field("xyz")
    (fig,) = figures(at)
    assert traces(fig, kind="contour")
    assert at.query_params.get("p") in (None, "1,2,1")


def test_one_variable_draws_the_curve_and_its_tangent():
    at = open_field("x^3")
    assert "one variable" in infos(at)
    (fig,) = figures(at)
    names = [t.get("name") for t in fig["data"]]
    assert "tangent line" in names and "f(x)" in names
    assert metrics(at)["∇f(a) = f′(a)"] == "3"
    assert at.query_params["win"] == "-3,3"


# ----------------------------------------------------------------------------- 3 variables


def test_three_variables_slice_and_level_surface():
    at = open_field("xyz", p="1,2,3")
    (fig,) = figures(at)
    assert traces(fig, kind="contour")
    check_arrows_follow_gradient(fig, gc.parse("x y 3"), 400)  # the slice z = 3
    assert at.slider(key="field_slice").value == 3
    assert at.slider(key="field_slice").label == "Slice: z = c"
    assert metrics(at)["angle to level curve"] == "90.0°"

    at.slider(key="field_slice").set_value(-1.0).run()
    assert at.query_params["p"] == "1,2,-1"
    (fig,) = figures(at)
    check_arrows_follow_gradient(fig, gc.parse("-x y"), 400)

    at.session_state["field_tab3_z"] = "Level surface f = c"
    at.run()
    (fig,) = figures(at)
    (iso,) = traces(fig, kind="isosurface")
    assert iso["isomin"] == iso["isomax"] == -2  # f(1, 2, -1), the level through a
    assert traces(fig, kind="cone")
    assert traces(fig, "a = (1, 2, −1)")
    assert at.slider(key="field_level").value == -2
    assert metrics(at)["angles(∇f(a), surface)"] == "90.0° and 90.0°"
    assert at.query_params["view"] == "3d"


def test_sphere_level_surface_from_the_link():
    at = open_field("x^2 + y^2 + z^2", p="1,1,1", view="3d", res3="16")
    (fig,) = figures(at)
    (iso,) = traces(fig, kind="isosurface")
    assert array(iso["value"]).size == 16**3
    (cone,) = traces(fig, kind="cone")
    pos = np.column_stack([array(cone[k]) for k in "xyz"])
    vec = np.column_stack([array(cone[k]) for k in "uvw"])
    np.testing.assert_allclose(np.linalg.norm(pos, axis=1), np.sqrt(3), atol=0.1)
    np.testing.assert_allclose(vec, 2 * pos, rtol=1e-5)  # normal to the sphere
    at.slider(key="field_level").set_value(1.0).run()
    (fig,) = figures(at)
    assert traces(fig, kind="isosurface")[0]["isomin"] == 1
    assert not traces(fig, "a = (1, 1, 1)")  # the point is not on f = 1
    assert "Move the level back" in captions(at)


def test_other_variable_names_label_the_slice():
    at = open_field("a b + c^2", p="1,1,1")
    assert at.slider(key="field_slice").label == "Slice: c = c"
    (fig,) = figures(at)
    assert fig["layout"]["xaxis"]["title"]["text"] == "a"


def test_four_variables_hold_the_rest_at_the_point():
    at = open_field("w + x y + z", p="1,2,3")
    assert not at.error
    assert "w = 0 is held" in captions(at)
    at.number_input(key="field_pt_w").set_value(4.0).run()
    assert "w = 4 is held" in captions(at)
    (fig,) = figures(at)
    check_arrows_follow_gradient(fig, gc.parse("x y"), 400)


# ----------------------------------------------------------------------------- share links:
# the level of the level surface (lvl)

SPHERE = "x^2 + y^2 + z^2"


def share_box(at: AppTest) -> str:
    return " ".join(c.value for c in at.code if "?" in c.value)


@pytest.mark.parametrize("direct", [True, False], ids=["first-load", "navigation"])
def test_link_sets_the_level(direct):
    query = dict(f=SPHERE, p="1,1,1", view="3d", res3="16", lvl="1.5")
    if direct:  # the session's first run is the Gradient field page itself
        at = AppTest.from_file("../app.py", default_timeout=30)
        for k, v in query.items():
            at.query_params[k] = v
        at.switch_page("pages/field.py").run()
        assert not at.exception, at.exception
    else:
        at = open_field(**query)
    assert at.slider(key="field_level").value == 1.5
    (fig,) = figures(at)
    assert traces(fig, kind="isosurface")[0]["isomin"] == 1.5
    assert "Move the level back" in captions(at)
    assert at.query_params["lvl"] == "1.5"
    assert "lvl=1.5" in share_box(at)


def test_level_slider_writes_the_link_only_when_not_f_of_a():
    at = open_field(SPHERE, p="1,1,1", view="3d", res3="16")
    assert at.slider(key="field_level").value == 3  # f(a)
    assert "lvl" not in at.query_params
    at.slider(key="field_level").set_value(2.0).run()
    assert at.query_params["lvl"] == "2"
    assert "lvl=2" in share_box(at)  # the box is not a run behind
    again = open_field(**at.query_params)  # the whole link reproduces the view
    assert again.slider(key="field_level").value == 2
    assert traces(figures(again)[0], kind="isosurface")[0]["isomin"] == 2
    at.slider(key="field_level").set_value(3.0).run()  # back to f(a)
    assert "lvl" not in at.query_params
    assert traces(figures(at)[0], "a = (1, 1, 1)")


def test_level_survives_a_tab_and_page_visit_and_leaves_the_link_with_its_view():
    at = open_field(SPHERE, p="1,1,1", view="3d", res3="16")
    at.slider(key="field_level").set_value(5.0).run()
    at.session_state["field_tab3_z"] = "Slice z = c"
    at.run()
    assert "lvl" not in at.query_params  # no level surface on screen
    at.session_state["field_tab3_z"] = "Level surface f = c"
    at.run()
    at.switch_page("pages/function.py").run()
    at.switch_page("pages/field.py").run()
    assert at.slider(key="field_level").value == 5
    assert at.query_params["lvl"] == "5"


def test_level_from_the_link_is_for_its_point_only():
    at = open_field(SPHERE, p="1,1,1", view="3d", res3="16", lvl="2")
    at.number_input(key="field_pt_x").set_value(2.0).run()
    assert at.slider(key="field_level").value == 6  # f(2, 1, 1): the new point's level
    assert "lvl" not in at.query_params


@pytest.mark.parametrize(("lvl", "expected"), [
    ("nan", 3), ("inf", 3), ("-inf", 3), ("abc", 3), ("1e999", 3),
    pytest.param("1" * 500, 3, id="overlong"),
    ("<script>alert(1)</script>", 3), ("1,2", 3), ("", 3),
    ("1e300", None), ("-1e300", None),  # clamped to the slider's range
])
def test_hostile_level_in_the_link_is_ignored_or_clamped(lvl, expected):
    at = open_field(SPHERE, p="1,1,1", view="3d", res3="16", lvl=lvl)
    assert not at.error
    slider = at.slider(key="field_level")
    if expected is not None:
        assert slider.value == expected
        assert "lvl" not in at.query_params
    else:
        assert slider.value == (slider.max if lvl[0] != "-" else slider.min)
        assert float(at.query_params["lvl"]) == pytest.approx(slider.value)


def test_level_in_the_link_of_a_two_variable_function_is_dropped():
    at = open_field(BOWL, view="3d", lvl="2")
    assert not at.error
    assert "lvl" not in at.query_params


@pytest.mark.parametrize("p", ["100000,100000", "1e6,-1e6", "-250000,3"])
def test_regression_far_point_opens_without_a_window_warning(p):
    # the window built around a far point was refused as too narrow ("Each range needs
    # 'from' below 'to' …"), though nobody had typed a window
    at = open_field("x^2 + y^2", p=p)
    assert not at.warning and not at.error, (at.warning, at.error)
    assert figures(at)


def test_regression_a_point_where_only_the_gradient_is_undefined_is_not_called_outside_f():
    # √(x² + y²) at its tip: "f is undefined at a = (0, 0)", though f(0, 0) = 0
    at = open_field("sqrt(x^2 + y^2)", p="0,0")
    warnings = " ".join(w.value for w in at.warning)
    assert "∇f is undefined at a" in warnings
    assert not re.search(r"(?<!∇)f is undefined at a", warnings)


def test_regression_a_slice_legend_names_the_in_plane_part_of_the_gradient():
    # seed walkthrough: "∇f(a) = (6, 3)" and "a = (1, 2)" for xyz at (1, 2, 3), next to
    # metrics saying ∇f(a) = (6, 3, 2): the gradient has one component per variable
    at = open_field("xyz", p="1,2,3")
    names = [t.get("name") or "" for t in figures(at)[0]["data"]]
    assert "(∂f/∂x, ∂f/∂y)(a) = (6, 3)" in names and "a = (1, 2, 3)" in names
    assert not any(n.startswith("∇f(a) =") for n in names)


class _FieldWithoutLevelPicking:
    """gradcore.field as the figure builders see it, except that picking contour levels
    fails: a page hands each figure the levels it computed once per grid."""

    def __init__(self, module):
        self._module = module

    def __getattr__(self, name):
        if name == "contour_levels":
            raise AssertionError("a figure builder picked its own contour levels")
        return getattr(self._module, name)


@pytest.mark.parametrize("view", ["3d", "2d"])
def test_regression_figures_get_their_contour_levels_from_the_page(monkeypatch, view):
    # the 3-D surface picked its floor contours itself on every rerun (a figure builder
    # computing), from the grid the page had clipped again on every rerun
    from gradapp import figures as G
    from gradcore import field as fc

    monkeypatch.setattr(G, "gfield", _FieldWithoutLevelPicking(G.gfield))
    at = open_field("x^2 - y^2 + 0.1 x^3", p="0.5,1", view=view)
    assert not at.error, at.error
    (fig,) = figures(at)
    if view == "3d":
        (surface,) = traces(fig, "f", "surface")
        z = surface["contours"]["z"]
        levels = fc.contour_levels(fc.clip_outliers(array(surface["z"]))[0])
        assert (z["start"], z["end"], z["size"]) == pytest.approx(levels)
    else:
        assert traces(fig, kind="contour")
