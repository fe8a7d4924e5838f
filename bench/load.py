"""Load test: N concurrent real browser sessions (Playwright + Chromium, one browser, N
contexts) against one `streamlit run app.py` server, each typing functions and moving the
point on every page; then the same against a minimal one-input page in the same run.

    python bench/load.py                 # N = 5, 10, 20
    python bench/load.py --sessions 5 --rounds 3

Reports p50/p95 time from input to updated view, errors, and the server's peak RSS
(server plus its worker processes), and the app's latency as a ratio to the minimal page's.
It also prints the wall time of each run and the CPU seconds spent by the server (with its
workers) and by the whole machine (the rest is mostly the browsers).
Targets (issue #7): no errors at N = 20; p95 ≤ 1.5x the minimal page's at N = 10 and 20;
peak RSS < 1 GB at N = 20 and < 300 MB with one session. Bounded: every loop has a fixed
number of rounds and a timeout; only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import threading
import time
from pathlib import Path

from playwright.async_api import async_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import _IDLE, CHROMIUM, CHROMIUM_FLAGS, start_server  # noqa: E402

FUNCTIONS = ["x^2 + 3y", "3xy + y^2", "(1 - x)^2 + 100(y - x^2)^2", "sin(x) cos(y)",
             "e^(x^2 y)", "x^2 - y^2", "(x^2 + y - 11)^2 + (x + y^2 - 7)^2"]
TIMEOUT_S = 60.0
NO_POINT_PAGES = ("practice",)  # pages without a point to move (their URL paths)

# What the page shows, read without forcing a layout: ``textContent`` (all text, KaTeX
# sources and chart labels included) rather than ``innerText``, which lays out the whole
# page on every call; polled every 10 ms by N pages that costs more CPU than the app
# (measured: 7-19 ms per innerText call on a full page, most of a core at N = 10).
_SNAPSHOT = """() => {
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  return main.textContent;
}"""
_WAIT_UPDATE = """(before) => {
  const status = document.querySelector('[data-testid="stStatusWidget"]');
  const running = status && /running|stop/i.test(status.textContent || '');
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  return !running && main.textContent !== before;
}"""


def _tree(pid: int) -> list[int]:
    """A process and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    out, stack = [], [pid]
    while stack:
        p = stack.pop()
        out.append(p)
        stack.extend(children.get(p, []))
    return out


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_tree_s(pid: int) -> float:
    """CPU seconds (user + system, reaped children included) of a process tree."""
    total = 0
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / _TICK


def _machine_busy_s() -> float:
    """CPU seconds the whole machine has spent busy (all cores, from /proc/stat)."""
    f = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(f) - f[3] - f[4]) / _TICK  # minus idle and iowait


def _rss_tree_mb(pid: int) -> float:
    """RSS of a process and all its descendants, in MB (from /proc)."""
    total = 0
    stack = _tree(pid)
    while stack:
        p = stack.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


class _RssSampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, _rss_tree_mb(self.pid))
            time.sleep(0.1)


async def _idle(page, quiet_ms: int = 400) -> None:
    """Wait until the page has rendered and no script has run for ``quiet_ms``."""
    await page.evaluate("() => { window.__geIdle = undefined; }")
    await page.wait_for_function(_IDLE, arg=quiet_ms, timeout=TIMEOUT_S * 1000, polling=50)


async def _timed_update(page, action) -> float:
    before = await page.evaluate(_SNAPSHOT)
    start = time.perf_counter()
    await action()
    await page.wait_for_function(_WAIT_UPDATE, arg=before, timeout=TIMEOUT_S * 1000,
                                 polling=10)
    return time.perf_counter() - start


SHOTS: Path | None = None  # --shots DIR: a screenshot of the page at each error


async def _shot(page, name: str) -> None:
    if SHOTS is None:
        return
    try:
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / f"{name}.png"), timeout=TIMEOUT_S * 1000)
    except Exception:  # noqa: BLE001 - a diagnostic only
        pass


