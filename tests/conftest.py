"""Shared fixtures: a real `streamlit run` server on a free port for browser tests, and
Playwright pointed at Debian's Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(script: str = "app.py", port: int | None = None,
                 env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """Start `streamlit run` on a free port (with extra environment variables ``env``)
    and wait until it is healthy."""
    port = port or _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("streamlit did not start within 60 s")


def child_processes(pid: int, *, recursive: bool = False) -> list[tuple[int, str, int]]:
    """(pid, state, resident kB) of the children of process ``pid`` (of all its
    descendants with ``recursive``), read from /proc."""
    children: dict[int, list[tuple[int, str, int]]] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text().rsplit(")", 1)[1].split()
            rss = next((int(line.split()[1]) for line in (d / "status").read_text()
                        .splitlines() if line.startswith("VmRSS:")), 0)
        except (OSError, ValueError):
            continue  # gone meanwhile
        children.setdefault(int(stat[1]), []).append((int(d.name), stat[0], rss))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            if recursive:
                todo.append(child[0])
    return out


def is_worker(pid: int) -> bool:
    """Whether process ``pid`` is a gradcore worker (``python -m gradcore._worker``)."""
    try:
        return b"gradcore._worker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


@pytest.fixture(scope="session")
def app_url():
    """URL of a real `streamlit run app.py` server, for the whole test session."""
    proc, url = start_server()
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright cannot download browsers here: use Debian's Chromium."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}: CI must install it (.ci/run)")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


_IDLE = """(quiet) => {
  const w = window.__geIdle || (window.__geIdle = {since: performance.now()});
  const status = document.querySelector('[data-testid="stStatusWidget"]');
  const running = !!status && /running|stop/i.test(status.innerText || '');
  const now = performance.now();
  if (running || !document.querySelector('.katex')) { w.since = now; return false; }
  return now - w.since >= quiet;
}"""


def wait_for_app(page, timeout: float = 45_000, quiet_ms: int = 600) -> None:
    """Wait until Streamlit has rendered and stayed idle (no script running) for
    ``quiet_ms``: its running indicator shows only after a short delay, so a single look
    can catch the page between two reruns."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    page.evaluate("() => { window.__geIdle = undefined; }")
    page.wait_for_function(_IDLE, arg=quiet_ms, timeout=timeout, polling=50)


def submit_text(box, text: str) -> None:
    """Type ``text`` into an input and press Enter, as a person would: if a rerun still
    arriving redraws the input and resets what was typed, type it again (else Enter
    would submit the old value, and no rerun follows)."""
    for _ in range(3):
        box.fill(text)
        if box.input_value() == text:
            break
    box.press("Enter")


def wait_for_latex(page, fragment: str, timeout: float = 45_000) -> None:
    """Wait until a rendered formula's TeX source contains ``fragment``."""
    page.wait_for_function(
        "(frag) => [...document.querySelectorAll('.katex-mathml annotation')]"
        ".some(e => e.textContent.includes(frag))", arg=fragment, timeout=timeout, polling=50)


def latex_texts(page) -> list[str]:
    """The TeX sources of every rendered KaTeX formula on the page."""
    return page.eval_on_selector_all(
        ".katex-mathml annotation", "els => els.map(e => e.textContent)"
    )


