"""Moderation and the audit log: an admin hides abusive content with a reason, its author sees
why, nobody else reads it, the score forgets it, and every sensitive change is on record."""

from collections.abc import Iterator, Sequence
from typing import Any, TypedDict
from urllib.parse import urlsplit

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from sqlmodel import Session, select

from app.models import Deminage, Idea, Mine, OutboxMessage, Role, User
from app.services import ideas, search
from app.services.readiness import ScoringParams
from tests.conftest import ApiClient, Clock, MakeClient, field_error, soup, text_of
from tests.factories import make_deminage, make_idea, make_mine, make_user
from tests.html import attr, one

INSULT = "Texte injurieux envers un collègue"


class Scene(TypedDict):
    author: User
    rude: User
    other: User
    admin: User
    idea: Idea
    mine: Mine
    deminage: Deminage


@pytest.fixture
def scene(db: Session, clock: Clock) -> Scene:
    author = make_user(db, name="Amina Diallo", unit="Accueil")
    rude = make_user(db, name="Rémi Rude", unit="DSI")
    other = make_user(db, name="Olga Autre", unit="RH")
    admin = make_user(db, name="Ada Admin", unit="DGS", role=Role.admin)
    idea = make_idea(db, author, clock.now, title="Guichet unique")
    mine = make_mine(db, idea, rude, clock.now, severity="blocking", title="Bombe", body=INSULT)
    deminage = make_deminage(db, mine, other, clock.now, body="Un contournement cordial.")
    db.commit()
    return {
        "author": author,
        "rude": rude,
        "other": other,
        "admin": admin,
        "idea": idea,
        "mine": mine,
        "deminage": deminage,
    }


def test_admin_hides_a_mine_its_author_sees_why_others_see_nothing(
    make_client: MakeClient, api_client: ApiClient, scene: Scene, db: Session
) -> None:
    idea, mine = scene["idea"], scene["mine"]
    admin = make_client(scene["admin"])
    page = f"/ideas/{idea.id}"

    # A reason is required: the form comes back with the message beside the field.
    refused = admin.post_form(f"/mines/{mine.id}/hide", {"reason": "  "})
    assert refused.status_code == 422
    assert field_error(soup(refused), f"hide-mine-{mine.id}-reason")
    assert INSULT in make_client(scene["other"]).get(page).text

    # Agents cannot moderate.
    assert (
        make_client(scene["other"]).post_form(f"/mines/{mine.id}/hide", {"reason": "x"}).status_code
        == 403
    )

    searcher = make_client(scene["other"])
    assert f"#mine-{mine.id}" in searcher.get("/search", params={"q": "injurieux"}).text
    before = api_client(scene["author"]).get(f"/api/v1/ideas/{idea.id}").json()["readiness"]
    assert not next(g for g in before["gates"] if g["name"] == "no_open_bomb")["ok"]
    assert (
        admin.post_form(f"/mines/{mine.id}/hide", {"reason": "Propos injurieux"}).status_code == 303
    )

    seen_by_other = make_client(scene["other"]).get(page)
    assert INSULT not in seen_by_other.text and "Mine masquée" in seen_by_other.text
    seen_by_rude = soup(make_client(scene["rude"]).get(page))
    assert INSULT not in seen_by_rude.text  # hidden content: admins only
    assert "Votre mine a été masquée par la modération" in text_of(seen_by_rude, f"#mine-{mine.id}")
    assert "Propos injurieux" in text_of(seen_by_rude, f"#mine-{mine.id}")
    assert INSULT in admin.get(page).text and "Rétablir cette mine" in admin.get(page).text

    # Out of the API for others, out of the search, out of the score.
    as_other = api_client(scene["other"]).get(f"/api/v1/ideas/{idea.id}").json()
    hidden = next(m for m in as_other["mines"] if m["id"] == mine.id)
    assert hidden["hidden"] and hidden["body"] == "" and hidden["title"] == "Mine masquée"
    assert INSULT not in str(as_other)
    assert f"#mine-{mine.id}" not in searcher.get("/search", params={"q": "injurieux"}).text
    after = api_client(scene["author"]).get(f"/api/v1/ideas/{idea.id}").json()["readiness"]
    assert next(g for g in after["gates"] if g["name"] == "no_open_bomb")["ok"]

    # Restored: everyone reads it again, and it counts again.
    assert admin.post_form(f"/mines/{mine.id}/restore").status_code == 303
    assert INSULT in make_client(scene["other"]).get(page).text
    again = api_client(scene["author"]).get(f"/api/v1/ideas/{idea.id}").json()["readiness"]
    assert not next(g for g in again["gates"] if g["name"] == "no_open_bomb")["ok"]


