"""Tests for gradapp.figures (Plotly builders; no browser needed)."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError

import numpy as np
import plotly.graph_objects as go
import pytest

from gradapp import figures as G
from gradcore import _field as F


def _types(fig: go.Figure) -> list[str]:
    return [t.type for t in fig.data]


def _is_packed(obj) -> bool:
    """True if a JSON value is Plotly's base64 typed-array form."""
    return isinstance(obj, dict) and "bdata" in obj and "dtype" in obj


@pytest.fixture(scope="module")
def grid():
    xs = np.linspace(-2.0, 2.0, 100)
    ys = np.linspace(-1.5, 1.5, 90)
    X, Y = np.meshgrid(xs, ys)
    with np.errstate(invalid="ignore", divide="ignore"):
        Z = np.log(X + 1.0) + X**2 + 2 * Y**2  # undefined (NaN) for x < -1
    return xs, ys, X, Y, Z


@pytest.fixture(scope="module")
def field_arrows():
    xa = np.linspace(-2, 2, 20)
    ya = np.linspace(-1.5, 1.5, 20)
    XA, YA = np.meshgrid(xa, ya)
    with np.errstate(invalid="ignore", divide="ignore"):
        U = np.where(XA > -1, 1 / (XA + 1) + 2 * XA, np.nan)
    return F.arrows(XA, YA, U, 4 * YA)


STYLES = [G.Style.normal(), G.Style.projector()]


# ----------------------------------------------------------------------------- style


def test_style_projector_is_larger_and_frozen():
    n, p = G.Style.normal(), G.Style.projector()
    assert n.font_size >= 14
    assert p.font_size >= 22 and p.title_size >= 28 and p.tick_size >= 20
    assert p.font_size > n.font_size and p.title_size > n.title_size
    assert p.line_width >= 2 * n.line_width and p.arrow_width >= 2 * n.arrow_width
    assert p.colorscale in ("Viridis", "Cividis")
    assert set(G.PALETTE) == {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442",
                              "#0072B2", "#D55E00", "#CC79A7"}
    with pytest.raises(FrozenInstanceError):
        n.font_size = 30  # type: ignore[misc]


def test_plot_config():
    cfg = G.plot_config(G.Style.projector())
    assert cfg["toImageButtonOptions"]["format"] == "png"
    assert cfg["toImageButtonOptions"]["scale"] == 3


# ----------------------------------------------------------------------------- contour


@pytest.mark.parametrize("style", STYLES, ids=lambda s: s.name)
def test_contour_figure(grid, field_arrows, style):
    xs, ys, X, Y, Z = grid
    a, g = np.array([0.5, 0.5]), np.array([1.0, 2.0])
    fig = G.contour_figure(xs, ys, Z, arrows=field_arrows, point=a, point_grad=g,
                           tangent=F.tangent_segment(a, g, 0.3), style=style, title="t",
                           levels=F.level_map(xs, ys, Z))
    types = _types(fig)
    assert types[0] == "contour"
    # the levels' values are a text trace placed on the curves, not Plotly's labels
    # (which measure every path in the browser on each redraw)
    assert fig.data[0].contours.showlabels is False
    labels = next(t for t in fig.data if t.name == G.LEVEL_LABELS_NAME)
    assert labels.mode == "text" and labels.hoverinfo == "skip" and len(labels.text) >= 5
    assert labels.textfont.size == style.label_size
    lx, ly = np.asarray(labels.x), np.asarray(labels.y)
    with np.errstate(invalid="ignore"):
        on = np.log(lx + 1.0) + lx**2 + 2 * ly**2
    start, end, size = F.contour_levels(Z, 20)
    levels = start + size * np.round((on - start) / size)
    assert np.allclose(on, levels, atol=0.1 * size)  # each on a level curve
    assert [float(t.replace("\u2212", "-")) for t in labels.text] == pytest.approx(
        list(levels), abs=1e-9)
    assert "-" not in "".join(labels.text)  # minus signs, as on the axes
    click = next(t for t in fig.data if t.name == G.CLICK_LAYER_NAME)
    assert click.marker.maxdisplayed == 1 and len(click.x) > 100  # all clickable, 1 drawn
    assert "heatmap" in types  # grey patch over the undefined region
    names = [t.name for t in fig.data]
    assert "∇f, drawn to scale" in names
    assert any(n and n.startswith("∇f(a)") for n in names)
    assert "tangent to level curve" in names
    assert any(n and n.startswith("a = ") for n in names)
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == 1
    assert fig.layout.xaxis.title.text == "x" and fig.layout.yaxis.title.text == "y"
    assert fig.layout.font.size == style.font_size
    # arrows are drawn as one NaN-separated line trace, not an annotation per arrow
    arrow_trace = fig.data[names.index("∇f, drawn to scale")]
    assert arrow_trace.mode == "lines" and len(fig.layout.annotations) <= 1


