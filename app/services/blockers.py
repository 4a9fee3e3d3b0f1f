"""« Ce qui bloque »: the organisation's open mines and broken rules, counted at write time, and
the objections that come back across ideas with the answers that defused them elsewhere."""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import String, and_, bindparam, cast, delete, func, insert, literal, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from app import formatting
from app.db import read_rows, wide_select
from app.models import BlockerTally, Deminage, Idea, IdeaBlocker, IdeaStatus, Mine, MineEcho, Unit
from app.models.base import pk, table_of
from app.models.idea import RULE_KIND_LABELS
from app.models.mine import (
    CATEGORY_LABELS,
    SCOPE_LABELS,
    SEVERITY_LABELS,
    MineScope,
    MineStatus,
    Severity,
)
from app.services import search, visibility

TallyKey = tuple[str, str, str]  # dimension, key, severity

SEVERITIES = tuple(s.value for s in Severity)
ON_THE_MAP = (IdeaStatus.open, IdeaStatus.project)
# A mine echoes another when the French search finds it and they share this much of their words.
ECHO_OVERLAP = 0.3
ECHOES_PER_MINE = 5


# --- The tallies, kept at write time --------------------------------------------------


def _counted_mines(session: Session, idea: Idea) -> list[tuple[str, str, str, int]]:
    return list(
        session.exec(
            select(Mine.category, Mine.scope, Mine.severity, func.count())
            # The one rule for counts: a hidden mine counts as withdrawn.
            .where(col(Mine.idea_id) == idea.id, visibility.counted_status_sql == MineStatus.open)
            .group_by(col(Mine.category), col(Mine.scope), col(Mine.severity))
        ).all()
    )


def contribution(session: Session, idea: Idea) -> Counter[TallyKey]:
    """What one idea adds to the map: its open mines (hidden ones never count) by category, by
    its author's unit and by portée, each with its severity (the median of its signers'), and
    its broken rule's kind; nothing for a draft, a closed or a merged idea."""
    share: Counter[TallyKey] = Counter()
    if idea.status not in ON_THE_MAP or not visibility.listed(idea):
        return share
    share[("rule_kind", idea.rule_kind, "")] += 1
    unit = str(idea.unit_id or "")
    for category, scope, severity, n in _counted_mines(session, idea):
        share[("category", category, severity)] += n
        share[("unit", unit, severity)] += n
        share[("scope", scope, severity)] += n
    return share


def _upsert_tally(session: Session, key: TallyKey, delta: int) -> None:
    dimension, value, severity = key
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(BlockerTally).values(
        dimension=dimension, key=value, severity=severity, n=delta
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["dimension", "key", "severity"],
            set_={"n": table_of(BlockerTally).c.n + delta},
        )
    )


def refresh(session: Session, idea: Idea) -> None:
    """Bring the map's tallies up to date with this idea, applying only what changed (in the
    caller's transaction; an atomic upsert, so two instances never lose a count)."""
    new = contribution(session, idea)
    old = {
        (r.dimension, r.key, r.severity): r.n
        for r in session.exec(select(IdeaBlocker).where(IdeaBlocker.idea_id == idea.id))
    }
    if new == old:
        return
    # In one order for every process: a set's order follows the process's string hashing, and
    # two writers upserting the same tallies in two orders deadlock on PostgreSQL.
    for key in sorted(new.keys() | old.keys()):
        delta = new.get(key, 0) - old.get(key, 0)
        if delta:
            _upsert_tally(session, key, delta)
    session.execute(delete(IdeaBlocker).where(col(IdeaBlocker.idea_id) == idea.id))
    if new:
        session.execute(
            insert(IdeaBlocker),
            [
                {"idea_id": idea.id, "dimension": d, "key": k, "severity": s, "n": n}
                for (d, k, s), n in new.items()
                if n
            ],
        )


def recount(session: Session) -> Counter[TallyKey]:
    """The tallies counted from scratch over every idea (for tests and `demineurs reindex`)."""
    total: Counter[TallyKey] = Counter()
    for idea in session.exec(select(Idea).where(col(Idea.status).in_(ON_THE_MAP))):
        total.update(contribution(session, idea))
    return +total


