"""Practice: exercises (the seed text's and generated ones), checking answers, hints and
worked solutions, and a learner's progress. The public face of ``gradcore._practice``;
apps such as the Streamlit pages use only these names.
"""

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

__all__ = [
    "CURATED",
    "Exercise",
    "Progress",
    "SEED_EXERCISES",
    "Verdict",
    "check_answer",
    "find_exercise",
    "generate",
    "hint",
    "solution",
]
