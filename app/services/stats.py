"""Public statistics (/stats): what the tool produced, in counts only, never a person.

What counts follows the rest of the app (app/services/visibility.py): a mine hidden by
moderation counts as withdrawn, and withdrawn mines are not « laid »; a hidden déminage, or one
under a hidden mine, does not count; an idea merged into another is the other one's duplicate.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from statistics import median
from threading import Lock
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, distinct, func, literal, union_all
from sqlmodel import Session, col, select

from app.models import Deminage, Idea, IdeaStatus, Mine, MineStatus
from app.services import visibility
from app.services.dashboard import ripening_days

PARIS = ZoneInfo("Europe/Paris")
MONTHS = 12


@dataclass(frozen=True)
class Series:
    label: str
    values: list[int]


@dataclass(frozen=True)
class PublicStats:
    computed_at: datetime
    ideas_published: int
    mines_laid: int
    mines_defused: int
    deminages: int
    ripened: int
    projects: int
    median_days_to_ripe: float | None
    months: list[date]  # the first day of each month, the oldest first, in Paris
    contributions: list[Series]  # ideas published, mines laid, déminages, per month
    active_agents: Series  # distinct people who wrote one of them, per month


def month_bounds(now: datetime) -> list[datetime]:
    """MONTHS + 1 instants: the starts of the last MONTHS months in Paris (the current one
    last), then the start of the next month."""
    local = now.astimezone(PARIS)
    year, month = local.year, local.month
    firsts = []
    for back in range(MONTHS - 1, -2, -1):
        y, m = divmod(year * 12 + month - 1 - back, 12)
        firsts.append(datetime(y, m + 1, 1, tzinfo=PARIS).astimezone(UTC))
    return firsts


def _bucket(column: Any, bounds: list[datetime]) -> ColumnElement[Any]:
    """The month (0 … MONTHS - 1) a timestamp falls in, computed by the database."""
    return case(
        *((and_(column >= bounds[i], column < bounds[i + 1]), literal(i)) for i in range(MONTHS))
    )


def build(session: Session, now: datetime) -> PublicStats:
    """The public figures, in a handful of grouped queries over the whole base."""
    published_ideas = (visibility.listed_sql,)
    ideas, projects = session.exec(
        select(
            func.count(),
            func.coalesce(func.sum(case((col(Idea.status) == IdeaStatus.project, 1), else_=0)), 0),
        ).where(*published_ideas)
    ).one()

    counted = visibility.counted_status_sql
    by_status = dict(
        session.exec(select(counted, func.count()).select_from(Mine).group_by(counted)).all()
    )
    mines_laid = sum(n for status, n in by_status.items() if status != MineStatus.withdrawn)
    deminages = session.exec(
        select(func.count())
        .select_from(Deminage)
        .join(Mine, col(Deminage.mine_id) == Mine.id)
        .where(visibility.deminage_counts_sql)
    ).one()

    merged = set(session.exec(select(Idea.id).where(col(Idea.merged_into_id).is_not(None))))
    durations = [d for idea_id, d in ripening_days(session, now).items() if idea_id not in merged]

    bounds = month_bounds(now)
    since, until = bounds[0], bounds[-1]
    idea_month = _bucket(Idea.published_at, bounds)
    mine_month = _bucket(Mine.created_at, bounds)
    deminage_month = _bucket(Deminage.created_at, bounds)
    written: tuple[Any, ...] = (
        select(idea_month.label("month"), col(Idea.author_id).label("author")).where(
            *published_ideas, col(Idea.published_at) >= since, col(Idea.published_at) < until
        ),
        select(mine_month.label("month"), col(Mine.author_id).label("author")).where(
            counted != MineStatus.withdrawn, Mine.created_at >= since, Mine.created_at < until
        ),
        select(deminage_month.label("month"), col(Deminage.author_id).label("author"))
        .join(Mine, col(Deminage.mine_id) == Mine.id)
        .where(
            visibility.deminage_counts_sql,
            Deminage.created_at >= since,
            Deminage.created_at < until,
        ),
    )
    contributions = []
    for label, query in zip(("Idées publiées", "Mines posées", "Déminages"), written, strict=True):
        per_month = [0] * MONTHS
        sub = query.subquery()
        for month, n in session.exec(select(sub.c.month, func.count()).group_by(sub.c.month)):
            per_month[month] = n
        contributions.append(Series(label, per_month))
    everyone = union_all(*written).subquery()
    active = [0] * MONTHS
    for month, n in session.exec(
        select(everyone.c.month, func.count(distinct(everyone.c.author))).group_by(everyone.c.month)
    ):
        active[month] = n

    return PublicStats(
        computed_at=now,
        ideas_published=ideas,
        mines_laid=mines_laid,
        mines_defused=by_status.get(MineStatus.defused, 0),
        deminages=deminages,
        ripened=len(durations),
        projects=projects,
        median_days_to_ripe=round(median(durations), 1) if durations else None,
        months=[b.astimezone(PARIS).date() for b in bounds[:-1]],
        contributions=contributions,
        active_agents=Series("Agents actifs", active),
    )


class StatsCache:
    """The figures computed at most once per `seconds` per worker, on the app's clock: the page
    is public, so a crowd of visitors costs one computation, not one per visit."""

    def __init__(self, seconds: int) -> None:
        self.ttl = timedelta(seconds=seconds)
        self._stats: PublicStats | None = None
        self._lock = Lock()

    def get(self, now: datetime, compute: Callable[[], PublicStats]) -> PublicStats:
        with self._lock:  # one computation at a time; the others wait for its result
            stats = self._stats
            if stats is None or not (stats.computed_at <= now < stats.computed_at + self.ttl):
                stats = self._stats = compute()
            return stats


def public_stats(session: Session, now: datetime, cache: StatsCache) -> PublicStats:
    """The public figures, from the cache while they are fresh."""
    return cache.get(now, lambda: build(session, now))
