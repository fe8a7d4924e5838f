"""Glue for the Gradient descent page: its settings (widgets kept in session state and
mirrored in the URL), cached loaders for the runs, grids and figures, the click that picks
a start, and one small figure ``gradapp.figures`` lacks (a one-variable path on its
curve). No mathematics here: computations live in ``gradcore.descent``.

Settings live in ``st.session_state[K_CFG]`` (a dict), so they survive visits to other
pages (Streamlit forgets the state of widgets that are not drawn); each widget is seeded
from it and writes its value back.

Query parameters written by this page (``state.sync_url`` owns f, p and proj):
``opt=gd,adam`` (the optimizers, at most four), ``lr=0.1,0.01`` (their learning rates, in
the same order), ``steps=100`` and ``asc=1`` (gradient ascent);
``hp=momentum.momentum:0.95,adam.beta1:0.8`` (the chosen optimizers' hyperparameters that
differ from their defaults, ``method.name:value`` with the names of :data:`HYPER_WIDGETS`);
and the basins of attraction, each only when not the default: ``basins=1`` (switched
on; they are off by default, being the page's most expensive part), ``bopt=adam``
(their optimizer, when not the first one chosen) and ``bn=10`` (starts per side).
They are untrusted: method and hyperparameter names are matched against whitelists,
numbers go through ``state.parse_numbers``, rates are snapped to the slider's grid, steps
clamped to its range, hyperparameters clamped and snapped to their slider's step or to
the nearest option, grid sizes snapped to the nearest option; anything else is ignored.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go
import streamlit as st

import gradcore as gc
from gradcore import descent as dc
from gradcore import field as fc
from gradcore.descent import DEFAULTS, LABELS, METHODS, Path, descend, descend_many

from . import figures as G
from . import state, ui

# session-state keys (all prefixed with the page name)
K_CFG = "descent_cfg"  # the page's settings (dict), the source of truth for its widgets
K_CLICK_SEEN = "descent_click_seen"  # the plot selection already applied
K_SHOWN_WINDOW = "descent_shown_window"  # the window of the plot last drawn (for clicks)
W_METHODS, W_STEPS, W_ASCENT = "descent_methods", "descent_steps", "descent_ascent"
W_BASINS, W_BASIN_METHOD, W_BASIN_N = "descent_basins", "descent_basin_method", "descent_basin_n"
CHART = "descent_chart"  # the animated contour plot (clickable)

MAX_OPTIMIZERS = 4
STEPS_RANGE, DEFAULT_STEPS = (1, 1000), 100
DEFAULT_METHODS = ("gd", "momentum", "adam")
GRID_RES = 100  # contour grid points per side (100 x 100 float32: ~63 KB of JSON)
MAX_FRAMES = 100  # animation frames (each is a slider step the browser lays out)
CLICK_RES = 40  # clickable points per side (held as data: one of them is drawn)
BASIN_SIZES, DEFAULT_BASIN_N = (10, 15, 20, 25, 30), 20
BASIN_MAX_STEPS = 1000
POINT_BOUND = ui.POINT_BOUND

SHORT = {"gd": "GD", "momentum": "Momentum", "nesterov": "Nesterov", "adagrad": "Adagrad",
         "rmsprop": "RMSprop", "adam": "Adam"}

#: Colour per method (the same whatever else is shown): Okabe–Ito, colourblind-safe.
COLORS = {m: G.PATH_COLORS[i] for i, m in enumerate(METHODS)}

# Hyperparameters offered per method: (name, label, kind, options or (lo, hi, step), help).
# Adam's betas are two widgets, "beta1" and "beta2", joined into the tuple "betas".
HYPER_WIDGETS: dict[str, tuple[tuple[str, str, str, tuple, str], ...]] = {
    "gd": (),
    "momentum": (("momentum", "momentum μ", "slider", (0.0, 0.99, 0.01),
                  "How much of the previous step is kept: the velocity is b ← μb + ∇f."),),
    "nesterov": (("momentum", "momentum μ", "slider", (0.01, 0.99, 0.01),
                  "Nesterov needs μ > 0: the step uses ∇f + μb."),),
    "adagrad": (),
    "rmsprop": (("alpha", "α (average of squared gradients)", "select",
                 (0.5, 0.9, 0.95, 0.99, 0.995, 0.999),
                 "v ← αv + (1 − α)g²: closer to 1 remembers longer."),
                ("momentum", "momentum", "slider", (0.0, 0.99, 0.01),
                 "Optional momentum on the rescaled steps (0: none).")),
    "adam": (("beta1", "β₁ (average of gradients)", "slider", (0.0, 0.99, 0.01),
              "m ← β₁m + (1 − β₁)g: the momentum part."),
             ("beta2", "β₂ (average of squared gradients)", "select",
              (0.9, 0.99, 0.995, 0.999, 0.9999),
              "v ← β₂v + (1 − β₂)g²: the per-coordinate scale.")),
}


class Run(NamedTuple):
    """One optimizer's settings: hashable, so it can key a cache."""

    method: str
    lr: float
    hyper: tuple[tuple[str, object], ...] = ()

    def kwargs(self) -> dict[str, object]:
        """The hyperparameters as :func:`gradcore.descent.descend` takes them."""
        return dict(self.hyper)

    def title(self, ascent: bool = False) -> str:
        """The optimizer's name; plain gradient descent climbing is "Gradient ascent"
        (the other optimizers' names say nothing of the direction)."""
        return "Gradient ascent" if ascent and self.method == "gd" else LABELS[self.method]

    def named(self, ascent: bool = False) -> str:
        """:meth:`title` with the learning rate."""
        return f"{self.title(ascent)} (η = {fmt_lr(self.lr)})"

    def legend(self, style_name: str, ascent: bool = False) -> str:
        """The label in a figure's legend: short on a projector (the legend takes width
        from the plot; the rates are on the sliders)."""
        if style_name == "projector":
            return "GA" if ascent and self.method == "gd" else SHORT[self.method]
        return self.named(ascent)


