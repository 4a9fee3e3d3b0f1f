"""The field of mines is rendered once per set of rights and shared (app/templating.py's
FragmentCache): each viewer must still get their own forms, their own CSRF token, and the
latest state of the field."""

from sqlmodel import Session

from app.models import Role
from app.services import moderation
from app.services.readiness import ScoringParams
from app.templating import FragmentCache
from tests.conftest import Clock, MakeClient, soup
from tests.factories import make_deminage, make_idea, make_mine, make_user
from tests.html import attr, one


def _tokens(page, where: str) -> set[str]:
    return {i["value"] for i in page.select(f"{where} input[name=csrf_token]")}


def test_each_viewer_gets_their_own_token_and_rights(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author = make_user(db, name="Autrice")
    layer = make_user(db, name="Poseuse")
    first, second = make_user(db, name="Première"), make_user(db, name="Second")
    idea = make_idea(db, author, clock.now)
    mine = make_mine(db, idea, layer, clock.now, title="Coût de la maintenance")
    make_deminage(db, mine, first, clock.now, body="Le budget existe déjà.")
    db.commit()

    pages, tokens = {}, []
    for user in (second, first, layer, author):  # an uninvolved agent renders it first
        client = make_client(user)
        page = soup(client.get(f"/ideas/{idea.id}"))
        # The shared part carries the token of this session, as the rest of the page does.
        own = _tokens(page, "header form[action$=follow]")
        assert len(own) == 1 and _tokens(page, "#mines-title ~ article") == own, user.name
        tokens.append(own)
        pages[user.name] = page
    assert len({t.pop() for t in tokens}) == 4

    def buttons(name: str) -> set[str]:
        return {b.get_text(strip=True) for b in pages[name].select(f"#mine-{mine.id} button")}

    assert "Retirer ma mine" in buttons("Poseuse")
    assert "Retirer ma mine" not in buttons("Second")
    assert "Accepter ce déminage" in buttons("Autrice")
    assert "Accepter ce déminage" not in buttons("Second")
    # « Ça aide » is for others' déminages: not on one's own.
    assert any(b.startswith("Ça aide") for b in buttons("Second"))
    assert not any(b.startswith("Ça aide") for b in buttons("Première"))


def test_the_field_shows_each_change_at_once(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author = make_user(db, name="Autrice")
    reader = make_user(db, name="Lectrice")
    idea = make_idea(db, author, clock.now)
    mine = make_mine(db, idea, make_user(db, name="Poseuse"), clock.now, title="Hébergement")
    db.commit()
    client = make_client(reader)
    assert "Proposer un déminage" in client.get(f"/ideas/{idea.id}").text

    make_deminage(db, mine, make_user(db, name="Experte"), clock.now, body="Hébergeur agréé.")
    db.commit()
    assert "Hébergeur agréé." in client.get(f"/ideas/{idea.id}").text

    deminage_id = attr(one(soup(client.get(f"/ideas/{idea.id}")), ".deminage"), "id").split("-")[1]
    assert client.post_form(f"/deminages/{deminage_id}/helpful").status_code == 303
    pressed = one(soup(client.get(f"/ideas/{idea.id}")), ".deminage button[aria-pressed]")
    assert pressed["aria-pressed"] == "true" and "(1)" in pressed.get_text()


def test_hidden_mine_leaves_the_shared_field_for_all_but_admins(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author = make_user(db, name="Autrice")
    admin = make_user(db, name="Admin", role=Role.admin)
    idea = make_idea(db, author, clock.now)
    mine = make_mine(db, idea, make_user(db, name="Poseuse"), clock.now, title="Propos blessant")
    lectrice = make_user(db, name="Lectrice")
    db.commit()
    reader = make_client(lectrice)
    assert "Propos blessant" in reader.get(f"/ideas/{idea.id}").text

    moderation.hide(db, ScoringParams(), admin, mine, idea, "Injurieux", clock.now)
    db.commit()
    assert "Propos blessant" not in reader.get(f"/ideas/{idea.id}").text
    assert "Propos blessant" in make_client(admin).get(f"/ideas/{idea.id}").text


def test_the_shared_renderings_stay_within_their_memory_budget() -> None:
    cache = FragmentCache(max_chars=1_000)
    for n in range(50):
        cache.put(n, "x" * 100)
        cache.get(0)  # read often: kept
    assert cache.chars <= 1_000
    assert cache.get(0) is not None and cache.get(49) is not None
    assert cache.get(1) is None  # the least recently read went first
    cache.put("huge", "x" * 2_000)  # larger than the whole budget: not kept
    assert cache.get("huge") is None and cache.chars <= 1_000
