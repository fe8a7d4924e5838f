"""Plotly figure builders for Gradient Explorer.

Builders only *draw*: they take already-computed numpy arrays (grids, gradients,
paths, histories) and return a ``plotly.graph_objects.Figure``.  They never
evaluate the user's function and never import Streamlit.

Arrays are handed to Plotly as numpy arrays (big grids as float32), which Plotly 7
serialises as base64-packed typed arrays instead of JSON number lists.

Every builder takes ``style`` (a :class:`Style`; ``None`` means ``Style.normal()``).
The page should render with ``st.plotly_chart(fig, config=plot_config(style))``, which
passes ``config={"toImageButtonOptions": {"format": "png", "scale": 3, ...}}`` so the
modebar camera button exports slide-ready PNGs.
"""

from __future__ import annotations

import base64
import functools
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import get_colorscale, hex_to_rgb, sample_colorscale, unlabel_rgb

from gradcore import field as gfield
from gradcore.field import ArrowBin, Arrows

__all__ = [
    "CLICK_LAYER_NAME",
    "LEVEL_LABELS_NAME",
    "PALETTE",
    "PATH_COLORS",
    "Style",
    "basins_figure",
    "contour_figure",
    "descent_3d_figure",
    "descent_figure",
    "isosurface_figure",
    "loss_figure",
    "plot_config",
    "surface_figure",
    "trace",
    "figure",
]

#: Okabe–Ito colourblind-safe palette.
PALETTE: tuple[str, ...] = (
    "#000000",  # black
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
)

#: Order in which paths / basins take colours (most distinct first, yellow last).
PATH_COLORS: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#F0E442",
)

#: Marker symbols paired with path colours, so paths differ by more than colour.
PATH_SYMBOLS: tuple[str, ...] = (
    "circle",
    "square",
    "diamond",
    "triangle-up",
    "cross",
    "triangle-down",
    "x",
    "star",
)

#: ``name`` of the transparent scatter layer in :func:`contour_figure` that makes
#: the grid clickable; a Streamlit selection event's points come from this trace.
CLICK_LAYER_NAME = "click-layer"

_UNDEFINED_GREY = "#c8c8c8"
_F32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class Style:
    """Visual settings shared by all builders.

    Use :meth:`normal` (screen) or :meth:`projector` (large fonts, thick lines,
    high contrast); tweak with ``dataclasses.replace(style, ...)``.

    Fields: ``name``; font sizes ``font_size`` (base, legend, hover), ``title_size``,
    ``tick_size``, ``label_size`` (contour level labels); widths ``line_width``
    (paths, tangent, gradient arrow), ``arrow_width`` (quiver arrows),
    ``contour_width``; ``marker_size``; colours ``palette`` (Okabe–Ito),
    ``path_colors``, ``colorscale`` (perceptually uniform, for f),
    ``arrow_colorscale`` (for |∇f|), ``arrow_color``, ``gradient_color``,
    ``tangent_color``, ``point_color``; ``fill_opacity`` of filled contours (colours
    blended with white, so lines and labels stay opaque);
    ``height`` in px; ``font_family``; ``template``.
    """

    name: str = "normal"
    font_size: int = 15
    title_size: int = 20
    tick_size: int = 14
    label_size: int = 12
    line_width: float = 2.5
    arrow_width: float = 1.3
    contour_width: float = 0.8
    marker_size: float = 10.0
    palette: tuple[str, ...] = PALETTE
    path_colors: tuple[str, ...] = PATH_COLORS
    colorscale: str = "Viridis"
    arrow_colorscale: str = "Viridis"
    arrow_color: str = "#000000"
    gradient_color: str = "#D55E00"
    tangent_color: str = "#0072B2"
    point_color: str = "#000000"
    fill_opacity: float = 0.7
    height: int = 600
    font_family: str = "Arial, Helvetica, sans-serif"
    template: str = "plotly_white"

    @classmethod
    def normal(cls) -> Style:
        """Screen style: 15 px base font, thin lines, Viridis."""
        return cls()

    @classmethod
    def projector(cls) -> Style:
        """Projector style: 24 px base / 30 px titles / 22 px ticks, ~2.5x line widths,
        Okabe–Ito colours and the Cividis scale (uniform and colourblind-safe)."""
        return cls(
            name="projector",
            font_size=24,
            title_size=30,
            tick_size=22,
            label_size=18,
            line_width=6.0,
            arrow_width=3.0,
            contour_width=1.8,
            marker_size=20.0,
            colorscale="Cividis",
            arrow_colorscale="Cividis",
            fill_opacity=0.6,
            height=530,
        )

    @property
    def is_projector(self) -> bool:
        return self.name == "projector"


def plot_config(style: Style | None = None) -> dict:
    """Plotly ``config`` for ``st.plotly_chart``: PNG export at 3x scale for slides."""
    style = style or Style.normal()
    return {
        "toImageButtonOptions": {
            "format": "png",
            "scale": 3,
            "filename": f"gradient-explorer-{style.name}",
        },
        "displaylogo": False,
        # the wheel scrolls the page: Plotly's 3-D scenes zoom on it by default, and a
        # student scrolling down to the captions shrank the surface to a speck
        "scrollZoom": False,
    }


# --------------------------------------------------------------------------- assembly


def trace(kind: str, **props) -> dict:
    """One trace as a plain dict: ``{"type": kind, **props}``.

    Properties use Plotly's nested names spelled out (``contours=dict(z=dict(...))``,
    ``title=dict(text=...)``): :func:`figure` does not validate, so the ``a_b``
    shorthands Plotly's validating constructors expand would reach the browser as-is."""
    return {"type": kind, **props}


@functools.cache
def _template(name: str) -> dict:
    return pio.templates[name].to_plotly_json()


def figure(data: Sequence[dict], layout: dict, frames: Sequence[dict] | None = None
           ) -> go.Figure:
    """A ``go.Figure`` assembled from plain dicts without Plotly's per-property validation.

    Validation is most of the cost of a figure in plotly 7 (20-70 ms each: the template is
    deep-copied and every property runs a validator), and a page rerun sends several; the
    builders are checked against validating Plotly in ``tests/test_figures.py`` instead
    (a validated copy must serialise to the same JSON). A ``template`` given by name is
    expanded once and reused."""
    layout = _pruned(layout)
    _legend_below_axis(layout)
    if isinstance(layout.get("template"), str):
        layout["template"] = _template(layout["template"])
    spec: dict = {"data": [_pruned(t) for t in data], "layout": layout}
    if frames:
        spec["frames"] = list(frames)
    return go.Figure(spec, skip_invalid=False, _validate=False)


def _legend_below_axis(layout: dict) -> None:
    """Put a horizontal legend hung below the plot (``yanchor="top"``, ``y < 0``) just
    under the x axis's tick labels and title. ``y`` is a fraction of the plot area's
    height, so a fixed fraction overlapped the axis title on short figures (the
    directional-derivative chart, projector mode); the room needed is in px."""
    leg, height = layout.get("legend"), layout.get("height")
    if not (isinstance(leg, dict) and leg.get("orientation") == "h" and height
            and leg.get("yanchor") == "top" and leg.get("y", 0) < 0):
        return
    margin = layout.get("margin") or {}
    plot_height = max(height - margin.get("t", 100) - margin.get("b", 80), 60)
    font = (layout.get("font") or {}).get("size", 12)
    xaxis = layout.get("xaxis") or {}
    ticks = (xaxis.get("tickfont") or {}).get("size", font)
    title = 1.6 * font if (xaxis.get("title") or {}).get("text") else 0.0
    leg["y"] = -(1.5 * ticks + title + 16) / plot_height