def stored(session: Session) -> Counter[TallyKey]:
    """The tallies as the map reads them."""
    return +Counter(
        {(r.dimension, r.key, r.severity): r.n for r in session.exec(select(BlockerTally))}
    )


def rebuild(session: Session) -> None:
    """Count everything again, in a few set-wise statements (`demineurs reindex`, a bulk-built
    base): the tallies and every idea's share, as `contribution` counts them."""
    session.execute(delete(BlockerTally))
    session.execute(delete(IdeaBlocker))
    on_map = and_(col(Idea.status).in_([s.value for s in ON_THE_MAP]), visibility.listed_sql)
    counted = and_(on_map, visibility.counted_status_sql == MineStatus.open)
    columns = ["idea_id", "dimension", "key", "severity", "n"]
    by_category = (
        wide_select(Mine.idea_id, literal("category"), Mine.category, Mine.severity, func.count())
        .join(Idea, col(Idea.id) == Mine.idea_id)
        .where(counted)
        .group_by(col(Mine.idea_id), col(Mine.category), col(Mine.severity))
    )
    unit = func.coalesce(cast(Idea.unit_id, String(40)), "")
    by_unit = (
        wide_select(Mine.idea_id, literal("unit"), unit, Mine.severity, func.count())
        .join(Idea, col(Idea.id) == Mine.idea_id)
        .where(counted)
        .group_by(col(Mine.idea_id), col(Idea.unit_id), col(Mine.severity))
    )
    by_scope = (
        wide_select(Mine.idea_id, literal("scope"), Mine.scope, Mine.severity, func.count())
        .join(Idea, col(Idea.id) == Mine.idea_id)
        .where(counted)
        .group_by(col(Mine.idea_id), col(Mine.scope), col(Mine.severity))
    )
    by_kind = wide_select(
        Idea.id, literal("rule_kind"), Idea.rule_kind, literal(""), literal(1)
    ).where(on_map)
    for query in (by_category, by_unit, by_scope, by_kind):
        session.execute(insert(IdeaBlocker).from_select(columns, query))
    share = table_of(IdeaBlocker).c
    session.execute(
        insert(BlockerTally).from_select(
            ["dimension", "key", "severity", "n"],
            select(share.dimension, share.key, share.severity, func.sum(share.n)).group_by(
                share.dimension, share.key, share.severity
            ),
        )
    )


# --- Objections that come back ---------------------------------------------------------


def _words(text: str) -> set[str]:
    return set(search.terms(text))


def remember_echoes(session: Session, mine: Mine) -> None:
    """Link a newly laid mine to the mines of other ideas that say the same (same category,
    similar words): ranked once by the French search, at write time."""
    own = _words(f"{mine.title} {mine.body}")
    if not own:
        return
    hits = search.find_similar_mines(session, f"{mine.title} {mine.body}", exclude=mine.id)
    ids = [int(h.doc.split(":", 1)[1]) for h in hits]
    if not ids:
        return
    candidates = session.exec(
        select(Mine).where(
            col(Mine.id).in_(ids),
            col(Mine.idea_id) != mine.idea_id,
            col(Mine.category) == mine.category,
            col(Mine.hidden_at).is_(None),
        )
    ).all()
    echoes = []
    for other in candidates:
        theirs = _words(f"{other.title} {other.body}")
        if theirs and len(own & theirs) / len(own | theirs) >= ECHO_OVERLAP:
            echoes.append(other)
    echoes = sorted(echoes, key=lambda m: ids.index(pk(m)))[:ECHOES_PER_MINE]
    for other in echoes:
        session.add(MineEcho(mine_id=pk(mine), echo_id=pk(other)))
        session.add(MineEcho(mine_id=pk(other), echo_id=pk(mine)))
    if echoes:
        mine.echo_count += len(echoes)
        session.execute(
            update(Mine)
            .where(col(Mine.id).in_([o.id for o in echoes]))
            .values(echo_count=Mine.echo_count + 1)
        )
        session.add(mine)


_ECHOED_BY = select(MineEcho.echo_id).where(MineEcho.mine_id == bindparam("mine"))


