"""Gradient descent page: the seed's update rule θ ← θ − η∇f(θ) and the optimizers learners
meet next (momentum, Nesterov, Adagrad, RMSprop, Adam), run on the function being explored
from a start the learner picks, and animated over its contour map. Below the animation:
each run's outcome, why a run diverged (the Hessian's stability bound, with a button that
sets a safe rate), f and ‖∇f‖ per step, the first steps of plain gradient descent worked
out in numbers, the sign pitfall (gradient ascent), and basins of attraction from a grid of
starts.

Thin page: the optimizers, bounds, grids, basins and windows come from
``gradcore.descent``; widgets, links and cached loaders are ``gradapp.descent_view``."""

import sympy as sp
import streamlit as st

import gradcore as gc
from gradapp import descent_view as dv
from gradapp import state, ui
from gradcore import descent as dc
from gradcore import field as fc
from gradcore.descent import (
    LABELS,
    describe,
    first_steps_table,
    paths_to_csv,
    torch_code,
)
from gradcore.pointwise import display_number

UPDATE = r"\theta_{k+1} = \theta_k - \eta\,\nabla f(\theta_k)"
UPDATE_ASCENT = r"\theta_{k+1} = \theta_k + \eta\,\nabla f(\theta_k)"
TABLE_STEPS = 5
STATUS_TEXT = {"converged": "converged", "max_steps": "still going", "diverged": "diverged"}


# --- controls


def optimizer_controls(fn: gc.Function, cfg: dict, start, projector: bool) -> None:
    """One column per chosen optimizer: its learning rate (log slider), the stability
    bound where one applies, and its hyperparameters in an expander."""
    methods = cfg["methods"]
    if not methods:
        return
    ascent = bool(cfg["ascent"])
    cols = st.columns(len(methods))
    for col, m in zip(cols, methods, strict=True):
        with col:
            st.markdown(f"**{LABELS[m]}**")
            dv.lr_slider(m, cfg, help_text=describe(m, ascent))
            bound_caption(fn, m, cfg, start)
            if projector:  # the sliders alone, inline: the settings are folded already
                dv.hyper_widgets(m, cfg)  # (expanders cannot nest; a popover's sliders
                continue  # came back at their minimum after a rerun)
            label = "Hyperparameters" if dv.HYPER_WIDGETS[m] else "About"
            with st.expander(label, icon=":material/tune:"):
                dv.hyper_widgets(m, cfg)
                if not dv.HYPER_WIDGETS[m]:
                    st.caption("No hyperparameters besides η.")
                st.caption(describe(m, ascent))
                with st.popover("PyTorch code", icon=":material/code:"):  # drawn when opened
                    st.code(torch_code(m, cfg["lr"][m], ascent), language="python")
    if cfg.get("lowered"):
        names = ", ".join(LABELS[m] for m in cfg["lowered"] if m in methods)
        if names:
            st.caption(f"Learning rates of {names} start safely below this function's "
                       "stability bound; change them freely.")


def bound_caption(fn: gc.Function, method: str, cfg: dict, start) -> None:
    st_ = stability(fn, method, cfg, start)
    if st_ is not None and st_.unbounded_below:
        if cfg["ascent"]:
            st.caption(f"No η converges: f is unbounded above (Hessian eigenvalue "
                       f"λ = {dv.fmt(-st_.eigenvalues[0], 3)} > 0), so ascent climbs "
                       "forever.")
        else:
            st.caption(f"No η converges: f is unbounded below (Hessian eigenvalue "
                       f"λ = {dv.fmt(st_.eigenvalues[0], 3)} < 0).")
        return
    corner = (f"At a corner of {st_.corner}, a fixed step never settles, whatever η: the "
              "run bounces across it." if st_ is not None and st_.corner else "")
    if st_ is None or st_.bound is None:
        if corner:
            st.caption(dv.md(corner))
        return
    where = "everywhere (f is quadratic)" if st_.quadratic else "near the start"
    st.caption(dv.md(f"Stable for η < {dv.fmt(st_.bound, 3)} {where}. {corner}".strip()))


