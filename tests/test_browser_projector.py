"""Projector mode in a real browser: every page at 1280×720, screenshots saved, and the
rendered figures and formulas measurably larger than in normal mode."""

import re
from pathlib import Path

import pytest
from conftest import ROOT, submit_text, wait_for_app
from playwright.sync_api import expect

import gradcore as gc

pytestmark = pytest.mark.browser

PAGES = [p.stem for p in sorted((ROOT / "pages").glob("*.py"))]
SHOTS = ROOT / "screenshots" / "projector"  # gitignored (pytest-playwright wipes test-results)

_FIGURE_FONT = """() => {
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  return plots.map(p => (p.layout && p.layout.font && p.layout.font.size) || 0);
}"""
_INPUT_PX = """() => {
  const sizes = [...document.querySelectorAll('[data-testid="stMain"] input')]
      .map(i => parseFloat(getComputedStyle(i).fontSize));
  return sizes.length ? Math.min(...sizes) : 0;
}"""
_KATEX_PX = """() => {
  const sizes = [...document.querySelectorAll('[data-testid="stMain"] .katex')]
      .map(k => parseFloat(getComputedStyle(k).fontSize));
  return sizes.length ? Math.max(...sizes) : 0;
}"""


def _open(page, url: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(url)
    wait_for_app(page)
    page.wait_for_timeout(800)  # let Plotly finish its first draw


@pytest.mark.parametrize("name", PAGES)
def test_projector_mode_is_larger_on_every_page(page, app_url, name):
    path = "" if name == "function" else name
    _open(page, f"{app_url}/{path}?f=x%5E2%20%2B%20y%5E2&p=1,2")
    normal_tex = page.evaluate(_KATEX_PX)
    normal_fig = page.evaluate(_FIGURE_FONT)
    normal_input = page.evaluate(_INPUT_PX)

    _open(page, f"{app_url}/{path}?f=x%5E2%20%2B%20y%5E2&p=1,2&proj=1")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)
    proj_tex = page.evaluate(_KATEX_PX)
    proj_fig = page.evaluate(_FIGURE_FONT)
    proj_input = page.evaluate(_INPUT_PX)

    if normal_tex:  # pages whose main area shows formulas
        assert proj_tex > normal_tex * 1.3, (normal_tex, proj_tex)
    if normal_input:  # what the class reads in the inputs: the function, the point
        assert proj_input >= normal_input * 1.3, (normal_input, proj_input)
    if proj_fig:
        assert min(proj_fig) >= 20, proj_fig
        assert min(proj_fig) > max(normal_fig or [0]), (normal_fig, proj_fig)
    assert Path(SHOTS / f"{name}.png").stat().st_size > 10_000
    # no traceback is ever shown to a visitor
    assert page.locator("[data-testid='stException']").count() == 0


_MAIN_FIGURE_BOX = """() => {
  const plot = document.querySelector('[data-testid="stMain"] .js-plotly-plot');
  if (!plot) return null;
  const parts = [...plot.querySelectorAll('.nsewdrag, .xtitle, .ytitle, .slider-container')];
  const boxes = parts.map(e => e.getBoundingClientRect()).filter(r => r.height > 0);
  return {top: Math.min(...boxes.map(r => r.top)), bottom: Math.max(...boxes.map(r => r.bottom))};
}"""
_VISIBLE_CONTROLS = """() => [...document.querySelectorAll(
    '[data-testid="stMain"] input, [data-testid="stMain"] [role="slider"]')]
  .filter(e => { const r = e.getBoundingClientRect();
                 return e.checkVisibility() && r.height > 0; }).length"""  # not folded away


@pytest.mark.parametrize(("path", "query"), [
    ("field", "f=x%5E2%20%2B%20y%5E2&p=1,2"),
    ("field", "f=xyz"),
    ("field", "f=x%5E3"),
    ("descent", "f=x%5E2%20%2B%20y%5E2&p=1,2"),
    ("descent", "f=(1%20-%20x)%5E2%20%2B%20100(y%20-%20x%5E2)%5E2"),
    ("descent", "f=xyz"),
    ("descent", "f=x%5E3"),
])
def test_regression_projected_figure_fits_the_first_screen(page, app_url, path, query):
    # at 1280×720 the main figures were 760 px tall and began below the settings (the
    # descent animation at ~1,040 px): the class never saw a whole figure
    _open(page, f"{app_url}/{path}?{query}")
    page.wait_for_selector("[data-testid='stMain'] input", timeout=30_000)
    normal_controls = page.evaluate(_VISIBLE_CONTROLS)
    _open(page, f"{app_url}/{path}?{query}&proj=1")
    page.wait_for_selector("[data-testid='stMain'] .js-plotly-plot .nsewdrag",
                           timeout=30_000)  # drawn, not only mounted (a loaded machine)
    box = page.evaluate(_MAIN_FIGURE_BOX)
    assert box is not None
    assert 0 <= box["top"] and box["bottom"] <= 720, box  # plot, axis titles, slider
    # fewer controls on screen: the settings are folded away (and still there)
    assert page.evaluate(_VISIBLE_CONTROLS) < normal_controls
    expect(page.get_by_text("Settings: optimizers" if path == "descent" else "Point a =")
           .first).to_be_visible()


