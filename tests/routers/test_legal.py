"""The legal pages, robots.txt and security.txt: the defaults say what is left to fill, the
settings fill it; the personal-data page and docs/personal-data.md come from one record."""

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any
from urllib.robotparser import RobotFileParser

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlmodel import SQLModel

from app.accessibility import KNOWN_NONCONFORMITIES
from app.addresses import parse_email
from app.config import PROJECT_ROOT, Settings, describe_invalid
from app.mail import where_to_write
from app.main import create_app
from app.services import legal, personal_data, privacy
from tests.conftest import Clock, soup
from tests.html import attr, one

LEGAL_PAGES = {
    "/mentions-legales": "Mentions légales",
    "/conditions-utilisation": "Conditions d’utilisation",
    "/donnees-personnelles": "Données personnelles",
    "/accessibilite": "Déclaration d’accessibilité",
}

# Settings by name, as the environment gives them (their types are checked by Settings itself).
FILLED: dict[str, Any] = {
    "publisher_name": "Ville de Rivebelle",
    "publisher_address": "1 place de la Mairie, 99000 Rivebelle",
    "publisher_phone": "01 23 45 67 89",
    "publication_director": "Camille Durand, directrice générale des services",
    "host_name": "Hébergeur Public SAS",
    "host_address": "2 rue des Serveurs, 69000 Lyon",
    "host_phone": "04 00 00 00 00",
    "dpo_contact": "dpd@rivebelle.fr",
    "contact_email": "demineurs@rivebelle.fr",
    "feedback_url": "https://formulaires.rivebelle.fr/avis-demineurs",
    "mail_relay": "Relais Mail Public",
    "subprocessors": "Sauvegardes Sûres: sauvegardes chiffrées",
    "accessibility_plan_url": "https://rivebelle.fr/schema-accessibilite",
}


@pytest.fixture
def client_with(settings: Settings, clock: Clock) -> Iterator[Callable[..., TestClient]]:
    """A client of an app built with some settings changed."""
    opened: list[tuple[Any, TestClient]] = []

    def factory(**changes: Any) -> TestClient:
        application = create_app(settings.model_copy(update=changes), clock=clock)
        client = TestClient(application)
        client.__enter__()
        opened.append((application, client))
        return client

    yield factory
    for application, client in opened:
        client.__exit__(None, None, None)
        application.state.engine.dispose()


def text_of(html: BeautifulSoup, selector: str) -> str:
    """The text under `selector`, its no-break spaces kept (the typography is under test)."""
    node = html.select_one(selector)
    assert node is not None, f"nothing matches {selector}"
    return re.sub(r"[ \t\r\n]+", " ", node.get_text(" ", strip=True))


def page(client: TestClient, path: str) -> BeautifulSoup:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return soup(response)


@pytest.mark.parametrize(("path", "title"), LEGAL_PAGES.items())
def test_a_legal_page_with_the_defaults_says_what_is_left_to_fill(
    client_with: Callable[..., TestClient], path: str, title: str
) -> None:
    html = page(client_with(), path)
    assert text_of(html, "main h1") == title
    assert "pas encore complète" in text_of(html, "main .alert--warning")
    assert "[Nom de l’administration à compléter\u00a0: DEMINEURS_PUBLISHER_NAME]" in text_of(
        html, "main"
    )


def test_the_legal_notice_with_the_defaults_names_every_setting_to_fill(
    client_with: Callable[..., TestClient],
) -> None:
    text = text_of(page(client_with(), "/mentions-legales"), "main")
    for setting in ("PUBLISHER_NAME", "PUBLISHER_ADDRESS", "PUBLISHER_PHONE"):
        assert f"DEMINEURS_{setting}]" in text
    for setting in ("PUBLICATION_DIRECTOR", "HOST_NAME", "HOST_ADDRESS", "HOST_PHONE"):
        assert f"DEMINEURS_{setting}]" in text
    assert "DEMINEURS_CONTACT_EMAIL]" in text


@pytest.mark.parametrize("path", LEGAL_PAGES)
def test_a_legal_page_with_the_settings_shows_them_and_nothing_left_to_fill(
    client_with: Callable[..., TestClient], path: str
) -> None:
    html = page(client_with(**FILLED), path)
    assert html.select("main .to-fill") == []
    assert "à compléter" not in text_of(html, "main")
    assert html.select("main .alert--warning") == []
    assert "Ville de Rivebelle" in text_of(html, "main")


PLACEHOLDER = re.compile(r"\[[^\]]*à compléter\u00a0: ([^\]]*)\]")


def banner(html: BeautifulSoup) -> list[str]:
    """The settings the page's « à compléter » banner names (none without a banner)."""
    alert = html.select_one("main .alert--warning")
    return [] if alert is None else [code.get_text() for code in alert.select("code")]


def placeholders(html: BeautifulSoup) -> set[str]:
    """The settings named between brackets in the page's text, its banner left out."""
    main = BeautifulSoup(str(html.select_one("main")), "html.parser")
    for alert in main.select(".alert--warning"):
        alert.decompose()
    text = main.get_text(" ")
    found = " ".join(PLACEHOLDER.findall(text))
    return set(re.findall(r"DEMINEURS_\w+", found))


