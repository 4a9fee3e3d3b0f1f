"""Numbers and dates read the same on the pages, in the e-mails and in the exports: French, as
Babel writes it (app/formatting.py), never « 25.0 » or « 01/11/2026 »."""

import re
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlmodel import Session

from app import cli
from app.config import Settings, get_settings
from app.models import Role, User
from tests.conftest import Clock, MakeClient, soup
from tests.factories import LONG, make_call, make_deminage, make_idea, make_mine, make_user
from tests.html import find_tag, following, mail_body, one


def test_the_fiche_produit_writes_decimals_and_dates_the_french_way(
    db: Session, make_client: MakeClient, clock: Clock
) -> None:
    clock.now = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)  # 1 November, 00:30 in Paris
    author = make_user(db)
    idea = make_idea(
        db,
        author,
        clock.now,
        problem=LONG,
        solution=LONG,
        broken_rule=LONG,
        first_ground=LONG,
        themes="accueil",
    )
    db.commit()
    web = make_client(author)

    fiche = web.get(f"/ideas/{idea.id}/fiche.md").text
    assert "clarté 25,0" in fiche
    assert "25.0" not in fiche and "0.0" not in fiche
    assert "1er\u00a0novembre 2026" in fiche  # published, and the score history's row
    assert "01/11" not in fiche and "1 nov" not in fiche

    # The page says the day as the fiche does, with the time.
    page = soup(web.get(f"/ideas/{idea.id}")).get_text()
    assert "publiée le 1er\u00a0novembre 2026 à 00:30" in page


def test_a_reminder_e_mail_dates_the_deadline_as_the_call_page_does(
    db: Session,
    settings: Settings,
    clock: Clock,
    make_client: MakeClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock.now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    manager = make_user(db, role=Role.manager, unit="DGS")
    agent = make_user(db, unit="Accueil")
    call = make_call(db, manager, clock.now, units=["Accueil"], ideas_until=date(2026, 12, 1))
    db.commit()
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("DEMINEURS_MAIL_DIR", settings.mail_dir)
    get_settings.cache_clear()
    try:
        cli.main(["send-digest"], clock=clock)  # the opening
        clock.advance(days=2)  # less than three days before the deadline
        cli.main(["send-digest"], clock=clock)  # the reminder
    finally:
        get_settings.cache_clear()

    page = soup(make_client(agent).get(f"/calls/{call.id}"))
    shown = following(find_tag(page, "dt", string="Idées reçues jusqu’au"), "dd").get_text()
    assert shown == "1er\u00a0décembre 2026"

    bodies = []
    for path in Path(settings.mail_dir).glob("*.eml"):
        mail = message_from_bytes(path.read_bytes(), policy=policy.default)
        bodies.append(mail_body(mail))
    reminder = next(b for b in bodies if "il est encore temps" in b)
    assert f"jusqu’au {shown} inclus" in reminder


def test_counts_agree_with_their_noun_the_french_way(
    db: Session, make_client: MakeClient, clock: Clock
) -> None:
    """Plurals come from Babel (`| plural`): « 0 mine posée », « 1 autre idée », « 2 autres
    idées » — never a hand-made « s » that says « 0 mines »."""
    author, layer, reader = make_user(db, unit="Accueil"), make_user(db), make_user(db)
    said = "Les numéros de téléphone des usagers demandent une base légale et une durée"
    ideas = [make_idea(db, author, clock.now, title=f"Idée {n}") for n in range(3)]
    first = make_mine(
        db, ideas[0], layer, clock.now, category="data_privacy", title="Numéros", body=said
    )
    make_mine(db, ideas[1], layer, clock.now, category="data_privacy", title="Tél.", body=said)
    db.commit()
    web = make_client(reader)

    def recurring() -> str:
        page = soup(web.get("/ce-qui-bloque"))
        return re.sub(r"[ \t\n]+", " ", one(page, "article.recurring .meta").get_text())

    assert "et 1 autre idée\u00a0:" in recurring()
    make_mine(db, ideas[2], layer, clock.now, category="data_privacy", title="Tél", body=said)
    db.commit()
    assert "et 2 autres idées\u00a0:" in recurring()

    def record(person: User) -> list[str]:
        page = soup(web.get(f"/users/{person.id}"))
        return [" ".join(li.get_text().split()) for li in page.select("ul.record li")]

    assert record(layer)[0] == "3 mines posées"
    assert record(author)[:2] == ["0 mine posée", "0 déminage apporté"]
    make_deminage(db, first, author, clock.now, body="Le consentement suffit.")
    db.commit()
    assert record(author)[1] == "1 déminage apporté"


def test_lists_of_services_and_people_follow_the_french_dictionary_not_the_code_points(
    db: Session, make_client: MakeClient
) -> None:
    """« Éducation » between « archives » and « Voirie », not after Z nor a capital's rank."""
    manager = make_user(db, role=Role.manager, unit="Voirie", name="Zoé Zéphyr")
    make_user(db, unit="Éducation", name="Élodie Étienne")
    make_user(db, unit="archives", name="alain Aubert")
    admin = make_user(db, role=Role.admin, unit="Voirie", name="Bruno Blanc")
    db.commit()
    web = make_client(manager)
    order = ["archives", "Éducation", "Voirie"]
    for path, select in (("/board", "#f-unit"), ("/search", "#s-unit")):
        options = soup(web.get(path)).select(f"{select} option")
        assert [o.get_text() for o in options[1:]] == order, path
    form = soup(web.get("/calls/new"))
    boxes = [label.get_text(strip=True) for label in form.select("label:has(> input[name=units])")]
    assert boxes == order
    rows = soup(make_client(admin).get("/admin/users")).select("tbody tr")
    names = [row.get_text(" ", strip=True) for row in rows]
    firsts = [next(n for n in ("alain", "Bruno", "Élodie", "Zoé") if n in row) for row in names]
    assert firsts == ["alain", "Bruno", "Élodie", "Zoé"]