def _pruned(props: dict) -> dict:
    """``props`` without ``None`` values, nested dicts included (Plotly's validation
    drops them; unvalidated they would reach the browser as ``null``)."""
    out = {}
    for k, v in props.items():
        if v is None:
            continue
        if isinstance(v, dict):
            v = _pruned(v)
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            v = [_pruned(x) if isinstance(x, dict) else x for x in v]
        out[k] = v
    return out


# --------------------------------------------------------------------------- helpers


def _f32(a) -> np.ndarray:
    """float32 copy for big arrays; non-finite (and float32-overflowing) -> NaN."""
    a = np.asarray(a, dtype=np.float64)
    out = np.full(a.shape, np.nan, dtype=np.float32)
    ok = np.isfinite(a) & (np.abs(a) <= _F32_MAX)
    out[ok] = a[ok]
    return out


def _f64(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _fmt(v: float) -> str:
    return f"{float(v) + 0.0:.3g}"


def _fmt_vec(v) -> str:
    return "(" + ", ".join(_fmt(c) for c in np.asarray(v, dtype=float).ravel()) + ")"


def _font(style: Style, size: int | None = None, color: str = "#111111") -> dict:
    return dict(family=style.font_family, size=size or style.font_size, color=color)


def _axis(style: Style, title: str) -> dict:
    return dict(
        title=dict(text=title, font=_font(style)),
        tickfont=_font(style, style.tick_size),
        showline=True,
        linecolor="#444444",
        linewidth=2 if style.is_projector else 1,
        mirror=True,
        ticks="outside",
        zeroline=False,
        gridcolor="#e5e5e5",
    )


def _legend(style: Style) -> dict:
    """A horizontal legend under the x axis (:func:`figure` sets its ``y`` from the
    figure's height, so it clears the tick labels and the axis title at any height)."""
    return dict(
        orientation="h",
        yanchor="top",
        y=-0.2,
        xanchor="left",
        x=0.0,
        font=_font(style),
        bgcolor="rgba(255,255,255,0.85)",
        itemsizing="constant",
    )


def _base_layout(style: Style, title: str, *, legend: bool = True) -> dict:
    fs = style.font_size
    top, bottom = 30 + 2 * style.title_size if title else 30, 40 + 5 * fs if legend else 30 + 3 * fs
    return dict(
        template=style.template,
        title=dict(text=title, font=_font(style, style.title_size), x=0.02, xanchor="left"),
        font=_font(style),
        height=style.height,
        margin=dict(l=12 + 3 * fs, r=20, t=top, b=bottom),
        legend=_legend(style),
        hoverlabel=dict(font=_font(style, max(12, fs - 2))),
        paper_bgcolor="white",
        plot_bgcolor="white",
    )


def _colorbar(style: Style, title: str) -> dict:
    return dict(
        title=dict(text=title, font=_font(style), side="right"),
        tickfont=_font(style, style.tick_size),
        thickness=26 if style.is_projector else 16,
        outlinewidth=0,
        len=0.9,
    )


def _light_scale(name: str, alpha: float) -> list:
    """A named colour scale blended with white: ``alpha * colour + (1 - alpha) * white``.

    Looks like trace opacity on a white background, but keeps contour lines and level
    labels fully opaque, and the colour bar shows the colours as drawn.  (Plotly's
    contour fill ignores the alpha of rgba colour-scale entries.)
    """
    out = []
    for pos, c in get_colorscale(name):
        rgb = hex_to_rgb(c) if c.startswith("#") else unlabel_rgb(c)
        r, g, b = (round(alpha * float(v) + (1.0 - alpha) * 255.0) for v in rgb)
        out.append([pos, f"rgb({r},{g},{b})"])
    return out


def _scale(name: str) -> list:
    """A named colour scale as the explicit list validation would send."""
    return [[pos, c] for pos, c in get_colorscale(name)]


def _grey_scale() -> list:
    return [[0.0, "#7a7a7a"], [1.0, "#7a7a7a"]]


def _contour_trace(
    xs, ys, Z32, style: Style, *, levels: tuple[float, float, float], coloring: str,
    opacity: float, showscale: bool = True, z_title="f(x, y)",
) -> dict:
    """A filled (or lines-only) contour trace of the ``(start, end, size)`` ``levels``,
    unlabelled: :func:`_level_labels` writes the levels' values (Plotly's own labels cost
    the browser 0.1–0.3 s per redraw)."""
    start, end, size = levels
    lines_only = coloring == "lines"
    return trace(
        "contour", x=_f64(xs),
        y=_f64(ys),
        z=Z32,
        name="f",
        colorscale=_grey_scale() if lines_only else _light_scale(style.colorscale, opacity),
        zmin=start,
        zmax=end,
        contours=dict(
            start=start,
            end=end,
            size=size,
            coloring=coloring,
            showlabels=False,
        ),
        line=dict(width=style.contour_width * (1.3 if lines_only else 1.0),
                  color=None if lines_only else "rgba(0,0,0,0.35)"),
        connectgaps=False,
        showscale=showscale and not lines_only,
        colorbar=_colorbar(style, z_title),
        hoverinfo="skip",
    )


#: ``name`` of the text trace that writes the level curves' values on a contour map
LEVEL_LABELS_NAME = "level labels"


def _level_labels(levels: gfield.LevelMap, style: Style, *,
                  lines_only: bool = False) -> dict | None:
    """The levels' values at the places ``levels`` (a :class:`gradcore.field.LevelMap`)
    chose on their curves, as one text trace with a halo, so a value reads over lines
    and fills; ``None`` when no level is labelled."""
    if levels.label_x.size == 0:
        return None
    return trace(
        # a true minus sign, as on the axes' ticks (Plotly's own labels wrote one too)
        "scatter", x=levels.label_x, y=levels.label_y, mode="text",
        text=[_fmt(v).replace("-", "\u2212") for v in levels.label_value],
        name=LEVEL_LABELS_NAME, showlegend=False, hoverinfo="skip",
        textfont=dict(**_font(style, style.label_size,
                              "#202020" if lines_only else "#000000"), shadow="auto"),
    )


def _undefined_trace(xs, ys, Z) -> dict | None:
    """Grey patch over cells where Z is NaN/inf (Plotly's contour would bleed there)."""
    bad = ~np.isfinite(np.asarray(Z, dtype=np.float64))
    if not bad.any():
        return None
    return trace(
        "heatmap", x=_f64(xs),
        y=_f64(ys),
        z=bad.astype(np.uint8),  # 1 byte per cell; 0 cells are fully transparent
        name="undefined",
        colorscale=[[0.0, "rgba(255,255,255,0)"], [0.5, "rgba(255,255,255,0)"],
                    [0.5, _UNDEFINED_GREY], [1.0, _UNDEFINED_GREY]],
        showscale=False,
        hoverinfo="skip",
        zmin=0.0,
        zmax=1.0,
    )


def _png(rgba: np.ndarray) -> bytes:
    """An RGBA uint8 image of shape (height, width, 4) as PNG bytes (zlib, no filter)."""
    h, w = rgba.shape[:2]
    raw = b"".join(b"\x00" + rgba[r].tobytes() for r in range(h))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def _contour_background(xs, ys, Z32, style: Style, *, levels: tuple[float, float, float],
                        opacity: float, lines=None) -> tuple[dict, dict]:
    """A filled contour map drawn as a layout image plus a layout shape of level lines:
    the look of a ``contour`` trace, for figures that animate. (Plotly removes contour
    and heatmap traces from the plot on the first animation frame drawn without a full
    redraw, plotly.js #4491; layout images and shapes stay.)

    Returns ``(image, lines)``: the image (one pixel per grid point, coloured by the band
    between the ``(start, end, size)`` ``levels`` its value falls in, as a contour trace
    fills; grey where f is undefined) for ``layout.images``, and the level curves
    ``lines`` (an ``(x, y)`` NaN-separated polyline, none if ``None``) as a path shape
    for ``layout.shapes``, drawn between the grid and the traces."""
    xs, ys = _f64(xs), _f64(ys)
    Z = np.asarray(Z32, dtype=np.float64)
    start, end, size = levels
    n_bands = max(1, int(round((end - start) / size)))
    colors = [unlabel_rgb(c) for c in sample_colorscale(
        _light_scale(style.colorscale, opacity), [(k + 0.5) / n_bands for k in range(n_bands)])]
    palette = np.array([[round(v) for v in c] + [255] for c in colors]
                       + [list(hex_to_rgb(_UNDEFINED_GREY)) + [255]], dtype=np.uint8)
    with np.errstate(invalid="ignore"):
        band = np.clip(np.floor((Z - start) / size), 0, n_bands - 1)
    band = np.where(np.isfinite(Z), band, n_bands).astype(np.intp)
    rgba = palette[band[::-1]]  # image rows run from the top (largest y) down
    dx = (xs[-1] - xs[0]) / max(xs.size - 1, 1)
    dy = (ys[-1] - ys[0]) / max(ys.size - 1, 1)
    image = dict(
        source="data:image/png;base64," + base64.b64encode(_png(rgba)).decode("ascii"),
        xref="x", yref="y", x=float(xs[0] - dx / 2), y=float(ys[-1] + dy / 2),
        sizex=float(xs[-1] - xs[0] + dx), sizey=float(ys[-1] - ys[0] + dy),
        sizing="stretch", layer="below", xanchor="left", yanchor="top",
    )
    lx, ly = (np.empty(0), np.empty(0)) if lines is None else map(_f64, lines)
    shape = dict(type="path", path=_svg_segments(lx, ly, xs, ys), xref="x", yref="y",
                 layer="between", line=dict(color="rgba(0,0,0,0.35)",
                                            width=style.contour_width))
    return image, shape


def _svg_segments(lx, ly, xs, ys) -> str:
    """NaN-separated segments (3 entries each) as an SVG path in data coordinates, with
    enough digits to resolve a ten-thousandth of the window wherever it lies."""
    if lx.size == 0:
        return ""
    span = max(float(np.ptp(xs)), float(np.ptp(ys)), 1e-300)
    far = max(float(np.max(np.abs(xs))), float(np.max(np.abs(ys))), span)
    digits = int(np.clip(np.ceil(np.log10(far / span)) + 5, 5, 15))
    ends = np.stack([lx[0::3], ly[0::3], lx[1::3], ly[1::3]], axis=1)
    return "".join(f"M{a:.{digits}g},{b:.{digits}g}L{c:.{digits}g},{d:.{digits}g}"
                   for a, b, c, d in ends.tolist())


def _xy_layout(style: Style, xs, ys, x_title: str, y_title: str) -> dict:
    xs, ys = _f64(xs), _f64(ys)
    xa = _axis(style, x_title)
    ya = _axis(style, y_title)
    if xs.size > 1:
        xa["range"] = [float(np.nanmin(xs)), float(np.nanmax(xs))]
    if ys.size > 1:
        ya["range"] = [float(np.nanmin(ys)), float(np.nanmax(ys))]
    ya.update(scaleanchor="x", scaleratio=1, constrain="domain")
    xa.update(constrain="domain")
    return dict(xaxis=xa, yaxis=ya)


def _halo_line(x, y, width: float, *, name: str, color: str, dash: str | None = None,
               showlegend: bool = True) -> list[dict]:
    """A line drawn over a wider white line, so it reads on any background."""
    x, y = _f64(x), _f64(y)
    halo = trace("scatter", x=x, y=y, mode="lines", line=dict(color="white", width=width + 3),
                      hoverinfo="skip", showlegend=False, name=f"{name} (halo)")
    main = trace("scatter", x=x, y=y, mode="lines", name=name, showlegend=showlegend,
                      line=dict(color=color, width=width, dash=dash), hoverinfo="skip")
    return [halo, main]


def _stepped_colorscale(colors: Sequence[str]) -> list:
    k = len(colors)
    out = []
    for i, c in enumerate(colors):
        out += [[i / k, c], [(i + 1) / k, c]]
    return out


def _arrow_traces(arr: Arrows | Sequence[ArrowBin], style: Style, xs, ys) -> list:
    if isinstance(arr, Arrows):
        return [trace(
            "scatter", x=_f32(arr.x), y=_f32(arr.y), mode="lines", name="∇f, drawn to scale",
            line=dict(color=style.arrow_color, width=style.arrow_width),
            hoverinfo="skip", connectgaps=False,
        )]
    bins = list(arr)
    if not bins:
        return []
    scale = get_colorscale(style.arrow_colorscale)
    colors = sample_colorscale(scale, [b.t for b in bins])
    traces: list = []
    for b, c in zip(bins, colors, strict=True):
        if b.count == 0:
            continue
        traces.append(trace(
            "scatter", x=_f32(b.arrows.x), y=_f32(b.arrows.y), mode="lines",
            name=f"|∇f| {_fmt(b.lo)}–{_fmt(b.hi)}", legendgroup="arrows", showlegend=False,
            line=dict(color=c, width=style.arrow_width * 1.3), hoverinfo="skip",
        ))
    # an invisible marker carries a stepped colour bar that matches the bins exactly
    lo, hi = bins[0].lo, bins[-1].hi
    if hi <= lo:
        hi = lo + 1.0
    x0 = float(np.nanmin(_f64(xs))) if np.size(xs) else 0.0
    y0 = float(np.nanmin(_f64(ys))) if np.size(ys) else 0.0
    traces.append(trace(
        "scatter", x=[x0], y=[y0], mode="markers", name="|∇f| scale", showlegend=False,
        hoverinfo="skip",
        marker=dict(
            color=[lo], cmin=lo, cmax=hi, opacity=0, size=1,
            colorscale=_stepped_colorscale(colors), showscale=True,
            colorbar=dict(_colorbar(style, "|∇f|"),
                          tickvals=[b.lo for b in bins] + [bins[-1].hi],
                          tickformat=".3g"),
        ),
    ))
    return traces


def _bilinear(xs, ys, Z, px, py) -> np.ndarray:
    """Z (rows over ys, columns over xs, increasing) at the points (px, py), interpolated
    in the grid cell around each; NaN where a corner of that cell is NaN."""
    ix = np.clip(np.searchsorted(xs, px) - 1, 0, xs.size - 2)
    iy = np.clip(np.searchsorted(ys, py) - 1, 0, ys.size - 2)
    tx = np.clip((px - xs[ix]) / (xs[ix + 1] - xs[ix]), 0.0, 1.0)
    ty = np.clip((py - ys[iy]) / (ys[iy + 1] - ys[iy]), 0.0, 1.0)
    Z = np.asarray(Z, dtype=np.float64)
    return ((1 - ty) * ((1 - tx) * Z[iy, ix] + tx * Z[iy, ix + 1])
            + ty * ((1 - tx) * Z[iy + 1, ix] + tx * Z[iy + 1, ix + 1]))


def _click_layer(xs, ys, Z32, max_per_axis: int) -> dict:
    # points at round numbers (0, 0.2, …, 1, 2): a click can land exactly on (0, 0)
    xs, ys = _f64(xs), _f64(ys)
    if xs.size < 2 or ys.size < 2:
        X, Y = np.meshgrid(xs, ys)
        F = np.asarray(Z32, np.float64).reshape(X.shape)
    else:
        X, Y = np.meshgrid(gfield.nice_points(xs[0], xs[-1], max_per_axis),
                           gfield.nice_points(ys[0], ys[-1], max_per_axis))
        with np.errstate(invalid="ignore"):
            F = _bilinear(xs, ys, Z32, X, Y)
    keep = np.isfinite(F).ravel()
    return trace(
        "scatter", x=_f32(X.ravel()[keep]),
        y=_f32(Y.ravel()[keep]),
        customdata=F.ravel()[keep],
        mode="markers",
        name=CLICK_LAYER_NAME,
        showlegend=False,
        # one point drawn: hover, clicks and selection use the data, not the drawn
        # markers, and drawing 1,600 invisible markers cost the browser ~0.1 s a redraw
        marker=dict(size=8, opacity=0, color="black", maxdisplayed=1),
        selected=dict(marker=dict(opacity=0)),
        unselected=dict(marker=dict(opacity=0)),
        hovertemplate="x = %{x:.4g}<br>y = %{y:.4g}<br>f = %{customdata:.4g}<extra></extra>",
    )


def _point_trace(point, style: Style, name: str) -> dict:
    p = _f64(point).reshape(2)
    return trace(
        "scatter", x=p[:1], y=p[1:], mode="markers", name=name, hoverinfo="skip",
        marker=dict(size=style.marker_size * 1.3, color=style.point_color,
                    line=dict(color="white", width=3 if style.is_projector else 2)),
        unselected=dict(marker=dict(opacity=1)),
    )


def _path_color(i: int, colors, style: Style) -> str:
    if colors is not None and i < len(colors) and colors[i]:
        return colors[i]
    return style.path_colors[i % len(style.path_colors)]


# --------------------------------------------------------------------------- builders


def contour_figure(
    xs,
    ys,
    Z,
    *,
    arrows: Arrows | Sequence[ArrowBin] | None = None,
    point=None,
    point_grad=None,
    tangent=None,
    style: Style | None = None,
    title: str = "",
    n_levels: int = 20,
    undefined_note: str | None = None,
    coloring: str | None = None,
    robust_levels: bool = True,
    gradient_length: float | None = None,
    click_resolution: int = 40,
    x_title: str = "x",
    y_title: str = "y",
    z_title: str = "f(x, y)",
    uirevision: str | None = None,
    gradient_name: str | None = None,
    point_name: str | None = None,
    levels: gfield.LevelMap | None = None,
) -> go.Figure:
    """Contour map of ``Z`` (shape ``(len(ys), len(xs))``) with gradient overlays.

    * Contours: the levels of ``levels`` (a :func:`gradcore.field.level_map` of the same
      grid), their values written on the curves where it placed them, by a text trace
      named :data:`LEVEL_LABELS_NAME`; without it, unlabelled, ~``n_levels`` nice levels
      spanning the 1–99 % range of finite values (``robust_levels``). ``coloring`` is
      ``"fill"`` (default with plain arrows), ``"lines"`` (grey lines; default when
      ``arrows`` are magnitude bins, so the only colour meaning is |∇f|) or
      ``"heatmap"``.
    * NaN/inf cells of ``Z`` stay NaN in the data and are covered by a light grey
      patch, with ``undefined_note`` (default "grey: f undefined"; ``""`` hides it).
    * ``arrows``: an :class:`~gradcore.field.Arrows` (one black trace) or the output
      of :func:`~gradcore.field.bin_arrows` (one trace per bin plus a stepped |∇f|
      colour bar).
    * ``point`` (marker), ``point_grad`` (gradient arrow of length ``gradient_length``,
      default 12 % of the smaller axis span; its value is in the legend) and
      ``tangent`` (a ``(2, 2)`` segment from :func:`~gradcore.tangent_segment`);
      ``gradient_name`` and ``point_name`` replace their legend entries (a slice of a
      function of three variables shows ∇f's in-plane part at a point of three
      coordinates).
    * Click-to-select: a transparent marker layer named :data:`CLICK_LAYER_NAME`
      covers the finite grid points (at most ``click_resolution`` per axis) and is
      the only hoverable trace, so ``st.plotly_chart(on_select="rerun",
      selection_mode="points")`` reports the clicked ``x, y`` (hover shows f).
      Layout uses ``clickmode="event+select"`` and ``dragmode="pan"``.
    * ``x_title``, ``y_title`` name the axes, ``z_title`` the colour bar.
    * Equal x/y aspect; axis ranges fixed to the grid.  Render with
      ``config=plot_config(style)`` (PNG export, scale 3).
    """
    style = style or Style.normal()
    Z32 = _f32(Z)
    binned = arrows is not None and not isinstance(arrows, Arrows)
    coloring = coloring or ("lines" if binned else "fill")

    bounds = ((levels.start, levels.end, levels.size) if levels is not None
              else gfield.contour_levels(Z32, n_levels, robust=robust_levels))
    traces: list = [_contour_trace(xs, ys, Z32, style, levels=bounds, coloring=coloring,
                                   opacity=style.fill_opacity, z_title=z_title)]
    undefined = _undefined_trace(xs, ys, Z)
    if undefined is not None:
        traces.append(undefined)
    labels = None if levels is None else _level_labels(levels, style,
                                                       lines_only=coloring == "lines")
    if labels is not None:
        traces.append(labels)
    traces.append(_click_layer(xs, ys, Z32, click_resolution))
    if arrows is not None:
        traces += _arrow_traces(arrows, style, xs, ys)

    if tangent is not None:
        seg = _f64(tangent).reshape(2, 2)
        if np.all(np.isfinite(seg)):
            traces += _halo_line(seg[:, 0], seg[:, 1], style.line_width,
                                 name="tangent to level curve", color=style.tangent_color,
                                 dash="dash")
    if point is not None and point_grad is not None:
        p = _f64(point).reshape(2)
        g = _f64(point_grad).reshape(2)
        if gradient_length is None:
            spans = [np.ptp(_f64(xs)), np.ptp(_f64(ys))]
            gradient_length = 0.12 * float(min(s for s in spans if s > 0) if any(spans) else 1)
        arr = gfield.arrows(p[:1], p[1:], g[:1], g[1:], length=gradient_length, head=0.3)
        if arr.n_arrows:
            traces += _halo_line(arr.x, arr.y, style.line_width,
                                 name=gradient_name or f"∇f(a) = {_fmt_vec(g)}",
                                 color=style.gradient_color)
    if point is not None:
        traces.append(_point_trace(point, style, point_name or f"a = {_fmt_vec(point)}"))

    layout = dict(
        **_base_layout(style, title),
        **_xy_layout(style, xs, ys, x_title, y_title),
        clickmode="event+select",
        dragmode="pan",
        hovermode="closest",
        uirevision=uirevision,
    )
    if style.is_projector:
        _projected_side_column(layout, traces, style)
    if undefined is not None and undefined_note != "":
        layout["annotations"] = [dict(
            text=undefined_note or "grey: f undefined", xref="x domain", yref="y domain",
            x=0.01, y=0.99, xanchor="left", yanchor="top", showarrow=False,
            font=_font(style, max(12, style.font_size - 2)),
            bgcolor="rgba(255,255,255,0.85)", bordercolor=_UNDEFINED_GREY, borderwidth=1,
        )]
    return figure(traces, layout)


def _projected_side_column(layout: dict, traces: list, style: Style) -> None:
    """Projected, a map with equal axes is as large as its height allows (a projector is
    short and wide): the legend leaves the space under the x axis for a column on the
    right, under the colour bar (shortened to the upper half). Where the figure is
    narrow, Plotly narrows the plot instead of overlapping them."""
    # x = 1.06, not Plotly's 1.02: with the sidebar open the map fills the width, and
    # its frame (drawn just outside the plot area) met the legend and the bar (teacher QA)
    layout["legend"] = dict(layout["legend"], orientation="v", x=1.06, xanchor="left",
                            y=0.0, yanchor="bottom")
    layout["margin"]["b"] = 24 + 3 * style.font_size
    for t in traces:
        bar = t.get("colorbar") or (t.get("marker") or {}).get("colorbar")
        if bar is not None:
            bar.update(len=0.5, y=1.0, yanchor="top", x=1.06, xanchor="left")


def _scene_axis(style: Style, title: str) -> dict:
    # 3-D tick labels render larger than 2-D ones at the same px size
    return dict(
        nticks=5 if style.is_projector else None,
        title=dict(text=title, font=_font(style)),
        tickfont=_font(style, round(style.tick_size * (0.7 if style.is_projector else 0.9))),
        backgroundcolor="white",
        gridcolor="#d9d9d9",
        showbackground=True,
    )


def _scene(style: Style, xt="x", yt="y", zt="f(x, y)", **extra) -> dict:
    """A 3-D scene over the figure above a row for the legend (at the bottom: over the
    scene it hid the front corner's tick labels). Projected, five ticks per axis: at 22 px
    type more collided (a closer camera cut the box's corners off, on a phone too)."""
    legend_row = (2 * style.font_size + 12) / style.height
    return dict(
        xaxis=_scene_axis(style, xt),
        yaxis=_scene_axis(style, yt),
        zaxis=_scene_axis(style, zt),
        camera=dict(eye=dict(x=1.6, y=-1.6, z=1.1), up=dict(x=0, y=0, z=1)),
        domain=dict(x=[0.0, 1.0], y=[min(0.2, legend_row), 1.0]),
        **extra,
    )


def surface_figure(
    xs,
    ys,
    Z,
    *,
    point=None,
    f_point: float | None = None,
    plane=None,
    ascent=None,
    style: Style | None = None,
    title: str = "",
    n_levels: int = 20,
    z_title: str = "f(x, y)",
    axis_titles: tuple[str, str] = ("x", "y"),
    uirevision: str | None = None,
    levels: tuple[float, float, float] | None = None,
) -> go.Figure:
    """3-D surface ``z = f(x, y)`` with floor-projected contours.

    * ``Z`` has shape ``(len(ys), len(xs))``; NaN cells are holes.  The colour range
      and projected contour levels are ``levels`` (``(start, end, size)`` from
      :func:`gradcore.field.contour_levels` of ``Z``, which a page computes once per
      grid); without it, ~``n_levels`` levels spanning the robust 1–99 % range.
    * ``point`` + ``f_point``: the point ``(a, f(a))`` on the surface.
    * ``plane``: ``(px, py, PZ)`` — 1-D patch axes and the plane heights on them
      (e.g. from :func:`~gradcore.field.tangent_patch`), drawn semi-transparent.
    * ``ascent``: a ``(2, 3)`` segment (from
      :func:`~gradcore.field.steepest_ascent_3d`) drawn as a 3-D arrow.
    * Axes span the window (and f over it); render with ``config=plot_config(style)``.
    """
    style = style or Style.normal()
    Z32 = _f32(Z)
    start, end, size = levels if levels is not None else gfield.contour_levels(Z32, n_levels)
    xs64, ys64 = _f64(xs), _f64(ys)
    traces: list = [trace(
        "surface", x=xs64, y=ys64, z=Z32, name="f", colorscale=_scale(style.colorscale), cmin=start,
        cmax=end,
        colorbar=_colorbar(style, z_title),
        contours=dict(z=dict(show=True, project=dict(z=True), usecolormap=True, start=start,
                             end=end, size=size, width=2 if style.is_projector else 1)),
        hovertemplate="x = %{x:.4g}<br>y = %{y:.4g}<br>f = %{z:.4g}<extra></extra>",
        lighting=dict(ambient=0.7, diffuse=0.6, specular=0.1),
        # a little see-through, so a tangent plane touching it from below (a bowl) shows
        opacity=0.85 if plane is not None else 1.0,
    )]
    if plane is not None:
        px, py, PZ = plane
        traces.append(trace(
            "surface", x=_f64(px), y=_f64(py), z=_f32(PZ), name="tangent plane", showscale=False,
            colorscale=[[0, style.tangent_color], [1, style.tangent_color]], opacity=0.7,
            showlegend=True, hoverinfo="skip",
        ))
    if ascent is not None:
        seg = _f64(ascent).reshape(2, 3)
        if np.all(np.isfinite(seg)):
            d = seg[1] - seg[0]
            traces.append(trace(
                "scatter3d", x=seg[:, 0], y=seg[:, 1], z=seg[:, 2], mode="lines",
                name="steepest ascent", hoverinfo="skip",
                line=dict(color=style.gradient_color, width=style.line_width * 2),
            ))
            traces.append(trace(
                "cone", x=seg[1:, 0], y=seg[1:, 1], z=seg[1:, 2], u=d[:1], v=d[1:2], w=d[2:],
                anchor="tip", sizemode="absolute", sizeref=0.25 * float(np.linalg.norm(d)),
                colorscale=[[0, style.gradient_color], [1, style.gradient_color]],
                showscale=False, hoverinfo="skip", name="steepest ascent",
            ))
    if point is not None and f_point is not None:
        p = _f64(point).reshape(2)
        traces.append(trace(
            "scatter3d", x=p[:1], y=p[1:], z=_f64([f_point]), mode="markers",
            name=f"(a, f(a)) = {_fmt_vec([p[0], p[1], f_point])}", hoverinfo="skip",
            marker=dict(size=style.marker_size * 0.7, color=style.point_color,
                        line=dict(color="white", width=2)),
        ))
    xr, yr = np.ptp(xs64) or 1.0, np.ptp(ys64) or 1.0
    layout = _base_layout(style, title)
    layout["margin"] = dict(l=0, r=0, t=layout["margin"]["t"], b=0)
    layout["legend"].update(y=0.02, yanchor="bottom")
    scene = _scene(style, *axis_titles, z_title, aspectmode="manual",
                   aspectratio=dict(x=1.0, y=float(np.clip(float(yr / xr), 0.5, 2.0)), z=0.7))
    # the axes span the window (and f over it): the cone's size made Plotly's autorange
    # span ±107 for Rosenbrock on a ±3 window, the surface a thin spike in the middle
    zs = _f64(Z)[np.isfinite(_f64(Z))]
    if f_point is not None and np.isfinite(f_point) and point is not None and (
            xs64.min() <= _f64(point)[0] <= xs64.max()
            and ys64.min() <= _f64(point)[1] <= ys64.max()):  # a point off the map is cut
        zs = np.append(zs, f_point)
    for axis, values in (("xaxis", xs64), ("yaxis", ys64), ("zaxis", zs)):
        if np.size(values) and np.isfinite(values).any():
            lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
            pad = 0.02 * (hi - lo) if hi > lo else max(1.0, abs(lo))
            scene[axis]["range"] = [lo - pad * (axis == "zaxis"), hi + pad * (axis == "zaxis")]
    return figure(traces, dict(**layout, scene=scene, uirevision=uirevision))


def isosurface_figure(
    X,
    Y,
    Z,
    V,
    level: float,
    *,
    cones=None,
    style: Style | None = None,
    title: str = "",
    opacity: float = 0.55,
    cone_size: float = 0.6,
    axis_titles: tuple[str, str, str] = ("x", "y", "z"),
    extra_traces: Sequence[dict] = (),
    uirevision: str | None = None,
) -> go.Figure:
    """Level surface ``f(x, y, z) = level`` of a 3-variable function, with gradient cones.

    * ``X, Y, Z, V``: same-shape 3-D grid arrays (``V`` = f on the grid), sent as
      float32.  The surface is ``trace("isosurface", isomin=isomax=level, surface_count=1)``.
    * ``cones``: ``(positions, vectors)``, both ``(m, 3)`` — e.g. points from
      :func:`~gradcore.field.cone_samples` and ∇f there; drawn as ``go.Cone``
      coloured by |∇f| and sized relative to the largest (``cone_size`` = sizeref).
      The gradient is normal to the level surface.
    * ``extra_traces``: further :func:`trace` dicts drawn on top (e.g. the point).
    """
    style = style or Style.normal()
    level = float(level)
    traces: list = [trace(
        "isosurface", x=_f32(np.ravel(X)), y=_f32(np.ravel(Y)), z=_f32(np.ravel(Z)),
        value=_f32(np.ravel(V)),
        isomin=level, isomax=level, surface_count=1, opacity=opacity,
        colorscale=[[0, style.palette[2]], [1, style.palette[2]]], showscale=False,
        caps=dict(x=dict(show=False), y=dict(show=False), z=dict(show=False)),
        name=f"f = {_fmt(level)}",
        showlegend=True, hoverinfo="skip",
    )]
    if cones is not None:
        pos, vec = (_f64(a).reshape(-1, 3) for a in cones)
        if pos.shape[0]:
            traces.append(trace(
                "cone", x=pos[:, 0], y=pos[:, 1], z=pos[:, 2], u=vec[:, 0], v=vec[:, 1],
                w=vec[:, 2],
                anchor="tail", sizemode="scaled", sizeref=cone_size, name="∇f",
                colorscale=_scale(style.arrow_colorscale), colorbar=_colorbar(style, "|∇f|"),
                showlegend=True, hovertemplate="|∇f| = %{norm:.3g}<extra></extra>",
            ))
    layout = _base_layout(style, title)
    layout["margin"] = dict(l=0, r=0, t=layout["margin"]["t"], b=0)
    layout["legend"].update(y=0.02, yanchor="bottom")
    traces += list(extra_traces)
    return figure(traces, dict(**layout, scene=_scene(style, *axis_titles, aspectmode="data"),
                               uirevision=uirevision))


def descent_figure(
    xs,
    ys,
    Z,
    paths: Sequence,
    *,
    labels: Sequence[str],
    colors: Sequence[str] | None = None,
    style: Style | None = None,
    max_frames: int = 200,
    title: str = "",
    n_levels: int = 20,
    frame_ms: int = 60,
    x_title: str = "x",
    y_title: str = "y",
    extra_traces: Sequence[dict] = (),
    levels: gfield.LevelMap | None = None,
) -> go.Figure:
    """Optimizer paths over a contour map, with an animated "current iterate" marker.

    * ``paths``: list of ``(k_i, 2)`` arrays (row k is θ_k); lengths may differ.
    * The contour map is a layout image (filled bands; grey where f is undefined) and a
      layout shape of the level curves (see :func:`_contour_background`: Plotly drops
      contour traces when it animates): the bands, curves and labels of ``levels`` (a
      :func:`gradcore.field.level_map` of the same grid with ``lines=True``); without
      it, the bands of ~``n_levels`` nice levels and no curves. The traces: the levels'
      values (a text trace named :data:`LEVEL_LABELS_NAME`, if any), one full path
      (line + small markers) per path, then one trace ``"now"`` holding every path's
      current iterate (point i is path i), then ``extra_traces`` (e.g. a click layer).
    * Frames change only the ``"now"`` trace (the others appear in them as ``{}``); at
      most ``max_frames`` frames, evenly subsampled over the longest path (first and
      last kept).  After a path ends its marker stays at its last point.
    * Play / Pause buttons and a step slider below the plot, the legend above it (in
      the projector style all three in a column right of the plot, so equal axes get the
      screen's height);
      axes fixed to the grid, so diverging paths leave the view instead of rescaling it.
    """
    style = style or Style.normal()
    paths = [_f64(p).reshape(-1, 2) for p in paths]
    labels = list(labels)
    if len(labels) != len(paths):
        raise ValueError(f"{len(paths)} paths but {len(labels)} labels")
    Z32 = _f32(Z)
    bounds = ((levels.start, levels.end, levels.size) if levels is not None
              else gfield.contour_levels(Z32, n_levels))
    background, level_lines = _contour_background(
        xs, ys, Z32, style, levels=bounds, opacity=style.fill_opacity * 0.65,
        lines=None if levels is None else (levels.line_x, levels.line_y))
    traces: list = []
    labels_trace = None if levels is None else _level_labels(levels, style)
    if labels_trace is not None:  # first: under the paths
        traces.append(labels_trace)
    n_paths = len(paths)
    for i, (p, lab) in enumerate(zip(paths, labels, strict=True)):
        c = _path_color(i, colors, style)
        # earlier paths are drawn wider, underneath: where two optimizers take the same
        # route (GD and momentum on a round bowl) both stay visible
        width = style.line_width * (1 + 0.4 * (n_paths - 1 - i))
        traces.append(trace(
            "scatter", x=p[:, 0], y=p[:, 1], mode="lines+markers", name=lab, legendgroup=f"p{i}",
            line=dict(color=c, width=width),
            marker=dict(color=c, size=max(3.0, style.marker_size * 0.4),
                        symbol=PATH_SYMBOLS[i % len(PATH_SYMBOLS)]),
            hovertemplate=f"{lab}<br>k = %{{pointNumber}}<br>θ = (%{{x:.4g}}, %{{y:.4g}})"
                          "<extra></extra>",
        ))
    # the current iterates: one marker trace for all paths, so a frame updates one trace
    starts = [p[0] if p.shape[0] else (np.nan, np.nan) for p in paths]
    marker_idx = len(traces)
    traces.append(trace(
        "scatter", x=[float(q[0]) for q in starts], y=[float(q[1]) for q in starts],
        mode="markers", name="now", showlegend=False, hoverinfo="skip",
        marker=dict(color=[_path_color(i, colors, style) for i in range(n_paths)],
                    size=style.marker_size * 1.6,
                    symbol=[PATH_SYMBOLS[i % len(PATH_SYMBOLS)] for i in range(n_paths)],
                    line=dict(color="white", width=2.5 if style.is_projector else 1.5)),
    ))
    traces += list(extra_traces)

    n_steps = max((p.shape[0] for p in paths), default=0)
    ks = gfield.subsample_path_frames(n_steps, max_frames) if n_steps else np.empty(0, int)
    # where each path is at each frame (a finished path stays at its last point), as
    # plain lists: frames are many small objects, and lists are what they cost least as
    at = np.full((len(ks), n_paths, 2), np.nan)
    for i, p in enumerate(paths):
        if p.shape[0]:
            at[:, i] = p[np.minimum(ks, p.shape[0] - 1)]
    # Each frame lists every trace (unchanged ones as {}): Plotly recomputes every trace's
    # data on a frame but redraws only the listed ones, and a click on the plot after
    # Play then failed on the others' missing drawing (no selection, no new start)
    n_traces = len(traces)
    frames = [{"data": [{"type": "scatter", "x": xy[:, 0].tolist(), "y": xy[:, 1].tolist()}
                        if i == marker_idx else {} for i in range(n_traces)],
               "traces": list(range(n_traces)), "name": str(int(k))}
              for k, xy in zip(ks, at, strict=True)]

    layout = _base_layout(style, title)
    slider_pad = 30 + 2 * style.font_size
    still = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate",
             "transition": {"duration": 0}}
    buttons = dict(
        type="buttons", direction="left", showactive=False, font=_font(style),
        buttons=[
            dict(label="▶ Play", method="animate",
                 args=[None, {"frame": {"duration": frame_ms, "redraw": False},
                              "fromcurrent": True, "transition": {"duration": 0},
                              "mode": "immediate"}]),
            dict(label="❚❚ Pause", method="animate", args=[[None], still]),
        ],
    )
    slider = dict(
        active=0, currentvalue=dict(prefix="step k = ", font=_font(style), xanchor="left"),
        font=dict(color="rgba(0,0,0,0)", size=8),  # 200 tick labels would overlap
        ticklen=0, minorticklen=0,
        steps=[dict(method="animate", label=str(int(k)), args=[[str(int(k))], still])
               for k in ks],
    )
    xy = _xy_layout(style, xs, ys, x_title, y_title)
    if style.is_projector:
        # a projector is short and wide and the plot keeps equal axes, so its height is
        # what limits it: the legend, Play/Pause and the slider go in a column to its
        # right (to its left, they covered the y ticks when the sidebar was open)
        right = 0.76
        xy["xaxis"]["domain"] = [0.0, right - 0.03]
        layout["legend"] = dict(layout["legend"], orientation="v", x=right, xanchor="left",
                                y=1.0, yanchor="top")
        # under the update rule at 1280×720 the figure has ~465 px of the first screen
        layout["height"] = style.height - 28
        layout["margin"].update(b=16 + 3 * style.font_size, t=layout["margin"]["t"] - 18)
        plot_h = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
        legend_h = len(paths) * 1.9 * style.font_size + 16
        buttons.update(direction="down", x=right, xanchor="left",
                       y=max(0.0, 1.0 - legend_h / plot_h), yanchor="top", pad=dict(t=0, r=0))
        slider.update(x=right, len=1.0 - right, y=0.0, yanchor="bottom", pad=dict(t=0, b=0))
    else:
        # the legend above the plot, wrapping (on the right, its long labels squeezed the
        # equal-axes plot to 64 px on a phone); below the x title, Play/Pause, then the
        # slider on a row of its own (beside the buttons it hid under them in a narrow
        # figure: the buttons keep their size in px, the slider's x is a fraction)
        layout["legend"] = dict(layout["legend"], orientation="h", x=0.0, xanchor="left",
                                y=1.02, yanchor="bottom")
        button_row = 20 + 2 * style.font_size
        layout["margin"]["b"] = 40 + 6 * style.font_size + button_row
        layout["height"] = style.height + button_row  # the plot keeps its size
        buttons.update(x=0.0, xanchor="left", y=0.0, yanchor="top",
                       pad=dict(t=slider_pad - 4, r=10))
        slider.update(x=0.0, len=1.0, y=0.0, yanchor="top",
                      pad=dict(t=slider_pad + button_row, b=0))
    for axis in ("xaxis", "yaxis"):  # the image would show the grid through it
        xy[axis]["showgrid"] = False
    layout.update(
        **xy,
        images=[background],
        shapes=[level_lines],
        hovermode="closest",
        dragmode="pan",
        updatemenus=[buttons],
        sliders=[slider] if len(ks) else [],
    )
    return figure(traces, layout, frames)


