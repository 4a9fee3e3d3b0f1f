"""« Idées en sommeil »: closed ideas with their lesson, searchable apart from the board, and
« Relancer »: a new draft that takes one up again, with its old mines to check."""

from dataclasses import dataclass
from datetime import datetime
from math import ceil

from sqlalchemy import ColumnElement, bindparam, func, or_
from sqlmodel import Session, col, select

from app.db import read_rows
from app.models import BoardGroup, Idea, IdeaStatus, User
from app.models.base import pk
from app.schemas import IdeaCreate
from app.services import ideas, mines, search, visibility
from app.services.mines import MineView
from app.services.pages import COUNT_CAP, Page, Person, UnitName
from app.services.permissions import can_view_idea, check_relaunch, raise_if
from app.services.readiness import ScoringParams

# The search reads this many hits at most to find the closed ideas among them.
SEARCH_HITS = 300


@dataclass(frozen=True)
class SleepingIdea:
    """A closed idea as the list shows it: what it was, who wrote it, what it taught."""

    idea: Idea
    author: Person
    unit: UnitName | None
    themes: tuple[str, ...]
    # Its lesson as the viewer may read it (its passages quoting a hidden mine masked).
    lesson: str
    # Its relaunch still alive that the viewer can see, if any: then it is not relaunched again.
    relaunch: Idea | None = None
    # To who wrote the lesson and the moderators: why part of it is hidden, or "".
    lesson_notice: str = ""


def _asleep() -> tuple[ColumnElement[bool], ...]:
    # Closed, and not merged away (a merged idea lives on in the one it joined).
    return (col(Idea.board_group) == BoardGroup.abandoned,)


def list_sleeping(
    session: Session, viewer: User | None, query: str, page: int, page_size: int
) -> Page[SleepingIdea]:
    """Closed ideas, last closed first; with a query, those the French search finds (in their
    fiche, lesson, mines or déminages), best first."""
    page = max(page, 1)
    query = " ".join(query.split())[:200]
    if query:
        found: dict[int, None] = {}
        for hit in search.find(session, query, limit=SEARCH_HITS):
            found.setdefault(hit.idea_id, None)
        asleep = set(session.exec(select(Idea.id).where(col(Idea.id).in_(list(found)), *_asleep())))
        ranked = [i for i in found if i in asleep]
        pages = max(1, ceil(len(ranked) / page_size))
        page = min(page, pages)
        chosen = ranked[(page - 1) * page_size : page * page_size]
        by_id = {i.id: i for i in session.exec(select(Idea).where(col(Idea.id).in_(chosen)))}
        items, counted = [by_id[i] for i in chosen], len(ranked)
    else:
        cap = max(COUNT_CAP, page * page_size + 1)
        counted = session.exec(
            select(func.count()).select_from(
                select(Idea.id).where(*_asleep()).limit(cap).subquery()
            )
        ).one()
        pages = max(1, ceil(counted / page_size))
        page = min(page, pages)
        # Walks ix_idea_board_activity within the closed group: a page costs the same at any
        # size (an idea closes at its last activity: nothing is laid on it afterwards).
        items = list(
            session.exec(
                select(Idea)
                .where(*_asleep())
                .order_by(col(Idea.last_activity_at).desc(), col(Idea.id).desc())
                .offset((page - 1) * page_size)
                .limit(page_size)
            )
        )
    people = ideas.users_by_id(session, {i.author_id for i in items})
    themes = ideas.themes_of(session, [pk(i) for i in items])
    lessons = visibility.lessons(session, viewer, items)
    alive = live_relaunches(session, viewer, [pk(i) for i in items])
    rows = [
        SleepingIdea(
            i, *people[i.author_id], tuple(themes[pk(i)]), read.text, alive.get(pk(i)), read.notice
        )
        for i, read in zip(items, lessons, strict=True)
    ]
    return Page.counted(rows, page, pages, counted)


