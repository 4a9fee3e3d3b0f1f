"""The words of an e-mail, in plain text and in HTML side by side: what happened, quoted.

Both parts say the same thing. The HTML is small and self-contained: no remote image, font or
stylesheet (nothing that phones home or weighs), a few inline styles that any client may drop
without the message losing its sense. Nothing here decides what may be quoted: the caller
hands over only what the recipient may read (`visibility`).
"""

from collections.abc import Sequence
from typing import NamedTuple

from markupsafe import Markup, escape

from app.formatting import typeset

QUOTE_MAX = 600  # characters of the quoted words: the rest is one click away


class Quote(NamedTuple):
    """Someone's own words, quoted in the e-mail: a mine, a déminage."""

    who: str
    text: str


class Item(NamedTuple):
    """One thing that happened, as an e-mail tells it: a line, maybe a quote, and a link."""

    message: str
    url: str
    quote: Quote | None = None


def shortened(text: str, limit: int = QUOTE_MAX) -> str:
    """The text, cut at a word before `limit` characters, with an ellipsis when cut."""
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip() + "…"


def _quote_text(quote: Quote) -> list[str]:
    lines = typeset(shortened(quote.text)).splitlines() or [""]
    return [f"{quote.who} a écrit\u00a0:", *(f"> {line}".rstrip() for line in lines)]


def _quote_html(quote: Quote) -> Markup:
    paragraphs = [p for p in typeset(shortened(quote.text)).split("\n\n") if p.strip()] or [""]
    body = Markup("").join(
        Markup('<p style="margin:0 0 .5em">{}</p>').format(
            Markup("<br>").join(escape(line) for line in p.splitlines())
        )
        for p in paragraphs
    )
    return Markup(
        '<blockquote style="margin:0 0 1em;padding:.5em 1em;border-left:4px solid #6a6af4;'
        'background:#f5f5fe">{}<p style="margin:0;color:#555">— {}</p></blockquote>'
    ).format(body, quote.who)


def notification_text(name: str, item: Item, idea_title: str | None) -> str:
    """One notification in plain text (about an idea, or about no idea: a call for ideas)."""
    lines = [f"Bonjour {name},", "", typeset(item.message), ""]
    if item.quote is not None:
        lines += [*_quote_text(item.quote), ""]
    if idea_title is not None:
        lines.append(f"Idée\u00a0: {typeset(idea_title)}")
    lines += [f"Voir\u00a0: {item.url}", ""]
    return "\n".join(lines)


def notification_html(name: str, item: Item, idea_title: str | None) -> str:
    """The same notification in HTML (the body's content; `mail.build` wraps it)."""
    parts = [
        Markup("<p>Bonjour {},</p>").format(name),
        Markup("<p>{}</p>").format(typeset(item.message)),
    ]
    if item.quote is not None:
        parts.append(_quote_html(item.quote))
    if idea_title is not None:
        parts.append(Markup("<p>Idée\u00a0: <strong>{}</strong></p>").format(typeset(idea_title)))
    parts.append(Markup('<p><a href="{}">Voir sur Les démineurs</a></p>').format(item.url))
    return str(Markup("\n").join(parts))


CONFIRM_ASKED = "Un compte a été demandé sur Les démineurs avec cette adresse."
CONFIRM_IGNORE = (
    "Si vous n’avez rien demandé, ignorez ce message\u00a0: le compte ne sera pas activé."
)


def confirmation_text(name: str, url: str, hours: int) -> str:
    """The registration's e-mail in plain text: the link that proves the address."""
    return (
        f"Bonjour {name},\n\n{CONFIRM_ASKED} Pour l’activer, ouvrez ce lien dans les "
        f"{hours}\u00a0heures\u00a0:\n{url}\n\n{CONFIRM_IGNORE}\n"
    )


def confirmation_html(name: str, url: str, hours: int) -> str:
    """The same e-mail in HTML."""
    return str(
        Markup(
            "<p>Bonjour {},</p>\n<p>{} Pour l’activer, ouvrez ce lien dans les {}\u00a0heures"
            '\u00a0:</p>\n<p><a href="{}">Activer mon compte</a></p>\n<p>{}</p>'
        ).format(name, CONFIRM_ASKED, hours, url, CONFIRM_IGNORE)
    )


def digest_text(name: str, items: Sequence[Item]) -> str:
    """The daily digest in plain text."""
    lines = [f"Bonjour {name},", "", "Voici ce qui s’est passé depuis le dernier résumé\u00a0:", ""]
    for item in items:
        lines.append(f"- {typeset(item.message)}")
        if item.quote is not None:
            lines += [f"  {line}" for line in _quote_text(item.quote)]
        lines.append(f"  {item.url}")
    return "\n".join(lines) + "\n"


def digest_html(name: str, items: Sequence[Item]) -> str:
    """The daily digest in HTML."""
    entries = Markup("").join(
        Markup('<li style="margin-bottom:1em"><a href="{}">{}</a>{}</li>').format(
            item.url, typeset(item.message), _quote_html(item.quote) if item.quote else ""
        )
        for item in items
    )
    return str(
        Markup(
            "<p>Bonjour {},</p>\n<p>Voici ce qui s’est passé depuis le dernier résumé\u00a0:</p>"
            "\n<ul>{}</ul>"
        ).format(name, entries)
    )


def footer_text(stop: str, unsubscribe: str, preferences: str) -> str:
    return (
        "\n--\nVous recevez ce message parce que vous utilisez Les démineurs.\n"
        f"{stop}, en un clic\u00a0: {unsubscribe}\n"
        f"Choisir vos notifications\u00a0: {preferences}\n"
    )


def footer_html(stop: str, unsubscribe: str, preferences: str) -> str:
    return str(
        Markup(
            '<hr style="border:0;border-top:1px solid #ddd">'
            '<p style="font-size:small;color:#555">Vous recevez ce message parce que vous '
            'utilisez Les démineurs. <a href="{}">{}</a> en un clic · '
            '<a href="{}">Choisir vos notifications</a></p>'
        ).format(unsubscribe, stop, preferences)
    )


def document(subject: str, content: str, closing: str) -> str:
    """A whole HTML e-mail around its content, with its last words (where to write)."""
    return str(
        Markup(
            '<!doctype html>\n<html lang="fr"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width">'
            "<title>{}</title></head>\n"
            '<body style="font-family:system-ui,sans-serif;line-height:1.5;color:#161616;'
            'max-width:40em;margin:0 auto;padding:1em">\n{}\n'
            '<p style="font-size:small;color:#555">{}</p>\n</body></html>\n'
            # `content` is the HTML this module built, every value in it escaped.
        ).format(subject, Markup(content), closing)  # noqa: S704  # nosec B704
    )
