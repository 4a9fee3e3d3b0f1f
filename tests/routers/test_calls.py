"""Calls for ideas through the pages, the API, the open data and the daily command: a manager
opens one, agents of its audience answer it until its deadline, its sponsor decides."""

import json
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from app import cli
from app.config import Settings, get_settings
from app.models import CallForIdeas, Idea, Notification, NotificationKind, OutboxMessage, Role
from app.models.base import pk
from app.services import calls, moderation
from tests.conftest import ApiClient, Clock, MakeClient, field_error, soup, text_of
from tests.factories import make_call, make_deminage, make_idea, make_mine, make_user
from tests.html import attr, find_tag, one, parent

FORM = {
    "question": "Comment raccourcir l’attente à l’accueil\u202f?",
    "context": "Une heure d’attente le lundi matin.",
    "criteria": "",
    "audience": "everyone",
    "ideas_until": "2026-11-10",
    "deminage_until": "2026-11-20",
    "decision_by": "2026-11-30",
}


def test_a_manager_opens_a_call_and_a_mistake_is_shown_beside_its_field(
    db: Session, make_client: MakeClient
) -> None:
    manager = make_user(db, role=Role.manager, unit="DGS")
    sponsor = make_user(db, name="Sophie Sponsor", email="sophie@ville.fr", role=Role.manager)
    for unit in ("Accueil", "Finances"):
        make_user(db, unit=unit)
    db.commit()
    web = make_client(manager)
    form = soup(web.get("/calls/new"))
    assert attr(find_tag(form, id="field-sponsor_email"), "value") == manager.email

    wrong = {
        **FORM,
        "sponsor_email": "personne@ville.fr",
        "audience": "units",
        "deminage_until": "2026-11-05",
    }
    refused = web.post_form("/calls", wrong)
    assert refused.status_code == 422
    page = soup(refused)
    assert field_error(page, "field-sponsor_email") == "Aucun compte actif à cette adresse."
    assert field_error(page, "field-ideas_until") is None
    assert "après" in (field_error(page, "field-deminage_until") or "")
    assert "au moins un service" in text_of(page, "#field-units-error")
    # What was typed is all there.
    assert attr(find_tag(page, id="field-question"), "value") == FORM["question"]
    assert find_tag(page, id="field-context").get_text() == FORM["context"]

    accueil = next(
        u for u in page.select("input[name=units]") if "Accueil" in parent(u, "label").text
    )
    opened = web.post_form(
        "/calls",
        {
            **FORM,
            "sponsor_email": "Sophie@Ville.fr",
            "audience": "units",
            "units": accueil["value"],
        },
    )
    assert opened.status_code == 303
    call = db.exec(select(CallForIdeas)).one()
    assert call.sponsor_id == sponsor.id and call.question == FORM["question"]
    assert calls.audience_of(db, call) == {int(attr(accueil, "value"))}
    shown = soup(web.get(opened.headers["location"]))
    assert text_of(shown, "h1") == "Comment raccourcir l’attente à l’accueil ?"
    header = text_of(shown, "article header")
    assert "Sophie Sponsor" in header and "Accueil" in header

    # An agent sees the call but may neither edit nor close it.
    someone = make_user(db, unit="Accueil")
    db.commit()
    agent = make_client(someone)
    assert agent.get(f"/calls/{call.id}/edit").status_code == 403
    assert agent.post_form(f"/calls/{call.id}/close").status_code == 403
    # The manager moves a date: the order is checked again, the text kept.
    edited = web.post_form(
        f"/calls/{call.id}/edit",
        {**FORM, "sponsor_email": "sophie@ville.fr", "decision_by": "2026-11-15"},
    )
    assert edited.status_code == 422
    assert "après" in (field_error(soup(edited), "field-decision_by") or "")
    assert web.post_form(f"/calls/{call.id}/close").status_code == 303
    closed_form = soup(web.get(f"/calls/{call.id}/edit"))
    assert "ne changent plus" in text_of(closed_form, "#appel-clos")
    assert closed_form.find(id="field-question") is None


