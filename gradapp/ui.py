"""Small rendering helpers shared by the pages (no computation here)."""

from __future__ import annotations

import functools
import logging

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
        try:
            state.init()
            with st.sidebar:
                st.caption("Exploring")
                st.latex(function_latex(state.current().fn))
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
    rendering of parsed objects reaches ``st.latex``, never text a user typed."""
    return sp.latex(obj)


def function_latex(fn: gc.Function) -> str:
    """f(x, y) = expression, as LaTeX."""
    return latex(sp.Eq(function_symbol(fn), fn.expr, evaluate=False))


def current_function_header() -> state.Loaded:
    """Show the function being explored at the top of a page and return it."""
    loaded = state.current()
    st.latex(function_latex(loaded.fn))
    return loaded