@pytest.mark.parametrize("path", LEGAL_PAGES)
def test_a_legal_page_banner_counts_and_names_what_is_left_on_that_page(
    client_with: Callable[..., TestClient], path: str
) -> None:
    html = page(client_with(), path)
    names = banner(html)
    assert names and names == sorted(placeholders(html))
    assert f"renseigner {len(names)} paramètres" in text_of(html, "main .alert--warning")


@pytest.mark.parametrize(
    ("left_out", "expected"),
    [
        ("dpo_contact", {"/donnees-personnelles": ["DEMINEURS_DPO_CONTACT"]}),
        ("accessibility_plan_url", {"/accessibilite": ["DEMINEURS_ACCESSIBILITY_PLAN_URL"]}),
        ("host_phone", {"/mentions-legales": ["DEMINEURS_HOST_PHONE"]}),
        ("mail_relay", {"/donnees-personnelles": ["DEMINEURS_MAIL_RELAY"]}),
        (
            "contact_email",  # also the security and accessibility contacts, unset here
            {
                "/mentions-legales": ["DEMINEURS_CONTACT_EMAIL", "DEMINEURS_SECURITY_CONTACT"],
                "/conditions-utilisation": ["DEMINEURS_CONTACT_EMAIL"],
                "/accessibilite": ["DEMINEURS_CONTACT_EMAIL"],
            },
        ),
    ],
)
def test_a_setting_left_empty_puts_the_banner_only_on_the_pages_that_show_it(
    client_with: Callable[..., TestClient], left_out: str, expected: dict[str, list[str]]
) -> None:
    client = client_with(**{**FILLED, left_out: ""})
    for path in LEGAL_PAGES:
        html = page(client, path)
        assert banner(html) == expected.get(path, []), path
        assert sorted(placeholders(html)) == expected.get(path, []), path


def test_the_legal_notice_gives_publisher_director_host_and_where_to_write(
    client_with: Callable[..., TestClient],
) -> None:
    html = page(client_with(**FILLED), "/mentions-legales")
    text = text_of(html, "main")
    for key in (
        "publisher_name",
        "publisher_address",
        "publisher_phone",
        "publication_director",
        "host_name",
        "host_address",
        "host_phone",
    ):
        assert FILLED[key] in text, key
    contact = html.select_one("#contact ~ p")
    assert contact is not None
    hrefs = [a["href"] for a in contact.find_all("a")]
    assert hrefs == ["mailto:demineurs@rivebelle.fr", FILLED["feedback_url"]]
    security = one(html, "#securite ~ p")
    assert attr(one(security, "a"), "href") == "mailto:demineurs@rivebelle.fr"


@pytest.mark.parametrize(
    ("contact", "about_replies"),
    [
        ("demineurs@rivebelle.fr", "donnent cette même adresse\u00a0: y répondre suffit."),
        (
            "https://www.rivebelle.fr/contact",
            "donnent ce même lien, à suivre plutôt que d’y répondre.",
        ),
        ("", "renvoient à cette page."),
    ],
)
def test_the_legal_notice_says_a_reply_suffices_only_when_the_contact_is_an_address(
    client_with: Callable[..., TestClient], contact: str, about_replies: str
) -> None:
    html = page(client_with(**{**FILLED, "contact_email": contact}), "/mentions-legales")
    said = html.select_one("#contact ~ p")
    assert said is not None
    text = said.get_text(" ", strip=True)
    assert text.endswith(f"Les e-mails envoyés par Les démineurs {about_replies}")
    assert ("répondre suffit" in text) == ("@" in contact)


@pytest.mark.parametrize(
    "free_text", ["Service informatique", "Service informatique (poste 4321, si@rivebelle.fr)"]
)
def test_a_contact_given_as_free_text_is_shown_as_text_not_as_a_broken_link(
    client_with: Callable[..., TestClient], free_text: str
) -> None:
    """« Service informatique » is no address: the pages name it as text, the footer's feedback
    link leads to the legal notice, security.txt names nobody rather than « mailto:Service… »."""
    client = client_with(
        **{**FILLED, "contact_email": free_text, "feedback_url": "Le service informatique"}
    )
    for path, where in (
        ("/mentions-legales", "#contact ~ p"),
        ("/conditions-utilisation", "#recours ~ p"),
        ("/accessibilite", "main"),
    ):
        html = page(client, path)
        assert free_text in text_of(html, where), path
        links = [attr(a, "href") for a in html.select("a[href]")]
        assert not [h for h in links if h.startswith("mailto:")], path
        feedback = html.find("a", string="Donner votre avis")
        assert feedback is not None and feedback["href"] == "/mentions-legales#contact"
    assert client.get("/.well-known/security.txt").status_code == 404
    # An address, with or without its scheme, is still a link.
    for address in ("si@rivebelle.fr", "mailto:si@rivebelle.fr"):
        html = page(client_with(**{**FILLED, "contact_email": address}), "/conditions-utilisation")
        appeal = one(html, "#recours ~ p")
        assert attr(one(appeal, "a"), "href") == "mailto:si@rivebelle.fr"