def test_the_idea_form_offers_only_the_open_calls_of_its_authors_audience(
    db: Session, make_client: MakeClient, clock: Clock
) -> None:
    manager = make_user(db, role=Role.manager, unit="DGS")
    author = make_user(db, unit="Accueil")
    mine = make_call(db, manager, clock.now, units=["Accueil"], question="Pour l’accueil\u202f?")
    theirs = make_call(
        db, manager, clock.now, units=["Finances"], question="Pour les finances\u202f?"
    )
    for_all = make_call(db, manager, clock.now, question="Pour tous\u202f?")
    db.commit()
    web = make_client(author)
    options = soup(web.get(f"/ideas/new?call={mine.id}")).select("#field-call_id option")
    assert [o.text for o in options] == ["Aucun appel", "Pour l’accueil\u202f?", "Pour tous\u202f?"]
    assert [o["value"] for o in options if o.has_attr("selected")] == [str(mine.id)]
    # The home page shows the same open calls.
    home = soup(web.get("/ideas"))
    assert "Pour l’accueil" in text_of(home, "#open-calls-title + p + ul")
    assert "Pour les finances" not in home.text

    idea = {"title": "Un accueil sur rendez-vous", "problem": "On attend une heure."}
    refused = web.post_form("/ideas", {**idea, "call_id": str(theirs.id)})
    assert refused.status_code == 403
    assert "autres services" in (field_error(soup(refused), "field-call_id") or "")
    created = web.post_form("/ideas", {**idea, "call_id": str(for_all.id)})
    assert created.status_code == 303
    idea_page = soup(web.get(created.headers["location"]))
    assert "Pour tous" in text_of(idea_page, "article header")
    sheet = web.get(created.headers["location"] + "/fiche.md").text
    assert "- Appel à idées\u00a0: Pour tous\u202f?" in sheet

    # After the deadline, the call is no longer offered, and a forged choice is refused beside
    # the field, with the text kept.
    clock.advance(days=9)
    late = web.post_form("/ideas", {**idea, "title": "Trop tard", "call_id": str(mine.id)})
    assert late.status_code == 409
    page = soup(late)
    assert "ne reçoit plus" in (field_error(page, "field-call_id") or "")
    assert attr(find_tag(page, id="field-title"), "value") == "Trop tard"
    assert not soup(web.get("/ideas/new")).select("#field-call_id")
    assert "open-calls-title" not in web.get("/ideas").text


def test_the_call_page_lists_its_ideas_with_their_mines_and_the_board_filters_by_call(
    db: Session, make_client: MakeClient, clock: Clock
) -> None:
    manager = make_user(db, role=Role.manager)
    author, colleague = make_user(db, name="Amina Diallo"), make_user(db)
    call = make_call(db, manager, clock.now)
    answering = make_idea(db, author, clock.now, call_id=call.id, title="Rendez-vous en ligne")
    make_idea(db, author, clock.now, call_id=call.id, title="Brouillon secret", published=False)
    make_idea(db, author, clock.now, title="Hors appel")
    bombe = make_mine(db, answering, colleague, clock.now, severity="blocking", title="RGPD")
    make_mine(db, answering, colleague, clock.now, severity="minor")
    make_deminage(db, bombe, manager, clock.now)
    db.commit()
    web = make_client(colleague)
    page = soup(web.get(f"/calls/{call.id}"))
    assert text_of(page, "#call-ideas-title") == "1 idée publiée"
    card = text_of(page, f"#call-idea-{answering.id}")
    assert "Amina Diallo" in card and "1 bombe, 1 pétard" in card and "2 regards" in card
    assert "Brouillon secret" not in page.text
    board_link = find_tag(page, "a", string="Voir ces idées sur le tableau")
    board = soup(web.get(attr(board_link, "href")))
    titles = [a.text for a in board.select("#board-results h3 a")]
    assert titles == ["Rendez-vous en ligne"]
    # Digits that are not ASCII (« ¹ ») are no id: the filter is dropped, never a 500.
    assert web.get("/board?call=\u00b9&unit=\u00b2&page=\u00b3").status_code == 200
    found = soup(web.get(f"/search?q=idee&call={call.id}"))
    assert "Hors appel" not in found.text
    # The author sees their draft apart.
    own = soup(make_client(author).get(f"/calls/{call.id}"))
    assert "Brouillon secret" in text_of(own, "#call-drafts-title + p + ul")


