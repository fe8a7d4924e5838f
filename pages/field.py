"""Gradient field page: the seed text's picture — gradient arrows perpendicular to level
curves — made interactive. Two variables: a contour map with arrows (click to move the
point) and the 3-D surface with its tangent plane. Three variables: a slice and a level
surface with gradient cones. One variable: the curve and its tangent line."""

import math

import numpy as np
import streamlit as st

import gradcore as gc
from gradapp import field_view as fv
from gradapp import figures as G
from gradapp import state, ui
from gradcore import field as fc


def _revision(fn: gc.Function, s: fv.Settings) -> str:
    """Keeps zoom and camera across reruns until the function or the window changes."""
    return f"field-{hash((fn.text, s.window)) & 0xFFFFFFFF:x}"


def _fixed(fn: gc.Function, point, first: int) -> tuple[tuple[str, float], ...]:
    return tuple((fn.names[k], float(point[k])) for k in range(first, len(fn.names)))


def _angle_text(angle: float) -> str:
    return f"{angle:.1f}°" if math.isfinite(angle) else "—"


def _point_note(fn, point, f_a, grad, s: fv.Settings, k: int = 2) -> None:
    """Explain what cannot be drawn at the point, and offer to bring it into view."""
    if not math.isfinite(f_a):
        report = gc.at_point(fn, point)  # f may be defined where only ∇f is not (a cone's tip)
        if report.defined:
            st.warning(f"∇f is undefined at a = {fv.fmt_vec(point)}, so no arrow is drawn "
                       f"there: {ui.md_escape(report.reason or 'f is not differentiable here.')}")
        else:
            st.warning(f"f is undefined at a = {fv.fmt_vec(point)}: click the plot (or type "
                       "a point) inside the domain to see its gradient.")
    elif np.all(grad == 0):
        st.info("∇f(a) = 0: a is a critical point, so there is no direction of steepest "
                "ascent and no level curve direction to compare with. Pick another point.")
    outside = any(not (lo <= point[i] <= hi) for i, (lo, hi) in enumerate(s.window[:k]))
    if outside:
        c1, c2 = st.columns([3, 1], vertical_alignment="center")
        c1.info(f"The point a = {fv.fmt_vec(point)} is outside the window.")
        c2.button("Centre the window on a", key="field_centre", on_click=fv.centre_on_point)


def _flat_message(fn: gc.Function, point: list[float], names) -> str:
    """Why nothing is drawn when f is constant over the plotted plane. With three or more
    variables only the in-plane part of ∇f vanishes there: say where ∇f points instead."""
    plane = f"∂f/∂{names[0]} = ∂f/∂{names[1]} = 0"
    if len(fn.variables) < 3:
        return (f"∇f = 0 everywhere in the window ({plane}): f does not change here, so "
                "there are no arrows and no level curves to draw. Try another window or "
                "function.")
    where = ", ".join(f"{n} = {fv.fmt(point[k])}" for k, n in enumerate(fn.names) if k >= 2)
    grad = gc.evaluate(fn, [point]).grads[0]
    text = (f"f is constant on the slice {where} in this window: {plane} everywhere in "
            "it, so there are no arrows and no level curves to draw in this plane.")
    if np.all(np.isfinite(grad)) and np.any(grad[2:] != 0):
        text += (f" ∇f itself is not 0: at a it is {fv.fmt_vec(grad, 3)}, pointing straight "
                 "out of the slice, because f changes as "
                 + " and ".join(n for k, n in enumerate(fn.names) if k >= 2 and grad[k] != 0)
                 + " changes.")
    return text + " Move the slice, or try another window or function."


def _rounding_message(fn: gc.Function, point: list[float], grid) -> str:
    """Why nothing is drawn when f does change, by too little next to its size for
    floating point to draw its level curves (10¹⁶ + x)."""
    values = grid.values[np.isfinite(grid.values)]
    size = float(np.max(np.abs(values))) if values.size else float("nan")
    grad = gc.evaluate(fn, [point]).grads[0]
    return (f"f changes too little across the window, next to its size (about "
            f"{fv.fmt(size, 3)}), for floating point to draw its level curves: its values "
            "agree in all but their last digits. ∇f is not 0 (at a it is "
            f"{fv.fmt_vec(grad, 3)}). Zoom out, or subtract the constant from f.")