def test_a_hidden_deminage_is_read_by_admins_only_and_its_author_learns_why(
    make_client: MakeClient, scene: Scene
) -> None:
    d = scene["deminage"]
    admin = make_client(scene["admin"])
    assert admin.post_form(f"/deminages/{d.id}/hide", {"reason": "Hors sujet"}).status_code == 303
    page = f"/ideas/{scene['idea'].id}"
    assert "Un contournement cordial." not in make_client(scene["author"]).get(page).text
    own = soup(make_client(scene["other"]).get(page))
    assert "Un contournement cordial." not in own.text
    assert "Votre déminage a été masqué par la modération" in text_of(own, f"#deminage-{d.id}")
    assert "Hors sujet" in text_of(own, f"#deminage-{d.id}")


def test_the_audit_log_records_sensitive_changes_and_only_admins_read_it(
    app: FastAPI,
    make_client: MakeClient,
    api_client: ApiClient,
    scene: Scene,
    db: Session,
    clock: Clock,
) -> None:
    admin = make_client(scene["admin"])
    other = scene["other"]
    assert (
        admin.post_form(
            f"/mines/{scene['mine'].id}/hide", {"reason": "Propos injurieux"}
        ).status_code
        == 303
    )
    changed = admin.post_form(
        f"/admin/users/{other.id}", {"role": "manager", "unit": "RH", "active": "on"}
    )
    assert changed.status_code == 303
    # The author accepts the déminage on the (restored) mine.
    assert admin.post_form(f"/mines/{scene['mine'].id}/restore").status_code == 303
    accept = api_client(scene["author"]).post(f"/api/v1/deminages/{scene['deminage'].id}/accept")
    assert accept.status_code == 200, accept.text

    log = soup(admin.get("/admin/audit"))
    rows = [
        " | ".join(td.get_text(" ", strip=True) for td in tr.find_all("td"))
        for tr in log.select("tbody tr")
    ]
    assert len(rows) == 4
    assert rows[0].split(" | ")[2:4] == ["Déminage accepté", f"deminage:{scene['deminage'].id}"]
    assert "Contenu rétabli par la modération" in rows[1]
    role = rows[2].split(" | ")
    assert role[1:4] == ["Ada Admin", "Droits d’un compte modifiés", f"user:{other.id}"]
    assert "role\u00a0: agent" in role[4] and "role\u00a0: manager" in role[5]
    assert "Propos injurieux" in rows[3] and "Contenu masqué" in rows[3]

    # Agents and managers do not read it; nothing in the app writes to it.
    assert make_client(scene["other"]).get("/admin/audit").status_code == 403
    app_routes = app.routes
    audit_methods = {
        m
        for r in _flat(app_routes)
        if getattr(r, "path", "").startswith("/admin/audit")
        for m in getattr(r, "methods", set())
    }
    assert audit_methods <= {"GET", "HEAD"}


def _flat(routes: Sequence[Any]) -> Iterator[Any]:
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _flat(included.routes)
        else:
            yield route