def stability(fn: gc.Function, method: str, cfg: dict, point) -> dc.Stability | None:
    try:
        return dc.stability(fn, method, dv.hyper_kwargs(method, cfg["hyper"][method]), point,
                            ascent=bool(cfg["ascent"]))
    except ValueError:
        return None


# --- sections


def summary(runs, paths, projector: bool, ascent: bool = False) -> None:
    rows = []
    for run, p in zip(runs, paths, strict=True):
        rows.append({
            "optimizer": run.title(ascent), "η": run.lr, "outcome": STATUS_TEXT[p.status],
            "steps": p.steps_taken, "end θ": dv.fmt_vec(p.final),
            "f(end)": dv.fmt(p.final_value), "‖∇f(end)‖": dv.fmt(p.grad_norms[-1]),
        })
    ui.table(rows)
    for run, p in zip(runs, paths, strict=True):
        if p.status == "diverged":  # diverged runs are explained below
            continue
        if projector and not p.warning:  # projected: only a warning (stopped at a
            continue  # saddle) is worth the screen
        st.caption(f"{run.named(ascent)}: {dv.md(p.message)}")


def divergence(fn: gc.Function, analysis: gc.Analysis, cfg: dict, runs, paths, start,
               ascent: bool) -> None:
    """Explain every diverged run: the step and reason, and (descent) the Hessian's
    stability bound with a button that sets a safe learning rate."""
    bad = [(r, p) for r, p in zip(runs, paths, strict=True) if p.status == "diverged"]
    if not bad:
        return
    st.subheader("Why it diverged")
    shown_hessian = False
    for run, p in bad:
        st.error(f"**{run.named(ascent)}**: {dv.md(p.message)}")
        if ascent or p.steps_taken == 0:
            continue
        s = stability(fn, run.method, cfg, start)
        if s is not None and not s.quadratic and p.steps_taken >= 2:
            s_end = stability(fn, run.method, cfg, p.points[-2])  # where it blew up
            if s_end is not None and s_end.bound is not None and (
                    s.bound is None or s_end.bound < s.bound):
                s = s_end
        if s is None:
            continue
        if s.unbounded_below:  # no rate helps: there is no minimum to converge to
            st.markdown(dv.md(f"{s.reason}. Gradient descent needs a function with a "
                              "minimum: try a bowl such as x^2 + y^2."))
            continue
        if s.bound is None:
            st.markdown(dv.md(f"No learning-rate bound from the Hessian: {s.reason}."))
            if run.method in ("adagrad", "rmsprop", "adam"):
                smaller = dc.snap_learning_rate(run.lr / 10)
                if smaller is not None and smaller < run.lr:
                    st.button(f"Try η = {dv.fmt_lr(smaller)} for {LABELS[run.method]}",
                              key=f"descent_smaller_{run.method}", on_click=dv.set_lr,
                              args=(run.method, smaller))
            continue
        eig = ", ".join(dv.fmt(v, 4) for v in s.eigenvalues)
        where = ("f is quadratic, so its Hessian H is the same everywhere; it" if s.quadratic
                 else f"f is not quadratic: near {dv.fmt_vec(s.point)} its Hessian")
        growth = s.growth(run.lr)
        lines = [f"{where} has eigenvalues λ = {eig}. {LABELS[run.method]} is stable only "
                 f"for η < {s.formula} = **{dv.fmt(s.bound, 4)}**."]
        if growth is not None and run.lr >= s.bound:
            lines.append(f"With η = {dv.fmt_lr(run.lr)}, each step multiplies the distance "
                         f"to the minimum along the steepest direction by "
                         f"{dv.fmt(growth, 3)} > 1, so it grows like "
                         f"{dv.fmt(growth, 3)}ᵏ: the steps overshoot further and further.")
        elif not s.quadratic:
            lines.append("That is a local bound: the curvature changes along the path, so "
                         "a rate that is stable near one point can overshoot elsewhere.")
        st.markdown(" ".join(lines))
        if s.quadratic and not shown_hessian and len(fn.variables) <= 4:
            st.latex(ui.latex(sp.Eq(sp.Symbol("H"), analysis.hessian, evaluate=False)))
            shown_hessian = True
        safe = dc.safe_learning_rate(s.bound)
        if safe is not None and safe < run.lr:
            st.button(f"Set a safe rate for {LABELS[run.method]}: η = {dv.fmt_lr(safe)} "
                      f"(≤ 0.9 × {dv.fmt(s.bound, 3)})", key=f"descent_safe_{run.method}",
                      on_click=dv.set_lr, args=(run.method, safe), type="primary")
        elif safe is None:
            st.caption("The bound is below the slider's smallest rate (0.0001).")


