"""The managers' board: ripe ideas first, then the closest to ripe, with filters and sorts."""

from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from math import ceil
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Executable,
    Row,
    Select,
    UnaryExpression,
    and_,
    bindparam,
    case,
    func,
    or_,
    text,
)
from sqlmodel import Session, col, select

from app import formatting
from app.db import read_rows, wide_select
from app.models import (
    BoardGroup,
    Deminage,
    Idea,
    IdeaStatus,
    IdeaTheme,
    Mine,
    MineSignature,
    MineStatus,
    Unit,
    User,
)
from app.models.base import parse_id
from app.models.idea import ABANDONED_MANY
from app.models.mine import CATEGORY_BITS, MineCategory, MineScope, category_mask
from app.services import visibility
from app.services.pages import COUNT_CAP, Page, Person, UnitName
from app.services.readiness import IdeaFacts

SORTS = {"score": "Maturité", "activity": "Activité récente", "reviewers": "Nombre de regards"}
STATUSES = {
    "open": "En déminage (et mûres)",
    "ripe": "Mûres seulement",
    "project": "Projets",
    "abandoned": f"{ABANDONED_MANY.capitalize()} (idées en sommeil)",
    "all": f"Toutes, sauf les {ABANDONED_MANY}",
}


@dataclass(frozen=True)
class BoardQuery:
    """Filters and sort, parsed leniently from the query string: unknown values mean « all »."""

    theme: str = ""
    unit: int | None = None
    call: int | None = None
    category: str = ""
    status: str = "open"
    sort: str = "score"
    page: int = 1

    @classmethod
    def parse(cls, params: dict[str, str]) -> "BoardQuery":
        page = params.get("page", "1")
        return cls(
            theme=params.get("theme", "").strip().lower()[:40],
            unit=parse_id(params.get("unit", "")),
            call=parse_id(params.get("call", "")),
            category=params.get("category", "")
            if params.get("category") in set(MineCategory)
            else "",
            status=params.get("status", "open") if params.get("status") in STATUSES else "open",
            sort=params.get("sort", "score") if params.get("sort") in SORTS else "score",
            page=max(1, min(int(page), 10**6))
            if page.isascii() and page.isdigit() and len(page) < 9
            else 1,
        )

    def as_params(self, **changes: object) -> dict[str, str]:
        """The query string of this view (or of a changed one), without the defaults."""
        values = {**self.__dict__, **changes}
        defaults = BoardQuery().__dict__
        return {k: str(v) for k, v in values.items() if v not in (None, "") and v != defaults[k]}


# What a row of the board shows of an idea.
ROW_COLUMNS = (
    Idea.id,
    Idea.title,
    Idea.status,
    Idea.score,
    Idea.reviewer_count,
    Idea.author_id,
    Idea.co_carrier_ids,
    Idea.published_at,
    Idea.last_activity_at,
)


@dataclass
class BoardRow:
    idea: Any  # the ROW_COLUMNS of an idea (a row, or an Idea)
    ripe: bool
    themes: list[str] = field(default_factory=list)
    # The first-ground mines still open, by severity (those the ripeness counts), and the
    # generalisation mines still open, shown apart.
    open_mines: dict[str, int] = field(default_factory=dict)
    open_later: int = 0
    reviewer_units: list[str] = field(default_factory=list)
    author: Person | None = None
    unit: UnitName | None = None


# The board's order is: ripe ideas, ideas only waiting for their quiet period (the closest to
# ripe), other open ideas, projects, abandoned ideas; within each, the chosen sort. Each of
# these groups is one walk down an index in sort order (`Idea.board_group`), so a page costs
# the same with a thousand ideas or a hundred thousand. Counting stops at COUNT_CAP.
GROUPS = {
    "open": ("ripe", "waiting", "open"),
    "ripe": ("ripe",),
    "project": ("project",),
    "abandoned": ("abandoned",),
    # Closed ideas are apart (« Idées en sommeil »): only their own filter shows them.
    "all": ("ripe", "waiting", "open", "project"),
}


def _group_condition(group: str) -> ColumnElement[bool]:
    board_group = col(Idea.board_group)
    now: BindParameter[datetime] = bindparam("now")
    if group == "ripe":
        return and_(board_group == BoardGroup.ripening, col(Idea.ripe_from) <= now)
    if group == "waiting":
        return and_(
            col(Idea.status) == IdeaStatus.open,
            col(Idea.ripe_from) > now,
            visibility.listed_sql,
        )
    return board_group == BoardGroup[group]  # open, project, abandoned


# A theme filter starts from the theme's ideas, unless the theme is so large that walking the
# group down its sort index finds a page sooner (the planner cannot know the theme's size).
LARGE_THEME = 2000
# Up to this size, a theme's groups are counted in one walk of its ideas.
COUNTED_THEME = 20_000
# A theme's idea with open mines of the chosen category (`keep_open_categories`, copied).
_has_category = col(IdeaTheme.open_categories).op("&")(bindparam("category_bit")) != 0


