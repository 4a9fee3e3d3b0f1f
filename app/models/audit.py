"""The audit log: sensitive changes, who made them and what they were. Append-only."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, String
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, utcnow

AUDIT_LABELS = {
    "role_changed": "Droits d’un compte modifiés",
    "content_hidden": "Contenu masqué par la modération",
    "content_restored": "Contenu rétabli par la modération",
    "idea_promoted": "Idée promue en projet",
    "deminage_accepted": "Déminage accepté",
    "acceptance_ended": "Acceptation d’un déminage levée (mine rouverte)",
    "scoring_changed": "Paramètres du score modifiés",
}


class AuditEntry(SQLModel, table=True):
    """One sensitive change. Nothing in the app updates or deletes these rows."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # None when the change came from the command line (an operator on the server).
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    action: str = Field(sa_type=String(40), index=True)
    target: str = Field(max_length=60)  # "user:12", "mine:5", "idea:3", "settings"
    before: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    after: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