# ----------------------------------------------------------------------------- formatting


def fmt(v: float, digits: int = 4) -> str:
    v = float(v) + 0.0  # -0.0 shows as 0
    if math.isnan(v):
        return "undefined"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    return f"{v:.{digits}g}".replace("-", "−")


def fmt_vec(values: Sequence[float], digits: int = 4) -> str:
    return "(" + ", ".join(fmt(v, digits) for v in values) + ")"


def fmt_lr(v: float) -> str:
    return f"{float(v):g}"


def subscripts(name: str) -> str:
    """A column name of the worked table for display: x_k → xₖ, x_{k+1} → xₖ₊₁."""
    return name.replace("_{k+1}", "ₖ₊₁").replace("θ_k", "θₖ").replace("_k", "ₖ")


md = ui.md_escape  # messages name variables: no italics or LaTeX from them


# ----------------------------------------------------------------------------- the link


def read_link(qp) -> dict:
    """The page settings a share link carries, checked: ``methods`` (whitelisted, no
    repeats, at most four), ``lr`` {method: rate snapped to the grid}, ``steps`` (clamped),
    ``ascent``, ``hyper`` {method: {name: value as its widget shows it}}, ``basins``,
    ``basin_method`` (whitelisted) and ``basin_n`` (the nearest offered size). Keys are
    present only for parameters that were usable."""
    out: dict = {}
    raw = qp.get("opt")
    if isinstance(raw, str) and len(raw) <= 100:
        methods: list[str] = []
        for name in raw.split(","):
            name = name.strip().lower()
            if name in METHODS and name not in methods:
                methods.append(name)
        if methods:
            out["methods"] = methods[:MAX_OPTIMIZERS]
    rates = state.parse_numbers(qp.get("lr"), bound=1e308)  # snapped into range below
    if rates and "methods" in out:
        snapped = {m: dc.snap_learning_rate(r)
                   for m, r in zip(out["methods"], rates, strict=False)}
        out["lr"] = {m: r for m, r in snapped.items() if r is not None}
    steps = state.parse_numbers(qp.get("steps"), 1, bound=1e308)  # clamped below
    if steps:
        out["steps"] = int(min(max(round(steps[0]), STEPS_RANGE[0]), STEPS_RANGE[1]))
    if qp.get("asc") in ("0", "1"):
        out["ascent"] = qp.get("asc") == "1"
    hyper = _read_hyper(qp.get("hp"))
    if hyper:
        out["hyper"] = hyper
    if qp.get("basins") in ("0", "1"):
        out["basins"] = qp.get("basins") == "1"
    raw = qp.get("bopt")
    if isinstance(raw, str) and raw.strip().lower() in METHODS:
        out["basin_method"] = raw.strip().lower()
    size = state.parse_numbers(qp.get("bn"), 1, bound=1e308)  # snapped below
    if size:
        n = min(max(size[0], BASIN_SIZES[0]), BASIN_SIZES[-1])  # then the nearest size
        out["basin_n"] = min(BASIN_SIZES, key=lambda s: abs(s - n))
    return out