@lru_cache(maxsize=256)
def _statements(
    status: str,
    sort: str,
    theme: bool,
    unit: bool,
    category: bool,
    call: bool = False,
    large_theme: bool = False,
) -> tuple[tuple[tuple[str, Select[Any], Select[Any]], ...], Select[Any] | None]:
    """Per group of the view: (group, capped count, page of rows); and with a theme, every
    group's count in one walk of the theme's ideas. Built once per kind of view; the values
    (now, filters, cap, offset, limit) are bound at each request."""
    if theme and sort == "score":
        return _theme_statements(status, unit, category, call)
    filters: list[ColumnElement[bool]] = []
    themed = select(IdeaTheme.idea_id).where(IdeaTheme.theme == bindparam("theme"))
    if theme and category:  # the theme's index says which of its ideas have such open mines
        themed = themed.where(_has_category)
    if unit:
        filters.append(col(Idea.unit_id) == bindparam("unit"))
    if call:
        filters.append(col(Idea.call_id) == bindparam("call"))
    if category and not theme:  # read within the sort index, as ripe_from is
        filters.append(col(Idea.open_categories).op("&")(bindparam("category_bit")) != 0)
    sort_key = {
        "score": col(Idea.score),
        "activity": col(Idea.last_activity_at),
        "reviewers": col(Idea.reviewer_count),
    }[sort]
    order: list[UnaryExpression[Any]] = [
        sort_key.desc(),
        col(Idea.score).desc(),
        col(Idea.id).desc(),
    ]
    if sort == "score":
        order = order[1:]
    statements = []
    # Counting starts from the theme's ideas (IN rather than EXISTS: the planner then may); a
    # page of a large theme walks the sort index (« id + 0 » keeps it from the theme's list).
    count_theme = [col(Idea.id).in_(themed)] if theme else []
    page_theme = [(col(Idea.id) + 0 if large_theme else col(Idea.id)).in_(themed)] if theme else []
    for group in GROUPS[status]:
        where = [_group_condition(group), *filters]
        capped = select(Idea.id).where(*where, *count_theme).limit(bindparam("cap")).subquery()
        statements.append(
            (
                group,
                select(func.count()).select_from(capped),
                wide_select(*ROW_COLUMNS)
                .where(*where, *page_theme)
                .order_by(*order)
                .offset(bindparam("skip"))
                .limit(bindparam("wanted")),
            )
        )
    together = None
    if theme:
        conditions = [_group_condition(group) for group in GROUPS[status]]
        flags = (
            select(*(case((c, 1), else_=0).label(f"in_{i}") for i, c in enumerate(conditions)))
            .where(or_(*conditions), *filters, *count_theme)
            .subquery()
        )
        together = select(*(func.coalesce(func.sum(column), 0) for column in flags.c))
    return tuple(statements), together


def _theme_group_condition(group: str) -> ColumnElement[bool]:
    """`_group_condition` on the theme's copy of the idea's board group and ripe_from."""
    board_group, ripe_from = col(IdeaTheme.board_group), col(IdeaTheme.ripe_from)
    now: BindParameter[datetime] = bindparam("now")
    if group == "ripe":
        return and_(board_group == BoardGroup.ripening, ripe_from <= now)
    if group == "waiting":  # open, listed, and only waiting for its quiet period
        return and_(board_group == BoardGroup.ripening, ripe_from > now)
    return board_group == BoardGroup[group]


def _theme_statements(
    status: str, unit: bool, category: bool, call: bool
) -> tuple[tuple[tuple[str, Select[Any], Select[Any]], ...], Select[Any]]:
    """`_statements` for a theme sorted by score: each group is a walk down the theme's own
    index (its ideas' board group and score are copied there), the idea's row read only for
    the page shown and for the unit and call filters."""
    in_theme: list[ColumnElement[bool]] = [col(IdeaTheme.theme) == bindparam("theme")]
    if category:
        in_theme.append(_has_category)
    of_idea: list[ColumnElement[bool]] = []
    if unit:
        of_idea.append(col(Idea.unit_id) == bindparam("unit"))
    if call:
        of_idea.append(col(Idea.call_id) == bindparam("call"))
    with_idea = col(Idea.id) == col(IdeaTheme.idea_id)

    def theme_rows(*columns: Any) -> Select[Any]:
        rows = select(*columns).select_from(IdeaTheme)
        return rows.join(Idea, with_idea).where(*of_idea) if of_idea else rows

    statements = []
    for group in GROUPS[status]:
        where = [*in_theme, _theme_group_condition(group)]
        capped = theme_rows(IdeaTheme.idea_id).where(*where).limit(bindparam("cap")).subquery()
        statements.append(
            (
                group,
                select(func.count()).select_from(capped),
                wide_select(*ROW_COLUMNS)
                .select_from(IdeaTheme)
                .join(Idea, with_idea)
                .where(*where, *of_idea)
                .order_by(col(IdeaTheme.score).desc(), col(IdeaTheme.idea_id).desc())
                .offset(bindparam("skip"))
                .limit(bindparam("wanted")),
            )
        )
    conditions = [_theme_group_condition(group) for group in GROUPS[status]]
    flags = (
        theme_rows(*(case((c, 1), else_=0).label(f"in_{i}") for i, c in enumerate(conditions)))
        .where(or_(*conditions), *in_theme)
        .subquery()
    )
    together = select(*(func.coalesce(func.sum(column), 0) for column in flags.c))
    return tuple(statements), together


