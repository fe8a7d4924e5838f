"""Take the README's screenshot (and projector-mode screenshots of every page):

    python bench/screenshot.py            # writes docs/screenshot.png
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import CHROMIUM, CHROMIUM_FLAGS, start_server, wait_for_app  # noqa: E402


def main() -> None:
    proc, url = start_server()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(url + "/?f=3xy%20%2B%20y%5E2")
            wait_for_app(page)
            page.wait_for_timeout(1000)
            (ROOT / "docs").mkdir(exist_ok=True)
            page.screenshot(path=str(ROOT / "docs" / "screenshot.png"))
            browser.close()
    finally:
        proc.terminate()


if __name__ == "__main__":
    main()
