"""Every table, imported here so that Alembic and the app see the whole metadata."""

from app.models.audit import AuditEntry
from app.models.blocker import BlockerTally, IdeaBlocker, MineEcho
from app.models.call import CallForIdeas, CallPhase, CallUnit
from app.models.co_carrier import CoCarrier
from app.models.expertise import Expertise, MineInvitation
from app.models.health import Heartbeat
from app.models.idea import (
    BoardGroup,
    Idea,
    IdeaEvent,
    IdeaNeighbour,
    IdeaRevision,
    IdeaStatus,
    IdeaTheme,
)
from app.models.mine import (
    Deminage,
    DeminageHelpful,
    DeminageKind,
    Mine,
    MineBasis,
    MineCategory,
    MineScope,
    MineSignature,
    MineStatus,
    ScopeRequest,
    ScopeRequestStatus,
    Severity,
)
from app.models.notification import (
    Channel,
    Follow,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxMessage,
    Support,
)
from app.models.outcome import Decision, Milestone, MilestoneKind, Outcome
from app.models.setting import AppSetting
from app.models.user import (
    AccountInvitation,
    ApiToken,
    EmailConfirmation,
    ExternalIdentity,
    LoginAttempt,
    OidcLogin,
    Role,
    Unit,
    User,
    UserSession,
)

__all__ = [
    "AuditEntry",
    "BlockerTally",
    "CallForIdeas",
    "CallPhase",
    "CallUnit",
    "IdeaBlocker",
    "MineEcho",
    "CoCarrier",
    "ApiToken",
    "Channel",
    "Follow",
    "Notification",
    "NotificationKind",
    "NotificationPreference",
    "OutboxMessage",
    "Support",
    "AppSetting",
    "Decision",
    "Milestone",
    "MilestoneKind",
    "Outcome",
    "Deminage",
    "EmailConfirmation",
    "Expertise",
    "Heartbeat",
    "ExternalIdentity",
    "OidcLogin",
    "MineInvitation",
    "DeminageHelpful",
    "DeminageKind",
    "BoardGroup",
    "Idea",
    "IdeaEvent",
    "IdeaRevision",
    "IdeaStatus",
    "IdeaNeighbour",
    "IdeaTheme",
    "AccountInvitation",
    "LoginAttempt",
    "Mine",
    "MineBasis",
    "MineCategory",
    "MineScope",
    "MineSignature",
    "ScopeRequest",
    "ScopeRequestStatus",
    "MineStatus",
    "Role",
    "Severity",
    "Unit",
    "User",
    "UserSession",
]
