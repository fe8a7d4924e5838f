"""Run symbolic work under a hard time and memory limit, from any thread.

``signal.alarm`` only works in the main thread and Streamlit runs scripts in threads, so
symbolic work derived from user input runs in a small pool of worker processes
(``python -m gradcore._worker``). A call that overruns its time limit kills its worker and
raises :class:`TooComplexError`; a fresh worker is started in the background so the next
call does not wait for sympy to import. Workers exit by themselves when the parent dies
(their stdin closes), so no process outlives the server.
"""

from __future__ import annotations

import atexit
import functools
import math
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from pathlib import Path

__all__ = [
    "ServerBusyError", "TooComplexError", "cached_once", "run_bounded", "shutdown_workers",
    "worker_count",
]



def _setting(name: str, default: float, low: float, high: float) -> float:
    """A number from the environment (an operator's setting), clamped to [low, high];
    ``default`` when it is unset or not a number."""
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return min(max(value, low), high) if math.isfinite(value) else default


# Operators' settings (environment variables). The defaults fit Community Cloud's ~1 GB:
# the server (~150-250 MB) plus two workers of ~85 MB each after their imports, each
# allowed 256 MB more for its work: under 1 GB even when both run out at once.
DEFAULT_TIMEOUT = _setting("GRADCORE_TIMEOUT", 3.0, 0.05, 60.0)  # s per piece of work
MEMORY_LIMIT_MB = int(_setting("GRADCORE_WORKER_MEMORY_MB", 256, 64, 65536))  # per worker
MAX_WORKERS = int(_setting("GRADCORE_WORKERS", 2, 1, 16))
_ROOT = str(Path(__file__).resolve().parent.parent)
_IN_WORKER = False  # set by gradcore._worker: there, the whole request is already bounded
_WARMED = False  # set by gradcore._worker once its warm-up ran (see _worker._warm_up)


class TooComplexError(RuntimeError):
    """Symbolic work that ran past its time or memory limit. The message tells the user."""


class ServerBusyError(TooComplexError):
    """No worker became free in time: a passing condition (do not cache it)."""