def relaunch(session: Session, params: ScoringParams, user: User, old: Idea, now: datetime) -> Idea:
    """A new draft of the user's own, its fiche copied from the closed idea and linked to it;
    private to its author like any draft. The old mines are not copied: the draft's page lists
    them for its author to check (`old_mines`)."""
    raise_if(check_relaunch(user, old, live_relaunches(session, user, [pk(old)]).get(pk(old))))
    data = IdeaCreate(
        title=old.title,
        problem=old.problem or old.title,
        solution=old.solution,
        broken_rule=old.broken_rule,
        rule_kind=old.rule_kind,
        rule_reference=old.rule_reference,
        first_ground=old.first_ground,
        themes=ideas.themes_of(session, [pk(old)])[pk(old)],
    )
    draft = ideas.create_draft(session, params, user, data, now)
    draft.relaunched_from_id = old.id
    ideas.add_event(
        session,
        draft,
        user,
        "relaunched",
        f"Relance de l’idée en sommeil «\u00a0{old.title}\u00a0» (n°\u00a0{old.id}).",
        now,
    )
    return draft


def old_mines(session: Session, idea: Idea, viewer: User) -> tuple[Idea | None, list[MineView]]:
    """For a relaunched idea: the closed idea it takes up, and its mines that moderation did
    not hide, for the new author to check one by one (not copies: they count in no score)."""
    if idea.relaunched_from_id is None:
        return None, []
    old = session.get(Idea, idea.relaunched_from_id)
    if old is None or not can_view_idea(viewer, old):
        return None, []
    views = [v for v in mines.mines_for_idea(session, old, viewer) if not v.hidden]
    return old, views


def old_lesson(session: Session, old: Idea | None, viewer: User) -> str:
    """For a relaunched idea: what the closed idea it takes up taught (its lesson, why it
    stopped), as the viewer may read it (its passages quoting a hidden mine masked); nothing if
    that idea is out of the lists (hidden by moderation, merged away) or not the viewer's to
    see."""
    if old is None or not old.lesson or not visibility.listed(old):
        return ""
    if not can_view_idea(viewer, old):
        return ""
    return visibility.lesson(session, old, viewer).text


_RELAUNCHES = (
    select(Idea.id, Idea.title)
    .where(
        col(Idea.relaunched_from_id) == bindparam("idea"),
        col(Idea.board_group) < BoardGroup.off_board,
    )
    .order_by(col(Idea.id))
)


def relaunches_of(session: Session, idea: Idea) -> list[tuple[int, str]]:
    """The published ideas that relaunched this one (a relaunched draft is its author's only)."""
    return [(int(i), str(t)) for i, t in read_rows(session, _RELAUNCHES, {"idea": idea.id})]


def live_relaunches(session: Session, viewer: User | None, idea_ids: list[int]) -> dict[int, Idea]:
    """Per closed idea, its relaunch still alive that the viewer can see: their own draft, or a
    published relaunch neither closed nor hidden (the oldest, when several predate the rule)."""
    if not idea_ids:
        return {}
    seen = col(Idea.board_group) <= BoardGroup.project
    if viewer is not None:
        seen = or_(seen, (col(Idea.status) == IdeaStatus.draft) & (Idea.author_id == viewer.id))
    found: dict[int, Idea] = {}
    for relaunch in session.exec(
        select(Idea).where(col(Idea.relaunched_from_id).in_(idea_ids), seen).order_by(col(Idea.id))
    ):
        if relaunch.relaunched_from_id is not None:  # for the type: the query asked for it
            found.setdefault(relaunch.relaunched_from_id, relaunch)
    return found


def rival_relaunch(session: Session, draft: Idea) -> Idea | None:
    """For a relaunched draft: another relaunch of the same idea, published and alive (the
    one `live_relaunches` shows everyone), which keeps this draft from being published."""
    if draft.relaunched_from_id is None or draft.status != IdeaStatus.draft:
        return None
    live = live_relaunches(session, None, [draft.relaunched_from_id]).get(draft.relaunched_from_id)
    return live if live is not None and live.id != draft.id else None