def test_regression_folded_point_settings_stay_open_while_the_point_moves(page, app_url):
    # the expander's label shows the point, and an expander without a key snapped shut
    # when its label changed: after every move the inputs were hidden again
    _open(page, f"{app_url}/field?f=x%5E2%20%2B%20y%5E2&p=1,2&proj=1")
    page.get_by_text("Point a = (1, 2)").click()
    box = page.get_by_role("spinbutton", name="x", exact=True).first
    expect(box).to_be_visible(timeout=20_000)
    submit_text(box, "1.5")
    expect(page.get_by_text("Point a = (1.5, 2)")).to_be_visible(timeout=30_000)
    wait_for_app(page)
    expect(page.get_by_role("spinbutton", name="x", exact=True).first).to_be_visible()


def test_regression_folded_hyperparameters_keep_their_values(page, app_url):
    # in projector mode the hyperparameters sat in a popover inside the folded settings;
    # after any rerun its sliders came back at their minimum (momentum μ = 0) and a touch
    # wrote that into the run and the link
    _open(page, f"{app_url}/descent?f=x%5E2%20%2B%20y%5E2&p=1,2&proj=1")
    page.get_by_text("Settings: optimizers").first.click()
    lr = page.locator("[data-testid='stMain'] input[type=range]").filter(
        has=page.locator("xpath=self::*[@aria-label='learning rate η']")).first
    lr.focus()
    page.keyboard.press("ArrowRight")  # a rerun
    expect(page).to_have_url(re.compile(r"lr=0\.1[1-9]"), timeout=30_000)
    wait_for_app(page)
    values = {e.get_attribute("aria-label"): e.get_attribute("aria-valuetext")
              for e in page.locator("[data-testid='stMain'] input[type=range]").all()
              if e.is_visible()}
    assert values["momentum μ"] == "0.90", values
    assert values["β₂ (average of squared gradients)"] == "0.999", values
    assert "hp=" not in page.url


def _overlap(a: dict, b: dict) -> bool:
    return a["l"] < b["r"] and b["l"] < a["r"] and a["t"] < b["b"] and b["t"] < a["b"]


def _assert_clear(plot: dict, others: list[dict], ticks: list[dict]) -> None:
    """Each box of ``others`` (legend, buttons, colour bar…) is beside the plot and clear
    of the other boxes and of the tick labels."""
    for i, a in enumerate(others):
        assert not _overlap(a, plot), (a, plot)
        for b in others[i + 1:] + ticks:
            assert not _overlap(a, b), (a, b)


_DESCENT_PARTS = """() => {
  const plot = document.querySelector('[data-testid="stMain"] .js-plotly-plot');
  const box = s => [...plot.querySelectorAll(s)].map(e => {
      const r = e.getBoundingClientRect();
      return {l: r.left, r: r.right, t: r.top, b: r.bottom}; });
  return {plot: box('.nsewdrag')[0], legend: box('.legend'), buttons: box('.updatemenu-button'),
          slider: box('.slider-container'), ticks: box('.ytick text')};
}"""


