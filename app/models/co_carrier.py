"""Co-porteurs: colleagues the idea's author invited to carry it with them."""

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, utcnow


class CoCarrier(SQLModel, table=True):
    """One colleague asked to carry an idea: an invitation until they accept it (`accepted_at`),
    a co-porteur after. A declined, withdrawn or ended one is deleted (the idea's history keeps
    who carried it, and when); `Idea.co_carrier_ids` mirrors the accepted ones."""

    __tablename__ = "co_carrier"
    __table_args__ = (UniqueConstraint("idea_id", "user_id", name="uq_co_carrier_idea_user"),)

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    invited_by_id: int = Field(foreign_key="user.id", index=True)
    message: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
