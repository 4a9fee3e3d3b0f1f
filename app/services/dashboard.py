"""The managers' dashboard: stages over time, where ideas get stuck, time to ripe, units."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import func
from sqlmodel import Session, col, select

from app import formatting
from app.models import Deminage, Idea, IdeaEvent, IdeaStatus, Mine, MineStatus, Unit, User
from app.models.idea import ABANDONED_MANY
from app.models.mine import CATEGORY_LABELS
from app.services import visibility

WEEKS = 12


@dataclass(frozen=True)
class Series:
    label: str
    values: list[int]


@dataclass(frozen=True)
class Dashboard:
    weeks: list[datetime]
    stages: list[Series]
    categories: list[tuple[str, int, int]]  # label, all mines (not withdrawn), still open
    median_days_to_ripe: float | None
    ripened: int
    units: list[tuple[str, int, int, int]]  # unit, ideas published, mines laid, déminages


def build(session: Session, now: datetime) -> Dashboard:
    """Aggregates over the whole base, in five grouped queries."""
    week_ends = [now - timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]
    lifecycle = session.exec(
        select(Idea.published_at, Idea.promoted_at, Idea.closed_at, Idea.status).where(
            Idea.status != IdeaStatus.draft, visibility.unhidden_idea_sql
        )
    ).all()
    open_, project, abandoned = [0] * WEEKS, [0] * WEEKS, [0] * WEEKS
    for published, promoted, closed, status in lifecycle:
        for i, end in enumerate(week_ends):
            if published is None or published > end:
                continue
            if promoted is not None and promoted <= end:
                project[i] += 1
            elif closed is not None and closed <= end and status == IdeaStatus.abandoned:
                abandoned[i] += 1
            else:
                open_[i] += 1
    stages = [
        Series("En déminage", open_),
        Series("Projets", project),
        Series(ABANDONED_MANY.capitalize(), abandoned),
    ]

    per_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for category, status, n in session.exec(
        select(Mine.category, Mine.status, func.count())
        .where(Mine.status != MineStatus.withdrawn)
        .group_by(Mine.category, Mine.status)
    ):
        per_category[category][0] += n
        if status == MineStatus.open:
            per_category[category][1] += n
    categories = sorted(
        ((CATEGORY_LABELS[c], total, still) for c, (total, still) in per_category.items()),
        key=lambda row: (-row[1], formatting.french_order(row[0])),
    )

    durations = list(ripening_days(session, now).values())

    contributions: dict[str, Counter[str]] = defaultdict(Counter)
    for name, n in session.exec(
        select(Unit.name, func.count())
        .select_from(Idea)
        .join(Unit, col(Idea.unit_id) == Unit.id)
        .where(Idea.status != IdeaStatus.draft, visibility.unhidden_idea_sql)
        .group_by(Unit.name)
    ):
        contributions[name]["ideas"] = n
    for model, key in ((Mine, "mines"), (Deminage, "deminages")):
        for name, n in session.exec(
            select(Unit.name, func.count())
            .select_from(model)
            .join(User, col(model.author_id) == User.id)
            .join(Unit, col(User.unit_id) == Unit.id)
            .group_by(Unit.name)
        ):
            contributions[name][key] = n
    units = sorted(
        ((name, c["ideas"], c["mines"], c["deminages"]) for name, c in contributions.items()),
        key=lambda row: (-(row[1] + row[2] + row[3]), formatting.french_order(row[0])),
    )
    return Dashboard(
        weeks=week_ends,
        stages=stages,
        categories=categories,
        median_days_to_ripe=round(median(durations), 1) if durations else None,
        ripened=len(durations),
        units=units,
    )


def ripening_days(session: Session, now: datetime) -> dict[int, float]:
    """Days from publication to the first moment ripe, for each idea that became ripe: its
    first « ripe » event, or, with none, its ripe_from (the quiet period ran out with nothing
    written since, so no line marks it yet)."""
    first_ripe: dict[int, datetime] = {}
    for ripe_idea, at in session.exec(
        select(IdeaEvent.idea_id, func.min(IdeaEvent.created_at))
        .where(IdeaEvent.kind == "ripe")
        .group_by(col(IdeaEvent.idea_id))
    ):
        first_ripe[ripe_idea] = at
    days: dict[int, float] = {}
    for idea_id, published, ripe_from, status in session.exec(
        select(Idea.id, Idea.published_at, Idea.ripe_from, Idea.status).where(
            col(Idea.published_at).is_not(None)
        )
    ):
        if idea_id is None or published is None:  # neither is, in the database
            continue
        # A « ripe » line is written when the idea became ripe (or, for a ripening by time
        # alone, at its ripe_from once it stops being ripe): it is the moment. A ripe_from is
        # not, when an action made the idea ripe later than its quiet period ended.
        start = first_ripe.get(idea_id)
        if start is None and status == IdeaStatus.open and ripe_from and ripe_from <= now:
            start = ripe_from
        if start is not None:
            if start.tzinfo is None:
                start = start.replace(tzinfo=published.tzinfo)
            days[idea_id] = max((start - published).total_seconds(), 0) / 86400
    return days
