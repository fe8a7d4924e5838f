"""gradcore: gradients of functions typed as on paper — safe parsing, symbolic calculus,
fast vectorized numerics. Pure Python; never imports streamlit.

>>> import gradcore as gc
>>> f = gc.parse("x^2 + y^2")
>>> gc.gradient(f)
(2*x, 2*y)
>>> gc.gradient_at(f, (1, 2))
array([2., 4.])
"""

from ._analysis import MAX_DERIVATIVE_NODES, Analysis, analyze
from ._bounded import (
    ServerBusyError,
    TooComplexError,
    run_bounded,
    shutdown_workers,
    worker_count,
)
from ._calculus import gradient, gradient_at, hessian, partial, simplify_bounded, to_point
from ._descent import (
    DEFAULTS,
    DESCRIPTIONS,
    METHODS,
    ManyPaths,
    Path,
    StepTable,
    descend,
    descend_many,
    first_steps_table,
    paths_to_csv,
    resolve_hyperparameters,
    stability_bound,
)
from ._field import (
    ArrowBin,
    Arrows,
    angle_between,
    arrows,
    bin_arrows,
    tangent_segment,
)
from ._gallery import GALLERY, Example, example, matching_example
from ._numeric import (
    Compiled,
    Evaluation,
    GradientCheck,
    Grid,
    check_gradient,
    compile_function,
    evaluate,
    evaluate_grid,
)
from ._parser import LIMITS, Function, ParseError, parse
from ._pointwise import (
    PointReport,
    at_point,
    classify_critical_point,
    directional_derivative,
    explain_partial,
    hessian_at,
    linear_approximation,
    nondifferentiable_reason,
    tangent_plane,
)
from ._practice import (
    CURATED,
    SEED_EXERCISES,
    Exercise,
    Progress,
    Verdict,
    check_answer,
    find_exercise,
    generate,
    hint,
    solution,
)
from ._realroot import real_root
from ._steps import Derivation, Step, derivation_latex, derive

__all__ = [
    # the function at a point
    "PointReport", "at_point", "classify_critical_point", "directional_derivative",
    "explain_partial", "hessian_at", "linear_approximation", "nondifferentiable_reason",
    "tangent_plane",
    # gradient descent
    "DEFAULTS", "DESCRIPTIONS", "METHODS", "ManyPaths", "Path", "StepTable", "descend",
    "descend_many", "first_steps_table", "paths_to_csv", "resolve_hyperparameters",
    "stability_bound",
    # step-by-step derivations
    "Derivation", "Step", "derivation_latex", "derive",
    # practice
    "CURATED", "SEED_EXERCISES", "Exercise", "Progress", "Verdict", "check_answer",
    "find_exercise", "generate", "hint", "solution",
    # gradient-field geometry
    "ArrowBin", "Arrows", "angle_between", "arrows", "bin_arrows", "tangent_segment",
    # core
    "GALLERY", "LIMITS", "MAX_DERIVATIVE_NODES", "Analysis", "Compiled", "Evaluation",
    "Example", "Function", "GradientCheck", "Grid", "ParseError", "ServerBusyError",
    "TooComplexError", "analyze",
    "check_gradient", "compile_function", "evaluate", "evaluate_grid", "example", "gradient",
    "gradient_at", "hessian", "matching_example", "parse", "partial", "real_root",
    "run_bounded", "shutdown_workers", "simplify_bounded", "to_point", "worker_count",
]
