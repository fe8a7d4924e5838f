"""Real-browser test of the Partial derivatives page: its LaTeX renders with KaTeX in
Chromium against `streamlit run app.py`."""

import re

import pytest
from conftest import latex_texts, submit_text, wait_for_app
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

GRADIENT_AT_1_2 = r"\nabla f\left(1, 2\right) = \left[\begin{matrix}2\\4\end{matrix}\right]"


def wait_for_tex(page, needle: str, timeout: float = 30_000) -> None:
    page.wait_for_function(
        "(needle) => [...document.querySelectorAll('.katex-mathml annotation')]"
        ".some(e => e.textContent.includes(needle))", arg=needle, timeout=timeout)


def test_partials_page_renders_the_seed_example(page, app_url):
    page.goto(app_url + "/partials?f=x%5E2%20%2B%20y%5E2&p=1,2")
    wait_for_app(page)
    wait_for_tex(page, GRADIENT_AT_1_2)
    tex = latex_texts(page)
    assert any(GRADIENT_AT_1_2 in t for t in tex)
    assert any(r"\frac{\partial f}{\partial x} = 2 x" in t for t in tex)
    assert any(r"\sqrt{20}" in t for t in tex)
    # KaTeX really rendered (no error boxes)
    assert page.locator(".katex-error").count() == 0
    assert page.locator(".katex").count() >= 10
    expect(page).to_have_url(re.compile(r"/partials\?.*p=1(%2C|,)2"))


def test_changing_the_point_in_the_browser(page, app_url):
    page.goto(app_url + "/partials?f=3xy%20%2B%20y%5E2&p=1,2")
    wait_for_app(page)
    wait_for_tex(page, r"\left[\begin{matrix}6\\7\end{matrix}\right]")
    box = page.get_by_label("x =", exact=True)
    submit_text(box, "2")
    wait_for_tex(page, r"\nabla f\left(2, 2\right) = \left[\begin{matrix}6\\10\end{matrix}"
                       r"\right]")
    expect(page).to_have_url(re.compile(r"p=2(%2C|,)2"))


_CUT_FORMULAS = """() => [...document.querySelectorAll('[data-testid="stMain"] .katex-display')]
  .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 4)
  .map(e => (e.querySelector('annotation') || {}).textContent)"""


@pytest.mark.parametrize(("width", "f", "p"), [
    (1280, "sqrt(x%5E2%2By%5E2%2Bz%5E2)", "1,2,1"),  # a curated Practice function
    (1280, "x%5E2%2By%5E2", "1,2"),
    (800, "x%5E2%2By%5E2", "1,2"),  # the seed's examples in a narrow window
    (800, "3xy%2By%5E2", "1,2"),
    (800, "xyz", "1,2,3"),
])
def test_regression_formulas_at_the_point_are_not_cut_off(browser, app_url, width, f, p):
    # teacher QA 3: in two columns "‖∇f(1,2)‖ = √(2²+4²) = " ended at the column's edge
    # (its value, √20 = 2√5 ≈ 4.47214, scrolled out of sight), "∂f/∂y(1,2) = 3x+2y = 3·1"
    # read as if the value were 3
    ctx = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = ctx.new_page()
        page.goto(f"{app_url}/partials?f={f}&p={p}")
        wait_for_app(page)
        wait_for_tex(page, r"\right\| = ")
        assert page.evaluate(_CUT_FORMULAS) == []
    finally:
        ctx.close()
