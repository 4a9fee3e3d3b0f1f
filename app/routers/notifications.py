"""Notifications: the list, the header counter, preferences, and one-click unsubscribe."""

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.db import write_beside
from app.deps import CurrentUser, NowDep, ObjectId, SessionDep, SettingsDep
from app.errors import NotFound
from app.models.base import pk
from app.models.notification import CHANNEL_LABELS, KIND_LABELS, Channel
from app.services import notifications
from app.templating import render
from app.web import FormDep, redirect, safe_next

router = APIRouter(include_in_schema=False)


@router.get("/notifications", name="notifications")
def list_notifications(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    return render(
        request, "notifications/list.html", {"items": notifications.list_for(session, user)}
    )


@router.get("/notifications/count", name="notification_count")
def count(request: Request, user: CurrentUser) -> Response:
    """The header's counter, polled by htmx (the number was read with the signed-in user)."""
    return render(request, "notifications/_count.html")


@router.get("/notifications/{notification_id}/open", name="notification_open")
def open_one(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    notification_id: ObjectId,
) -> Response:
    """« Voir »: a link (it opens in a new tab) to where the notification leads, marking it read.
    A GET that writes (docs/decisions.md says why): marking one's own notification read is
    idempotent and harmless, and someone else's is a 404 like any object one may not see."""
    with write_beside(session) as writer:
        url = notifications.open_notification(writer, user, notification_id, now)
    return redirect(request, safe_next(url))


@router.post("/notifications/read", name="notifications_read_all")
def read_all(
    request: Request, session: SessionDep, user: CurrentUser, now: NowDep, form: FormDep
) -> Response:
    notifications.mark_all_read(session, user, now)
    return redirect(request, request.url_for("notifications").path, flash="Tout est lu.")


@router.get("/notifications/preferences", name="notification_preferences")
def preferences(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    return render(
        request,
        "notifications/preferences.html",
        {
            "kinds": KIND_LABELS,
            "channel_labels": CHANNEL_LABELS,
            "channels": notifications.channels_for(session, pk(user)),
        },
    )


@router.post("/notifications/preferences", name="notification_preferences_post")
def save_preferences(
    request: Request, session: SessionDep, user: CurrentUser, form: FormDep
) -> Response:
    notifications.set_channels(session, pk(user), dict(form))
    return redirect(
        request,
        request.url_for("notification_preferences").path,
        flash="Vos choix de notifications sont enregistrés.",
    )


def _unsubscribe_target(settings: SettingsDep, token: str) -> tuple[int, str | None]:
    target = notifications.read_unsubscribe_token(settings.secret_key, token)
    if target is None:
        raise NotFound("Ce lien de désabonnement n’est pas valide.")
    return target


def _what(kind: str | None) -> str:
    return (
        f"les notifications «\u00a0{KIND_LABELS[kind].lower()}\u00a0»"
        if kind in KIND_LABELS
        else "les e-mails des démineurs"
    )


@router.get("/unsubscribe/{token}", name="unsubscribe")
def unsubscribe_page(request: Request, settings: SettingsDep, token: str) -> Response:
    _, kind = _unsubscribe_target(settings, token)
    return render(request, "notifications/unsubscribe.html", {"done": False, "what": _what(kind)})


@router.post("/unsubscribe/{token}", name="unsubscribe_post")
def unsubscribe(
    request: Request, session: SessionDep, settings: SettingsDep, token: str
) -> Response:
    """One click, signed link: no session and no CSRF token needed (RFC 8058)."""
    user_id, kind = _unsubscribe_target(settings, token)
    kinds = [kind] if kind in KIND_LABELS else list(KIND_LABELS)
    notifications.set_channels(session, user_id, {k: Channel.app for k in kinds})
    return render(request, "notifications/unsubscribe.html", {"done": True, "what": _what(kind)})
