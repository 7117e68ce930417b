"""Issue 11: on a 360 px phone, at normal text size and at 130%, "Log a walk" does not scroll
sideways and every quick choice ("20 min", "60 min"...) is whole on screen; the history
chart's "Minutes" label clears the numbers of its axis.
Screenshots: test-artifacts/screenshots/phone-360-walk-form-{100,130}.png,
phone-360-history-chart-{100,130}.png."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "walkback-demo"
SMALL_PHONE = {"width": 360, "height": 740}
TEXT_SIZES = [100, 130]


@pytest.fixture
def demo(transactional_db):
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)


@pytest.fixture
def small_phone(new_page):
    def make():
        # bypass_csp: the larger text is an injected style, which the site's CSP would refuse.
        page = new_page(phone=True, viewport=SMALL_PHONE, bypass_csp=True)
        log_in(page, "patient@demo.test", PASSWORD)
        return page

    return make


def _larger_text(page, text_size: int) -> None:
    """A browser's text size setting: the root font size, which Bootstrap's rem units follow."""
    if text_size != 100:
        page.add_style_tag(content=f"html {{ font-size: {text_size}% !important; }}")
    page.wait_for_timeout(100)


# Each quick choice's box and whether its text fits inside it.
CHOICES = """() => [...document.querySelectorAll('.chips .choice label')].map(label => {
  const box = label.getBoundingClientRect();
  return {text: label.innerText.trim(), left: box.left, right: box.right,
          clipped: label.scrollWidth > label.clientWidth + 1};
})"""


@pytest.mark.parametrize("text_size", TEXT_SIZES)
def test_quick_choices_wrap_on_a_small_phone(demo, small_phone, text_size):
    page = small_phone()
    page.goto("/me/walks/new/")
    _larger_text(page, text_size)
    if text_size == 130:
        assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "20.8px"
    screenshot(page, f"phone-360-walk-form-{text_size}")
    width = page.evaluate("window.innerWidth")
    assert width == 360
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    choices = page.evaluate(CHOICES)
    assert {"20 min", "60 min"} <= {choice["text"] for choice in choices}
    for choice in choices:
        assert choice["left"] >= 0 and choice["right"] <= width, choice
        assert not choice["clipped"], choice
    # Still a large touch target.
    heights = page.evaluate(
        "[...document.querySelectorAll('.chips .choice label')]"
        ".map(l => l.getBoundingClientRect().height)"
    )
    assert min(heights) >= 44


# The boxes of the chart's "Minutes" label and of the numbers on its axis, on screen.
AXIS = """() => {
  const svg = document.querySelector('svg.progress-chart-phone');
  const texts = [...svg.querySelectorAll('text')];
  const label = texts.find(t => t.textContent === 'Minutes');
  const ticks = texts.filter(
    t => /^\\d+$/.test(t.textContent) && t.getAttribute('text-anchor') === 'end');
  const box = t => {
    const r = t.getBoundingClientRect();
    return {left: r.left, right: r.right, text: t.textContent};
  };
  return {label: box(label), ticks: ticks.map(box), svg: box(svg)};
}"""


@pytest.mark.parametrize("text_size", TEXT_SIZES)
def test_history_chart_axis_label_clears_its_numbers(demo, small_phone, text_size):
    page = small_phone()
    page.goto("/me/history/")
    _larger_text(page, text_size)
    chart = page.locator("svg.progress-chart-phone")
    chart.scroll_into_view_if_needed()
    screenshot(page, f"phone-360-history-chart-{text_size}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    boxes = page.evaluate(AXIS)
    label = boxes["label"]
    assert len(boxes["ticks"]) == 5
    assert label["left"] >= boxes["svg"]["left"]  # not cut off at the edge
    for tick in boxes["ticks"]:
        assert label["right"] <= tick["left"], (label, tick)  # a gap, no overlap
