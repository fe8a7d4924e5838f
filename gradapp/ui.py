"""Small rendering helpers shared by the pages (no computation here)."""

from __future__ import annotations

import contextlib
import functools
import logging
import math
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

import streamlit as st
import sympy as sp

import gradcore as gc

from . import state

log = logging.getLogger("gradapp")


def guarded(page):
    """Run a page body, turning any unexpected error into a friendly ``st.error`` (the
    traceback goes to the server log, never to the visitor)."""

    @functools.wraps(page)
    def run() -> None:
        state.ensure_navigation()
        share = None
        try:
            state.init()
            share = _sidebar()
            st.html(_BASE_CSS)
            if state.projector():
                st.html(_PROJECTOR_CSS)
            page()
        except gc.TooComplexError as exc:
            st.error(str(exc))
        except Exception:  # noqa: BLE001 - the last line of defence of a public page
            log.exception("page failed")
            st.error(
                "Something went wrong on this page. Try another function or point; "
                "if it keeps happening, reload the page."
            )
        if share is not None:  # filled last: the page has written its settings by now
            share.code(share_url(), language=None, wrap_lines=True)

    return run


def figure_slot():
    """Where a view's figure goes: in projector mode a container placed here, before the
    (folded) settings drawn next, so the projected screen opens on the figure; otherwise
    a no-op context (the figure goes where it is drawn)."""
    return st.container() if state.projector() else contextlib.nullcontext()


def controls(label: str, key: str):
    """Where a page puts its settings: on the page as usual, or in projector mode folded
    into a collapsed expander called ``label`` (fewer controls on the projected screen;
    the widgets keep their values while folded). The ``key`` keeps it open while its
    label changes (say, with the point it shows)."""
    if state.projector():
        return st.expander(label, expanded=False, icon=":material/tune:", key=key)
    return st.container()


def function_symbol(fn: gc.Function) -> sp.Expr:
    """f(x, y, …) as a sympy object for LaTeX."""
    return sp.Function("f")(*fn.variables) if fn.variables else sp.Symbol("f")


def latex(obj) -> str:
    """LaTeX for a sympy object (expressions, equations, matrices). Only ever sympy's own
    rendering of parsed objects reaches ``st.latex``, never text a user typed. In projector
    mode formulas are drawn larger."""
    body = obj if isinstance(obj, str) else sp.latex(obj)
    return (r"\Large " + body) if state.projector() else body


# Our own constant stylesheet (no user text): a wide table (the first steps of descent
# for three variables, a phone's narrow screen) scrolls inside its own box instead of
# making the whole page slide sideways. A button's label too long for its column (a
# gallery name in a narrow window or in projector type) wraps instead of being cut.
_BASE_CSS = """<style>
[data-testid="stMarkdownContainer"] table { display: block; max-width: 100%; overflow-x: auto; }
[data-testid="stMain"] [data-testid="stButton"] button div,
[data-testid="stMain"] [data-testid="stButton"] button p
  { white-space: normal !important; overflow: visible !important; }
</style>"""

# Our own constant stylesheet (no user text): larger type for the back row.
_PROJECTOR_CSS = """<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 22px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li,
[data-testid="stWidgetLabel"] p, [data-testid="stCaptionContainer"],
[data-testid="stAlertContentInfo"] p, button p { font-size: 1.25rem !important; }
/* rem grows with the root font above: give the 720 px of a projector to content, not to
   Streamlit's top padding (6rem), its empty header bar (transparent, so the title may sit
   under its sidebar button) and an oversized title */
[data-testid="stMainBlockContainer"] { padding-top: 2.4rem; }
[data-testid="stHeader"] { background: transparent; }
h1 { font-size: 1.8rem !important; padding-top: 0 !important; padding-bottom: 0.4rem !important; }
h2 { font-size: 2rem !important; }
h3 { font-size: 1.6rem !important; }
[data-testid="stMain"] .katex { font-size: 1.45em !important; }
/* what is typed (the function, the point) and chosen must be readable from the back */
input, textarea, [data-baseweb="select"] span, [data-tag], [data-tag] *
  { font-size: 1.2rem !important; }
[data-testid="stMarkdownContainer"] code { font-size: 1.1rem !important; }
/* captions are the text colour at 60 % opacity: washed out by a projector, so nearly
   opaque here */
[data-testid="stCaptionContainer"] { opacity: 0.85 !important; }
/* a metric's number is the largest text on the screen, its label smaller (the rule for
   paragraphs above made them the same size) */
[data-testid="stMetricValue"], [data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p
  { font-size: 1.9rem !important; }
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"] p
  { font-size: 1.05rem !important; }
/* a switch (hints, solutions, basins, ascent) as large as its label and centred on it
   (left 44×22 px, it sat above the enlarged text) */
[data-testid="stCheckbox"] label { align-items: center !important; }
[data-testid="stCheckbox"] label > div:first-of-type
  { transform: scale(1.4); transform-origin: left center; margin-right: 1.1rem !important; }
</style>"""