def test_promotions_and_score_settings_are_on_record(
    make_client: MakeClient, scene: Scene, db: Session
) -> None:
    manager = make_user(db, name="Marc Manager", role=Role.manager)
    db.commit()
    decision = {
        "sponsor": "DGS",
        "next_step": "Pilote",
        "target_date": "2027-03-31",
        "reason": "Urgence sanitaire",
        "outcome": "Un pilote.",
    }
    promoted = make_client(manager).post_form(f"/ideas/{scene['idea'].id}/promote", decision)
    assert promoted.status_code == 303
    admin = make_client(scene["admin"])
    form = {
        "ripe_threshold": "60",
        "min_reviewers": "3",
        "quiet_period_hours": "72",
        "weight_minor": "1",
        "weight_major": "3",
        "weight_blocking": "8",
    }
    assert admin.post_form("/admin/scoring", form).status_code == 303
    rows = [
        tr.get_text(" | ", strip=True) for tr in soup(admin.get("/admin/audit")).select("tbody tr")
    ]
    assert len(rows) == 2
    # Only what changed, from the values in force to the new ones.
    assert "Paramètres du score modifiés" in rows[0]
    assert "ripe_threshold\u00a0: 70" in rows[0] and "ripe_threshold\u00a0: 60" in rows[0]
    assert "min_reviewers" not in rows[0]
    assert "Marc Manager" in rows[1] and "Idée promue en projet" in rows[1]
    assert "Urgence sanitaire" in rows[1]


def test_nobody_acts_on_hidden_content_and_restoring_brings_everything_back(
    make_client: MakeClient, api_client: ApiClient, scene: Scene, db: Session
) -> None:
    idea, mine, d = scene["idea"], scene["mine"], scene["deminage"]
    admin = make_client(scene["admin"])
    author, other = make_client(scene["author"]), make_client(scene["other"])
    author_api, other_api = api_client(scene["author"]), api_client(scene["other"])
    newcomer = make_user(db, name="Nina Neuve", unit="Voirie")
    db.commit()
    score = author_api.get(f"/api/v1/ideas/{idea.id}").json()["score"]
    assert (
        admin.post_form(f"/mines/{mine.id}/hide", {"reason": "Propos injurieux"}).status_code == 303
    )
    hidden_score = author_api.get(f"/api/v1/ideas/{idea.id}").json()["score"]

    def refused_html(response: httpx.Response) -> None:
        assert response.status_code in (409, 422), response.text
        assert "masquée par la modération" in response.text
        assert INSULT not in response.text and "Bombe" not in one(soup(response), "title").text

    def refused_api(response: httpx.Response) -> None:
        assert response.status_code == 409, response.text
        assert "masquée par la modération" in response.json()["detail"]
        assert INSULT not in response.text and "Propos injurieux" not in response.text

    # A déminage to a hidden mine, an invitation to it, accepting or « ça aide » under it.
    form = {"kind": "solution", "body": "Encore une idée."}
    refused_html(author.post_form(f"/mines/{mine.id}/deminages", form))
    refused_api(author_api.post(f"/api/v1/mines/{mine.id}/deminages", json=form))
    refused_html(
        author.post_form(f"/mines/{mine.id}/invitations", {"invitee_id": str(newcomer.id)})
    )
    refused_api(
        author_api.post(f"/api/v1/mines/{mine.id}/invitations", json={"invitee_id": newcomer.id})
    )
    refused_html(author.post_form(f"/deminages/{d.id}/accept"))
    refused_api(author_api.post(f"/api/v1/deminages/{d.id}/accept"))
    refused_api(author_api.post(f"/api/v1/deminages/{d.id}/helpful"))
    assert author_api.get(f"/api/v1/ideas/{idea.id}").json()["score"] == hidden_score
    assert api_client(newcomer).get("/api/v1/notifications").json() == []  # never invited

    # Restored: every action works again, and the score is what it was.
    assert admin.post_form(f"/mines/{mine.id}/restore").status_code == 303
    assert author_api.get(f"/api/v1/ideas/{idea.id}").json()["score"] == score
    invited = author_api.post(
        f"/api/v1/mines/{mine.id}/invitations", json={"invitee_id": newcomer.id}
    )
    assert invited.status_code == 201, invited.text

    # A hidden déminage under a visible mine: neither « ça aide » nor accepted, nothing leaks.
    assert admin.post_form(f"/deminages/{d.id}/hide", {"reason": "Hors sujet"}).status_code == 303
    helpful = author_api.post(f"/api/v1/deminages/{d.id}/helpful")
    assert helpful.status_code == 409 and "masqué par la modération" in helpful.json()["detail"]
    assert "cordial" not in helpful.text and "Hors sujet" not in helpful.text
    accepted = author.post_form(f"/deminages/{d.id}/accept")
    assert accepted.status_code == 409 and "cordial" not in accepted.text
    assert author_api.get(f"/api/v1/ideas/{idea.id}").json()["mines"][0]["status"] == "open"
    assert other.get(f"/ideas/{idea.id}").status_code == 200
    assert (
        other_api.get(f"/api/v1/ideas/{idea.id}").json()["mines"][0]["deminages"][0]["body"] == ""
    )


