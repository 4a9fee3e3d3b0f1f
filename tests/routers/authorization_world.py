"""The world the authorization matrix is walked in, and how each route is called in it.

Roles: anonymous, an unrelated agent, the author of the object the route names (the idea's
author; the invitee of an invitation; the owner of a notification or a token; a call's sponsor),
the mine's author,
a manager, an admin, a deactivated account (signed in before it was deactivated), and a
co-porteur of the idea (who accepted its author's invitation to carry it).
"""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from app.config import Settings
from app.db import make_engine
from app.models import Notification, Role, User
from app.models.base import pk
from app.schemas import PromoteInput
from app.services import (
    account_invitations,
    api_tokens,
    calls,
    co_carriers,
    ideas,
    invitations,
    mines,
    moderation,
    notifications,
    registration,
    sessions,
)
from app.services.readiness import ScoringParams
from tests.conftest import SECRET
from tests.factories import (
    LONG,
    IdeaTexts,
    make_call,
    make_deminage,
    make_idea,
    make_mine,
    make_user,
)

ROLES = (
    "anonymous",
    "agent",
    "author",
    "mine_author",
    "manager",
    "admin",
    "deactivated",
    "co_carrier",
)
ROLE_TITLES = {
    "anonymous": "anonyme",
    "agent": "collègue",
    "author": "qui a écrit l’objet",
    "mine_author": "qui a posé la mine",
    "manager": "manager",
    "admin": "admin",
    "deactivated": "compte désactivé",
    "co_carrier": "co-porteur",
}


@dataclass
class World:
    people: dict[str, User]
    ids: dict[str, Any]


@contextmanager
def world_database(template_db: Path, folder: Path) -> Iterator[tuple[Path, Settings, Session]]:
    """A copy of the migrated template in `folder`, the settings the walks run the app with,
    and a session on it to build the world in; committed at the end."""
    path = folder / "world.sqlite3"
    shutil.copy(template_db, path)
    settings = Settings(
        database_url=f"sqlite:///{path}",
        env="test",
        secret_key=SECRET,
        strict_templates=True,
        mail_dir=str(folder / "mails"),
        writes_per_minute=100_000,
        allowed_email_domains="ville.fr",
        quiet_period_hours=0,
        security_contact="securite@ville.fr",
    )
    engine = make_engine(settings)
    with Session(engine, expire_on_commit=False) as db:
        yield path, settings, db
        db.commit()
    engine.dispose()


def sign_in_everyone(
    db: Session, settings: Settings, world: World, now: datetime
) -> dict[str, str]:
    """Each person's session cookie, by role."""
    return {
        role: sessions.start_session(db, settings, person, now)
        for role, person in world.people.items()
    }