def test_contour_has_click_layer(grid):
    xs, ys, X, Y, Z = grid
    fig = G.contour_figure(xs, ys, Z, style=G.Style.normal(), click_resolution=100)
    layers = [t for t in fig.data if t.name == G.CLICK_LAYER_NAME]
    assert len(layers) == 1
    layer = layers[0]
    assert layer.type == "scatter" and layer.mode == "markers"
    assert layer.marker.opacity == 0
    assert layer.hoverinfo != "skip"  # hover/click events must fire on it
    # round-number points over the finite part of the grid, none in the undefined region
    px, py = np.asarray(layer.x, dtype=float), np.asarray(layer.y, dtype=float)
    step = np.diff(np.unique(px)).min()
    assert np.allclose(px / step, np.round(px / step), atol=1e-3)  # multiples of the step
    assert np.nanmax(px) == pytest.approx(2.0, abs=1e-6)
    assert np.nanmin(py) == pytest.approx(-1.5, abs=1e-6)
    f_at = np.asarray(layer.customdata, dtype=float)
    assert np.isfinite(f_at).all()
    Zf = np.asarray(Z, dtype=float)
    nearest = Zf[np.abs(ys[:, None] - py).argmin(axis=0), np.abs(xs[:, None] - px).argmin(axis=0)]
    assert np.isfinite(nearest).all()  # not over the undefined region
    assert fig.layout.clickmode == "event+select"
    assert fig.layout.dragmode in ("pan", "zoom")
    # the other traces do not steal hover/clicks
    for t in fig.data:
        if t.name != G.CLICK_LAYER_NAME:
            assert t.hoverinfo == "skip", t.name


def test_contour_click_layer_is_subsampled_for_big_grids():
    xs = np.linspace(0, 1, 400)
    Z = np.add.outer(xs, xs)
    fig = G.contour_figure(xs, xs, Z, click_resolution=100)
    layer = next(t for t in fig.data if t.name == G.CLICK_LAYER_NAME)
    assert 60 ** 2 <= len(layer.x) <= 150 ** 2
    default = G.contour_figure(xs, xs, Z)  # each point is an SVG node the browser draws
    assert len(next(t for t in default.data if t.name == G.CLICK_LAYER_NAME).x) <= 60 * 60


def _points(x, y, digits: int = 6) -> list[tuple[float, float]]:
    xr = np.round(np.asarray(x, dtype=float), digits)
    yr = np.round(np.asarray(y, dtype=float), digits)
    return list(zip(xr.tolist(), yr.tolist(), strict=True))


def test_regression_click_points_include_round_numbers():
    # a click on the origin of x^2 + y^2 gave a = (0.06, 0.06): the clickable points sat
    # on the 40×40 grid, which skips round numbers, so ∇f = 0 could not be clicked
    from gradapp import descent_view
    xs = np.linspace(-3, 3, 101)
    Z = np.add.outer(xs**2, xs**2)
    layer = next(t for t in G.contour_figure(xs, xs, Z).data if t.name == G.CLICK_LAYER_NAME)
    pts = _points(layer.x, layer.y)
    assert (0.0, 0.0) in pts and (1.0, 2.0) in pts
    f = dict(zip(pts, layer.customdata, strict=True))
    assert f[(1.0, 2.0)] == pytest.approx(5.0, abs=1e-2)  # interpolated f for the hover
    click = descent_view._click_layer(xs, xs)
    assert {(0.0, 0.0), (1.0, 2.0)} <= set(_points(click["x"], click["y"]))
    # every point stays clickable data; the browser draws one of them (each drawn
    # invisible marker cost it ~0.1 ms a redraw)
    assert click["marker"]["maxdisplayed"] == 1 and layer.marker.maxdisplayed == 1


def test_contour_nan_region_stays_nan(grid):
    xs, ys, X, Y, Z = grid
    fig = G.contour_figure(xs, ys, Z, style=G.Style.normal())
    z = np.asarray(fig.data[0].z)
    assert z.shape == Z.shape
    assert np.array_equal(np.isnan(z), np.isnan(Z))
    assert fig.data[0].connectgaps is False
    # the grey patch marks exactly the undefined cells
    patch = next(t for t in fig.data if t.type == "heatmap")
    assert np.array_equal(np.asarray(patch.z).astype(bool), ~np.isfinite(Z))
    assert any("undefined" in (a.text or "") for a in fig.layout.annotations)
    fig2 = G.contour_figure(xs, ys, Z, undefined_note="")
    assert not fig2.layout.annotations
    # no patch when everything is defined
    fig3 = G.contour_figure(xs, ys, np.nan_to_num(Z))
    assert "heatmap" not in _types(fig3)


