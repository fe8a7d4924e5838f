"""Practice page: the seed text's "Try it yourself" exercises, curated ones of growing
difficulty and generated sets (reproducible from a set number, shared in the URL as
``?pset=<seed>&plevel=<d>``; the curated set as ``pmode=curated``; the exercise shown as
``pex=<n>``). The learner types every partial derivative; answers are checked for
mathematical equivalence (gradcore), with per-box feedback, hints, the
step-by-step solution and the gradient once every partial is right.

Thin page: checking, hints and solutions come from gradcore (time-bounded, cached in
gradapp.practice_view); only sympy objects and gradcore's LaTeX reach st.latex, and every
message goes through ``pv.plain`` before a markdown element shows it."""

from pathlib import Path

import streamlit as st
import sympy as sp

import gradcore as gc
from gradapp import practice_view as pv
from gradapp import state, ui

PARTIALS_PAGE = "pages/partials.py"
ROOT = Path(__file__).resolve().parent.parent


def _d(var: str) -> str:
    """∂f/∂var as LaTeX (variable names are safe identifiers from the parser)."""
    return r"\frac{\partial f}{\partial " + sp.latex(sp.Symbol(var)) + "}"


# --- header: progress and the choice of set -------------------------------------------------


def progress_row(exercises: list[gc.Exercise]) -> None:
    prog = pv.progress()
    parts = [(ex, v) for ex in exercises for v in ex.names]
    solved = sum(prog.is_solved(ex.id, v) for ex, v in parts)
    st.metric("Correct", f"{prog.correct} / {prog.answered}",
              help="Partial derivatives answered correctly, out of those answered, in this "
                   "session (one count per ∂f/∂x of an exercise, however many attempts)")
    checked = f"{prog.attempts} answer{'' if prog.attempts == 1 else 's'} checked"
    st.caption(f"correct / answered partial derivatives · {checked}")
    st.progress(solved / len(parts) if parts else 0.0,
                text=f"This set: {solved} of {len(parts)} solved")
    st.button("Reset progress", key="practice_reset", on_click=pv.reset,
              icon=":material/restart_alt:", width="stretch",
              help="Forget the answers and the progress of this session")


def set_chooser() -> None:
    ss = st.session_state
    pv.restore(pv.W_MODE, pv.K_MODE)
    st.radio("Exercises", pv.MODES, horizontal=True, key=pv.W_MODE, on_change=pv.remember,
             args=(pv.W_MODE, pv.K_MODE),
             help="From the text: the three \"Try it yourself\" functions. Curated: more, "
                  "of growing difficulty. Generated: fresh random ones.")
    if ss[pv.K_MODE] != pv.GENERATED:
        return
    pv.restore(pv.W_LEVEL, pv.K_LEVEL)
    st.radio("Difficulty", list(pv.LEVELS), format_func=pv.LEVELS.get, horizontal=True,
             key=pv.W_LEVEL, on_change=pv.remember, args=(pv.W_LEVEL, pv.K_LEVEL))
    pv.restore(pv.W_SEED, pv.K_SEED)
    with st.container(horizontal=True, vertical_alignment="bottom", gap="medium"):
        st.number_input("Set number", min_value=0, max_value=pv.SEED_MAX, step=1,
                        format="%d", key=pv.W_SEED, on_change=pv.remember,
                        args=(pv.W_SEED, pv.K_SEED), width=220,
                        help="The same set number and difficulty give everyone the same "
                             "exercises: give it to the class, or share the link.")
        st.button("New set", key="practice_new", on_click=pv.new_seed,
                  icon=":material/casino:", help="A fresh random set number")
    st.markdown(f"**Set {int(ss[pv.K_SEED])} · level {int(ss[pv.K_LEVEL])}** — the same "
                "set number and level give everyone the same exercises (the sidebar's "
                "*Share this view* link opens them too).")


