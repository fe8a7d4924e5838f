"""Partial derivatives page: ∂f/∂x one variable at a time (step by step, the other variables
held constant), the gradient vector, and what it says at a chosen point — the values, the
direction of steepest ascent, directional derivatives, the tangent plane, the Hessian and a
finite-difference check.

Thin page: every number and formula comes from gradcore (``gradcore.pointwise``); the
symbolic work is time-bounded and cached per function (and per point for the one exact
display substitution)."""

import streamlit as st

import gradcore as gc
from gradapp import figures, state, ui
from gradapp import partials_view as pv
from gradcore import pointwise as pw

EXPLAIN_TIMEOUT = 2.0  # seconds for one step-by-step derivation
DISPLAY_TIMEOUT = 1.5  # seconds for the exact substitution at a point
PER_ROW = 6  # number inputs per row


class _NotCached(Exception):
    """Carries a transient result (the server was busy) past the cache without storing it."""

    def __init__(self, value):
        super().__init__("transient")
        self.value = value


# --- cached loaders (keyed on the function's text; the parsed objects ride along unhashed)


@st.cache_resource(max_entries=512, show_spinner=False)
def _explanation(text: str, var_name: str, _fn: gc.Function, _reference) -> pw.Explanation:
    ex = pw.explain_partial(_fn, var_name, reference=_reference, timeout=EXPLAIN_TIMEOUT)
    if ex.retry:
        raise _NotCached(ex)
    return ex


def explanation(fn: gc.Function, index: int, reference) -> pw.Explanation:
    """The step-by-step ∂f/∂v for the page (cached per function and variable)."""
    try:
        return _explanation(fn.text, fn.names[index], fn, reference)
    except _NotCached as busy:
        return busy.value


@st.cache_resource(max_entries=1024, show_spinner=False)
def _display(text: str, point: tuple, _fn: gc.Function, _grad) -> pw.PointDisplay | None:
    return pw.display_at(_fn, point, _grad, timeout=DISPLAY_TIMEOUT)


def display(fn: gc.Function, point: list[float], grad) -> pw.PointDisplay | None:
    """Exact numbers at the point for display (cached per function and point)."""
    try:
        return _display(fn.text, tuple(point), fn, grad)
    except gc.TooComplexError:  # busy right now: show decimals, try again next time
        return None


# --- widgets