MAX_HP_LENGTH = 300  # a longer ``hp`` value is ignored (all hyperparameters fit in ~150)


def _hyper_spec(method: str, name: str) -> tuple[str, tuple] | None:
    for n, _label, kind, spec, _help in HYPER_WIDGETS.get(method, ()):
        if n == name:
            return kind, spec
    return None


def snap_hyper(method: str, name: str, value: float) -> float | None:
    """``value`` as the widget of ``method``'s hyperparameter ``name`` can show it: clamped
    to the slider's range and snapped to its step, or the nearest option; None for a name
    that is not offered or a value that is not a finite number."""
    found = _hyper_spec(method, name)
    if found is None or not math.isfinite(value):
        return None
    kind, spec = found
    if kind == "slider":
        lo, hi, step = spec
        k = round((min(max(value, lo), hi) - lo) / step)
        return float(round(min(max(lo + k * step, lo), hi), 10))
    value = min(max(value, spec[0]), spec[-1])  # (1e300 − o would not tell options apart)
    return float(min(spec, key=lambda o: abs(o - value)))


def _read_hyper(raw) -> dict[str, dict[str, float]]:
    """``hp=method.name:value,…`` → {method: {name: value}}, keeping only whitelisted
    methods and names and usable numbers (clamped and snapped to the widget)."""
    out: dict[str, dict[str, float]] = {}
    if not isinstance(raw, str) or len(raw) > MAX_HP_LENGTH:
        return out
    for item in raw.split(","):
        key, sep, number = item.partition(":")
        method, dot, name = key.strip().lower().partition(".")
        if not sep or not dot or method not in METHODS:
            continue
        values = state.parse_numbers(number.strip(), 1, bound=1e308)
        value = snap_hyper(method, name, values[0]) if values else None
        if value is not None:
            out.setdefault(method, {})[name] = value
    return out


def _changed_hyper(cfg: dict) -> str:
    """The chosen optimizers' hyperparameters that differ from the defaults, as the
    ``hp`` value (empty when none do)."""
    defaults = _default_hyper()
    items = []
    for m in cfg["methods"]:
        for name, *_ in HYPER_WIDGETS[m]:
            value = float(cfg["hyper"][m][name])
            if abs(value - defaults[m][name]) > 1e-9:
                items.append(f"{m}.{name}:{value:g}")
    return ",".join(items)


def write_link(cfg: dict) -> None:
    """Mirror the page settings in the URL (only values that changed are written)."""
    methods = cfg["methods"]
    wanted = {"steps": str(cfg["steps"])}
    if methods:
        wanted["opt"] = ",".join(methods)
        wanted["lr"] = ",".join(fmt_lr(cfg["lr"][m]) for m in methods)
    if cfg["ascent"]:
        wanted["asc"] = "1"
    hyper = _changed_hyper(cfg)
    if hyper:
        wanted["hp"] = hyper
    if cfg["basins"]:
        wanted["basins"] = "1"
    if methods and cfg["basin_method"] in methods[1:]:
        wanted["bopt"] = cfg["basin_method"]
    if cfg["basin_n"] != DEFAULT_BASIN_N:
        wanted["bn"] = str(cfg["basin_n"])
    qp = st.query_params
    for key, value in wanted.items():
        if qp.get(key) != value:
            qp[key] = value
    for key in ("opt", "lr", "asc", "hp", "basins", "bopt", "bn"):
        if key not in wanted and key in qp:
            del qp[key]


# ----------------------------------------------------------------------------- settings


def _default_hyper() -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for m in METHODS:
        d = dict(DEFAULTS[m])
        values: dict[str, object] = {}
        for name, *_ in HYPER_WIDGETS[m]:
            if name == "beta1":
                values[name] = float(d["betas"][0])
            elif name == "beta2":
                values[name] = float(d["betas"][1])
            else:
                values[name] = float(d[name])
        out[m] = values
    return out


def _lr_key(method: str) -> str:
    return f"descent_lr_{method}"


def _hyper_key(method: str, name: str) -> str:
    return f"descent_hp_{method}_{name}"


