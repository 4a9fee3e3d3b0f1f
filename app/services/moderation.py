"""Moderation: an admin hides an abusive mine, déminage or whole idea, with a reason, and may
restore it.

Hidden content leaves the search index and the score (a hidden mine counts as withdrawn);
only admins read it; its author sees that it was hidden and why. A hidden idea leaves every
output (`visibility.listed_sql`, `permissions.can_view_idea`): only those who carry it and the
admins read its page; they are told why, and how to contest it. The audit log keeps both.
"""

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from app.errors import Conflict
from app.models import Deminage, Idea, IdeaStatus, Mine, NotificationKind, User
from app.models.base import pk
from app.services import audit, blockers, notifications, scoring, search, visibility
from app.services.ideas import add_event, themes_of
from app.services.permissions import check_moderate, raise_if
from app.services.readiness import ScoringParams

# Where the conditions of use say how to contest moderation (templates/legal/terms.html).
APPEAL_PATH = "/conditions-utilisation#recours"


def _target(item: Mine | Deminage | Idea) -> str:
    if isinstance(item, Idea):
        return f"idea:{item.id}"
    return f"{'mine' if isinstance(item, Mine) else 'deminage'}:{item.id}"


def hide(
    session: Session,
    params: ScoringParams,
    admin: User,
    item: Mine | Deminage,
    idea: Idea,
    reason: str,
    now: datetime,
) -> None:
    """Hide a mine or a déminage, with a reason its author is told, with how to contest it."""
    raise_if(check_moderate(admin))
    if item.hidden_at is not None:
        raise Conflict("Ce contenu est déjà masqué.")
    item.hidden_at, item.hidden_reason = now, reason
    session.add(item)
    audit.record(
        session, admin, "content_hidden", _target(item), {"hidden": False}, _after(reason), now
    )
    _reindex(session, item, idea)
    add_event(session, idea, admin, "moderated", "Un contenu a été masqué par la modération.", now)
    scoring.refresh(session, params, idea, now, admin, cause="contenu masqué par la modération")
    told = f"{_yours(item, idea)} a été {_agreed(item, 'masqué')} par la modération"
    appeal = f"{notifications.mailer_of(session).base_url}{APPEAL_PATH}"
    _tell_author(
        session,
        admin,
        item,
        idea,
        f"{told}\u00a0: {_sentence(reason)} Pour contester cette décision, voyez "
        f"«\u00a0Contester une décision de modération\u00a0» dans les conditions "
        f"d’utilisation\u00a0: {appeal}",
        now,
        subject=told,
    )


def restore(
    session: Session,
    params: ScoringParams,
    admin: User,
    item: Mine | Deminage,
    idea: Idea,
    now: datetime,
) -> None:
    """Show a hidden mine or déminage again; its author is told."""
    raise_if(check_moderate(admin))
    if item.hidden_at is None:
        raise Conflict("Ce contenu n’est pas masqué.")
    before = {"hidden": True, "reason": item.hidden_reason}
    item.hidden_at, item.hidden_reason = None, ""
    session.add(item)
    audit.record(session, admin, "content_restored", _target(item), before, {"hidden": False}, now)
    _reindex(session, item, idea)
    add_event(session, idea, admin, "moderated", "Un contenu masqué a été rétabli.", now)
    scoring.refresh(session, params, idea, now, admin, cause="contenu rétabli")
    _tell_author(
        session,
        admin,
        item,
        idea,
        f"{_yours(item, idea)} a été {_agreed(item, 'rétabli')} par la modération.",
        now,
    )


def _sentence(text: str) -> str:
    """The moderator's reason as a sentence: one final mark, theirs if they wrote one."""
    text = text.strip()
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


def _yours(item: Mine | Deminage, idea: Idea) -> str:
    """« Votre mine sur l’idée « … » »: the item's own words are not quoted (its author no longer
    reads them once hidden, `visibility`), the idea's title is."""
    what = "Votre mine" if isinstance(item, Mine) else "Votre déminage"
    return f"{what} sur l’idée «\u00a0{idea.title}\u00a0»"


def _agreed(item: Mine | Deminage, participle: str) -> str:
    return f"{participle}e" if isinstance(item, Mine) else participle


def _tell_author(
    session: Session,
    admin: User,
    item: Mine | Deminage,
    idea: Idea,
    message: str,
    now: datetime,
    subject: str | None = None,
) -> None:
    """The item's author is told, and led to it on the idea's page, where its alert says why
    and how to contest (not when they moderated it themselves: `notify`)."""
    author = session.get(User, item.author_id)
    if author is None:
        return
    mine = item if isinstance(item, Mine) else session.get_one(Mine, item.mine_id)
    anchor = f"#mine-{item.id}" if isinstance(item, Mine) else f"#deminage-{item.id}"
    notifications.notify(
        session,
        notifications.mailer_of(session),
        author,
        NotificationKind.moderation,
        admin,
        idea,
        message,
        anchor,
        now,
        subject=subject,
        about=notifications.About(mine, item if isinstance(item, Deminage) else None),
    )


