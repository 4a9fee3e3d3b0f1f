"""Signing in and out, sessions, rate limits, account invitations and CSRF protection."""

from collections.abc import Iterator
from typing import Any

from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app import web
from app.config import Settings
from app.main import create_app
from app.models import Idea, Role, UserSession
from app.services import api_tokens, users
from app.services.readiness import ScoringParams
from tests.conftest import SECRET, Clock, MakeClient, error_of, field_error, soup
from tests.factories import make_deminage, make_idea, make_mine, make_user
from tests.html import attr, find_tag, one
from tests.routers.test_ids import api_routes


def test_pages_need_a_signed_in_agent(make_client: MakeClient) -> None:
    response = make_client().get("/ideas")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fideas"


def test_sign_in_then_out_ends_the_session_server_side(
    make_client: MakeClient, db: Session
) -> None:
    user = make_user(db, name="Inès Roux")
    db.commit()
    client = make_client(user)
    page = soup(client.get("/ideas"))
    assert "Inès Roux" in one(page, "nav").get_text()
    stolen_cookie = client.cookies["demineurs_session"]
    assert client.post_form("/logout").status_code == 303
    other = make_client()
    other.cookies.set("demineurs_session", stolen_cookie)
    assert other.get("/ideas").status_code == 303


def test_session_cookie_is_httponly_and_lax(make_client: MakeClient, db: Session) -> None:
    user = make_user(db)
    db.commit()
    client = make_client()
    response = client.post_form("/login", {"email": user.email, "password": "mot-de-passe-de-test"})
    cookie = next(
        v for v in response.headers.get_list("set-cookie") if v.startswith("demineurs_session")
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_sign_in_renews_the_session(make_client: MakeClient, db: Session) -> None:
    user = make_user(db)
    db.commit()
    client = make_client(user)
    first = client.cookies["demineurs_session"]
    client.login(user)
    assert client.cookies["demineurs_session"] != first
    db.rollback()  # see the app's latest writes: end the read snapshot…
    db.expire_all()  # …and forget what was loaded
    assert len(db.exec(select(UserSession).where(UserSession.user_id == user.id)).all()) == 1


def test_a_sign_in_session_expires_after_its_days(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    user = make_user(db)
    db.commit()
    client = make_client(user)
    clock.advance(days=14, minutes=-1)  # DEMINEURS_SESSION_DAYS, the default
    assert client.get("/ideas").status_code == 200
    clock.advance(minutes=2)
    expired = client.get("/ideas")
    assert expired.status_code == 303
    assert expired.headers["location"] == "/login?next=%2Fideas"


def test_a_failed_sign_in_is_forgotten_once_out_of_the_window(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    user = make_user(db)
    db.commit()
    client = make_client()
    for _ in range(5):
        client.post_form("/login", {"email": user.email, "password": "faux"})
    right = {"email": user.email, "password": "mot-de-passe-de-test"}
    clock.advance(minutes=14)
    assert client.post_form("/login", right).status_code == 429
    clock.advance(minutes=2)  # DEMINEURS_LOGIN_WINDOW_MINUTES (15) after the failures
    assert client.post_form("/login", right).status_code == 303


def test_wrong_password_keeps_the_email_and_says_why_in_french(
    make_client: MakeClient, db: Session
) -> None:
    user = make_user(db)
    db.commit()
    response = make_client().post_form("/login", {"email": user.email, "password": "faux"})
    assert response.status_code == 422
    page = soup(response)
    assert attr(find_tag(page, id="field-email"), "value") == user.email
    assert field_error(
        page, "field-password"
    ) == "⚠ Adresse e-mail ou mot de passe incorrect." or "incorrect" in error_of(
        page, "field-password"
    )


def test_sign_in_is_rate_limited_per_account(make_client: MakeClient, db: Session) -> None:
    user = make_user(db)
    db.commit()
    client = make_client()
    for _ in range(5):
        assert (
            client.post_form("/login", {"email": user.email, "password": "faux"}).status_code == 422
        )
    blocked = client.post_form("/login", {"email": user.email, "password": "mot-de-passe-de-test"})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert "Trop de tentatives" in blocked.text


def test_sign_in_is_rate_limited_per_address(make_client: MakeClient, db: Session) -> None:
    db.commit()
    client = make_client()
    for n in range(20):
        client.post_form("/login", {"email": f"inconnu{n}@exemple.fr", "password": "x"})
    user = make_user(db)
    db.commit()
    assert (
        client.post_form(
            "/login", {"email": user.email, "password": "mot-de-passe-de-test"}
        ).status_code
        == 429
    )


def test_next_never_leaves_the_site(make_client: MakeClient, db: Session) -> None:
    user = make_user(db)
    db.commit()
    client = make_client()
    for target in ("https://evil.example/", "//evil.example", "/\\evil.example"):
        response = client.post_form(
            "/login", {"email": user.email, "password": "mot-de-passe-de-test", "next": target}
        )
        assert response.headers["location"] == "/ideas"
    response = client.post_form(
        "/login", {"email": user.email, "password": "mot-de-passe-de-test", "next": "/profile"}
    )
    assert response.headers["location"] == "/profile"


def test_cross_site_post_is_refused(make_client: MakeClient, db: Session) -> None:
    user = make_user(db)
    db.commit()
    client = make_client(user)
    response = client.post_form(
        "/ideas",
        {"title": "T", "problem": "P"},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
    response = client.post_form(
        "/ideas", {"title": "T", "problem": "P"}, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    # Refused before the app answers, the page still carries the site's protections.
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_behind_a_proxy_that_names_its_own_host_the_public_origin_may_post(
    make_client: MakeClient, db: Session, settings: Settings
) -> None:
    """nginx passes its server_name as Host, without the port the browser used: the browser's
    Origin is DEMINEURS_BASE_URL's, and that is the site's own."""
    user = make_user(db)
    db.commit()
    client = make_client(user)
    idea = {"title": "Derrière le proxy", "problem": "P"}
    proxied = {"Host": "demineurs", "Origin": settings.base_url.rstrip("/")}
    assert client.post_form("/ideas", idea, headers=proxied).status_code == 303
    forged = {"Host": "demineurs", "Origin": "http://demineurs"}
    assert client.post_form("/ideas", idea, headers=forged).status_code == 303  # Host's own
    elsewhere = {"Host": "demineurs", "Origin": "http://127.0.0.1:9999"}
    assert client.post_form("/ideas", idea, headers=elsewhere).status_code == 403


def test_a_forged_host_header_never_shows_in_a_link_or_a_redirect(
    make_client: MakeClient, db: Session
) -> None:
    user = make_user(db)
    db.commit()
    client = make_client(user)
    client.headers["host"] = "piege.example"
    for path in ("/ideas", "/mentions-legales", "/profile"):
        page = client.get(path)
        assert page.status_code == 200 and "piege.example" not in page.text, path
        links = [attr(a, "href") for a in soup(page).select("[href]")]
        assert links and not [h for h in links if h.startswith("http://")], path
    # Starlette's slash redirect used to be absolute, to the forged host.
    slash = client.get("/ideas/?sort=recent")
    assert (slash.status_code, slash.headers["location"]) == (307, "/ideas?sort=recent")
    assert client.get("/mentions-legales/").headers["location"] == "/mentions-legales"
    assert client.get("/static/nope.css").status_code == 404  # no redirect loop on a mount


def test_post_without_csrf_token_is_refused(make_client: MakeClient, db: Session) -> None:
    user = make_user(db)
    db.commit()
    client = make_client(user)
    assert client.post("/ideas", data={"title": "T", "problem": "P"}).status_code == 403
    assert (
        client.post(
            "/ideas", data={"title": "T", "problem": "P", "csrf_token": "0" * 64}
        ).status_code
        == 403
    )
    assert client.post_form("/ideas", {"title": "T", "problem": "P"}).status_code == 303


def test_forms_carry_the_csrf_token(make_client: MakeClient, db: Session) -> None:
    user = make_user(db)
    db.commit()
    client = make_client(user)
    page = soup(client.get("/ideas/new"))
    token = attr(one(page, "form input[name=csrf_token]"), "value")
    response = client.post(
        "/ideas", data={"csrf_token": token, "title": "Titre", "problem": "Problème"}
    )
    assert response.status_code == 303


def test_invitation_creates_the_account_with_role_and_unit(
    make_client: MakeClient, db: Session
) -> None:
    admin = make_user(db, role=Role.admin)
    db.commit()
    client = make_client(admin)
    response = client.post_form(
        "/admin/account-invitations",
        {
            "email": "Nouvelle@Ville.fr",
            "name": "Nina Nouvelle",
            "unit": "Urbanisme",
            "role": "manager",
        },
    )
    assert response.status_code == 200
    link = find_tag(soup(response), id="invitation-link").get_text(strip=True)
    path = link.split("8000", 1)[1]
    assert path.startswith("/join/")
    invited = make_client()
    assert "Nina Nouvelle" in invited.get(path).text
    mismatch = invited.post_form(
        path, {"password": "un-long-mot-de-passe", "password_confirm": "autre"}
    )
    assert mismatch.status_code == 422
    assert (
        invited.post_form(
            path, {"password": "un-long-mot-de-passe", "password_confirm": "un-long-mot-de-passe"}
        ).status_code
        == 303
    )
    assert invited.get("/ideas").status_code == 200
    user = users.get_by_email(db, "nouvelle@ville.fr")
    assert user is not None and user.role == "manager"
    unit = users.unit_of(db, user)
    assert unit is not None and unit.name == "Urbanisme"
    assert invited.get(path).status_code == 404  # an invitation serves once


def _invite(make_client: MakeClient, db: Session) -> str:
    """An admin invites someone; the path of the link they are given."""
    admin = make_user(db, role=Role.admin)
    db.commit()
    form = {"email": "invitee@ville.fr", "name": "Ivan Invité", "unit": "RH", "role": "agent"}
    response = make_client(admin).post_form("/admin/account-invitations", form)
    link = find_tag(soup(response), id="invitation-link").get_text(strip=True)
    return str(link.split("8000", 1)[1])


def test_an_account_invitation_expires_after_fourteen_days(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    path = _invite(make_client, db)
    invited = make_client()
    clock.advance(days=14, minutes=-1)
    assert invited.get(path).status_code == 200
    clock.advance(minutes=2)
    assert invited.get(path).status_code == 404
    strong = {"password": "un-long-mot-de-passe", "password_confirm": "un-long-mot-de-passe"}
    assert invited.post_form(path, strong).status_code == 404
    assert users.get_by_email(db, "invitee@ville.fr") is None


def test_an_invitation_link_handed_out_before_join_still_opens(
    make_client: MakeClient, db: Session
) -> None:
    path = _invite(make_client, db)
    token = path.removeprefix("/join/")
    invited = make_client()
    old = invited.get(f"/invitations/{token}")
    assert old.status_code == 308 and old.headers["location"] == path
    assert "Ivan Invité" in one(soup(invited.get(old.headers["location"])), "h1").get_text()


def email_autocomplete(page: BeautifulSoup) -> dict[str, str]:
    """Each e-mail field of the page's main content: its id (or value) → its autocomplete."""
    fields = page.select("main input[type=email]")
    return {str(f.get("id") or f.get("value")): attr(f, "autocomplete", "") for f in fields}


def test_a_password_manager_knows_the_sign_in_address_and_never_offers_it_elsewhere(
    make_client: MakeClient, db: Session
) -> None:
    assert email_autocomplete(soup(make_client().get("/login"))) == {"field-email": "username"}
    # Choosing the password of an invitation: the address it is for goes with it.
    join = soup(make_client().get(_invite(make_client, db)))
    assert email_autocomplete(join) == {"invitee@ville.fr": "username"}
    assert one(join, "main input[autocomplete=username]").has_attr("hidden")
    # An admin types someone else's address: the browser must not suggest the admin's own.
    admin = make_user(db, role=Role.admin)
    db.commit()
    admin_page = soup(make_client(admin).get("/admin/users"))
    assert email_autocomplete(admin_page) == {"invite-email": "off", "create-email": "off"}


def test_the_temporary_password_an_admin_sets_for_someone_else_is_never_saved_as_theirs(
    make_client: MakeClient, db: Session
) -> None:
    admin = make_user(db, role=Role.admin)
    db.commit()
    page = soup(make_client(admin).get("/admin/users"))
    field = one(page, "#create-password")
    # Browsers offer to save what a password field holds, autocomplete="off" or not, and would
    # file it under the admin's own sign-in; a plain field, not suggested, is the admin's to
    # read and pass on, as typed.
    assert field["type"] == "text"
    assert field["autocomplete"] == "off"
    assert field["spellcheck"] == "false" and field["autocapitalize"] == "none"
    assert page.select("main input[type=password]") == []
    assert page.select("main [autocomplete=new-password]") == []


def test_security_headers_on_every_page(make_client: MakeClient) -> None:
    response = make_client().get("/login")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


def test_hsts_only_over_https(app: FastAPI) -> None:
    with TestClient(app, base_url="https://demineurs.example") as client:
        assert "max-age" in client.get("/login").headers["strict-transport-security"]
    with TestClient(app) as client:
        assert "strict-transport-security" not in client.get("/login").headers


def test_agent_creates_a_token_on_the_profile_page_uses_and_revokes_it(
    make_client: MakeClient, app: FastAPI, db: Session
) -> None:
    user = make_user(db, name="Paul Script")
    db.commit()
    client = make_client(user)
    # A name too long is refused with its reason next to the field, as typed, and no token made.
    long_name = "Script du tableau de bord de la direction " * 3
    refused = client.post_form("/profile/tokens", {"name": long_name})
    assert refused.status_code == 422
    assert field_error(soup(refused), "field-name") == "80 caractères au plus."
    assert attr(find_tag(soup(refused), id="field-name"), "value") == long_name
    assert soup(refused).find(id="new-token") is None
    page = soup(client.post_form("/profile/tokens", {"name": "Tableau de bord"}))
    token = find_tag(page, id="new-token").get_text(strip=True)
    assert token.startswith("dmn_")
    # Shown once: the profile page never shows it again.
    assert token not in client.get("/profile").text
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as script:
        assert script.get("/api/v1/me").json()["name"] == "Paul Script"
        revoke = one(soup(client.get("/profile")), "form[action$='/revoke']")
        assert "Révoquer" in revoke.get_text()
        assert client.post_form(revoke["action"]).status_code == 303
        assert script.get("/api/v1/me").status_code == 401
    assert "Révoqué le" in client.get("/profile").text


def test_agent_downloads_their_data_and_closes_their_account(
    make_client: MakeClient, db: Session
) -> None:
    clock = Clock()
    me = make_user(db, name="Camille Départ", email="camille@ville.fr")
    other = make_user(db, name="Autre Personne", unit="B")
    published = make_idea(db, me, clock.now, title="Idée publiée de Camille")
    draft = make_idea(db, me, clock.now, title="Brouillon secret", published=False)
    draft_id = draft.id
    theirs = make_idea(db, other, clock.now, title="Idée d'une autre")
    make_mine(db, theirs, me, clock.now, title="Ma mine", params=ScoringParams())
    db.commit()
    client = make_client(me)
    data = client.get("/profile/export.json").json()
    assert data["account"]["email"] == "camille@ville.fr"
    assert sorted(i["title"] for i in data["idea"]) == [
        "Brouillon secret",
        "Idée publiée de Camille",
    ]
    assert [m["title"] for m in data["mine"]] == ["Ma mine"]
    assert "Autre Personne" not in client.get("/profile/export.json").text
    refused = client.post_form("/profile/close", {"confirm": "oui"})
    assert refused.status_code == 422
    assert client.post_form("/profile/close", {"confirm": "FERMER"}).status_code == 303
    assert client.get("/ideas").status_code == 303  # signed out
    again = make_client().post_form(
        "/login", {"email": "camille@ville.fr", "password": "mot-de-passe-de-test"}
    )
    assert again.status_code == 422
    reader = make_client(other)
    page = soup(reader.get(f"/ideas/{published.id}"))
    assert "Compte supprimé" in one(page, ".meta").get_text()
    assert "Camille" not in reader.get(f"/ideas/{theirs.id}").text
    db.rollback()
    db.expire_all()
    assert db.get(Idea, draft_id) is None  # the draft is gone, not just hidden


def test_writes_per_account_are_rate_limited_with_a_french_message(
    settings: Settings, clock: Clock, db: Session
) -> None:
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.conftest import WebClient

    limited = create_app(settings.model_copy(update={"writes_per_minute": 3}), clock=clock)
    agent = make_user(db)
    db.commit()
    with WebClient(limited, follow_redirects=False) as client:
        client.login(agent)
        answers = [client.post_form("/profile/asking", {}).status_code for _ in range(4)]
        assert answers[:3] != [429] * 3 and answers[3] == 429
        blocked = client.post_form("/profile/asking", {})
        assert int(blocked.headers["retry-after"]) > 0
        assert "attendez un instant" in blocked.text
        # Reading is never limited.
        assert client.get("/ideas").status_code == 200
    _, token = api_tokens.create_api_token(db, agent, "limite")
    db.commit()
    with TestClient(limited, headers={"Authorization": f"Bearer {token}"}) as api:
        refused = api.post("/api/v1/ideas", json={"title": "Encore une", "problem": "Vite."})
        assert refused.status_code == 429 and "attendez" in refused.json()["detail"]
    limited.state.engine.dispose()


def test_account_creation_is_rate_limited_per_address(settings: Settings, clock: Clock) -> None:
    from app.main import create_app
    from tests.conftest import WebClient

    open_app = create_app(
        settings.model_copy(update={"allowed_email_domains": "ville.fr", "accounts_per_hour": 2}),
        clock=clock,
    )
    with WebClient(open_app, follow_redirects=False) as client:
        statuses = []
        for n in range(3):
            client.cookies.clear()
            form = {
                "email": f"agent{n}@ville.fr",
                "name": f"Agent {n}",
                "unit": "Accueil",
                "password": "un-mot-de-passe-solide",
            }
            statuses.append(client.post_form("/register", form).status_code)
        assert statuses[:2] == [303, 303] and statuses[2] == 429
    open_app.state.engine.dispose()


def test_profile_title_is_plain_and_its_data_section_is_on_the_page(
    make_client: MakeClient, db: Session
) -> None:
    """The tab reads « Mon profil », no markup or token in it; « Mes données » (download, close
    the account) is in the page itself."""
    user = make_user(db, name="Agathe")
    db.commit()
    page = soup(make_client(user).get("/profile"))
    title = one(page, "title").string or ""
    assert title.startswith("Mon profil") and "<" not in title and "csrf" not in title
    section = page.find("h2", id="mes-donnees")
    assert section is not None and section.find_parent("main") is not None
    assert page.select_one("main form[action$='/profile/close']") is not None


def test_my_data_holds_every_row_of_every_table_that_names_me(
    make_client: MakeClient, db: Session
) -> None:
    """« Tout ce que l'outil sait de moi »: each table the database links to a person (read from
    the database's own foreign keys) gives its rows for me, no more, no fewer; no secret."""
    from sqlalchemy import inspect, text

    from app.services import invitations, mines

    clock = Clock()
    me = make_user(db, name="Camille Exhaustive", email="camille.x@ville.fr")
    a, b = make_user(db, unit="B"), make_user(db, unit="C")
    theirs = make_idea(db, a, clock.now)
    mine = make_mine(db, theirs, b, clock.now, params=ScoringParams())
    answer = make_deminage(db, mine, a, clock.now)
    make_idea(db, me, clock.now, title="La mienne")
    make_mine(db, theirs, me, clock.now, params=ScoringParams(), title="Mon objection")
    mines.toggle_helpful(db, me, answer)
    invitations.invite(db, me, mine, theirs, a, "Tu connais ce sujet ?", clock.now)
    api_tokens.create_api_token(db, me, "script")
    db.commit()
    client = make_client(me)  # a session, and the pages' own writes
    client.post_form(f"/ideas/{theirs.id}/follow")
    client.post_form(f"/ideas/{theirs.id}/support")
    data = client.get("/profile/export.json").json()

    inspector = inspect(db.get_bind())
    held: dict[str, int] = {}
    for table in inspector.get_table_names():
        for fk in inspector.get_foreign_keys(table):
            if fk["referred_table"] != "user":
                continue
            (column,) = fk["constrained_columns"]
            count = db.execute(
                text(f'SELECT count(*) FROM "{table}" WHERE "{column}" = :me'), {"me": me.id}
            ).scalar_one()
            held[f"{table}.{column}"] = count
    exported = {
        f"{key}.{column}" if "." not in key else key: len(rows)
        for key, rows in data.items()
        if key != "account"
        for column in (
            [key.split(".")[1]]
            if "." in key
            else [c for c in ("author_id", "user_id") if f"{key}.{c}" in held]
        )
    }
    assert exported == held
    for kind in ("idea", "mine", "deminage_helpful", "follow", "support", "user_session"):
        assert any(k.startswith(kind + ".") and n for k, n in held.items()), kind
    body = client.get("/profile/export.json").text
    assert "token_hash" not in body and "password_hash" not in body


def test_options_on_a_page_is_refused_with_the_methods_it_answers(make_client: MakeClient) -> None:
    client = make_client()
    for path, allowed in (
        ("/login", "GET, HEAD, POST"),
        ("/mentions-legales", "GET, HEAD"),
        ("/ideas/1", "GET, HEAD"),
        ("/static/css/app.css", "GET, HEAD"),
        ("/auth/proconnect/login", "GET"),  # a GET that acts: no HEAD there
    ):
        answer = client.options(path)
        assert (answer.status_code, answer.headers.get("allow")) == (405, allowed), path
    assert client.options("/nulle-part").status_code == 404


def _dependencies(dependant: Any) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _dependencies(sub)


def test_every_form_post_checks_its_csrf_token() -> None:
    """Every state-changing page route reads its form through the CSRF check (`web.FormDep`
    or `web.LongFormDep`): a handler that needs no field still takes the form, so that a POST
    without the page's token is refused. The API's routes answer tokens, not cookies."""
    app = create_app(Settings(database_url="sqlite://", secret_key=SECRET))
    routes = api_routes(app)
    assert any(route.path == "/ideas/{idea_id}/delete" for route in routes)
    unchecked = [
        f"{sorted(route.methods or ())} {route.path}"
        for route in routes
        if (route.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}
        and not route.path.startswith("/api/")
        # RFC 8058's one-click unsubscribe: the mail client posts it, the signed token is the proof
        and route.path != "/unsubscribe/{token}"
        and not {web.checked_form, web.checked_long_form} & set(_dependencies(route.dependant))
    ]
    assert unchecked == []