def point_inputs(fn: gc.Function) -> list[float]:
    return ui.point_inputs(
        fn, prefix="partials_pt", help="The point a where the gradient is evaluated; shared "
                                       "with the other pages and the link.")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[str]]) -> str:
    """A markdown table (light to send and readable from the back row)."""
    lines = ["| " + " | ".join(_cell(h) for h in header) + " |",
             "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _fmt(v: float) -> str:
    return "undefined" if v != v else f"{v + 0.0:.6g}"  # + 0.0: -0.0 shows as 0


def _distinct(*values: float):
    """A formatter with enough significant digits (6 to 17) to tell ``values`` apart: a
    step from f = 10¹⁰ changes f in the 11th digit ("1e+10 → 1e+10" said nothing)."""
    for digits in range(6, 18):
        texts = [f"{v + 0.0:.{digits}g}" for v in values]
        if len(set(texts)) == len(set(values)):
            break
    return lambda v: "undefined" if v != v else f"{v + 0.0:.{digits}g}"


def _vec(values) -> str:
    return "(" + ", ".join(_fmt(v) for v in values) + ")"


# --- sections


def partials_section(fn: gc.Function, analysis: gc.Analysis, big: str) -> None:
    st.header("1 · One variable at a time")
    st.markdown(
        "A **partial derivative** measures how f changes when **one** variable changes and "
        "**all the others are held constant**."
    )
    grad = analysis.gradient
    if len(fn.variables) <= 4:
        cols = st.columns(len(fn.variables))
        for col, var, g in zip(cols, fn.variables, grad, strict=True):
            col.latex(big + pw.partial_latex(var, g))
    if len(fn.variables) == 1:
        st.caption(f"With one variable, ∂f/∂{fn.names[0]} is the ordinary derivative.")

    st.subheader("Step by step")
    index = pv.explain_radio(fn) if len(fn.variables) > 1 else 0
    ex = explanation(fn, index, grad[index])
    if len(fn.variables) > 1:
        others = [n for n in fn.names if n != fn.names[index]]
        st.markdown(
            f"Variables in :orange[**orange**] are **held constant** (treat "
            f"{', '.join(others)} like {'a number' if len(others) == 1 else 'numbers'}): their "
            "own derivative is 0, and as factors "
            "they stay in front, like the 3 in 3x."
        )
    if ex.message:
        st.info(ex.message)
    for i, (line, note, rules) in enumerate(zip(ex.lines, ex.notes, ex.rules, strict=True)):
        left, right = st.columns([3, 2], vertical_alignment="center")
        left.latex(big + line)
        said = []
        if rules and rules != ("simplify",):
            said.append("**" + ", ".join(rules) + "**")
        if note:
            said.append(note)
        if said:
            right.markdown((":orange[**Pitfall avoided:**] " if i == 0 and len(
                fn.variables) > 1 else "") + " — ".join(said))


def gradient_section(fn: gc.Function, analysis: gc.Analysis, big: str) -> None:
    st.header("2 · The gradient ∇f is a vector")
    tex = pw.gradient_latex(fn, analysis.gradient)
    st.latex(big + tex)
    with st.popover("Copy the LaTeX", icon=":material/content_copy:"):  # drawn when opened
        st.code(tex, language="latex", wrap_lines=True)
    st.markdown(
        "The gradient stacks the partial derivatives into **a vector, not a number**: one "
        f"component per variable ({len(fn.variables)} here). At each point it points in the "
        "direction of **steepest increase**, and its length says how steep that is."
    )


def point_section(fn: gc.Function, report: pw.PointReport, shown, big: str) -> None:
    # one column: a chain such as ∂f/∂x(1, 2, 1) = x/√(x² + y² + z²) = 1/√(1² + 2² + 1²)
    # = √6/6 ≈ 0.408 ran past half a laptop's page, its value hidden (teacher QA 3);
    # projected, every line at the point is as large as f(a) (on a laptop the details are
    # smaller)
    projected = state.projector()
    left = right = st.container()
    each = big if projected else ""
    with left:
        st.latex(big + pw.value_latex(fn, report, shown))
        if report.defined:
            n = len(fn.variables)
            where = st.expander("Each partial derivative at the point") if n > 4 \
                else st.container()
            with where:
                for i in range(n):
                    st.latex(each + pw.substitution_latex(fn, i, report, shown))
            st.latex(big + pw.gradient_at_latex(report, shown))
    with right:
        if not report.differentiable:
            st.warning(report.reason or "The gradient is undefined at this point.")
            return
        if report.note:  # a partial's formula gives 0/0 here: its value is the limit
            st.info(report.note)
        st.latex(each + pw.norm_latex(report, shown))
        if report.norm > 0:
            st.latex(each + pw.unit_direction_latex(report))
            if report.angle is not None:
                st.metric("Direction of steepest ascent", f"{report.angle:.1f}°",
                          help="The angle of ∇f(a) from the x-axis, anticlockwise")
        else:
            st.info("∇f = 0 here: f is flat to first order, so there is no direction of "
                    "steepest ascent. See the Hessian tab for what kind of point this is.")
        step = pw.descent_step(fn, report)
        if step is not None:
            show = _distinct(step.f_start, step.f_uphill, step.f_downhill)
            st.markdown(
                "**∇f points uphill.** A small step along +∇f raises f "
                f"({show(step.f_start)} → {show(step.f_uphill)}); gradient descent "
                f"**subtracts** it and f drops ({show(step.f_start)} → "
                f"{show(step.f_downhill)}), with η = {step.rate:g}:"
            )
            st.latex(r"\theta \leftarrow \theta - \eta \, \nabla f(\theta)")
            st.caption(f"To first order f changes by ∓η‖∇f‖² = ∓{_fmt(step.predicted_change)}."
                       f" Downhill step: {_vec(step.start)} → {_vec(step.downhill)}.")


def direction_tab(fn: gc.Function, report: pw.PointReport, point: list[float]) -> None:
    st.latex(r"D_{\mathbf{u}} f(\mathbf{a}) = \nabla f(\mathbf{a}) \cdot \mathbf{u}, "
             r"\qquad \|\mathbf{u}\| = 1")
    n = len(fn.variables)
    if n == 2:
        angle = pv.angle_slider(fn)
        direction = pw.direction_from_angle(angle)
    elif n == 1:
        direction = [pv.sign_radio(fn)]
    else:
        st.caption("Direction vector (it is normalised to length 1):")
        direction = pv.vector_inputs(fn, PER_ROW)
    if not report.differentiable:
        st.info("No directional derivatives from ∇f here: " + (report.reason or ""))
        return
    try:
        dd = pw.directional_derivative(fn, point, direction, report=report)
    except ValueError as exc:
        st.warning(str(exc))
        return
    st.latex(pw.directional_latex(report, dd))
    c1, c2, c3 = st.columns(3)
    c1.metric("Dᵤf, your direction", _fmt(dd.value))
    c2.metric("Largest possible: ‖∇f‖", _fmt(report.norm))
    if dd.angle_to_gradient == dd.angle_to_gradient:
        c3.metric("Angle between u and ∇f", f"{dd.angle_to_gradient:.1f}°")
    st.markdown("Dᵤf is **largest along ∇f** (where it equals ‖∇f‖), **zero along the "
                "level curve** (perpendicular to ∇f) and **negative downhill**.")
    rows = pw.direction_table(report, dd.unit, fn.names)
    header = ["direction"] + (["angle"] if n == 2 else []) + ["u", "Dᵤf", "what it shows"]
    table = []
    for r in rows:
        value = 0.0 if abs(r.value) < 1e-12 * max(1.0, report.norm) else r.value
        label = f"**▶ {r.label}**" if r.chosen else r.label
        table.append([label] + ([f"{r.angle:.1f}°"] if n == 2 else [])
                     + [_vec(r.unit), _fmt(value), r.note])
    st.markdown(_table(header, table))
    if n == 2:
        angles, values = pw.directional_curve(report)
        marks = [(r.label.split(",")[0], r.angle, r.value) for r in rows
                 if not r.chosen and r.angle is not None and "axis" not in r.label]
        fig = figures.directional_figure(angles, values, chosen=(angle, dd.value),
                                         marks=marks, style=ui.plot_style())
        ui.show_figure(fig, key="partials_directional", filename="directional-derivative")


def tangent_tab(fn: gc.Function, report: pw.PointReport, point: list[float], shown) -> None:
    st.latex(r"L(\mathbf{x}) = f(\mathbf{a}) + \nabla f(\mathbf{a}) \cdot "
             r"(\mathbf{x} - \mathbf{a})")
    if not report.differentiable:
        st.info("No tangent plane here: " + (report.reason or ""))
        return
    value, grad = pw.plane_inputs(report, shown)
    plane = pw.tangent_plane(fn, point, value, grad)
    st.latex(r"\large " + pw.tangent_plane_latex(fn, plane))
    what = "tangent plane" if len(fn.variables) == 2 else "linear approximation"
    ones = "(" + ", ".join(["1"] * min(len(fn.variables), 3)) + (
        ", …)" if len(fn.variables) > 3 else ")")
    st.markdown(f"Near the point, f is close to its {what}. Compare them a distance h away "
                f"(along {ones}, normalised):")
    rows = pw.linear_approximation(fn, point, report=report)
    st.markdown(_table(["h", "point", "f", "L", "error |f − L|"],
                       [[f"{r.h:g}", _vec(r.point), _fmt(r.f), _fmt(r.linear), f"{r.error:.3g}"]
                        for r in rows]))
    st.caption(pw.approximation_note(rows))


def hessian_tab(fn: gc.Function, analysis: gc.Analysis, report: pw.PointReport,
                shown) -> None:
    symbolic = pw.hessian_latex(fn, analysis.hessian)
    if len(symbolic) > 2000:
        with st.expander("Symbolic Hessian (long)"):
            st.latex(symbolic)
    else:
        st.latex(symbolic)
    hr = pw.hessian_report(fn, report)
    if hr.kind == "undefined" and not report.differentiable:
        st.info(hr.explanation)
        return
    st.latex(pw.hessian_at_latex(report, hr.matrix, shown))
    st.latex(pw.eigenvalues_latex(hr.eigenvalues))
    if hr.critical:
        st.metric("Critical point (∇f = 0)", hr.kind)
    if hr.critical and hr.kind in ("minimum", "maximum", "saddle"):
        st.success(hr.explanation)
    else:
        st.info(hr.explanation)


def check_tab(fn: gc.Function, report: pw.PointReport, point: list[float]) -> None:
    st.markdown("> If your model can’t compute gradients correctly, it can’t learn.")
    st.markdown("Check the symbolic gradient against **central finite differences**, "
                "(f(a + h eᵢ) − f(a − h eᵢ)) / 2h:")
    check = gc.check_gradient(fn, point)
    st.markdown(_table(["variable", "symbolic ∂f/∂v", "finite difference"],
                       [[name, _fmt(s), _fmt(n)] for name, s, n in
                        zip(fn.names, check.symbolic, check.numeric, strict=True)]))
    err = check.relative_error
    if err != err:
        st.warning("The check cannot be done here: f or its gradient is undefined at this "
                   "point.")
    elif not report.differentiable:
        st.info(f"Relative error {err:.2g}, but f is not differentiable here: neither column "
                "is a true gradient, so agreement at a corner proves nothing.")
    elif check.ok:
        st.success(f"Relative error {err:.2g} (h = {check.step:.2g}): the symbolic gradient "
                   "is right.")
    else:
        st.error(f"Relative error {err:.2g} (h = {check.step:.2g}): they disagree — check "
                 "the derivative (or try a point where f is smoother).")


@ui.guarded
def page() -> None:
    loaded = state.current()
    fn, analysis = loaded.fn, loaded.analysis
    big = r"\LARGE " if state.projector() else r"\large "
    st.title("Partial derivatives and the gradient")
    st.latex(big + ui.function_latex(fn))
    ui.function_notes(fn)
    if not fn.variables:
        st.info("A constant has no variables: every partial derivative is 0. Type a "
                "function of x and y on the Function page.")
        return
    partials_section(fn, analysis, big)
    gradient_section(fn, analysis, big)

    st.header("3 · At a point")
    point = point_inputs(fn)
    report = pw.at_point(fn, point)
    shown = display(fn, point, analysis.gradient) if report.defined else None
    point_section(fn, report, shown, big)

    st.header("4 · What the gradient tells you")
    tabs = pv.section_tabs(fn)  # lazy: only the open tab runs
    with tabs["direction"]:
        if tabs["direction"].open:
            direction_tab(fn, report, point)
    with tabs["tangent"]:
        if tabs["tangent"].open:
            tangent_tab(fn, report, point, shown)
    with tabs["hessian"]:
        if tabs["hessian"].open:
            hessian_tab(fn, analysis, report, shown)
    with tabs["check"]:
        if tabs["check"].open:
            check_tab(fn, report, point)
    pv.write_link(fn)  # the direction, the "Explain" variable and the open tab


page()
