"""Hidden means hidden, everywhere; closed means gone, everywhere.

Canary words are laid in a mine and in déminages, and in a whole idea (its title, its fiche,
its mines), which an admin then hides through the moderation forms; a colleague, who
co-carries the idea, then closes their account. Every output
an agent can reach (each GET route of the app, both fiche formats with the PDF's text extracted,
search before and after `demineurs reindex`, notifications and the e-mails written after the
hiding) is read as
ordinary agents: no canary, no moderation reason, no closed person's name or e-mail. The
admin still reads the hidden content with its reason. The test fails on a GET route it does not
cover, unless the route is excluded below with the reason it cannot show an idea's content.
"""

import io
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlmodel import Session, col, select

from app.config import Settings
from app.main import create_app
from app.models import Idea, OutboxMessage, Role
from app.models.base import pk
from app.schemas import MilestoneInput, PromoteInput
from app.services import (
    api_tokens,
    calls,
    co_carriers,
    ideas,
    invitations,
    mines,
    notifications,
    outcomes,
    search,
)
from app.services import sleeping as sleeping_ideas
from app.services.readiness import ScoringParams
from tests.conftest import ON_POSTGRES, SECRET, Clock, WebClient
from tests.factories import make_call, make_deminage, make_idea, make_mine, make_user
from tests.routers.test_authorization_matrix import app_routes

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="one world per module, on SQLite")

MINE_TITLE = "zorglubtitre"
MINE_BODY = "zorglubtexte"
ANSWER_UNDER_HIDDEN = "zorglubreponse"  # an accepted déminage under the hidden mine
HIDDEN_ANSWER = "zorglubcache"  # a déminage hidden itself, under a visible mine
REASON = "quokkamotif"
BASIS_REFERENCE = "zorglubreference"  # what the hidden mine said it rests on
SCOPE_REASON = "zorglubportee"  # why its move to the generalisation was asked
# A whole idea hidden by moderation: its title, its fiche and a mine laid on it.
IDEA_TITLE = "zorglubidee"
IDEA_PROBLEM = "zorglubprobleme"
MINE_ON_HIDDEN_IDEA = "zorglubterrain"
IDEA_CANARIES = (IDEA_TITLE, IDEA_PROBLEM, MINE_ON_HIDDEN_IDEA)
# A duplicate merged into the first idea, hidden since: the kept idea's history named it.
DUPLICATE_TITLE = "zorglubdoublon"
# Lessons and outcomes that quote a hidden mine without guillemets, in another case and other
# spaces: its title bare, or a sentence of the text of a mine that has no title. Each is masked
# whole, its own words with it.
UNTITLED_BODY = "zorglubsanstitre. Le règlement intérieur interdit toute ouverture après 20 h."
STEP_WORD = "zorglubetape"  # a milestone quoting the untitled mine's text
LESSON_WORD = "zorglublecon"  # a lesson quoting a hidden mine's title bare
BARE_TITLE = f"{MINE_TITLE}ter horaires décalés"
# Milestones quoting a hidden mine behind Markdown: what the page shows is the quotation.
FRAUD_TITLE = "Fraude du chef Dupont"
FRAUD_BODY = "Le trésorier Bernard falsifie les écritures comptables QZX chaque fin de mois."
MARKDOWN_QUOTES = {
    "zorglubsouligne": "_Fraude_ du chef Dupont MK11",
    "zorglublien": "[Fraude du chef](https://x.fr) Dupont MK04",
    "zorglubentite": "Fraude du chef Dupon&#116; MK10",
    "zorglubcitation": (
        "\n\n> Le trésorier Bernard\n> falsifie les écritures\n> comptables QZX chaque\n"
        "> fin de mois."
    ),
}
# A milestone and a lesson of other ideas quoting the first idea's hidden mine.
ELSEWHERE_STEP = "zorglubailleurs"
ELSEWHERE_LESSON = "zorglubvoisine"
QUOTING_CANARIES = (
    STEP_WORD,
    LESSON_WORD,
    "zorglubsanstitre",
    *MARKDOWN_QUOTES,
    ELSEWHERE_STEP,
    ELSEWHERE_LESSON,
)
HIDDEN_CANARIES = (
    *IDEA_CANARIES,
    *QUOTING_CANARIES,
    DUPLICATE_TITLE,
    MINE_TITLE,
    MINE_BODY,
    ANSWER_UNDER_HIDDEN,
    HIDDEN_ANSWER,
    REASON,
    BASIS_REFERENCE,
    SCOPE_REASON,
)
CLOSED_NAME = "Zébulon Fermé"
CLOSED_EMAIL = "zebulon.ferme@exemple.fr"
CLOSED_CANARIES = (CLOSED_NAME, CLOSED_EMAIL, "zebulon.ferme")


