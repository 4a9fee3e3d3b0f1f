"""What blocks the organisation: open mines and broken rules counted at write time, and the
mines that come back, in similar words, on other ideas."""

from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel


class BlockerTally(SQLModel, table=True):
    """One count of the map of what blocks: open mines by category, by unit of the idea's author
    (each with its severity), published ideas by the kind of rule they break. Kept up to date by
    every write that changes an idea's mines or its status, so the map reads a few dozen rows
    whatever the size of the base."""

    __tablename__ = "blocker_tally"

    dimension: str = Field(primary_key=True, sa_type=String(20))  # category | unit | rule_kind
    key: str = Field(primary_key=True, sa_type=String(40))
    severity: str = Field(default="", primary_key=True, sa_type=String(20))
    n: int = 0


class IdeaBlocker(SQLModel, table=True):
    """One idea's share of the tallies, as last counted: a write applies only the difference."""

    __tablename__ = "idea_blocker"

    idea_id: int = Field(primary_key=True, foreign_key="idea.id")
    dimension: str = Field(primary_key=True, sa_type=String(20))
    key: str = Field(primary_key=True, sa_type=String(40))
    severity: str = Field(default="", primary_key=True, sa_type=String(20))
    n: int = 0


class MineEcho(SQLModel, table=True):
    """A mine laid on another idea in the same category and in similar words (found by the
    French search when the newer one was laid): the same objection, come back."""

    __tablename__ = "mine_echo"
    __table_args__ = (Index("ix_mine_echo_echo", "echo_id"),)

    mine_id: int = Field(primary_key=True, foreign_key="mine.id")
    echo_id: int = Field(primary_key=True, foreign_key="mine.id")