def test_contour_infinite_values_become_nan():
    xs = np.linspace(-1, 1, 11)
    Z = np.add.outer(xs, xs) ** 2
    Z[5, 5] = np.inf
    Z[0, 0] = 1e300  # overflows float32
    fig = G.contour_figure(xs, xs, Z)
    z = np.asarray(fig.data[0].z)
    assert z.dtype == np.float32
    assert np.isnan(z[5, 5]) and np.isnan(z[0, 0])
    assert np.isfinite(z[1:, 1:][np.arange(10) != 4]).all()


def test_contour_binned_arrows_colour_legend(grid, field_arrows):
    xs, ys, X, Y, Z = grid
    bins = F.bin_arrows(field_arrows, 6)
    fig = G.contour_figure(xs, ys, Z, arrows=bins, style=G.Style.projector())
    arrow_traces = [t for t in fig.data if t.name and t.name.startswith("|∇f| ")]
    assert 1 <= len(arrow_traces) <= 6
    colors = {t.line.color for t in arrow_traces}
    assert len(colors) == len(arrow_traces)  # one colour per bin
    assert fig.data[0].contours.coloring == "lines"
    bars = [t for t in fig.data if t.type == "scatter" and t.marker and t.marker.showscale]
    assert len(bars) == 1 and bars[0].marker.colorbar.title.text == "|∇f|"


def test_contour_degenerate_point_gradient(grid):
    xs, ys, X, Y, Z = grid
    a = np.array([0.0, 0.0])
    fig = G.contour_figure(xs, ys, Z, point=a, point_grad=[0.0, 0.0],
                           tangent=F.tangent_segment(a, [0, 0], 0.3))
    names = [t.name for t in fig.data]
    assert any(n.startswith("a = ") for n in names)
    assert not any(n.startswith("∇f(a)") or n.startswith("tangent") for n in names)


# ----------------------------------------------------------------------------- 3-D


@pytest.mark.parametrize("style", STYLES, ids=lambda s: s.name)
def test_surface_figure(grid, style):
    xs, ys, X, Y, Z = grid
    a, fa, g = np.array([0.5, 0.2]), 1.0, np.array([1.0, 0.8])
    px = np.linspace(0.0, 1.0, 8)
    py = np.linspace(-0.3, 0.7, 8)
    PX, PY = np.meshgrid(px, py)
    fig = G.surface_figure(xs, ys, Z, point=a, f_point=fa,
                           plane=(px, py, F.tangent_plane(a, fa, g, PX, PY)),
                           ascent=F.steepest_ascent_3d(a, fa, g, 0.4), style=style)
    types = _types(fig)
    assert types.count("surface") == 2
    assert "cone" in types and "scatter3d" in types
    surf = fig.data[0]
    assert surf.contours.z.show and surf.contours.z.project.z and surf.contours.z.usecolormap
    plane = fig.data[1]
    assert plane.opacity < 1
    eye = fig.layout.scene.camera.eye
    assert (eye.x, eye.y, eye.z) == pytest.approx((1.6, -1.6, 1.1))
    assert fig.layout.scene.xaxis.title.text == "x"
    assert fig.layout.font.size == style.font_size


def test_surface_figure_draws_the_levels_it_is_given(grid):
    xs, ys, X, Y, Z = grid
    surf = G.surface_figure(xs, ys, Z, levels=(-1.0, 4.0, 0.5)).data[0]
    assert (surf.contours.z.start, surf.contours.z.end, surf.contours.z.size) == (-1, 4, 0.5)
    assert (surf.cmin, surf.cmax) == (-1, 4)


def test_isosurface_figure():
    g = np.linspace(-1.5, 1.5, 20)
    X, Y, Z = np.meshgrid(g, g, g, indexing="ij")
    V = X**2 + 2 * Y**2 + Z**2
    P = F.level_set_points(X, Y, Z, V, 1.0, 30)
    vec = np.column_stack([2 * P[:, 0], 4 * P[:, 1], 2 * P[:, 2]])
    fig = G.isosurface_figure(X, Y, Z, V, 1.0, cones=(P, vec), style=G.Style.projector())
    assert _types(fig) == ["isosurface", "cone"]
    iso = fig.data[0]
    assert iso.isomin == iso.isomax == 1.0 and iso.surface.count == 1
    assert len(fig.data[1].x) == 30
    assert _is_packed(json.loads(fig.to_json())["data"][0]["value"])


