"""Function page: type a function (or pick one from the gallery) and see it parsed."""

import streamlit as st

import gradcore as gc
from gradapp import state, ui


def _submit() -> None:
    state.submit_typed(st.session_state[state.K_INPUT])


def _pick(text: str) -> None:
    state.submit_picked(text)


@ui.guarded
def page() -> None:
    ss = st.session_state
    st.title("∇ Gradient Explorer")
    st.write(
        "Type a function the way you would write it on paper — `x^2 + 3y`, `3xy + y^2`, "
        "`xyz`, `e^(x^2 y)`, `|x| + |y|`, `sin x cos y` — or pick one below."
    )
    if state.K_LINK_ERROR in ss:
        st.warning(ss.pop(state.K_LINK_ERROR))
    if state.K_INPUT not in ss:
        ss[state.K_INPUT] = ss[state.K_TEXT]
    left, right = st.columns([3, 2], vertical_alignment="top")
    with left:
        st.text_input(
            "f =", key=state.K_INPUT, on_change=_submit, max_chars=gc.LIMITS.max_length,
            help="Write powers with ^ (or **), products by juxtaposition (3xy) or *, "
                 "functions as sin x or sin(x). Press Enter to apply.",
        )
    with right:
        if ss.get(state.K_ERROR):
            st.error(f"{ss[state.K_ERROR]}. Still showing the last valid function.")
    loaded = state.current()
    fn = loaded.fn
    st.latex(ui.function_latex(fn))
    ui.function_notes(fn)
    names = ", ".join(fn.names) if fn.variables else "none (a constant)"
    st.write(f"**Variables:** {names}")
    if not fn.variables:
        st.info("A constant has no variables to differentiate: add x or y.")
    elif len(fn.variables) > 3:
        st.info("The plots show functions of 1 to 3 variables; the partial derivatives "
                "work for any number.")

    st.subheader("Gallery")
    seed = [ex for ex in gc.GALLERY if ex.source == "seed"]
    classics = [ex for ex in gc.GALLERY if ex.source != "seed"]
    for title, group in (("From the text", seed), ("Classics of optimisation", classics)):
        st.caption(title)
        # projected, 3 to a row: at 4 the larger type cut the long names. One set of
        # columns per row, so a wrapped name does not push its column out of line.
        per_row = 3 if state.projector() else 4
        for i, ex in enumerate(group):
            if i % per_row == 0:
                cols = st.columns(per_row)
            cols[i % per_row].button(ex.name, key=f"ex_{ex.name}", help=ex.about,
                                     on_click=_pick, args=(ex.text,), width="stretch")

    with st.expander("How to write functions"):
        st.markdown(
            "- Powers: `x^2`, `x**2`, `x²`; roots: `sqrt(x)`, `cbrt(x)` or `x^(1/3)` (real: "
            "−2 at x = −8); absolute value: `|x|` or `abs(x)`\n"
            "- Products: `3xy` = 3·x·y, `2(x+1)`, `(x+1)(x-1)`, `x sin y`\n"
            "- `e^x` or `exp(x)`; `ln x`, `log(x)` (natural), `log(x, 2)`\n"
            "- `sin cos tan cot sec csc`, `asin`/`arcsin` …, `sinh cosh tanh` …, "
            "`atan2(y, x)`, `sigmoid(x)`; constants `pi` (π) and `e`\n"
            "- Variables are single letters, a letter and digits (`x1`, `w2`) or Greek "
            "names (`theta`, `alpha`)\n"
            "- With its name, as on paper: `f(x, y) = x^2 + 3y` (the variables in `f(…)` "
            "come in that order) or `z = x^2 + y^2`"
        )


page()
