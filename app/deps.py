"""Annotated dependencies: the session, the clock, the signed-in user, the scoring parameters."""

import re
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BeforeValidator
from sqlmodel import Session

from app import mail
from app.config import Settings
from app.db import session_scope, write_beside
from app.errors import DomainError, LoginRequired
from app.models import User
from app.models.base import ID_MAX
from app.services import api_tokens, notifications, rate_limits, scoring, sessions
from app.services.permissions import check_administer, check_moderate, raise_if
from app.services.readiness import ScoringParams

SESSION_COOKIE = "demineurs_session"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


# Every {…_id} of every route, HTML and API: ids are the database's positive 32-bit integers
# (SQLite and PostgreSQL alike), so anything else is refused before a query is tried (an id
# beyond 64 bits used to reach SQLite and fail with a 500). Pages answer 404, the API 422.
def _digits(raw: object) -> object:
    # What `int()` would read besides ASCII digits (« 1.0 », « ١ », « 1_0 », « +1 ») is no id;
    # the range is Path's to check (out of it, pages and the API answer 404).
    if isinstance(raw, str) and not _ID_TEXT.fullmatch(raw):
        raise ValueError("un identifiant s’écrit en chiffres, de 1 à 2147483647")
    return raw


_ID_TEXT = re.compile(r"-?[0-9]+")


ObjectId = Annotated[
    int,
    BeforeValidator(_digits),
    Path(ge=1, le=ID_MAX, description="Identifiant (entier positif)."),
]


@contextmanager
def unit_of_work(request: Request, *, write: bool | None = None) -> Iterator[Session]:
    """One unit of work per request: commit once at the end, or roll back on any error.

    A write method (POST…) takes the write lock up front; `write=True` takes it for a GET too."""
    settings: Settings = request.app.state.settings
    writes = request.method in WRITE_METHODS if write is None else write
    with session_scope(request.app.state.engine, write=writes) as session:
        session.info[notifications.MAILER_KEY] = notifications.Mailer.from_settings(settings)
        yield session
    # Committed: the e-mails this request queued go out from the worker's sender thread.
    if session.info.get(notifications.OUTBOX_FLAG):
        outbox: mail.OutboxSender = request.app.state.outbox
        outbox.wake()
    # A change of the scoring parameters: their recomputation starts in the background.
    if session.info.get(scoring.RESCORE_FLAG):
        request.app.state.rescorer.wake()


def _request_session(request: Request, *, write: bool | None = None) -> Iterator[Session]:
    """The request's unit of work, and who signs it (in the same trip to the thread pool:
    each trip costs the worker more than the lookup itself)."""
    with unit_of_work(request, write=write) as session:
        _sign_in(request, session)
        if _asks_for_params(request.scope.get("route")):
            request.state.params = scoring.scoring_params(session, request.app.state.settings)
        yield session


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work (a write for a write method)."""
    yield from _request_session(request)


def get_write_session(request: Request) -> Iterator[Session]:
    """The request's unit of work, a write even for a GET: for the few GETs that write, the
    ProConnect sign-in's two legs (the provider's redirects can only be GETs)."""
    yield from _request_session(request, write=True)


_ASKS_FOR_PARAMS: "weakref.WeakKeyDictionary[Any, bool]" = weakref.WeakKeyDictionary()


def _asks_for_params(route: Any) -> bool:
    """Whether the route's dependencies include the scoring parameters (worked out once per
    endpoint)."""
    endpoint = getattr(route, "endpoint", None)
    if endpoint is None or not hasattr(route, "dependant"):
        return False
    asks = _ASKS_FOR_PARAMS.get(endpoint)
    if asks is None:
        pending, asks = [route.dependant], False
        while pending and not asks:
            dependant = pending.pop()
            asks = dependant.call is get_params
            pending.extend(dependant.dependencies)
        _ASKS_FOR_PARAMS[endpoint] = asks
    return asks


def _sign_in(request: Request, session: Session) -> None:
    """The account behind the session cookie, if any, in `request.state.user`; a write
    counts towards its rate limit."""
    now = request.app.state.clock()
    token = request.cookies.get(SESSION_COOKIE)
    user = sessions.user_for_session(session, token, now) if token else None
    if user is not None:
        if request.method in WRITE_METHODS and request.url.path != "/logout":
            rate_limits.throttle_writes(session, request.app.state.settings, user, now)
        # Detached, so that an error page can still show who is signed in after a rollback.
        session.expunge(user)
        request.state.unread = notifications.unread_count(session, user)
    request.state.user = user


# "function" scope: the commit happens before the response leaves, never after.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
WriteSessionDep = Annotated[Session, Depends(get_write_session, scope="function")]


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def get_now(request: Request) -> datetime:
    """The app's clock; tests replace app.state.clock to move time."""
    now: datetime = request.app.state.clock()
    return now


