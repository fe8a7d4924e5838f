"""Glue for the Gradient field page: its settings (sidebar widgets mirrored in the URL),
cached grid loaders, click handling, point / slice / level widgets and two small figure
helpers that ``gradapp.figures`` lacks (a one-variable curve; 3-D axis titles and the
point on a level surface). No mathematics here: computations live in gradcore.

Query parameters written by this page (only when they change; ``state.sync_url`` owns
f, p and proj): ``win=xlo,xhi,ylo,yhi[,zlo,zhi]``, ``res``, ``dens``, ``arrows``
(``true`` or ``unit``), ``res3`` (three variables), ``view`` (``2d`` or ``3d``) and
``lvl`` (three variables, the level surface's c, written by :func:`level_slider` only
while it differs from its default f(a)). They are untrusted: numbers go through
``state.parse_numbers`` and ``gradcore.field.check_window``, integers are clamped to their
slider's range, the level to its slider's range (and used only for the function and point
the link names), anything else is ignored.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import streamlit as st

import gradcore as gc
from gradcore import field as fc

from . import figures as G
from . import state, ui
from .figures import Style

# session-state keys (all prefixed with the page name)
K_LINK_READ = "field_link_read"  # the link's settings were applied (once per session)
K_WINDOW = "field_window"  # last valid window: tuple of (lo, hi)
K_WINDOW_FOR = "field_window_for"  # the function text that window belongs to
K_LEVEL_FOR = "field_level_for"  # (function, point) the level slider was reset for
K_LEVEL = "field_level_value"  # the level last chosen (the widget's state can be forgotten)
K_LEVEL_LINK = "field_level_link"  # ((function, point), level) from the link, used once
W_RES, W_DENS, W_SCALE, W_RES3 = "field_res", "field_dens", "field_scale", "field_res3"
W_SLICE, W_LEVEL = "field_slice", "field_level"
CHART = "field_chart"  # the clickable contour plot

RES_RANGE, DEFAULT_RES = (41, 181), 101  # odd: symmetric windows sample the axes;
# 181 keeps the largest map (with 40 x 40 arrows) under 400 KB of JSON
DENS_RANGE, DEFAULT_DENS = (4, 40), 20  # the seed's picture has 20 x 20 arrows
RES3_RANGE, DEFAULT_RES3 = (12, 24), 22  # 22^3: ~280 KB of JSON, 24^3: ~360 KB
SCALES = {"true": "proportional to |∇f|", "unit": "same length, colour = |∇f|"}
DEFAULT_SCALE = "true"
VIEWS = ("2d", "3d")


@dataclass(frozen=True)
class Settings:
    """What the sidebar decided: ``window`` (one range per plotted variable, at most 3),
    contour ``resolution``, arrow ``density`` per side, ``scale`` (``"true"``/``"unit"``),
    level-surface grid ``res3``."""

    window: tuple[tuple[float, float], ...]
    resolution: int
    density: int
    scale: str
    res3: int

    def ranges(self, k: int = 2) -> tuple[tuple[float, float], ...]:
        return self.window[:k]

    def span(self, k: int = 2) -> float:
        """The smaller side of the first ``k`` ranges."""
        return min(hi - lo for lo, hi in self.window[:k])


def style() -> Style:
    return Style.projector() if state.projector() else Style.normal()


def fmt(v: float, digits: int = 4) -> str:
    v = float(v) + 0.0  # -0.0 shows as 0
    if not math.isfinite(v):
        return "undefined"
    return f"{v:.{digits}g}".replace("-", "−")


def fmt_vec(values: Sequence[float], digits: int = 4) -> str:
    return "(" + ", ".join(fmt(v, digits) for v in values) + ")"


def undefined_message(fraction: float, where: str = "the window") -> str | None:
    """'23% of the window is outside the domain of f …', or None when all is defined."""
    if not fraction > 0:
        return None
    pct = fraction * 100
    share = f"{pct:.2g}%" if pct < 1 else f"{pct:.0f}%"
    if fraction >= 1:
        return (f"f is undefined (or not finite) everywhere in {where}: move the window "
                "(or the slice) into its domain.")
    return (f"{share} of {where} is outside the domain of f (f is undefined or not finite "
            "there): left blank.")


# ----------------------------------------------------------------------------- caching


@st.cache_data(max_entries=32, show_spinner=False)
def plane_grid(text: str, names: tuple[str, ...], ranges: tuple[tuple[float, float], ...],
               resolution: int, fixed: tuple[tuple[str, float], ...] = ()) -> gc.Grid:
    """f and ∇f on a grid over ``names`` (other variables fixed), cached across sessions
    by (function text, window, resolution, slice)."""
    fn = state.load(text).fn
    return gc.evaluate_grid(fn, dict(zip(names, ranges, strict=True)), int(resolution),
                            fixed=dict(fixed))


@st.cache_data(max_entries=32, show_spinner=False)
def plane_levels(text: str, names: tuple[str, ...], ranges: tuple[tuple[float, float], ...],
                 resolution: int, fixed: tuple[tuple[str, float], ...] = ()) -> fc.LevelMap:
    """The levels of :func:`plane_grid`'s contour map and their labels' places, cached
    like it (a moved point in the window redraws the map without placing them again)."""
    g = plane_grid(text, names, ranges, resolution, fixed)
    return fc.level_map(g.axes[0], g.axes[1], g.values)


@dataclass(frozen=True)
class SurfaceGrid:
    """The heights a surface plot draws: :func:`plane_grid`'s values with the extreme
    ones (near a pole) cut off, how many were cut, the levels of its floor contours and
    the range of its level values (``None`` when f is constant or undefined)."""

    Z: np.ndarray
    n_clipped: int
    levels: tuple[float, float, float]
    z_range: tuple[float, float] | None


@st.cache_data(max_entries=32, show_spinner=False)
def surface_grid(text: str, names: tuple[str, ...], ranges: tuple[tuple[float, float], ...],
                 resolution: int) -> SurfaceGrid:
    """:class:`SurfaceGrid` of :func:`plane_grid`, cached like it (a moved point redraws
    the surface without clipping and levelling the grid again)."""
    g = plane_grid(text, names, ranges, resolution, ())
    Z, n_clipped = fc.clip_outliers(g.values)
    return SurfaceGrid(Z, n_clipped, fc.contour_levels(Z), fc.level_range(Z))


@st.cache_data(max_entries=8, show_spinner=False)
def volume_grid(text: str, names: tuple[str, str, str],
                ranges: tuple[tuple[float, float], ...], resolution: int,
                fixed: tuple[tuple[str, float], ...] = ()) -> fc.Volume:
    """f on a ``resolution``³ box for level surfaces, cached like :func:`plane_grid`."""
    fn = state.load(text).fn
    return fc.volume(fn, dict(zip(names, ranges, strict=True)), int(resolution),
                     fixed=dict(fixed))


# ----------------------------------------------------------------------------- settings


def _range_keys(k: int) -> tuple[str, str]:
    return f"field_lo{k}", f"field_hi{k}"


def _put_window(window) -> None:
    ss = st.session_state
    ss[K_WINDOW] = tuple(window)
    for k, (lo, hi) in enumerate(window):
        ss[_range_keys(k)[0]], ss[_range_keys(k)[1]] = float(lo), float(hi)


def _clamped_int(raw: str | None, bounds: tuple[int, int]) -> int | None:
    nums = state.parse_numbers(raw, 1)
    if not nums:
        return None
    return int(min(max(round(nums[0]), bounds[0]), bounds[1]))


def _read_link(fn: gc.Function, point: Sequence[float], n_ranges: int) -> None:
    """Apply the share link's page settings (once per session)."""
    ss, qp = st.session_state, st.query_params
    nums = state.parse_numbers(qp.get("win"), bound=fc.MAX_COORDINATE)
    win = fc.check_window(nums) if nums else None
    if win:
        default = fc.default_window(fn, point, n_ranges)
        _put_window(tuple(win[:n_ranges]) + default[len(win):])
        ss[K_WINDOW_FOR] = fn.text
    for key, param, bounds in ((W_RES, "res", RES_RANGE), (W_DENS, "dens", DENS_RANGE),
                               (W_RES3, "res3", RES3_RANGE)):
        value = _clamped_int(qp.get(param), bounds)
        if value is not None:
            ss[key] = value
    if qp.get("arrows") in SCALES:
        ss[W_SCALE] = qp.get("arrows")
    level = state.parse_numbers(qp.get("lvl"), 1, bound=1e308)  # clamped by the slider
    if level and len(fn.variables) >= 3:
        ss[K_LEVEL_LINK] = ((fn.text, tuple(point)), level[0])