@pytest.mark.parametrize(
    ("value", "href", "shown"),
    [
        ("mailto:si@rivebelle.fr", "mailto:si@rivebelle.fr", "si@rivebelle.fr"),
        ("si@rivebelle.fr", "mailto:si@rivebelle.fr", "si@rivebelle.fr"),
        (
            "https://www.rivebelle.fr/contact/",
            "https://www.rivebelle.fr/contact/",
            "www.rivebelle.fr/contact",
        ),
        ("Service informatique, bureau 12", None, "Service informatique, bureau 12"),
    ],
)
def test_every_contact_reads_as_its_address_its_web_page_or_its_text_never_mailto(
    client_with: Callable[..., TestClient], value: str, href: str | None, shown: str
) -> None:
    """One reading of a contact for all of them: the contact, the feedback, the DPO, the
    accessibility and security contacts, on each legal page, the footer and the e-mails."""
    client = client_with(
        **{
            **FILLED,
            "contact_email": value,
            "feedback_url": value,
            "dpo_contact": value,
            "accessibility_contact": value,
            "security_contact": value,
        }
    )
    for path, where in (
        ("/mentions-legales", "#contact ~ p"),
        ("/mentions-legales", "#securite ~ p"),
        ("/conditions-utilisation", "#recours ~ p"),
        ("/donnees-personnelles", "main"),
        ("/accessibilite", "main"),
    ):
        html = page(client, path)
        assert "mailto" not in html.get_text(), path
        assert shown in text_of(html, where), (path, where)
        texts = {a.get_text() for a in html.select("main a") if a["href"] == href}
        if href is None:
            assert not [a for a in html.select("main a") if shown in a.get_text()], path
        else:
            assert shown in texts, path
        feedback = html.find("a", string="Donner votre avis")
        assert feedback is not None
        assert feedback["href"] == (href or "/mentions-legales#contact"), path
    assert isinstance(client.app, FastAPI)
    closing = where_to_write(client.app.state.settings)
    assert "mailto" not in closing
    if href is not None:
        assert (shown if href.startswith("mailto:") else href) in closing


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("accessibilite@rivebelle.fr", "écrivez à accessibilite@rivebelle.fr\u00a0:"),
        (
            "https://www.rivebelle.fr/accessibilite",
            "rendez-vous sur www.rivebelle.fr/accessibilite\u00a0:",
        ),
        ("Mission handicap, bureau 3", "adressez-vous à Mission handicap, bureau 3\u00a0:"),
    ],
)
def test_the_accessibility_contact_is_written_to_only_when_it_is_an_address(
    client_with: Callable[..., TestClient], value: str, said: str
) -> None:
    html = page(client_with(**{**FILLED, "accessibility_contact": value}), "/accessibilite")
    text = re.sub(r"[ \t\r\n]+", " ", one(html, "main").get_text())
    assert said in text
    if "@" not in value:
        assert "écrivez à" not in text


def test_the_terms_say_what_agents_commit_to_and_how_to_appeal_a_moderation(
    client_with: Callable[..., TestClient],
) -> None:
    html = page(client_with(**FILLED), "/conditions-utilisation")
    headings = [h.get_text(strip=True) for h in html.select("main h2")]
    for heading in (
        "Tout est signé",
        "Ce à quoi vous vous engagez",
        "Modération",
        "Contester une décision de modération",
    ):
        assert heading in headings
    appeal = one(html, "#recours ~ p")
    assert attr(one(appeal, "a"), "href") == "mailto:demineurs@rivebelle.fr"
    assert "une mine masquée compte comme une mine retirée" in text_of(html, "main")


def test_the_terms_say_a_whole_idea_can_be_hidden_who_still_reads_it_and_how_to_contest(
    client_with: Callable[..., TestClient],
) -> None:
    html = page(client_with(**FILLED), "/conditions-utilisation")
    heading = next(h for h in html.select("main h2") if h.get_text(strip=True) == "Modération")
    said = []
    for sibling in heading.find_next_siblings():
        if sibling.name == "h2":
            break
        said.append(sibling.get_text(" ", strip=True))
    moderation = " ".join(said)
    # What moderation does to a whole idea (services/moderation.hide_idea, can_view_idea).
    assert "masquer une idée entière, en en donnant la raison" in moderation
    assert "seuls son auteur, ses co-porteurs et les administrateurs la lisent encore" in moderation
    assert "Ses porteurs sont prévenus de la décision et de sa raison" in moderation
    assert "Une idée masquée peut être rétablie" in moderation
    # The hidden idea's page sends its carriers to #recours, which covers ideas too.
    appeal = html.select_one("#recours ~ p")
    assert appeal is not None and "une idée que vous portez" in appeal.get_text(" ", strip=True)


