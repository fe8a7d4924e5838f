"""Session state shared by every page: the function being explored, the chosen point and
the settings a share link carries, mirrored in the URL's query parameters.

Query parameters are untrusted input: the function goes through ``gradcore.parse`` like
anything typed, numbers are parsed with bounds, and nothing from the URL reaches HTML.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass

import streamlit as st

import gradcore as gc

log = logging.getLogger(__name__)

DEFAULT_TEXT = "x^2 + y^2"
DEFAULT_POINT = (1.0, 2.0, 1.0)  # the seed's example point (1, 2); z = 1, not 0, so a
# product such as the seed's xyz is not flat on the first slice shown
MAX_PARAM_LENGTH = 2 * gc.LIMITS.max_length  # longer query values are ignored

K_TEXT = "fn_text"  # the last valid function's text
K_INPUT = "fn_input"  # the Function page's text box
K_ERROR = "fn_error"  # the message for a rejected input
K_PENDING = "fn_pending"  # a typed function not yet applied (see submit_typed)
K_LINK_ERROR = "link_error"  # the message for a rejected share link
K_POINT = "point"  # {name: value}
K_PROJECTOR = "projector"
K_STARTED = "_state_started"


@dataclass(frozen=True)
class Loaded:
    """What the cached loader knows about a text: the parsed function and its analysis,
    or the message explaining why there is none."""

    fn: gc.Function | None
    analysis: gc.Analysis | None
    error: str | None


#: a function whose analysis ran out of time is not tried again for this long (by any
#: session): long enough that reruns of a hostile input cost one worker timeout a minute,
#: short enough that one that overran only because the server was busy gets another go
RETRY_TIMEOUT_AFTER_S = 60.0


class Recent:
    """Results of work that ran out of time, remembered for :data:`RETRY_TIMEOUT_AFTER_S`
    and shared by every session (sessions run in threads: access is locked). Never cached
    for good: under load legitimate work can overrun once."""

    def __init__(self, max_items: int = 256):
        self._items: dict = {}
        self._lock = threading.Lock()
        self._max = max_items

    def get(self, key):
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and time.monotonic() - hit[0] < RETRY_TIMEOUT_AFTER_S:
            return hit[1]
        return None

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), value)
            while len(self._items) > self._max:
                self._items.pop(next(iter(self._items)), None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


@st.cache_resource(show_spinner=False)
def recent(name: str) -> Recent:
    """The :class:`Recent` timeouts called ``name`` ("load", "verdict", …)."""
    return Recent()


def load(text: str) -> Loaded:
    """Parse, differentiate (time-bounded) and compile ``text``; cached across sessions.
    A timeout is remembered for :data:`RETRY_TIMEOUT_AFTER_S` only, never cached for good:
    under load a legitimate function can overrun once, and it must not stay "too complex"
    for every visitor (red team)."""
    hit = recent("load").get(text)
    if hit is not None:
        return hit
    try:
        return _load(text)
    except gc.ServerBusyError:
        raise  # the caller asks to retry
    except gc.TooComplexError as exc:
        result = Loaded(gc.parse(text), None, str(exc))  # parsed fine in _load: cheap
        recent("load").put(text, result)
        return result


def _clear() -> None:
    _load.clear()
    recent("load").clear()


load.clear = _clear  # type: ignore[attr-defined]


@st.cache_resource(max_entries=128, show_spinner=False)
def _load(text: str) -> Loaded:
    """:func:`load`'s cached part: a TooComplexError (and ServerBusyError) passes, not
    cached."""
    try:
        fn = gc.parse(text)
    except gc.ParseError as exc:
        return Loaded(None, None, str(exc))
    try:
        return Loaded(fn, gc.analyze(fn), None)
    except (gc.ServerBusyError, gc.TooComplexError):
        raise  # passing: not cached, load remembers a timeout for a while
    except Exception:  # noqa: BLE001 - a function sympy/numpy cannot handle: say so
        log.exception("analysing %r failed", text)
        return Loaded(fn, None, "this function cannot be analysed here (its derivative "
                                "cannot be computed or compiled): try another")


def parse_numbers(raw: str | None, count: int | None = None, bound: float = 1e6
                  ) -> list[float] | None:
    """Comma-separated finite numbers from a query value, or None if anything is off."""
    if raw is None or len(raw) > 200:
        return None
    parts = raw.split(",")
    if count is not None and len(parts) != count:
        return None
    try:
        values = [float(p) for p in parts if len(p) <= 24]
    except ValueError:
        return None
    if len(values) != len(parts) or not all(math.isfinite(v) and abs(v) <= bound
                                            for v in values):
        return None
    return values


def _format(v: float) -> str:
    return f"{v:.6g}"


def ensure_navigation() -> None:
    """Make ``app.py``'s ``st.navigation`` run, whatever URL the first visitor opens.

    Streamlit treats a ``pages/`` folder beside the entry script as a legacy multipage
    app until an ``st.navigation`` call has run once in the server process: if the first
    request after a (re)start opens a page URL such as ``/field`` directly, Streamlit runs
    that file alone under an auto-generated menu ("app", "field", …), and Streamlit's
    AppTest does the same on every rerun. Switch the legacy mode off and rerun, so the
    entry script and its navigation take over.

    Under AppTest nothing is done: it resets that mode before every run and re-runs only
    the page on reruns, which pages support (``ui.guarded`` calls :func:`init`); a rerun
    there would drop the button clicks a test just made."""
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # pragma: no cover - a Streamlit without this internal
        return
    if st.get_option("global.appTest"):
        return
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


def init() -> None:
    """Set up the session on its first run (reading the share link), then keep the URL in
    step with the state on every run. Called by ``app.py`` before the page runs."""
    ss = st.session_state
    if K_STARTED not in ss:
        ss[K_STARTED] = True
        ss[K_TEXT] = DEFAULT_TEXT
        qp = st.query_params
        raw = qp.get("f")
        if raw is not None:
            if len(raw) > MAX_PARAM_LENGTH:
                ss[K_LINK_ERROR] = "The link's function is too long; showing the default."
            else:
                error = set_function(raw)
                if error:
                    ss[K_LINK_ERROR] = f"The function in the link could not be used: {error}"
        point = parse_numbers(qp.get("p"))
        if point:  # coordinates in the order of the function's variables
            names = current().fn.names or ("x", "y", "z")
            ss[K_POINT] = dict(zip(names, point, strict=False))
        ss[K_PROJECTOR] = qp.get("proj") == "1"
    if K_PENDING in ss:  # typed, then another page was opened before it was applied
        error = _apply_pending()
        if error:
            st.warning(f"{error}. Still showing the last valid function.")
    sync_url()


def sync_url() -> None:
    """Mirror the state in the URL (only what changed is written)."""
    ss = st.session_state
    wanted = {"f": ss.get(K_TEXT, DEFAULT_TEXT)}
    if ss.get(K_POINT):
        fn = current().fn
        wanted["p"] = ",".join(_format(v) for v in point_for(fn))
    if ss.get(K_PROJECTOR):
        wanted["proj"] = "1"
    qp = st.query_params
    for key, value in wanted.items():
        if qp.get(key) != value:
            qp[key] = value
    if not ss.get(K_PROJECTOR) and "proj" in qp:
        del qp["proj"]


def set_function(text: str) -> str | None:
    """Make ``text`` the function being explored if it is valid; otherwise keep the current
    one and return the message saying why (the last valid function never gets lost)."""
    try:
        loaded = load(text)
    except gc.ServerBusyError as exc:
        return str(exc)
    if loaded.error is not None:
        return loaded.error
    st.session_state[K_TEXT] = text
    return None


def submit_typed(text: str) -> None:
    """Apply a function typed into the text box (its ``on_change``).

    The text is kept in the session until it has been applied: analysing a new function
    takes a while, and a click on another page in that time ends the rerun that was
    analysing it (the callback with it) and the navigation's rerun no longer carries the
    box's value. :func:`init` applies a kept text on the next rerun, whatever the page."""
    st.session_state[K_PENDING] = text
    _apply_pending()