def test_a_hidden_mine_counts_as_withdrawn_on_the_board_and_in_open_data(
    make_client: MakeClient, api_client: ApiClient, scene: Scene
) -> None:
    idea, mine = scene["idea"], scene["mine"]
    other = api_client(scene["other"])

    def open_mines() -> tuple[dict[str, int], int, int]:
        row = next(
            r for r in other.get("/api/v1/board?status=all").json()["items"] if r["id"] == idea.id
        )
        data = make_client().get("/open-data/ideas.json").json()["ideas"]
        counts = next(i for i in data if i["id"] == idea.id)["mines"]["legal"]
        return row["open_mines"], counts["open"], counts["withdrawn"]

    assert open_mines() == ({"blocking": 1}, 1, 0)
    admin = make_client(scene["admin"])
    assert (
        admin.post_form(f"/mines/{mine.id}/hide", {"reason": "Propos injurieux"}).status_code == 303
    )
    assert open_mines() == ({}, 0, 1)
    assert admin.post_form(f"/mines/{mine.id}/restore").status_code == 303
    assert open_mines() == ({"blocking": 1}, 1, 0)


def test_history_lines_about_a_hidden_mine_hide_their_reasons_and_people_even_after_a_merge(
    make_client: MakeClient, scene: Scene, db: Session, clock: Clock
) -> None:
    """A reopen reason, a risk's reason and who laid the mine are part of what was hidden: the
    history masks such lines whole, on the page and in the fiche, and still after an admin
    merges the idea into another (its mines move, its history stays)."""
    from app.services import mines
    from app.services.readiness import ScoringParams

    idea, rude, author = scene["idea"], scene["rude"], scene["author"]
    minor = make_mine(db, idea, rude, clock.now, severity="minor", title="Pétard discret")
    mines.accept_risk(db, ScoringParams(), author, minor, idea, "Risquecache assume", clock.now)
    mines.reopen(db, ScoringParams(), rude, minor, idea, "Raisoncachee de rouvrir", clock.now)
    other_idea = make_idea(db, scene["other"], clock.now, title="Idée gardée")
    db.commit()
    admin = make_client(scene["admin"])
    assert admin.post_form(f"/mines/{minor.id}/hide", {"reason": "Propos"}).status_code == 303
    reader = make_client(scene["other"])
    secrets = ("Raisoncachee", "Risquecache", "Pétard discret")

    def shown() -> str:
        page = soup(reader.get(f"/ideas/{idea.id}"))
        history = text_of(page, "#history-title + ol") if page.find(id="history-title") else ""
        return history + reader.get(f"/ideas/{idea.id}/fiche.md").text

    before = shown()
    assert "mine masquée" in before
    # Its cell in the field says what the score counts: hidden, out of play.
    cells = [
        c.get_text(" ", strip=True)
        for c in soup(reader.get(f"/ideas/{idea.id}")).select(".minefield .cell")
    ]
    assert any("Masquée" in c for c in cells) and not any("Pétard discret" in c for c in cells)
    assert not [s for s in secrets if s in before]
    assert "Raisoncachee" in admin.get(f"/ideas/{idea.id}/fiche.md").text  # admins read it all
    merged = admin.post_form(
        "/admin/merge", {"keep": other_idea.id, "merged": idea.id, "outcome": "Doublon."}
    )
    assert merged.status_code == 303
    after = reader.get(f"/ideas/{idea.id}/fiche.md").text
    assert not [s for s in secrets if s in after]