def test_descent_3d_figure():
    rng = np.random.default_rng(0)
    paths = [np.cumsum(rng.normal(size=(n, 3)), axis=0) for n in (30, 50)]
    fig = G.descent_3d_figure(paths, ["GD", "Adam"], G.Style.normal())
    assert set(_types(fig)) == {"scatter3d"}
    assert [t.name for t in fig.data if t.showlegend is not False] == ["GD", "Adam"]
    with pytest.raises(ValueError):
        G.descent_3d_figure(paths, ["only one"], G.Style.normal())


# ----------------------------------------------------------------------------- descent


def _paths(n_paths=4, n_steps=200, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_paths):
        k = n_steps - 37 * i  # different lengths
        t = np.linspace(0, 1, k)[:, None]
        start = rng.uniform(-1.5, 1.5, size=2)
        out.append(start * (1 - t) ** 2 + 0.01 * rng.normal(size=(k, 2)))
    return out


def test_descent_figure_structure(grid):
    xs, ys, X, Y, Z = grid
    paths = _paths()
    labels = ["GD", "Momentum", "RMSProp", "Adam"]
    fig = G.descent_figure(xs, ys, Z, paths, labels=labels, style=G.Style.normal())
    assert fig.layout.shapes[0].type == "path"  # the level curves (they survive Play)
    assert len(fig.layout.images) == 1  # the filled bands, as an image
    n = len(paths)
    full = [t for t in fig.data if t.name in labels]
    assert [t.mode for t in full] == ["lines+markers"] * n
    now = fig.data[-1]
    assert now.name == "now" and now.mode == "markers" and len(now.x) == n
    assert list(now.marker.color) == [t.line.color for t in full]  # point i is path i
    # frames only move the "now" markers; they list every trace, the others unchanged
    assert 1 < len(fig.frames) <= 200
    k_now = len(fig.data) - 1
    for fr in fig.frames:
        assert list(fr.traces) == list(range(len(fig.data)))
        assert fr.data[k_now].type == "scatter" and len(fr.data[k_now].x) == n
        assert all(t.x is None for i, t in enumerate(fr.data) if i != k_now)
    # markers start at θ_0 and a finished path's marker stays at its last point
    for i, p in enumerate(paths):
        assert (now.x[i], now.y[i]) == pytest.approx(tuple(p[0]))
    last = fig.frames[-1].data[k_now]
    for i, p in enumerate(paths):
        assert (last.x[i], last.y[i]) == pytest.approx(tuple(p[-1]))
    mid = fig.frames[len(fig.frames) // 2]
    k = int(mid.name)
    for i, p in enumerate(paths):
        assert (mid.data[k_now].x[i], mid.data[k_now].y[i]) == pytest.approx(
            tuple(p[min(k, len(p) - 1)]))
    # Play / Pause and a slider with one step per frame
    labels_ = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert any("Play" in s for s in labels_) and any("Pause" in s for s in labels_)
    assert len(fig.layout.sliders) == 1
    assert len(fig.layout.sliders[0].steps) == len(fig.frames)
    # axes fixed to the grid
    assert tuple(fig.layout.xaxis.range) == pytest.approx((-2.0, 2.0))


def test_descent_frames_subsampled():
    xs = np.linspace(-1, 1, 20)
    Z = np.add.outer(xs**2, xs**2)
    long = np.column_stack([np.linspace(1, 0, 1000), np.linspace(1, 0, 1000)])
    fig = G.descent_figure(xs, xs, Z, [long, long[:10]], labels=["a", "b"], max_frames=50)
    assert len(fig.frames) == 50
    names = [fr.name for fr in fig.frames]
    assert names[0] == "0" and names[-1] == "999"
    assert fig.frames[-1].data[len(fig.data) - 1].x[1] == pytest.approx(long[9, 0])


def test_descent_json_size_4x200_on_100x100(grid):
    xs = np.linspace(-2, 2, 100)
    X, Y = np.meshgrid(xs, xs)
    Z = (X**2 + 3 * Y**2).astype(np.float32)
    fig = G.descent_figure(xs, xs, Z, _paths(4, 200), labels=list("abcd"),
                           style=G.Style.projector())
    assert len(fig.frames) == 200
    size = len(fig.to_json())
    assert size <= 300_000, size


def test_arrays_are_base64_packed(grid, field_arrows):
    xs, ys, X, Y, Z = grid
    fig = G.contour_figure(xs, ys, Z, arrows=field_arrows, point=[0, 0], point_grad=[1, 1])
    d = json.loads(fig.to_json())
    contour = d["data"][0]
    assert _is_packed(contour["z"]) and contour["z"]["dtype"] == "f4"
    click = next(t for t in d["data"] if t.get("name") == G.CLICK_LAYER_NAME)
    assert _is_packed(click["x"]) and _is_packed(click["y"]) and _is_packed(click["customdata"])
    arrows = next(t for t in d["data"] if t.get("name") == "∇f, drawn to scale")
    assert _is_packed(arrows["x"]) and arrows["x"]["dtype"] == "f4"
    fig = G.descent_figure(xs, ys, Z, _paths(2, 50), labels=["a", "b"])
    d = json.loads(fig.to_json())
    assert all(_is_packed(t["x"]) for t in d["data"] if t["name"] != "now")  # 1 point each


def test_default_contour_json_size(grid, field_arrows):
    xs, ys, X, Y, Z = grid
    fig = G.contour_figure(xs, ys, Z, arrows=field_arrows, point=[0, 0], point_grad=[1, 1],
                           tangent=F.tangent_segment([0, 0], [1, 1], 0.3))
    assert len(fig.to_json()) <= 400_000


# ----------------------------------------------------------------------------- 2-D misc


@pytest.mark.parametrize("kind", ["value", "grad_norm"])
def test_loss_figure(kind):
    hs = [np.geomspace(10, 1e-6, 50), np.geomspace(5, 1e-3, 80)]
    fig = G.loss_figure(hs, ["GD", "Adam"], kind=kind, style=G.Style.projector())
    assert _types(fig) == ["scatter", "scatter"]
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.xaxis.title.text == "iteration k"
    assert ("∇f" in fig.layout.yaxis.title.text) == (kind == "grad_norm")
    lin = G.loss_figure([np.array([1.0, -2.0, -3.0])], ["GD"], log_y=True)
    assert lin.layout.yaxis.type == "linear"  # log axis cannot show values <= 0
    assert G.loss_figure(hs, ["a", "b"], log_y=False).layout.yaxis.type == "linear"
    with pytest.raises(ValueError):
        G.loss_figure(hs, ["a", "b"], kind="nope")


def test_basins_figure(grid):
    xs, ys, X, Y, Z = grid
    rng = np.random.default_rng(0)
    starts = rng.uniform(-1, 1, size=(200, 2))
    labels = (starts[:, 0] > 0).astype(int)
    labels[:5] = -1
    minima = np.array([[-0.5, 0.0], [0.5, 0.0]])
    fig = G.basins_figure(starts, labels, minima, xs, ys, Z, G.Style.normal())
    assert fig.data[0].type == "contour"
    groups = [t for t in fig.data if t.name and t.name.startswith("→ minimum")]
    assert len(groups) == 2
    assert sum(len(t.x) for t in groups) == 195
    assert groups[0].marker.color != groups[1].marker.color
    assert any(t.name.startswith("did not converge") and len(t.x) == 5 for t in fig.data)
    stars = [t for t in fig.data if t.type == "scatter" and t.marker.symbol == "star"]
    assert len(stars) == 2


def test_figures_module_imports_no_streamlit():
    import subprocess
    import sys

    code = ("import sys, gradapp.figures, gradcore._field; "
            "assert 'streamlit' not in sys.modules; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False)
    assert out.stdout.strip() == "ok", out.stderr


def test_field_module_imports_no_plotting():
    import subprocess
    import sys

    code = ("import sys, gradcore._field; "
            "assert not {'plotly', 'streamlit'} & set(sys.modules); print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False)
    assert out.stdout.strip() == "ok", out.stderr


# ----------------------------------------------------------------------------- validity
# Builders assemble figures without Plotly's validation (``G.figure``); a validated copy
# must serialise to exactly the same JSON: an unknown property raises there, and an
# ``a_b`` shorthand (which only validation expands) would come out different.


def _all_figures(grid, field_arrows, style):
    from gradapp import descent_view, field_view

    xs, ys, X, Y, Z = grid
    bins = F.bin_arrows(field_arrows, 4)
    g = np.linspace(-1.5, 1.5, 12)
    X3, Y3, Z3 = np.meshgrid(g, g, g, indexing="ij")
    V = X3**2 + 2 * Y3**2 + Z3**2
    P = F.level_set_points(X3, Y3, Z3, V, 1.0, 10)
    paths = _paths(3, 120)
    yield "contour", G.contour_figure(xs, ys, Z, arrows=field_arrows, point=(0.5, 0.5),
                                      point_grad=(1.0, 2.0), tangent=[[0, 0], [1, 1]],
                                      style=style, title="t", z_title="f(x, y, 3)")
    yield "contour-binned", G.contour_figure(xs, ys, Z, arrows=bins, style=style)
    yield "surface", G.surface_figure(xs, ys, Z, point=(0.5, 0.5), f_point=1.0,
                                      plane=(xs[:5], ys[:5], np.ones((5, 5))),
                                      ascent=[[0.5, 0.5, 1.0], [0.7, 0.9, 2.0]], style=style,
                                      axis_titles=("u", "v"))
    yield "isosurface", G.isosurface_figure(
        X3, Y3, Z3, V, 1.0, cones=(P, 2 * P), style=style, axis_titles=("u", "v", "w"),
        extra_traces=field_view.point_traces_3d(style, P[0], 2 * P[0], 0.3))
    yield "descent", G.descent_figure(xs, ys, Z, paths, labels=["a", "b", "c"], style=style,
                                      extra_traces=[descent_view._click_layer(xs, ys)])
    yield "descent-3d", G.descent_3d_figure([np.c_[p, p[:, :1]] for p in paths],
                                            ["a", "b", "c"], style)
    yield "loss", G.loss_figure([p[:, 0] for p in paths], ["a", "b", "c"], style=style)
    yield "basins", G.basins_figure(P[:6, :2], [0, 0, 1, -1, 1, 0], [[0, 0], [1, 1]], xs, ys,
                                    Z, style)
    yield "directional", G.directional_figure(np.arange(360.0), np.sin(np.arange(360.0)),
                                              chosen=(30.0, 0.5), marks=[("a", 0.0, 0.0)],
                                              style=style)
    yield "field-curve", field_view.curve_figure(xs, xs**2, name="x", a=1.0, f_a=1.0,
                                                 slope=2.0, tangent_ys=2 * xs - 1,
                                                 y_range=(0.0, 4.0), arrow_tip=1.5,
                                                 style=style)
    yield "descent-curve", descent_view.curve_figure(xs, xs**2, [p[:, 0] for p in paths],
                                                     [p[:, 0] ** 2 for p in paths],
                                                     ["a", "b", "c"], ["red", "blue", "green"],
                                                     style, "x")


def _differences(a, b, path="") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b), key=str)
                for d in _differences(a.get(k, "<missing>"), b.get(k, "<missing>"),
                                      f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in _differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {str(a)[:60]} != {str(b)[:60]}"]


@pytest.mark.parametrize("style", STYLES, ids=lambda s: s.name)
def test_figures_are_what_validating_plotly_makes(grid, field_arrows, style):
    seen = []
    for name, fig in _all_figures(grid, field_arrows, style):
        fast = json.loads(fig.to_json())
        checked = json.loads(go.Figure(fig.to_dict()).to_json())  # validating constructor
        assert _differences(fast, checked) == [], name
        seen.append(name)
    assert len(seen) >= 10


def test_unvalidated_figure_would_leak_shorthands():
    """Regression guard for the check above: a shorthand passes ``G.figure`` unexpanded,
    and the validated copy differs, so the test can fail."""
    fig = G.figure([G.trace("scatter", x=[1], y=[2], marker=dict(line_width=2))],
                   {"template": "plotly_white"})
    assert json.loads(fig.to_json()) != json.loads(go.Figure(fig.to_dict()).to_json())
    with pytest.raises(ValueError):
        go.Figure(G.figure([G.trace("scatter", x=[1], nonsense=3)], {}).to_dict())


def _png_pixels(source: str) -> np.ndarray:
    """Decode the app's own PNGs (8-bit RGBA, no interlace, filter 0 on every row)."""
    import base64
    import struct
    import zlib
    data = base64.b64decode(source.split(",", 1)[1])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", data[16:24])
    idat, i = b"", 8
    while i < len(data):
        n = struct.unpack(">I", data[i:i + 4])[0]
        tag = data[i + 4:i + 8]
        if tag == b"IDAT":
            idat += data[i + 8:i + 8 + n]
        i += 12 + n
    raw = zlib.decompress(idat)
    rows = [raw[r * (4 * w + 1) + 1:(r + 1) * (4 * w + 1)] for r in range(h)]
    return np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(h, w, 4)


def test_regression_descent_contour_map_is_an_image_and_level_lines(grid):
    # Plotly removes contour and heatmap traces on the first animation frame drawn
    # without a redraw: pressing Play left the paths over a blank square. The map is now
    # a layout image (bands, grey where f is undefined) and the level curves a scatter
    xs, ys, X, Y, Z = grid
    Z = Z.copy()
    Z[:3, :3] = np.nan
    fig = G.descent_figure(xs, ys, Z, _paths(2, 50), labels=["a", "b"],
                           levels=F.level_map(xs, ys, Z, lines=True))
    assert all(t.type != "contour" and t.type != "heatmap" for t in fig.data)
    img = fig.layout.images[0]
    assert img.xref == "x" and img.yref == "y" and img.layer == "below"
    px = _png_pixels(img.source)
    assert px.shape == (len(ys), len(xs), 4)
    grey = px[-1, 0, :3]  # bottom-left: the undefined corner (rows run top down)
    assert (px[-3:, :3, :3] == grey).all() and not (px[0, -1, :3] == grey).all()
    # bands: one colour per band between levels, so a handful of distinct colours
    assert len({tuple(c) for c in px.reshape(-1, 4)[:, :3]}) >= 5
    lines = fig.layout.shapes[0]
    assert lines.xref == "x" and lines.path.startswith("M") and lines.path.count("M") > 20


def test_regression_paths_on_the_same_route_stay_visible():
    # GD and momentum from (1, 2) on x^2 + y^2 run along the same line: GD's path was
    # drawn under momentum's at the same width and could not be seen
    xs = np.linspace(-3, 3, 21)
    Z = np.add.outer(xs**2, xs**2)
    route = np.array([[1.0, 2.0], [0.5, 1.0], [0.0, 0.0]])
    fig = G.descent_figure(xs, xs, Z, [route, route, route], labels=["GD", "M", "A"])
    widths = [t.line.width for t in fig.data if getattr(t, "mode", None) == "lines+markers"]
    assert widths[0] > widths[1] > widths[2] == G.Style.normal().line_width


@pytest.mark.parametrize("height", [320, 490, 760])
def test_regression_horizontal_legend_clears_the_x_axis_at_any_height(height):
    # the legend's y is a fraction of the plot area: a fixed -0.14/-0.2 put it on the x
    # axis title of short figures (the directional chart, projector mode)
    style = G.Style.projector()
    layout = dict(G._base_layout(style, ""), height=height,
                  xaxis=G._axis(style, "direction angle θ (degrees)"))
    fig = G.figure([G.trace("scatter", x=[0, 1], y=[0, 1], name="a")], layout)
    m = fig.layout.margin
    plot_height = height - m.t - m.b
    below_px = -fig.layout.legend.y * plot_height
    needed = 1.3 * style.tick_size + 1.4 * style.font_size  # tick labels + title
    assert needed < below_px < needed + 40


def test_directional_chart_pads_its_edges_and_stays_readable_when_flat():
    style = G.Style.normal()
    angles = np.linspace(0, 360, 73)
    fig = G.directional_figure(angles, 2 * np.cos(np.radians(angles)),
                               marks=[("steepest ascent", 0.0, 2.0)], style=style)
    lo, hi = fig.layout.xaxis.range
    assert lo < 0 and hi > 360  # a marker at θ = 0 or 360 is drawn whole
    ylo, yhi = fig.layout.yaxis.range
    assert yhi > 2 + 0.3 * 4 and ylo < -2  # room above the curve for the labels
    assert fig.data[1].textposition == "top right"  # leans inwards at the left edge
    # at a critical point Dᵤf = 0 for every θ: a unit band, not a 1e-12-wide one
    flat = G.directional_figure(angles, np.zeros_like(angles), style=style)
    ylo, yhi = flat.layout.yaxis.range
    assert yhi - ylo > 1


def test_regression_step_slider_has_a_row_of_its_own():
    # the slider started at 30 % of the width beside Play/Pause, whose size is in px: in a
    # narrow figure (a phone, a laptop with the sidebar open) the buttons hid its start
    xs = np.linspace(-1, 1, 30)
    Z = np.add.outer(xs**2, xs**2)
    fig = G.descent_figure(xs, xs, Z, _paths(2, 50), labels=["a", "b"])
    slider, buttons = fig.layout.sliders[0], fig.layout.updatemenus[0]
    assert slider.x == 0 and slider.len == 1
    assert slider.pad.t >= buttons.pad.t + 2 * G.Style.normal().font_size  # below them


def test_regression_level_lines_of_a_wavy_function_are_capped():
    # sin(20x)cos(20y) crosses every level in every cell: 271k line points, a 3.8 MB figure
    xs = np.linspace(-3, 3, 100)
    X, Y = np.meshgrid(xs, xs)
    Z = np.sin(20 * X) * np.cos(20 * Y)
    fig = G.descent_figure(xs, xs, Z, _paths(2, 50), labels=["a", "b"],
                           levels=F.level_map(xs, xs, Z, lines=True))
    assert fig.layout.shapes[0].path.count("M") * 3 <= F.MAX_LINE_POINTS
    assert len(fig.to_json()) < 600_000


def test_figures_draw_the_levels_they_are_given_and_place_nothing_themselves(grid):
    # label placement and level curves are computed once per grid (a cached loader) and
    # handed in: a builder given none draws the bands or curves unlabelled
    xs, ys, X, Y, Z = grid
    paths = _paths(2, 50)
    for fig in (G.contour_figure(xs, ys, Z), G.descent_figure(xs, ys, Z, paths, labels="ab"),
                G.basins_figure([[0, 0]], [0], [[0, 0]], xs, ys, Z)):
        assert G.LEVEL_LABELS_NAME not in [t.name for t in fig.data]
    assert G.descent_figure(xs, ys, Z, paths, labels="ab").layout.shapes[0].path == ""
    lm = F.level_map(xs, ys, Z, lines=True)
    fig = G.descent_figure(xs, ys, Z, paths, labels="ab", levels=lm)
    assert fig.data[0].name == G.LEVEL_LABELS_NAME  # under the paths
    assert list(fig.data[0].x) == list(lm.label_x) and fig.data[0].mode == "text"
    assert fig.layout.shapes[0].path.count("M") == lm.line_x.size // 3
    # frames still move the "now" trace, wherever it now is
    now = [t.name for t in fig.data].index("now")
    assert fig.frames[1].data[now].x is not None and fig.frames[1].data[0].x is None
    basins = G.basins_figure([[0, 0]], [0], [[0, 0]], xs, ys, Z,
                             levels=F.level_map(xs, ys, Z))
    labels = next(t for t in basins.data if t.name == G.LEVEL_LABELS_NAME)
    assert len(labels.text) >= 5
    assert basins.data[0].contours.start == F.level_map(xs, ys, Z).start


def test_regression_the_wheel_does_not_zoom_and_the_tangent_plane_shows():
    # seed walkthrough: the wheel over the 3-D surface zoomed it to a speck (Plotly's
    # default for 3-D scenes), and the tangent plane under a bowl was hidden by the surface
    assert G.plot_config()["scrollZoom"] is False
    xs = ys = np.linspace(-2, 2, 9)
    Z = xs[None, :] ** 2 + ys[:, None] ** 2
    plane = (np.array([0.5, 1.5]), np.array([0.5, 1.5]), np.ones((2, 2)))
    fig = G.surface_figure(xs, ys, Z, point=(1, 1), f_point=2.0, plane=plane)
    surface, tangent = fig.data[0], fig.data[1]
    assert surface.opacity < 1 and tangent.opacity >= 0.7


def test_regression_surface_axes_span_the_window_not_the_cone():
    # teacher QA: the steepest-ascent cone's size made Plotly's autorange span ±107 for
    # Rosenbrock on a ±3 window: the surface was a thin spike in the middle of its box
    xs = ys = np.linspace(-3, 3, 31)
    X, Y = np.meshgrid(xs, ys)
    Z = (1 - X) ** 2 + 100 * (Y - X**2) ** 2
    fig = G.surface_figure(xs, ys, Z, point=(1, 2), f_point=100.0,
                           ascent=np.array([[1, 2, 100], [1.5, 3, 2000]]))
    scene = fig.layout.scene
    assert tuple(scene.xaxis.range) == (-3, 3) and tuple(scene.yaxis.range) == (-3, 3)
    lo, hi = scene.zaxis.range
    assert lo <= 0 <= Z.max() <= hi <= 1.05 * Z.max()
    assert scene.domain.y[0] > 0  # a row under the scene for the legend


def test_regression_descent_3d_axes_are_the_window():
    # teacher QA: one diverged run (Momentum on xyz, to 1e6) set the scale and the other
    # runs shrank to a dot in a corner
    paths = [np.array([[1, 2, 1], [0.5, 1, 0.5]]), np.array([[1, 2, 1], [1e6, -1e6, 1e6]])]
    window = ((-4.0, 4.0), (-4.0, 4.0), (-3.0, 3.0))
    fig = G.descent_3d_figure(paths, ["GD", "Momentum"], G.Style.normal(), window=window)
    assert tuple(fig.layout.scene.zaxis.range) == (-3, 3)
    from gradcore import descent as dc
    assert dc.leaves_window(window, paths) and not dc.leaves_window(window, paths[:1])
