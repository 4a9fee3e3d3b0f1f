"""What counts as an e-mail address, a web address and a link: one rule each, read by the
settings, the accounts, the legal pages and the forms alike."""

import re
import unicodedata
from urllib.parse import urlsplit

# One plain mailbox, nothing else: no list (`a@x.fr,b@y.fr`), no second `@`, no display name,
# quotes, comment, route or scheme (`Contact:si@ville.fr`); ASCII (RFC 5321 dot-atom) so that
# the domain compared is the domain the mail goes to. Matched on the lower-cased address.
_MAILBOX = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})",
    re.ASCII,
)
# Characters a mailto: link would read as more than the address (a query, a fragment, an
# escape): the address keeps them, its link carries them percent-encoded.
_MAILTO_ESCAPES = {c: f"%{ord(c):02X}" for c in "%?#&/`{|}^"}

# A web address has none of these: a quote or an angle bracket would end the attribute it sits
# in, a space or a backslash is read differently by each browser.
_UNSAFE_IN_URL = frozenset(" \"'`<>\\")
# The schemes a reader would take for a link: free text starting with one of them followed by
# something that is not a space (`tel:0123…`, `javascript:…`) is a link mistyped, not text.
# A word followed by a colon and a space (« Accueil : 01 23… », « Accueil: … ») is text.
_LINK = re.compile(
    r"(?:https?|mailto|tel|callto|sms|sips?|fax|ftps?|file|data|javascript|vbscript|blob|"
    r"wss?|xmpp|irc|news|geo|webcal|intent|about|skype):\S",
    re.IGNORECASE,
)


_BAD_PORT = "son port, après le deux-points qui suit le nom du site, est un nombre de 1 à 65535"


def parse_email(email: str) -> tuple[str, str] | None:
    """The normalised address (trimmed, lower case) and its domain, when `email` is exactly one
    plain mailbox, or None."""
    address = email.strip().lower()
    found = _MAILBOX.fullmatch(address)
    if found is None or len(address) > 254 or len(address.partition("@")[0]) > 64:
        return None
    return address, found.group(1)


def contact_address(value: str) -> str | None:
    """The e-mail address a contact gives (`x@y.fr` or `mailto:x@y.fr`, as written), or None
    when it is anything else."""
    value = value.strip()
    if value[:7].lower() == "mailto:":
        value = value[7:]
    return value if parse_email(value) else None


def mailto(address: str) -> str:
    """The mailto: link to an address."""
    return "mailto:" + "".join(_MAILTO_ESCAPES.get(c, c) for c in address)


def is_web(value: str) -> bool:
    """Whether `value` is written as a web address (http:// or https://, in any case)."""
    return value.strip()[:8].lower().startswith(("http://", "https://"))


def web_address_problem(value: str) -> str | None:
    """Why `value` is no web address a page can link to, as a French clause that follows
    « … n’est pas une adresse web valable : », or None."""
    value = value.strip()
    if not is_web(value):
        return "écrivez-la en entier, en commençant par https://"
    for c in value:
        if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") or (c.isspace() and c != " "):
            return (
                f"elle contient un caractère invisible ou de contrôle (U+{ord(c):04X}), qui "
                "peut la faire lire autrement qu’elle n’est"
            )
        if c in _UNSAFE_IN_URL:
            return "elle contient un espace, un guillemet, un chevron ou une barre oblique inverse"
    try:
        parts = urlsplit(value)
    except ValueError:  # an unclosed [ of an IPv6 address
        return "le nom du site n’est pas valable"
    try:
        port = parts.port
    except ValueError:
        return _BAD_PORT
    if not parts.hostname:
        return "il manque le nom du site après https://"
    if port == 0:
        return _BAD_PORT
    return None


def is_link(value: str) -> bool:
    """Whether a page may link to `value`: a web address with nothing wrong with it (a text
    stored before the rule, such as a port past 65535, stays text)."""
    return is_web(value) and web_address_problem(value) is None


def looks_like_a_link(text: str) -> bool:
    """Whether free text starts as a link would (a real scheme, then no space)."""
    return _LINK.match(text.strip()) is not None