def descent_3d_figure(
    paths: Sequence,
    labels: Sequence[str],
    style: Style | None = None,
    *,
    colors: Sequence[str] | None = None,
    title: str = "",
    axis_titles: tuple[str, str, str] = ("x", "y", "z"),
    window: Sequence[tuple[float, float]] | None = None,
) -> go.Figure:
    """Optimizer paths for a 3-variable function: ``(k_i, 3)`` arrays as 3-D lines.

    Each path is a line with small markers; its start is a white-filled marker and
    its end a large filled one.  Aspect ``"auto"`` (true proportions unless one axis
    dominates). ``window`` (three ranges) fixes the axes, so a run that diverged is cut
    at the box's edge instead of shrinking the others to a dot.
    """
    style = style or Style.normal()
    paths = [_f64(p).reshape(-1, 3) for p in paths]
    labels = list(labels)
    if len(labels) != len(paths):
        raise ValueError(f"{len(paths)} paths but {len(labels)} labels")
    traces: list = []
    for i, (p, lab) in enumerate(zip(paths, labels, strict=True)):
        c = _path_color(i, colors, style)
        traces.append(trace(
            "scatter3d", x=p[:, 0], y=p[:, 1], z=p[:, 2], mode="lines+markers", name=lab,
            legendgroup=f"p{i}", line=dict(color=c, width=style.line_width * 1.5),
            marker=dict(color=c, size=max(2.0, style.marker_size * 0.3)),
            hovertemplate=f"{lab}<br>(%{{x:.4g}}, %{{y:.4g}}, %{{z:.4g}})<extra></extra>",
        ))
        if p.shape[0]:
            ends = p[[0, -1]]
            traces.append(trace(
                "scatter3d", x=ends[:, 0], y=ends[:, 1], z=ends[:, 2], mode="markers",
                legendgroup=f"p{i}", showlegend=False, hoverinfo="skip", name=f"{lab} ends",
                marker=dict(color=["white", c], size=style.marker_size * 0.7,
                            line=dict(color=c, width=3)),
            ))
    layout = _base_layout(style, title)
    layout["margin"] = dict(l=0, r=0, t=layout["margin"]["t"] if title else 0, b=0)
    layout["legend"].update(y=0.02, yanchor="bottom")
    if style.is_projector:  # under the title and the update rule, within 720 px
        layout["height"] = style.height - 40
    scene = _scene(style, *axis_titles, aspectmode="auto")
    for axis, (lo, hi) in zip(("xaxis", "yaxis", "zaxis"), window or (), strict=False):
        scene[axis]["range"] = [float(lo), float(hi)]
    return figure(traces, dict(**layout, scene=scene))