class _Worker:
    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = _ROOT + os.pathsep + env.get("PYTHONPATH", "")
        env["GRADCORE_WORKER_MEMORY_MB"] = str(MEMORY_LIMIT_MB)
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = "1"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gradcore._worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=env, cwd=_ROOT,
        )

    def wait_ready(self, timeout: float = 60.0) -> bool:
        try:
            return self._read(1, time.monotonic() + timeout) == b"R"
        except (TimeoutError, EOFError, OSError):
            return False

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass

    def call(self, payload: bytes, deadline: float) -> tuple[bool, object]:
        self.proc.stdin.write(struct.pack("!Q", len(payload)) + payload)
        self.proc.stdin.flush()
        header = self._read(8, deadline)
        (size,) = struct.unpack("!Q", header)
        return pickle.loads(self._read(size, deadline))

    def _read(self, n: int, deadline: float) -> bytes:
        fd = self.proc.stdout.fileno()
        chunks = []
        while n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                raise TimeoutError
            chunk = os.read(fd, min(n, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)


class _Pool:
    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.idle: list[_Worker] = []
        self.busy = 0
        self.starting = 0

    def _spawn_async(self) -> None:
        def start() -> None:
            try:
                worker = _Worker()
                if not worker.wait_ready():
                    worker.kill()
                    worker = None
            except OSError:  # pragma: no cover
                worker = None
            with self.lock:
                self.starting -= 1
                if worker is not None:
                    self.idle.append(worker)
                self.lock.notify()

        self.starting += 1
        threading.Thread(target=start, daemon=True).start()

    def acquire(self, deadline: float) -> _Worker:
        with self.lock:
            while True:
                while self.idle:
                    worker = self.idle.pop()
                    if worker.alive():
                        self.busy += 1
                        return worker
                    worker.kill()
                if self.busy + self.starting < MAX_WORKERS:
                    self._spawn_async()
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ServerBusyError(
                        "The server is busy with other calculations right now: "
                        "try again in a moment."
                    )
                self.lock.wait(left)

    def release(self, worker: _Worker, healthy: bool) -> None:
        with self.lock:
            self.busy -= 1
            if healthy:
                self.idle.append(worker)
            else:
                worker.kill()
                self._spawn_async()  # keep a warm replacement ready
            self.lock.notify()

    def shutdown(self) -> None:
        with self.lock:
            workers, self.idle = self.idle, []
        for w in workers:
            w.kill()

    def count(self) -> int:
        with self.lock:
            return len([w for w in self.idle if w.alive()]) + self.busy


_POOL = _Pool()
atexit.register(_POOL.shutdown)


def run_bounded(func, *args, timeout: float = DEFAULT_TIMEOUT, what: str = "this", **kwargs):
    """Run ``func(*args, **kwargs)`` in a worker process and return its result.

    ``func`` must be a module-level function of ``gradcore`` (it is sent by reference);
    arguments and result must pickle (sympy expressions do). Raises
    :class:`TooComplexError` when the work takes longer than ``timeout`` seconds or more
    memory than the worker's limit (the worker is killed and replaced); re-raises any
    exception ``func`` raised. Time spent waiting for a free or starting worker is not
    counted against ``timeout``, up to a separate bound. Called inside a worker (bounded
    work that needs more bounded work), ``func`` runs there directly, under that worker's
    limits.
    """
    module = getattr(func, "__module__", "") or ""
    if not module.startswith("gradcore"):
        raise ValueError("run_bounded only runs gradcore functions")
    if _IN_WORKER:  # already inside a bounded worker: its limits cover this call too
        return func(*args, **kwargs)
    payload = pickle.dumps((func, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
    worker = _POOL.acquire(time.monotonic() + max(10.0, timeout))
    healthy = False
    try:
        ok, result = worker.call(payload, time.monotonic() + timeout)
        healthy = True
    except TimeoutError:
        raise TooComplexError(
            f"{what[:1].upper()}{what[1:]} took longer than {timeout:g} s and was stopped: "
            "the expression is too complex. Try a simpler or shorter function."
        ) from None
    except (EOFError, OSError, struct.error, pickle.UnpicklingError):
        raise TooComplexError(
            f"{what[:1].upper()}{what[1:]} needed too much memory and was stopped: "
            "try a simpler or shorter function."
        ) from None
    finally:
        _POOL.release(worker, healthy)
    if ok:
        return result
    if isinstance(result, MemoryError):
        raise TooComplexError(
            f"{what[:1].upper()}{what[1:]} needed too much memory and was stopped: "
            "try a simpler or shorter function."
        )
    raise result


def cached_once(maxsize: int = 128):
    """Like ``functools.lru_cache(maxsize)`` for bounded work shared by all sessions, but
    a value several threads ask for at once is computed by one of them while the others
    wait for it: a class opening the same link starts one compile, not thirty queued on
    the workers. Exceptions are not cached (the next call tries again). Arguments must
    be hashable; ``cache_clear()`` empties the cache."""

    def decorate(func):
        cache: OrderedDict = OrderedDict()
        guard = threading.Lock()
        stripes = [threading.Lock() for _ in range(32)]  # one computation per key at once

        def lookup(key):
            with guard:
                if key in cache:
                    cache.move_to_end(key)
                    return True, cache[key]
            return False, None

        @functools.wraps(func)
        def wrapper(*args):
            hit, value = lookup(args)
            if hit:
                return value
            with stripes[hash(args) % len(stripes)]:
                hit, value = lookup(args)  # computed while this thread waited
                if hit:
                    return value
                value = func(*args)
                with guard:
                    cache[args] = value
                    while len(cache) > maxsize:
                        cache.popitem(last=False)
                return value

        def cache_clear() -> None:
            with guard:
                cache.clear()

        wrapper.cache_clear = cache_clear
        return wrapper

    return decorate


def worker_count() -> int:
    """How many worker processes are alive (for tests and monitoring)."""
    return _POOL.count()


def shutdown_workers() -> None:
    """Stop every idle worker (they are restarted on demand)."""
    _POOL.shutdown()


def _probe_allocate(megabytes: int) -> int:
    """Allocate ``megabytes`` of memory and return its size: used by the tests to prove
    that a worker's memory limit stops runaway work."""
    block = bytearray(megabytes * 1024 * 1024)
    return len(block)


def _probe_warmed() -> bool:
    """Whether this process ran the worker warm-up: used by the tests to prove that a
    worker is warm before it takes its first request."""
    return _WARMED