# --- the personal data page and docs/personal-data.md ------------------------------------


def test_the_personal_data_document_is_the_one_generated_from_the_record() -> None:
    document = privacy.DOCUMENT.read_text(encoding="utf-8")
    assert document == privacy.markdown(), (
        "docs/personal-data.md differs from app/personal_data.toml: "
        "run `python -m app.services.privacy`"
    )


def _markdown_table_rows(markdown: str, heading: str) -> int:
    section = markdown.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return sum(1 for line in section.splitlines() if line.startswith("| ")) - 1  # the header


def test_the_page_and_the_document_list_the_same_data_cookies_and_rights(
    client_with: Callable[..., TestClient],
) -> None:
    html = page(client_with(), "/donnees-personnelles")
    document = privacy.DOCUMENT.read_text(encoding="utf-8")
    stored, cookies = (len(html.select(f"#{part} > .record")) for part in ("stored", "cookies"))
    assert stored == _markdown_table_rows(document, "What is stored, why, and for how long")
    assert cookies == _markdown_table_rows(document, "Cookies")
    page_cookies = [code.get_text() for code in html.select("#cookies h3 code")]
    assert page_cookies == re.findall(r"^\| `([a-z_]+)` \|", document, flags=re.MULTILINE)
    rights = html.select("main h2 + ul > li")
    assert len(rights) == document.split("## The agents' rights\n", 1)[1].count("\n- ")
    assert len(html.select("main dl.facts > div")) == len(privacy.facts()["summary"])


def test_every_cookie_the_app_sets_is_on_the_personal_data_page(
    client_with: Callable[..., TestClient],
) -> None:
    """The cookie names the code defines (`…_COOKIE = "name"`) against the page's list."""
    defined = set()
    for source in (PROJECT_ROOT / "app").rglob("*.py"):
        defined |= set(re.findall(r'_COOKIE = "([a-z_]+)"', source.read_text()))
    assert len(defined) >= 4
    html = page(client_with(), "/donnees-personnelles")
    listed = {code.get_text() for code in html.select("#cookies h3 code")}
    assert listed == defined


def _retention_texts(html: BeautifulSoup) -> tuple[str, str]:
    record = next(
        r for r in html.select("#stored > .record") if one(r, "h3").get_text().startswith("Idées")
    )
    return record.find_all("dd")[-1].get_text(), text_of(html, "#brouillons")


def test_the_personal_data_page_states_the_draft_retention_setting_s_real_value(
    client_with: Callable[..., TestClient],
) -> None:
    kept, drafts = _retention_texts(page(client_with(), "/donnees-personnelles"))
    assert "après 365\u00a0jours sans modification" in kept
    assert "depuis 365\u00a0jours est supprimé" in drafts
    assert "prévenu 30\u00a0jours avant" in drafts

    kept, drafts = _retention_texts(
        page(client_with(draft_retention_days=90), "/donnees-personnelles")
    )
    assert "après 90\u00a0jours sans modification" in kept
    assert "depuis 90\u00a0jours est supprimé" in drafts
    assert "365" not in kept + drafts


def test_a_notice_longer_than_the_retention_is_stated_as_the_purge_applies_it(
    client_with: Callable[..., TestClient],
) -> None:
    _, drafts = _retention_texts(
        page(client_with(draft_retention_days=20, draft_notice_days=30), "/donnees-personnelles")
    )
    assert "depuis 20\u00a0jours est supprimé" in drafts
    assert "prévenu 20\u00a0jours avant" in drafts


def test_with_no_retention_the_page_says_drafts_are_kept(
    client_with: Callable[..., TestClient],
) -> None:
    kept, drafts = _retention_texts(
        page(client_with(draft_retention_days=0), "/donnees-personnelles")
    )
    assert "conservés tant que leur auteur les garde" in kept
    assert "a désactivé la suppression automatique des brouillons" in drafts
    assert "0\u00a0jours" not in kept + drafts


def test_the_personal_data_page_names_controller_dpo_and_subprocessors(
    client_with: Callable[..., TestClient],
) -> None:
    html = page(client_with(**FILLED), "/donnees-personnelles")
    facts = {
        one(div, "dt").get_text(strip=True): one(div, "dd").get_text(strip=True)
        for div in html.select("main dl.facts > div")
    }
    assert facts["Responsable du traitement"].startswith("Ville de Rivebelle")
    assert "dpd@rivebelle.fr" in facts["Responsable du traitement"]
    subprocessors = facts["Sous-traitants"]
    for name in ("Hébergeur Public SAS", "Relais Mail Public", "Sauvegardes Sûres"):
        assert name in subprocessors
    assert facts["Traceurs"].startswith("Aucun.")
    assert "Réclamation" in text_of(html, "main")


# --- the accessibility declaration -------------------------------------------------------