def directional_figure(angles, values, *, chosen: tuple[float, float] | None = None,
                       marks: Sequence[tuple[str, float, float]] = (), style: Style,
                       title: str = "") -> go.Figure:
    """D_u f against the direction's angle θ (degrees): the curve, the learner's
    ``chosen`` (θ, D) as a big marker, and labelled ``marks`` (name, θ, D) such as steepest
    ascent, the level curve and steepest descent."""
    traces = [trace("scatter", x=_f64(angles), y=_f64(values), mode="lines", name="Dᵤf(θ)",
                    line=dict(color=style.palette[5], width=style.line_width))]
    for i, (name, ang, val) in enumerate(marks):
        # labels lean inwards near θ = 0 and 360, so they are not cut at the plot's edges
        side = "right" if ang < 60 else "left" if ang > 300 else "center"
        traces.append(trace(
            "scatter", x=[ang], y=[val], mode="markers+text", name=name, text=[name],
            textposition=f"top {side}", textfont=_font(style, max(12, style.font_size - 2)),
            cliponaxis=False,
            marker=dict(size=style.marker_size, color=style.palette[(i + 1) % 8],
                        line=dict(width=1, color="#000000"))))
    if chosen is not None:
        traces.append(trace(
            "scatter", x=[chosen[0]], y=[chosen[1]], mode="markers", name="your direction",
            marker=dict(size=style.marker_size * 1.5, color=style.point_color,
                        symbol="diamond")))
    layout = _base_layout(style, title)
    v = _f64(values)
    v = v[np.isfinite(v)]
    lo, hi = (float(v.min()), float(v.max())) if v.size else (-1.0, 1.0)
    if hi - lo <= 1e-9 * max(1.0, abs(lo), abs(hi)):  # flat (∇f = 0): a unit band around it
        lo, hi = lo - 1.0, hi + 1.0
    pad = hi - lo
    layout.update(  # room above the curve for the labels, beside it for markers at 0, 360
        xaxis=dict(_axis(style, "direction angle θ (degrees)"), range=[-12, 372],
                   tickvals=list(range(0, 361, 45))),
        yaxis=dict(_axis(style, "Dᵤf"), zeroline=True, zerolinecolor="#888888",
                   range=[lo - 0.15 * pad, hi + 0.35 * pad]),
        height=420 if style.is_projector else 360,
    )
    return figure(traces, layout)