RETYPED: list[str] = []  # inputs whose typed value the page reset before Enter


async def _type(box, text: str) -> None:
    """Type ``text`` and press Enter, as a person would: if the page redraws the input
    (a rerun still arriving) and resets what was typed, type it again (counted)."""
    for _ in range(3):
        await box.fill(text)
        if await box.input_value() == text:
            break
        RETYPED.append(text)
    await box.press("Enter")


async def _app_session(browser, url: str, idx: int, rounds: int, lat: list, errors: list):
    ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
    ctx.set_default_timeout(TIMEOUT_S * 1000)  # clicks and fills too, not Playwright's 30 s
    page = await ctx.new_page()
    try:
        for r in range(rounds):
            text = FUNCTIONS[(idx + r) % len(FUNCTIONS)]
            # the Function page: type a function
            await page.goto(url + "/", timeout=TIMEOUT_S * 1000)
            await _idle(page)
            box = page.get_by_role("textbox", name="f =")

            async def type_fn(box=box, text=text):
                await _type(box, text)

            lat.append(("function: type f", await _timed_update(page, type_fn)))
            # every other page: open it, then move the point (first number input)
            links = page.locator("[data-testid='stSidebarNav'] a")
            n_links = await links.count()
            if n_links < 2:
                errors.append(f"session {idx}: no page links found")
            for i in range(1, n_links):
                slug = (await links.nth(i).get_attribute("href") or "").rstrip("/")
                slug = slug.split("?")[0].rsplit("/", 1)[-1]
                await links.nth(i).click()
                try:  # the page has changed before its content is waited for
                    await page.wait_for_url(
                        lambda u, s=slug: u.split("?")[0].rstrip("/").endswith("/" + s))
                except Exception:  # noqa: BLE001 - counted and reported
                    errors.append(f"session {idx}: the link to /{slug} did not open it")
                    await _shot(page, f"app-{idx}-no-navigation-{slug}")
                    continue
                await page.wait_for_timeout(200)
                await _idle(page)
                if await page.locator("[data-testid='stException']").count():
                    errors.append(f"session {idx}: exception shown on page {i}")
                if slug in NO_POINT_PAGES:
                    continue
                field = page.locator(
                    "[data-testid='stMain'] input[type='number']:not([disabled]):visible").first
                try:  # under load the page may still be drawing: wait, never skip silently
                    await field.wait_for(timeout=TIMEOUT_S * 1000)
                except Exception:  # noqa: BLE001 - counted and reported
                    errors.append(f"session {idx}: no point input on page {i} ({page.url})")
                    await _shot(page, f"app-{idx}-no-input-page-{i}")
                    continue

                async def move(field=field, r=r, i=i):  # a new value on every page
                    value = 0.5 + r + idx % 3 + 0.25 * i
                    try:  # never the value shown: typing it again would change nothing
                        if abs(float(await field.input_value()) - value) < 1e-9:
                            value += 0.5
                    except ValueError:
                        pass
                    await _type(field, f"{value:g}")

                lat.append((f"{slug}: move point", await _timed_update(page, move)))
    except Exception as err:  # noqa: BLE001 - counted and reported
        errors.append(f"session {idx} at {page.url}: {type(err).__name__}: {str(err)[:80]}")
        await _shot(page, f"app-{idx}-{type(err).__name__}")
    finally:
        await ctx.close()


async def _minimal_session(browser, url: str, idx: int, rounds: int, lat: list,
                           errors: list):
    ctx = await browser.new_context()
    ctx.set_default_timeout(TIMEOUT_S * 1000)
    page = await ctx.new_page()
    try:
        await page.goto(url, timeout=TIMEOUT_S * 1000)
        await _idle(page)
        box = page.get_by_role("textbox", name="f =")
        for r in range(rounds * 4):
            async def type_fn(r=r):
                await _type(box, FUNCTIONS[(idx + r) % len(FUNCTIONS)] + " " * (r % 2))

            lat.append(("minimal: type f", await _timed_update(page, type_fn)))
    except Exception as err:  # noqa: BLE001
        errors.append(f"minimal {idx}: {type(err).__name__}: {str(err)[:120]}")
    finally:
        await ctx.close()