def submit_picked(text: str) -> None:
    """Apply a gallery pick (a button's ``on_click``). It is the newest choice: a typed
    text still waiting to be applied is dropped, or it would override the pick."""
    ss = st.session_state
    ss.pop(K_PENDING, None)
    ss[K_INPUT] = text
    ss[K_ERROR] = set_function(text)


def _apply_pending() -> str | None:
    ss = st.session_state
    if K_PENDING not in ss:
        return None
    try:
        error = set_function(ss[K_PENDING])
    finally:  # applied once, whatever happens: a failure must not repeat on every rerun
        ss.pop(K_PENDING, None)
    ss[K_ERROR] = error
    return error


def current() -> Loaded:
    """The function being explored (always a valid, analysed one)."""
    loaded = load(st.session_state.get(K_TEXT, DEFAULT_TEXT))
    if loaded.analysis is None:  # pragma: no cover - only valid texts are stored
        return load(DEFAULT_TEXT)
    return loaded


def point_for(fn: gc.Function) -> list[float]:
    """The chosen point in ``fn.variables`` order: the shared point where it names these
    variables, otherwise the seed's (1, 2), then 1 for z and 0 for further variables."""
    stored = st.session_state.get(K_POINT) or {}
    defaults = list(DEFAULT_POINT) + [0.0] * max(0, len(fn.variables) - len(DEFAULT_POINT))
    out = []
    for i, name in enumerate(fn.names):
        value = stored.get(name, defaults[i])
        out.append(float(value) if math.isfinite(value) else defaults[i])
    return out


def set_point(fn: gc.Function, values) -> None:
    """Share a new point (in ``fn.variables`` order) with every page and the URL."""
    point = {n: float(v) for n, v in zip(fn.names, values, strict=True)}
    if all(math.isfinite(v) for v in point.values()):
        st.session_state[K_POINT] = {**(st.session_state.get(K_POINT) or {}), **point}
        sync_url()


def projector() -> bool:
    return bool(st.session_state.get(K_PROJECTOR))