def loss_figure(
    histories: Sequence,
    labels: Sequence[str],
    *,
    kind: str = "value",
    log_y: bool = True,
    style: Style | None = None,
    colors: Sequence[str] | None = None,
    title: str = "",
) -> go.Figure:
    """``f(θ_k)`` (``kind="value"``) or ``‖∇f(θ_k)‖`` (``kind="grad_norm"``) vs ``k``.

    ``histories`` is a list of 1-D arrays (one per optimizer).  A log y-axis is used
    when ``log_y`` and every finite value is > 0; otherwise the axis falls back to
    linear and its title says so (log scale cannot show values ≤ 0).
    """
    if kind not in ("value", "grad_norm"):
        raise ValueError(f"kind must be 'value' or 'grad_norm', got {kind!r}")
    style = style or Style.normal()
    hs = [_f64(h).ravel() for h in histories]
    labels = list(labels)
    if len(labels) != len(hs):
        raise ValueError(f"{len(hs)} histories but {len(labels)} labels")
    ytitle = "f(θ<sub>k</sub>)" if kind == "value" else "‖∇f(θ<sub>k</sub>)‖"
    finite = np.concatenate([h[np.isfinite(h)] for h in hs]) if hs else np.empty(0)
    use_log = bool(log_y and finite.size and np.all(finite > 0))
    if log_y and not use_log and finite.size:
        ytitle += " (linear: values ≤ 0)"
    traces = []
    for i, (h, lab) in enumerate(zip(hs, labels, strict=True)):
        c = _path_color(i, colors, style)
        traces.append(trace(
            "scatter", x=np.arange(h.size, dtype=np.int32), y=h,
            mode="lines+markers" if h.size <= 60 else "lines", name=lab,
            line=dict(color=c, width=style.line_width),
            marker=dict(color=c, size=style.marker_size * 0.6,
                        symbol=PATH_SYMBOLS[i % len(PATH_SYMBOLS)]),
            hovertemplate=f"{lab}<br>k = %{{x}}<br>%{{y:.4g}}<extra></extra>",
        ))
    ya = _axis(style, ytitle)
    ya.update(type="log" if use_log else "linear", exponentformat="power")
    return figure(traces, dict(**_base_layout(style, title), xaxis=_axis(style, "iteration k"),
                               yaxis=ya, hovermode="x unified"))


