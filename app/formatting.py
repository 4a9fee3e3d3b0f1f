"""Numbers, dates and plurals in French, written by Babel with the fr_FR locale: the one place
pages, e-mails and exports take them from, so that « 11 000 », « 25,0 » and « 1er novembre
2026 » read the same everywhere. Registered as Jinja filters by app/templating.py.

Machine formats (ISO dates in `<time datetime>`, CSV and JSON values) stay out of here."""

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_time as _babel_time
from babel.numbers import format_decimal, format_percent

LOCALE = Locale.parse("fr_FR")
PARIS = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space, before « ; ! ? » and between thousands


def paris(value: dt.datetime | None) -> dt.datetime | None:
    """The instant in Paris time (a naive value is UTC, as the database stores it)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(PARIS)


# A page writes the same few counts and scores many times over, and Babel's formatting was
# two fifths of a page's rendering: each (type, value, pattern) is formatted once. Decimals are
# left out (Decimal("1.0") equals Decimal("1") but is written « 1,0 »).
@lru_cache(maxsize=8192, typed=True)
def _format(value: int | float, pattern: str | None) -> str:
    return format_decimal(value, format=pattern, locale=LOCALE)


def _formatted(value: int | float | Decimal, pattern: str | None = None) -> str:
    if isinstance(value, (Decimal, bool)):
        return format_decimal(value, format=pattern, locale=LOCALE)
    return _format(value, pattern)


def number(value: int | float | Decimal) -> str:
    """« 11 000 », « 3,5 »: the thousands grouped by a narrow no-break space (U+202F), as
    CLDR writes French."""
    return _formatted(value)


def decimal(value: int | float | Decimal, digits: int = 1) -> str:
    """A fixed number of decimals: decimal(25, 1) → « 25,0 »."""
    return _formatted(value, "#,##0" + ("." + "0" * digits if digits > 0 else ""))


def points(value: int | float | Decimal) -> str:
    """At most one decimal, none when it is zero: 5.0 → « 5 », 3.3 → « 3,3 »."""
    return _formatted(value, "#,##0.#")


def percent(value: int | float | Decimal) -> str:
    """A share out of 100, as the app keeps them: 42.5 → « 42,5 % » (a no-break space before
    the sign, as CLDR writes French)."""
    return format_percent(Decimal(str(value)) / 100, format="#,##0.#\u00a0%", locale=LOCALE)


def seconds(value: float) -> str:
    """A duration in seconds, to the tenth: « 0,0 s »."""
    return f"{decimal(value, 1)}{NBSP}s"


def date(value: dt.date | dt.datetime | None) -> str:
    """« 1er novembre 2026 », « 2 novembre 2026 » (a datetime is taken in Paris time); an empty
    value gives an empty text. The same for pages, e-mails and exports."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = paris(value).date()  # type: ignore[union-attr]
    return _day(value)


@lru_cache(maxsize=4096)
def _day(value: dt.date) -> str:
    # Babel writes « 1 novembre »: French says « 1er » for the first of the month.
    day = "d'er'" if value.day == 1 else "d"
    return _babel_date(value, f"{day}{NBSP}MMMM y", locale=LOCALE)


def datetime(value: dt.datetime | None) -> str:
    """« 1er novembre 2026 à 14:05 », in Paris time."""
    local = paris(value)
    if local is None:
        return ""
    return f"{date(local)} à {_babel_time(local, 'short', locale=LOCALE)}"


def day(value: dt.date | dt.datetime) -> str:
    """« 27 sept. », « 1er oct. »: a day as a chart's axis names it (Paris time)."""
    if isinstance(value, dt.datetime):
        value = paris(value).date()  # type: ignore[union-attr]
    first = "d'er'" if value.day == 1 else "d"
    return _babel_date(value, f"{first}{NBSP}MMM", locale=LOCALE)


def month(value: dt.date) -> str:
    """« janv. 2026 »: a month as a chart's axis names it."""
    return _babel_date(value, "MMM y", locale=LOCALE)