def _reset_window() -> None:
    fn = state.current().fn
    n_ranges = len(st.session_state.get(K_WINDOW, ())) or 2
    _put_window(fc.default_window(fn, state.point_for(fn), n_ranges))


def centre_on_point() -> None:
    """Callback: move the window (same size) so the chosen point is in the middle."""
    fn = state.current().fn
    _put_window(fc.centre_window(st.session_state[K_WINDOW], state.point_for(fn)))


def settings(fn: gc.Function, point: Sequence[float]) -> Settings:
    """Render the sidebar's field settings and return them (a new function gets its own
    default window; an invalid window keeps the last valid one, with a warning)."""
    ss = st.session_state
    n = len(fn.variables)
    n_ranges = max(1, min(n, 3))
    if K_LINK_READ not in ss:
        ss[K_LINK_READ] = True
        _read_link(fn, point, n_ranges)
    if ss.get(K_WINDOW_FOR) != fn.text or len(ss.get(K_WINDOW, ())) != n_ranges:
        _put_window(fc.default_window(fn, point, n_ranges))
        ss[K_WINDOW_FOR] = fn.text
    ss.setdefault(W_RES, DEFAULT_RES)
    ss.setdefault(W_DENS, DEFAULT_DENS)
    ss.setdefault(W_SCALE, DEFAULT_SCALE)
    ss.setdefault(W_RES3, DEFAULT_RES3)

    with st.sidebar:
        st.subheader("Field settings")
        st.caption("Window")
        values = []
        for k in range(n_ranges):
            name = fn.names[k]
            lo_key, hi_key = _range_keys(k)
            c1, c2 = st.columns(2)
            values.append(c1.number_input(f"{name} from", key=lo_key, format="%g", step=0.5,
                                          min_value=-fc.MAX_COORDINATE,
                                          max_value=fc.MAX_COORDINATE))
            values.append(c2.number_input(f"{name} to", key=hi_key, format="%g", step=0.5,
                                          min_value=-fc.MAX_COORDINATE,
                                          max_value=fc.MAX_COORDINATE))
        window = fc.check_window(values)
        if window is None:
            st.warning("Each range needs 'from' below 'to' (and a visible span); "
                       "still showing the last valid window.")
            window = ss[K_WINDOW]
        else:
            ss[K_WINDOW] = window
        st.button("Reset window", key="field_reset", on_click=_reset_window,
                  help="The window that shows this function best")
        if n >= 2:
            st.slider("Contour resolution (points per side)", *RES_RANGE, step=20,
                      key=W_RES)
            st.slider("Arrows per side", *DENS_RANGE, key=W_DENS)
            st.radio("Arrow length", list(SCALES), format_func=SCALES.get, key=W_SCALE,
                     help="Proportional: a longer arrow means a steeper slope. Same "
                          "length: only the direction is drawn and colour shows |∇f|.")
        if n >= 3:
            st.slider("Level-surface grid (points per side)", *RES3_RANGE, key=W_RES3)
    return Settings(tuple(window), int(ss[W_RES]), int(ss[W_DENS]), str(ss[W_SCALE]),
                    int(ss[W_RES3]))