def plane_view(fn: gc.Function, point: list[float], s: fv.Settings, style: G.Style) -> None:
    """Contour map of f over the (first two variables') plane, with the gradient field,
    the point, its gradient, the level curve's tangent and the measured angle."""
    n = len(fn.variables)
    slot = ui.figure_slot()
    with ui.controls(f"Point a = {fv.fmt_vec(point)}", key="field_point_plane"):
        if n >= 3:
            fv.slice_slider(fn, point, s.window[2])
        fv.point_inputs(fn, point, skip=(2,) if n >= 3 else ())
    names = fn.names[:2]
    fixed = _fixed(fn, point, 2)
    grid = fv.plane_grid(fn.text, names, s.ranges(), s.resolution, fixed)
    where = "this slice" if n >= 3 else "the window"
    if grid.n_undefined == grid.values.size:
        st.warning(fv.undefined_message(1.0, where))
        return
    if fc.is_flat(grid):
        st.info(_flat_message(fn, point, names) if fc.max_gradient(grid) == 0 else
                _rounding_message(fn, point, grid))
        return

    agrid = fv.plane_grid(fn.text, names, fc.arrow_ranges(s.ranges(), s.density),
                          s.density, fixed)
    AX, AY = np.meshgrid(*agrid.axes)
    arrows = fc.arrows(AX, AY, agrid.grads[0], agrid.grads[1],
                      scale="true" if s.scale == "true" else "normalized")
    drawn = arrows if s.scale == "true" else fc.bin_arrows(arrows, 6)

    ev = gc.evaluate(fn, [point])
    f_a, grad = float(ev.values[0]), ev.grads[0]
    g2, p2 = grad[:2], np.asarray(point[:2], dtype=float)
    span = s.span()
    t = fc.level_curve_tangent(fn, point, (0, 1), radius=1e-3 * span) if math.isfinite(
        f_a) else None
    tangent = None if t is None else np.vstack([p2 - 0.15 * span * t[:2],
                                                p2 + 0.15 * span * t[:2]])
    angle = fc.angle_deg(g2, t[:2]) if t is not None else float("nan")
    note = fv.undefined_message(grid.fraction_undefined)
    fig = G.contour_figure(
        grid.axes[0], grid.axes[1], grid.values, arrows=drawn, point=p2,
        point_grad=g2 if math.isfinite(f_a) else None, tangent=tangent, style=style,
        undefined_note="grey: f undefined" if note else "", click_resolution=40,
        x_title=names[0], y_title=names[1],
        z_title=f"f({', '.join([*names, *(fv.fmt(v, 3) for _, v in fixed)])})",
        uirevision=_revision(fn, s),
        # a slice shows ∇f's in-plane part: ∇f itself has one component per variable
        gradient_name=(f"(∂f/∂{names[0]}, ∂f/∂{names[1]})(a) = {fv.fmt_vec(g2, 3)}"
                       if n >= 3 else None),
        point_name=f"a = {fv.fmt_vec(point, 3)}" if n >= 3 else None,
        levels=fv.plane_levels(fn.text, names, s.ranges(), s.resolution, fixed),
    )
    with slot:
        ui.show_figure(fig, key=fv.CHART, filename="gradient-field", on_select=fv.on_click,
                       selection_mode="points")
    if note:
        st.caption(note)
    _point_note(fn, point, f_a, g2, s)

    ui.metrics([
        ("a", fv.fmt_vec(point, 3)),
        ("f(a)", fv.fmt(f_a)),
        ("∇f(a)", fv.fmt_vec(grad, 3)),
        ("|∇f(a)|", fv.fmt(math.hypot(*grad))),
        ("angle to level curve", _angle_text(angle),
         "Between ∇f(a) and the tangent of the level curve through a"),
    ])
    where = f"the slice {fn.names[2]} = {fv.fmt(point[2])}" if n >= 3 else "the map"
    if s.scale == "true":
        scale = " — longer means steeper"
        if len(arrows):
            length = "|∇f|" if n < 3 else f"|(∂f/∂{names[0]}, ∂f/∂{names[1]})|"
            scale += (f"; the longest stands for {length} = "
                      f"{fv.fmt(float(arrows.magnitude.max()), 3)}")
    else:
        scale = " — all the same length; colour shows |∇f|"
    in_plane = (f", showing its in-plane part (∂f/∂{names[0]}, ∂f/∂{names[1]})"
                if n >= 3 else "")
    st.caption(
        f"Arrows: ∇f on a {s.density} × {s.density} grid of {where}{in_plane}{scale}. "
        "Dashed: the tangent of the level curve through a, found numerically (where "
        "f = f(a) on a tiny circle around a), not from ∇f — so the angle above is measured. "
        "Click the map to move a."
    )
    if n > 3:
        others = ", ".join(f"{nm} = {fv.fmt(v)}" for nm, v in fixed[1:])
        verb = "is" if len(fixed) == 2 else "are"
        st.caption(f"f has {n} variables: {others} {verb} held at a's values (set them "
                   "above).")