def plural(count: int | float, singular: str, plural: str) -> str:
    """The count and the noun that agrees with it, by French rules (0 and 1 take the
    singular, as does 1,5): « 1 mine », « 0 mine », « 3 mines », « 11 000 caractères »."""
    return f"{number(count)} {word(count, singular, plural)}"


def word(count: int | float, singular: str, plural: str) -> str:
    """The noun alone, agreeing with count: « jour » for 1,5, « jours » for 2."""
    return singular if _plural_form(count) == "one" else plural


@lru_cache(maxsize=4096, typed=True)
def _plural_form(count: int | float) -> str:
    return str(LOCALE.plural_form(count))


def french_order(text: str) -> tuple[str, str]:
    """A sort key in dictionary order: accents and case set aside (« état civil » before
    « voirie », not after it as code points put it), then the text itself to break ties."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)), text


def clause(text: str) -> str:
    """Someone's words without their closing full stop (or « ! », « ? », « … »), for a sentence
    that puts its own after them: « identifiables. », never « identifiables.. »."""
    return text.rstrip().rstrip(".!?…\u00a0\u202f ").rstrip()


# What typesetting leaves as typed: addresses (a « : » or « ? » in them is no punctuation).
_VERBATIM = re.compile(
    r"(?:(?:[a-z][a-z0-9+.-]*://|www\.|mailto:)|[^\s@«(]+@)\S*[^\s.,;:!?)»]", re.IGNORECASE
)
_KEPT = "\ue000"  # where an address was, while the prose around it is typeset
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_BEFORE_COLON = re.compile(r"(?<=[\w)»\]*€%\ue000])[ \t\u00a0\u202f]*:(?=\s|$)")
_BEFORE_MARK = re.compile(r"(?<=[\w)»\]*€%\ue000])[ \t\u00a0\u202f]*([;!?])(?=[\s!?]|$)")
_SPACED_MARK = re.compile(r"[ \t]+([;!?:])(?=[\s!?]|$)")
_OPENING_GUILLEMET = re.compile(r"«[ \t\u00a0\u202f]*")
_CLOSING_GUILLEMET = re.compile(r"[ \t\u00a0\u202f]*»")
_QUOTED = re.compile(r'"([^"\n]+)"')


def typeset(text: str) -> str:
    """French typography for text an agent typed, as the interface writes its own: « l’idée »
    for « l'idée », a no-break space before « : », a narrow one before « ; ! ? », inside « »,
    and "straight quotes" as « guillemets ». Web and e-mail addresses stay as typed, and so do
    « 10:30 » and « ?! » (only a mark that ends a word is spaced)."""
    if not any(mark in text for mark in "':;!?«»\""):
        return text
    kept = _VERBATIM.findall(text)
    prose = _VERBATIM.sub(_KEPT, text.replace(_KEPT, ""))
    prose = _APOSTROPHE.sub("\u2019", prose)
    prose = _QUOTED.sub(lambda m: f"«{NBSP}{m.group(1).strip()}{NBSP}»", prose)
    prose = _OPENING_GUILLEMET.sub(f"«{NBSP}", prose)
    prose = _CLOSING_GUILLEMET.sub(f"{NBSP}»", prose)
    prose = _SPACED_MARK.sub(lambda m: (NBSP if m.group(1) == ":" else NNBSP) + m.group(1), prose)
    prose = _BEFORE_COLON.sub(f"{NBSP}:", prose)
    prose = _BEFORE_MARK.sub(lambda m: NNBSP + m.group(1), prose)
    addresses = iter(kept)
    return re.sub(_KEPT, lambda _: next(addresses), prose)


FILTERS = {
    "clause": clause,
    "number": number,
    "decimal": decimal,
    "points": points,
    "percent": percent,
    "seconds": seconds,
    "date": date,
    "day": day,
    "datetime": datetime,
    "month": month,
    "plural": plural,
    "word": word,
    "typeset": typeset,
}