def known_minima(fn: gc.Function) -> tuple[tuple[float, ...], ...]:
    """The gallery's minimisers of ``fn`` (however it was typed), or ()."""
    ex = gc.matching_example(fn)
    if ex is not None and all(len(m) == len(fn.names) for m in ex.minima):
        return tuple(tuple(map(float, m)) for m in ex.minima)
    return ()


def settings(fn: gc.Function, start: Sequence[float]) -> dict:
    """The page's settings (created on the first visit from the link, learning rates reset
    below the stability bound whenever the function changes); returns the live dict."""
    ss = st.session_state
    cfg = ss.get(K_CFG)
    link: dict = {}
    if cfg is None:
        link = read_link(st.query_params)
        cfg = ss[K_CFG] = {
            "methods": list(link.get("methods", DEFAULT_METHODS)),
            "lr": dict(dc.DEFAULT_LR), "hyper": _default_hyper(),
            "steps": link.get("steps", DEFAULT_STEPS), "ascent": link.get("ascent", False),
            "basins": link.get("basins", False), "basin_method": link.get("basin_method"),
            "basin_n": link.get("basin_n", DEFAULT_BASIN_N), "fn_for": None, "lowered": (),
        }
        for m, values in link.get("hyper", {}).items():
            cfg["hyper"][m].update(values)
    if cfg["fn_for"] != fn.text:
        points = [tuple(start), *known_minima(fn)]
        lowered = []
        for m in METHODS:
            lr = dc.suggested_learning_rate(fn, m, hyper_kwargs(m, cfg["hyper"][m]), points)
            if lr < dc.DEFAULT_LR[m]:
                lowered.append(m)
            cfg["lr"][m] = lr
        cfg["lr"].update(link.get("lr", {}))
        cfg["lowered"] = tuple(m for m in lowered if m not in link.get("lr", {}))
        cfg["fn_for"] = fn.text
        for m in METHODS:
            ss[_lr_key(m)] = cfg["lr"][m]
    return cfg


def hyper_kwargs(method: str, values: dict[str, object]) -> dict[str, object]:
    """Widget values → the keyword arguments of ``descend`` (β₁, β₂ → betas)."""
    out = dict(values)
    if "beta1" in out or "beta2" in out:
        d = DEFAULTS[method]["betas"]
        out["betas"] = (float(out.pop("beta1", d[0])), float(out.pop("beta2", d[1])))
    return out


def runs(cfg: dict) -> tuple[Run, ...]:
    """The chosen optimizers' settings, in the order chosen."""
    return tuple(Run(m, float(cfg["lr"][m]),
                     tuple(sorted(hyper_kwargs(m, cfg["hyper"][m]).items())))
                 for m in cfg["methods"])


def _seed(key: str, value) -> None:
    """Give a widget its remembered value when Streamlit has forgotten it."""
    if key not in st.session_state:
        st.session_state[key] = value


def set_lr(method: str, value: float) -> None:
    """Callback (e.g. the safe-rate button): set a method's learning rate."""
    ss = st.session_state
    ss[K_CFG]["lr"][method] = float(value)
    ss[_lr_key(method)] = float(value)


def method_picker(cfg: dict) -> list[str]:
    _seed(W_METHODS, list(cfg["methods"]))
    chosen = st.multiselect(
        "Optimizers (up to four)", list(METHODS), key=W_METHODS, format_func=LABELS.get,
        max_selections=MAX_OPTIMIZERS,
        help="Each runs from the same start with its own learning rate; drawn in its own "
             "colour.")
    cfg["methods"] = [m for m in chosen if m in METHODS][:MAX_OPTIMIZERS]
    return cfg["methods"]


def steps_slider(cfg: dict) -> int:
    _seed(W_STEPS, int(cfg["steps"]))
    cfg["steps"] = int(st.slider("Steps", *STEPS_RANGE, key=W_STEPS,
                                 help="The most steps each optimizer takes (it stops "
                                      "early when ‖∇f‖ < 10⁻⁸ or when it diverges)."))
    return cfg["steps"]


def ascent_toggle(cfg: dict) -> bool:
    _seed(W_ASCENT, bool(cfg["ascent"]))
    cfg["ascent"] = bool(st.toggle(
        "Gradient ascent", key=W_ASCENT,
        help="The sign pitfall: add the gradient instead of subtracting it, "
             "θ ← θ + η∇f(θ)."))
    return cfg["ascent"]