def _set_projector() -> None:
    st.session_state[state.K_PROJECTOR] = bool(st.session_state["projector_toggle"])
    state.sync_url()


def share_url() -> str:
    """The address of this view (page, function, point and settings) to share."""
    base = ""
    try:
        base = st.context.url or ""
    except Exception:  # noqa: BLE001 - outside a browser session (tests)
        base = ""
    query = urlencode(st.query_params.to_dict())
    return f"{base}?{query}" if query else base


def _sidebar():
    """The sidebar: the function, the projector toggle and the "Share this view" box,
    returned empty (a placeholder) for :func:`guarded` to fill once the page has run."""
    with st.sidebar:
        st.caption("Exploring")
        fn = state.current().fn
        tex = sp.latex(sp.Eq(function_symbol(fn), fn.expr, evaluate=False))
        size = r"\normalsize " if len(tex) < 40 else r"\footnotesize " if len(tex) < 90 else (
            r"\scriptsize ")
        st.latex(size + tex)  # the sidebar is narrow: long formulas get smaller type
        st.session_state["projector_toggle"] = state.projector()
        st.toggle("Projector mode", key="projector_toggle", on_change=_set_projector,
                  help="Large type, thick lines and high-contrast colours for a classroom "
                       "projector; fewer controls on screen. Saved in the link.")
        # A popover, not an expander: its content is drawn only when opened, so no page
        # load pays for the code block's syntax highlighter (~0.6 s of CPU in Chromium)
        with st.popover("Share this view", icon=":material/link:", width="stretch"):
            st.caption("Copy this link: it opens the app on the same function, point and "
                       "settings.")
            return st.empty()


POINT_BOUND = 1e6  # as in the share link (state.parse_numbers)


def _in_bounds(value: float) -> float:
    """A shared coordinate as a number input can hold it (another page may have moved the
    point far away, e.g. a diverging descent)."""
    if not math.isfinite(value):
        return 0.0
    return min(max(float(value), -POINT_BOUND), POINT_BOUND)


def coordinate_changed(k: int, key: str) -> None:
    """Callback of a coordinate widget: move the shared point's k-th coordinate."""
    fn = state.current().fn
    point = state.point_for(fn)
    value = st.session_state.get(key)
    if k < len(point) and isinstance(value, (int, float)) and math.isfinite(value):
        point[k] = float(value)
        state.set_point(fn, point)


def point_inputs(fn: gc.Function, *, prefix: str, label: str = "{name} =",
                 skip: tuple[int, ...] = (), heading: str | None = None, per_row: int = 6,
                 help: str | None = None) -> list[float]:
    """Number inputs (keys ``{prefix}_{name}``) for the point shared by every page and the
    link, kept in step with it; ``skip`` leaves coordinates out (e.g. one set by a slice
    slider). Returns the point, clamped to what the inputs can hold."""
    ss = st.session_state
    point = [_in_bounds(v) for v in state.point_for(fn)]
    shown = [k for k in range(len(fn.names)) if k not in skip]
    for k in shown:
        key = f"{prefix}_{fn.names[k]}"
        if ss.get(key) != point[k]:
            ss[key] = point[k]
    for first in range(0, len(shown), per_row):
        row = shown[first:first + per_row]
        cols = st.columns(max(len(row), 2) + (1 if heading else 0))
        if heading:
            cols[0].markdown(f"**{heading}**" if first == 0 else "")
            cols = cols[1:]
        for col, k in zip(cols, row, strict=False):
            key = f"{prefix}_{fn.names[k]}"
            col.number_input(label.format(name=fn.names[k]), key=key, format="%g", step=0.1,
                             min_value=-POINT_BOUND, max_value=POINT_BOUND,
                             on_change=coordinate_changed, args=(k, key), help=help)
    return point


