"""Worker process for :func:`gradcore.run_bounded`: reads length-prefixed pickled
``(func, args, kwargs)`` requests on stdin from its parent (never from users), runs them
and writes ``(ok, result_or_exception)`` back. It lives under a memory limit and exits
when its stdin closes."""

from __future__ import annotations

import os
import pickle
import struct
import sys


def _address_space() -> int:
    """Bytes of address space this process uses now (after its imports)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 1 << 30  # unknown here: assume a generous base


def _limit_memory() -> None:
    """Allow this worker ``GRADCORE_WORKER_MEMORY_MB`` of memory for its work on top of
    what it uses once sympy and numpy are imported (so the limit means the same on every
    platform, whatever their imports reserve)."""
    try:
        import resource

        budget = int(os.environ.get("GRADCORE_WORKER_MEMORY_MB", "256")) * 1024 * 1024
        limit = _address_space() + budget
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not on this platform
        pass


# Each piece of the pipeline pays a one-off cost on its first use in a process (sympy's
# differentiation and printers, lambdify's code generation): ~0.2 s here, most of a
# 0.25 s limit and 7% of the default 3 s. A worker pays it on this fixed function before
# it says it is ready, so no user's first function after a restart or an overrun is
# charged for it (a CI run once saw a valid function stopped as "too complex" so).
_WARM_UP_TEXT = "x^2 y + sin(x) e^y + sqrt(x^2 + y^2)"


def _warm_up() -> None:
    """Run the bounded pipeline once on :data:`_WARM_UP_TEXT` (in this process: nested
    bounded calls run inline in a worker). A failure here only costs the warm-up."""
    import gradcore
    from gradcore import _bounded

    try:
        fn = gradcore.parse(_WARM_UP_TEXT)
        gradcore.compile_function(fn)
        gradcore.analyze(fn)
        for name in fn.names:
            gradcore.explain_partial(fn, name)
        gradcore.at_point(fn, [1.0, 2.0])
    except Exception:  # noqa: BLE001 - never keep a worker from starting
        return
    _bounded._WARMED = True


def _read_exact(stream, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = stream.read(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def main() -> None:
    import gradcore  # noqa: F401  - pay the sympy import once, before the first request
    from gradcore import _bounded

    _bounded._IN_WORKER = True  # nested bounded calls run here, under this worker's limits

    _warm_up()  # before the memory limit: its caches are part of the baseline
    _limit_memory()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # stray prints must not corrupt the protocol
    stdout.write(b"R")  # ready: imports and warm-up done: limits count only the work
    stdout.flush()
    while True:
        header = _read_exact(stdin, 8)
        if header is None:
            return
        (size,) = struct.unpack("!Q", header)
        body = _read_exact(stdin, size)
        if body is None:
            return
        try:
            func, args, kwargs = pickle.loads(body)
            if not getattr(func, "__module__", "").startswith("gradcore"):
                raise ValueError("only gradcore functions run here")
            reply = (True, func(*args, **kwargs))
            out = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError as exc:
            out = pickle.dumps((False, exc))
        except Exception as exc:  # noqa: BLE001 - sent back and re-raised in the parent
            try:
                out = pickle.dumps((False, exc), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # noqa: BLE001 - unpicklable exception
                out = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
        stdout.write(struct.pack("!Q", len(out)) + out)
        stdout.flush()


if __name__ == "__main__":
    main()
