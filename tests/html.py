"""Typed lookups in parsed HTML: a missing element or attribute fails the test, naming it."""

from email.message import EmailMessage
from typing import Any

from bs4 import Tag

# Attributes that BeautifulSoup splits into a list of words; every other one is a single string.
MULTI_VALUED = {"class", "rel", "rev", "headers", "accept-charset", "accesskey", "dropzone"}


def one(page: Tag, selector: str) -> Tag:
    """The first element matching a CSS selector; the test fails if there is none."""
    node = page.select_one(selector)
    assert node is not None, f"nothing matches {selector!r}"
    return node


def find_tag(page: Tag, name: str | list[str] | None = None, **filters: Any) -> Tag:
    """The first element `page.find(name, **filters)` finds; the test fails if there is none."""
    node = page.find(name, **filters)
    assert isinstance(node, Tag), f"no <{name or '*'}> with {filters}"
    return node


def parent(node: Tag, name: str) -> Tag:
    """The nearest enclosing <name>; the test fails if there is none."""
    found = node.find_parent(name)
    assert found is not None, f"<{node.name}> is not inside a <{name}>"
    return found


def next_sibling(node: Tag, name: str) -> Tag:
    """The next <name> after `node` at its level; the test fails if there is none."""
    found = node.find_next_sibling(name)
    assert isinstance(found, Tag), f"no <{name}> after <{node.name}>"
    return found


def following(node: Tag, name: str) -> Tag:
    """The next <name> after `node` in the document; the test fails if there is none."""
    found = node.find_next(name)
    assert isinstance(found, Tag), f"no <{name}> after <{node.name}>"
    return found


def attr(node: Tag, name: str, default: str | None = None) -> str:
    """An element's single-valued attribute, or `default`; without one, the test fails if the
    element does not carry it."""
    assert name not in MULTI_VALUED, f"{name} is a list of words: read node[{name!r}]"
    value = node.get(name, default)
    assert isinstance(value, str), f"<{node.name}> has no {name} attribute"
    return value


def mail_body(message: EmailMessage, subtype: str = "plain") -> str:
    """The text of an e-mail's text/plain (or text/html) part; the test fails if it has none."""
    part = message.get_body((subtype,))
    assert part is not None, f"the message has no text/{subtype} part"
    content = part.get_content()
    assert isinstance(content, str)
    return content
