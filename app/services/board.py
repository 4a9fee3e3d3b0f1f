"""The managers' board: ripe ideas first, then the closest to ripe, with filters and sorts."""

from dataclasses import dataclass, field
from datetime import datetime
from math import ceil

from sqlalchemy import and_, case, exists, func
from sqlmodel import Session, col, select

from app.models import Deminage, Idea, IdeaStatus, IdeaTheme, Mine, MineStatus, Unit, User
from app.models.mine import MineCategory

SORTS = {"score": "Maturité", "activity": "Activité récente", "reviewers": "Nombre de regards"}
STATUSES = {
    "open": "En déminage (mûres comprises)",
    "ripe": "Mûres seulement",
    "project": "Projets",
    "abandoned": "Abandonnées",
    "all": "Toutes les idées publiées",
}


@dataclass(frozen=True)
class BoardQuery:
    """Filters and sort, parsed leniently from the query string: unknown values mean « all »."""

    theme: str = ""
    unit: int | None = None
    category: str = ""
    status: str = "open"
    sort: str = "score"
    page: int = 1

    @classmethod
    def parse(cls, params: dict[str, str]) -> "BoardQuery":
        unit = params.get("unit", "")
        page = params.get("page", "1")
        return cls(
            theme=params.get("theme", "").strip().lower()[:40],
            unit=int(unit) if unit.isdigit() and len(unit) < 12 else None,
            category=params.get("category", "")
            if params.get("category") in set(MineCategory)
            else "",
            status=params.get("status", "open") if params.get("status") in STATUSES else "open",
            sort=params.get("sort", "score") if params.get("sort") in SORTS else "score",
            page=max(1, min(int(page), 10**6)) if page.isdigit() and len(page) < 9 else 1,
        )

    def as_params(self, **changes: object) -> dict[str, str]:
        """The query string of this view (or of a changed one), without the defaults."""
        values = {**self.__dict__, **changes}
        defaults = BoardQuery().__dict__
        return {k: str(v) for k, v in values.items() if v not in (None, "") and v != defaults[k]}


@dataclass
class BoardRow:
    idea: Idea
    ripe: bool
    themes: list[str] = field(default_factory=list)
    open_mines: dict[str, int] = field(default_factory=dict)
    reviewer_units: list[str] = field(default_factory=list)
    author: User | None = None
    unit: Unit | None = None


@dataclass(frozen=True)
class BoardPage:
    rows: list[BoardRow]
    page: int
    pages: int
    total: int


def board(session: Session, query: BoardQuery, now: datetime, page_size: int = 20) -> BoardPage:
    """One page of the board, ripe first, each row with what a manager needs to decide."""
    ripe_now = and_(
        Idea.status == IdeaStatus.open, col(Idea.ripe_from).is_not(None), col(Idea.ripe_from) <= now
    )
    conditions = [col(Idea.merged_into_id).is_(None)]
    if query.status == "open":
        conditions.append(Idea.status == IdeaStatus.open)
    elif query.status == "ripe":
        conditions.append(ripe_now)
    elif query.status in ("project", "abandoned"):
        conditions.append(Idea.status == query.status)
    else:
        conditions.append(Idea.status != IdeaStatus.draft)
    if query.theme:
        conditions.append(
            exists().where(IdeaTheme.idea_id == Idea.id, IdeaTheme.theme == query.theme)
        )
    if query.unit is not None:
        conditions.append(Idea.unit_id == query.unit)
    if query.category:
        conditions.append(
            exists().where(
                Mine.idea_id == Idea.id,
                Mine.category == query.category,
                Mine.status == MineStatus.open,
            )
        )
    sort_key = {
        "score": col(Idea.score).desc(),
        "activity": col(Idea.last_activity_at).desc(),
        "reviewers": col(Idea.reviewer_count).desc(),
    }[query.sort]
    total = session.exec(select(func.count()).select_from(Idea).where(*conditions)).one()
    pages = max(1, ceil(total / page_size))
    page = min(query.page, pages)
    ideas = list(
        session.exec(
            select(Idea)
            .where(*conditions)
            .order_by(
                case((ripe_now, 0), else_=1), sort_key, col(Idea.score).desc(), col(Idea.id).desc()
            )
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    )
    return BoardPage(_rows(session, ideas, now), page, pages, total)


def _rows(session: Session, ideas: list[Idea], now: datetime) -> list[BoardRow]:
    """Themes, open mines, reviewers' units and authors for one page, in four queries."""
    ids = [i.id for i in ideas]
    rows = {i.id: BoardRow(i, i.is_ripe(now)) for i in ideas}
    if not ids:
        return []
    for theme in session.exec(
        select(IdeaTheme).where(col(IdeaTheme.idea_id).in_(ids)).order_by(IdeaTheme.theme)
    ):
        rows[theme.idea_id].themes.append(theme.theme)
    for idea_id, severity, count in session.exec(
        select(Mine.idea_id, Mine.severity, func.count())
        .where(col(Mine.idea_id).in_(ids), Mine.status == MineStatus.open)
        .group_by(Mine.idea_id, Mine.severity)
    ):
        rows[idea_id].open_mines[severity] = count
    authors = {i.id: i.author_id for i in ideas}
    reviewers = (
        select(Mine.idea_id.label("idea_id"), Mine.author_id.label("person"))  # type: ignore[attr-defined]
        .where(col(Mine.idea_id).in_(ids), Mine.status != MineStatus.withdrawn)
        .union(
            select(Mine.idea_id, Deminage.author_id)
            .join(Mine, col(Deminage.mine_id) == Mine.id)
            .where(col(Mine.idea_id).in_(ids))
        )
        .subquery()
    )
    for idea_id, person, unit_name in session.exec(
        select(reviewers.c.idea_id, reviewers.c.person, Unit.name)
        .join(User, User.id == reviewers.c.person)
        .join(Unit, col(User.unit_id) == Unit.id, isouter=True)
    ):
        if (
            person != authors[idea_id]
            and unit_name
            and unit_name not in rows[idea_id].reviewer_units
        ):
            rows[idea_id].reviewer_units.append(unit_name)
    people = session.exec(
        select(User, Unit)
        .join(Unit, col(User.unit_id) == Unit.id, isouter=True)
        .where(col(User.id).in_(set(authors.values())))
    ).all()
    by_id = {u.id: (u, unit) for u, unit in people}
    for row in rows.values():
        row.author, row.unit = by_id.get(row.idea.author_id, (None, None))
    return [rows[i] for i in ids]


def themes_in_use(session: Session) -> list[str]:
    """Every theme of a published idea, for the board's filter."""
    return list(
        session.exec(
            select(IdeaTheme.theme)
            .join(Idea, col(IdeaTheme.idea_id) == Idea.id)
            .where(Idea.status != IdeaStatus.draft)
            .distinct()
            .order_by(IdeaTheme.theme)
        )
    )