def _reindex(session: Session, item: Mine | Deminage, idea: Idea) -> None:
    """The search index follows: a hidden mine takes its déminages out with it, and the words
    of the lesson that quotes it, and back; so do the neighbours stored by the ideas that found
    an idea by that lesson (`search.refresh_neighbours_of`), and the objections it echoes
    (`blockers.forget_echoes`)."""
    if isinstance(item, Mine):
        search.index_mine_with_deminages(session, item)
        # The objections it echoes: none while hidden, found again once restored.
        blockers.forget_echoes(session, item)
        if item.hidden_at is None:
            blockers.remember_echoes(session, item)
        reindexed: list[int] = []
        if idea.lesson:  # the one text of an idea's document that may quote its mines
            search.index_idea(session, idea, themes_of(session, [pk(idea)])[pk(idea)])
            reindexed.append(pk(idea))
        # Another idea's lesson may quote it too (`visibility.quotes_elsewhere`): hiding is
        # rare, reading every lesson then is cheap.
        mine = visibility.HiddenMine(item.title, item.body)
        quoting = [
            other
            for other in session.exec(select(Idea).where(Idea.lesson != "", Idea.id != idea.id))
            if visibility.quotes_elsewhere(other.lesson, mine)
        ]
        themes = themes_of(session, [pk(other) for other in quoting])
        for other in quoting:
            search.index_idea(session, other, themes[pk(other)])
        search.refresh_neighbours_of(session, [*reindexed, *(pk(other) for other in quoting)])
    else:
        search.index_deminage(session, item, session.get_one(Mine, item.mine_id))


def _after(reason: str) -> dict[str, Any]:
    return {"hidden": True, "reason": reason}


def hide_idea(session: Session, admin: User, idea: Idea, reason: str, now: datetime) -> None:
    """Hide a whole published idea: it leaves the lists, the index, the map and the counts;
    those who carry it are told why and where to contest it."""
    raise_if(check_moderate(admin))
    if idea.hidden_at is not None:
        raise Conflict("Cette idée est déjà masquée.")
    if idea.status == IdeaStatus.draft:
        raise Conflict("Un brouillon n’est lu que par son auteur\u00a0: il n’y a rien à masquer.")
    idea.hidden_at, idea.hidden_reason = now, reason
    session.add(idea)
    audit.record(
        session, admin, "content_hidden", _target(idea), {"hidden": False}, _after(reason), now
    )
    add_event(session, idea, admin, "moderated", "L’idée a été masquée par la modération.", now)
    _follow_idea(session, idea)
    _tell_carriers(
        session,
        admin,
        idea,
        f"Votre idée «\u00a0{idea.title}\u00a0» a été masquée par la modération\u00a0: {reason}",
        now,
    )


def restore_idea(session: Session, admin: User, idea: Idea, now: datetime) -> None:
    """Show a hidden idea again, everywhere; those who carry it are told."""
    raise_if(check_moderate(admin))
    if idea.hidden_at is None:
        raise Conflict("Cette idée n’est pas masquée.")
    before = {"hidden": True, "reason": idea.hidden_reason}
    idea.hidden_at, idea.hidden_reason = None, ""
    session.add(idea)
    audit.record(session, admin, "content_restored", _target(idea), before, {"hidden": False}, now)
    add_event(session, idea, admin, "moderated", "L’idée masquée a été rétablie.", now)
    _follow_idea(session, idea)
    _tell_carriers(
        session,
        admin,
        idea,
        f"Votre idée «\u00a0{idea.title}\u00a0» a été rétablie par la modération.",
        now,
    )


def _follow_idea(session: Session, idea: Idea) -> None:
    """The index and the map of « Ce qui bloque » follow (they keep no hidden idea)."""
    session.flush()  # the database computes the idea's board group again
    session.refresh(idea)
    search.index_idea(session, idea, themes_of(session, [pk(idea)])[pk(idea)])
    blockers.refresh(session, idea)


def _tell_carriers(session: Session, admin: User, idea: Idea, message: str, now: datetime) -> None:
    mailer = notifications.mailer_of(session)
    for user_id in [idea.author_id, *idea.co_carrier_ids]:
        person = session.get(User, user_id)
        if person is not None:
            notifications.notify(
                session,
                mailer,
                person,
                NotificationKind.moderation,
                admin,
                idea,
                message,
                "#moderation",
                now,
            )
