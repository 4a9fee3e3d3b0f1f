"""What a phone shows, and a wide screen too: the charts' labels readable and apart, the score's
parts on one line each, the board's filters in line and their choices in full."""

import pytest
from playwright.sync_api import Page

MANAGER = "karim.benali@ville-exemple.fr"

pytestmark = pytest.mark.browser

CHART_TEXTS = """() => [...document.querySelectorAll('figure.chart svg')].map(svg => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll('text')].map(t => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * scale,
            box: [r.left, r.top, r.right, r.bottom]};
  });
})"""


def overlapping(texts: list[dict]) -> list[tuple[str, str]]:
    pairs = []
    for n, a in enumerate(texts):
        for b in texts[n + 1 :]:
            (l1, t1, r1, b1), (l2, t2, r2, b2) = a["box"], b["box"]
            if l1 < r2 - 0.5 and l2 < r1 - 0.5 and t1 < b2 - 0.5 and t2 < b1 - 0.5:
                pairs.append((a["text"], b["text"]))
    return pairs


@pytest.mark.parametrize("path", ["/dashboard", "/stats", "/ce-qui-bloque"])
@pytest.mark.parametrize("width", [360, 1280])
def test_chart_labels_are_readable_and_apart(people, width, path) -> None:
    page: Page = people(MANAGER, width=width).goto(path)
    charts = page.evaluate(CHART_TEXTS)
    assert len(charts) >= 2
    for texts in charts:
        assert texts
        assert min(t["px"] for t in texts) >= 11, texts
        assert overlapping(texts) == []
        for t in texts:  # within the page: nothing cut at the chart's edges
            assert t["box"][0] >= 0 and t["box"][2] <= width


def test_a_score_part_stays_on_one_line_on_a_phone(people) -> None:
    page = people(MANAGER, width=360).goto("/ideas/5")
    values = page.evaluate(
        """() => [...document.querySelectorAll('.readiness .parts li > span:last-child')].map(s => {
          const range = document.createRange();
          range.selectNodeContents(s);  // the text's own line boxes, not its stretched box
          const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
          return [s.textContent, tops.size];
        })"""
    )
    assert [text for text, _ in values][-1].endswith("/ 50")
    for text, lines in values:
        assert lines == 1, f"« {text} » wraps"


@pytest.mark.parametrize("width", [360, 1280])
def test_the_boards_filters_line_up_and_show_their_choice_in_full(people, width) -> None:
    page = people(MANAGER, width=width).goto("/board")
    selects = page.evaluate(
        """() => {
          const ctx = document.createElement('canvas').getContext('2d');
          return [...document.querySelectorAll('.filters-grid select')].map(s => {
            const css = getComputedStyle(s), r = s.getBoundingClientRect();
            ctx.font = `${css.fontSize} ${css.fontFamily}`;
            const text = s.options[s.selectedIndex].text;
            const room = s.clientWidth - parseFloat(css.paddingLeft) - parseFloat(css.paddingRight);
            return {id: s.id, text, fits: ctx.measureText(text).width + 20 <= room,
                    right: r.right, bottom: Math.round(r.bottom),
                    field: [s.closest('.field').getBoundingClientRect().top,
                            s.closest('.field').getBoundingClientRect().bottom]};
          });
        }"""
    )
    assert {s["id"] for s in selects} >= {"f-status", "f-category", "f-sort"}
    for s in selects:
        assert s["fits"], f"{s['id']}: « {s['text']} » is cut"
        assert s["right"] <= width
    # The fields side by side (their boxes overlap in height) have their selects on one line.
    rows: list[list[dict]] = []
    for s in sorted(selects, key=lambda s: s["field"][0]):
        if rows and s["field"][0] < max(r["field"][1] for r in rows[-1]):
            rows[-1].append(s)
        else:
            rows.append([s])
    for row in rows:
        assert len({s["bottom"] for s in row}) == 1, [(s["id"], s["bottom"]) for s in row]
    assert len(rows) == (len(selects) if width == 360 else 2)


@pytest.mark.parametrize("width", [360, 1280])
def test_every_menu_item_is_in_sight_none_cut_off(people, width) -> None:
    """The everyday links wrap on a phone rather than scroll out of the header: each one whole,
    inside the page and inside the menu's visible box (« Appels à idées » was cut at 360 px)."""
    page: Page = people(MANAGER, width=width).goto("/ideas")
    cut = page.evaluate(
        """() => {
          const menu = document.querySelector('.nav__main');
          const box = menu.getBoundingClientRect();
          return [...menu.querySelectorAll(':scope > li')].map(li => {
            const r = li.getBoundingClientRect();
            return {text: li.textContent.trim().split(/\\s+/).slice(0, 3).join(' '),
                    out: r.left < Math.max(0, box.left) - 0.5
                      || r.right > Math.min(window.innerWidth, box.right) + 0.5};
          }).filter(item => item.out).map(item => item.text);
        }"""
    )
    assert cut == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
