"""Administration: accounts, roles, units, and the score's parameters."""

from fastapi import FastAPI
from sqlmodel import Session, select

from app import rescore
from app.models import Idea, RescoreJob, Role
from app.models.base import pk
from app.services import users
from tests.conftest import Clock, MakeClient, error_of, soup
from tests.factories import make_idea, make_mine, make_user
from tests.html import attr, find_tag, one


def test_only_admins_reach_the_admin_pages(make_client: MakeClient, db: Session) -> None:
    manager = make_user(db, role=Role.manager)
    db.commit()
    client = make_client(manager)
    assert client.get("/admin/users").status_code == 403
    assert (
        client.post_form(
            "/admin/users",
            {
                "email": "x@y.fr",
                "name": "X",
                "unit": "U",
                "role": "admin",
                "password": "0123456789",
            },
        ).status_code
        == 403
    )
    assert users.get_by_email(db, "x@y.fr") is None
    assert client.get("/admin", follow_redirects=False).status_code == 403


def test_admin_typed_by_hand_opens_the_accounts_page(make_client: MakeClient, db: Session) -> None:
    admin = make_user(db, role=Role.admin)
    db.commit()
    response = make_client(admin).get("/admin", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/admin/users"


def test_admin_creates_an_account_and_errors_keep_the_input(
    make_client: MakeClient, db: Session
) -> None:
    admin = make_user(db, role=Role.admin)
    db.commit()
    client = make_client(admin)
    bad = client.post_form(
        "/admin/users",
        {
            "email": "pas-une-adresse",
            "name": "Jeanne Dupont",
            "unit": "RH",
            "role": "agent",
            "password": "court",
        },
    )
    assert bad.status_code == 422
    page = soup(bad)
    assert "invalide" in error_of(page, "create-email")
    assert "10 caractères" in error_of(page, "create-password")
    assert attr(find_tag(page, id="create-name"), "value") == "Jeanne Dupont"
    ok = client.post_form(
        "/admin/users",
        {
            "email": "jeanne@ville.fr",
            "name": "Jeanne Dupont",
            "unit": "RH",
            "role": "manager",
            "password": "provisoire-123",
        },
    )
    assert ok.status_code == 303
    created = users.get_by_email(db, "jeanne@ville.fr")
    assert created is not None and created.role == "manager"
    newcomer = make_client()
    newcomer.login(created, "provisoire-123")
    assert newcomer.get("/ideas").status_code == 200


def test_role_change_ends_the_persons_sessions(make_client: MakeClient, db: Session) -> None:
    admin = make_user(db, role=Role.admin)
    agent = make_user(db)
    db.commit()
    agent_client = make_client(agent)
    assert agent_client.get("/ideas").status_code == 200
    response = make_client(admin).post_form(
        f"/admin/users/{agent.id}", {"role": "manager", "unit": "Nouvelle unité", "active": "on"}
    )
    assert response.status_code == 303
    assert agent_client.get("/ideas").status_code == 303
    db.rollback()  # see the app's latest writes: end the read snapshot…
    db.expire_all()  # …and forget what was loaded
    assert users.get_user(db, pk(agent)).role == "manager"


def test_deactivated_account_cannot_sign_in(make_client: MakeClient, db: Session) -> None:
    admin = make_user(db, role=Role.admin)
    agent = make_user(db)
    db.commit()
    make_client(admin).post_form(f"/admin/users/{agent.id}", {"role": "agent", "unit": "Service A"})
    response = make_client().post_form(
        "/login", {"email": agent.email, "password": "mot-de-passe-de-test"}
    )
    assert response.status_code == 422


def test_admin_cannot_demote_themself(make_client: MakeClient, db: Session) -> None:
    admin = make_user(db, role=Role.admin)
    db.commit()
    response = make_client(admin).post_form(
        f"/admin/users/{admin.id}", {"role": "agent", "unit": "A", "active": "on"}
    )
    assert response.status_code == 422


def test_changing_thresholds_recomputes_every_idea_in_the_background_and_shows_progress(
    make_client: MakeClient, app: FastAPI, db: Session, clock: Clock
) -> None:
    admin = make_user(db, role=Role.admin)
    author, other = make_user(db), make_user(db, unit="B")
    ideas = [make_idea(db, author, clock.now) for _ in range(3)]
    make_mine(db, ideas[0], other, clock.now, severity="minor")
    db.commit()
    client = make_client(admin)
    form = {
        "ripe_threshold": "60",
        "min_reviewers": "2",
        "quiet_period_hours": "0",
        "weight_minor": "1",
        "weight_major": "3",
        "weight_blocking": "9",
    }
    bad = client.post_form("/admin/scoring", {**form, "ripe_threshold": "cent"})
    assert bad.status_code == 422 and "entier" in error_of(soup(bad), "field-ripe_threshold")
    assert attr(find_tag(soup(bad), id="field-ripe_threshold"), "value") == "cent"
    response = client.post_form("/admin/scoring", form)
    assert response.status_code == 303
    page = soup(client.get(response.headers["location"]))
    flash = one(page, ".alert--success").get_text()
    assert "le recalcul de 3 idées a commencé" in flash
    # Saved, not recomputed in the request: no idea carries the new version yet.
    db.expire_all()
    assert {i.score_version for i in db.exec(select(Idea))} == {0}
    progress = find_tag(page, id="rescore-progress")
    # French counts 0 in the singular: « 0 idée », as « 1 idée » (« 2 idées » below).
    assert "Recalcul en cours\u00a0: 0 idée sur 3." in progress.get_text()
    # Without JavaScript, a link refreshes it; with htmx, the block polls the page.
    assert attr(find_tag(progress, "a"), "href").endswith("/admin/scoring")
    assert "every" in progress["hx-trigger"]
    assert attr(find_tag(page, id="field-ripe_threshold"), "value") == "60"
    # A quiet period of 0 (the gate off) reads 0, and the form saves again as it stands.
    assert attr(find_tag(page, id="field-quiet_period_hours"), "value") == "0"
    shown = {
        attr(field, "name"): attr(field, "value")
        for field in page.select("form[action$='/admin/scoring'] input[type=number]")
    }
    assert shown == form

    rescore.run_pending(app.state.engine, "test", clock, batch=2, max_batches=1)
    progress = find_tag(soup(client.get("/admin/scoring")), id="rescore-progress")
    assert "Recalcul en cours\u00a0: 2 idées sur 3." in progress.get_text()
    rescore.run_pending(app.state.engine, "test", clock, batch=2)
    progress = find_tag(soup(client.get("/admin/scoring")), id="rescore-progress")
    assert "Dernier recalcul terminé" in progress.get_text() and not progress.get("hx-trigger")
    db.expire_all()
    assert len({i.score_version for i in db.exec(select(Idea))} - {0}) == 1

    again = client.post_form("/admin/scoring", shown)
    assert again.status_code == 303
    unchanged = one(soup(client.get(again.headers["location"])), ".alert--success")
    assert "rien n’a changé" in unchanged.get_text()


def test_progress_counts_read_with_thousands_apart(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    admin = make_user(db, role=Role.admin)
    db.add(RescoreJob(params={}, previous={}, total=100_000, done=12_500, last_idea_id=12_500))
    db.commit()
    page = soup(make_client(admin).get("/admin/scoring"))
    text = find_tag(page, id="rescore-progress").get_text()
    assert "Recalcul en cours\u00a0: 12\u202f500 idées sur 100\u202f000." in text
