"""Retention: a draft untouched for a year goes, its author told a month before; touching it
or publishing it keeps it."""

from datetime import timedelta

from sqlmodel import Session, select

from app.config import Settings
from app.models import Idea, Notification, NotificationKind
from app.models.base import pk
from app.schemas import IdeaUpdate
from app.services import ideas, notifications, retention
from app.services.readiness import ScoringParams
from tests.conftest import Clock
from tests.factories import make_idea, make_user


def test_stale_drafts_are_announced_then_deleted(
    engine_session: Session, settings: Settings, clock: Clock
) -> None:
    s = engine_session
    mailer = notifications.Mailer.from_settings(settings)
    author = make_user(s)
    forgotten = make_idea(s, author, clock.now, title="Oubliée", published=False)
    revived = make_idea(s, author, clock.now, title="Reprise", published=False)
    published = make_idea(s, author, clock.now, title="Publiée")
    s.flush()

    # Eleven months later: too early for anything.
    assert retention.purge_stale_drafts(s, settings, mailer, clock.advance(days=320)) == (0, 0)
    # A month before the year is up, both drafts' author is told, once.
    assert retention.purge_stale_drafts(s, settings, mailer, clock.advance(days=16)) == (2, 0)
    assert retention.purge_stale_drafts(s, settings, mailer, clock.advance(days=1)) == (0, 0)
    told = s.exec(
        select(Notification).where(Notification.kind == NotificationKind.draft_expiring)
    ).all()
    assert {n.idea_id for n in told} == {forgotten.id, revived.id}
    assert "sera supprimé le" in told[0].message

    # The author touches one draft: its clock starts again.
    ideas.update_idea(
        s, ScoringParams(), author, revived, IdeaUpdate(title="Reprise, enfin"), clock.now
    )
    # The year is up for the other one, and its notice is a month old: it goes.
    assert retention.purge_stale_drafts(s, settings, mailer, clock.advance(days=31)) == (0, 1)
    s.expire_all()
    assert s.get(Idea, forgotten.id) is None
    assert s.get(Idea, revived.id) is not None and s.get(Idea, published.id) is not None
    assert s.exec(select(Notification).where(Notification.idea_id == forgotten.id)).all() == []


def test_retention_can_be_switched_off(
    engine_session: Session, settings: Settings, clock: Clock
) -> None:
    s = engine_session
    make_idea(s, make_user(s), clock.now, published=False)
    off = settings.model_copy(update={"draft_retention_days": 0})
    mailer = notifications.Mailer.from_settings(off)
    assert retention.purge_stale_drafts(s, off, mailer, clock.now + timedelta(days=5000)) == (0, 0)


def test_sign_in_failures_are_forgotten_once_no_window_counts_them(
    engine_session: Session, settings: Settings, clock: Clock
) -> None:
    """They hold a network address and a typed e-mail: the daily command deletes them past the
    longest window, without waiting for another failed sign-in."""
    from app.models import LoginAttempt
    from app.services import rate_limits

    s = engine_session
    s.add(LoginAttempt(key="address:192.0.2.7", created_at=clock.now))
    s.add(LoginAttempt(key="account:personne@exemple.fr", created_at=clock.now))
    s.flush()
    assert rate_limits.forget_expired(s, settings, clock.advance(minutes=30)) == 0
    s.add(LoginAttempt(key="address:192.0.2.8", created_at=clock.now))
    s.flush()
    assert rate_limits.forget_expired(s, settings, clock.advance(minutes=31)) == 2
    assert [a.key for a in s.exec(select(LoginAttempt)).all()] == ["address:192.0.2.8"]


def test_expired_sessions_and_e_mails_sent_a_month_ago_are_deleted(
    engine_session: Session, settings: Settings, clock: Clock
) -> None:
    from app.models import OutboxMessage, UserSession

    s = engine_session
    user = make_user(s)
    s.flush()
    for token, lasts in (("a", 1), ("b", 20)):
        expires_at = clock.now + timedelta(days=lasts)
        s.add(
            UserSession(
                token_hash=token * 64, expires_at=expires_at, user_id=pk(user), created_at=clock.now
            )
        )
    for key, sent_at in (("sent", clock.now), ("waiting", None)):  # waiting: kept until sent
        s.add(
            OutboxMessage(
                dedupe_key=key,
                sent_at=sent_at,
                to_email=user.email,
                subject="Bonjour",
                body="Bonjour",
                created_at=clock.now,
            )
        )
    s.flush()
    assert retention.forget_spent(s, clock.advance(days=2)) == (1, 0)
    assert retention.forget_spent(s, clock.advance(days=30)) == (1, 1)
    assert [m.sent_at for m in s.exec(select(OutboxMessage)).all()] == [None]
    assert s.exec(select(UserSession)).all() == []