_THEME_SIZE = text(
    "SELECT count(*) FROM (SELECT 1 FROM idea_theme WHERE theme = :theme LIMIT :cap) AS found"
)
_THEME_AND_CATEGORY_SIZE = text(
    "SELECT count(*) FROM (SELECT 1 FROM idea_theme WHERE theme = :theme"
    " AND (open_categories & :category_bit) != 0 LIMIT :cap) AS found"
)


def _theme_size(session: Session, theme: str, category: str) -> int:
    """The theme's ideas (with open mines of the category, if one is chosen), counted up to
    just past COUNTED_THEME: an index range, no table."""
    if category:
        statement, values = _THEME_AND_CATEGORY_SIZE, {"category_bit": CATEGORY_BITS[category]}
    else:
        statement, values = _THEME_SIZE, {}
    found = read_rows(session, statement, {**values, "theme": theme, "cap": COUNTED_THEME + 1})
    return int(found[0][0])


def keep_open_categories(idea: Idea, facts: IdeaFacts) -> None:
    """Stamp the idea with the categories of its open mines (what is open: the facts' counted
    status, `visibility`'s rule), so that a category filters the board within its sort indexes
    (and, copied to its themes by the database's triggers, a theme and a category from one
    index range). `scoring.refresh` calls it on every change to the idea's mines."""
    mask = category_mask(m.category for m in facts.mines if m.status == MineStatus.open)
    if idea.open_categories != mask:
        idea.open_categories = mask


def board(
    session: Session,
    query: BoardQuery,
    now: datetime,
    page_size: int = 20,
    count_cap: int = COUNT_CAP,
) -> Page[BoardRow]:
    """One page of the board, ripe first, each row with what a manager needs to decide."""
    theme_size = _theme_size(session, query.theme, query.category) if query.theme else 0
    statements, together = _statements(
        query.status,
        query.sort,
        bool(query.theme),
        query.unit is not None,
        bool(query.category),
        query.call is not None,
        theme_size > LARGE_THEME,
    )
    values: dict[str, Any] = {"now": now, "theme": query.theme, "unit": query.unit}
    values["call"] = query.call
    values["category"] = query.category
    values["category_bit"] = CATEGORY_BITS.get(query.category, 0)
    skip, wanted = (query.page - 1) * page_size, page_size
    # A theme of a modest size counts its groups in one walk of its ideas, exactly; a larger
    # one, or no theme, counts each group apart, up to the cap.
    in_groups = None
    if together is not None and theme_size <= COUNTED_THEME:
        in_groups = [int(n) for n in read_rows(session, together, values)[0]]
    ideas: list[tuple[Row[Any], bool]] = []  # (idea's columns, ripe)
    counted = 0  # ideas in the groups, counted up to count_cap
    for i, (group, count, page) in enumerate(statements):
        if in_groups is not None:
            in_group = in_groups[i]
        else:
            cap = max(count_cap - counted, skip + wanted + 1)
            in_group = read_rows(session, count, {**values, "cap": cap})[0][0]
        counted += in_group
        if wanted and skip < in_group:
            found = read_rows(session, page, {**values, "skip": skip, "wanted": wanted})
            ideas += [(row, group == "ripe") for row in found]
            wanted = page_size - len(ideas)
        skip = max(0, skip - in_group)
    pages = max(1, ceil(counted / page_size))
    if not ideas and query.page > pages:  # past the end (counts are then exact): the last page
        return board(session, replace(query, page=pages), now, page_size, count_cap)
    rows = _rows(session, ideas)
    return Page.counted(rows, query.page, max(pages, query.page), counted, count_cap)