def build_world(db: Session, settings: Settings, now: datetime) -> World:
    people = {
        "agent": make_user(db, name="Agnès Agent", unit="Finances"),
        "author": make_user(db, name="Aurélie Autrice", unit="Accueil"),
        "mine_author": make_user(db, name="Mina Mineuse", unit="DSI"),
        "manager": make_user(db, name="Marc Manager", unit="DGS", role=Role.manager),
        "admin": make_user(db, name="Ada Admin", unit="DGS", role=Role.admin),
        "deactivated": make_user(db, name="Denis Désactivé", unit="RH"),
        "co_carrier": make_user(db, name="Corinne Coporteuse", unit="Culture"),
    }
    helper = make_user(db, name="Hélène Aide", unit="RH")
    author, mine_author = people["author"], people["mine_author"]
    full: IdeaTexts = {
        "problem": LONG,
        "solution": LONG,
        "broken_rule": LONG,
        "first_ground": LONG,
    }
    idea = make_idea(db, author, now, title="Guichet unique", **full)
    mine = make_mine(db, idea, mine_author, now, severity="major", title="Budget")
    deminage = make_deminage(db, mine, helper, now, body="Un fonds existe.")
    defused = make_mine(db, idea, mine_author, now, severity="minor", title="RGPD")
    answer = make_deminage(db, defused, helper, now, body="Le DPO est d'accord.")
    mines.accept_deminage(db, ScoringParams(), author, answer, defused, idea, now)
    hidden_mine = make_mine(db, idea, mine_author, now, severity="minor", title="Masquée")
    hidden_answer = make_deminage(db, mine, helper, now, body="Hors sujet.")
    for item in (hidden_mine, hidden_answer):
        moderation.hide(db, ScoringParams(), people["admin"], item, idea, "Modération.", now)
    # A mine the unrelated agent co-signed; one the idea's author asked to move to the
    # generalisation (waiting for its author); one whose author refused (waiting for a manager).
    cosigned = make_mine(db, idea, mine_author, now, severity="minor", title="Accueil")
    mines.cosign(db, ScoringParams(), people["agent"], cosigned, idea, "blocking", now)
    pending_move = make_mine(db, idea, mine_author, now, severity="minor", title="Déploiement")
    mines.request_scope_move(db, author, pending_move, idea, "Plus tard.", now)
    disputed = make_mine(db, idea, mine_author, now, severity="minor", title="Formation")
    mines.request_scope_move(db, author, disputed, idea, "Plus tard.", now)
    mines.answer_scope_move(db, ScoringParams(), mine_author, disputed, idea, False, "Non.", now)
    draft = make_idea(db, author, now, title="Brouillon", published=False)
    other = make_idea(db, people["agent"], now, title="Autre idée", **full)
    hidden_idea = make_idea(db, people["agent"], now, title="Idée masquée", **full)
    moderation.hide_idea(db, people["admin"], hidden_idea, "Modération.", now)
    # A project of the author's, promoted by the manager (its sponsor), and a closed idea.
    project = make_idea(db, author, now, title="Projet suivi", **full)
    promotion = PromoteInput(
        sponsor="DGS",
        next_step="Pilote",
        target_date=date(2027, 3, 31),
        reason="Urgent",
        outcome="Un pilote.",
    )
    ideas.promote(db, ScoringParams(), people["manager"], project, promotion, now)
    closed = make_idea(db, author, now, title="Idée en sommeil", **full)
    ideas.abandon(db, ScoringParams(), author, closed, "Trop tôt.", now)
    invitation = invitations.invite(db, people["manager"], mine, idea, author, "Un avis ?", now)
    carrying = co_carriers.invite(db, author, idea, people["co_carrier"], "Avec moi ?", now)
    co_carriers.accept(db, ScoringParams(), people["co_carrier"], carrying, idea, now)
    # The author is asked to co-carry a colleague's idea: the invitee of that invitation.
    asked = co_carriers.invite(db, people["agent"], other, author, "Et toi ?", now)
    api_token, _ = api_tokens.create_api_token(db, author, "matrice")
    notification = db.exec(select(Notification).where(Notification.user_id == author.id)).first()
    mailer = notifications.Mailer.from_settings(settings)
    # A call taking ideas, and one closed early, waiting for its sponsor (the manager).
    call = make_call(db, people["manager"], now)
    closed_call = make_call(db, people["manager"], now)
    calls.close_call(db, people["manager"], closed_call, now)
    ids = {
        "idea": idea.id,
        "draft": draft.id,
        "other": other.id,
        "hidden_idea": hidden_idea.id,
        "project": project.id,
        "closed": closed.id,
        "mine": mine.id,
        "defused": defused.id,
        "cosigned": cosigned.id,
        "pending_move": pending_move.id,
        "disputed": disputed.id,
        "deminage": deminage.id,
        "invitation": invitation.id,
        "co_carrier": carrying.id,
        "carrier_invitation": asked.id,
        "helper_email": helper.email,
        "notification": notification.id if notification else 0,
        "token_id": api_token.id,
        "author_id": author.id,
        "admin_id": people["admin"].id,
        "helper_id": helper.id,
        "agent_email": people["agent"].email,
        "author_email": author.email,
        "manager_email": people["manager"].email,
        "call": call.id,
        "closed_call": closed_call.id,
        "hidden_mine": hidden_mine.id,
        "hidden_deminage": hidden_answer.id,
        "unsubscribe": mailer.unsubscribe_token(pk(author), None),
        "registration": registration.register(
            db,
            settings.model_copy(update={"allowed_email_domains": "ville.fr"}),
            email="en.attente@ville.fr",
            name="En attente",
            unit="RH",
            now=now,
        )[1],
        "user_invitation": account_invitations.invite(
            db,
            people["admin"],
            email="nouvelle@ville.fr",
            name="Nouvelle",
            unit="RH",
            role="agent",
            now=now,
        )[1],
    }
    return World(people, ids)


