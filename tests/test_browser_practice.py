"""Real-browser tests of the Practice page: Playwright + Debian's Chromium against
`streamlit run app.py`."""

import re

import pytest
from conftest import latex_texts, submit_text, wait_for_app, wait_for_latex
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_correct_answer_to_the_first_exercise_with_enter(page, app_url):
    page.goto(app_url + "/practice")
    wait_for_app(page)
    wait_for_latex(page, "x^{2} + y^{2}")
    box = page.get_by_role("textbox", name="∂f/∂x =")
    submit_text(box, "2x")  # Enter submits the form
    expect(page.get_by_text("Correct!")).to_be_visible(timeout=30_000)
    wait_for_latex(page, r"\frac{\partial f}{\partial x} = 2 x")
    assert not page.get_by_text("Could not read this answer").count()


def test_wrong_then_unparseable_answer_feedback(page, app_url):
    page.goto(app_url + "/practice")
    wait_for_app(page)
    box = page.get_by_role("textbox", name="∂f/∂x =")
    box.fill("2y")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text("not ∂f/∂x")).to_be_visible(timeout=30_000)
    submit_text(box, "2x +")
    expect(page.get_by_text("Could not read this answer")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("not ∂f/∂x")).to_have_count(0)


def test_generated_set_from_the_link(page, app_url):
    page.goto(app_url + "/practice?pset=42&plevel=2")
    wait_for_app(page)
    expect(page.get_by_text("Set 42 · level 2")).to_be_visible(timeout=30_000)
    expect(page).to_have_url(re.compile(r"pset=42"))
    assert any(r"\text{1.}" in t for t in latex_texts(page))