@dataclass
class World:
    app: FastAPI
    ids: dict[str, int]
    clients: dict[str, Any]
    outbox_after_hiding: list[str]
    told_of_hidden_idea: list[str]


def _client(app: FastAPI, user: Any | None) -> WebClient:
    client = WebClient(app, follow_redirects=False)
    client.__enter__()
    if user is not None:
        client.login(user)
    return client


@pytest.fixture(scope="module")
def world(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    path = tmp_path_factory.mktemp("canaries") / "test.sqlite3"
    shutil.copy(template_db, path)
    clock = Clock()
    settings = Settings(
        database_url=f"sqlite:///{path}",
        env="test",
        secret_key=SECRET,
        strict_templates=True,
        writes_per_minute=100_000,
        mail_dir=str(path.parent / "mails"),
    )
    app = create_app(settings, clock=clock)
    params = ScoringParams()
    with Session(app.state.engine, expire_on_commit=False) as db:
        author = make_user(db, name="Amina Diallo", unit="Accueil")
        layer = make_user(db, name="Rémi Poseur", unit="DSI")
        helper = make_user(db, name="Hélène Aide", unit="Juridique")
        bystander = make_user(db, name="Bruno Passant", unit="RH", role=Role.manager)
        admin = make_user(db, name="Ada Admin", unit="DGS", role=Role.admin)
        closing = make_user(db, name=CLOSED_NAME, unit="Finances", email=CLOSED_EMAIL)
        # What they learn waits for the daily digest (the duplicate's author too: no mail of
        # theirs goes out from the sender's thread while the world is being written).
        for person in (author, bystander, helper):
            notifications.set_channels(
                db, pk(person), {k: "digest" for k in notifications.KIND_LABELS}
            )
        # The idea answers a call, closed since: its sponsor, a manager with no other part, decides.
        call = make_call(db, admin, clock.now, sponsor=bystander)
        idea = make_idea(
            db, author, clock.now, title="Guichet unique", themes="accueil", call_id=call.id
        )
        hidden_mine = make_mine(
            db, idea, layer, clock.now, title=MINE_TITLE, body=f"{MINE_BODY} vraiment."
        )
        under = make_deminage(db, hidden_mine, helper, clock.now, body=f"{ANSWER_UNDER_HIDDEN} !")
        invitations.invite(db, author, hidden_mine, idea, bystander, "", clock.now)
        mines.accept_deminage(db, params, author, under, hidden_mine, idea, clock.now)
        visible_mine = make_mine(db, idea, closing, clock.now, title="Budget", body="Coût ?")
        hidden_answer = make_deminage(db, visible_mine, helper, clock.now, body=HIDDEN_ANSWER)
        make_deminage(db, visible_mine, bystander, clock.now, body="Une réponse visible.")
        make_deminage(db, hidden_mine, closing, clock.now, body="Un avis de Zébulon.")
        invitations.invite(db, closing, visible_mine, idea, bystander, "", clock.now)
        # The hidden mine rests on a text, was co-signed (by two colleagues), and
        # its move was asked and refused; a helper co-signed the visible one.
        mines.state_basis(db, layer, hidden_mine, idea, "text", BASIS_REFERENCE, clock.now)
        mines.cosign(db, params, helper, hidden_mine, idea, "blocking", clock.now)
        mines.request_scope_move(db, author, hidden_mine, idea, SCOPE_REASON, clock.now)
        mines.answer_scope_move(db, params, layer, hidden_mine, idea, False, "", clock.now)
        mines.ask_basis(db, author, hidden_mine, idea, clock.now)
        mines.cosign(db, params, bystander, hidden_mine, idea, "minor", clock.now)
        mines.cosign(db, params, helper, visible_mine, idea, "minor", clock.now)
        # Then they co-carry the idea (named on it, in its history and fiche), and are asked
        # to co-carry another one: an invitation that closing the account drops.
        carrying = co_carriers.invite(db, author, idea, closing, "", clock.now)
        co_carriers.accept(db, params, closing, carrying, idea, clock.now)
        elsewhere = make_idea(db, bystander, clock.now, title="Navette partagée")
        co_carriers.invite(db, bystander, elsewhere, closing, "", clock.now)
        notifications.toggle(db, notifications.Follow, bystander, idea)
        # A duplicate of the first idea, merged into it by an admin, is hidden later.
        duplicate = make_idea(db, helper, clock.now, title=f"Guichet {DUPLICATE_TITLE}")
        ideas.merge(db, params, admin, idea, duplicate, "Même terrain.", clock.now)
        # A whole idea, hidden later: it answers the call, shares words with the first idea (a
        # neighbour, a similar idea), its mine echoes the visible one; colleagues took part.
        hidden_idea = make_idea(
            db,
            layer,
            clock.now,
            title=f"Guichet unique {IDEA_TITLE}",
            problem=f"Un guichet unique {IDEA_PROBLEM} pour l’accueil.",
            themes="accueil",
            call_id=call.id,
        )
        on_hidden = make_mine(
            db, hidden_idea, author, clock.now, title="Budget", body=f"Coût ? {MINE_ON_HIDDEN_IDEA}"
        )
        make_deminage(db, on_hidden, bystander, clock.now, body="Une aide sur l’idée masquée.")
        make_mine(db, hidden_idea, bystander, clock.now, category="budget", title="Budget")
        for person in (author, bystander):
            notifications.toggle(db, notifications.Follow, person, hidden_idea)
            notifications.toggle(db, notifications.Support, person, hidden_idea)
        # The first idea, rewritten since, found it among its neighbours (links go one way).
        idea.problem = "Un guichet unique pour l’accueil."
        search.remember_neighbours(db, idea)
        calls.close_call(db, admin, call, clock.now)
        # A project whose outcome, milestones and lesson quote a mine that is hidden later: they
        # were written before the hiding, and must be masked once it is hidden.
        manager = make_user(db, name="Marc Manager", unit="DGS", role=Role.manager)
        project = make_idea(db, author, clock.now, title="Accueil du soir", themes="accueil")
        quoted = make_mine(
            db, project, layer, clock.now, title=f"{MINE_TITLE}bis", body=f"{MINE_BODY} bis"
        )
        notifications.toggle(db, notifications.Follow, bystander, project)
        quote = f"« {MINE_TITLE}bis »"
        ideas.promote(
            db,
            params,
            manager,
            project,
            PromoteInput(
                sponsor="DGS",
                next_step="Pilote",
                target_date=clock.now.date(),
                reason="Urgent",
                outcome=f"Promue malgré {quote}.",
            ),
            clock.now,
        )
        untitled = make_mine(db, project, layer, clock.now, title="", body=UNTITLED_BODY)
        fraud = make_mine(db, project, layer, clock.now, title=FRAUD_TITLE, body=FRAUD_BODY)
        quoting_elsewhere = {**MARKDOWN_QUOTES, ELSEWHERE_STEP: f"vu sur {MINE_TITLE.upper()}."}
        for word, said in quoting_elsewhere.items():
            step = MilestoneInput(kind="first_results", text=f"{word} : {said}")
            outcomes.post_milestone(db, params, author, project, step, clock.now)
        for kind, text, lesson in (
            ("first_ground", f"Étape : {quote}.", ""),
            (
                "first_results",
                f"{STEP_WORD} : le RÈGLEMENT  intérieur\ninterdit toute ouverture, on ferme tôt.",
                "",
            ),
            ("stopped", f"Étape : {quote}.", f"Leçon : {quote} avait raison."),
        ):
            step = MilestoneInput(kind=kind, text=text, lesson=lesson)
            outcomes.post_milestone(db, params, author, project, step, clock.now)
        # An idea abandoned with a lesson that names a mine hidden later, bare and in capitals.
        closed_idea = make_idea(db, author, clock.now, title="Ouverture tardive", themes="accueil")
        bare = make_mine(db, closed_idea, layer, clock.now, title=BARE_TITLE, body="Horaires ?")
        notifications.toggle(db, notifications.Follow, bystander, closed_idea)
        ideas.abandon(
            db,
            params,
            author,
            closed_idea,
            f"{LESSON_WORD} : les {BARE_TITLE.upper().replace(' ', '  ')} nous ont arrêtés.",
            clock.now,
        )
        # Another idea, abandoned, whose lesson quotes the first idea's mine by its text.
        neighbour = make_idea(db, author, clock.now, title="Accueil voisin", themes="accueil")
        ideas.abandon(
            db,
            params,
            author,
            neighbour,
            f"{ELSEWHERE_LESSON} : comme là-bas, le {MINE_TITLE} nous arrête.",
            clock.now,
        )
        db.commit()
        ids = {
            "neighbour": pk(neighbour),
            "idea": pk(idea),
            "hidden_mine": pk(hidden_mine),
            "visible_mine": pk(visible_mine),
            "hidden_answer": pk(hidden_answer),
            "under": pk(under),
            "author": pk(author),
            "bystander": pk(bystander),
            "closing": pk(closing),
            "layer": pk(layer),
            "helper": pk(helper),
            "call": pk(call),
            "project": pk(project),
            "quoted_mine": pk(quoted),
            "untitled_mine": pk(untitled),
            "fraud_mine": pk(fraud),
            "closed_idea": pk(closed_idea),
            "bare_mine": pk(bare),
            "hidden_idea": pk(hidden_idea),
            "mine_on_hidden_idea": pk(on_hidden),
            "duplicate": pk(duplicate),
        }
        people = {
            "author": author,
            "bystander": bystander,
            "admin": admin,
            "closing": closing,
            "layer": layer,
        }

    clients = {name: _client(app, person) for name, person in people.items()}
    clients["anonymous"] = _client(app, None)
    api: dict[str, TestClient] = {}
    with Session(app.state.engine, expire_on_commit=False) as db:
        for name in ("author", "bystander", "admin"):
            _, token = api_tokens.create_api_token(
                db, db.get_one(type(people[name]), people[name].id), "t"
            )
            api[name] = TestClient(app, headers={"Authorization": f"Bearer {token}"})
            api[name].__enter__()
        db.commit()
        before = db.exec(select(OutboxMessage.id)).all()
    # Searchable before the hiding, by the prefixes the test searches for afterwards.
    for word, anchor in ((MINE_BODY, "hidden_mine"), (HIDDEN_ANSWER, "hidden_answer")):
        found = clients["bystander"].get("/search", params={"q": word[:-2]}).text
        assert f"-{ids[anchor]}" in found

    # Before the hiding, the whole idea is everywhere a colleague looks.
    for url in SHOWN_BEFORE_HIDING:
        seen = clients["bystander"].get(url.format(**ids)).text
        assert IDEA_TITLE in seen, f"{url} does not show the idea before it is hidden"
    for url in NAME_THE_DUPLICATE:
        seen = clients["bystander"].get(url.format(**ids)).text
        assert DUPLICATE_TITLE in seen, f"{url} does not name the duplicate before it is hidden"

    # Before the hiding, the lessons and milestones quoting those mines read whole.
    for url, word in (
        ("/ideas/{closed_idea}", LESSON_WORD),
        ("/sommeil", LESSON_WORD),
        ("/ideas/{project}", STEP_WORD),
        ("/open-data/ideas.json", STEP_WORD),
        *(("/ideas/{project}", word) for word in quoting_elsewhere),
        ("/ideas/{neighbour}", ELSEWHERE_LESSON),
    ):
        seen = clients["bystander"].get(url.format(**ids)).text
        assert word in seen, f"{url} does not show {word} before the mine is hidden"

    # The admin hides through the moderation form.
    admin_client = clients["admin"]
    for url in (
        f"/mines/{ids['hidden_mine']}/hide",
        f"/deminages/{ids['hidden_answer']}/hide",
        f"/mines/{ids['quoted_mine']}/hide",
        f"/mines/{ids['untitled_mine']}/hide",
        f"/mines/{ids['fraud_mine']}/hide",
        f"/mines/{ids['bare_mine']}/hide",
    ):
        assert admin_client.post_form(url, {"reason": f"{REASON} injurieux"}).status_code == 303
    for hidden in ("hidden_idea", "duplicate"):
        hide = admin_client.post_form(
            f"/ideas/{ids[hidden]}/hide", {"reason": f"{REASON} hors charte"}
        )
        assert hide.status_code == 303
    # The account closes through its own form.
    closed = clients.pop("closing")
    response = closed.post_form("/profile/close", {"confirm": "FERMER"})
    assert response.status_code in (200, 303), response.text
    with Session(app.state.engine, expire_on_commit=False) as db:
        # After the hiding, a colleague relaunches the closed project: a draft of theirs.
        relaunched = sleeping_ideas.relaunch(
            db,
            params,
            db.get_one(type(people["bystander"]), ids["bystander"]),
            db.get_one(Idea, ids["project"]),
            clock.now,
        )
        db.flush()
        ids["relaunched"] = pk(relaunched)
        notifications.build_digests(db, notifications.mailer_of(db), clock.now)
        db.commit()
        mails = db.exec(
            select(OutboxMessage).where(col(OutboxMessage.id).not_in(before or [0]))
        ).all()
        # Those who carry the hidden ideas are told why (test_the_carriers_of_a_hidden_idea…):
        # the hidden idea's author, and the duplicate's.
        carriers = (people["layer"].email, helper.email)
        told = [m for m in mails if m.to_email in carriers]
        outbox = [
            f"{m.to_email}\n{m.subject}\n{m.body}\n{m.html_body}" for m in mails if m not in told
        ]
    assert outbox, "the digests were written after the hiding"
    # The digests quote what their lines are about (the author's quotes a visible déminage),
    # read again after the hiding: a hidden one is never quoted, in text nor in HTML.
    assert any("Une réponse visible." in m.body and "<blockquote" in m.html_body for m in mails)
    clients.update({f"api:{k}": v for k, v in api.items()})
    yield World(app, ids, clients, outbox, [f"{m.subject}\n{m.body}" for m in told])
    for client in clients.values():
        client.__exit__(None, None, None)
    closed.__exit__(None, None, None)
    app.state.engine.dispose()


def _reindex(world: World) -> None:
    """What `demineurs reindex` does (app/cli.py)."""
    with Session(world.app.state.engine) as db:
        search.rebuild(db)
        db.commit()


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def _body(response: Any) -> str:
    if response.headers.get("content-type", "").startswith("application/pdf"):
        return _pdf_text(response.content)
    return response.text


Read = Callable[[World, str], list[str]]

# Where a colleague finds the whole idea before it is hidden (so that its absence after says
# something): the board, the list, the search and the similar ideas, its neighbour's page, the
# call, the map's recurring objections, open data.
SHOWN_BEFORE_HIDING = (
    "/board",
    "/ideas",
    f"/search?q={IDEA_TITLE}",
    "/ideas/similar?title=Guichet unique&problem=Un guichet unique pour l’accueil.",
    "/ideas/{idea}/mines/siblings?category=budget",  # its mines offered as neighbours'
    "/calls/{call}",
    "/calls/{call}/decision",
    "/ce-qui-bloque",
    "/open-data/ideas.json",
)
# Where the kept idea names the duplicate merged into it (its history), before it is hidden.
NAME_THE_DUPLICATE = ("/ideas/{idea}", "/ideas/{idea}/fiche.md")


def _get(*urls: str, api: bool = False) -> Read:
    """Read each URL (ids filled from the world) as the given viewer."""

    def read(world: World, viewer: str) -> list[str]:
        client = world.clients[f"api:{viewer}" if api else viewer]
        return [_body(client.get(url.format(**world.ids))) for url in urls]

    return read


def _searches(path: str) -> list[str]:
    """Prefixes of the canaries (the page echoes the query; the index matches prefixes)."""
    return [f"{path}?q={word[:-2]}" for word in (*HIDDEN_CANARIES, "zebulon", "Budget")] + [
        f"{path}?q=guichet"
    ]


def _search_after_reindex(world: World, viewer: str) -> list[str]:
    _reindex(world)
    found = world.clients[viewer].get("/search", params={"q": "Budg"}).text
    assert f"#mine-{world.ids['visible_mine']}" in found  # the index was rebuilt
    return _get(*_searches("/search"))(world, viewer) + _get(
        *_searches("/api/v1/search"), api=True
    )(world, viewer)


def _outbox(world: World, viewer: str) -> list[str]:
    return world.outbox_after_hiding


# Each GET route an agent can reach, and how the test reads it.
OUTPUTS: dict[str, Read] = {
    "GET /ideas/{idea_id}": _get(
        "/ideas/{idea}",
        "/ideas/{idea}?page=2",
        "/ideas/{project}",
        "/ideas/{relaunched}",
        "/ideas/{hidden_idea}",
        "/ideas/{closed_idea}",
    ),
    "GET /ideas": _get("/ideas"),
    "GET /ideas/{idea_id}/edit": _get("/ideas/{idea}/edit"),
    "GET /ideas/{idea_id}/fiche.md": _get(
        "/ideas/{idea}/fiche.md",
        "/ideas/{project}/fiche.md",
        "/ideas/{hidden_idea}/fiche.md",
        "/ideas/{closed_idea}/fiche.md",
    ),
    "GET /ideas/{idea_id}/fiche.pdf": _get(
        "/ideas/{idea}/fiche.pdf",
        "/ideas/{project}/fiche.pdf",
        "/ideas/{hidden_idea}/fiche.pdf",
        "/ideas/{closed_idea}/fiche.pdf",
    ),
    "GET /ideas/similar": _get(
        f"/ideas/similar?title={MINE_TITLE}&problem={MINE_BODY}",
        "/ideas/similar?title=Guichet",
        "/ideas/similar?title=Guichet unique&problem=Un guichet unique pour l’accueil.",
        f"/ideas/similar?title={IDEA_TITLE}&problem={IDEA_PROBLEM}",
    ),
    "GET /ideas/{idea_id}/mines/siblings": _get(
        "/ideas/{idea}/mines/siblings", "/ideas/{idea}/mines/siblings?category=legal"
    ),
    "GET /api/v1/mines/{mine_id}/cosignatures": _get(
        "/api/v1/mines/{hidden_mine}/cosignatures",
        "/api/v1/mines/{visible_mine}/cosignatures",
        api=True,
    ),
    "GET /mines/{mine_id}/experts": _get(
        "/mines/{hidden_mine}/experts",
        "/mines/{visible_mine}/experts",
        "/mines/{mine_on_hidden_idea}/experts",
    ),
    "GET /demineurs": _get("/demineurs"),
    "GET /calls": _get("/calls"),
    "GET /calls/{call_id}": _get("/calls/{call}"),
    "GET /calls/{call_id}/edit": _get("/calls/{call}/edit"),
    "GET /calls/{call_id}/decision": _get("/calls/{call}/decision"),
    "GET /api/v1/calls": _get("/api/v1/calls", api=True),
    "GET /api/v1/calls/{call_id}": _get("/api/v1/calls/{call}", api=True),
    "GET /open-data/calls.json": _get("/open-data/calls.json"),
    "GET /ce-qui-bloque": _get("/ce-qui-bloque"),
    "GET /search": _get(*_searches("/search")),
    "GET /board": _get("/board", "/board?status=all"),
    "GET /dashboard": _get("/dashboard"),
    "GET /notifications": _get("/notifications"),
    "GET /notifications/count": _get("/notifications/count"),
    "GET /profile": _get("/profile"),
    "GET /profile/export.json": _get("/profile/export.json"),
    "GET /users/{user_id}": _get(
        "/users/{author}",
        "/users/{closing}",
        "/users/{layer}",
        "/users/{helper}",
        "/users/{bystander}",
    ),
    "GET /open-data/ideas.json": _get("/open-data/ideas.json"),
    "GET /open-data/blockers.json": _get("/open-data/blockers.json"),
    "GET /open-data/ideas.csv": _get("/open-data/ideas.csv"),
    "GET /open-data/ideas-tableur.csv": _get("/open-data/ideas-tableur.csv"),
    "GET /admin/audit": _get("/admin/audit"),
    "GET /admin/users": _get("/admin/users"),
    "GET /admin/users/{user_id}": _get("/admin/users/{closing}", "/admin/users/{layer}"),
    "GET /admin/merge": _get("/admin/merge"),
    "GET /api/v1/ideas": _get("/api/v1/ideas", api=True),
    "GET /api/v1/ideas/{idea_id}": _get(
        "/api/v1/ideas/{idea}",
        "/api/v1/ideas/{project}",
        "/api/v1/ideas/{relaunched}",
        "/api/v1/ideas/{hidden_idea}",
        "/api/v1/ideas/{closed_idea}",
        api=True,
    ),
    "GET /sommeil": _get("/sommeil", *_searches("/sommeil")),
    "GET /api/v1/sleeping": _get("/api/v1/sleeping", *_searches("/api/v1/sleeping"), api=True),
    "GET /api/v1/board": _get("/api/v1/board", "/api/v1/board?status=all", api=True),
    "GET /api/v1/blockers": _get("/api/v1/blockers", api=True),
    "GET /api/v1/mines/{mine_id}/experts": _get(
        "/api/v1/mines/{hidden_mine}/experts",
        "/api/v1/mines/{visible_mine}/experts",
        "/api/v1/mines/{mine_on_hidden_idea}/experts",
        api=True,
    ),
    "GET /api/v1/notifications": _get("/api/v1/notifications", api=True),
    "GET /api/v1/search": _get(*_searches("/api/v1/search"), api=True),
    "GET /api/v1/me": _get("/api/v1/me", api=True),
    # Counts only, but computed from everything: the place a hidden mine could leak a number.
    "GET /stats": _get("/stats"),
    "search after reindex": _search_after_reindex,
    "e-mails written after the hiding": _outbox,
}

# GET routes that cannot show an idea's content nor a person's name, and why.
EXCLUDED = {
    "GET /": "a redirect to /ideas",
    "GET /admin": "a redirect to /admin/users",
    "GET /aide": "static help text",
    "GET /healthz": "liveness, no data",
    "GET /readyz": "readiness, no data",
    "GET /docs": "the API documentation page",
    "GET /openapi.json": "the API schema",
    "GET /login": "the sign-in form",
    "GET /register": "the sign-up form",
    "GET /ideas/new": "an empty form",
    "GET /calls/new": "an empty form (the units' names)",
    "GET /mines/{mine_id}": "a redirect to the mine on its idea's page",
    "GET /deminages/{deminage_id}": "a redirect to the déminage on its idea's page",
    "GET /invitations/{invitation_id}/decline": "a redirect to the invitation's mine",
    "GET /admin/scoring": "the scoring thresholds",
    "GET /notifications/preferences": "the reader's own channels per kind",
    "GET /notifications/{notification_id}/open": "a redirect to where one's own notification leads",
    "GET /unsubscribe/{token}": "a signed token's confirmation form, no content",
    "GET /invitations/{token}": "the old address of an account invitation: a redirect",
    "GET /join/{token}": "an account invitation's sign-up form, no idea content",
    "GET /register/confirm/{token}": "a registration's confirmation button, no content",
    "GET /auth/proconnect/login": "a redirect to the identity provider",
    "GET /auth/proconnect/callback": "the identity provider's answer, no idea content",
    "GET /mentions-legales": "the legal notice, from the settings",
    "GET /conditions-utilisation": "the terms of use, from the settings",
    "GET /donnees-personnelles": "the record of processing, from app/personal_data.toml",
    "GET /accessibilite": "the accessibility declaration, from the settings",
    "GET /.well-known/security.txt": "a contact and dates",
    "GET /robots.txt": "a list of paths",
}

AGENTS = ("bystander", "author")


def test_every_get_route_is_read_or_excluded_with_a_reason(world: World) -> None:
    routes = {r for r in app_routes(world.app) if r.startswith("GET ")}
    covered = {k for k in OUTPUTS if k.startswith("GET ")}
    assert routes - covered - set(EXCLUDED) == set(), "a GET route the canary test does not read"
    assert (covered | set(EXCLUDED)) - routes == set(), "a route that no longer exists"


# What a person wrote comes whole in their own download (RGPD, art. 15), even about a mine
# hidden since: the idea's author asked, in their own words, to move it, and laid a mine on the
# idea hidden since.
OWN_WORDS = {("GET /profile/export.json", "author"): {SCOPE_REASON, MINE_ON_HIDDEN_IDEA}}


@pytest.mark.parametrize("output", list(OUTPUTS))
def test_no_hidden_canary_nor_closed_account_for_an_ordinary_agent(
    world: World, output: str
) -> None:
    for viewer in AGENTS:
        canaries = {*HIDDEN_CANARIES, *CLOSED_CANARIES} - OWN_WORDS.get((output, viewer), set())
        for text in OUTPUTS[output](world, viewer):
            found = sorted(c for c in canaries if c.lower() in text.lower())
            assert not found, f"{output} shows {found} to the {viewer}"


@pytest.mark.parametrize("output", list(OUTPUTS))
def test_no_closed_account_even_for_an_admin(world: World, output: str) -> None:
    if output == "e-mails written after the hiding":
        return  # read above; admins get no mail of their own here
    for text in OUTPUTS[output](world, "admin"):
        found = [c for c in CLOSED_CANARIES if c.lower() in text.lower()]
        assert not found, f"{output} shows {found} to an admin"


ALL_HIDDEN = (
    MINE_TITLE,
    MINE_BODY,
    ANSWER_UNDER_HIDDEN,
    HIDDEN_ANSWER,
    REASON,
    BASIS_REFERENCE,
    SCOPE_REASON,
)


@pytest.mark.parametrize(
    ("output", "canaries"),
    [
        ("GET /ideas/{idea_id}", ALL_HIDDEN),
        ("GET /api/v1/ideas/{idea_id}", ALL_HIDDEN),
        # The fiche gives each mine's accepted answer only: the hidden mine's reads « masquée ».
        ("GET /ideas/{idea_id}/fiche.md", (MINE_TITLE, MINE_BODY, REASON, BASIS_REFERENCE)),
        ("GET /ideas/{idea_id}/fiche.pdf", (MINE_TITLE, MINE_BODY, REASON, BASIS_REFERENCE)),
    ],
)
def test_the_admin_still_reads_hidden_content_with_its_reason(
    world: World, output: str, canaries: tuple[str, ...]
) -> None:
    (text, *_) = OUTPUTS[output](world, "admin")
    for canary in canaries:
        assert canary in text, f"{output}: the admin misses {canary}"


@pytest.mark.parametrize(
    "output",
    ["GET /ideas/{idea_id}", "GET /ideas/{idea_id}/fiche.md", "GET /ideas/{idea_id}/fiche.pdf"],
)
def test_the_admin_still_reads_which_hidden_duplicate_was_merged(world: World, output: str) -> None:
    (text, *_) = OUTPUTS[output](world, "admin")
    assert DUPLICATE_TITLE in text, f"{output}: the admin misses the duplicate's title"


def test_the_carriers_of_a_hidden_idea_read_it_with_the_reason_and_how_to_contest(
    world: World,
) -> None:
    page = world.clients["layer"].get("/ideas/{hidden_idea}".format(**world.ids))
    assert page.status_code == 200
    assert IDEA_TITLE in page.text and REASON in page.text and "#recours" in page.text
    assert any(IDEA_TITLE in m and REASON in m for m in world.told_of_hidden_idea)
    admin = world.clients["admin"].get("/ideas/{hidden_idea}".format(**world.ids)).text
    assert IDEA_TITLE in admin and "Rétablir cette idée" in admin


def test_a_lesson_quoting_another_ideas_hidden_mine_leaves_the_search(world: World) -> None:
    # Hiding the mine indexed that lesson again: its words no longer find the idea.
    def finds(words: str) -> bool:
        params = {"q": words, "status": "abandoned"}
        found = world.clients["bystander"].get("/search", params=params).text
        return f"/ideas/{world.ids['neighbour']}" in found

    assert finds("Accueil voisin")
    assert not finds(ELSEWHERE_LESSON)
