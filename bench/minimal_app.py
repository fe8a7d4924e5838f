"""The baseline for bench/load.py: one text input and one st.latex, nothing else."""

import streamlit as st
import sympy as sp

text = st.text_input("f =", value="x^2 + y^2", key="fn_input")
st.session_state["runs"] = st.session_state.get("runs", 0) + 1  # every submit shows anew
x, y = sp.symbols("x y")
st.latex(sp.latex(x**2 + st.session_state["runs"] * y))
