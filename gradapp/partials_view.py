"""Glue for the Partial derivatives page: the widgets a share link carries, namely the
variable explained step by step and the direction of the directional derivative.

Their values live in ``st.session_state[K_CFG]`` (a dict), so they survive visits to
other pages (Streamlit forgets the state of widgets that are not drawn); each widget is
seeded from it and writes its value back. The link is read once per session, on the
page's first visit.

Query parameters written by this page, only when they differ from the default
(``state.sync_url`` owns f, p and proj):

- ``var=y``: the variable whose partial derivative is explained (not the first one);
- ``dir``: the direction, by the number of variables of f: ``dir=45`` (two: the angle in
  whole degrees from the positive first axis, not 0), ``dir=-1`` (one: the − direction),
  ``dir=1,0,-1`` (three or more: the direction vector, one number per variable, not
  (1, 0, …, 0));
- ``tab``: the open tab of "What the gradient tells you" (``tangent``, ``hessian`` or
  ``check``; not the first, ``direction``).

They are untrusted: ``var`` must be one of f's variable names; numbers go through
``state.parse_numbers`` (finite, at most 10⁶ in size, the right count); an angle is
rounded and taken modulo 360, a one-variable direction is its sign (0 is ignored); ``tab``
must be one of the tab names above; anything else is ignored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import streamlit as st

import gradcore as gc

from . import state, ui

K_CFG = "partials_cfg"  # the page's settings (dict), the source of truth for its widgets
W_VAR, W_ANGLE, W_SIGN, W_TAB = "partials_var", "partials_angle", "partials_dir1", "partials_tab"
#: The tabs of "What the gradient tells you": (name in the link, label).
TABS = (("direction", "Directional derivative"), ("tangent", "Tangent plane"),
        ("hessian", "Hessian"), ("check", "Gradient check"))
SIGNS = ("+", "−")
ANGLE_RANGE = (0, 359)
POINT_BOUND = ui.POINT_BOUND


def vector_key(name: str) -> str:
    return f"partials_dir_{name}"


def _number(v: float) -> str:
    """A number for the link: six significant digits when that is exact, else in full."""
    short = f"{v:.6g}"
    return short if float(short) == v else repr(float(v))


def read_link(qp: Mapping, names: tuple[str, ...]) -> dict:
    """The settings a share link carries for a function of the variables ``names``,
    checked: ``var`` (one of ``names``, two or more variables), ``sign`` (one variable),
    ``angle`` (two), ``vector`` {name: value} (three or more). Keys are present only for
    parameters that were usable."""
    out: dict = {}
    n = len(names)
    var = qp.get("var")
    if n > 1 and isinstance(var, str) and var in names:
        out["var"] = var
    raw = qp.get("dir")
    if n == 1:
        nums = state.parse_numbers(raw, 1, bound=POINT_BOUND)
        if nums and nums[0] != 0:
            out["sign"] = SIGNS[0] if nums[0] > 0 else SIGNS[1]
    elif n == 2:
        nums = state.parse_numbers(raw, 1, bound=POINT_BOUND)
        if nums:
            out["angle"] = int(round(nums[0])) % 360
    elif n >= 3:
        nums = state.parse_numbers(raw, n, bound=POINT_BOUND)
        if nums:
            out["vector"] = dict(zip(names, nums, strict=True))
    if qp.get("tab") in dict(TABS):
        out["tab"] = qp.get("tab")
    return out


def settings(fn: gc.Function) -> dict:
    """The page's settings (created on the first visit, from the link); the live dict."""
    ss = st.session_state
    cfg = ss.get(K_CFG)
    if cfg is None:
        link = read_link(st.query_params, fn.names)
        cfg = ss[K_CFG] = {"var": link.get("var"), "sign": link.get("sign", SIGNS[0]),
                           "angle": link.get("angle", 0), "vector": link.get("vector", {}),
                           "tab": link.get("tab", TABS[0][0])}
    return cfg


def vector_for(fn: gc.Function, cfg: dict) -> list[float]:
    """The direction vector for ``fn``'s variables: the remembered components, else the
    default (1, 0, …, 0)."""
    out = []
    for i, name in enumerate(fn.names):
        v = cfg["vector"].get(name, 1.0 if i == 0 else 0.0)
        out.append(float(v) if math.isfinite(v) else 0.0)
    return out