def plot_style():
    """The figure style for this session (projector or normal)."""
    from .figures import Style

    return Style.projector() if state.projector() else Style.normal()


def show_figure(fig, *, key: str, filename: str, export_size: tuple[int, int] | None = None,
                **kwargs):
    """Render a Plotly figure with PNG export at slide resolution (toolbar camera button)
    and a download of the figure as a standalone interactive HTML file (built only when
    clicked). ``export_size`` (width, height in px, exported at 2x) lays the PNG out at
    that size instead of the size on screen: a chart in a narrow column would otherwise
    export in portrait. Extra keyword arguments go to ``st.plotly_chart`` (e.g.
    ``on_select``)."""
    from .figures import plot_config

    config = plot_config(plot_style())
    config["toImageButtonOptions"]["filename"] = filename
    if export_size is not None:
        width, height = export_size
        config["toImageButtonOptions"].update(width=width, height=height, scale=2)
    result = st.plotly_chart(fig, key=key, config=config, **kwargs)
    st.download_button(
        "Download as interactive HTML", data=lambda: fig.to_html(include_plotlyjs=True),
        file_name=f"{filename}.html", mime="text/html", key=f"{key}_html",
        icon=":material/download:",
        # projected: still there for the teacher, drawn as a link, not one more button
        type="tertiary" if state.projector() else "secondary",
    )
    return result


def function_latex(fn: gc.Function) -> str:
    """f(x, y) = expression, as LaTeX."""
    return latex(sp.Eq(function_symbol(fn), fn.expr, evaluate=False))


def metrics(items: Sequence[tuple[str, str] | tuple[str, str, str]]) -> None:
    """A row of ``st.metric`` (label, value[, help]), each as wide as its value, that
    wraps onto the next line where the page is narrow: in equal columns a long vector
    was cut to "(1.5, …" on a laptop with the sidebar open."""
    row = st.container(horizontal=True, gap="large")
    for label, value, *rest in items:
        row.metric(label, value, help=rest[0] if rest else None, width="content")


def function_notes(fn: gc.Function) -> None:
    """How ambiguous parts of the typed text were read (``1/xy`` is (1/x)·y), one info box
    each: the formula above shows the reading, this says it in words."""
    for note in fn.notes:
        st.info(md_escape(note), icon=":material/info:")


def current_function_header() -> state.Loaded:
    """Show the function being explored at the top of a page and return it."""
    loaded = state.current()
    st.latex(function_latex(loaded.fn))
    return loaded


_MD_SPECIAL = "\\`*_{}[]<>()#+-.!|$~"  # - and . too: "- x" and "1. x" start lists


def md_escape(text: object) -> str:
    """``text`` with Markdown's special characters escaped (messages name variables; an
    underscore or a dollar sign must not turn into italics or LaTeX, a ``|`` must not end
    a table cell)."""
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in str(text))


def _cell(value: object, digits: int) -> str:
    if isinstance(value, float):
        return f"{value + 0.0:.{digits}g}"  # + 0.0: -0.0 shows as 0
    return md_escape(value)


def table(rows: Sequence[Mapping[str, object]], *, digits: int = 6) -> None:
    """A few rows of numbers and short labels as a Markdown table: floats with ``digits``
    significant digits, numeric columns right-aligned. (``st.dataframe`` would make the
    server import pandas and pyarrow, about 70 MB, and the browser draw a canvas grid,
    for a handful of rows.)"""
    if not rows:
        return
    cols = list(rows[0])
    numeric = [all(isinstance(r.get(c), int | float) for r in rows) for c in cols]
    lines = ["| " + " | ".join(md_escape(c) for c in cols) + " |",
             "|" + "|".join("---:" if num else ":---" for num in numeric) + "|"]
    lines += ["| " + " | ".join(_cell(r.get(c, ""), digits) for c in cols) + " |"
              for r in rows]
    st.markdown("\n".join(lines))

