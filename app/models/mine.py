"""Mines laid on ideas, the déminages that answer them, and « ça aide » marks."""

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String, Text, text
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, utcnow


class MineCategory(StrEnum):
    legal = "legal"
    budget = "budget"
    technical = "technical"
    data_privacy = "data_privacy"
    security = "security"
    organisation = "organisation"
    adoption = "adoption"
    ethics = "ethics"
    other = "other"


CATEGORY_LABELS: dict[str, str] = {
    MineCategory.legal: "Juridique",
    MineCategory.budget: "Budget",
    MineCategory.technical: "Technique",
    MineCategory.data_privacy: "Données & RGPD",
    MineCategory.security: "Sécurité",
    MineCategory.organisation: "Organisation & RH",
    MineCategory.adoption: "Usagers & adoption",
    MineCategory.ethics: "Éthique",
    MineCategory.other: "Autre",
}

# Each category's bit in a set of categories stored as one integer (`IdeaTheme.open_categories`):
# a new category takes the next free bit; a bit is never given to another category.
CATEGORY_BITS: dict[str, int] = {
    MineCategory.legal: 1,
    MineCategory.budget: 2,
    MineCategory.technical: 4,
    MineCategory.data_privacy: 8,
    MineCategory.security: 16,
    MineCategory.organisation: 32,
    MineCategory.adoption: 64,
    MineCategory.ethics: 128,
    MineCategory.other: 256,
}


def category_mask(categories: Iterable[str]) -> int:
    """The set of these categories as one integer (`CATEGORY_BITS`)."""
    mask = 0
    for category in categories:
        mask |= CATEGORY_BITS[category]
    return mask


class Severity(StrEnum):
    minor = "minor"
    major = "major"
    blocking = "blocking"


SEVERITY_LABELS: dict[str, str] = {
    Severity.minor: "Pétard",
    Severity.major: "Mine",
    Severity.blocking: "Bombe",
}
# « un pétard posé », « une mine posée », « une bombe posée »: what agrees with the noun.
SEVERITY_MASCULINE = {Severity.minor}


def agreed(severity: str, masculine: str, feminine: str) -> str:
    """The word that agrees with the noun: pétard is masculine, mine and bombe feminine."""
    return masculine if severity in SEVERITY_MASCULINE else feminine


class MineStatus(StrEnum):
    open = "open"
    defused = "defused"
    accepted_risk = "accepted_risk"
    withdrawn = "withdrawn"


MINE_STATUS_LABELS = {
    MineStatus.open: "Active",
    MineStatus.defused: "Désamorcée",
    MineStatus.accepted_risk: "Risque assumé",
    MineStatus.withdrawn: "Retirée",
}


class MineScope(StrEnum):
    """What a mine threatens: the first, small trial, or only its generalisation."""

    first_ground = "first_ground"
    generalisation = "generalisation"


SCOPE_LABELS = {
    MineScope.first_ground: "Dès le premier terrain",
    MineScope.generalisation: "Pour la généralisation",
}


class MineBasis(StrEnum):
    """What a mine rests on."""

    lived = "lived"  # vécu: it happened
    text = "text"  # a rule, with its reference
    figures = "figures"  # data
    intuition = "intuition"


BASIS_LABELS = {
    MineBasis.lived: "Vécu",
    MineBasis.text: "Texte",
    MineBasis.figures: "Chiffres",
    MineBasis.intuition: "Intuition",
}
BASIS_HINTS = {
    MineBasis.lived: "c’est arrivé, vous l’avez vu",
    MineBasis.text: "une règle, dont vous donnez la référence",
    MineBasis.figures: "des données, une mesure",
    MineBasis.intuition: "un pressentiment, à vérifier",
}
BASIS_REFERENCE_MAX = 300


class ScopeRequestStatus(StrEnum):
    """A request to move a mine to the generalisation, from its asking to its outcome."""

    pending = "pending"  # the mine's author has not answered yet
    agreed = "agreed"  # the mine's author agreed: the mine moved
    refused = "refused"  # the mine's author disagrees: a manager decides
    moved = "moved"  # a manager moved it
    kept = "kept"  # a manager kept it on the first ground


SCOPE_REQUEST_OPEN = (ScopeRequestStatus.pending, ScopeRequestStatus.refused)


class DeminageKind(StrEnum):
    expertise = "expertise"
    solution = "solution"
    contact = "contact"
    precedent = "precedent"
    resource = "resource"


KIND_LABELS: dict[str, str] = {
    DeminageKind.expertise: "Expertise",
    DeminageKind.solution: "Solution",
    DeminageKind.contact: "Contact",
    DeminageKind.precedent: "Précédent",
    DeminageKind.resource: "Ressource",
}