def forget_echoes(session: Session, mine: Mine) -> None:
    """A mine hidden by moderation says nothing any more: its links to the mines that said the
    same go, and each of those counts one echo less (« Les objections qui reviennent » ranks
    by the count, and would rank them on words nobody reads)."""
    others = [row[0] for row in read_rows(session, _ECHOED_BY, {"mine": mine.id})]
    session.execute(
        delete(MineEcho).where(
            or_(col(MineEcho.mine_id) == mine.id, col(MineEcho.echo_id) == mine.id)
        )
    )
    if others:
        session.execute(
            update(Mine).where(col(Mine.id).in_(others)).values(echo_count=Mine.echo_count - 1)
        )
    mine.echo_count = 0
    session.add(mine)


class Answer(NamedTuple):
    """A déminage accepted on another idea's mine that said the same."""

    mine_id: int  # the mine it answered there
    mine_title: str
    idea_id: int
    idea_title: str
    kind: str
    body: str


_ANSWERS_OF_ECHOES = (
    wide_select(
        MineEcho.mine_id,
        Mine.id,
        Mine.title,
        Idea.id,
        Idea.title,
        Deminage.kind,
        Deminage.body,
    )
    .join(Mine, col(Mine.id) == MineEcho.echo_id)
    .join(Idea, col(Idea.id) == Mine.idea_id)
    .join(Deminage, col(Deminage.mine_id) == Mine.id)
    .where(
        col(MineEcho.mine_id).in_(bindparam("mines", expanding=True)),
        col(Mine.status) == MineStatus.defused,
        visibility.deminage_counts_sql,  # neither the answer nor its mine is hidden
        col(Deminage.accepted),  # the acceptance in force, not one a reopen ended
        col(Idea.status).in_([s.value for s in ON_THE_MAP] + [IdeaStatus.abandoned.value]),
        visibility.listed_sql,
    )
    .order_by(col(MineEcho.mine_id), col(Deminage.accepted_at).desc())
)


def defused_elsewhere(
    session: Session, mine_ids: list[int], per_mine: int = 3
) -> dict[int, list[Answer]]:
    """For each mine, the accepted answers of the mines that said the same on other ideas:
    « déjà déminée ailleurs » (one query, whatever the number of mines)."""
    found: dict[int, list[Answer]] = {}
    if not mine_ids:
        return found
    for mine_id, *answer in read_rows(session, _ANSWERS_OF_ECHOES, {"mines": mine_ids}):
        answers = found.setdefault(mine_id, [])
        if len(answers) < per_mine:
            answers.append(Answer(*answer))
    return found


# --- The map ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    counts: dict[str, int]  # by severity

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Recurring:
    mine: Any  # a plain row: id, title, category, idea id, idea title
    echoes: list[Any]
    answers: list[Answer]


class RuleCount(NamedTuple):
    kind: str
    label: str
    ideas: int


@dataclass(frozen=True)
class BlockerMap:
    by_category: list[Row]
    by_unit: list[Row]
    by_rule_kind: list[RuleCount]
    open_mines: int
    recurring: list[Recurring]
    # Open mines that threaten the first ground, then those of the generalisation only.
    by_scope: list[Row] = field(default_factory=list)

    @property
    def rule_chart(self) -> list[tuple[str, int]]:
        return [(r.label, r.ideas) for r in self.by_rule_kind]


_TOP_ECHOED = (
    wide_select(Mine.id, Mine.title, Mine.category, Idea.id, Idea.title)
    .join(Idea, col(Idea.id) == Mine.idea_id)
    .where(
        col(Mine.echo_count) > 0,
        col(Mine.hidden_at).is_(None),
        col(Mine.status) != MineStatus.withdrawn,
        col(Idea.status).in_([s.value for s in ON_THE_MAP]),
        visibility.listed_sql,
    )
    .order_by(col(Mine.echo_count).desc(), col(Mine.id).desc())
    .limit(bindparam("limit"))
)
_ECHOES = (
    wide_select(MineEcho.mine_id, Mine.id, Mine.title, Mine.status, Idea.id, Idea.title)
    .join(Mine, col(Mine.id) == MineEcho.echo_id)
    .join(Idea, col(Idea.id) == Mine.idea_id)
    .where(
        col(MineEcho.mine_id).in_(bindparam("mines", expanding=True)),
        col(Mine.hidden_at).is_(None),
        visibility.listed_sql,
    )
    .order_by(col(Mine.id))
)