def test_regression_projected_descent_plot_uses_the_screen(page, app_url):
    # the Play/Pause row and the slider sat under the x axis: with equal axes the plot
    # was then ~300 px square on a 720 px screen, with the right third empty
    _open(page, f"{app_url}/descent?f=x%5E2%20%2B%203y%5E2&p=1,2"
                "&opt=gd,momentum,nesterov,adam&proj=1")
    page.wait_for_selector("[data-testid='stMain'] .js-plotly-plot .nsewdrag", timeout=30_000)
    parts = page.evaluate(_DESCENT_PARTS)
    plot = parts["plot"]
    assert plot["b"] - plot["t"] >= 320, parts  # 276 px before
    assert plot["b"] <= 720, parts

    def check(parts):
        assert len(parts["buttons"]) == 2 and parts["legend"] and parts["slider"], parts
        _assert_clear(parts["plot"], parts["legend"] + parts["buttons"] + parts["slider"],
                      parts["ticks"])

    check(parts)
    # with the sidebar open (how a teacher changes pages in projector mode) the controls
    # sat left of the plot, over its y tick labels
    page.locator("[data-testid='stExpandSidebarButton']").first.click()
    page.wait_for_timeout(1500)
    check(page.evaluate(_DESCENT_PARTS))


_FIELD_PARTS = """() => {
  const plot = document.querySelector('[data-testid="stMain"] .js-plotly-plot');
  const box = s => [...plot.querySelectorAll(s)].map(e => {
      const r = e.getBoundingClientRect();
      return {l: r.left, r: r.right, t: r.top, b: r.bottom}; });
  return {plot: box('.nsewdrag')[0], legend: box('.legend'), bars: box('.colorbar'),
          ticks: box('.ytick text').concat(box('.xtick text'))};
}"""


@pytest.mark.parametrize("query", ["f=x%5E2%20%2B%203y&p=1,2", "f=xyz&arrows=unit"])
def test_regression_projected_field_map_uses_the_screen(page, app_url, query):
    # the legend sat under the x axis: with equal axes the map was ~325 px square at
    # 1280×720 (last stop's note: "about 300 px"); the legend now shares a column on the
    # right with the colour bar
    _open(page, f"{app_url}/field?{query}&proj=1")
    page.wait_for_selector("[data-testid='stMain'] .js-plotly-plot .nsewdrag", timeout=30_000)

    def check(parts, tall):
        plot = parts["plot"]
        assert plot["b"] - plot["t"] >= tall and plot["b"] <= 720, parts
        assert parts["legend"] and parts["bars"], parts
        _assert_clear(plot, parts["legend"] + parts["bars"], parts["ticks"])

    check(page.evaluate(_FIELD_PARTS), 380)  # ~300 px before
    page.locator("[data-testid='stExpandSidebarButton']").first.click()
    page.wait_for_timeout(1500)
    check(page.evaluate(_FIELD_PARTS), 250)  # narrower: smaller, never overlapping


_METRIC_PX = """() => [...document.querySelectorAll('[data-testid="stMetric"]')].map(m => {
  const px = s => parseFloat(getComputedStyle(m.querySelector(s + ' p') ||
                                              m.querySelector(s)).fontSize);
  return [px('[data-testid="stMetricLabel"]'), px('[data-testid="stMetricValue"]')]; })"""


def test_regression_projected_metric_values_are_the_largest_text(page, app_url):
    # teacher QA: projected, the paragraph rule made a metric's value (∇f(a) = (2, 3)) as
    # small as its label, 27.5 px each, smaller than in normal mode (36 px)
    _open(page, f"{app_url}/field?f=x%5E2%20%2B%203y&p=1,2&proj=1")
    page.wait_for_selector("[data-testid='stMetric']", timeout=30_000)
    sizes = page.evaluate(_METRIC_PX)
    assert sizes and all(value >= 40 and value >= 1.6 * label for label, value in sizes), sizes


@pytest.mark.parametrize("query", ["f=xyz&view=3d", "f=x%5E2%20%2B%20y%5E2&view=3d"])
def test_regression_projected_3d_views_fit_the_first_screen(page, app_url, query):
    # teacher QA 2: xyz's level-surface tab put the point inputs and the level slider above
    # the figure, whose lower 200 px (half the scene and the legend) fell below 720 px
    _open(page, f"{app_url}/field?{query}&proj=1")
    page.wait_for_selector("[data-testid='stMain'] .js-plotly-plot .main-svg",
                           timeout=30_000)
    page.wait_for_timeout(1000)
    box = page.evaluate("""() => {
      const r = document.querySelector('[data-testid="stMain"] .js-plotly-plot')
                .getBoundingClientRect();
      return {top: r.top, bottom: r.bottom}; }""")
    assert 0 <= box["top"] and box["bottom"] <= 725, box
    assert page.evaluate(_VISIBLE_CONTROLS) == 0  # the point and the level are folded


_CAPTION_OPACITY = """() => [...document.querySelectorAll(
    '[data-testid="stMain"] [data-testid="stCaptionContainer"]')]
  .map(e => parseFloat(getComputedStyle(e).opacity))"""