def test_the_sponsor_decides_from_one_page_and_the_author_is_told(
    db: Session, make_client: MakeClient, clock: Clock
) -> None:
    manager = make_user(db, role=Role.manager)
    sponsor = make_user(db, name="Sophie Sponsor", role=Role.manager)
    author = make_user(db)
    call = make_call(db, manager, clock.now, sponsor=sponsor)
    first = make_idea(db, author, clock.now, call_id=call.id, title="Première")
    second = make_idea(db, author, clock.now, call_id=call.id, title="Seconde")
    db.commit()
    assert make_client(sponsor).get(f"/calls/{call.id}/decision").status_code == 409  # too early
    clock.advance(days=20)
    web = make_client(sponsor)  # signed in again: a session lasts two weeks
    assert make_client(manager).get(f"/calls/{call.id}/decision").status_code == 403
    form = {
        f"decision_{first.id}": "promoted",
        f"text_{first.id}": "On la teste en janvier.",
        f"decision_{second.id}": "",
        f"text_{second.id}": "Je ne sais pas encore quoi en dire.",
    }
    refused = web.post_form(f"/calls/{call.id}/decision", form)
    assert refused.status_code == 422, refused.text
    page = soup(refused)
    assert field_error(page, f"field-decision_{second.id}") == "Choisissez une valeur de la liste."
    assert field_error(page, f"field-decision_{first.id}") is None
    assert find_tag(page, id=f"field-text_{first.id}").get_text() == "On la teste en janvier."
    assert find_tag(page, id=f"field-text_{second.id}").get_text() == form[f"text_{second.id}"]

    form[f"decision_{second.id}"] = "sent_back"
    assert web.post_form(f"/calls/{call.id}/decision", form).status_code == 303
    shown = soup(web.get(f"/calls/{call.id}"))
    assert "Décidé" in text_of(shown, "article header")
    assert "promue en projet" in text_of(shown, f"#call-idea-{first.id}")
    assert "On la teste en janvier." in text_of(shown, f"#call-idea-{first.id}")
    told = db.exec(select(Notification).where(Notification.user_id == author.id)).all()
    assert any("On la teste en janvier." in n.message for n in told)


def test_a_closed_calls_sponsor_is_replaced_and_its_context_reworded_but_nothing_else(
    db: Session, make_client: MakeClient, api_client: ApiClient, clock: Clock
) -> None:
    manager = make_user(db, role=Role.manager)
    sponsor = make_user(db, name="Sophie Sponsor", role=Role.manager)
    nadia = make_user(db, name="Nadia Relais", email="nadia@ville.fr", role=Role.manager)
    paul = make_user(db, name="Paul Porteur", email="paul@ville.fr", role=Role.manager)
    make_user(db, email="agent@ville.fr")
    author = make_user(db)
    call = make_call(db, manager, clock.now, sponsor=sponsor)
    idea = make_idea(db, author, clock.now, call_id=call.id, title="Accueil sans rendez-vous")
    pauls = make_idea(db, paul, clock.now, call_id=call.id, title="Celle de Paul")
    calls.close_call(db, manager, call, clock.now)
    sponsor.is_active = False  # Sophie left: nobody could decide the call's ideas
    db.add(sponsor)
    db.commit()
    question, dates = call.question, (call.ideas_until, call.deminage_until, call.decision_by)
    web = make_client(manager)
    form = soup(web.get(f"/calls/{call.id}/edit"))
    assert "remplacer son sponsor" in text_of(form, "#appel-clos")
    assert form.find(id="field-question") is None and form.find(id="field-ideas_until") is None
    assert form.find(id="field-context") is not None
    # Its intro speaks of editing a closed call, not of opening one; the sponsor is not
    # « vous, par défaut » there.
    intro = text_of(form, "#appel-intro")
    assert "ne reçoit plus d’idées" in intro and "trois dates" not in intro
    assert "par défaut" not in text_of(form, "form.form-card")
    assert form.find(id="field-sponsor_email") is not None
    creation = soup(web.get("/calls/new"))
    assert "trois dates" in text_of(creation, "#appel-intro")
    assert "(vous, par défaut)" in text_of(creation, "form.form-card")

    def edit(email: str, context: str) -> httpx.Response:
        return web.post_form(f"/calls/{call.id}/edit", {"sponsor_email": email, "context": context})

    # A sponsor who carries an idea of the call could not decide it; an agent decides nothing.
    refused = edit("paul@ville.fr", "Précisé, le lundi surtout.")
    assert refused.status_code == 422
    page = soup(refused)
    carries = field_error(page, "field-sponsor_email") or ""
    assert "porte l’idée «\u00a0Celle de Paul\u00a0»" in carries
    assert find_tag(page, id="field-context").get_text() == "Précisé, le lundi surtout."
    not_manager = field_error(soup(edit("agent@ville.fr", "Précisé.")), "field-sponsor_email")
    assert "manager" in (not_manager or "")
    assert edit("nadia@ville.fr", "Précisé, le lundi surtout.").status_code == 303
    db.expire_all()
    again = db.get_one(CallForIdeas, call.id)
    assert again.sponsor_id == nadia.id and again.context == "Précisé, le lundi surtout."
    assert again.question == question and again.closed_at is not None
    assert (again.ideas_until, again.deminage_until, again.decision_by) == dates
    # The new sponsor decides; the API refuses what a closed call keeps, beside its field.
    api = api_client(manager)
    for body in ({"question": "Autre\u202f?"}, {"ideas_until": "2027-01-10"}):
        locked = api.patch(f"/api/v1/calls/{call.id}", json=body)
        assert locked.status_code == 422 and locked.json()["field"] == next(iter(body))
        assert "L’appel est clos" in locked.json()["detail"]
    assert api.patch(f"/api/v1/calls/{call.id}", json={"context": "Et le mardi."}).is_success
    decider = make_client(nadia)
    decided = decider.post_form(
        f"/calls/{call.id}/decision",
        {
            f"decision_{idea.id}": "promoted",
            f"text_{idea.id}": "Testée en janvier.",
            f"decision_{pauls.id}": "closed",
            f"text_{pauls.id}": "Trop coûteuse.",
        },
    )
    assert decided.status_code == 303
    # Decided, it keeps its sponsor (who decided) and its decisions; its context still changes.
    swap = api.patch(f"/api/v1/calls/{call.id}", json={"sponsor_email": manager.email})
    assert swap.status_code == 422 and swap.json()["field"] == "sponsor_email"
    reworded = api.patch(f"/api/v1/calls/{call.id}", json={"context": "Bilan, une promue."})
    assert reworded.is_success
    shown = soup(decider.get(f"/calls/{call.id}"))
    assert "Testée en janvier." in text_of(shown, f"#call-idea-{idea.id}")
    assert "Nadia Relais" in text_of(shown, "article header")


