"""Glue for the Practice page: the exercise sets, the page's remembered settings (mirrored
in the URL as ``?pset=<seed>&plevel=<d>`` for a generated set, ``pmode=curated`` for the
curated one and ``pex=<n>`` for the n-th exercise), cached loaders for verdicts,
hints and step-by-step solutions, the learner's progress and the submitted answers.

No mathematics here: checking, hints and solutions come from gradcore (time
bounded in worker processes) and are cached so reruns do not redo them. Query parameters
are untrusted: they go through ``state.parse_numbers`` and integer bounds, and a bad value
is ignored with a warning.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import streamlit as st

import gradcore as gc

from . import state

# --- the sets -----------------------------------------------------------------------------

TEXT, CURATED, GENERATED = "From the text", "Curated", "Generated"
MODES = (TEXT, CURATED, GENERATED)
LEVELS = {
    1: "1 · polynomials",
    2: "2 · products, eˣ, trig",
    3: "3 · chain & quotient rules",
    4: "4 · compositions, 3 variables",
}
SEED_MAX = 999_999
SET_SIZE = 5  # exercises in a generated set
MAX_EXERCISES = 999  # the largest exercise number a link may ask for (past the set's
# last, its last is shown)

TRY_IT = tuple(ex for ex in gc.SEED_EXERCISES if ex not in gc.CURATED)  # the seed's three

# What a diagnosis code means, in a few words (the verdict's message says the rest).
DIAGNOSES = {
    "sign": "sign error",
    "factor": "wrong constant factor",
    "wrong_variable": "differentiated by the wrong variable",
    "chain_factor": "chain-rule factor missing",
    "missing_term": "a term is missing",
    "zero": "answered 0",
    "function_itself": "this is f itself",
    "not_differentiated": "not differentiated yet",
    "not_held_constant": "another variable not held constant",
    "dropped_factor": "a constant factor (a variable held constant) dropped",
    "sum_of_partials": "all partial derivatives added together",
    "unknown_variable": "a name that is not a variable of f",
}

# --- session-state keys (all prefixed with the page name) ---------------------------------

K_LINK_READ = "practice_link_read"  # the link's set was read (once per session)
K_LINK_WARNING = "practice_link_warning"
K_MODE = "practice_mode_v"  # remembered values of the widgets below (widgets lose their
K_LEVEL = "practice_level_v"  # state when the learner visits another page)
K_SEED = "practice_seed_v"
K_INDEX = "practice_index"  # {set key: index of the exercise shown}
K_LINK_INDEX = "practice_link_index"  # the link's exercise (0-based), until its set is known
K_CHECKED = "practice_checked"  # {exercise id: {variable: last checked answer text}}
K_PROGRESS = "practice_progress"  # gradcore Progress
W_MODE, W_LEVEL, W_SEED = "practice_mode", "practice_level", "practice_seed"
W_PICK = "practice_pick"


def answer_key(ex: gc.Exercise, var: str) -> str:
    return f"practice_ans_{ex.id}_{var}"


# --- settings and the URL -----------------------------------------------------------------


def _link_int(raw: str | None, lo: int, hi: int) -> int | None:
    values = state.parse_numbers(raw, count=1, bound=hi)
    if not values or not values[0].is_integer() or not lo <= values[0] <= hi:
        return None
    return int(values[0])


def init() -> None:
    """Remembered settings, set once per session; a share link's generated set wins."""
    ss = st.session_state
    ss.setdefault(K_MODE, TEXT)
    ss.setdefault(K_LEVEL, 1)
    ss.setdefault(K_SEED, 1)
    ss.setdefault(K_INDEX, {})
    ss.setdefault(K_CHECKED, {})
    ss.setdefault(K_PROGRESS, gc.Progress())
    if K_LINK_READ in ss:
        return
    ss[K_LINK_READ] = True
    qp = st.query_params
    raw_index = qp.get("pex")
    if raw_index is not None:
        n = _link_int(raw_index, 1, MAX_EXERCISES)
        if n is None:
            ss[K_LINK_WARNING] = ("The exercise number in the link could not be used: it is "
                                  "a whole number, 1 for the first exercise.")
        else:
            ss[K_LINK_INDEX] = n - 1
    if qp.get("pmode") == "curated":
        ss[K_MODE] = CURATED
    raw_seed, raw_level = qp.get("pset"), qp.get("plevel")
    if raw_seed is None and raw_level is None:
        return
    seed = _link_int(raw_seed, 0, SEED_MAX) if raw_seed is not None else None
    level = _link_int(raw_level, 1, 4) if raw_level is not None else 1
    if seed is None or level is None:
        before = ss.get(K_LINK_WARNING)  # a bad exercise number too: both are said
        ss[K_LINK_WARNING] = (f"{before} " if before else "") + (
            f"The exercise set in the link could not be used: set numbers are whole numbers "
            f"from 0 to {SEED_MAX} and levels are 1 to 4."
        )
        return
    ss[K_MODE], ss[K_SEED], ss[K_LEVEL] = GENERATED, seed, level