def lr_slider(method: str, cfg: dict, help_text: str | None = None) -> float:
    key = _lr_key(method)
    _seed(key, cfg["lr"][method])
    if st.session_state[key] not in dc.LR_GRID:  # e.g. an edited session: snap it
        st.session_state[key] = dc.snap_learning_rate(st.session_state[key]) or \
            dc.DEFAULT_LR[method]
    value = st.select_slider("learning rate η", options=dc.LR_GRID, key=key,
                             format_func=fmt_lr, help=help_text or
                             "Log scale, from 0.0001 to 10.")
    cfg["lr"][method] = float(value)
    return float(value)


def hyper_widgets(method: str, cfg: dict) -> None:
    """The method's hyperparameters (inside whatever container the caller opened)."""
    values = cfg["hyper"][method]
    for name, label, kind, spec, help_text in HYPER_WIDGETS[method]:
        key = _hyper_key(method, name)
        _seed(key, values[name])
        if kind == "slider":
            lo, hi, step = spec
            v = st.slider(label, lo, hi, step=step, key=key, help=help_text)
        else:
            if st.session_state[key] not in spec:
                st.session_state[key] = spec[-1]
            v = st.select_slider(label, options=spec, key=key, help=help_text)
        values[name] = float(v)


# ----------------------------------------------------------------------------- the start


def start_inputs(fn: gc.Function, per_row: int = 6) -> list[float]:
    """Number inputs for the start θ₀: the point shared by every page (and the link)."""
    return ui.point_inputs(
        fn, prefix="descent_pt", label="start {name}₀", per_row=per_row,
        help="Where every optimizer starts: the point shared with the other pages and the "
             "link. Or click the plot.")


def take_click(fn: gc.Function) -> bool:
    """Move the start to the point a click on the plot chose (once per click). The payload
    comes from the browser: anything but two finite numbers inside the window drawn last
    is ignored. Returns True when the start moved."""
    ss = st.session_state
    try:
        points = ss[CHART]["selection"]["points"]
    except (KeyError, TypeError, AttributeError):
        points = None
    if not points:
        ss.pop(K_CLICK_SEEN, None)  # a new plot: the same spot may be clicked again
        return False
    try:
        x, y = float(points[-1]["x"]), float(points[-1]["y"])
    except (KeyError, TypeError, ValueError, IndexError):
        return False
    if ss.get(K_CLICK_SEEN) == (x, y):
        return False
    ss[K_CLICK_SEEN] = (x, y)
    window = ss.get(K_SHOWN_WINDOW)
    if not window or len(fn.names) != 2:
        return False
    (xlo, xhi), (ylo, yhi) = window
    if not (math.isfinite(x) and math.isfinite(y) and xlo <= x <= xhi and ylo <= y <= yhi):
        return False
    state.set_point(fn, [fc.snap(x, xhi - xlo), fc.snap(y, yhi - ylo)])
    return True


# ----------------------------------------------------------------------------- cached loaders


@st.cache_data(max_entries=64, show_spinner=False)
def run_paths(text: str, runs_: tuple[Run, ...], start: tuple[float, ...], steps: int,
              ascent: bool) -> tuple[Path, ...]:
    """Every optimizer's path from ``start``; cached across sessions by (function text,
    settings)."""
    fn = state.load(text).fn
    return tuple(descend(fn, start, r.method, lr=r.lr, steps=int(steps), ascent=ascent,
                         **r.kwargs()) for r in runs_)


@st.cache_data(max_entries=32, show_spinner=False)
def grid(text: str, window: tuple[tuple[float, float], ...], resolution: int) -> gc.Grid:
    """f on a grid over the window (first variables), cached."""
    fn = state.load(text).fn
    return gc.evaluate_grid(fn, dict(zip(fn.names, window, strict=False)), int(resolution))


@st.cache_data(max_entries=32, show_spinner=False)
def levels(text: str, window: tuple[tuple[float, float], ...], lines: bool) -> fc.LevelMap:
    """The levels of :func:`grid`'s contour map, their labels' places and (``lines``)
    curves, cached with it."""
    g = grid(text, window, GRID_RES)
    return fc.level_map(g.axes[0], g.axes[1], g.values, lines=lines)


