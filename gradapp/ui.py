"""Small rendering helpers shared by the pages (no computation here)."""

from __future__ import annotations

import functools
import logging
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
        try:
            state.init()
            _sidebar()
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

    return run


def function_symbol(fn: gc.Function) -> sp.Expr:
    """f(x, y, …) as a sympy object for LaTeX."""
    return sp.Function("f")(*fn.variables) if fn.variables else sp.Symbol("f")


def latex(obj) -> str:
    """LaTeX for a sympy object (expressions, equations, matrices). Only ever sympy's own
    rendering of parsed objects reaches ``st.latex``, never text a user typed. In projector
    mode formulas are drawn larger."""
    body = obj if isinstance(obj, str) else sp.latex(obj)
    return (r"\Large " + body) if state.projector() else body


# Our own constant stylesheet (no user text): larger type for the back row.
_PROJECTOR_CSS = """<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 22px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li,
[data-testid="stWidgetLabel"] p, [data-testid="stCaptionContainer"],
[data-testid="stAlertContentInfo"] p, button p { font-size: 1.25rem !important; }
h1 { font-size: 3rem !important; } h2 { font-size: 2.4rem !important; }
h3 { font-size: 1.9rem !important; }
[data-testid="stMain"] .katex { font-size: 1.45em !important; }
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


def _sidebar() -> None:
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
        with st.expander("Share this view"):
            st.caption("Copy this link: it opens the app on the same function, point and "
                       "settings.")
            st.code(share_url(), language=None, wrap_lines=True)


def plot_style():
    """The figure style for this session (projector or normal)."""
    from .figures import Style

    return Style.projector() if state.projector() else Style.normal()


def show_figure(fig, *, key: str, filename: str, **kwargs):
    """Render a Plotly figure with PNG export at slide resolution (toolbar camera button)
    and a download of the figure as a standalone interactive HTML file (built only when
    clicked). Extra keyword arguments go to ``st.plotly_chart`` (e.g. ``on_select``)."""
    from .figures import plot_config

    config = plot_config(plot_style())
    config["toImageButtonOptions"]["filename"] = filename
    result = st.plotly_chart(fig, key=key, config=config, **kwargs)
    st.download_button(
        "Download as interactive HTML", data=lambda: fig.to_html(include_plotlyjs=True),
        file_name=f"{filename}.html", mime="text/html", key=f"{key}_html",
        icon=":material/download:",
    )
    return result


def function_latex(fn: gc.Function) -> str:
    """f(x, y) = expression, as LaTeX."""
    return latex(sp.Eq(function_symbol(fn), fn.expr, evaluate=False))


def current_function_header() -> state.Loaded:
    """Show the function being explored at the top of a page and return it."""
    loaded = state.current()
    st.latex(function_latex(loaded.fn))
    return loaded
