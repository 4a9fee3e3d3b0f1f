"""What was decided about an idea, written for everyone who took part, and a project's
milestones."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String, Text
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, utcnow
from app.models.idea import ABANDONED


class Decision(StrEnum):
    """The decisions that close a round of déminage: each carries a written outcome."""

    promoted = "promoted"
    sent_back = "sent_back"
    closed = "closed"
    merged = "merged"


DECISION_LABELS = {
    Decision.promoted: "Promue en projet",
    Decision.sent_back: "Renvoyée à son auteur pour être reprise",
    Decision.closed: ABANDONED.capitalize(),
    Decision.merged: "Fusionnée avec une autre idée",
}


class Outcome(SQLModel, table=True):
    """One decision on an idea and the text that explains it, told to everyone who took part."""

    __table_args__ = (Index("ix_outcome_idea_created", "idea_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id")
    decision: str = Field(sa_type=String(20))
    text: str = Field(sa_type=Text)
    # Who decided (a manager, an admin for a merge, the author closing their own idea).
    author_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MilestoneKind(StrEnum):
    """The steps of a project's follow-up."""

    first_ground = "first_ground"
    first_results = "first_results"
    generalised = "generalised"
    stopped = "stopped"


MILESTONE_LABELS = {
    MilestoneKind.first_ground: "Premier terrain lancé",
    MilestoneKind.first_results: "Premiers résultats",
    MilestoneKind.generalised: "Généralisé",
    MilestoneKind.stopped: "Arrêté",
}


class Milestone(SQLModel, table=True):
    """A step of a project, posted by its porteur or its sponsor; « arrêté » carries a lesson."""

    __table_args__ = (Index("ix_milestone_idea_created", "idea_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id")
    kind: str = Field(sa_type=String(20))
    text: str = Field(sa_type=Text)
    lesson: str = Field(default="", sa_type=Text)
    author_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