def loss_charts(fn: gc.Function, runs, start, cfg: dict, style_name: str,
                projector: bool) -> None:
    st.subheader("Loss and gradient norm per step")
    args = (fn.text, runs, tuple(start), cfg["steps"], cfg["ascent"])
    figs = [(dv.loss_chart(*args, "value", style_name), "descent_loss", "descent-loss"),
            (dv.loss_chart(*args, "grad_norm", style_name), "descent_gradnorm",
             "descent-gradient-norm")]
    if projector:
        for fig, key, name in figs:
            ui.show_figure(fig, key=key, filename=name)
    else:
        for col, (fig, key, name) in zip(st.columns(2), figs, strict=True):
            with col:  # half a page wide: exported as a 16:9 slide (1920×1080)
                ui.show_figure(fig, key=key, filename=name, export_size=(960, 540))
    linear = [name for (fig, _, _), name in zip(figs, ("f", "‖∇f‖"), strict=True)
              if fig.layout.yaxis.type != "log"]  # (values ≤ 0 cannot be drawn on a log axis)
    # (teacher QA 3: ascent kept the words of descent, "a straight falling line")
    where = ("Climbing, f rises; ‖∇f‖ → 0 only if it reaches a maximum." if cfg["ascent"]
             else "‖∇f‖ → 0 at a minimum.")
    if not linear:
        st.caption("Log scale: a straight line is a change by the same factor every step "
                   "(falling: linear convergence, the error shrinks by that factor). "
                   + where)
    else:  # teacher QA: "Log scale: …" stood under two linear charts
        st.caption(f"Linear scale for {' and '.join(linear)}: it reaches 0 or below, which a "
                   "log scale cannot show. " + where)


def worked_table(fn: gc.Function, cfg: dict, runs, paths, start, ascent: bool) -> None:
    st.subheader(f"The first steps of gradient {'ascent' if ascent else 'descent'}, in numbers")
    gd = [(r, p) for r, p in zip(runs, paths, strict=True) if r.method == "gd"]
    if gd:
        table = first_steps_table(gd[0][1], k=TABLE_STEPS)
        note = ""
    else:
        lr = cfg["lr"]["gd"]
        table = first_steps_table(fn, start, lr=lr, k=TABLE_STEPS, ascent=ascent)
        note = (f" (plain gradient {'ascent' if ascent else 'descent'} with η = "
                f"{dv.fmt_lr(lr)}; add it to the optimizers to change η)")
    sign = "+" if table.ascent else "−"
    st.markdown(f"Each row is one step θₖ₊₁ = θₖ {sign} η∇f(θₖ){note}.")
    if not table.rows:
        st.info("No step was taken: the start is already a stationary point, or f is "
                "undefined there.")
        return
    r0 = table.rows[0]

    def vec(values):
        return sp.Matrix([display_number(v) for v in values])

    eta = display_number(table.lr)
    op = "+" if table.ascent else "-"
    tex = (r"\theta_1 = \theta_0 " + op + r" \eta\,\nabla f(\theta_0) = " + sp.latex(vec(
        r0.theta)) + " " + op + " " + sp.latex(eta) + r"\cdot" + sp.latex(vec(r0.grad))
        + " = " + sp.latex(vec(r0.theta_next)))
    st.latex(ui.latex(tex))
    ui.table([{dv.subscripts(k): v for k, v in row.items()} for row in table.records()])


