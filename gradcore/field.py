"""Geometry for drawing gradients: arrow fields, level curves and surfaces, tangent
lines and planes, windows and grids. The public face of ``gradcore._field`` (pure numpy
geometry) and ``gradcore._fieldcalc`` (the same for a parsed function); apps such as the
Streamlit pages use only these names. Each function states its contract in its docstring.
"""

from ._field import (
    ArrowBin,
    Arrows,
    arrows,
    bin_arrows,
    contour_levels,
    contour_segments,
    gradient_tip,
    steepest_ascent_3d,
    subsample_path_frames,
)
from ._fieldcalc import (
    MAX_COORDINATE,
    Volume,
    angle_deg,
    arrow_ranges,
    centre_window,
    check_window,
    clip_outliers,
    cone_samples,
    default_window,
    is_flat,
    level_curve_tangent,
    level_range,
    level_surface_tangents,
    nice_step,
    snap,
    tangent_line,
    tangent_patch,
    view_length,
    volume,
)

__all__ = [
    "ArrowBin",
    "Arrows",
    "MAX_COORDINATE",
    "Volume",
    "angle_deg",
    "arrow_ranges",
    "arrows",
    "bin_arrows",
    "centre_window",
    "check_window",
    "clip_outliers",
    "cone_samples",
    "contour_levels",
    "contour_segments",
    "default_window",
    "gradient_tip",
    "is_flat",
    "level_curve_tangent",
    "level_range",
    "level_surface_tangents",
    "nice_step",
    "snap",
    "steepest_ascent_3d",
    "subsample_path_frames",
    "tangent_line",
    "tangent_patch",
    "view_length",
    "volume",
]