QUOTED_TITLE = "Stationnement des agents municipaux"
EVERYWHERE = {"/search": True, "/sommeil": True, "similar ideas": True, "/api/v1/sleeping": True}
NOWHERE = dict.fromkeys(EVERYWHERE, False)


def _links_to(page: BeautifulSoup, idea: Idea) -> bool:
    links = page.select("a[href]")
    return any(urlsplit(attr(a, "href")).path == f"/ideas/{idea.id}" for a in links)


def test_a_lesson_quoting_a_hidden_mine_no_longer_makes_its_idea_findable(
    make_client: MakeClient, api_client: ApiClient, db: Session, clock: Clock
) -> None:
    author = make_user(db, name="Amina Diallo", unit="Accueil")
    layer = make_user(db, name="Rémi Rude", unit="DSI")
    moderator = make_user(db, name="Ada Admin", unit="DGS", role=Role.admin)
    searcher = make_user(db, name="Olga Autre", unit="RH")
    idea = make_idea(db, author, clock.now, title="Ouverture tardive", problem="Horaires courts.")
    mine = make_mine(db, idea, layer, clock.now, title=QUOTED_TITLE, body="Horaires ?")
    lesson = f"Le {QUOTED_TITLE.lower()} nous a arrêtés."
    ideas.abandon(db, ScoringParams(), author, idea, lesson, clock.now)
    db.commit()
    admin, web, api = make_client(moderator), make_client(searcher), api_client(searcher)

    def finds_the_idea() -> dict[str, bool]:
        """Where a colleague who searches the mine's title is shown the closed idea."""
        q = {"q": QUOTED_TITLE}
        asleep = api.get("/api/v1/sleeping", params=q).json()["items"]
        return {
            "/search": _links_to(
                soup(web.get("/search", params={**q, "status": "abandoned"})), idea
            ),
            "/sommeil": _links_to(soup(web.get("/sommeil", params=q)), idea),
            "similar ideas": _links_to(
                soup(web.get("/ideas/similar", params={"title": QUOTED_TITLE})), idea
            ),
            "/api/v1/sleeping": idea.id in [r["id"] for r in asleep],
        }

    assert finds_the_idea() == EVERYWHERE
    assert admin.post_form(f"/mines/{mine.id}/hide", {"reason": "Hors sujet"}).status_code == 303
    assert finds_the_idea() == NOWHERE
    # `demineurs reindex` leaves the masked lesson out too.
    search.rebuild(db)
    db.commit()
    assert finds_the_idea() == NOWHERE
    # Restored, the lesson reads whole again, and finds its idea again.
    assert admin.post_form(f"/mines/{mine.id}/restore").status_code == 303
    assert finds_the_idea() == EVERYWHERE