async def _run(script: str, n: int, rounds: int, session) -> dict:
    proc, url = start_server(script)
    sampler = _RssSampler(proc.pid)
    sampler.start()
    lat: list[tuple[str, float]] = []  # (what was timed, seconds)
    errors: list[str] = []
    busy0, wall0 = _machine_busy_s(), time.perf_counter()
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            await asyncio.gather(*(session(browser, url, i, rounds, lat, errors)
                                   for i in range(n)))
            await browser.close()
        wall, busy = time.perf_counter() - wall0, _machine_busy_s() - busy0
        server_cpu = _cpu_tree_s(proc.pid)
        time.sleep(2)
        settled = _rss_tree_mb(proc.pid)
    finally:
        sampler.stop.set()
        proc.terminate()
        proc.wait(timeout=20)
    p50, p95 = _p50_p95([s for _, s in lat])
    by_step = {label: _p50_p95([s for lb, s in lat if lb == label])
               for label in dict.fromkeys(lb for lb, _ in lat)}
    return {"n": n, "p50": p50, "p95": p95, "by_step": by_step,
            "count": len(lat), "errors": errors, "peak_mb": sampler.peak,
            "settled_mb": settled, "wall_s": wall, "busy_s": busy, "server_cpu_s": server_cpu}


def _p50_p95(xs: list[float]) -> tuple[float, float]:
    if not xs:
        return float("nan"), float("nan")
    if len(xs) == 1:
        return xs[0], xs[0]
    return statistics.median(xs), statistics.quantiles(xs, n=20)[18]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, nargs="*", default=[1, 5, 10, 20])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--shots", type=Path, help="save a screenshot of the page at each error")
    args = ap.parse_args()
    global SHOTS
    SHOTS = args.shots
    print(f"{'N':>3} {'target':8} {'p50 s':>7} {'p95 s':>7} {'inputs':>6} {'errors':>6} "
          f"{'peak MB':>8} {'after MB':>8} {'wall s':>7} {'server CPU':>10} {'all CPU':>8}")
    for n in args.sessions:
        app = asyncio.run(_run("app.py", n, args.rounds, _app_session))
        base = asyncio.run(_run("bench/minimal_app.py", n, args.rounds, _minimal_session))
        for name, r in (("app", app), ("minimal", base)):
            print(f"{n:>3} {name:8} {r['p50']:7.2f} {r['p95']:7.2f} {r['count']:>6} "
                  f"{len(r['errors']):>6} {r['peak_mb']:8.0f} {r['settled_mb']:8.0f} "
                  f"{r['wall_s']:7.1f} {r['server_cpu_s']:9.1f}s {r['busy_s']:7.1f}s")
        ratio = app["p95"] / base["p95"] if base["p95"] else float("nan")
        rss_target = 300 if n == 1 else 1024
        verdicts = [f"p95 ratio to minimal {ratio:.2f}"
                    + (" (target ≤ 1.5)" if n >= 10 else ""),
                    f"peak RSS {app['peak_mb']:.0f} MB (target < {rss_target} MB) "
                    + ("PASS" if app["peak_mb"] < rss_target else "FAIL"),
                    f"errors {len(app['errors'])}" + (" (target 0)" if n >= 20 else "")]
        print("    " + "; ".join(verdicts))
        if RETYPED:
            print(f"    re-typed {len(RETYPED)} inputs a page reset before Enter")
            RETYPED.clear()
        print("    app by step (p50/p95 s): " + "; ".join(
            f"{label} {a:.2f}/{b:.2f}" for label, (a, b) in app["by_step"].items()))
        for e in app["errors"][:5]:
            print("    error:", e)


if __name__ == "__main__":
    main()