def test_a_newly_named_sponsor_is_told_and_led_to_the_call(
    db: Session, make_client: MakeClient, api_client: ApiClient
) -> None:
    """Named when the call opens, or in place of another later (page or API), the sponsor learns
    it in the app and by e-mail as they chose, with a link to the call; a manager who names
    themselves, or an edit that keeps the sponsor, tells no one."""
    manager = make_user(db, name="Karim Benali", role=Role.manager)
    sophie = make_user(db, name="Sophie Sponsor", email="sophie@ville.fr", role=Role.manager)
    nadia = make_user(db, name="Nadia Relais", email="nadia@ville.fr", role=Role.manager)
    db.commit()
    web = make_client(manager)

    def told(user_id: int | None) -> list[Notification]:
        return list(
            db.exec(
                select(Notification).where(
                    Notification.user_id == user_id,
                    Notification.kind == NotificationKind.call_sponsor,
                )
            )
        )

    def mails(email: str) -> list[OutboxMessage]:
        return [m for m in db.exec(select(OutboxMessage)) if m.to_email == email]

    own = web.post_form("/calls", {**FORM, "sponsor_email": manager.email})
    assert own.status_code == 303
    assert told(manager.id) == [] and mails(manager.email) == []
    opened = web.post_form("/calls", {**FORM, "sponsor_email": "sophie@ville.fr"})
    assert opened.status_code == 303
    call_url = opened.headers["location"]
    (note,) = told(sophie.id)
    assert note.url == call_url
    assert note.message == (
        "Karim Benali vous nomme sponsor de l’appel à idées «\u00a0Comment raccourcir "
        "l’attente à l’accueil\u202f?\u00a0»\u00a0: c’est vous qui déciderez de ses idées, au "
        "plus tard le 30\u00a0novembre 2026."
    )
    (mail,) = mails(sophie.email)
    (see,) = [line for line in mail.body.splitlines() if line.startswith("Voir\u00a0: ")]
    assert see.endswith(call_url) and "sponsor de l’appel" in mail.subject
    sophie_web = make_client(sophie)
    (card,) = soup(sophie_web.get("/notifications")).select(".notifications li")
    link = attr(one(card, "a[href^='/notifications/']"), "href")
    assert sophie_web.get(link).headers["location"] == call_url

    # Edited with the same sponsor: nobody is told again; replaced over the API: the new one is.
    same = web.post_form(f"{call_url}/edit", {**FORM, "sponsor_email": "sophie@ville.fr"})
    assert same.status_code == 303 and len(told(sophie.id)) == 1
    call_id = int(call_url.rsplit("/", 1)[1])
    swap = api_client(manager).patch(
        f"/api/v1/calls/{call_id}", json={"sponsor_email": "nadia@ville.fr"}
    )
    assert swap.is_success, swap.text
    (named,) = told(nadia.id)
    assert named.url == call_url and "Karim Benali vous nomme sponsor" in named.message
    # The sponsor replaced is told too, in their own words, in the app and by e-mail.
    (replaced,) = [n for n in told(sophie.id) if "à votre place" in n.message]
    assert len(told(sophie.id)) == 2
    assert replaced.url == call_url
    assert replaced.message == (
        "Karim Benali nomme Nadia Relais sponsor de l’appel à idées «\u00a0Comment raccourcir "
        "l’attente à l’accueil\u202f?\u00a0» à votre place\u00a0: c’est désormais cette "
        "personne qui décidera de ses idées."
    )
    assert len(mails(sophie.email)) == 2
    # A manager who hands their own call to someone else is not told of their own act.
    nadia_api = api_client(nadia).patch(
        f"/api/v1/calls/{call_id}", json={"sponsor_email": manager.email}
    )
    assert nadia_api.is_success and len(told(nadia.id)) == 1
    # A manager who names themselves in someone's place says so in those words.
    taken = api_client(nadia).patch(f"/api/v1/calls/{call_id}", json={"sponsor_email": nadia.email})
    assert taken.is_success
    (back,) = [n for n in told(manager.id) if "à votre place" in n.message]
    assert back.message.startswith("Nadia Relais se nomme sponsor de l’appel à idées «\u00a0")


