"""Gradient Explorer: the entry point. One ``st.navigation`` over the page files; the
function being explored lives in session state (and the URL), shared by every page.

Because a ``pages/`` folder sits beside this script, Streamlit may first run a page file
on its own (legacy multipage mode); ``state.ensure_navigation`` switches that off and
reruns through this script. Each page sets up the shared state itself (``state.init()``
through ``ui.guarded``), so it works however Streamlit runs it."""

import streamlit as st

from gradapp import state

# A projector link opens with the sidebar folded away: the plots get the whole screen.
st.set_page_config(
    page_title="Gradient Explorer", page_icon="∇", layout="wide",
    initial_sidebar_state="collapsed" if st.query_params.get("proj") == "1" else "auto",
)

PAGES = [  # (file, title, icon)
    ("pages/function.py", "Function", ":material/function:"),
    ("pages/partials.py", "Partial derivatives", ":material/calculate:"),
    ("pages/field.py", "Gradient field", ":material/explore:"),
    ("pages/descent.py", "Gradient descent", ":material/trending_down:"),
    ("pages/practice.py", "Practice", ":material/school:"),
]

state.ensure_navigation()
pages = [
    st.Page(path, title=title, icon=icon, default=(i == 0))
    for i, (path, title, icon) in enumerate(PAGES)
]
page = st.navigation(pages)
page.run()
