"""Real-browser test of the Gradient descent page in Chromium against `streamlit run app.py`:
the animation's Play control is inside the Plotly figure, playing it moves the iterates
without breaking the page, and clicking the map moves the start."""

import re

import pytest
from conftest import latex_texts, submit_text, wait_for_app, wait_for_latex
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

URL = "/descent?f=x%5E2%20%2B%2020y%5E2&p=1,2&opt=gd,momentum,adam"


def animation(page):
    """The Plotly figure that has the Play / Pause menu."""
    plot = page.locator(".js-plotly-plot").filter(has=page.locator(".updatemenu-button"))
    expect(plot).to_have_count(1, timeout=30_000)
    return plot


def current_step(plot) -> str:
    return plot.locator("text.slider-label", has_text="step k =").first.text_content() or ""


def no_error(page) -> None:
    assert page.get_by_text("Something went wrong").count() == 0
    assert page.locator("[data-testid='stException']").count() == 0


def test_play_control_exists_and_playing_does_not_break_the_page(page, app_url):
    page.goto(app_url + URL)
    wait_for_app(page)
    wait_for_latex(page, r"\theta_{k+1} = \theta_k - \eta")
    assert any(r"\theta_{k+1} = \theta_k - \eta" in t for t in latex_texts(page))
    plot = animation(page)
    play = plot.locator(".updatemenu-button", has_text="Play")
    expect(play).to_have_count(1)
    expect(plot.locator(".updatemenu-button", has_text="Pause")).to_have_count(1)
    # the chart rendered: the contour map (an image and level lines), one path per optimizer
    expect(plot.locator(".main-svg image")).to_have_count(1)
    traces = plot.locator(".scatterlayer .trace")
    expect(traces).not_to_have_count(0)
    n_traces = traces.count()
    legend = plot.locator(".legendtext").all_text_contents()
    assert any(t.startswith("Gradient descent (η") for t in legend)
    assert any(t.startswith("Adam (η") for t in legend)
    assert "step k = 0" in current_step(plot)

    play.click()
    page.wait_for_function(  # by selector: survives a redraw of the chart
        "() => [...document.querySelectorAll('.js-plotly-plot text.slider-label')].some("
        "t => /step k = [1-9]/.test(t.textContent))", timeout=30_000)
    plot.locator(".updatemenu-button", has_text="Pause").click()
    paused = current_step(plot)
    assert re.search(r"k = [1-9]\d*", paused)
    # regression: Plotly dropped the contour trace on the first frame (a blank map)
    expect(plot.locator(".main-svg image")).to_have_count(1)
    assert traces.count() == n_traces
    no_error(page)
    # still a working page: a widget change reruns and redraws the figure
    start_x = page.get_by_label("start x₀", exact=True).and_(page.get_by_role("spinbutton"))
    submit_text(start_x, "-1")
    expect(page).to_have_url(re.compile(r"p=-1(%2C|,)2"), timeout=15_000)
    animation(page)
    no_error(page)


def test_clicking_the_map_moves_the_start(page, app_url):
    page.goto(app_url + URL)
    wait_for_app(page)
    plot = animation(page)
    plot.scroll_into_view_if_needed()
    box = plot.locator(".nsewdrag").first.bounding_box()
    assert box is not None
    # a point in the lower-left quarter of the map: x < 0 and y < 0
    x, y = box["x"] + 0.25 * box["width"], box["y"] + 0.75 * box["height"]
    page.mouse.move(x, y)
    expect(plot.locator(".hovertext", has_text="click to start here")).to_have_count(1)
    page.mouse.click(x, y)
    expect(page).to_have_url(re.compile(r"p=-[\d.]+(%2C|,)-[\d.]+"), timeout=15_000)
    x0 = page.get_by_label("start x₀", exact=True).and_(page.get_by_role("spinbutton"))
    expect(x0).to_have_value(re.compile(r"^-\d"), timeout=15_000)  # the input follows
    no_error(page)


def test_regression_the_map_keeps_its_size_on_a_phone(page, app_url):
    # the legend sat right of the plot: its long labels ("Nesterov momentum (η = 0.05)")
    # squeezed the equal-axes map to 64 px wide on a 360 px phone
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(app_url + "/descent?f=x%5E2%20%2B%203y%5E2&p=1,2&opt=gd,momentum,nesterov,adam")
    wait_for_app(page)
    plot = animation(page)
    plot.scroll_into_view_if_needed()
    box = plot.locator(".nsewdrag").first.bounding_box()
    assert box is not None and box["width"] >= 200, box
    slider = plot.locator(".slider-container").first.bounding_box()
    buttons = [b.bounding_box() for b in plot.locator(".updatemenu-button").all()]
    assert all(b["y"] + b["height"] <= slider["y"] + 1 for b in buttons)  # clear of them


def test_regression_clicking_the_map_after_play_moves_the_start(page, app_url):
    # after Play a click on the map did nothing: Plotly recomputed every trace on each
    # frame but redrew only the moving one, and its click-to-select failed on the others
    page.goto(app_url + URL)
    wait_for_app(page)
    plot = animation(page)
    plot.scroll_into_view_if_needed()
    plot.locator(".updatemenu-button", has_text="Play").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot text.slider-label')].some("
        "t => /step k = [1-9]/.test(t.textContent))", timeout=30_000)
    plot.locator(".updatemenu-button", has_text="Pause").click()
    box = plot.locator(".nsewdrag").first.bounding_box()
    x, y = box["x"] + 0.25 * box["width"], box["y"] + 0.75 * box["height"]
    page.mouse.move(x, y)
    expect(plot.locator(".hovertext", has_text="click to start here")).to_have_count(1)
    page.mouse.click(x, y)
    expect(page).to_have_url(re.compile(r"p=-[\d.]+(%2C|,)-[\d.]+"), timeout=15_000)
    no_error(page)