def test_the_declaration_is_honest_without_an_audit(
    client_with: Callable[..., TestClient],
) -> None:
    html = page(client_with(), "/accessibilite")
    assert text_of(html, "#etat strong") == "non conforme"
    text = text_of(html, "main")
    assert "Aucun audit complet de conformité au RGAA n’a encore été réalisé" in text
    assert f"axe-core {legal.AXE_VERSION}" in text
    assert "1280 et à 360\u00a0pixels" in text
    assert "clavier seul" in text
    assert "établie le 2\u00a0décembre 2026" in text  # legal.RELEASE_DATE, by default
    assert "Défenseur des droits, Libre réponse 71120, 75342\u00a0Paris CEDEX\u00a007" in text
    links = {a["href"] for a in html.select("main a")}
    assert "https://formulaire.defenseurdesdroits.fr/" in links
    assert "DEMINEURS_ACCESSIBILITY_PLAN_URL" in text


def test_the_declaration_with_an_audit_a_date_and_a_plan(
    client_with: Callable[..., TestClient],
) -> None:
    audit = "Audit du 3 mars 2026 par la mission accessibilité (RGAA 4.1.2) : 78 % des critères."
    client = client_with(
        **FILLED,
        accessibility_status="partiellement conforme",
        accessibility_audit=audit,
        accessibility_declared_on=date(2026, 3, 1),
        accessibility_contact="accessibilite@rivebelle.fr",
    )
    html = page(client, "/accessibilite")
    assert text_of(html, "#etat strong") == "partiellement conforme"
    text = text_of(html, "main")
    assert audit in text and "faute d’un audit" not in text
    assert "établie le 1er\u00a0mars 2026" in text
    hrefs = {a["href"] for a in html.select("main a")}
    assert {FILLED["accessibility_plan_url"], "mailto:accessibilite@rivebelle.fr"} <= hrefs
    footer = html.select_one("footer a[href$='/accessibilite']")
    assert footer is not None
    assert footer.get_text() == "Accessibilité\u00a0: partiellement conforme"


def test_a_legal_setting_with_a_line_break_or_a_link_that_is_no_web_address_is_refused() -> None:
    # A line break would forge fields in security.txt (« Contact: », a second « Expires: »).
    with pytest.raises(ValidationError, match="DEMINEURS_PUBLISHER_NAME"):
        Settings(publisher_name="Mairie\nContact: https://evil.example")
    for plan in ("javascript:alert(8)", "data:text/html,x", "www.ville.fr/schema"):
        with pytest.raises(ValidationError, match="DEMINEURS_ACCESSIBILITY_PLAN_URL"):
            Settings(accessibility_plan_url=plan)
    with pytest.raises(ValidationError, match="DEMINEURS_PROCONNECT_ISSUER"):
        Settings(proconnect_issuer="https://a.fr; script-src *")
    Settings(accessibility_plan_url="https://ville.fr/schema-pluriannuel", publisher_name="Mairie")


@pytest.mark.parametrize(
    "name",
    [
        "base_url",
        "accessibility_plan_url",
        "proconnect_issuer",
        "feedback_url",
        "contact_email",
        "security_contact",
    ],
)
def test_a_web_address_setting_with_a_bidi_override_or_an_impossible_port_is_refused_at_start(
    name: str,
) -> None:
    for bad, said in (
        ("https://ville.fr/\u202efdp.sivA", "(U+202E)"),
        ("https://ville.fr\u2066/avis", "(U+2066)"),
        ("https://ville.fr:99999/", "nombre de 1 à 65535"),
        ("https://ville.fr:0/", "nombre de 1 à 65535"),
        ("https://ville.fr:http/", "nombre de 1 à 65535"),
    ):
        with pytest.raises(ValidationError, match=f"DEMINEURS_{name.upper()}") as refused:
            Settings(**_named(name, bad))
        assert said in describe_invalid(refused.value), bad
    assert getattr(Settings(**_named(name, "https://ville.fr:8443/avis")), name) == (
        "https://ville.fr:8443/avis"
    )


def _named(name: str, value: object) -> dict[str, Any]:
    """A setting chosen by name, as in the environment."""
    return {name: value}


@pytest.mark.parametrize(
    "name", ["contact_email", "security_contact", "accessibility_contact", "feedback_url"]
)
def test_a_contact_that_is_no_plain_address_nor_web_address_is_refused_at_start(
    name: str,
) -> None:
    # A query would reach the Reply-To, a lone @ a « mailto:@ », a list a link to two people.
    for bad in (
        "mailto:x@y.fr?subject=<script>",
        "x@y.fr?subject=x",
        "@",
        "x@",
        "x@localhost",
        "a@b.fr,evil@attacker.fr",
        'https://ville.fr/avis" onclick="x',
        "https://ville.fr/a b",
        "https://",
        "javascript:alert(1)",
    ):
        with pytest.raises(ValidationError, match=f"DEMINEURS_{name.upper()}"):
            Settings(**_named(name, bad))
    for good in ("demineurs@ville.fr", "mailto:demineurs@ville.fr", "https://ville.fr/avis?x=1"):
        assert getattr(Settings(**_named(name, good)), name) == good