def _click_layer(xs, ys) -> dict:
    """A transparent marker layer over the plot: clicking anywhere selects a point of it
    (Plotly reports no selection on contour traces)."""
    # at round numbers (0, 0.2, …, 1, 2): a click can start exactly at (0, 0) or (1, 2)
    X, Y = np.meshgrid(fc.nice_points(xs[0], xs[-1], CLICK_RES),
                       fc.nice_points(ys[0], ys[-1], CLICK_RES))
    return G.trace(
        "scatter", x=X.ravel().astype(np.float32), y=Y.ravel().astype(np.float32), mode="markers",
        name=G.CLICK_LAYER_NAME, showlegend=False,
        marker=dict(size=10, opacity=0, color="black", maxdisplayed=1),  # see G._click_layer
        selected=dict(marker=dict(opacity=0)), unselected=dict(marker=dict(opacity=0)),
        hovertemplate="click to start here<br>(%{x:.3g}, %{y:.3g})<extra></extra>")


@st.cache_resource(max_entries=16, show_spinner=False)
def animation(text: str, runs_: tuple[Run, ...], start: tuple[float, ...], steps: int,
              ascent: bool, window: tuple[tuple[float, float], ...], style_name: str
              ) -> go.Figure:
    """The animated contour plot of the paths (two variables), with a click layer; one
    figure object shared by every session with the same settings (read-only)."""
    paths = run_paths(text, runs_, start, steps, ascent)
    g = grid(text, window, GRID_RES)
    style = G.Style.projector() if style_name == "projector" else G.Style.normal()
    names = state.load(text).fn.names
    fig = G.descent_figure(g.axes[0], g.axes[1], g.values,
                           [dc.plottable(p.points) for p in paths],
                           labels=[r.legend(style_name, ascent) for r in runs_],
                           colors=[COLORS[r.method] for r in runs_], style=style,
                           x_title=names[0], y_title=names[1],
                           extra_traces=[_click_layer(g.axes[0], g.axes[1])],
                           max_frames=MAX_FRAMES, levels=levels(text, window, True))
    return fig


@st.cache_resource(max_entries=16, show_spinner=False)
def path_3d(text: str, runs_: tuple[Run, ...], start: tuple[float, ...], steps: int,
            ascent: bool, window: tuple[tuple[float, float], ...], style_name: str
            ) -> go.Figure:
    paths = run_paths(text, runs_, start, steps, ascent)
    style = G.Style.projector() if style_name == "projector" else G.Style.normal()
    names = state.load(text).fn.names
    return G.descent_3d_figure([dc.plottable(p.points) for p in paths],
                               [r.legend(style_name, ascent) for r in runs_], style,
                               colors=[COLORS[r.method] for r in runs_],
                               axis_titles=tuple(names[:3]), window=window)


@st.cache_resource(max_entries=32, show_spinner=False)
def loss_chart(text: str, runs_: tuple[Run, ...], start: tuple[float, ...], steps: int,
               ascent: bool, kind: str, style_name: str) -> go.Figure:
    paths = run_paths(text, runs_, start, steps, ascent)
    style = G.Style.projector() if style_name == "projector" else G.Style.normal()
    hist = [dc.plottable(p.values if kind == "value" else p.grad_norms) for p in paths]
    title = "f(θ<sub>k</sub>)" if kind == "value" else "‖∇f(θ<sub>k</sub>)‖"
    return G.loss_figure(hist, [r.legend(style_name, ascent) for r in runs_], kind=kind, log_y=True,
                         style=style, colors=[COLORS[r.method] for r in runs_], title=title)


@st.cache_resource(max_entries=16, show_spinner=False)
def curve(text: str, runs_: tuple[Run, ...], start: tuple[float, ...], steps: int,
          ascent: bool, window: tuple[tuple[float, float], ...], style_name: str
          ) -> go.Figure:
    """One variable: the curve y = f(x) with each path's points (x_k, f(x_k)) on it."""
    paths = run_paths(text, runs_, start, steps, ascent)
    g = grid(text, window, 400)
    style = G.Style.projector() if style_name == "projector" else G.Style.normal()
    name = state.load(text).fn.names[0]
    return curve_figure(g.axes[0], g.values, [dc.plottable(p.points[:, 0]) for p in paths],
                        [dc.plottable(p.values) for p in paths],
                        [r.legend(style_name, ascent) for r in runs_],
                        [COLORS[r.method] for r in runs_], style, name)


class BasinResult(NamedTuple):
    starts: np.ndarray
    basins: dc.Basins
    counts: dict


