"""« Qui peut déminer ? »: per-category expertise kept on each acceptance, and invitations."""

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, utcnow


class Expertise(SQLModel, table=True):
    """How many of a person's déminages were accepted in one category (kept up to date)."""

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    category: str = Field(sa_type=String(20), primary_key=True, index=True)
    accepted: int = 0


class MineInvitation(SQLModel, table=True):
    """Someone asked a colleague to look at a mine; never twice for the same mine."""

    __tablename__ = "mine_invitation"
    __table_args__ = (UniqueConstraint("mine_id", "invitee_id", name="uq_invitation_mine_invitee"),)

    id: int | None = Field(default=None, primary_key=True)
    mine_id: int = Field(foreign_key="mine.id", index=True)
    invitee_id: int = Field(foreign_key="user.id", index=True)
    inviter_id: int = Field(foreign_key="user.id", index=True)
    message: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    declined_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