MINE = {"category": "legal", "severity": "minor", "title": "Une objection", "body": "Et le droit ?"}
IDEA = {"title": "Une idée", "problem": "Un problème réel pour les usagers."}
CALL = {
    "question": "Comment raccourcir l’attente\u202f?",
    "context": "Une heure le lundi.",
    "sponsor_email": "{manager_email}",
    "audience": "everyone",
    "ideas_until": "2026-11-20",
    "deminage_until": "2026-11-30",
    "decision_by": "2026-12-10",
}
PROMOTE = {
    "sponsor": "DGS",
    "next_step": "Pilote",
    "target_date": "2027-03-31",
    "reason": "Urgent",
    "outcome": "Un pilote.",
}

# "METHOD path-template" → (path with {ids}, form or JSON body). The body is valid for an
# allowed caller, so that « allowed » always means a success, never a validation error.
CALLS: dict[str, tuple[str, dict[str, Any] | None]] = {
    "GET /openapi.json": ("/openapi.json", None),
    "GET /login": ("/login", None),
    "POST /login": ("/login", {"email": "{agent_email}", "password": "mot-de-passe-de-test"}),
    "POST /logout": ("/logout", {}),
    "GET /auth/proconnect/login": ("/auth/proconnect/login", None),
    "GET /auth/proconnect/callback": ("/auth/proconnect/callback?state=x&code=y", None),
    "GET /invitations/{token}": ("/invitations/{user_invitation}", None),
    "GET /join/{token}": ("/join/{user_invitation}", None),
    "POST /join/{token}": (
        "/join/{user_invitation}",
        {"password": "un-mot-de-passe-solide", "password_confirm": "un-mot-de-passe-solide"},
    ),
    "GET /register": ("/register", None),
    "POST /register": (
        "/register",
        {
            "email": "inscrite@ville.fr",
            "name": "Inscrite",
            "unit": "RH",
            "password": "un-mot-de-passe-solide",
        },
    ),
    "GET /register/confirm/{token}": ("/register/confirm/{registration}", None),
    "POST /register/confirm/{token}": (
        "/register/confirm/{registration}",
        {"password": "un-mot-de-passe-solide", "password_confirm": "un-mot-de-passe-solide"},
    ),
    "GET /search": ("/search?q=guichet", None),
    "GET /ideas/similar": ("/ideas/similar?title=guichet", None),
    "GET /aide": ("/aide", None),
    "GET /": ("/", None),
    "GET /ideas": ("/ideas", None),
    "GET /ideas/new": ("/ideas/new", None),
    "POST /ideas": ("/ideas", IDEA),
    "GET /ideas/{idea_id}": ("/ideas/{idea}", None),
    "GET /ideas/{idea_id} (brouillon)": ("/ideas/{draft}", None),
    "GET /api/v1/ideas/{idea_id} (brouillon)": ("/api/v1/ideas/{draft}", None),
    "GET /ideas/{idea_id}/edit": ("/ideas/{idea}/edit", None),
    "POST /ideas/{idea_id}/edit": (
        "/ideas/{idea}/edit",
        {**IDEA, "solution": "Grâce à un guichet."},
    ),
    "POST /ideas/{idea_id}/publish": ("/ideas/{draft}/publish", {}),
    "POST /ideas/{idea_id}/delete": ("/ideas/{draft}/delete", {}),
    "POST /ideas/{idea_id}/abandon": ("/ideas/{idea}/abandon", {"lesson": "Trop tôt."}),
    "POST /ideas/{idea_id}/promote": ("/ideas/{idea}/promote", PROMOTE),
    "POST /ideas/{idea_id}/send-back": (
        "/ideas/{idea}/send-back",
        {"comment": "Précisez le budget."},
    ),
    "POST /ideas/{idea_id}/milestones": (
        "/ideas/{project}/milestones",
        {"kind": "first_ground", "text": "Lancé à Lyon."},
    ),
    "POST /ideas/{idea_id}/sponsor": (
        "/ideas/{project}/sponsor",
        {"sponsor_email": "{agent_email}"},
    ),
    "POST /ideas/{idea_id}/relaunch": ("/ideas/{closed}/relaunch", {}),
    "GET /sommeil": ("/sommeil", None),
    "POST /ideas/{idea_id}/follow": ("/ideas/{other}/follow", {}),
    "POST /ideas/{idea_id}/support": ("/ideas/{idea}/support", {}),
    "POST /ideas/{idea_id}/mines": ("/ideas/{idea}/mines", MINE),
    "POST /mines/{mine_id}/deminages": (
        "/mines/{mine}/deminages",
        {"kind": "contact", "body": "Voyez le service juridique."},
    ),
    "GET /mines/{mine_id}": ("/mines/{mine}", None),
    "GET /deminages/{deminage_id}": ("/deminages/{deminage}", None),
    "POST /deminages/{deminage_id}/accept": ("/deminages/{deminage}/accept", {}),
    "POST /deminages/{deminage_id}/helpful": ("/deminages/{deminage}/helpful", {}),
    "POST /deminages/{deminage_id}/dismiss": (
        "/deminages/{deminage}/dismiss",
        {"reason": "Ce fonds ne finance pas le fonctionnement."},
    ),
    "POST /mines/{mine_id}/withdraw": ("/mines/{mine}/withdraw", {}),
    "POST /mines/{mine_id}/reopen": (
        "/mines/{defused}/reopen",
        {"reason": "La réponse ne suffit pas."},
    ),
    "POST /mines/{mine_id}/accept-risk": ("/mines/{mine}/accept-risk", {"reason": "Assumé."}),
    "GET /ideas/{idea_id}/mines/siblings": ("/ideas/{idea}/mines/siblings?category=legal", None),
    "POST /mines/{mine_id}/cosign": ("/mines/{mine}/cosign", {"severity": "blocking"}),
    "POST /mines/{mine_id}/cosign/withdraw": ("/mines/{cosigned}/cosign/withdraw", {}),
    "POST /mines/{mine_id}/scope-request": (
        "/mines/{mine}/scope-request",
        {"reason": "Le premier terrain n’est pas concerné."},
    ),
    "POST /mines/{mine_id}/scope-request/answer": (
        "/mines/{pending_move}/scope-request/answer",
        {"agree": "true", "reason": ""},
    ),
    "POST /mines/{mine_id}/scope-request/decide": (
        "/mines/{disputed}/scope-request/decide",
        {"move": "true", "reason": "Le terrain pilote n’a pas ce public."},
    ),
    "POST /mines/{mine_id}/ask-basis": ("/mines/{mine}/ask-basis", {}),
    "POST /mines/{mine_id}/basis": (
        "/mines/{mine}/basis",
        {"basis": "text", "basis_reference": "Article L. 1"},
    ),
    "POST /mines/{mine_id}/hide": ("/mines/{mine}/hide", {"reason": "Propos injurieux."}),
    "POST /deminages/{deminage_id}/hide": ("/deminages/{deminage}/hide", {"reason": "Hors sujet."}),
    "POST /mines/{mine_id}/restore": ("/mines/{hidden_mine}/restore", {}),
    "POST /ideas/{idea_id}/hide": ("/ideas/{other}/hide", {"reason": "Hors charte."}),
    "POST /ideas/{idea_id}/restore": ("/ideas/{hidden_idea}/restore", {}),
    "POST /deminages/{deminage_id}/restore": ("/deminages/{hidden_deminage}/restore", {}),
    "GET /mines/{mine_id}/experts": ("/mines/{mine}/experts", None),
    "POST /mines/{mine_id}/invitations": (
        "/mines/{mine}/invitations",
        {"invitee_id": "{helper_id}", "message": "Un avis ?"},
    ),
    "GET /invitations/{invitation_id}/decline": ("/invitations/{invitation}/decline", None),
    "POST /invitations/{invitation_id}/decline": ("/invitations/{invitation}/decline", {}),
    "GET /calls": ("/calls", None),
    "GET /calls/new": ("/calls/new", None),
    "POST /calls": ("/calls", CALL),
    "GET /calls/{call_id}": ("/calls/{call}", None),
    "GET /calls/{call_id}/edit": ("/calls/{call}/edit", None),
    "POST /calls/{call_id}/edit": ("/calls/{call}/edit", {**CALL, "question": "Autre\u202f?"}),
    "GET /calls/{call_id}/edit (clos)": ("/calls/{closed_call}/edit", None),
    "POST /calls/{call_id}/edit (clos)": (
        "/calls/{closed_call}/edit",
        {"context": "Précisé.", "sponsor_email": "{manager_email}"},
    ),
    "POST /calls/{call_id}/close": ("/calls/{call}/close", {}),
    "GET /calls/{call_id}/decision": ("/calls/{closed_call}/decision", None),
    "POST /calls/{call_id}/decision": ("/calls/{closed_call}/decision", {}),
    "GET /api/v1/calls": ("/api/v1/calls", None),
    "GET /api/v1/calls/{call_id}": ("/api/v1/calls/{call}", None),
    "POST /api/v1/calls": ("/api/v1/calls", CALL),
    "PATCH /api/v1/calls/{call_id}": ("/api/v1/calls/{call}", {"question": "Autre\u202f?"}),
    "PATCH /api/v1/calls/{call_id} (clos)": (
        "/api/v1/calls/{closed_call}",
        {"context": "Précisé."},
    ),
    "POST /api/v1/calls/{call_id}/close": ("/api/v1/calls/{call}/close", None),
    "POST /api/v1/calls/{call_id}/decision": (
        "/api/v1/calls/{closed_call}/decision",
        {"outcomes": []},
    ),
    "GET /open-data/calls.json": ("/open-data/calls.json", None),
    "POST /ideas/{idea_id}/co-carriers": (
        "/ideas/{idea}/co-carriers",
        {"invitee": "{helper_email}", "message": "Avec nous ?"},
    ),
    "POST /co-carriers/{co_carrier_id}/accept": ("/co-carriers/{carrier_invitation}/accept", {}),
    "POST /co-carriers/{co_carrier_id}/decline": ("/co-carriers/{carrier_invitation}/decline", {}),
    "POST /co-carriers/{co_carrier_id}/remove": ("/co-carriers/{co_carrier}/remove", {}),
    "POST /co-carriers/{co_carrier_id}/leave": ("/co-carriers/{co_carrier}/leave", {}),
    "GET /demineurs": ("/demineurs", None),
    "GET /ce-qui-bloque": ("/ce-qui-bloque", None),
    "GET /board": ("/board", None),
    "GET /dashboard": ("/dashboard", None),
    "GET /ideas/{idea_id}/fiche.md": ("/ideas/{idea}/fiche.md", None),
    "GET /ideas/{idea_id}/fiche.pdf": ("/ideas/{idea}/fiche.pdf", None),
    "GET /open-data/ideas.json": ("/open-data/ideas.json", None),
    "GET /open-data/blockers.json": ("/open-data/blockers.json", None),
    "GET /open-data/ideas.csv": ("/open-data/ideas.csv", None),
    "GET /open-data/ideas-tableur.csv": ("/open-data/ideas-tableur.csv", None),
    "GET /notifications": ("/notifications", None),
    "GET /notifications/count": ("/notifications/count", None),
    "GET /notifications/{notification_id}/open": ("/notifications/{notification}/open", None),
    "POST /notifications/read": ("/notifications/read", {}),
    "GET /notifications/preferences": ("/notifications/preferences", None),
    "POST /notifications/preferences": ("/notifications/preferences", {}),
    "GET /unsubscribe/{token}": ("/unsubscribe/{unsubscribe}", None),
    "POST /unsubscribe/{token}": ("/unsubscribe/{unsubscribe}", {}),
    "GET /profile": ("/profile", None),
    "POST /profile/tokens": ("/profile/tokens", {"name": "script"}),
    "POST /profile/tokens/{token_id}/revoke": ("/profile/tokens/{token_id}/revoke", {}),
    "POST /profile/password": (
        "/profile/password",
        {
            "current_password": "mot-de-passe-de-test",
            "new_password": "un-nouveau-mot-de-passe",
            "new_password_confirm": "un-nouveau-mot-de-passe",
        },
    ),
    "GET /users/{user_id}": ("/users/{author_id}", None),
    "POST /profile/asking": ("/profile/asking", {}),
    "GET /profile/export.json": ("/profile/export.json", None),
    "POST /profile/close": ("/profile/close", {"confirm": "FERMER"}),
    "GET /admin": ("/admin", None),
    "GET /admin/users": ("/admin/users", None),
    "POST /admin/users": (
        "/admin/users",
        {
            "email": "cree@ville.fr",
            "name": "Créée",
            "unit": "RH",
            "role": "agent",
            "password": "un-mot-de-passe-solide",
        },
    ),
    "POST /admin/account-invitations": (
        "/admin/account-invitations",
        {"email": "invitee@ville.fr", "name": "Invitée", "unit": "RH", "role": "agent"},
    ),
    "GET /admin/users/{user_id}": ("/admin/users/{author_id}", None),
    "POST /admin/users/{user_id}": (
        "/admin/users/{author_id}",
        {"role": "manager", "unit": "Accueil", "active": "on"},
    ),
    "GET /admin/scoring": ("/admin/scoring", None),
    "POST /admin/scoring": (
        "/admin/scoring",
        {
            "ripe_threshold": "60",
            "min_reviewers": "3",
            "quiet_period_hours": "72",
            "weight_minor": "1",
            "weight_major": "3",
            "weight_blocking": "9",
        },
    ),
    "GET /admin/merge": ("/admin/merge", None),
    "POST /admin/merge": (
        "/admin/merge",
        {"keep": "{idea}", "merged": "{other}", "outcome": "Doublon."},
    ),
    "GET /admin/audit": ("/admin/audit", None),
    "GET /api/v1/me": ("/api/v1/me", None),
    "POST /api/v1/ideas": ("/api/v1/ideas", IDEA),
    "GET /api/v1/ideas": ("/api/v1/ideas", None),
    "GET /api/v1/ideas/{idea_id}": ("/api/v1/ideas/{idea}", None),
    "PATCH /api/v1/ideas/{idea_id}": ("/api/v1/ideas/{idea}", {"solution": "Grâce à un guichet."}),
    "POST /api/v1/ideas/{idea_id}/publish": ("/api/v1/ideas/{draft}/publish", None),
    "DELETE /api/v1/ideas/{idea_id}": ("/api/v1/ideas/{draft}", None),
    "POST /api/v1/ideas/{idea_id}/abandon": (
        "/api/v1/ideas/{idea}/abandon",
        {"lesson": "Trop tôt."},
    ),
    "POST /api/v1/ideas/{idea_id}/mines": ("/api/v1/ideas/{idea}/mines", MINE),
    "POST /api/v1/mines/{mine_id}/deminages": (
        "/api/v1/mines/{mine}/deminages",
        {"kind": "contact", "body": "Voyez le juridique."},
    ),
    "POST /api/v1/deminages/{deminage_id}/accept": ("/api/v1/deminages/{deminage}/accept", None),
    "POST /api/v1/deminages/{deminage_id}/helpful": ("/api/v1/deminages/{deminage}/helpful", None),
    "POST /api/v1/deminages/{deminage_id}/dismiss": (
        "/api/v1/deminages/{deminage}/dismiss",
        {"reason": "Hors sujet."},
    ),
    "POST /api/v1/mines/{mine_id}/withdraw": ("/api/v1/mines/{mine}/withdraw", None),
    "POST /api/v1/mines/{mine_id}/reopen": (
        "/api/v1/mines/{defused}/reopen",
        {"reason": "Pas convaincu."},
    ),
    "POST /api/v1/mines/{mine_id}/accept-risk": (
        "/api/v1/mines/{mine}/accept-risk",
        {"reason": "Assumé."},
    ),
    "GET /api/v1/mines/{mine_id}/cosignatures": ("/api/v1/mines/{mine}/cosignatures", None),
    "POST /api/v1/mines/{mine_id}/cosign": ("/api/v1/mines/{mine}/cosign", {"severity": "minor"}),
    "POST /api/v1/mines/{mine_id}/cosign/withdraw": (
        "/api/v1/mines/{cosigned}/cosign/withdraw",
        None,
    ),
    "POST /api/v1/mines/{mine_id}/scope-request": (
        "/api/v1/mines/{mine}/scope-request",
        {"reason": "Le premier terrain n’est pas concerné."},
    ),
    "POST /api/v1/mines/{mine_id}/scope-request/answer": (
        "/api/v1/mines/{pending_move}/scope-request/answer",
        {"agree": False, "reason": "Dès le premier jour."},
    ),
    "POST /api/v1/mines/{mine_id}/scope-request/decide": (
        "/api/v1/mines/{disputed}/scope-request/decide",
        {"move": False, "reason": "Il menace le pilote."},
    ),
    "POST /api/v1/mines/{mine_id}/ask-basis": ("/api/v1/mines/{mine}/ask-basis", None),
    "POST /api/v1/mines/{mine_id}/basis": (
        "/api/v1/mines/{mine}/basis",
        {"basis": "figures", "basis_reference": ""},
    ),
    "GET /api/v1/board": ("/api/v1/board", None),
    "GET /api/v1/blockers": ("/api/v1/blockers", None),
    "POST /api/v1/ideas/{idea_id}/promote": (
        "/api/v1/ideas/{idea}/promote",
        PROMOTE,
    ),
    "POST /api/v1/ideas/{idea_id}/send-back": (
        "/api/v1/ideas/{idea}/send-back",
        {"comment": "Précisez."},
    ),
    "POST /api/v1/ideas/{idea_id}/milestones": (
        "/api/v1/ideas/{project}/milestones",
        {"kind": "first_results", "text": "Deux mois d’attente en moins."},
    ),
    "POST /api/v1/ideas/{idea_id}/sponsor": (
        "/api/v1/ideas/{project}/sponsor",
        {"sponsor_email": "{agent_email}"},
    ),
    "POST /api/v1/ideas/{idea_id}/relaunch": ("/api/v1/ideas/{closed}/relaunch", None),
    "POST /api/v1/ideas/{idea_id}/merge": (
        "/api/v1/ideas/{other}/merge",
        {"keep": "{idea}", "outcome": "Doublon."},
    ),
    "GET /api/v1/sleeping": ("/api/v1/sleeping?q=guichet", None),
    "GET /api/v1/notifications": ("/api/v1/notifications", None),
    "GET /api/v1/search": ("/api/v1/search?q=guichet", None),
    "POST /api/v1/ideas/{idea_id}/follow": ("/api/v1/ideas/{other}/follow", None),
    "POST /api/v1/ideas/{idea_id}/support": ("/api/v1/ideas/{idea}/support", None),
    "GET /api/v1/mines/{mine_id}/experts": ("/api/v1/mines/{mine}/experts", None),
    "POST /api/v1/mines/{mine_id}/invitations": (
        "/api/v1/mines/{mine}/invitations",
        {"invitee_id": "{helper_id}", "message": "Un avis ?"},
    ),
    "POST /api/v1/ideas/{idea_id}/co-carriers": (
        "/api/v1/ideas/{idea}/co-carriers",
        {"invitee_id": "{helper_id}", "message": "Avec nous ?"},
    ),
    "POST /api/v1/co-carriers/{co_carrier_id}/accept": (
        "/api/v1/co-carriers/{carrier_invitation}/accept",
        None,
    ),
    "POST /api/v1/co-carriers/{co_carrier_id}/decline": (
        "/api/v1/co-carriers/{carrier_invitation}/decline",
        None,
    ),
    "POST /api/v1/co-carriers/{co_carrier_id}/remove": (
        "/api/v1/co-carriers/{co_carrier}/remove",
        None,
    ),
    "POST /api/v1/co-carriers/{co_carrier_id}/leave": (
        "/api/v1/co-carriers/{co_carrier}/leave",
        None,
    ),
    "GET /healthz": ("/healthz", None),
    "GET /readyz": ("/readyz", None),
    "GET /docs": ("/docs", None),
    "GET /mentions-legales": ("/mentions-legales", None),
    "GET /conditions-utilisation": ("/conditions-utilisation", None),
    "GET /donnees-personnelles": ("/donnees-personnelles", None),
    "GET /accessibilite": ("/accessibilite", None),
    "GET /stats": ("/stats", None),
    "GET /.well-known/security.txt": ("/.well-known/security.txt", None),
    "GET /robots.txt": ("/robots.txt", None),
}
