"""Ideas, their themes, their revisions and their history of events."""

from datetime import date, datetime
from enum import IntEnum, StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Computed, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, utcnow


class IdeaStatus(StrEnum):
    draft = "draft"
    open = "open"
    project = "project"
    abandoned = "abandoned"


# One state, one name (PRODUCT.md's lifecycle): a closed idea is « abandonnée » in every label,
# message and e-mail, worded from these two; « Idées en sommeil » names their list, not the state.
ABANDONED = "abandonnée"
ABANDONED_MANY = "abandonnées"

STATUS_LABELS: dict[str, str] = {
    IdeaStatus.draft: "Brouillon",
    IdeaStatus.open: "En déminage",
    IdeaStatus.project: "Projet",
    IdeaStatus.abandoned: ABANDONED.capitalize(),
}


class RuleKind(StrEnum):
    """What kind of rule the idea breaks: it decides whose leave the author needs, if anyone's."""

    habit = "habit"
    internal_procedure = "internal_procedure"
    circular = "circular"
    # A commune's, département's or région's own act: a mayor's or president's arrêté, a
    # council's délibération. The collectivité changes it itself: no one's derogation.
    local_act = "local_act"
    decree = "decree"
    law = "law"
    european_law = "european_law"


RULE_KIND_LABELS = {
    RuleKind.habit: "Une habitude",
    RuleKind.internal_procedure: "Une procédure interne",
    RuleKind.circular: "Une note de service ou une circulaire",
    RuleKind.local_act: "Une délibération ou un arrêté de la collectivité",
    RuleKind.decree: "Un décret ou un arrêté de l’État",
    RuleKind.law: "Une loi",
    RuleKind.european_law: "Le droit européen",
}
RULE_REFERENCE_MAX = 300

FICHE_FIELDS = (
    "title",
    "problem",
    "solution",
    "broken_rule",
    "rule_kind",
    "rule_reference",
    "first_ground",
    "themes",
)
FICHE_LABELS: dict[str, str] = {
    "title": "Titre",
    "problem": "Le problème",
    "solution": "La solution",
    "broken_rule": "La règle brisée",
    "rule_kind": "Nature de la règle",
    "rule_reference": "Référence de la règle",
    "first_ground": "Premier terrain",
    "themes": "Thèmes",
}


class BoardGroup(IntEnum):
    """The board's groups, in the board's order (`Idea.board_group`, computed by the database)."""

    ripening = 0  # open, and ripe or only waiting for its quiet period (ripe_from set)
    open = 1  # other open ideas
    project = 2
    abandoned = 3
    # Drafts, merged ideas, ideas hidden by moderation: never on the board, nor in the lists.
    off_board = 9


BOARD_GROUP_SQL = (
    f"CASE WHEN merged_into_id IS NOT NULL OR hidden_at IS NOT NULL THEN {BoardGroup.off_board:d}"
    f" WHEN status = 'open' AND ripe_from IS NOT NULL THEN {BoardGroup.ripening:d}"
    f" WHEN status = 'open' THEN {BoardGroup.open:d}"
    f" WHEN status = 'project' THEN {BoardGroup.project:d}"
    f" WHEN status = 'abandoned' THEN {BoardGroup.abandoned:d} ELSE {BoardGroup.off_board:d} END"
)


# The board's sort indexes (migration 0026 added `open_categories`).
BOARD_SCORE_INDEX = ("board_group", "score", "id", "ripe_from", "open_categories")
BOARD_ACTIVITY_INDEX = (
    "board_group",
    "last_activity_at",
    "score",
    "id",
    "ripe_from",
    "open_categories",
)
BOARD_REVIEWERS_INDEX = (
    "board_group",
    "reviewer_count",
    "score",
    "id",
    "ripe_from",
    "open_categories",
)