def test_regression_projected_captions_are_not_washed_out(page, app_url):
    # teacher QA 2: grey captions (Streamlit draws them at 60 % opacity) were hard to
    # read on a projector
    _open(page, f"{app_url}/?f=x%5E2%20%2B%203y")
    normal = page.evaluate(_CAPTION_OPACITY)
    _open(page, f"{app_url}/?f=x%5E2%20%2B%203y&proj=1")
    projected = page.evaluate(_CAPTION_OPACITY)
    assert normal and projected  # the gallery's "From the text" is one
    assert max(normal) < 0.7 and min(projected) >= 0.85, (normal, projected)


@pytest.mark.parametrize("query", ["", "&pex=3", "&pset=7&plevel=4", "&pset=3&plevel=3&pex=2"])
def test_regression_projected_practice_check_is_on_the_first_screen(page, app_url, query):
    # teacher QA: projected, the answer boxes were stacked full width and Check fell
    # below 720 px (the class saw the boxes but not how to check them)
    _open(page, f"{app_url}/practice?proj=1{query}")
    check = page.get_by_role("button", name="Check")
    expect(check).to_be_visible(timeout=30_000)
    box = check.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 720, box
    boxes = page.locator("[data-testid='stMain'] input[placeholder='your answer']")
    assert boxes.count() >= 1
    for k in range(boxes.count()):
        r = boxes.nth(k).bounding_box()
        assert r["y"] + r["height"] <= 720 and r["width"] >= 250, r  # wide enough to read


_SWITCHES = """() => [...document.querySelectorAll(
    '[data-testid="stMain"] [data-testid="stCheckbox"]')]
  .map(e => { const s = e.querySelector('label > div').getBoundingClientRect();
              const t = e.querySelector('[data-testid="stWidgetLabel"]').getBoundingClientRect();
              return {height: s.height, right: s.right, gap: t.left - s.right,
                      off: Math.abs((s.top + s.bottom) / 2 - (t.top + t.bottom) / 2)}; })"""


def test_regression_projected_switches_are_as_large_as_their_labels(page, app_url):
    # teacher QA: the hint and solution switches stayed 44×22 px beside 27 px labels and
    # sat above them
    _open(page, f"{app_url}/practice")
    normal = page.evaluate(_SWITCHES)
    _open(page, f"{app_url}/practice?proj=1")
    projected = page.evaluate(_SWITCHES)
    assert len(projected) >= 4 and len(normal) == len(projected)
    for n, p in zip(normal, projected, strict=True):
        assert p["height"] >= 1.3 * n["height"], (n, p)
        assert p["off"] <= 4 and p["gap"] >= 4, p  # centred on the label, not over it


_CUT_BUTTON_LABELS = """() => [...document.querySelectorAll('[data-testid="stMain"] button')]
  .filter(b => b.checkVisibility())
  .filter(b => [b, ...b.querySelectorAll('*')].some(
      e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflow !== 'visible'))
  .map(e => e.textContent)"""


@pytest.mark.parametrize(("query", "width"), [("?proj=1", 1280), ("?proj=1", 1024),
                                             ("", 1024), ("", 800)])
def test_regression_projected_gallery_labels_are_whole(page, app_url, query, width):
    # teacher QA 2: projected, the gallery's long names were cut ("Ill-conditioned b…");
    # in a narrow window too
    _open(page, f"{app_url}/{query}")
    page.set_viewport_size({"width": width, "height": 720})
    expect(page.get_by_role("button", name="Absolute values |x| + |y|")).to_be_visible()
    page.wait_for_timeout(300)
    assert page.evaluate(_CUT_BUTTON_LABELS) == []
    # a wrapped name keeps its row in line: the buttons start on as many lines as there
    # are rows (one set of columns per row, not one column each holding every 4th)
    tops = page.evaluate("""() => [...document.querySelectorAll('[class*="st-key-ex_"] button')]
      .filter(b => b.checkVisibility() && b.getBoundingClientRect().height > 0)
      .map(b => Math.round(b.getBoundingClientRect().top))""")
    per_row = 3 if "proj" in query else 4
    seed = sum(1 for ex in gc.GALLERY if ex.source == "seed")
    rows = -(-seed // per_row) + -(-(len(gc.GALLERY) - seed) // per_row)
    assert len(tops) == len(gc.GALLERY) and len(set(tops)) == rows, tops