@pytest.mark.parametrize(
    "name", ["contact_email", "security_contact", "accessibility_contact", "feedback_url"]
)
def test_a_contact_address_is_an_address_by_the_accounts_own_rule(name: str) -> None:
    """One rule for an e-mail address: what an account could not be opened with is no contact
    address either, and never becomes a « mailto:Contact:si@ville.fr » link."""
    for bad in ("Contact:si@ville.fr", "mailto:Contact:si@ville.fr", "élu@ville.fr", "si@ville.f"):
        assert parse_email(bad.removeprefix("mailto:")) is None
        with pytest.raises(ValidationError, match=f"DEMINEURS_{name.upper()}"):
            Settings(**_named(name, bad))
        found = legal.read_contact(bad)
        assert found is not None and found.href is None
    for good, href in (
        ("O'Brien@Ville.fr", "mailto:O'Brien@Ville.fr"),
        ("MAILTO:si@ville.fr", "mailto:si@ville.fr"),
    ):
        assert parse_email(good.removeprefix("MAILTO:")) is not None
        assert getattr(Settings(**_named(name, good)), name) == good
        assert legal.contact_link(good) == href


def test_free_text_is_a_contact_but_for_the_feedback_link() -> None:
    text = "Service informatique, bureau 12 (si@ville.fr)"
    assert Settings(security_contact=text).security_contact == text
    with pytest.raises(ValidationError, match="DEMINEURS_FEEDBACK_URL"):
        Settings(feedback_url=text)


@pytest.mark.parametrize("name", ["contact_email", "security_contact", "accessibility_contact"])
def test_a_word_then_a_colon_is_text_and_only_a_real_scheme_starts_a_link(name: str) -> None:
    for text in (
        "Accueil : 01 23 45 67 89",
        "Accueil: 01 23 45 67 89",
        "Accueil\u00a0: 01 23 45 67 89",
        "Horaires:9h-12h, bureau 3",
    ):
        assert getattr(Settings(**_named(name, text)), name) == text
        assert legal.read_contact(text) == legal.Contact(text, None)
    for link in ("tel:0123456789", "TEL:+33123456789", "javascript:alert(1)", "http:ville.fr"):
        with pytest.raises(ValidationError, match="commence comme un lien"):
            Settings(**_named(name, link))


def test_a_conformity_level_cannot_be_declared_without_the_audit_that_measured_it() -> None:
    with pytest.raises(ValidationError, match="DEMINEURS_ACCESSIBILITY_AUDIT"):
        Settings(accessibility_status="partiellement conforme")
    Settings(accessibility_status="partiellement conforme", accessibility_audit="Audit complet.")


def test_fully_compliant_cannot_be_declared_while_the_page_lists_non_conformities(
    client_with: Callable[..., TestClient],
) -> None:
    with pytest.raises(ValidationError, match="partiellement conforme") as refused:
        Settings(accessibility_status="totalement conforme", accessibility_audit="Audit : 100 %.")
    assert "DEMINEURS_ACCESSIBILITY_STATUS" in describe_invalid(refused.value)
    # What makes it so: the page does list them.
    html = page(client_with(), "/accessibilite")
    listed = html.select("h3:-soup-contains('Non-conformités connues') + ul li")
    assert len(listed) == len(KNOWN_NONCONFORMITIES) >= 1
    assert "Swagger\u00a0UI" in listed[1].get_text()


def test_an_empty_declaration_date_reads_as_unset_and_a_future_one_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEMINEURS_ACCESSIBILITY_DECLARED_ON", "")
    assert legal.site(Settings()).declared_on_text == "2\u00a0décembre 2026"  # RELEASE_DATE
    monkeypatch.setenv("DEMINEURS_ACCESSIBILITY_DECLARED_ON", "2026-11-20")
    assert legal.site(Settings()).declared_on_text == "20\u00a0novembre 2026"
    tomorrow = date.today() + timedelta(days=2)
    monkeypatch.setenv("DEMINEURS_ACCESSIBILITY_DECLARED_ON", tomorrow.isoformat())
    with pytest.raises(ValidationError, match="est dans le futur") as refused:
        Settings()
    assert "DEMINEURS_ACCESSIBILITY_DECLARED_ON" in describe_invalid(refused.value)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("session_days", -1),
        ("draft_retention_days", -30),
        ("draft_notice_days", -1),
        ("login_window_minutes", -15),
        ("quiet_period_hours", -72),
        ("stats_cache_seconds", -1),
        ("stats_cache_seconds", 10**15),  # past datetime's range: /stats answered 500
        ("session_days", 10**9),
    ],
)
def test_a_negative_or_overflowing_count_is_refused_naming_its_setting(
    setting: str, value: int
) -> None:
    named: dict[str, Any] = {setting: value}  # a setting chosen by name, as in the environment
    with pytest.raises(ValidationError) as refused:
        Settings(**named)
    [line] = describe_invalid(refused.value).splitlines()
    assert line.startswith(f"Réglage invalide\u00a0: DEMINEURS_{setting.upper()}\u00a0: ")