class Idea(SQLModel, table=True):
    """A proposal by one agent, its author, who stays responsible for it."""

    __table_args__ = (
        Index("ix_idea_status_ripe", "status", "ripe_from"),
        Index("ix_idea_status_published", "status", "published_at"),
        Index("ix_idea_published", "published_at", "id"),
        # One index per sort of the board, each walked in order within a group (see below);
        # `ripe_from` and `open_categories` last, so that counting the ripe ideas, or those
        # with open mines of a category, never reads a row.
        Index("ix_idea_board_score", *BOARD_SCORE_INDEX),
        Index("ix_idea_board_activity", *BOARD_ACTIVITY_INDEX),
        Index("ix_idea_board_reviewers", *BOARD_REVIEWERS_INDEX),
    )

    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="user.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    title: str = Field(max_length=200)
    problem: str = Field(default="", sa_type=Text)
    solution: str = Field(default="", sa_type=Text)
    broken_rule: str = Field(default="", sa_type=Text)
    # A RuleKind, or "" while the author has not said.
    rule_kind: str = Field(default="", sa_type=String(30))
    rule_reference: str = Field(default="", max_length=RULE_REFERENCE_MAX)
    first_ground: str = Field(default="", sa_type=Text)
    status: str = Field(default=IdeaStatus.draft, sa_type=String(20))
    score: int = 0
    # The version of the scoring parameters the score was computed with (a RescoreJob's id;
    # 0: those in force before the first change made in the app).
    score_version: int = 0
    # Distinct reviewers, stored with the score so that the board can sort by it.
    reviewer_count: int = 0
    # From when the idea is ripe if nothing changes (the quiet period may still run);
    # None while a gate other than the quiet period fails. Ripe now ⇔ ripe_from <= now.
    ripe_from: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The categories of its open mines (`mine.category_mask`), so that a category filters the
    # board within the sort indexes: kept by `scoring.refresh` (`board.keep_open_categories`),
    # which every change to a mine goes through, and copied to its themes by triggers.
    open_categories: int = 0
    # When its author and the people who helped were told it is ripe: once per ripening
    # (cleared when the idea stops being ripe; see services/ripening.py).
    ripe_announced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revision_count: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_activity_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lesson: str = Field(default="", sa_type=Text)
    sponsor: str = Field(default="", max_length=200)
    next_step: str = Field(default="", sa_type=Text)
    target_date: date | None = None
    promoted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set when an admin merged this idea into another: its page redirects there.
    merged_into_id: int | None = Field(default=None, foreign_key="idea.id", index=True)
    # The call for ideas it answers, if any (at most one, chosen in its form).
    call_id: int | None = Field(default=None, foreign_key="call_for_ideas.id", index=True)
    # The project's sponsor as an account: who, with the author, posts its milestones (the
    # manager who promoted it, unless another was named); `sponsor` is the name shown.
    sponsor_id: int | None = Field(default=None, foreign_key="user.id")
    # « Relancer »: the closed idea this draft takes up again.
    relaunched_from_id: int | None = Field(default=None, foreign_key="idea.id", index=True)
    # A draft untouched for long: when its author was told it would be deleted (retention).
    purge_notice_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Hidden by moderation (services/moderation.py): the idea leaves every list, and only those
    # who carry it and admins read its page (permissions.can_view_idea, visibility.py).
    hidden_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    hidden_reason: str = Field(default="", sa_type=Text)
    # The accepted co-porteurs' ids (`CoCarrier` rows with `accepted_at`), kept here by
    # services/co_carriers.py so that every permission check and the score read them with the
    # idea itself, whoever loaded it (a plain list: assigned anew, never changed in place).
    co_carrier_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Once closed, the co-porteurs it had then (services/scoring.py): its score is frozen, so
    # it counts them as carriers still, whoever leaves it afterwards. None while not closed.
    closing_carrier_ids: list[int] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    # Computed by the database: the board's groups, so that each is one index walk.
    board_group: int | None = Field(
        default=None, sa_column=Column(Integer, Computed(BOARD_GROUP_SQL), nullable=True)
    )

    def is_ripe(self, now: datetime) -> bool:
        return (
            self.status == IdeaStatus.open and self.ripe_from is not None and self.ripe_from <= now
        )


class IdeaNeighbour(SQLModel, table=True):
    """A published idea close to this one, found by the search index when its title or problem
    was last written: the idea page reads this instead of ranking the whole index."""

    __tablename__ = "idea_neighbour"

    idea_id: int = Field(foreign_key="idea.id", primary_key=True)
    neighbour_id: int = Field(foreign_key="idea.id", primary_key=True, index=True)
    rank: int = 0


class IdeaTheme(SQLModel, table=True):
    """One theme (tag) of an idea; a table so that the board can filter with an index."""

    __tablename__ = "idea_theme"
    # A theme's page of the board, by score, with or without a category, and its counts, are
    # one walk down this index, whatever the size of the theme.
    __table_args__ = (
        Index(
            "ix_idea_theme_board",
            "theme",
            "board_group",
            "score",
            "idea_id",
            "ripe_from",
            "open_categories",
        ),
    )

    idea_id: int = Field(foreign_key="idea.id", primary_key=True)
    theme: str = Field(max_length=40, primary_key=True)
    # The idea's open categories, board group, score and ripe_from, copied by the database
    # itself (triggers on `idea` and on this table, migrations 0024 and 0026): never written by
    # the app.
    open_categories: int = 0
    board_group: int = BoardGroup.off_board
    score: int = 0
    ripe_from: datetime | None = Field(default=None, sa_type=UTCDateTime)


class IdeaRevision(SQLModel, table=True):
    """A snapshot of the fiche after one save: revisions show what changed, when, by whom."""

    __tablename__ = "idea_revision"

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True)
    number: int
    author_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class IdeaEvent(SQLModel, table=True):
    """One line of an idea's history: who did what, when, and why the status moved."""

    __tablename__ = "idea_event"

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    kind: str = Field(max_length=40)
    message: str = Field(default="", sa_type=Text)
    score: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