def test_the_sponsor_field_offers_the_managers_to_pick_from_without_javascript(
    db: Session, make_client: MakeClient
) -> None:
    """The field is tied to a list of the active managers (a <datalist>, which a browser
    offers without JavaScript): no one has to know an address by heart; a typed one that is
    no manager's is still refused beside the field, with what was typed kept."""
    manager = make_user(db, name="Karim Benali", role=Role.manager, unit="DGS")
    make_user(db, name="Sophie Sponsor", email="sophie@ville.fr", role=Role.manager)
    make_user(db, name="Agnès Agent", email="agnes@ville.fr")
    make_user(db, name="Marc Parti", email="marc@ville.fr", role=Role.manager, active=False)
    db.commit()
    web = make_client(manager)
    form = soup(web.get("/calls/new"))
    field = find_tag(form, id="field-sponsor_email")
    choices = one(form, f"datalist#{attr(field, 'list')}")
    offered = {attr(o, "value"): o.get_text(strip=True) for o in choices.select("option")}
    assert offered["sophie@ville.fr"] == "Sophie Sponsor (Service A)"
    assert offered[manager.email] == "Karim Benali (DGS)"
    assert "agnes@ville.fr" not in offered and "marc@ville.fr" not in offered
    assert "choisissez-la dans la liste" in text_of(form, "#field-sponsor_email-hint")

    refused = web.post_form("/calls", {**FORM, "sponsor_email": "agnes@ville.fr"})
    assert refused.status_code == 422
    page = soup(refused)
    assert "manager" in (field_error(page, "field-sponsor_email") or "")
    assert attr(find_tag(page, id="field-sponsor_email"), "value") == "agnes@ville.fr"
    assert one(page, "datalist#sponsor-choices option[value='sophie@ville.fr']")


def test_every_mistake_of_the_call_form_is_shown_at_once(
    db: Session, make_client: MakeClient
) -> None:
    manager = make_user(db, role=Role.manager, unit="DGS")
    db.commit()
    wrong = {
        **FORM,
        "question": "",  # refused by the form's shape
        "ideas_until": "pas une date",
        "deminage_until": "2026-11-20",
        "decision_by": "2026-11-15",  # before the end of the déminage: a rule between fields
        "sponsor_email": "personne@ville.fr",  # no account: the service's rule
        "audience": "units",
        "units": "abc",  # no unit of the list
    }
    refused = make_client(manager).post_form("/calls", wrong)
    assert refused.status_code == 422
    page = soup(refused)
    assert field_error(page, "field-question")
    assert field_error(page, "field-ideas_until")
    assert "après" in (field_error(page, "field-decision_by") or "")
    assert field_error(page, "field-sponsor_email") == "Aucun compte actif à cette adresse."
    assert "services de la liste" in text_of(page, "#field-units-error")
    assert attr(find_tag(page, id="field-sponsor_email"), "value") == "personne@ville.fr"


@pytest.mark.parametrize(
    ("deminage_until", "deminage_said"),
    [
        ("", "obligatoire"),  # not given: the other two dates are still judged
        ("2026-11-31", "n’existe pas"),  # no such day
        ("2026-11-10", "Le déminage finit le jour de la date limite des idées, ou après."),
    ],
)
def test_a_decision_dated_before_the_ideas_deadline_is_shown_whatever_the_date_between(
    db: Session, make_client: MakeClient, deminage_until: str, deminage_said: str
) -> None:
    manager = make_user(db, role=Role.manager, unit="DGS")
    db.commit()
    wrong = {
        **FORM,
        "sponsor_email": manager.email,
        "ideas_until": "2026-11-20",
        "deminage_until": deminage_until,
        "decision_by": "2026-11-15",
    }
    refused = make_client(manager).post_form("/calls", wrong)
    assert refused.status_code == 422
    page = soup(refused)
    assert field_error(page, "field-decision_by") == (
        "La décision vient le jour de la date limite des idées, ou après."
    )
    assert deminage_said in (field_error(page, "field-deminage_until") or "")
    assert field_error(page, "field-ideas_until") is None
    for name in ("ideas_until", "deminage_until", "decision_by"):
        assert attr(find_tag(page, id=f"field-{name}"), "value") == wrong[name], name