def _link_value(v: float) -> str:
    return f"{float(v):.6g}"


def write_link(fn: gc.Function, s: Settings, view: str) -> None:
    """Mirror the page settings in the URL (only values that changed are written)."""
    n = len(fn.variables)
    wanted = {"win": ",".join(_link_value(v) for rng in s.window for v in rng)}
    if n >= 2:
        wanted.update(res=str(s.resolution), dens=str(s.density), arrows=s.scale, view=view)
    if n >= 3:
        wanted["res3"] = str(s.res3)
    qp = st.query_params
    for key, value in wanted.items():
        if qp.get(key) != value:
            qp[key] = value
    if (n < 3 or view != "3d") and "lvl" in qp:  # no level surface shown
        del qp["lvl"]


def view_tabs(labels: Sequence[str], key: str) -> list:
    """Lazy tabs (only the open one runs); the first visit honours the link's ``view``."""
    ss = st.session_state
    if key not in ss:
        raw = st.query_params.get("view")
        ss[key] = labels[VIEWS.index(raw)] if raw in VIEWS else labels[0]
    return list(st.tabs(list(labels), key=key, on_change="rerun"))


def open_view(labels: Sequence[str], key: str) -> str:
    """'2d' or '3d' for the open tab."""
    label = st.session_state.get(key, labels[0])
    return VIEWS[list(labels).index(label)] if label in labels else VIEWS[0]


