"""Real-browser tests of the Gradient field page: Plotly draws in Chromium and a click on
the contour map moves the shared point (and the link's ``p=``)."""

from urllib.parse import parse_qs

import pytest
from conftest import submit_text, wait_for_app

pytestmark = pytest.mark.browser

BOWL = "x%5E2%20%2B%20y%5E2"


def _query(page) -> dict[str, str]:
    # Streamlit updates the address with history.replaceState, which Playwright's page.url
    # does not always follow: read the live location instead
    search = page.evaluate("() => window.location.search")
    return {k: v[-1] for k, v in parse_qs(search.lstrip("?")).items()}


def _metric(page, label: str) -> str:
    return page.evaluate(
        """label => {
            for (const m of document.querySelectorAll("[data-testid='stMetric']")) {
                const l = m.querySelector("[data-testid='stMetricLabel']");
                if (l && l.textContent.trim() === label)
                    return m.querySelector("[data-testid='stMetricValue']").textContent;
            }
            return null;
        }""", label)


def _open(page, app_url: str, query: str) -> None:
    page.goto(f"{app_url}/field?{query}")
    wait_for_app(page)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)


def test_contour_map_is_drawn_with_its_arrows(page, app_url):
    _open(page, app_url, f"f={BOWL}&p=1,2")
    # contour, arrows and the point are SVG paths inside Plotly's plot area
    page.wait_for_selector(".js-plotly-plot .contourlayer path", timeout=20_000)
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() >= 5
    assert _metric(page, "angle to level curve") == "90.0°"
    assert _query(page)["dens"] == "20"


def _click_map(page, fx: float, fy: float) -> None:
    """Click the contour map at a fraction (fx, fy) of its plot area (from top left)."""
    wait_for_app(page)  # not while a rerun is redrawing the map
    page.wait_for_selector(".js-plotly-plot .nsewdrag", timeout=20_000)
    box = page.locator(".js-plotly-plot .nsewdrag").first.bounding_box()
    x = box["x"] + fx * box["width"]
    y = box["y"] + fy * box["height"]
    page.mouse.move(x, y)
    page.wait_for_timeout(300)  # let Plotly register the hover before clicking
    page.mouse.click(x, y)


def _wait_for_point_change(page, old: str) -> list[float]:
    page.wait_for_function(
        "old => new URLSearchParams(window.location.search).get('p') !== old", arg=old,
        timeout=30_000)
    return [float(v) for v in _query(page)["p"].split(",")]


def test_click_on_the_map_moves_the_point(page, app_url):
    _open(page, app_url, f"f={BOWL}&p=1,2")
    assert _query(page)["p"] == "1,2"
    # window (-3, 3)²: this pixel is near (-1.5, -1.5), far from the point (1, 2)
    _click_map(page, 0.25, 0.75)
    px, py = _wait_for_point_change(page, "1,2")
    assert -2.2 < px < -0.8 and -2.2 < py < -0.8
    page.wait_for_function(
        "() => [...document.querySelectorAll(\"[data-testid='stMetricValue']\")]"
        ".some(e => e.textContent.startsWith('(−'))", timeout=20_000)
    assert _metric(page, "angle to level curve") == "90.0°"


def test_level_surface_is_drawn_for_three_variables(page, app_url):
    _open(page, app_url, "f=xyz&p=1,2,3&view=3d")
    page.wait_for_selector(".js-plotly-plot .gl-container canvas", timeout=30_000)
    assert _metric(page, "angles(∇f(a), surface)") == "90.0° and 90.0°"


def test_clicking_the_same_spot_again_after_typing_a_point_still_works(page, app_url):
    _open(page, app_url, f"f={BOWL}&p=1,2")
    _click_map(page, 0.25, 0.75)
    _wait_for_point_change(page, "1,2")
    clicked = _query(page)["p"]
    box = page.get_by_label("x", exact=True)
    submit_text(box, "0.5")
    assert _wait_for_point_change(page, clicked)[0] == 0.5
    typed = _query(page)["p"]
    _click_map(page, 0.25, 0.75)  # the very same pixel as the first click
    _wait_for_point_change(page, typed)
    assert _query(page)["p"] == clicked


def test_click_on_a_slice_keeps_the_slice_coordinate(page, app_url):
    _open(page, app_url, "f=xyz&p=1,2,3")
    _click_map(page, 0.25, 0.75)
    px, py, pz = _wait_for_point_change(page, "1,2,3")
    assert px < 0 and py < 0 and pz == 3


_CUT_METRICS = """() => [...document.querySelectorAll("[data-testid='stMetricValue']")]
    .filter(v => { const t = v.querySelector('div') || v;
                   return t.scrollWidth > t.clientWidth + 1 || v.scrollWidth > v.clientWidth + 1; })
    .map(v => v.textContent)"""


@pytest.mark.parametrize("query", [
    "f=xyz&p=1.5,-2.25,0.5",
    f"f={BOWL}&p=1.25,-0.75",
    "f=(x%5E2%20%2B%20y%20-%2011)%5E2%20%2B%20(x%20%2B%20y%5E2%20-%207)%5E2&p=0.5,-1.5",
])
def test_regression_numbers_under_the_map_are_not_cut_on_a_small_laptop(page, app_url, query):
    # five metrics in equal columns of a 724 px main area (1024 px, sidebar open) showed
    # a = "(1.5, …", ∇f(a) = "(−1.12…": the numbers a student needs, cut off
    page.set_viewport_size({"width": 1024, "height": 768})
    _open(page, app_url, query)
    page.wait_for_selector("[data-testid='stMetricValue']", timeout=30_000)
    assert page.evaluate(_CUT_METRICS) == []
    assert _metric(page, "a").startswith("(")