def test_a_sponsor_who_is_not_a_manager_is_refused_in_plain_french(
    db: Session, make_client
) -> None:
    manager = make_user(db, role=Role.manager)
    agent = make_user(db, name="Agnès Agent", email="agnes@ville.fr")
    db.commit()
    refused = make_client(manager).post_form("/calls", {**FORM, "sponsor_email": agent.email})
    assert refused.status_code == 422
    message = field_error(soup(refused), "field-sponsor_email") or ""
    assert (
        message
        == "Le sponsor d’un appel doit avoir le rôle de manager\u00a0: ce compte ne l’a pas."
    )


def test_the_calls_page_is_paginated_in_the_lists_order(
    db: Session, make_client: MakeClient, api_client: ApiClient, settings: Settings, clock: Clock
) -> None:
    """The calls still taking ideas come first, the one that closes soonest at the top (the
    most urgent to answer); then the closed ones, the latest deadline first."""
    settings.page_size = 2
    manager = make_user(db, role=Role.manager)
    today = clock.now.date()
    closed = []
    for days in (20, 30):
        call = make_call(db, manager, clock.now, ideas_until=today + timedelta(days=days))
        calls.close_call(db, manager, call, clock.now)
        closed.append(call)
    taking = {
        days: make_call(db, manager, clock.now, ideas_until=today + timedelta(days=days))
        for days in (10, 2, 5)
    }
    db.commit()
    web = make_client(manager)

    def shown(page: int) -> list[int]:
        cards = soup(web.get("/calls", params={"page": page})).select("ul.cards > li")
        return [int(attr(card, "id").removeprefix("call-")) for card in cards]

    expected = [taking[2].id, taking[5].id, taking[10].id, closed[1].id, closed[0].id]
    assert [c["id"] for c in api_client(manager).get("/api/v1/calls").json()] == expected
    assert [shown(1), shown(2), shown(3)] == [expected[:2], expected[2:4], expected[4:]]
    first = soup(web.get("/calls"))
    assert text_of(first, "nav.pagination") == "Page 1 sur 3 Suivante"
    assert attr(one(first, "nav.pagination a[rel=next]"), "href").endswith("/calls?page=2")
    assert shown(99) == expected[4:]  # past the end: the last page
    assert text_of(soup(web.get("/calls?page=x")), "nav.pagination") == "Page 1 sur 3 Suivante"


def test_the_api_gives_calls_and_each_ideas_call(
    db: Session, api_client: ApiClient, clock: Clock
) -> None:
    manager = make_user(db, role=Role.manager)
    author = make_user(db, unit="Accueil")
    call = make_call(db, manager, clock.now, units=["Accueil"])
    idea = make_idea(db, author, clock.now, call_id=call.id)
    other = make_idea(db, author, clock.now)
    db.commit()
    api = api_client(author)
    listed = api.get("/api/v1/calls").json()
    assert [c["id"] for c in listed] == [call.id]
    assert listed[0]["phase"] == "ideas" and listed[0]["audience"] == ["Accueil"]
    detail = api.get(f"/api/v1/calls/{call.id}").json()
    assert [i["id"] for i in detail["ideas"]] == [idea.id]
    assert api.get(f"/api/v1/ideas/{idea.id}").json()["call_id"] == call.id
    assert api.get(f"/api/v1/board?call={call.id}").json()["total"] == 1
    assert api.get("/api/v1/calls/999").status_code == 404
    clock.advance(days=9)
    late = api.patch(f"/api/v1/ideas/{other.id}", json={"call_id": call.id})
    assert late.status_code == 409 and late.json()["field"] == "call_id"


def test_open_data_gives_calls_without_a_name(
    db: Session, make_client: MakeClient, clock: Clock
) -> None:
    manager = make_user(db, role=Role.manager, name="Marc Manager")
    sponsor = make_user(db, name="Sophie Sponsor", email="sophie@ville.fr", role=Role.manager)
    author = make_user(db, name="Amina Diallo")
    call = make_call(db, manager, clock.now, sponsor=sponsor)
    make_idea(db, author, clock.now, call_id=call.id)
    make_idea(db, author, clock.now, call_id=call.id, published=False)
    db.commit()
    body = make_client().get("/open-data/calls.json").text
    for name in ("Marc", "Sophie", "sophie@", "Amina"):
        assert name not in body
    (row,) = json.loads(body)["calls"]
    assert row["question"] == call.question and row["ideas"] == 1
    assert row["ideas_until"] == call.ideas_until.isoformat()
    assert row["outcomes"] == {"promoted": 0, "sent_back": 0, "closed": 0}