def surface_view(fn: gc.Function, point: list[float], s: fv.Settings, style: G.Style) -> None:
    """The surface z = f(x, y), the point on it, its tangent plane and steepest ascent."""
    slot = ui.figure_slot()
    with ui.controls(f"Point a = {fv.fmt_vec(point)}", key="field_point_surface"):
        fv.point_inputs(fn, point)
    names = fn.names[:2]
    grid = fv.plane_grid(fn.text, names, s.ranges(), s.resolution, ())
    if grid.n_undefined == grid.values.size:
        st.warning(fv.undefined_message(1.0))
        return
    surface = fv.surface_grid(fn.text, names, s.ranges(), s.resolution)
    ev = gc.evaluate(fn, [point])
    f_a, grad = float(ev.values[0]), ev.grads[0]
    p2 = np.asarray(point[:2], dtype=float)
    zr = surface.z_range
    norm = math.hypot(*grad)
    length = fc.view_length(s.span(), (zr[1] - zr[0]) if zr else 1.0, norm)
    ok = math.isfinite(f_a) and bool(np.all(np.isfinite(grad)))
    fig = G.surface_figure(
        grid.axes[0], grid.axes[1], surface.Z, point=p2 if math.isfinite(f_a) else None,
        f_point=f_a if math.isfinite(f_a) else None,
        plane=fc.tangent_patch(p2, f_a, grad, length) if ok else None,
        ascent=fc.steepest_ascent_3d(p2, f_a, grad, length) if ok else None,
        style=style, z_title=f"f({names[0]}, {names[1]})", axis_titles=tuple(names[:2]),
        uirevision=_revision(fn, s), levels=surface.levels,
    )
    with slot:
        ui.show_figure(fig, key="field_surface", filename="gradient-surface")
    notes = [fv.undefined_message(grid.fraction_undefined)]
    if surface.n_clipped:
        notes.append(f"{surface.n_clipped} extreme values (near a pole) are cut off so the rest of "
                     "the surface stays visible.")
    for note in filter(None, notes):
        st.caption(note)
    _point_note(fn, point, f_a, grad, s)
    ui.metrics([
        ("(a, f(a))", fv.fmt_vec([*point, f_a], 3)),
        ("∇f(a)", fv.fmt_vec(grad, 3)),
        ("slope of steepest ascent |∇f(a)|", fv.fmt(norm)),
    ])
    st.caption("The translucent plane is the tangent plane z = f(a) + ∇f(a)·(x − a); the "
               "orange arrow climbs it in the direction of ∇f(a), the steepest way up. The "
               "contour lines on the floor are the level curves of the 2D map.")


def level_view(fn: gc.Function, point: list[float], s: fv.Settings, style: G.Style) -> None:
    """Three variables: the level surface f = c with gradient cones normal to it."""
    names = fn.names[:3]
    vol = fv.volume_grid(fn.text, names, s.window[:3], s.res3, _fixed(fn, point, 3))
    ev = gc.evaluate(fn, [point])
    f_a, grad = float(ev.values[0]), ev.grads[0]
    rng = fc.level_range(vol.values)
    # projected, the figure first and the level slider folded with the point (teacher QA:
    # above the figure they pushed its lower 200 px off a 720 px screen)
    slot = ui.figure_slot()
    with ui.controls(f"Point a = {fv.fmt_vec(point)}, level c", key="field_point_level"):
        fv.point_inputs(fn, point)
        level = fv.level_slider((fn.text, tuple(point)), f_a, rng) if rng else None
    if rng is None:
        st.info("f is constant or undefined in this box, so it has no level surfaces "
                "here. Try another window.")
        return
    pos, vec = fc.cone_samples(fn, vol, level, max_points=60)
    on_surface = math.isfinite(f_a) and abs(level - f_a) <= 1e-9 * max(1.0, abs(f_a))
    span = s.span(3)
    marks = fv.point_traces_3d(style, point[:3], grad[:3], 0.15 * span) if on_surface else ()
    fig = G.isosurface_figure(vol.X, vol.Y, vol.Z, vol.values, level,
                              cones=(pos, vec) if len(pos) else None, style=style,
                              axis_titles=tuple(names), extra_traces=marks,
                              uirevision=_revision(fn, s))
    with slot:
        ui.show_figure(fig, key="field_level_surface", filename="level-surface")
    note = fv.undefined_message(vol.fraction_undefined, "the box")
    if note:
        st.caption(note)
    if not len(pos):
        st.info(f"The level surface f = {fv.fmt(level)} does not cross this box.")
    tangents = fc.level_surface_tangents(fn, point, radius=1e-3 * span) if math.isfinite(
        f_a) else []
    angles = [fc.angle_deg(grad, t) for t in tangents]
    ui.metrics([
        ("f(a)", fv.fmt(f_a)),
        ("∇f(a)", fv.fmt_vec(grad, 3)),
        ("angles(∇f(a), surface)",
         " and ".join(_angle_text(a) for a in angles) if angles else "—"),
    ])
    st.caption(
        "Cones: ∇f at points of the surface f = c — each points straight out of the "
        "surface, towards higher f. The angles compare ∇f(a) with two tangent directions "
        "of the level surface through a, found numerically (level curves in two coordinate "
        "planes) — gradients are perpendicular to level surfaces."
        + ("" if on_surface else " Move the level back to f(a) to draw a on its surface.")
    )


