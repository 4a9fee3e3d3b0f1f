"""French that reads as if written by hand, on every page and in every e-mail (#20).

The authorization matrix's world (tests/routers/authorization_world.py) is walked: every page
route it calls is read as several roles, every page form is sent (with valid words, then empty,
so that the flash messages and the form errors are read too), and every e-mail the app wrote
meanwhile (notifications, digests, calls' notices, invitations, registrations) is read, with
both fiches. A new route lands in that world's CALLS, so it is read here too.

What people typed is theirs and is left out (WORLD_WORDS). In the app's own words, the test fails
on a straight apostrophe between letters, a « (s) » plural, a middle-dot inclusive form
(« auteur·rice »), a missing or ordinary space before « : » (U+00A0) or « ; ! ? » (U+202F),
and « » without their no-break spaces — the space a phone would break the line at.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlmodel import Session, select

from app.deps import SESSION_COOKIE
from app.main import create_app
from app.models import OutboxMessage, User
from app.models.base import pk
from app.services import calls, notifications, ripening
from tests.conftest import ON_POSTGRES, Clock, WebClient
from tests.routers.authorization_world import CALLS, build_world, sign_in_everyone, world_database

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="the words are the same on both engines")

ROLES = ("anonymous", "agent", "author", "mine_author", "manager", "admin", "co_carrier")
# Read as data or written for machines, not prose: the API (JSON), the API's own page, the
# open-data files, security.txt and robots.txt (formats whose keys are fixed in English).
NOT_PROSE = ("/api/", "/openapi.json", "/docs", "/open-data/", "/.well-known/", "/robots.txt")
# The world's own words, as its people typed them (the app never rewrites what people write).
WORLD_WORDS = (
    "Le DPO est d'accord.",
    "Un avis ?",
    "Avec moi ?",
    "Et toi ?",
    "Et le droit ?",
)

LETTER = r"[^\W\d_]"
RULES = (
    ("apostrophe droite", re.compile(rf"{LETTER}'{LETTER}")),
    ("pluriel « (s) »", re.compile(r"\((?:s|e|es|x)\)")),
    ("point médian inclusif", re.compile(rf"{LETTER}·{LETTER}")),
    ("espace ordinaire avant « : ; ! ? »", re.compile(r"[ \t\r\n]+[:;!?](?=\s|$)")),
    ("pas d’espace avant « : ; ! ? »", re.compile(rf"(?:{LETTER}|[»)])[:;!?](?=\s|$)")),
    ("espace insécable U+00A0 attendue avant « : »", re.compile(r"\u202f:")),
    ("espace fine insécable U+202F attendue avant « ; ! ? »", re.compile(r"\u00a0[;!?]")),
    ("« sans espace insécable après", re.compile(r"«(?![\u00a0\u202f])")),
    ("» sans espace insécable avant", re.compile(r"(?<![\u00a0\u202f])»")),
)
# Not prose inside prose: addresses, e-mail addresses, paths, times and « 3/5 ».
NOT_WORDS = re.compile(r"\S+://\S*|\S+@\S+|(?<!\w)/\S*|\d+:\d+")


def faults_in(text: str) -> list[str]:
    """Each typography fault in `text`: what is wrong, and where."""
    for words in WORLD_WORDS:
        text = text.replace(words, " ")
    text = NOT_WORDS.sub("x", text)
    found = []
    for name, rule in RULES:
        for match in rule.finditer(text):
            start, end = max(match.start() - 40, 0), match.end() + 40
            found.append(f"{name}: …{text[start:end]}…".replace("\n", "⏎"))
    return found


def visible_text(html: str) -> str:
    """What a reader sees or hears: the text, and the attributes read aloud or shown (the page's
    description too, shown by search engines)."""
    page = BeautifulSoup(html, "html.parser")
    for node in page(["script", "style", "code", "pre", "textarea", "template"]):
        node.decompose()
    said = [
        str(tag[attribute])
        for tag in page.find_all(True)
        for attribute in ("title", "aria-label", "placeholder", "alt")
        if tag.has_attr(attribute)
    ]
    # The description a search engine shows under the page's title.
    said += [str(tag["content"]) for tag in page.select('meta[name="description"][content]')]
    return "\n".join([page.get_text(""), *said])


@dataclass
class Reading:
    """What the walk read: (where, text) pairs, pages and e-mails alike."""

    texts: list[tuple[str, str]] = field(default_factory=list)

    def add_response(self, where: str, response: httpx.Response) -> None:
        kind = response.headers.get("content-type", "")
        if kind.startswith("text/html"):
            self.texts.append((where, visible_text(response.text)))
        elif kind.startswith("text/markdown") or where.endswith(".md"):
            self.texts.append((where, response.text))


def _fill(value: object, ids: dict[str, object]) -> str:
    return value.format(**ids) if isinstance(value, str) else str(value)


@pytest.fixture(scope="module")
def reading(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reading]:
    folder = tmp_path_factory.mktemp("typography")
    clock = Clock()
    with world_database(template_db, folder) as (_, settings, db):
        world = build_world(db, settings, clock.now)
        cookies = sign_in_everyone(db, settings, world, clock.now)
    ids = world.ids
    pages = sorted(
        route
        for route in CALLS
        if route.startswith("GET ") and not any(part in route for part in NOT_PROSE)
    )
    forms = sorted(
        route
        for route in CALLS
        if route.startswith("POST ")
        and not any(part in route for part in NOT_PROSE)
        and "logout" not in route
    )
    app = create_app(settings, clock=clock)
    read = Reading()
    with WebClient(app, follow_redirects=False) as web:
        for role in ROLES:
            web.cookies.clear()
            if role in cookies:
                web.cookies.set(SESSION_COOKIE, cookies[role])
            for route in pages:
                url = CALLS[route][0].format(**ids)
                read.add_response(f"{url} ({role})", web.get(url))
        for role in ("author", "mine_author", "manager", "admin"):
            for empty in (False, True):
                for route in forms:
                    web.cookies.clear()
                    web.cookies.set(SESSION_COOKIE, cookies[role])
                    url, body = CALLS[route]
                    url = url.format(**ids)
                    data = {} if empty else {k: _fill(v, ids) for k, v in (body or {}).items()}
                    response = web.post_form(url, data)
                    where = f"POST {url} ({role}, {'vide' if empty else 'rempli'})"
                    read.add_response(where, response)
                    target = response.headers.get("location", "")
                    if response.status_code == 303 and target.startswith("/"):
                        read.add_response(f"{where} → {target}", web.get(target))
    with Session(app.state.engine) as db:
        mailer = notifications.Mailer.from_settings(settings)
        for person in db.exec(select(User)).all():  # everyone's news, in tomorrow's digest
            notifications.set_channels(
                db, pk(person), {kind: "digest" for kind in notifications.KIND_LABELS}
            )
        later = clock.now + timedelta(days=1)
        calls.send_notices(db, mailer, later)
        ripening.announce_due(db, later)
        notifications.build_digests(db, mailer, later)
        db.commit()
        for message in db.exec(select(OutboxMessage)).all():
            where = f"e-mail « {message.subject} »"
            read.texts.append((where, f"{message.subject}\n{message.body}"))
            if message.html_body:
                read.texts.append((f"{where} (HTML)", visible_text(message.html_body)))
    app.state.engine.dispose()
    yield read


def test_the_walk_reads_pages_forms_and_e_mails(reading: Reading) -> None:
    """The walk is not empty: pages, flash messages, form errors and e-mails were read."""
    places = [where for where, _ in reading.texts]
    assert sum("(author)" in where for where in places) >= 20
    assert any("vide" in where for where in places)
    assert sum(where.startswith("e-mail") for where in places) >= 5
    assert any(where.endswith(".md (author)") for where, _ in reading.texts)


def test_every_page_and_e_mail_follows_french_typography(reading: Reading) -> None:
    faults = sorted(
        {f"{where} — {fault}" for where, text in reading.texts for fault in faults_in(text)}
    )
    assert not faults, f"{len(faults)} fautes de typographie :\n" + "\n".join(faults[:80])


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("L'idée", "apostrophe droite"),
        ("1 collègue(s)", "pluriel"),
        ("l’auteur·rice", "point médian"),
        ("Statut : mûre", "espace ordinaire"),
        ("Statut: mûre", "pas d’espace"),
        ("Prête ?", "espace ordinaire"),
        ("la mine «\u00a0Budget »", "» sans espace"),
        ("la mine « Budget\u00a0»", "« sans espace"),
    ],
)
def test_each_rule_catches_its_fault(text: str, fault: str) -> None:
    assert any(fault in found for found in faults_in(text)), faults_in(text)


@pytest.mark.parametrize(
    "text",
    [
        "L’idée\u00a0: la mine «\u00a0Budget\u00a0» est prête\u202f!",
        "à 10:30, voir https://exemple.fr/a?b=c ou /ideas?page=2",
        "3 mines · 2 déminages",
        "Le DPO est d'accord.",
    ],
)
def test_correct_french_passes(text: str) -> None:
    assert faults_in(text) == []


# A plural made by hand: « {{ "s" if n > 1 }} », « {% if n > 1 %}s{% endif %} », and the same
# in Python (« 's' if n > 1 else '' »). They say « 0 mines »; `| plural` says « 0 mine ».
HAND_MADE_PLURAL = re.compile(
    r"""["'](?:s|es|x)["']\s+if\s[^}\n]*?(?:>|<|==|!=|length)"""
    r"|\{%-?\s*if\s[^%]*?(?:>|<|==|!=)[^%]*%\}(?:s|es|x)\{%"
)
ROOT = Path(__file__).resolve().parents[2]


def test_no_template_or_service_makes_its_plurals_by_hand() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for folder, pattern in (("templates", "*.html"), ("app", "*.py"))
        for path in sorted((ROOT / folder).rglob(pattern))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HAND_MADE_PLURAL.search(line)
    ]
    assert not found, "Pluriels faits à la main (utiliser | plural ou | word) :\n" + "\n".join(
        found
    )


@pytest.mark.parametrize(
    "line",
    [
        'mine{{ "s" if n > 1 }}',
        "idée{{ 's' if ideas | length > 1 }}",
        "déminage{% if answers | length > 1 %}s{% endif %}",
        "f\"{n} déminage{'s' if n > 1 else ''}\"",
    ],
)
def test_the_plural_rule_catches_a_hand_made_plural(line: str) -> None:
    assert HAND_MADE_PLURAL.search(line)