def sync_url(i: int) -> None:
    """The set and exercise ``i`` (0-based) in the URL: ``pset`` and ``plevel`` while a
    generated set is shown, ``pmode=curated`` for the curated set, ``pex`` (1-based)
    past the first exercise; what does not apply is removed."""
    ss, qp = st.session_state, st.query_params
    wanted = {"pmode": "curated" if ss[K_MODE] == CURATED else None,
              "pex": str(i + 1) if i else None}
    generated_ = ss[K_MODE] == GENERATED
    wanted["pset"] = str(ss[K_SEED]) if generated_ else None
    wanted["plevel"] = str(ss[K_LEVEL]) if generated_ else None
    for key, value in wanted.items():
        if value is None:
            if key in qp:
                del qp[key]
        elif qp.get(key) != value:
            qp[key] = value


def remember(widget: str, store: str) -> None:
    """on_change callback: keep a widget's value after the widget is gone."""
    st.session_state[store] = st.session_state[widget]


def restore(widget: str, store: str) -> None:
    """Put the remembered value into a widget before it is drawn."""
    st.session_state[widget] = st.session_state[store]


def new_seed() -> None:
    """on_click: a fresh random set number."""
    st.session_state[K_SEED] = secrets.randbelow(SEED_MAX + 1)


@st.cache_data(max_entries=256, show_spinner=False)
def generated(level: int, seed: int) -> list[gc.Exercise]:
    """The generated set for (level, seed): the same on every machine."""
    return gc.generate(level, seed, SET_SIZE)


def current_set() -> tuple[str, list[gc.Exercise]]:
    """The set shown (a key for it, its exercises)."""
    ss = st.session_state
    mode = ss[K_MODE]
    if mode == GENERATED:
        return f"gen-{ss[K_LEVEL]}-{ss[K_SEED]}", generated(ss[K_LEVEL], ss[K_SEED])
    if mode == CURATED:
        return "curated", list(gc.CURATED)
    return "text", list(TRY_IT)


def index(set_key: str, n: int) -> int:
    """The exercise shown of the set ``set_key`` of ``n`` (a link's, the first time)."""
    ss = st.session_state
    if K_LINK_INDEX in ss:
        ss[K_INDEX][set_key] = min(ss.pop(K_LINK_INDEX), n - 1)
    i = ss[K_INDEX].get(set_key, 0)
    return i if 0 <= i < n else 0


def set_index(set_key: str, i: int) -> None:
    st.session_state[K_INDEX][set_key] = i
    st.session_state[W_PICK] = i  # callbacks may set it before the widget is drawn


def pick_changed(set_key: str) -> None:
    st.session_state[K_INDEX][set_key] = st.session_state[W_PICK]


# --- actions noted by callbacks and carried out by the page --------------------------------
# Button return values are not relied on: a rerun of the entry script (``state.
# ensure_navigation``) can come between the click and the page body and would drop them.
# The callbacks only note what was asked; the page body (inside ``ui.guarded``) does it.

K_SUBMITTED = "practice_submitted"  # id of the exercise whose answers are to be checked
K_EXPLORE = "practice_explore_to"  # id of the exercise to open on the other pages


def mark_submitted(exercise_id: str) -> None:
    st.session_state[K_SUBMITTED] = exercise_id


def take_submitted(exercise_id: str) -> bool:
    """Whether the answers of this exercise were just submitted (answered once; a note
    left for another exercise is dropped)."""
    return st.session_state.pop(K_SUBMITTED, None) == exercise_id


def mark_explore(exercise_id: str) -> None:
    st.session_state[K_EXPLORE] = exercise_id