def curve_view(fn: gc.Function, point: list[float], s: fv.Settings, style: G.Style) -> None:
    """One variable: the gradient is the derivative f'(x); draw the curve and tangent."""
    name = fn.names[0]
    st.info(f"f has one variable, so ∇f is the single number f′({name}): an arrow along the "
            f"{name}-axis pointing uphill. Arrows perpendicular to level curves need two "
            "variables — try x^2 + y^2 on the Function page.")
    slot = ui.figure_slot()
    with ui.controls(f"Point a = {fv.fmt(point[0])}", key="field_point_curve"):
        fv.point_inputs(fn, point)
    grid = fv.plane_grid(fn.text, (name,), s.window[:1], 401, ())
    ev = gc.evaluate(fn, [point])
    a, f_a, slope = float(point[0]), float(ev.values[0]), float(ev.grads[0][0])
    xs = grid.axes[0]
    rng = fc.level_range(grid.values)
    y_range = None
    if rng is not None:
        pad = 0.1 * (rng[1] - rng[0])
        y_range = (rng[0] - pad, rng[1] + pad)
    span = s.span(1)
    tip = float(fc.gradient_tip([a], [slope], 0.12 * span)[0])
    fig = fv.curve_figure(xs, grid.values, name=name, a=a, f_a=f_a, slope=slope,
                          tangent_ys=fc.tangent_line(a, f_a, slope, xs), y_range=y_range,
                          arrow_tip=tip, style=style)
    with slot:
        ui.show_figure(fig, key="field_curve", filename="derivative-curve")
    note = fv.undefined_message(grid.fraction_undefined)
    if note:
        st.caption(note)
    ui.metrics([("a", fv.fmt(a)), ("f(a)", fv.fmt(f_a)), ("∇f(a) = f′(a)", fv.fmt(slope))])


@ui.guarded
def page() -> None:
    loaded = state.current()
    fn = loaded.fn
    style = fv.style()
    st.title("Gradient field")
    if not style.is_projector:  # projected, the teacher says it: the figure gets the room
        st.write("∇f points where f increases fastest, and its length is that fastest "
                 "rate. On a contour map the arrows cross the level curves at right angles; "
                 "with three variables they stand perpendicular to the level surfaces.")
    n = len(fn.variables)
    if n == 0:
        st.info("f is a constant: ∇f = 0 everywhere, so there are no arrows and no level "
                "curves to draw. Pick a function of x and y on the Function page.")
        return
    point = state.point_for(fn)
    s = fv.settings(fn, point)
    if n == 1:
        curve_view(fn, point, s, style)
        fv.write_link(fn, s, fv.VIEWS[0])
        return
    if n == 2:
        labels, key = ("2D contour map", "3D surface"), "field_tab2"
        views = (plane_view, surface_view)
    else:
        labels = (f"Slice {fn.names[2]} = c", "Level surface f = c")
        key = f"field_tab3_{fn.names[2]}"
        views = (plane_view, level_view)
    tabs = fv.view_tabs(labels, key)
    for tab, view in zip(tabs, views, strict=True):
        if tab.open:
            with tab:
                view(fn, point, s, style)
    fv.write_link(fn, s, fv.open_view(labels, key))


page()
