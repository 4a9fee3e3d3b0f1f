"""Page weight in a real browser: a first visit costs at most 60 KB in 5 requests, a next page at
most 20 KB; at most 800 elements; EcoIndex A or B; nothing leaves the app's origin."""

from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Page, Request

from tests.browser import ecoindex
from tests.browser.conftest import ARTIFACTS, People
from tests.browser.pages import PAGE_TYPES, PageType

FIRST_VISIT_BYTES, FIRST_VISIT_REQUESTS, NEXT_PAGE_BYTES, MAX_ELEMENTS = 60_000, 5, 20_000, 800


@dataclass
class Traffic:
    urls: list[str] = field(default_factory=list)
    bytes: int = 0

    def record(self, request: Request) -> None:
        sizes = request.sizes()
        transferred = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        # What the browser cache served never touched the network; the notification counter's
        # poll (every second on the test server) is not part of loading a page.
        if transferred and "/notifications/count" not in request.url:
            self.urls.append(request.url)
            self.bytes += transferred


def measure(page: Page, path: str, base: str) -> Traffic:
    traffic = Traffic()
    page.on("requestfinished", traffic.record)
    # Events reach Python asynchronously: wait for the document's own « finished » as well.
    with page.expect_event("requestfinished", lambda r: r.resource_type == "document"):
        page.goto(base + path, wait_until="load")
    page.wait_for_load_state("networkidle")
    page.remove_listener("requestfinished", traffic.record)
    return traffic


def test_ecoindex_matches_the_reference_example() -> None:
    # The reference library's README: dom=100, size=100 KB, requests=100 → 72, grade B.
    assert round(ecoindex.score(dom=100, requests=100, size_kb=100)) == 72
    assert ecoindex.grade(72) == "B"


@pytest.mark.parametrize(
    "page_type",
    [p for p in PAGE_TYPES if not p.submit_empty],
    ids=[p.name for p in PAGE_TYPES if not p.submit_empty],
)
def test_page_weight_and_ecoindex(people: People, page_type: PageType) -> None:
    person = people(page_type.who)
    page = person.page
    # Signing in warmed the cache: empty it, so this is a true first visit.
    cdp = person.context.new_cdp_session(page)
    cdp.send("Network.clearBrowserCache")
    first = measure(page, page_type.path, person.base)
    elements = page.evaluate("document.getElementsByTagName('*').length")
    nxt = measure(page, "/aide", person.base)
    score = ecoindex.score(elements, len(first.urls), first.bytes / 1024)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with (ARTIFACTS / "page-weight.txt").open("a") as report:
        report.write(
            f"{page_type.name}: first {first.bytes} B in {len(first.urls)} requests, "
            f"next {nxt.bytes} B, {elements} elements, EcoIndex {score} "
            f"({ecoindex.grade(score)})\n"
        )
    assert all(url.startswith(person.base) for url in first.urls + nxt.urls)
    assert len(first.urls) <= FIRST_VISIT_REQUESTS, first.urls
    assert first.bytes <= FIRST_VISIT_BYTES
    assert nxt.bytes <= NEXT_PAGE_BYTES and len(nxt.urls) == 1, nxt.urls
    assert elements <= MAX_ELEMENTS
    assert ecoindex.grade(score) in ("A", "B")
