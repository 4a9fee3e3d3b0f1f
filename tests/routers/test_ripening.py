"""Reaching « mûre »: the idea page shows the field cleared with its thanks, and the author and
the people who helped are told once per ripening, whether a write or time alone ripened it."""

from sqlmodel import Session, col, select

from app.models import Idea, Notification, NotificationKind, OutboxMessage, Role
from app.models.base import pk
from app.services import mines, ripening
from app.services.readiness import ScoringParams
from tests.conftest import Clock, MakeClient, soup, text_of
from tests.factories import LONG, make_deminage, make_idea, make_mine, make_user
from tests.html import find_tag, one
from tests.routers.test_french_typography import faults_in

P = ScoringParams()


def _told(db: Session, idea: Idea) -> list[int]:
    db.expire_all()
    return sorted(
        n.user_id
        for n in db.exec(
            select(Notification).where(
                Notification.idea_id == idea.id, Notification.kind == NotificationKind.idea_ripe
            )
        )
    )


def test_ripening_is_a_moment_told_once_to_the_author_and_the_helpers(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author = make_user(db, name="Amina Diallo", unit="Accueil")
    layers = [
        make_user(db, name=n, unit=u)
        for n, u in (("Alice", "DSI"), ("Bruno", "RH"), ("Chloé", "DGS"))
    ]
    helper = make_user(db, name="Hugo", unit="Juridique")
    off_topic = make_user(db, name="Olga Horsujet", unit="Finances")
    idea = make_idea(
        db, author, clock.now, problem=LONG, solution=LONG, broken_rule=LONG, first_ground=LONG
    )
    for layer in layers:
        mine = make_mine(db, idea, layer, clock.now, title=f"Mine de {layer.name}")
        answer = make_deminage(db, mine, helper, clock.now)
        mines.accept_deminage(db, P, layer, answer, mine, idea, clock.now)
    aside = make_deminage(db, mine, off_topic, clock.now, body="Rien à voir.")
    mines.dismiss_deminage(db, author, aside, mine, idea, "Hors sujet.", clock.now)
    db.commit()
    client = make_client(author)
    page = soup(client.get(f"/ideas/{idea.id}"))
    assert page.find(id="terrain-demine") is None  # the quiet period still runs

    # Time alone ripens it: the page shows the moment at once, the sweep tells them once.
    clock.advance(hours=73)
    page = soup(client.get(f"/ideas/{idea.id}"))
    moment = find_tag(page, id="terrain-demine")
    assert text_of(page, "#terrain-demine h2") == "Le terrain est déminé"
    assert "minefield--cleared" in one(moment, ".minefield")["class"]
    assert "elle est mûre, prête à devenir un projet" in text_of(page, "#terrain-demine .cleared")
    assert "Merci à Alice, Hugo, Bruno et Chloé pour leurs mines et leurs déminages" in text_of(
        page, "#terrain-demine .cleared"
    )  # first helpers first; not Olga, whose answer did not answer
    assert moment.find("script") is None  # a moment without JavaScript
    assert ripening.announce_due(db, clock.now) == 1
    db.commit()
    assert _told(db, idea) == sorted([pk(author), pk(helper), *(pk(p) for p in layers)])
    mail = db.exec(
        select(OutboxMessage).where(
            col(OutboxMessage.subject).contains("est mûre"), OutboxMessage.to_email == author.email
        )
    ).one()
    assert mail.to_email == author.email and "est mûre" in mail.subject
    assert "Merci à Alice, Hugo, Bruno et Chloé." in mail.body

    # Neither a reload, nor a sweep again, nor a write that keeps it ripe tells them again.
    client.get(f"/ideas/{idea.id}")
    assert ripening.announce_due(db, clock.now) == 0
    make_deminage(db, mine, make_user(db, name="Zoé"), clock.now, body="Encore une idée.")
    db.commit()
    assert len(_told(db, idea)) == 5

    # A bombe unripens it; once defused and quiet again, a write ripens it: a new moment.
    manager = make_user(db, name="Marc", unit="DGS", role=Role.manager)
    bombe = make_mine(db, idea, manager, clock.now, severity="blocking", title="Sécurité")
    db.commit()
    assert soup(client.get(f"/ideas/{idea.id}")).find(id="terrain-demine") is None
    answer = make_deminage(db, bombe, helper, clock.now, body="Audit fait.")
    mines.accept_deminage(db, P, manager, answer, bombe, idea, clock.now)
    clock.advance(hours=73)
    make_deminage(db, bombe, layers[0], clock.now, body="Et l’audit est publié.")
    db.commit()
    told = _told(db, idea)
    # The same again but Alice, whose write ripened it (she sees the page), the manager whose
    # bombe it was, and Zoé who answered meanwhile.
    assert len(told) == 11 and told.count(pk(author)) == 2 and told.count(pk(layers[0])) == 1
    assert manager.id in told
    assert ripening.announce_due(db, clock.now) == 0


def test_an_idea_that_stops_being_ripe_says_why_in_french_typography(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author = make_user(db, name="Amina Diallo", unit="Accueil")
    helper = make_user(db, name="Hugo", unit="Juridique")
    idea = make_idea(
        db, author, clock.now, problem=LONG, solution=LONG, broken_rule=LONG, first_ground=LONG
    )
    for name, unit in (("Alice", "DSI"), ("Bruno", "RH"), ("Chloé", "DGS")):
        layer = make_user(db, name=name, unit=unit)
        mine = make_mine(db, idea, layer, clock.now, title=f"Mine de {name}")
        answer = make_deminage(db, mine, helper, clock.now)
        mines.accept_deminage(db, P, layer, answer, mine, idea, clock.now)
    denis = make_user(db, name="Denis", unit="Sécurité")
    db.commit()
    clock.advance(hours=73)
    author_client = make_client(author)
    assert soup(author_client.get(f"/ideas/{idea.id}")).find(id="terrain-demine") is not None

    # A colleague lays a bombe through the page: the idea is no longer ripe, and says why.
    colleague = make_client(denis)
    laid = colleague.post_form(
        f"/ideas/{idea.id}/mines",
        {"category": "security", "severity": "blocking", "title": "Faille", "body": LONG},
    )
    assert laid.status_code == 303, laid.text
    page = soup(author_client.get(f"/ideas/{idea.id}"))
    assert page.find(id="terrain-demine") is None
    lines = [li.get_text("") for li in page.select(".history li")]
    unripe = [line for line in lines if "plus mûre" in line]
    assert len(unripe) == 1, lines
    # What the author reads, with the apostrophe and the no-break spaces a phone keeps together.
    assert unripe[0].endswith(
        "Denis\u00a0: N’est plus mûre\u00a0: bombe «\u00a0Faille\u00a0» posée"
        " — aucune bombe active\u202f; aucune mine posée ou rouverte depuis 72\u00a0h."
    )
    assert faults_in(unripe[0]) == []
    sheet = author_client.get(f"/ideas/{idea.id}/fiche.md").text
    assert "N’est plus mûre\u00a0: bombe «\u00a0Faille\u00a0» posée" in sheet
    assert "N'est plus" not in sheet
