"""The baseline for bench/load.py: one text input and one st.latex, nothing else."""

import streamlit as st
import sympy as sp

text = st.text_input("f =", value="x^2 + y^2", key="fn_input")
x, y = sp.symbols("x y")
st.latex(sp.latex(sp.Symbol("f") if not text else x**2 + len(text) * y))
