"""Settings an admin changed in the app; they override the environment's. The scoring
parameters' changes, and their recomputation in the background."""

from datetime import datetime

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, utcnow


class AppSetting(SQLModel, table=True):
    __tablename__ = "app_setting"

    key: str = Field(max_length=60, primary_key=True)
    value: str = Field(max_length=200)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")


class RescoreJob(SQLModel, table=True):
    """One change of the scoring parameters, and the recomputation of every idea's score it
    asks for: done in the background by batches (app/rescore.py), resumable from
    `last_idea_id`, claimed by one worker at a time with a lease (`claimed_at`, renewed after
    each batch). Its id is the parameters' version: an idea's `score_version` names the job
    whose parameters its stored score was computed with."""

    __tablename__ = "rescore_job"

    id: int | None = Field(default=None, primary_key=True)
    # The parameters saved (ScoringParams' fields), and those in force just before: the ideas
    # not recomputed yet still read with the latter.
    params: dict[str, int] = Field(default_factory=dict, sa_type=JSON)
    previous: dict[str, int] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    total: int = 0
    done: int = 0
    last_idea_id: int = 0
    claimed_by: str | None = Field(default=None, max_length=80)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A newer save replaced it before it was done: the newer job recomputes every idea.
    superseded: bool = False