def write_link(fn: gc.Function) -> None:
    """Mirror ``var`` and ``dir`` in the URL (only values that changed are written; a
    default value is removed)."""
    cfg = settings(fn)
    names, n = fn.names, len(fn.names)
    wanted = {}
    if n > 1 and cfg["var"] in names[1:]:
        wanted["var"] = cfg["var"]
    if n == 1 and cfg["sign"] == SIGNS[1]:
        wanted["dir"] = "-1"
    elif n == 2 and cfg["angle"] != 0:
        wanted["dir"] = str(int(cfg["angle"]))
    elif n >= 3:
        vector = vector_for(fn, cfg)
        if vector != [1.0] + [0.0] * (n - 1):
            wanted["dir"] = ",".join(_number(v) for v in vector)
    if cfg["tab"] != TABS[0][0]:
        wanted["tab"] = cfg["tab"]
    qp = st.query_params
    for key, value in wanted.items():
        if qp.get(key) != value:
            qp[key] = value
    for key in ("var", "dir", "tab"):
        if key not in wanted and key in qp:
            del qp[key]


def section_tabs(fn: gc.Function) -> dict[str, object]:
    """The tabs of "What the gradient tells you", by link name. They are lazy: only the
    open one's ``.open`` is true, so the page draws (and the browser renders) one tab's
    content per run; the open tab is remembered and carried by the link."""
    cfg = settings(fn)
    labels = dict(TABS)
    _seed(W_TAB, labels[cfg["tab"]])
    tabs = st.tabs(list(labels.values()), key=W_TAB, on_change="rerun")
    opened = st.session_state.get(W_TAB)
    cfg["tab"] = next((name for name, label in TABS if label == opened), TABS[0][0])
    return dict(zip(labels, tabs, strict=True))


def _seed(key: str, value) -> None:
    """Give a widget its remembered value when Streamlit has forgotten it."""
    if key not in st.session_state:
        st.session_state[key] = value


def explain_radio(fn: gc.Function) -> int:
    """The "Explain" radio (two or more variables): the index of the chosen variable."""
    cfg = settings(fn)
    ss = st.session_state
    if cfg["var"] not in fn.names:
        cfg["var"] = fn.names[0]
    if ss.get(W_VAR) not in fn.names:
        ss[W_VAR] = cfg["var"]
    name = st.radio("Explain", fn.names, horizontal=True, key=W_VAR,
                    format_func=lambda n: f"∂f/∂{n}")
    cfg["var"] = name if name in fn.names else fn.names[0]
    return fn.names.index(cfg["var"])


def angle_slider(fn: gc.Function) -> int:
    """Two variables: the direction's angle in degrees."""
    cfg = settings(fn)
    _seed(W_ANGLE, int(cfg["angle"]))
    angle = st.slider("Direction angle θ (degrees from the positive x-axis)", *ANGLE_RANGE,
                      key=W_ANGLE)
    cfg["angle"] = int(angle)
    return cfg["angle"]


def sign_radio(fn: gc.Function) -> float:
    """One variable: +1 or −1."""
    cfg = settings(fn)
    if st.session_state.get(W_SIGN) not in SIGNS:
        st.session_state[W_SIGN] = cfg["sign"] if cfg["sign"] in SIGNS else SIGNS[0]
    sign = st.radio("Direction", list(SIGNS), horizontal=True, key=W_SIGN,
                    format_func=lambda s: f"{s}{fn.names[0]}")
    cfg["sign"] = sign
    return 1.0 if sign == SIGNS[0] else -1.0


def vector_inputs(fn: gc.Function, per_row: int) -> list[float]:
    """Three or more variables: the direction vector's components (number inputs)."""
    cfg = settings(fn)
    cols = st.columns(min(len(fn.names), per_row))
    direction = []
    for i, (name, v) in enumerate(zip(fn.names, vector_for(fn, cfg), strict=True)):
        _seed(vector_key(name), min(max(v, -POINT_BOUND), POINT_BOUND))
        value = cols[i % len(cols)].number_input(
            f"u_{name}", step=0.5, format="%g", min_value=-POINT_BOUND,
            max_value=POINT_BOUND, key=vector_key(name))
        cfg["vector"][name] = float(value)
        direction.append(float(value))
    return direction