def test_the_declared_tools_are_those_the_browser_suite_runs() -> None:
    vendor = PROJECT_ROOT / "tests" / "browser" / "vendor"
    assert (vendor / f"axe-core-{legal.AXE_VERSION}" / "axe.min.js").is_file()
    suite = (PROJECT_ROOT / "tests" / "browser" / "test_accessibility.py").read_text()
    assert "[1280, 360]" in suite


# --- security.txt and robots.txt ---------------------------------------------------------


def _fields(text: str) -> dict[str, str]:
    return dict(
        line.split(": ", 1) for line in text.splitlines() if line and not line.startswith("#")
    )


def test_security_txt_follows_rfc_9116_with_an_expiry_from_the_clock(
    client_with: Callable[..., TestClient], clock: Clock
) -> None:
    client = client_with(security_contact="securite@rivebelle.fr", base_url="https://idees.fr")
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    fields = _fields(response.text)
    assert fields["Contact"] == "mailto:securite@rivebelle.fr"
    expires = clock.now.date() + timedelta(days=legal.SECURITY_TXT_DAYS)
    assert fields["Expires"] == f"{expires.isoformat()}T00:00:00Z"
    assert fields["Preferred-Languages"] == "fr, en"
    assert fields["Canonical"] == "https://idees.fr/.well-known/security.txt"
    assert fields["Policy"] == "https://idees.fr/mentions-legales#securite"

    clock.advance(days=40)
    later = _fields(client.get("/.well-known/security.txt").text)
    assert later["Expires"] == f"{(expires + timedelta(days=40)).isoformat()}T00:00:00Z"


def test_security_txt_falls_back_on_the_contact_address_and_keeps_an_https_contact(
    client_with: Callable[..., TestClient],
) -> None:
    fallback = client_with(contact_email="demineurs@rivebelle.fr").get("/.well-known/security.txt")
    assert _fields(fallback.text)["Contact"] == "mailto:demineurs@rivebelle.fr"
    form = "https://rivebelle.fr/signaler-une-faille"
    web = client_with(security_contact=form).get("/.well-known/security.txt")
    assert _fields(web.text)["Contact"] == form
    # The legal notice does not tell anyone to « write to » a web address.
    notice = client_with(security_contact=form).get("/mentions-legales").text
    assert f'signalez-la à l’adresse <a href="{form}">' in notice
    assert "écrivez à https" not in notice


@pytest.mark.parametrize(
    ("changes", "published"),
    [
        # security.txt wants a URI (RFC 9116): it falls back on the contact, then the feedback.
        ({}, "mailto:demineurs@rivebelle.fr"),
        ({"contact_email": "Accueil de la mairie"}, FILLED["feedback_url"]),
        ({"contact_email": "Accueil de la mairie", "feedback_url": ""}, None),
    ],
)
def test_a_security_contact_given_as_free_text_is_shown_as_text_on_the_legal_notice(
    client_with: Callable[..., TestClient], changes: dict[str, str], published: str | None
) -> None:
    """« Service informatique, bureau 12 » is a filled value: the notice names it, says nothing
    is left to fill, and says what security.txt gives instead (or that there is none)."""
    free_text = "Service informatique, bureau 12"
    client = client_with(**{**FILLED, "security_contact": free_text, **changes})
    html = page(client, "/mentions-legales")
    said = text_of(html, "#securite ~ p")
    assert f"Où la signaler\u00a0: {free_text}." in said
    assert "compléter" not in said
    assert "DEMINEURS_SECURITY_CONTACT" not in banner(html)
    paragraph = html.select_one("#securite ~ p")
    assert paragraph is not None
    assert not [a for a in paragraph.find_all("a") if free_text in a.get_text()]
    response = client.get("/.well-known/security.txt")
    if published is None:
        assert response.status_code == 404
        assert "ne publie pas de fichier security.txt" in said
    else:
        assert _fields(response.text)["Contact"] == published
        links = [a["href"] for a in paragraph.find_all("a")]
        assert links == ["/.well-known/security.txt", published]


def test_without_any_contact_security_txt_names_nobody(
    client_with: Callable[..., TestClient],
) -> None:
    response = client_with().get("/.well-known/security.txt")
    assert response.status_code == 404
    # The tools that read this file get a text answer, not an HTML page.
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert "<html" not in response.text
    assert "Aucun contact de sécurité" in response.text


@pytest.mark.parametrize(
    "contact", ["securite@rivebelle.fr", "https://rivebelle.fr/signaler-une-faille"]
)
def test_the_security_paragraph_puts_a_space_between_its_sentences(
    client_with: Callable[..., TestClient], contact: str
) -> None:
    paragraph = one(
        page(client_with(security_contact=contact), "/mentions-legales"), "#securite ~ p"
    )
    said = re.sub(r"\s+", " ", paragraph.get_text())  # as read: no space added between tags
    assert "suffit à la montrer. Ce contact est aussi publié dans security.txt." in said


def _robots(client: TestClient) -> RobotFileParser:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    parser = RobotFileParser()
    parser.parse(response.text.splitlines())
    return parser