def overview(exercises: list[gc.Exercise]) -> None:
    """Every function of the set in one formula, solved ones ticked."""
    prog = pv.progress()
    rows = []
    for k, ex in enumerate(exercises, start=1):
        fn = ex.function
        eq = sp.latex(sp.Eq(ui.function_symbol(fn), fn.expr, evaluate=False))
        done = all(prog.is_solved(ex.id, v) for v in ex.names)
        rows.append(rf"\text{{{k}.}}\quad & {eq}" + (r"\quad \checkmark" if done else ""))
    with st.expander("All exercises in this set"):
        st.latex(ui.latex(r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"))


# --- one exercise ---------------------------------------------------------------------------


def show_verdict(v: gc.Verdict, var: str) -> None:
    """Feedback for one box: ✅ / ❌ with the message and diagnosis, the parser's message for
    an answer that could not be read, and the answer as it was read."""
    if v.status == "unparseable":
        st.warning("Could not read this answer: " + pv.plain(v.message), icon="⚠️")
        return
    if v.status == "correct":
        st.success(pv.plain(v.message), icon="✅")
    elif v.status == "wrong":
        st.error(pv.plain(v.message), icon="❌")
        if v.diagnosis in pv.DIAGNOSES:
            st.caption("Mistake spotted: " + pv.plain(pv.DIAGNOSES[v.diagnosis]))
    else:
        st.info(pv.plain(v.message), icon="⏳")
    if v.answer_expr is not None:
        rel = " = " if v.correct else r" \stackrel{?}{=} "
        st.latex(ui.latex(r"{\small\textcolor{gray}{\text{read as}}}\quad " + _d(var) + rel
                          + sp.latex(v.answer_expr)))


def answer_form(ex: gc.Exercise) -> dict[str, gc.Verdict]:
    """One box per partial derivative and a Check button; returns the verdicts on the
    answers last checked (recording new answers in the progress)."""
    ss = st.session_state
    last = pv.checked(ex)
    for var in ex.names:  # boxes come back with the last checked answer
        ss.setdefault(pv.answer_key(ex, var), last.get(var, ""))
    slots = {}
    with st.form(f"practice_form_{ex.id}"):
        if not state.projector():  # projected, the teacher says it
            st.caption("Type each partial derivative as you would write it: `2x`, "
                       "`3x + 2y`, `y*z`, `e^(xy)`, `cos(x) y`. Press Enter or Check.")
        # On a screen each box has its verdict beside it. Projected, the boxes stand side
        # by side, each verdict under its box, so Check stays on the first screen at
        # 1280×720 (stacked, it fell below it).
        across = st.columns(min(len(ex.names), 3)) if state.projector() else None
        for k, var in enumerate(ex.names):
            left, right = (across[k % 3], across[k % 3]) if across else \
                st.columns([2, 3], vertical_alignment="top")
            left.text_input(f"∂f/∂{var} =", key=pv.answer_key(ex, var),
                            max_chars=gc.LIMITS.max_length, placeholder="your answer")
            slots[var] = right.container()
        # The callback only notes the submission; the checking happens below, inside the
        # guarded page (a callback's errors would not be caught there).
        st.form_submit_button("Check", type="primary", icon=":material/check:",
                              key=f"practice_check_{ex.id}", on_click=pv.mark_submitted,
                              args=(ex.id,))
    if pv.take_submitted(ex.id):
        answers = {v: str(ss.get(pv.answer_key(ex, v)) or "").strip() for v in ex.names}
        if not any(answers.values()):
            st.info("Type an answer in at least one box, then press Check.")
        with st.spinner("Checking…"):
            for var, text in answers.items():
                if not text:
                    continue
                v = pv.verdict(ex, var, text)
                if text != last.get(var) and v.status in ("correct", "wrong"):
                    pv.progress().record(ex.id, var, v.correct)
        ss[pv.K_CHECKED][ex.id] = {v: t for v, t in answers.items() if t}
        last = pv.checked(ex)
    verdicts = {}
    for var, text in last.items():
        verdicts[var] = pv.verdict(ex, var, text)
        with slots[var]:
            show_verdict(verdicts[var], var)
    return verdicts


def help_section(ex: gc.Exercise) -> None:
    """Hints and step-by-step solutions, one pair of switches per partial derivative."""
    st.markdown("**Stuck?**")
    cols = st.columns(len(ex.names))
    for col, var in zip(cols, ex.names, strict=True):
        with col:
            if st.toggle(f"Hint for ∂f/∂{var}", key=f"practice_hint_{ex.id}_{var}"):
                st.info(pv.plain(pv.hint(ex, var)), icon="💡")
            if st.toggle(f"Solution for ∂f/∂{var}", key=f"practice_sol_{ex.id}_{var}"):
                solution_view(ex, var)


def solution_view(ex: gc.Exercise, var: str) -> None:
    with st.spinner("Working it out…"):
        sol = pv.solution(ex, var)
    if sol.error:
        st.warning(pv.plain(sol.error))
        st.latex(ui.latex(_d(var) + " = " + sp.latex(ex.expected(var))))
        return
    if sol.message:
        st.caption(pv.plain(sol.message))
    for line, note in zip(sol.lines, sol.notes, strict=True):
        st.latex(ui.latex(line))
        if note:
            st.caption(pv.plain(note))
    if len(ex.names) > 1:
        st.caption("Variables held constant are drawn in orange.")


def solved_view(ex: gc.Exercise, i: int, n: int, set_key: str) -> None:
    st.success("All partial derivatives are right! Together they make the gradient:",
               icon="🎉")
    grad = sp.Matrix(ex.gradient)
    st.latex(ui.latex(r"\nabla f = " + sp.latex(grad)))
    if i + 1 < n:
        st.button("Next exercise", key="practice_next_solved", on_click=pv.set_index,
                  args=(set_key, i + 1), icon=":material/arrow_forward:", type="primary")


def explore_link(ex: gc.Exercise) -> None:
    if not (ROOT / PARTIALS_PAGE).exists():
        return
    st.button("Practice this function on the other pages", key="practice_explore",
              icon=":material/calculate:", on_click=pv.mark_explore, args=(ex.id,),
              help="Makes it the function being explored and opens Partial derivatives")


def go_explore(ex: gc.Exercise) -> None:
    """After the explore button: make ``ex`` the function explored and open Partials."""
    if not pv.take_explore(ex.id) or not (ROOT / PARTIALS_PAGE).exists():
        return
    error = state.set_function(ex.text)
    if error is not None:  # pragma: no cover - every exercise parses
        st.error(pv.plain(error))
        return
    state.sync_url()
    st.switch_page(PARTIALS_PAGE)


def exercise_view(ex: gc.Exercise, i: int, n: int, set_key: str) -> None:
    go_explore(ex)
    st.subheader(f"Exercise {i + 1} of {n}")
    st.caption(f"Level {ex.difficulty} · " + pv.plain(ex.topic))
    st.latex(ui.function_latex(ex.function))
    noun = "partial derivative" if len(ex.names) == 1 else "both partial derivatives" \
        if len(ex.names) == 2 else f"all {len(ex.names)} partial derivatives"
    st.write(f"Find {noun} of f.")
    verdicts = answer_form(ex)
    if len(verdicts) == len(ex.names) and all(v.correct for v in verdicts.values()):
        solved_view(ex, i, n, set_key)
    help_section(ex)
    explore_link(ex)


def exercise_picker(set_key: str, n: int, i: int) -> None:
    st.session_state[pv.W_PICK] = i
    with st.container(horizontal=True, vertical_alignment="bottom", gap="medium"):
        st.segmented_control("Exercise", list(range(n)), format_func=lambda k: str(k + 1),
                             key=pv.W_PICK, required=True, on_change=pv.pick_changed,
                             args=(set_key,))
        st.button("Previous", key="practice_prev", on_click=pv.set_index,
                  args=(set_key, i - 1), disabled=i == 0, icon=":material/arrow_back:")
        st.button("Next", key="practice_next", on_click=pv.set_index, args=(set_key, i + 1),
                  disabled=i + 1 >= n, icon=":material/arrow_forward:")


@ui.guarded
def page() -> None:
    ss = st.session_state
    pv.init()
    projector = state.projector()
    st.title("Practice")
    if not projector:  # projected, the exercise comes first and the teacher explains
        st.write("Find the partial derivatives yourself. Answers are checked for "
                 "mathematical equality, not spelling: `3y`, `y*3` and `3·y` all count.")
    if pv.K_LINK_WARNING in ss:
        st.warning(ss.pop(pv.K_LINK_WARNING))
    # projected, the set and the exercise picker fold into "Exercises: …" below the
    # exercise (a link opened on a projector showed only them on the first screen)
    exercise_area = st.container() if projector else None
    with ui.controls("Exercises: set and number", key="practice_settings"):
        set_chooser()
        set_key, exercises = pv.current_set()
        n = len(exercises)
        i = pv.index(set_key, n)
        pv.sync_url(i)
        exercise_picker(set_key, n, i)
        overview_slot = st.container()
    progress_slot = st.sidebar.container()  # filled last: it counts the answers below
    with exercise_area or st.container():
        exercise_view(exercises[i], i, n, set_key)
    with progress_slot:
        progress_row(exercises)
    with overview_slot:
        overview(exercises)

page()