def take_explore(exercise_id: str) -> bool:
    return st.session_state.pop(K_EXPLORE, None) == exercise_id


# --- progress and answers -----------------------------------------------------------------


def progress() -> gc.Progress:
    return st.session_state[K_PROGRESS]


def checked(ex: gc.Exercise) -> dict[str, str]:
    """The answers last checked for this exercise, per variable."""
    return st.session_state[K_CHECKED].get(ex.id, {})


def reset() -> None:
    """on_click: forget the progress, the checked answers, the answer boxes, hints and
    solutions shown."""
    ss = st.session_state
    ss[K_PROGRESS].reset()
    ss[K_CHECKED] = {}
    for key in list(ss.keys()):
        if re.match(r"practice_(ans|hint|sol)_", str(key)):
            del ss[key]


# --- cached symbolic work -----------------------------------------------------------------


class _Transient(Exception):
    """Carries a result that must not be cached (the workers were busy) past the cache."""

    def __init__(self, value):
        super().__init__("transient")
        self.value = value


@st.cache_data(max_entries=2048, show_spinner=False)
def _verdict(exercise_id: str, var: str, answer: str) -> gc.Verdict:
    ex = gc.find_exercise(exercise_id)
    if ex is None:  # pragma: no cover - ids come from the sets above
        raise ValueError("unknown exercise")
    verdict = ex.check(var, answer)
    if verdict.status == "too_complex":  # may only mean the server was busy: retry later
        raise _Transient(verdict)
    return verdict


def verdict(ex: gc.Exercise, var: str, answer: str) -> gc.Verdict:
    """The verdict on ``answer`` for ∂f/∂var, cached per (exercise id, variable, answer);
    "too complex" only for a minute (:class:`state.Recent`): every rerun (a hint toggled)
    re-ran a check that overran, killing and restarting a worker each time (red team 5)."""
    key = (ex.id, var, answer)
    hit = state.recent("verdict").get(key)
    if hit is not None:
        return hit
    try:
        return _verdict(ex.id, var, answer)
    except _Transient as t:
        state.recent("verdict").put(key, t.value)
        return t.value


@dataclass(frozen=True)
class Solution:
    """A step-by-step solution ready to draw: LaTeX lines with a note each, a message (steps
    skipped), or an error (no solution in time)."""

    lines: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    message: str = ""
    error: str = ""


@st.cache_data(max_entries=512, show_spinner=False)
def _solution(text: str, var: str) -> Solution:
    try:
        d = gc.solution(text, var)
    except gc.TooComplexError as exc:
        result = Solution(error=str(exc))
        if "busy" in str(exc):
            raise _Transient(result) from None
        return result
    return Solution(tuple(gc.derivation_latex(d)), tuple(s.note for s in d.steps), d.message)


def solution(ex: gc.Exercise, var: str) -> Solution:
    """The step-by-step solution of ∂f/∂var (cached per function text and variable)."""
    try:
        return _solution(ex.text, var)
    except _Transient as t:
        return t.value


@st.cache_data(max_entries=512, show_spinner=False)
def _hint(text: str, var: str) -> str:
    return gc.hint(text, var)


def hint(ex: gc.Exercise, var: str) -> str:
    """A hint for ∂f/∂var (cached per function text and variable). ``gc.hint`` falls back to
    a shorter hint when its explanation cannot be built in time; that shorter hint is only
    cached when the explanation is not merely waiting for a busy worker (then the busy
    message is returned, uncached)."""
    sol = solution(ex, var)
    if "busy" in sol.error:
        return sol.error
    return _hint(ex.text, var)


# --- text -----------------------------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#$~|])")  # emphasis, code, links, HTML, math
_DIRECTIVE = re.compile(r":(?=[\w/])")  # :red[...], :smile:, :material/icon:
_LINE_START = re.compile(r"^(\s*(?:\d+)?)([-+=.)])", re.MULTILINE)  # lists, headings


def plain(text: str) -> str:
    """Text for Streamlit's markdown elements (st.success, st.caption, ...) shown as written:
    markdown, HTML, LaTeX-dollar and colour/emoji directive syntax is escaped, so a message
    quoting part of an answer cannot format, link or colour anything."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
    text = _DIRECTIVE.sub(r"\\:", text)
    return _LINE_START.sub(r"\1\\\2", text)