def test_the_daily_command_tells_the_audience_once_however_often_it_runs(
    db: Session, settings: Settings, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    manager = make_user(db, role=Role.manager, unit="DGS")
    agents = [make_user(db, unit="Accueil") for _ in range(3)]
    make_call(db, manager, clock.now, units=["Accueil"], ideas_until=date(2026, 11, 10))
    db.commit()
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("DEMINEURS_MAIL_DIR", settings.mail_dir)
    get_settings.cache_clear()
    try:
        for _ in range(2):
            cli.main(["send-digest"], clock=clock)
        clock.now = clock.now.replace(day=8)
        for _ in range(2):
            cli.main(["send-digest"], clock=clock)
    finally:
        get_settings.cache_clear()
    db.expire_all()
    for kind in (NotificationKind.call_opened, NotificationKind.call_closing):
        told = db.exec(select(Notification.user_id).where(Notification.kind == kind)).all()
        assert sorted(told) == sorted(pk(a) for a in agents), kind
    # Each agent got two digests (the opening, then the reminder), one e-mail each.
    mails = db.exec(select(OutboxMessage.to_email)).all()
    assert sorted(mails) == sorted([a.email for a in agents] * 2)
    assert len(list(Path(settings.mail_dir).glob("*.eml"))) == 6


def test_a_call_past_its_ideas_deadline_keeps_what_its_ideas_answered(
    db: Session, make_client, api_client, clock: Clock
) -> None:
    """Not closed by hand but past its ideas' deadline, a call is locked as a closed one; a
    sponsor refused for an idea they carry is told which only when that idea is listed."""
    admin = make_user(db, role=Role.admin)
    manager = make_user(db, role=Role.manager)
    paul = make_user(db, name="Paul Porteur", email="paul@ville.fr", role=Role.manager)
    call = make_call(db, manager, clock.now)
    make_idea(db, make_user(db), clock.now, call_id=call.id, title="Accueil sans rendez-vous")
    hidden = make_idea(db, paul, clock.now, call_id=call.id, title="Titre injurieux WWW")
    moderation.hide_idea(db, admin, hidden, "Propos injurieux", clock.now)
    db.commit()
    api = api_client(manager)
    assert api.patch(f"/api/v1/calls/{call.id}", json={"criteria": "Coût."}).is_success
    clock.advance(days=12)  # past its ideas' deadline: in its déminage
    locked = api.patch(f"/api/v1/calls/{call.id}", json={"question": "Autre\u202f?"})
    assert locked.status_code == 422 and locked.json()["field"] == "question"
    refused = api.patch(f"/api/v1/calls/{call.id}", json={"sponsor_email": "paul@ville.fr"})
    assert refused.status_code == 422 and refused.json()["field"] == "sponsor_email"
    assert "porte une idée de cet appel" in refused.json()["detail"]
    assert "WWW" not in refused.text
    form = soup(make_client(manager).get(f"/calls/{call.id}/edit"))
    assert form.find(id="field-question") is None and form.find(id="field-context") is not None
    page = make_client(manager).post_form(
        f"/calls/{call.id}/edit", {"sponsor_email": "paul@ville.fr", "context": "Précisé."}
    )
    assert page.status_code == 422 and "WWW" not in page.text


def test_a_merged_idea_of_a_call_hands_the_call_to_the_idea_kept_and_its_sponsor_is_told(
    db: Session, make_client: MakeClient, clock: Clock
) -> None:
    """Merged while the call takes ideas into an idea that answers none, the duplicate's place
    in the call goes to the idea kept; the sponsor learns it, in the app and by e-mail."""
    admin = make_user(db, role=Role.admin)
    sponsor = make_user(db, name="Sophie Sponsor", role=Role.manager)
    call = make_call(db, sponsor, clock.now)
    author = make_user(db)
    duplicate = make_idea(db, author, clock.now, title="Accueil sans file", call_id=call.id)
    keep = make_idea(db, author, clock.now, title="Un accueil sur rendez-vous")
    db.commit()
    form = {"keep": str(keep.id), "merged": str(duplicate.id), "outcome": "Même terrain."}
    assert make_client(admin).post_form("/admin/merge", form).status_code == 303

    page = soup(make_client(sponsor).get(f"/calls/{call.id}"))
    assert "Un accueil sur rendez-vous" in text_of(page, f"#call-idea-{keep.id}")
    assert text_of(page, "#call-merged-title") == "1 idée fusionnée dans une autre"
    assert one(page, f"#call-merged-{duplicate.id}").get_text() == (
        "«\u00a0Accueil sans file\u00a0», fusionnée avec "
        "«\u00a0Un accueil sur rendez-vous\u00a0», qui répond aussi à cet appel."
    )
    (note,) = db.exec(
        select(Notification).where(
            Notification.user_id == sponsor.id,
            Notification.kind == NotificationKind.call_idea_merged,
        )
    )
    assert note.message == (
        f"L’idée «\u00a0Accueil sans file\u00a0», qui répondait à votre appel à idées "
        f"«\u00a0{call.question}\u00a0», a été fusionnée dans l’idée «\u00a0Un accueil sur "
        "rendez-vous\u00a0», qui y répond désormais à sa place. Issue\u00a0: Même terrain."
    )
    assert note.url == f"/ideas/{keep.id}#fusion-{duplicate.id}"
    (mail,) = [m for m in db.exec(select(OutboxMessage)) if m.to_email == sponsor.email]
    assert "Une idée de votre appel à idées" in mail.subject
    # The idea kept's author learns that their idea now answers the call, and who decides.
    (told,) = db.exec(
        select(Notification).where(
            Notification.user_id == author.id,
            Notification.kind == NotificationKind.merged_into_my_idea,
        )
    )
    assert told.message.endswith(
        f" Votre idée répond désormais à l’appel à idées «\u00a0{call.question}\u00a0» à sa "
        "place\u00a0: son sponsor, Sophie Sponsor, en décidera."
    )


def test_a_merged_idea_stays_on_its_closed_call_as_merged_with_a_link_to_the_idea_kept(
    db: Session, make_client: MakeClient, clock: Clock, api_client: ApiClient
) -> None:
    """Once the call takes no more ideas, the idea kept does not answer it: the call's page
    still names the duplicate, « fusionnée avec » the idea kept, with a link there."""
    admin = make_user(db, role=Role.admin)
    sponsor = make_user(db, role=Role.manager)
    call = make_call(db, sponsor, clock.now)
    author = make_user(db)
    duplicate = make_idea(db, author, clock.now, title="Accueil sans file", call_id=call.id)
    keep = make_idea(db, author, clock.now, title="Un accueil sur rendez-vous")
    calls.close_call(db, sponsor, call, clock.now)
    db.commit()
    form = {"keep": str(keep.id), "merged": str(duplicate.id), "outcome": "Même terrain."}
    assert make_client(admin).post_form("/admin/merge", form).status_code == 303

    db.expire_all()
    assert db.get_one(Idea, keep.id).call_id is None
    page = soup(make_client(author).get(f"/calls/{call.id}"))
    line = one(page, f"#call-merged-{duplicate.id}")
    assert "fusionnée avec" in line.get_text() and "ne répond pas à cet appel" in line.get_text()
    assert attr(one(line, "a"), "href") == f"/ideas/{keep.id}#fusion-{duplicate.id}"
    (note,) = db.exec(
        select(Notification).where(
            Notification.user_id == sponsor.id,
            Notification.kind == NotificationKind.call_idea_merged,
        )
    )
    assert "qui ne répond pas à cet appel" in note.message
    (merged,) = api_client(author).get(f"/api/v1/calls/{call.id}").json()["merged_ideas"]
    assert merged == {
        "id": duplicate.id,
        "title": "Accueil sans file",
        "merged_into_id": keep.id,
        "merged_into_title": "Un accueil sur rendez-vous",
        "merged_into_answers_call": False,
    }


def test_a_call_s_dates_are_typed_as_the_message_asks_or_as_a_date_picker_sends_them(
    db: Session, make_client: MakeClient, clock: Clock
) -> None:
    """A browser without a date picker sends what the agent typed: « JJ/MM/AAAA », the format
    the error message asks for, is taken; a time or an impossible day is refused beside its
    field, what was typed kept."""
    manager = make_user(db, role=Role.manager)
    db.commit()
    web = make_client(manager)
    typed = {
        **FORM,
        "sponsor_email": manager.email,
        "ideas_until": "10/11/2026",
        "deminage_until": "2026-11-20T00:00:00",
        "decision_by": "31/11/2026",
    }
    page = soup(web.post_form("/calls", typed))
    assert field_error(page, "field-ideas_until") is None
    assert field_error(page, "field-deminage_until") == "Date attendue au format JJ/MM/AAAA."
    assert "n’existe pas" in (field_error(page, "field-decision_by") or "")
    assert attr(find_tag(page, id="field-decision_by"), "value") == "31/11/2026"
    created = web.post_form(
        "/calls", {**typed, "deminage_until": "20/11/2026", "decision_by": "30/11/2026"}
    )
    assert created.status_code == 303
    call = db.exec(select(CallForIdeas).where(CallForIdeas.question == FORM["question"])).one()
    assert (call.ideas_until, call.deminage_until, call.decision_by) == (
        date(2026, 11, 10),
        date(2026, 11, 20),
        date(2026, 11, 30),
    )
