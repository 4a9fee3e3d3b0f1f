"""An idea becomes ripe: its author and the people who helped are told, once per ripening.

A write can make an idea ripe (`scoring.refresh` announces it at once), and so can time alone,
when the quiet period ends with nothing written: `announce_due` (run by `demineurs
announce-ripe` and `demineurs send-digest`) finds those. `Idea.ripe_announced_at` says the
ripening was told; `scoring.refresh` clears it when the idea stops being ripe, so that the next
ripening is told again, and never the same one twice.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from app.models import Follow, Idea, IdeaStatus, NotificationKind, User
from app.models.base import pk
from app.services import mines, notifications
from app.services.pages import Person


def helpers(mine_views: Sequence[mines.MineView], *carrier_ids: int) -> list[Person]:
    """Who helped the idea ripen, first helpers first: the authors of its mines and of its
    déminages, but for content hidden by moderation and answers set aside as « ne répond
    pas ». The views come redacted (`visibility`): what is masked names nobody."""
    found: dict[int, Person] = {}
    for view in mine_views:
        if not view.masked and not view.hidden:
            found.setdefault(pk(view.author), view.author)
        for dv in view.deminages:
            if dv.masked or dv.hidden or view.hidden or dv.deminage.dismissed_at is not None:
                continue
            found.setdefault(pk(dv.author), dv.author)
    for carrier in carrier_ids:  # those who carry the idea are thanked, not thanking
        found.pop(carrier, None)
    return list(found.values())


def thanks(people: Sequence[Person]) -> str:
    """« Merci à A, B et C » (or to one), the names as they are shown."""
    names = [p.name for p in people]
    if not names:
        return ""
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} et {names[-1]}"
    return f"Merci à {listed}"


def announce(session: Session, idea: Idea, actor: User | None, now: datetime) -> bool:
    """Tell the idea's author, the people who helped and its followers that it is ripe, unless
    this ripening was told already; returns whether it was told now."""
    if idea.ripe_announced_at is not None or not idea.is_ripe(now):
        return False
    idea.ripe_announced_at = now
    session.add(idea)
    carriers = [idea.author_id, *idea.co_carrier_ids]
    people = helpers(mines.views_of(mines.idea_rows(session, idea, None), None), *carriers)
    mailer = notifications.mailer_of(session)
    by_id = {
        u.id: u
        for u in session.exec(
            select(User).where(col(User.id).in_([*carriers, *(p.id for p in people)]))
        )
    }
    merci = thanks(people)
    for carrier in carriers:  # its author and its co-porteurs
        if carrier not in by_id:
            continue
        notifications.notify(
            session,
            mailer,
            by_id[carrier],
            NotificationKind.idea_ripe,
            actor,
            idea,
            f"Votre idée «\u00a0{idea.title}\u00a0» est mûre\u00a0: plus aucune mine ne la "
            "bloque, elle "
            f"peut devenir un projet. {merci + '.' if merci else ''}".rstrip(),
            "#terrain-demine",
            now,
        )
    for person in people:
        notifications.notify(
            session,
            mailer,
            by_id[person.id],
            NotificationKind.idea_ripe,
            actor,
            idea,
            f"L’idée «\u00a0{idea.title}\u00a0», que vous avez aidée à déminer, est "
            "mûre\u00a0: elle peut "
            "devenir un projet. Merci\u202f!",
            "#terrain-demine",
            now,
        )
    told = {*carriers, *(p.id for p in people)}
    followers = session.exec(
        select(User).join(Follow, col(Follow.user_id) == User.id).where(Follow.idea_id == idea.id)
    ).all()
    for follower in followers:
        if follower.id not in told:
            notifications.notify(
                session,
                mailer,
                follower,
                NotificationKind.followed_idea_status,
                actor,
                idea,
                f"L’idée «\u00a0{idea.title}\u00a0» est mûre\u00a0: elle peut devenir un projet",
                "",
                now,
            )
    return True


def announce_due(session: Session, now: datetime) -> int:
    """Announce the ideas that became ripe with time alone (their quiet period ended with
    nothing written); returns how many."""
    due = session.exec(
        select(Idea).where(
            Idea.status == IdeaStatus.open,
            col(Idea.ripe_from) <= now,
            col(Idea.ripe_announced_at).is_(None),
        )
    ).all()
    return sum(announce(session, idea, None, now) for idea in due)