@st.cache_data(max_entries=32, show_spinner=False)
def basin_runs(text: str, run: Run, window: tuple[tuple[float, float], ...], per_side: int,
               steps: int) -> BasinResult:
    """``per_side``² starts over the window run at once (``descend_many``), each labelled
    by the minimum it reached (the gallery's minima when known, else clustered ends)."""
    fn = state.load(text).fn
    starts = dc.start_grid(window, per_side)
    many = descend_many(fn, starts, run.method, lr=run.lr,
                        steps=min(int(steps), BASIN_MAX_STEPS), **run.kwargs())
    span = max(hi - lo for lo, hi in window)
    b = dc.basins(many.final, many.status, known_minima(fn), radius=0.02 * span,
                  grad_norms=many.final_grad_norms)
    return BasinResult(starts, b, many.counts())


@st.cache_resource(max_entries=16, show_spinner=False)
def basin_chart(text: str, run: Run, window: tuple[tuple[float, float], ...], per_side: int,
                steps: int, style_name: str) -> go.Figure:
    res = basin_runs(text, run, window, per_side, steps)
    g = grid(text, window, GRID_RES)
    style = G.Style.projector() if style_name == "projector" else G.Style.normal()
    names = state.load(text).fn.names
    return G.basins_figure(res.starts, res.basins.labels, res.basins.centres, g.axes[0],
                           g.axes[1], g.values, style, x_title=names[0], y_title=names[1],
                           levels=levels(text, window, False))


# ----------------------------------------------------------------------------- figures


def _font(style: G.Style, size: int | None = None) -> dict:
    return dict(family=style.font_family, size=size or style.font_size, color="#111111")


def curve_figure(xs, ys, path_xs, path_fs, labels, colors, style: G.Style,
                 name: str) -> go.Figure:
    """The curve y = f(x) and, per optimizer, its iterates (x_k, f(x_k)) joined in order,
    the start hollow and the end filled. The y range follows the curve, so a diverging
    run leaves the view instead of flattening the curve."""
    xs = np.asarray(xs, dtype=np.float64)
    ys = dc.plottable(ys)
    traces = [G.trace("scatter", x=xs, y=ys, mode="lines", name=f"f({name})",
                         line=dict(color="#444444", width=style.line_width),
                         hovertemplate=f"{name} = %{{x:.4g}}<br>f = %{{y:.4g}}"
                                       "<extra></extra>")]
    for i, (px, pf, lab, c) in enumerate(zip(path_xs, path_fs, labels, colors,
                                             strict=True)):
        sym = G.PATH_SYMBOLS[i % len(G.PATH_SYMBOLS)]
        traces.append(G.trace(
            "scatter", x=px, y=pf, mode="lines+markers", name=lab,
            line=dict(color=c, width=style.line_width * 0.6),
            marker=dict(color=c, size=style.marker_size * 0.7, symbol=sym),
            hovertemplate=f"{lab}<br>k = %{{pointNumber}}<br>{name} = %{{x:.4g}}<br>"
                          "f = %{y:.4g}<extra></extra>"))
        if len(px):
            traces.append(G.trace(
                "scatter", x=[px[0], px[-1]], y=[pf[0], pf[-1]], mode="markers", showlegend=False,
                hoverinfo="skip", marker=dict(color=["white", c], size=style.marker_size * 1.4,
                                              symbol=sym, line=dict(color=c, width=3))))
    finite = ys[np.isfinite(ys)]
    y_range = None
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        pad = 0.05 * (hi - lo) or 1.0
        y_range = [lo - pad, hi + pad]
    axis = dict(tickfont=_font(style, style.tick_size), showline=True, mirror=True,
                linecolor="#444444", ticks="outside", zeroline=False, gridcolor="#e5e5e5")
    return G.figure(traces, dict(
        template=style.template, height=style.height, font=_font(style),
        margin=dict(l=12 + 3 * style.font_size, r=20, t=30, b=40 + 5 * style.font_size),
        xaxis=dict(axis, title=dict(text=name, font=_font(style)),
                   range=[float(xs[0]), float(xs[-1])] if xs.size else None),
        yaxis=dict(axis, title=dict(text=f"f({name})", font=_font(style)), range=y_range),
        legend=dict(orientation="h", yanchor="top", y=-0.2, x=0, font=_font(style)),  # placed
        # under the x axis by G.figure, whatever the height
        hovermode="closest", paper_bgcolor="white", plot_bgcolor="white",
    ))
