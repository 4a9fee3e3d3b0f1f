"""Calls for ideas (« appels à idées »): a question put to some agents, a sponsor, three dates."""

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, utcnow

PARIS = ZoneInfo("Europe/Paris")
QUESTION_MAX = 200


def end_of_day(day: date) -> datetime:
    """The end of a day in Paris (a date « until » is included), as a UTC instant; the last
    representable day ends at its last microsecond."""
    if day >= date.max - timedelta(days=1):
        return datetime.combine(day, time.max, PARIS).astimezone(UTC)
    return datetime.combine(day + timedelta(days=1), time(0), PARIS).astimezone(UTC)


def paris_today(now: datetime) -> date:
    return now.astimezone(PARIS).date()


class CallPhase(StrEnum):
    """Where a call stands, from its dates, its closing and its outcomes."""

    ideas = "ideas"  # ideas may still answer it
    deminage = "deminage"  # no new idea; colleagues mine and defuse those it received
    decision = "decision"  # its sponsor writes an outcome for each of its ideas
    decided = "decided"  # every idea has its outcome


PHASE_LABELS = {
    CallPhase.ideas: "Ouvert aux idées",
    CallPhase.deminage: "En déminage",
    CallPhase.decision: "En décision",
    CallPhase.decided: "Décidé",
}


class CallForIdeas(SQLModel, table=True):
    """A manager's call: a question, its context, a sponsor, an audience and three dates."""

    __tablename__ = "call_for_ideas"

    id: int | None = Field(default=None, primary_key=True)
    question: str = Field(max_length=QUESTION_MAX)
    context: str = Field(default="", sa_type=Text)
    criteria: str = Field(default="", sa_type=Text)
    # Who decides what becomes of its ideas (an account, shown by name).
    sponsor_id: int = Field(foreign_key="user.id", index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    # Each date is a day in Paris, included.
    ideas_until: date
    deminage_until: date
    decision_by: date
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # A manager closed it: no idea answers it any more, its sponsor may decide at once.
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Its sponsor wrote the outcome of its last idea.
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the daily command told its audience that it opened, and that it soon closes:
    # each is told once, however often the command runs.
    announced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    def ideas_end(self) -> datetime:
        """Until when an idea may answer it: the end of its ideas' day, or its closing."""
        end = end_of_day(self.ideas_until)
        return min(end, self.closed_at) if self.closed_at is not None else end

    def decision_opens(self) -> datetime:
        """From when its sponsor decides: the end of its déminage's day, or its closing."""
        end = end_of_day(self.deminage_until)
        return min(end, self.closed_at) if self.closed_at is not None else end

    def phase(self, now: datetime) -> CallPhase:
        if self.decided_at is not None:
            return CallPhase.decided
        if now < self.ideas_end():
            return CallPhase.ideas
        if now < self.decision_opens():
            return CallPhase.deminage
        return CallPhase.decision


class CallUnit(SQLModel, table=True):
    """One unit of a call's audience; a call without any speaks to everyone."""

    __tablename__ = "call_unit"

    call_id: int = Field(foreign_key="call_for_ideas.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True, index=True)