def basins_section(fn: gc.Function, cfg: dict, runs, window, style_name: str) -> None:
    st.subheader("Many starts: basins of attraction")
    dv._seed(dv.W_BASINS, bool(cfg["basins"]))
    cfg["basins"] = st.toggle(
        "Run a grid of starts", key=dv.W_BASINS,
        help="Hundreds of starts run at once; each is coloured by the minimum it reaches.")
    dv.write_link(cfg)  # these widgets come after the page's first write_link
    if not cfg["basins"]:
        return
    if cfg["ascent"]:
        st.info("Basins of attraction belong to descent: turn gradient ascent off to see "
                "which minimum each start reaches.")
        return
    methods = [r.method for r in runs]
    if cfg["basin_method"] not in methods:
        cfg["basin_method"] = methods[0]
    if st.session_state.get(dv.W_BASIN_METHOD) not in methods:
        st.session_state[dv.W_BASIN_METHOD] = cfg["basin_method"]
    dv._seed(dv.W_BASIN_N, cfg["basin_n"])
    c1, c2 = st.columns(2)
    cfg["basin_method"] = c1.selectbox("Optimizer", methods, key=dv.W_BASIN_METHOD,
                                       format_func=LABELS.get)
    cfg["basin_n"] = c2.select_slider("Starts per side", dv.BASIN_SIZES, key=dv.W_BASIN_N)
    dv.write_link(cfg)
    run = next(r for r in runs if r.method == cfg["basin_method"])
    steps = min(cfg["steps"], dv.BASIN_MAX_STEPS)
    res = dv.basin_runs(fn.text, run, window, cfg["basin_n"], steps)
    fig = dv.basin_chart(fn.text, run, window, cfg["basin_n"], steps, style_name)
    ui.show_figure(fig, key="descent_basins_chart", filename="descent-basins")
    b = res.basins
    parts = [f"{int(c)} → {'minimum' if k else 'end point'} {i + 1}"
             for i, (c, k) in enumerate(zip(b.counts, b.known, strict=True)) if c]
    if b.n_diverged:
        parts.append(f"{b.n_diverged} diverged")
    if b.n_unassigned:
        parts.append(f"{b.n_unassigned} did not reach a minimum in {steps} steps")
    st.caption(f"{len(res.starts)} starts with {run.named()}, {steps} steps: "
               + "; ".join(parts) + f". {b.n_basins} basin{'s' if b.n_basins != 1 else ''}."
               + (" Minima from the gallery." if b.known.any() else
                  " End points grouped where they coincide (no known minima for this "
                  "function)."))
    if b.n_dropped:
        st.caption(f"{b.n_dropped} starts ended at further stationary points (more than "
                   "eight basins: shown as grey crosses).")


# --- the page


@ui.guarded
def page() -> None:
    loaded = state.current()
    fn, analysis = loaded.fn, loaded.analysis
    n = len(fn.variables)
    projector = state.projector()
    style_name = ui.plot_style().name
    st.title("Gradient descent")
    if n == 0:
        st.latex(ui.function_latex(fn))
        st.info("This function has no variables: there is nothing to descend. Pick a "
                "function of x, y, … on the Function page.")
        return
    if n == 2:
        dv.take_click(fn)
    start = state.point_for(fn)
    cfg = dv.settings(fn, start)

    intro = st.empty()  # these two are filled once the ascent toggle has been read
    rule = st.empty()
    # the figure comes first, as on the Gradient field page: on a 1366×768 laptop the
    # settings above it pushed the whole map below the fold (projected, they are folded)
    figure_area = st.container()
    with ui.controls("Settings: optimizers, steps, start point, learning rates",
                     key="descent_settings"):
        if projector:  # one wide row each: labels stay readable at large type
            dv.method_picker(cfg)
            left, right = st.columns(2)
            with left:
                dv.steps_slider(cfg)
            with right:
                dv.ascent_toggle(cfg)
        else:
            top = st.columns([3, 2])
            with top[0]:
                dv.method_picker(cfg)
            with top[1]:
                dv.steps_slider(cfg)
                dv.ascent_toggle(cfg)
        start = dv.start_inputs(fn)
        optimizer_controls(fn, cfg, start, projector)
    dv.write_link(cfg)
    if not projector:  # (teacher QA: "to minimise f we step the other way" sat above θ + η∇f)
        intro.markdown("The gradient points uphill, so to **maximise** f we step along it, a "
                       "little at a time (η is the learning rate):" if cfg["ascent"] else
                       "The gradient points uphill, so to **minimise** f we step the other "
                       "way, a little at a time (η is the learning rate):")
    rule.latex(ui.latex(UPDATE_ASCENT if cfg["ascent"] else UPDATE))
    runs = dv.runs(cfg)
    with figure_area:
        paths, window = _figure(fn, cfg, runs, start, projector, style_name)
    if paths is None:
        return
    ascent = cfg["ascent"]
    summary(runs, paths, projector, ascent)
    divergence(fn, analysis, cfg, runs, paths, start, ascent)
    loss_charts(fn, runs, start, cfg, style_name, projector)
    worked_table(fn, cfg, runs, paths, start, ascent)
    if n == 2:
        basins_section(fn, cfg, runs, window, style_name)
    elif not projector:
        st.caption("Basins of attraction (many starts at once) are drawn for functions of "
                   "two variables.")
    st.download_button(
        "Download the paths (CSV)", key="descent_csv", icon=":material/download:",
        data=paths_to_csv({r.named(ascent): p
                             for r, p in zip(runs, paths, strict=True)}),
        file_name="gradient-descent-paths.csv", mime="text/csv",
        help="One row per step and optimizer: the coordinates, f and ‖∇f‖.")


