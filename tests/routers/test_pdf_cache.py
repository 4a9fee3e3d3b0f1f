"""Fiches in PDF made by WeasyPrint and kept: a kept one is served without rendering its HTML, and
whatever the fiche shows — a mine, its answer, a name, moderation as each viewer reads it, the
scoring parameters — changed, the next PDF says it."""

import io
from pathlib import Path

from fastapi import FastAPI
from pypdf import PdfReader
from sqlmodel import Session, select

from app import rescore
from app.config import Settings
from app.models import Deminage, Mine, Role
from app.services import pdfs
from tests.conftest import Clock, MakeClient, WebClient
from tests.factories import make_idea, make_user


def _text(content: bytes) -> str:
    """The PDF's words, its no-break spaces read as spaces."""
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _renders() -> int:
    return pdfs.RENDERED[pdfs.SHEET_TEMPLATE]


class Fiche:
    """One idea's fiche in PDF as a client downloads it, and how many HTML renders it cost."""

    def __init__(self, url: str) -> None:
        self.url = url

    def get(self, client: WebClient) -> tuple[bytes, int]:
        before = _renders()
        response = client.get(self.url)
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        return response.content, _renders() - before


def test_a_kept_pdf_is_served_without_rendering_its_html_or_touching_its_file(
    make_client: MakeClient, db: Session, clock: Clock, settings: Settings
) -> None:
    author, reader, colleague = make_user(db), make_user(db), make_user(db)
    idea = make_idea(db, author, clock.now, title="Guichet unique des subventions")
    db.commit()
    fiche = Fiche(f"/ideas/{idea.id}/fiche.pdf")
    first, rendered = fiche.get(make_client(reader))
    assert rendered == 1 and "Guichet unique des subventions" in _text(first)
    (kept,) = Path(settings.pdf_cache_dir).glob("*.pdf")
    made_at = kept.stat().st_mtime_ns
    clock.advance(minutes=5)
    for client in (make_client(reader), make_client(colleague)):  # shown the same fiche
        again, rendered = fiche.get(client)
        assert again == first and rendered == 0
    assert kept.stat().st_mtime_ns == made_at
    assert list(Path(settings.pdf_cache_dir).glob("*.pdf")) == [kept]


def test_each_change_the_fiche_shows_makes_a_new_pdf_that_says_it(
    app: FastAPI, make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author = make_user(db, name="Paule Porteuse")
    objector = make_user(db, name="Odile Objecteuse", unit="Finances")
    helper = make_user(db, name="Hélène Aidante", unit="Achats")
    reader, admin = make_user(db), make_user(db, role=Role.admin)
    idea = make_idea(db, author, clock.now, title="Guichet unique")
    db.commit()
    fiche = Fiche(f"/ideas/{idea.id}/fiche.pdf")
    reading = make_client(reader)
    served = [fiche.get(reading)[0]]

    def new_pdf(client: WebClient = reading) -> str:
        content, rendered = fiche.get(client)
        assert rendered == 1 and content not in served
        served.append(content)
        again, rendered = fiche.get(client)  # then kept
        assert again == content and rendered == 0
        return _text(content)

    # A mine laid.
    objecting = make_client(objector)
    laid = objecting.post_form(
        f"/ideas/{idea.id}/mines",
        {"category": "legal", "severity": "blocking", "body": "Objection CANARIMINE."},
    )
    assert laid.status_code == 303
    text = new_pdf()
    assert "CANARIMINE" in text and "Objecteuse" in text and "Encore active" in text

    # A déminage brought: not accepted, its words are not on the fiche, its author is, among
    # the regards croisés…
    mine = db.exec(select(Mine).where(Mine.idea_id == idea.id)).one()
    helping = make_client(helper)
    answered = helping.post_form(
        f"/mines/{mine.id}/deminages", {"kind": "solution", "body": "Réponse CANARIREPONSE."}
    )
    assert answered.status_code == 303
    text = new_pdf()
    assert "Aidante" in text and "CANARIREPONSE" not in text
    # …then accepted by the one who laid the mine.
    deminage = db.exec(select(Deminage).where(Deminage.mine_id == mine.id)).one()
    assert objecting.post_form(f"/deminages/{deminage.id}/accept").status_code == 303
    text = new_pdf()
    assert "CANARIREPONSE" in text and "Désamorcée" in text and "Aidante" in text

    # The one who laid the mine closes their account: their name leaves the fiche.
    closed = objecting.post_form("/profile/close", {"confirm": "FERMER"})
    assert closed.status_code == 303
    text = new_pdf()
    assert "Objecteuse" not in text and "Compte supprimé" in text and "CANARIMINE" in text

    # The mine hidden by an admin: a colleague's fiche holds the words no more, an admin's does
    # (asked first: a kept PDF made for an admin never serves a colleague).
    administering = make_client(admin)
    hidden = administering.post_form(f"/mines/{mine.id}/hide", {"reason": "Hors sujet"})
    assert hidden.status_code == 303
    admin_text = new_pdf(administering)
    assert "CANARIMINE" in admin_text and "Masquée par la modération" in admin_text
    text = new_pdf()
    assert "CANARIMINE" not in text and "CANARIREPONSE" not in text
    assert "Masquée par la modération" in text

    # The scoring parameters changed by an admin: the fiche's conditions follow.
    assert "Au moins 3 regards croisés" in text and "Au moins 5" not in text
    form = {
        "ripe_threshold": "70",
        "min_reviewers": "5",
        "quiet_period_hours": "72",
        "weight_minor": "1",
        "weight_major": "3",
        "weight_blocking": "9",
    }
    assert administering.post_form("/admin/scoring", form).status_code == 303
    # Until the recomputation reaches the idea, its fiche keeps the parameters it was scored
    # with (as its page does): the kept PDF.
    assert fiche.get(reading) == (served[-1], 0)
    rescore.run_pending(app.state.engine, "test", clock)
    text = new_pdf()
    assert "Au moins 5 regards croisés" in text and "Au moins 3" not in text