def _row_statements() -> tuple[Executable, Executable, Executable, Executable]:
    """The four queries that complete a page's rows, built once (ids bound per request)."""
    ids: BindParameter[list[int]] = bindparam("ids", expanding=True)
    people: BindParameter[list[int]] = bindparam("people", expanding=True)
    reviewers = (
        select(col(Mine.idea_id).label("idea_id"), col(Mine.author_id).label("person"))
        .where(col(Mine.idea_id).in_(ids), visibility.counted_status_sql != MineStatus.withdrawn)
        .union(
            select(Mine.idea_id, Deminage.author_id)
            .join(Mine, col(Deminage.mine_id) == Mine.id)
            .where(col(Mine.idea_id).in_(ids), visibility.deminage_counts_sql),
            # A co-signer of a mine in play looked too.
            select(Mine.idea_id, MineSignature.user_id)
            .join(Mine, col(MineSignature.mine_id) == Mine.id)
            .where(
                col(Mine.idea_id).in_(ids), visibility.counted_status_sql != MineStatus.withdrawn
            ),
        )
        .subquery()
    )
    return (
        select(IdeaTheme.idea_id, IdeaTheme.theme)
        .where(col(IdeaTheme.idea_id).in_(ids))
        .order_by(IdeaTheme.theme),
        select(Mine.idea_id, Mine.scope, Mine.severity, func.count())
        # A mine hidden by moderation counts as withdrawn (the score's rule): not open.
        .where(col(Mine.idea_id).in_(ids), visibility.open_mine_sql)
        .group_by(col(Mine.idea_id), col(Mine.scope), col(Mine.severity)),
        select(reviewers.c.idea_id, reviewers.c.person, Unit.name)
        .join(User, col(User.id) == reviewers.c.person)
        .join(Unit, col(User.unit_id) == Unit.id, isouter=True),
        wide_select(
            User.id, User.name, User.unit_id, User.is_active, col(Unit.name).label("unit_name")
        )
        .join(Unit, col(User.unit_id) == Unit.id, isouter=True)
        .where(col(User.id).in_(people)),
    )


THEMES, OPEN_MINES, REVIEWERS, AUTHORS = _row_statements()


def _rows(session: Session, ideas: list[tuple[Row[Any], bool]]) -> list[BoardRow]:
    """Themes, open mines, reviewers' units and authors for one page, in four queries of
    plain rows (no ORM objects: a page of the board is read far more often than written)."""
    if not ideas:
        return []
    ids = [idea.id for idea, _ in ideas]
    rows = {idea.id: BoardRow(idea, ripe) for idea, ripe in ideas}
    for idea_id, theme in read_rows(session, THEMES, {"ids": ids}):
        rows[idea_id].themes.append(theme)
    for idea_id, scope, severity, count in read_rows(session, OPEN_MINES, {"ids": ids}):
        if scope == MineScope.generalisation:
            rows[idea_id].open_later += count
        else:
            rows[idea_id].open_mines[severity] = count
    for idea_id, person, unit_name in read_rows(session, REVIEWERS, {"ids": ids}):
        row = rows[idea_id]
        # Those who carry the idea (author, co-porteurs) are no reviewers of it: the score's rule.
        carriers = {row.idea.author_id, *row.idea.co_carrier_ids}
        if person not in carriers and unit_name and unit_name not in row.reviewer_units:
            row.reviewer_units.append(unit_name)
    authors = {idea.author_id for idea, _ in ideas}
    people = {p.id: p for p in read_rows(session, AUTHORS, {"people": list(authors)})}
    for row in rows.values():
        person = people.get(row.idea.author_id)
        if person is not None:
            row.author = Person(person.id, person.name, person.unit_id, person.is_active)
            if person.unit_id is not None:
                row.unit = UnitName(person.unit_id, person.unit_name)
    return [rows[i] for i in ids]


# A skip scan down the theme index: one short probe per distinct theme, instead of a DISTINCT
# over every (idea, theme) pair. The seed is '' so that every probe is the same indexed search.
# Only themes of ideas on the board (the theme's copy of the board group): a draft's, a merged
# or a hidden idea's themes are its own words, not the board's.
THEMES_IN_USE = text(
    """
    WITH RECURSIVE t(theme) AS (
        SELECT CAST('' AS VARCHAR(40))
        UNION ALL
        SELECT (
            SELECT it.theme FROM idea_theme AS it
            WHERE it.theme > t.theme AND it.board_group < 9 -- BoardGroup.off_board
            ORDER BY it.theme LIMIT 1
        ) FROM t WHERE t.theme IS NOT NULL
    )
    SELECT theme FROM t WHERE theme != ''
    """
)


def themes_in_use(session: Session) -> list[str]:
    """Every theme of an idea on the board, for the board's and the search's filters, in French
    dictionary order (the index walks them by code point, which puts « état » after « voirie »)."""
    return sorted(
        (row[0] for row in read_rows(session, THEMES_IN_USE)), key=formatting.french_order
    )