def _figure(fn: gc.Function, cfg: dict, runs, start, projector: bool, style_name: str):
    """The update rule's warning when ascending, then the paths drawn (an animation for
    two variables); returns (paths, the window drawn), or (None, None) with no optimizer."""
    n = len(fn.variables)
    ascent = cfg["ascent"]
    if ascent:
        st.warning("**Gradient ascent: the sign is flipped.** θ ← θ **+** η∇f(θ) adds the "
                   "gradient, and ∇f points in the direction of steepest *increase*, so "
                   "every step climbs: f goes **up**. This is the seed's pitfall "
                   "\"reversing the gradient direction\": to minimise, **subtract** the "
                   "gradient.")
    if not runs:
        st.info("Choose at least one optimizer in the settings.")
        return None, None
    key = (fn.text, runs, tuple(start), cfg["steps"], ascent)
    paths = dv.run_paths(*key)

    window = None
    if n == 2:
        base = fc.default_window(fn, start, 2)
        window = dc.view_window(base, [p.points for p in paths])
        st.session_state[dv.K_SHOWN_WINDOW] = window
        fig = dv.animation(*key, window, style_name)
        ui.show_figure(fig, key=dv.CHART, filename="gradient-descent", on_select="rerun",
                       selection_mode="points")
        if not projector:
            st.caption("Press ▶ Play (or drag the slider) to watch the iterates move; the "
                       "lines are the full paths. Click the map to start from there.")
    elif n == 3:
        points = [p.points for p in paths]
        base = fc.default_window(fn, start, 3)  # sized to the runs that did not diverge:
        kept = [p.points for p in paths if p.status != "diverged"]  # one that did would
        window = dc.view_window(base, kept or points)  # shrink the rest to dots
        ui.show_figure(dv.path_3d(*key, window, style_name), key="descent_3d",
                       filename="gradient-descent-3d")
        st.caption("The paths in (" + ", ".join(fn.names) + ") space, from the hollow start "
                   "to the filled end; drag to turn." + (
                       " Runs that left the box are cut at its edge (see the table below)."
                       if dc.leaves_window(window, points) else ""))
    elif n == 1:
        base = fc.default_window(fn, start, 1)
        window = dc.view_window(base, [p.points for p in paths])
        ui.show_figure(dv.curve(*key, window, style_name), key="descent_curve",
                       filename="gradient-descent-1d")
        v = fn.names[0]
        st.caption(f"Each optimizer's iterates ({v}ₖ, f({v}ₖ)) on the curve: hollow start, "
                   "filled end.")
    else:
        st.info(f"f has {n} variables: its paths cannot be drawn, but the loss curves, the "
                "numbers below and the CSV download show them.")

    return paths, window


page()