def basins_figure(
    starts,
    end_labels,
    minima,
    xs,
    ys,
    Z,
    style: Style | None = None,
    *,
    title: str = "",
    n_levels: int = 20,
    x_title: str = "x",
    y_title: str = "y",
    levels: gfield.LevelMap | None = None,
) -> go.Figure:
    """Basins of attraction: start points coloured by the minimum they reached.

    * ``starts``: ``(n, 2)`` start points; ``end_labels``: ``(n,)`` ints, index into
      ``minima`` (``(m, 2)``), or ``-1`` for "did not converge" (grey crosses).
    * One trace per minimum (legend "→ minimum i at (x, y)"), minima drawn as large
      stars in the same colour, over grey contour lines of ``Z``: the levels of
      ``levels`` (a :func:`gradcore.field.level_map` of the grid), labelled where it
      placed their labels; without it, ~``n_levels`` nice levels, unlabelled.
    """
    style = style or Style.normal()
    S = _f64(starts).reshape(-1, 2)
    L = np.asarray(end_labels).astype(np.int64).ravel()
    M = _f64(minima).reshape(-1, 2)
    if L.size != S.shape[0]:
        raise ValueError(f"{S.shape[0]} starts but {L.size} labels")
    Z32 = _f32(Z)
    bounds = ((levels.start, levels.end, levels.size) if levels is not None
              else gfield.contour_levels(Z32, n_levels))
    traces: list = [_contour_trace(xs, ys, Z32, style, levels=bounds, coloring="lines",
                                   opacity=1.0, showscale=False)]
    undefined = _undefined_trace(xs, ys, Z)
    if undefined is not None:
        traces.append(undefined)
    labels_trace = None if levels is None else _level_labels(levels, style, lines_only=True)
    if labels_trace is not None:
        traces.append(labels_trace)
    msize = style.marker_size * 0.8
    for j in range(M.shape[0]):
        sel = L == j
        c = style.path_colors[j % len(style.path_colors)]
        traces.append(trace(
            "scatter", x=_f32(S[sel, 0]), y=_f32(S[sel, 1]), mode="markers", legendgroup=f"m{j}",
            name=f"→ minimum {j + 1} at {_fmt_vec(M[j])} ({int(sel.sum())})",
            marker=dict(color=c, size=msize, symbol="square", opacity=0.75),
            hovertemplate=f"start (%{{x:.3g}}, %{{y:.3g}}) → minimum {j + 1}<extra></extra>",
        ))
    bad = (L < 0) | (L >= M.shape[0])
    if bad.any():
        traces.append(trace(
            "scatter", x=_f32(S[bad, 0]), y=_f32(S[bad, 1]), mode="markers",
            name=f"did not converge ({int(bad.sum())})",
            marker=dict(color="#7a7a7a", size=msize, symbol="x-thin",
                        line=dict(color="#555555", width=2)),
            hovertemplate="start (%{x:.3g}, %{y:.3g}): no convergence<extra></extra>",
        ))
    for j in range(M.shape[0]):
        c = style.path_colors[j % len(style.path_colors)]
        traces.append(trace(
            "scatter", x=M[j:j + 1, 0], y=M[j:j + 1, 1], mode="markers", legendgroup=f"m{j}",
            showlegend=False, name=f"minimum {j + 1}",
            marker=dict(color=c, size=style.marker_size * 2.2, symbol="star",
                        line=dict(color="black", width=2)),
            hovertemplate=f"minimum {j + 1} (%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
        ))
    return figure(traces, dict(**_base_layout(style, title),
                               **_xy_layout(style, xs, ys, x_title, y_title),
                               hovermode="closest", dragmode="pan"))