# ----------------------------------------------------------------------------- the point


def _selected_xy(key: str, window) -> tuple[float, float] | None:
    """The (x, y) of the plot's current point selection, snapped to a clean number. The
    payload comes from the browser: anything that is not two finite numbers inside the
    window is ignored."""
    try:
        points = st.session_state[key]["selection"]["points"]
        x, y = float(points[-1]["x"]), float(points[-1]["y"])
        (xlo, xhi), (ylo, yhi) = window[0], window[1]
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        return None
    if not (math.isfinite(x) and math.isfinite(y) and xlo <= x <= xhi and ylo <= y <= yhi):
        return None
    return fc.snap(x, xhi - xlo), fc.snap(y, yhi - ylo)


def on_click() -> None:
    """``on_select`` callback of the contour map: a click (a new point selection) moves
    the shared point there, keeping any further coordinates (the slice).

    A callback rather than reading the selection on every run: Streamlit calls it only
    when the browser reports a *new* selection, so a selection that lingers in the
    widget's state is never applied twice, and clicking the same spot again after the
    point was moved some other way still works."""
    xy = _selected_xy(CHART, st.session_state.get(K_WINDOW))
    if xy is None:
        return
    fn = state.current().fn
    point = state.point_for(fn)
    state.set_point(fn, [*xy, *point[2:]])


def point_inputs(fn: gc.Function, point: Sequence[float], skip: Sequence[int] = ()) -> None:
    """Number inputs for the point's coordinates (the keyboard way to move it), kept in
    step with the shared point."""
    ui.point_inputs(fn, prefix="field_pt", label="{name}", skip=tuple(skip), heading="Point a")


def _slice_changed() -> None:
    ui.coordinate_changed(2, W_SLICE)


def slice_slider(fn: gc.Function, point: Sequence[float], rng: tuple[float, float]) -> float:
    """The slider for the third variable: the slice c is the point's third coordinate, so
    the point always lies in the drawn slice."""
    ss = st.session_state
    c = float(point[2])
    lo, hi = min(rng[0], c), max(rng[1], c)
    if ss.get(W_SLICE) != c:
        ss[W_SLICE] = c
    st.slider(f"Slice: {fn.names[2]} = c", float(lo), float(hi),
              step=fc.nice_step(hi - lo, 100), key=W_SLICE, on_change=_slice_changed,
              help="The plane of the contour map; it moves the point's "
                   f"{fn.names[2]}-coordinate with it.")
    return c


def level_slider(basis: tuple, f_a: float, rng: tuple[float, float]) -> float:
    """The level c of the surface f = c; back to f(a) whenever the function or the point
    changes (``basis``), so by default the surface passes through the point. A share
    link's level for the same function and point is used instead, once. The level is
    mirrored in the URL as ``lvl`` while it differs from that default."""
    ss = st.session_state
    lo, hi = rng
    if math.isfinite(f_a):
        lo, hi = min(lo, f_a), max(hi, f_a)
    default = float(f_a) if math.isfinite(f_a) else (lo + hi) / 2
    if ss.get(K_LEVEL_FOR) != basis:
        ss[K_LEVEL_FOR] = basis
        linked = ss.pop(K_LEVEL_LINK, None)
        ss[K_LEVEL] = float(linked[1]) if linked and linked[0] == basis else default
        ss[W_LEVEL] = ss[K_LEVEL]
    elif W_LEVEL not in ss:  # Streamlit forgot the widget (another tab or page)
        ss[W_LEVEL] = ss.get(K_LEVEL, default)
    ss[W_LEVEL] = float(min(max(ss[W_LEVEL], lo), hi))
    level = float(st.slider("Level c of the surface f = c", float(lo), float(hi),
                            step=fc.nice_step(hi - lo, 100), key=W_LEVEL))
    ss[K_LEVEL] = level
    qp = st.query_params
    if abs(level - default) <= 1e-9 * max(1.0, abs(default)):
        if "lvl" in qp:
            del qp["lvl"]
    elif qp.get("lvl") != f"{level:.12g}":
        qp["lvl"] = f"{level:.12g}"
    return level


# ----------------------------------------------------------------------------- figures