def test_a_lesson_loses_only_its_sentence_quoting_a_hidden_mine_and_its_writer_is_told_why(
    make_client: MakeClient, api_client: ApiClient, db: Session, clock: Clock
) -> None:
    author = make_user(db, name="Amina Diallo", unit="Accueil")
    layer = make_user(db, name="Rémi Rude", unit="DSI")
    moderator = make_user(db, name="Ada Admin", unit="DGS", role=Role.admin)
    colleague = make_user(db, name="Olga Autre", unit="RH")
    idea = make_idea(db, author, clock.now, title="Ouverture tardive", problem="Horaires courts.")
    mine = make_mine(db, idea, layer, clock.now, title=QUOTED_TITLE, body="Horaires ?")
    kept = ("Le terrain a manqué de bras.", "Nous recommencerons avec la régie Tramontane.")
    quoting = f"Le {QUOTED_TITLE.lower()} nous a arrêtés !"
    ideas.abandon(db, ScoringParams(), author, idea, f"{kept[0]} {quoting} {kept[1]}", clock.now)
    db.commit()
    admin = make_client(moderator)
    assert admin.post_form(f"/mines/{mine.id}/hide", {"reason": "Hors sujet"}).status_code == 303
    page = f"/ideas/{idea.id}"

    def lesson_on(client: Any, path: str = page, where: str = "#issue") -> str:
        return text_of(soup(client.get(path)), where)

    web = make_client(colleague)
    for read in (lesson_on(web), lesson_on(web, "/sommeil", f"#sleeping-idea-{idea.id}")):
        assert kept[0] in read and kept[1] in read and "[Passage masqué" in read, read
        assert QUOTED_TITLE.lower() not in read.lower() and "arrêtés" not in read
        assert "leçon cite" not in read  # a colleague is not told there was more
    asleep = api_client(colleague).get("/api/v1/sleeping").json()["items"]
    assert [r["lesson"] for r in asleep if r["id"] == idea.id] == [
        f"{kept[0]} [Passage masqué par la modération.] {kept[1]}"
    ]
    # The words it keeps still find it; the quoted ones do not.
    found = soup(web.get("/search", params={"q": "Tramontane", "status": "abandoned"}))
    assert _links_to(found, idea)
    assert not _links_to(soup(web.get("/sommeil", params={"q": QUOTED_TITLE})), idea)
    # Who wrote it is told why part of it is hidden; a moderator reads it whole, told too.
    writer = lesson_on(make_client(author))
    assert "Un passage de votre leçon cite une mine masquée par la modération" in writer
    assert kept[1] in writer and QUOTED_TITLE.lower() not in writer.lower()
    moderating = lesson_on(admin)
    assert quoting in moderating and "Un passage de cette leçon cite une mine masquée" in moderating


def _notices(client: Any) -> list[str]:
    """The texts of the person's notifications, as their list shows them."""
    return [
        li.get_text(" ", strip=True)
        for li in soup(client.get("/notifications")).select(".notifications li")
    ]


def _mails_to(db: Session, person: User) -> list[OutboxMessage]:
    db.rollback()  # see the app's latest writes
    return list(db.exec(select(OutboxMessage).where(OutboxMessage.to_email == person.email)))


def test_a_hidden_mine_s_author_is_told_why_and_how_to_contest_and_told_when_restored(
    make_client: MakeClient, scene: Scene, db: Session
) -> None:
    mine, rude = scene["mine"], scene["rude"]
    admin = make_client(scene["admin"])
    # The reason quotes the mine: its author reads it whole, as on the page; nobody else does.
    reason = f"Propos injurieux\u00a0: «\u00a0{INSULT}\u00a0»"
    assert admin.post_form(f"/mines/{mine.id}/hide", {"reason": reason}).status_code == 303
    author_client = make_client(rude)
    [notice] = [n for n in _notices(author_client) if n.startswith("Nouveau Votre mine")]
    assert "Votre mine sur l’idée «\u00a0Guichet unique\u00a0» a été masquée" in notice
    assert f"masquée par la modération\u00a0: {reason}. Pour contester" in notice
    assert INSULT in notice and "Contester une décision de modération" in notice
    assert "/conditions-utilisation#recours" in notice
    exported = author_client.get("/profile/export.json").json()["notification"]
    assert any(INSULT in n["message"] for n in exported)
    [mail] = [m for m in _mails_to(db, rude) if "masquée" in m.subject]
    assert INSULT in mail.body and "/conditions-utilisation#recours" in mail.body
    assert f"/ideas/{scene['idea'].id}#mine-{mine.id}" in mail.body
    # The page it leads to says how to contest, beside the reason.
    page = soup(author_client.get(f"/ideas/{scene['idea'].id}"))
    [appeal] = [a for a in page.select(f"#mine-{mine.id} a") if "contester" in a.get_text()]
    assert attr(appeal, "href").endswith("/conditions-utilisation#recours")
    # The idea's author and the others learn nothing of it.
    for person in (scene["author"], scene["other"]):
        assert not any(INSULT in n for n in _notices(make_client(person)))
    assert admin.post_form(f"/mines/{mine.id}/restore").status_code == 303
    assert any(
        "Votre mine sur l’idée «\u00a0Guichet unique\u00a0» a été rétablie par la modération." in n
        for n in _notices(author_client)
    )


