"""Settings an admin changed in the app; they override the environment's."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, utcnow


class AppSetting(SQLModel, table=True):
    __tablename__ = "app_setting"

    key: str = Field(max_length=60, primary_key=True)
    value: str = Field(max_length=200)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