class Mine(SQLModel, table=True):
    """A risk or objection laid on an idea by a colleague."""

    # The board's « category of open mines » filter probes this index alone.
    __table_args__ = (
        Index("ix_mine_idea_status_category", "idea_id", "status", "category"),
        Index("ix_mine_echo_count", "echo_count"),
        # The few mines moderation hid, read whenever a text may quote one (`visibility`).
        Index(
            "ix_mine_hidden",
            "hidden_at",
            sqlite_where=text("hidden_at IS NOT NULL"),
            postgresql_where=text("hidden_at IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True)
    author_id: int = Field(foreign_key="user.id", index=True)
    category: str = Field(sa_type=String(20), index=True)
    severity: str = Field(sa_type=String(20))
    title: str = Field(max_length=120)
    body: str = Field(sa_type=Text)
    status: str = Field(default=MineStatus.open, sa_type=String(20))
    # Revision of the idea when the mine was laid: the page shows what changed since.
    idea_revision: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # When the mine was laid or last reopened: the quiet period counts from here.
    armed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_by_id: int | None = Field(default=None, foreign_key="user.id")
    resolution_reason: str = Field(default="", sa_type=Text)
    reopen_reason: str = Field(default="", sa_type=Text)
    # Hidden by an admin (moderation): only admins read it; its author sees why.
    hidden_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    hidden_reason: str = Field(default="", sa_type=Text)
    # Mines on other ideas that say the same (MineEcho rows): the map's recurring objections.
    echo_count: int = 0
    # What it threatens (MineScope): only first-ground mines count for ripeness.
    scope: str = Field(default=MineScope.first_ground, sa_type=String(20))
    # What it rests on (MineBasis), and for a text its reference.
    basis: str = Field(default=MineBasis.intuition, sa_type=String(20))
    basis_reference: str = Field(default="", max_length=BASIS_REFERENCE_MAX)
    # When the idea's author last asked « sur quoi vous appuyez-vous ? », until answered.
    basis_asked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MineSignature(SQLModel, table=True):
    """One signer's estimate of a mine's severity: its author's, and each co-signer's. The
    mine's `severity` is the median of its signatures (`readiness.median_severity`)."""

    __tablename__ = "mine_signature"

    mine_id: int = Field(foreign_key="mine.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id", primary_key=True, index=True)
    severity: str = Field(sa_type=String(20))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ScopeRequest(SQLModel, table=True):
    """The idea's author asks to move a mine to the generalisation, with a reason; the mine's
    author agrees or refuses, and a manager decides when they disagree."""

    __tablename__ = "scope_request"

    id: int | None = Field(default=None, primary_key=True)
    mine_id: int = Field(foreign_key="mine.id", index=True)
    author_id: int = Field(foreign_key="user.id", index=True)  # who asked
    reason: str = Field(sa_type=Text)
    status: str = Field(default=ScopeRequestStatus.pending, sa_type=String(20))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    answered_by_id: int | None = Field(default=None, foreign_key="user.id")
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answer_reason: str = Field(default="", sa_type=Text)
    decided_by_id: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision_reason: str = Field(default="", sa_type=Text)


class Deminage(SQLModel, table=True):
    """An answer to one mine: expertise, a fix, a contact, a precedent, a resource."""

    id: int | None = Field(default=None, primary_key=True)
    mine_id: int = Field(foreign_key="mine.id", index=True)
    author_id: int = Field(foreign_key="user.id", index=True)
    kind: str = Field(sa_type=String(20))
    body: str = Field(sa_type=Text)
    # The acceptance in force: True while it defuses its mine. A reopen ends it (the history
    # keeps it); `accepted_at` and `accepted_by_id` then still say when it was last accepted,
    # and by whom: a déminage once accepted counts on its author's record.
    accepted: bool = False
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    accepted_by_id: int | None = Field(default=None, foreign_key="user.id")
    # « Ne répond pas »: the idea's or the mine's author set it aside, with a reason; it leaves
    # the answers to consider (nobody accepts it any more), and its author is told why.
    dismissed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    dismissed_by_id: int | None = Field(default=None, foreign_key="user.id")
    dismissed_reason: str = Field(default="", sa_type=Text)
    helpful_count: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    hidden_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    hidden_reason: str = Field(default="", sa_type=Text)


class DeminageHelpful(SQLModel, table=True):
    """A colleague's « ça aide » on a déminage, once per person."""

    __tablename__ = "deminage_helpful"

    deminage_id: int = Field(foreign_key="deminage.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
