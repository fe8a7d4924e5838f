"""Real-browser tests: Playwright + Debian's Chromium against `streamlit run app.py`."""

import re

import pytest
from conftest import latex_texts, submit_text, wait_for_app
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_app_loads_types_a_function_and_shows_its_latex(page, app_url):
    page.goto(app_url)
    wait_for_app(page)
    box = page.get_by_role("textbox", name="f =")
    submit_text(box, "3xy + y^2")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.katex-mathml annotation')]"
        ".some(e => e.textContent.includes('3 x y'))", timeout=20_000)
    assert any("3 x y + y^{2}" in t for t in latex_texts(page))
    expect(page).to_have_url(re.compile(r"f=3xy"))


def test_invalid_function_shows_error_and_keeps_the_last_valid_one(page, app_url):
    page.goto(app_url + "/?f=xyz")
    wait_for_app(page)
    box = page.get_by_role("textbox", name="f =")
    submit_text(box, "x + foo(y)")
    expect(page.get_by_text("unknown name 'foo'")).to_be_visible(timeout=20_000)
    assert any("x y z" in t for t in latex_texts(page))


def test_share_link_opens_the_function(page, app_url):
    page.goto(app_url + "/?f=e%5E(x%5E2%20y)")
    wait_for_app(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.katex-mathml annotation')]"
        ".some(e => e.textContent.includes('e^{x^{2} y}'))", timeout=20_000)


@pytest.mark.parametrize("delay_ms", [0, 150])
def test_regression_a_typed_function_survives_an_immediate_page_change(page, app_url,
                                                                       delay_ms):
    # Enter, then a click on another page before the new function was analysed (~1 s):
    # the navigation ended the rerun that was applying it, and the function was lost
    # (the page explored the previous one, the box showed the old text)
    import random

    k = random.randint(10, 10**6)  # never analysed before in this server
    text = f"(sin(x)+cos(y))^(tan(x y)+{k}) + atan2(y^x, x^y) * sigmoid(x y)^(x+y)"
    page.goto(app_url + "/?f=x%5E2%2By%5E2")
    wait_for_app(page)
    box = page.get_by_role("textbox", name="f =")
    submit_text(box, text)
    page.wait_for_timeout(delay_ms)
    page.get_by_role("link", name="Partial derivatives").first.click()
    expect(page).to_have_url(re.compile(r"/partials\?.*f=.*tan"), timeout=30_000)
    wait_for_app(page)
    page.get_by_role("link", name="Function").first.click()
    wait_for_app(page)
    expect(page.get_by_role("textbox", name="f =")).to_have_value(text, timeout=30_000)


@pytest.mark.parametrize("path", ["descent?f=xyz&p=1,2,1", "partials?f=xyz&p=1.5,-2.25,0.5"])
def test_regression_wide_tables_scroll_in_their_box_on_a_phone(page, app_url, path):
    # the first-steps table for three variables was 1,143 px wide on a 360 px phone: the
    # whole page slid sideways, headings and text off the left edge
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{app_url}/{path}")
    wait_for_app(page)
    page.wait_for_selector("[data-testid='stMarkdownContainer'] table", timeout=30_000)
    page.wait_for_timeout(500)
    overflow = page.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMain"]');
        return main.scrollWidth - main.clientWidth; }""")
    assert overflow <= 1


@pytest.mark.parametrize(("path", "trace"), [
    ("field", '"type":"contour"'),
    ("partials", '"type":"scatter"'),
    ("descent", '"type":"scatter"'),
])
def test_figures_download_as_standalone_interactive_html(page, app_url, path, trace,
                                                         tmp_path):
    # exports: the HTML must work offline (plotly.js inside) and hold the figure itself
    page.goto(f"{app_url}/{path}?f=x%5E2%20%2B%203y&p=1,2")
    wait_for_app(page)
    page.wait_for_selector("[data-testid='stMain'] .js-plotly-plot .main-svg",
                           timeout=30_000)  # the page has drawn: its rerun is over
    button = page.get_by_role("button", name="Download as interactive HTML").first
    expect(button).to_be_visible(timeout=30_000)
    download = None
    for _ in range(3):  # a click the page's last rerun swallowed (a loaded machine) again
        try:
            with page.expect_download(timeout=20_000) as info:
                button.click()
            download = info.value
            break
        except PlaywrightTimeoutError:
            continue
    assert download is not None, "no download after 3 clicks"
    assert download.suggested_filename.endswith(".html")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    html = target.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "<script src=" not in html  # nothing fetched from a CDN
    assert len(html) > 3_000_000 and "Plotly.newPlot" in html  # the bundle, then the plot
    assert trace in html.replace(" ", "")
