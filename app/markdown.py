"""Simple Markdown for long text fields, rendered then sanitised."""

import re
from functools import lru_cache
from html.parser import HTMLParser

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markupsafe import Markup

from app.formatting import NBSP, NNBSP, typeset

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).disable(
    ["image", "html_block", "html_inline"]
)


# Where a text token follows a word of its own (bold, italics, code, a link), so that the mark
# it opens with (« **Note**: ») ends that word.
_AFTER_A_WORD = frozenset({"strong_close", "em_close", "code_inline", "link_close"})
_OPENING_MARK = re.compile(r"^[ \t]*([:;!?])(?=\s|$)")


def _typeset_text(state: StateCore) -> None:
    """French typography on the words an agent typed (never on code, nor on a link's address)."""
    for token in state.tokens:
        previous = None
        for child in token.children or ():
            if child.type == "text":
                text = typeset(child.content)
                if previous is not None and previous.type in _AFTER_A_WORD:
                    text = _OPENING_MARK.sub(
                        lambda m: (NBSP if m.group(1) == ":" else NNBSP) + m.group(1), text
                    )
                child.content = text
            previous = child


_md.core.ruler.push("typeset", _typeset_text)

_ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "a",
    "code",
    "pre",
    "blockquote",
    "h3",
    "h4",
    "hr",
}


def render_markdown(text: str | None) -> Markup:
    """Markdown to safe HTML: no raw HTML, no script, no handler; http(s) and mailto links only."""
    if not text:
        return Markup("")
    return _render(text)


@lru_cache(maxsize=4096)  # pure: a page shows the same texts again and again
def _render(text: str) -> Markup:
    html = _md.render(text)
    # Headings are demoted so that user text never competes with the page's outline.
    for level in ("1", "2"):
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    for level in ("5", "6"):
        html = html.replace(f"<h{level}>", "<h4>").replace(f"</h{level}>", "</h4>")
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    # Safe: nh3 has just sanitised it.
    return Markup(clean)  # noqa: S704  # nosec B704


# Where a reader sees a break between words: the blocks, the line breaks.
_BLOCKS = frozenset({"p", "br", "ul", "ol", "li", "pre", "blockquote", "h3", "h4", "hr"})


class _Text(HTMLParser):
    """The text of sanitised HTML, entities decoded, a space at each block's edge."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


@lru_cache(maxsize=4096)
def plain_text(text: str) -> str:
    """What a reader sees of a Markdown text as `render_markdown` shows it: its words, without
    markup, entities decoded, blockquote marks gone, one space for any run of spaces."""
    parser = _Text()
    parser.feed(str(render_markdown(text)))
    parser.close()
    return " ".join("".join(parser.parts).split())