def _rows(tallies: dict[TallyKey, int], dimension: str, labels: dict[str, str]) -> list[Row]:
    counts: dict[str, dict[str, int]] = {}
    for (d, key, severity), n in tallies.items():
        if d == dimension and n > 0:
            counts.setdefault(key, dict.fromkeys(SEVERITIES, 0))[severity] = n
    rows = [Row(key, labels.get(key, key), c) for key, c in counts.items()]
    return sorted(rows, key=lambda r: (-r.total, formatting.french_order(r.label)))


def blocker_map(session: Session, recurring: int = 8) -> BlockerMap:
    """The page's data: a few dozen stored counts, and the most echoed objections (bounded
    queries: the cost does not follow the size of the base)."""
    tallies = {(r.dimension, r.key, r.severity): r.n for r in session.exec(select(BlockerTally))}
    unit_ids = [int(k) for (d, k, _), n in tallies.items() if d == "unit" and k and n > 0]
    units = {
        str(u.id): u.name for u in session.exec(select(Unit).where(col(Unit.id).in_(unit_ids)))
    }
    units[""] = "Sans service"
    by_category = _rows(tallies, "category", {str(k): v for k, v in CATEGORY_LABELS.items()})
    kinds = {str(k): v for k, v in RULE_KIND_LABELS.items()} | {"": "Nature non précisée"}
    by_rule_kind = sorted(
        (
            RuleCount(k, kinds.get(k, k), n)
            for (d, k, _), n in tallies.items()
            if d == "rule_kind" and n > 0
        ),
        key=lambda r: (-r.ideas, r.label),
    )
    top = read_rows(session, _TOP_ECHOED, {"limit": recurring * 2}) if recurring else []
    shown: list[Recurring] = []
    if top:
        echoes: dict[int, list[Any]] = {}
        for mine_id, *echo in read_rows(session, _ECHOES, {"mines": [t[0] for t in top]}):
            echoes.setdefault(mine_id, []).append(echo)
        answers = defused_elsewhere(session, [t[0] for t in top])
        seen: set[int] = set()
        for row in top:
            if row[0] in seen or not echoes.get(row[0]):
                continue  # already shown as the echo of an objection above
            seen.add(row[0])
            seen.update(e[0] for e in echoes[row[0]])
            shown.append(Recurring(row, echoes[row[0]], answers.get(row[0], [])))
            if len(shown) == recurring:
                break
    open_mines = sum(n for (d, _, _), n in tallies.items() if d == "category")
    scopes = {str(k): v for k, v in SCOPE_LABELS.items()}
    order = [s.value for s in MineScope]
    by_scope = sorted(
        _rows(tallies, "scope", scopes), key=lambda r: order.index(r.key) if r.key in order else 9
    )
    return BlockerMap(
        by_category=by_category,
        by_unit=_rows(tallies, "unit", units),
        by_rule_kind=by_rule_kind,
        open_mines=open_mines,
        recurring=shown,
        by_scope=by_scope,
    )


def open_counts(session: Session) -> dict[str, Any]:
    """The map's counts for the open data: categories, units and kinds of rules, no text."""
    found = blocker_map(session, recurring=0)
    return {
        "open_mines": found.open_mines,
        "by_category": [{"category": r.key, "counts": r.counts} for r in found.by_category],
        "by_unit": [{"unit": r.label, "counts": r.counts} for r in found.by_unit],
        "by_scope": [{"scope": r.key, "counts": r.counts} for r in found.by_scope],
        "by_rule_kind": [{"rule_kind": r.kind, "ideas": r.ideas} for r in found.by_rule_kind],
    }


SEVERITY_COLUMNS = [(s, SEVERITY_LABELS[s]) for s in SEVERITIES]