NowDep = Annotated[datetime, Depends(get_now)]


async def get_params(request: Request, session: SessionDep, settings: SettingsDep) -> ScoringParams:
    """The scoring parameters, read when the session was opened (see `get_session`)."""
    params: ScoringParams | None = getattr(request.state, "params", None)
    if params is None:
        params = await run_in_threadpool(scoring.scoring_params, session, settings)
    return params


ParamsDep = Annotated[ScoringParams, Depends(get_params, scope="function")]


async def get_optional_user(request: Request, session: SessionDep) -> User | None:
    """The user behind the session cookie, if any (found when the session was opened)."""
    user: User | None = request.state.user
    return user


OptionalUser = Annotated[User | None, Depends(get_optional_user, scope="function")]


async def get_current_user(user: OptionalUser) -> User:
    if user is None:
        raise LoginRequired()
    return user


CurrentUser = Annotated[User, Depends(get_current_user, scope="function")]


async def get_admin(user: CurrentUser) -> User:
    """The signed-in user, if the administration is theirs (403 otherwise)."""
    raise_if(check_administer(user))
    return user


AdminUser = Annotated[User, Depends(get_admin, scope="function")]


async def get_moderator(user: CurrentUser) -> User:
    """The signed-in user, if they moderate (403 otherwise, before the form is even read)."""
    raise_if(check_moderate(user))
    return user


ModeratorUser = Annotated[User, Depends(get_moderator, scope="function")]


class Unauthorized(DomainError):
    status_code = 401


bearer = HTTPBearer(
    auto_error=False,
    description=(
        "Jeton personnel, créé et révoqué sur la page de profil («\u00a0Jetons d’API\u00a0»)."
    ),
)


T = TypeVar("T")


@dataclass
class ApiContext:
    """What an API endpoint works with: its unit of work, the token's account, the clock."""

    session: Session
    user: User
    settings: Settings
    now: datetime

    @cached_property
    def params(self) -> ScoringParams:
        return scoring.scoring_params(self.session, self.settings)


@dataclass
class ApiCall:
    """Runs an API endpoint's work in one worker thread: the unit of work opened, the bearer
    authenticated, the work done and committed, with no other hop between the event loop and
    the thread pool (each costs about 0.1 ms of the worker's one core, more under load)."""

    request: Request
    credentials: HTTPAuthorizationCredentials | None

    async def __call__(self, work: Callable[[ApiContext], T]) -> T:
        return await run_in_threadpool(self._run, work)

    def _run(self, work: Callable[[ApiContext], T]) -> T:
        app = self.request.app
        settings: Settings = app.state.settings
        now = app.state.clock()
        with unit_of_work(self.request) as session:
            user = self._authenticate(session, settings, now)
            return work(ApiContext(session, user, settings, now))

    def _authenticate(self, session: Session, settings: Settings, now: datetime) -> User:
        credentials = self.credentials
        found = (
            api_tokens.user_for_api_token(session, credentials.credentials, now)
            if credentials
            else None
        )
        if found is None:
            raise Unauthorized("Jeton d’API manquant, invalide ou révoqué.")
        user, last_use_due = found
        if last_use_due is not None:
            with write_beside(session) as writer:
                api_tokens.record_use(writer, last_use_due, now)
        if self.request.method in WRITE_METHODS:
            rate_limits.throttle_writes(session, settings, user, now)
        # Detached, like the signed-in user of a page: a rollback leaves it readable.
        session.expunge(user)
        self.request.state.user = user
        return user


async def get_api_call(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> ApiCall:
    return ApiCall(request, credentials)


ApiCallDep = Annotated[ApiCall, Depends(get_api_call)]