def test_a_hidden_deminage_s_author_is_told_but_not_a_moderator_of_their_own(
    make_client: MakeClient, scene: Scene, db: Session, clock: Clock
) -> None:
    d = scene["deminage"]
    admin = make_client(scene["admin"])
    assert (
        admin.post_form(f"/deminages/{d.id}/hide", {"reason": "Hors sujet\u00a0!"}).status_code
        == 303
    )
    [notice] = [n for n in _notices(make_client(scene["other"])) if "Votre déminage" in n]
    assert "Votre déminage sur l’idée «\u00a0Guichet unique\u00a0» a été masqué" in notice
    # Its own final mark, no full stop after; typeset as the page shows it (narrow no-break space).
    assert "Hors sujet\u202f! Pour contester" in notice
    # An admin who hides their own déminage is not told of their own act.
    own = make_deminage(db, scene["mine"], scene["admin"], clock.now, body="Le mien.")
    db.commit()
    assert admin.post_form(f"/deminages/{own.id}/hide", {"reason": "Doublon"}).status_code == 303
    assert not [n for n in _notices(admin) if "Votre déminage" in n]


@pytest.mark.parametrize("reason", ["Données personnelles identifiables.", "Propos injurieux !"])
def test_a_moderation_reason_with_its_own_full_stop_is_not_followed_by_a_second_one(
    make_client: MakeClient, scene: Scene, reason: str
) -> None:
    mine, d = scene["mine"], scene["deminage"]
    admin = make_client(scene["admin"])
    words = reason.rstrip(" .!")
    page = f"/ideas/{scene['idea'].id}"
    assert admin.post_form(f"/deminages/{d.id}/hide", {"reason": reason}).status_code == 303
    said = text_of(soup(make_client(scene["other"]).get(page)), f"#deminage-{d.id}")
    assert f"{words}. Seules" in said and f"{reason}." not in said
    assert admin.post_form(f"/mines/{mine.id}/hide", {"reason": reason}).status_code == 303
    said = text_of(soup(make_client(scene["rude"]).get(page)), f"#mine-{mine.id}")
    assert f"{words}. Elle ne compte plus dans le score" in said and f"{reason}." not in said
    seen_by_admin = text_of(soup(admin.get(page)), f"#mine-{mine.id}")
    assert f"{words}. Elle ne compte plus dans le score." in seen_by_admin


def test_no_notice_nor_history_quotes_another_ideas_hidden_mine(
    make_client: MakeClient, scene: Scene, db: Session, clock: Clock
) -> None:
    """Another idea's history (an idea with no hidden mine of its own), and the notice that
    tells an author why their own mine was hidden, never quote a hidden mine of another idea."""
    secret = "Pots-de-vin du fournisseur Papyrus"
    other_idea = make_idea(db, scene["other"], clock.now, title="Papeterie commune")
    hidden_elsewhere = make_mine(db, other_idea, scene["author"], clock.now, title=secret)
    closed = make_idea(db, scene["author"], clock.now, title="Achats groupés")
    ideas.abandon(
        db, ScoringParams(), scene["author"], closed, f"Leçon : {secret}, hélas.", clock.now
    )
    db.commit()
    admin = make_client(scene["admin"])
    hidden = admin.post_form(f"/mines/{hidden_elsewhere.id}/hide", {"reason": "Diffamation."})
    assert hidden.status_code == 303
    reason = f"Doublon de «\u00a0{secret}\u00a0»"
    assert admin.post_form(f"/mines/{scene['mine'].id}/hide", {"reason": reason}).status_code == 303
    bystander = make_client(scene["other"])
    for path in (f"/ideas/{closed.id}", f"/ideas/{closed.id}/fiche.md"):
        assert secret.lower() not in bystander.get(path).text.lower(), path
    rude = make_client(scene["rude"])  # the author of the mine hidden with that reason
    told = " ".join(_notices(rude)).lower()
    assert "masquée" in told and secret.lower() not in told
