"""The readiness probe's heartbeat: one row it rewrites, to show that writes go through."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, utcnow


class Heartbeat(SQLModel, table=True):
    """Written (and committed) by /readyz: a read-only or full database is not ready."""

    id: int = Field(default=1, primary_key=True)
    beat_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