def test_robots_txt_keeps_ideas_out_of_search_engines_by_default(
    client_with: Callable[..., TestClient],
) -> None:
    robots = _robots(client_with())
    for path in ("/ideas", "/ideas/12", "/open-data/ideas.json", "/board", "/search?q=x"):
        assert not robots.can_fetch("Googlebot", f"http://testserver{path}"), path
    for path in ("/mentions-legales", "/accessibilite", "/stats", "/aide", "/login"):
        assert robots.can_fetch("Googlebot", f"http://testserver{path}"), path


def test_robots_txt_lets_ideas_in_when_the_administration_chooses_it(
    client_with: Callable[..., TestClient],
) -> None:
    robots = _robots(client_with(robots_index_ideas=True))
    for path in ("/ideas/12", "/open-data/ideas.json", "/stats"):
        assert robots.can_fetch("Googlebot", f"http://testserver{path}"), path
    assert not robots.can_fetch("Googlebot", "http://testserver/api/v1/ideas")


# --- French written carefully ------------------------------------------------------------

CARELESS = {
    "a straight apostrophe": re.compile(r"\w'\w"),
    "a middle-dot inclusive form": re.compile(r"\w·\w"),
    "an ordinary space before « : »": re.compile(r"[^\s\u00a0] :"),
    "an ordinary space before « ; ! ? »": re.compile(r" [;!?]"),
    "a wide no-break space before « ; ! ? »": re.compile("\u00a0[;!?]"),
    "an ordinary space inside « »": re.compile(r"« | »"),
}


@pytest.mark.parametrize("path", [*LEGAL_PAGES, "/stats"])
def test_the_new_pages_are_written_in_careful_french(
    client_with: Callable[..., TestClient], path: str
) -> None:
    for changes in ({}, FILLED):
        html = page(client_with(**changes), path)
        for block in html.select("main, footer"):
            text = block.get_text(" ")
            for fault, pattern in CARELESS.items():
                assert not pattern.search(text), f"{path}: {fault}: {pattern.search(text)}"


def test_every_column_holding_personal_data_is_declared_once_in_the_record() -> None:
    """The models against the record: a column added that names or identifies a person fails
    here until a row of app/personal_data.toml says what it is, why and for how long."""
    declared = privacy.declared_columns()
    twice = sorted({c for c in declared if declared.count(c) > 1})
    assert twice == [], f"declared in more than one row: {twice}"
    stored = personal_data.personal_columns()
    assert sorted(stored - set(declared)) == [], "personal data missing from the record"
    assert sorted(set(declared) - stored) == [], "declared, but no such personal column"
    # A safety net for what the rule above could miss: any column named for an address.
    tables = SQLModel.metadata.tables.values()
    addresses = {f"{t.name}.{c.name}" for t in tables for c in t.columns if "email" in c.name}
    assert addresses and addresses <= stored


def test_the_personal_data_record_has_both_languages_for_every_fact() -> None:
    facts = privacy.facts()
    for section in ("summary", "data", "cookies", "rights"):
        for entry in facts[section]:
            assert set(entry["en"]) == set(entry["fr"]), entry


def _configured_names(readme: str) -> set[str]:
    """The variables the README's configuration table names (`DEMINEURS_HOST_NAME`, `_PHONE`
    stands for DEMINEURS_HOST_PHONE)."""
    names: set[str] = set()
    for line in readme.split("## Configuration", 1)[1].split("\n## ", 1)[0].splitlines():
        if not line.startswith("| `"):
            continue
        prefix = ""
        for token in re.findall(r"`([A-Z_]+)`", line.split(" | ", 1)[0]):
            if token.startswith("DEMINEURS_"):
                prefix = "_".join(token.split("_")[:2])
                names.add(token)
            elif token.startswith("_") and prefix:
                names.add(prefix + token)
    return names


def test_every_setting_of_the_legal_pages_has_its_row_in_the_readme() -> None:
    names = _configured_names((PROJECT_ROOT / "README.md").read_text(encoding="utf-8"))
    for field in (*FILLED, "open_data_licence", "accessibility_status", "accessibility_audit"):
        assert f"DEMINEURS_{field.upper()}" in names, field
    for field in ("accessibility_declared_on", "accessibility_contact", "security_contact"):
        assert f"DEMINEURS_{field.upper()}" in names, field
    for field in ("robots_index_ideas", "stats_cache_seconds", "contact_email"):
        assert f"DEMINEURS_{field.upper()}" in names, field


def test_in_production_the_log_names_the_legal_settings_left_to_fill(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level("WARNING", logger="demineurs"):
        legal.warn_if_incomplete(legal.site(Settings()), "production")
        legal.warn_if_incomplete(legal.site(Settings(**FILLED)), "production")
        legal.warn_if_incomplete(legal.site(Settings()), "development")
    [record] = caplog.records
    assert "DEMINEURS_PUBLISHER_NAME" in record.getMessage()
    assert "DEMINEURS_DPO_CONTACT" in record.getMessage()