def _font(style: Style, size: int | None = None) -> dict:
    return dict(family=style.font_family, size=size or style.font_size, color="#111111")


def curve_figure(xs, ys, *, name: str, a: float, f_a: float, slope: float, tangent_ys,
                 y_range: tuple[float, float] | None, arrow_tip: float | None,
                 style: Style) -> go.Figure:
    """One variable: the curve y = f(x), its tangent line at a (dashed), the point and
    the gradient f'(a) as an arrow along the x direction from (a, f(a)) to
    (``arrow_tip``, f(a)) (drawn as an annotation, so its head keeps its shape)."""
    traces = [
        G.trace("scatter", x=np.asarray(xs, np.float64), y=np.asarray(ys, np.float64),
                mode="lines", name=f"f({name})",
                line=dict(color=style.palette[5], width=style.line_width),
                hovertemplate=f"{name} = %{{x:.4g}}<br>f = %{{y:.4g}}<extra></extra>"),
        G.trace("scatter", x=np.asarray(xs, np.float64), y=np.asarray(tangent_ys, np.float64),
                mode="lines", name="tangent line", hoverinfo="skip",
                line=dict(color=style.tangent_color, width=style.line_width, dash="dash")),
    ]
    show_arrow = arrow_tip is not None and math.isfinite(arrow_tip) and math.isfinite(f_a)
    if show_arrow:  # legend entry for the annotation arrow
        traces.append(G.trace("scatter", x=[a, arrow_tip], y=[f_a, f_a], mode="lines",
                              name=f"∇f(a) = f′(a) = {fmt(slope, 3)}", hoverinfo="skip",
                              line=dict(color=style.gradient_color,
                                        width=style.line_width * 1.4)))
    traces.append(G.trace("scatter", x=[a], y=[f_a], mode="markers", name=f"a = {fmt(a, 3)}",
                          hoverinfo="skip",
                          marker=dict(size=style.marker_size * 1.3, color=style.point_color,
                                      line=dict(color="white", width=2))))
    axis = dict(tickfont=_font(style, style.tick_size), showline=True, mirror=True,
                linecolor="#444444", ticks="outside", zeroline=False, gridcolor="#e5e5e5")
    layout = dict(
        template=style.template, height=int(style.height * 0.8), font=_font(style),
        margin=dict(l=12 + 3 * style.font_size, r=20, t=30, b=40 + 5 * style.font_size),
        xaxis=dict(axis, title=dict(text=name, font=_font(style))),
        yaxis=dict(axis, title=dict(text=f"f({name})", font=_font(style)),
                   range=list(y_range) if y_range else None),
        legend=dict(orientation="h", yanchor="top", y=-0.2, x=0, font=_font(style)),  # placed
        # under the x axis by G.figure, whatever the height
        hovermode="closest", paper_bgcolor="white", plot_bgcolor="white",
    )
    if show_arrow:
        layout["annotations"] = [dict(
            x=arrow_tip, y=f_a, ax=a, ay=f_a, xref="x", yref="y", axref="x", ayref="y",
            showarrow=True, arrowhead=2, arrowsize=1.2, arrowwidth=style.line_width * 1.4,
            arrowcolor=style.gradient_color, text="")]
    return G.figure(traces, layout)


def point_traces_3d(style: Style, point, grad=None, grad_length: float = 1.0) -> list[dict]:
    """The point on a level surface and its gradient as a short line from it: the normal
    of the surface (traces to add to :func:`gradapp.figures.isosurface_figure`)."""
    p = np.asarray(point, dtype=np.float64).reshape(3)
    out = [G.trace("scatter3d", x=p[:1], y=p[1:2], z=p[2:], mode="markers",
                   name=f"a = {fmt_vec(p, 3)}", hoverinfo="skip",
                   marker=dict(size=style.marker_size * 0.7, color=style.point_color,
                               line=dict(color="white", width=2)))]
    if grad is not None:
        tip = fc.gradient_tip(p, grad, grad_length)
        if np.all(np.isfinite(tip)):
            seg = np.vstack([p, tip])
            out.append(G.trace("scatter3d", x=seg[:, 0], y=seg[:, 1], z=seg[:, 2],
                               mode="lines", name=f"∇f(a) = {fmt_vec(grad, 3)}",
                               hoverinfo="skip", line=dict(color=style.gradient_color,
                                                           width=style.line_width * 2.5)))
    return out
