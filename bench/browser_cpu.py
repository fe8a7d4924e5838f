"""What one browser session costs the machine, step by step: the CPU seconds Chromium and
the server spend on each step of bench/load.py's app session (open the app, type a
function, open every page and move the point there) and of its minimal session (open the
one-formula page, type 4 functions), in the same run.

    python bench/browser_cpu.py               # 2 sessions of each, medians
    python bench/browser_cpu.py --sessions 3

Why it matters: with N sessions on 2 cores, bench/load.py's browsers and server share the
CPU, so each input's latency grows with the CPU work queued by every session; once the
machine is saturated the app-to-minimal latency ratio follows the ratio of their CPU per
session printed here (measured: ratios 6-9 at N = 5-20 when it was ~4; see the README).
A single session is quiet enough to compare changes in a few seconds, which the N = 20
run, varying by 2x from run to run, is not. Bounded: fixed steps, every wait has a
timeout, only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
from pathlib import Path

from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_FLAGS,
    FUNCTIONS,
    NO_POINT_PAGES,
    TIMEOUT_S,
    _cpu_tree_s,
    _idle,
    _timed_update,
    _tree,
    _type,
    start_server,
)

MOVES = 3  # point moves per page (the median is reported)


def _browser_cpu_s(server_pid: int) -> float:
    """CPU seconds of this script's descendants except the server: Playwright's driver
    and the Chromium it launched (their processes come and go; each is read live)."""
    server = set(_tree(server_pid))
    total = 0
    for p in _tree(os.getpid())[1:]:
        if p in server:
            continue
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime stime (the live process)
    return total / os.sysconf("SC_CLK_TCK")


class _Meter:
    """CPU seconds (browser, server) and latency since the last reading."""

    def __init__(self, server_pid: int):
        self.pid = server_pid
        self.rows: list[tuple[str, float, float, float | None]] = []
        self._last = self._now()

    def _now(self) -> tuple[float, float]:
        return _browser_cpu_s(self.pid), _cpu_tree_s(self.pid)

    def mark(self, step: str, latency: float | None = None) -> None:
        now = self._now()
        self.rows.append((step, now[0] - self._last[0], now[1] - self._last[1], latency))
        self._last = now


async def _app(page, url: str, meter: _Meter, idx: int) -> None:
    await page.goto(url + "/", timeout=TIMEOUT_S * 1000)
    await _idle(page)
    meter.mark("open the app")
    box = page.get_by_role("textbox", name="f =")
    text = FUNCTIONS[idx % len(FUNCTIONS)]
    lat = await _timed_update(page, lambda: _type(box, text))
    await _idle(page)
    meter.mark("type f", lat)
    links = page.locator("[data-testid='stSidebarNav'] a")
    for i in range(1, await links.count()):
        slug = (await links.nth(i).get_attribute("href") or "").split("?")[0].rstrip("/")
        slug = slug.rsplit("/", 1)[-1]
        await links.nth(i).click()
        await page.wait_for_url(lambda u, s=slug: u.split("?")[0].rstrip("/").endswith(s))
        await page.wait_for_timeout(200)
        await _idle(page)
        meter.mark(f"open {slug}")
        if slug in NO_POINT_PAGES:
            continue
        field = page.locator(
            "[data-testid='stMain'] input[type='number']:not([disabled]):visible").first
        await field.wait_for(timeout=TIMEOUT_S * 1000)
        for k in range(MOVES):
            value = f"{float(await field.input_value()) + 0.25 * (k + 1):g}"
            lat = await _timed_update(page, lambda v=value, box=field: _type(box, v))
            await _idle(page)
            meter.mark(f"{slug}: move point", lat)


async def _minimal(page, url: str, meter: _Meter, idx: int) -> None:
    await page.goto(url, timeout=TIMEOUT_S * 1000)
    await _idle(page)
    meter.mark("open the app")
    box = page.get_by_role("textbox", name="f =")
    for r in range(4):
        text = FUNCTIONS[(idx + r) % len(FUNCTIONS)] + " " * (r % 2)
        lat = await _timed_update(page, lambda t=text: _type(box, t))
        await _idle(page)
        meter.mark("type f", lat)


async def _measure(script: str, session, sessions: int) -> list[list[tuple]]:
    proc, url = start_server(script)
    out = []
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            for idx in range(sessions + 1):  # the first warms the server's caches: dropped
                ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
                ctx.set_default_timeout(TIMEOUT_S * 1000)
                page = await ctx.new_page()
                meter = _Meter(proc.pid)
                await session(page, url, meter, idx)
                await ctx.close()  # (its processes' CPU is read while they live)
                if idx:
                    out.append(meter.rows)
            await browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return out


def _report(name: str, runs: list[list[tuple]]) -> tuple[float, float]:
    """Print the median CPU per step (moves: per move) and return the totals of a session
    of bench/load.py, which takes each step once."""
    steps = list(dict.fromkeys(r[0] for r in runs[0]))
    print(f"\n{name}: CPU seconds per step (median of {len(runs)} sessions)")
    print(f"  {'step':28} {'browser':>8} {'server':>8} {'latency':>8} {'count':>5}")
    browser = server = 0.0
    for step in steps:
        per_run = [[r for r in rows if r[0] == step] for rows in runs]
        count = len(per_run[0])
        b = statistics.median(sum(r[1] for r in rs) / count for rs in per_run)
        s = statistics.median(sum(r[2] for r in rs) / count for rs in per_run)
        lats = [r[3] for rs in per_run for r in rs if r[3] is not None]
        lat = f"{statistics.median(lats):7.2f}s" if lats else " " * 8
        print(f"  {step:28} {b:7.2f}s {s:7.2f}s {lat} {count:>5}")
        browser, server = browser + b, server + s
    print(f"  {'a bench/load.py session':28} {browser:7.2f}s {server:7.2f}s   (each step once)")
    return browser, server


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=2)
    args = ap.parse_args()
    app = _report("app", asyncio.run(_measure("app.py", _app, args.sessions)))
    base = _report("minimal page",
                   asyncio.run(_measure("bench/minimal_app.py", _minimal, args.sessions)))
    ratio = (app[0] + app[1]) / (base[0] + base[1])
    print(f"\nCPU per session, app / minimal: {ratio:.2f} (browser {app[0] / base[0]:.2f}, "
          f"server {app[1] / base[1]:.2f}); bench/load.py's p95 ratio target is 1.5")


if __name__ == "__main__":
    main()
