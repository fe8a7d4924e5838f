"""Gradient descent and its optimizers: paths from one or many starts, the first steps
as a table, CSV export, stability and learning-rate advice, basins of attraction. The public
face of ``gradcore._descent`` (the optimizers) and ``gradcore._descentcalc`` (advice and
views built on them); apps such as the Streamlit pages use only these names.
"""

from ._descent import (
    DEFAULTS,
    DESCRIPTIONS,
    LABELS,
    METHODS,
    TORCH_EQUIVALENT,
    Path,
    descend,
    descend_many,
    describe,
    first_steps_table,
    paths_to_csv,
    torch_code,
)
from ._descentcalc import (
    DEFAULT_LR,
    LR_GRID,
    Basins,
    Stability,
    basins,
    leaves_window,
    plottable,
    safe_learning_rate,
    snap_learning_rate,
    stability,
    start_grid,
    suggested_learning_rate,
    view_window,
)

__all__ = [
    "Basins",
    "DEFAULTS",
    "DEFAULT_LR",
    "DESCRIPTIONS",
    "LABELS",
    "LR_GRID",
    "METHODS",
    "Path",
    "Stability",
    "TORCH_EQUIVALENT",
    "basins",
    "descend",
    "descend_many",
    "describe",
    "first_steps_table",
    "paths_to_csv",
    "torch_code",
    "leaves_window",
    "plottable",
    "safe_learning_rate",
    "snap_learning_rate",
    "stability",
    "start_grid",
    "suggested_learning_rate",
    "view_window",
]
