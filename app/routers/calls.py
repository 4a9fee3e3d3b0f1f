"""Calls for ideas: their list and page, the managers' form, and the sponsor's decision."""

from contextlib import suppress
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from app.deps import CurrentUser, NowDep, ObjectId, ParamsDep, SessionDep, SettingsDep
from app.errors import InvalidInput
from app.models import CallForIdeas
from app.schemas import CallInput, clean_text, french_errors, parse_day
from app.services import call_outcomes, calls, users
from app.services.permissions import (
    check_close_call,
    check_decide_call,
    check_edit_call,
    check_manage_calls,
    raise_if,
)
from app.templating import render
from app.web import FormDep, LongForm, LongFormDep, page_number, redirect

router = APIRouter(include_in_schema=False)

CALL_FIELDS = (
    "question",
    "context",
    "criteria",
    "sponsor_email",
    "audience",
    "ideas_until",
    "deminage_until",
    "decision_by",
)


def _values_of(call: CallForIdeas, sponsor_email: str, units: frozenset[int]) -> dict[str, Any]:
    def day(value: date) -> str:
        return value.isoformat()

    return {
        "question": call.question,
        "context": call.context,
        "criteria": call.criteria,
        "sponsor_email": sponsor_email,
        "audience": "units" if units else "everyone",
        "units": [str(u) for u in sorted(units)],
        "ideas_until": day(call.ideas_until),
        "deminage_until": day(call.deminage_until),
        "decision_by": day(call.decision_by),
    }


def _current(session: SessionDep, call: CallForIdeas) -> dict[str, Any]:
    sponsor = users.get_user(session, call.sponsor_id)
    return _values_of(call, sponsor.email, calls.audience_of(session, call))


def _posted(form: LongForm) -> dict[str, Any]:
    values: dict[str, Any] = {k: form.values.get(k, "") for k in CALL_FIELDS}
    values["units"] = form.lists.get("units", [])
    return values


def _form_page(
    request: Request,
    session: SessionDep,
    call: CallForIdeas | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = {
        "call": call,
        "values": values,
        "errors": errors,
        "units": users.list_units(session),
        "sponsors": calls.possible_sponsors(session),
        "locked": calls.locked_fields(call, request.app.state.clock()),
    }
    return render(request, "calls/form.html", context, status=status)


def _parse(
    session: SessionDep, values: dict[str, Any], now: datetime, before: CallForIdeas | None
) -> CallInput:
    """The call as posted; else every field at fault at once, those the form's shape refuses
    and those the rules between the fields refuse (`calls.rule_errors`)."""
    units = [u for u in values["units"] if u.isascii() and u.isdigit() and len(u) < 11]
    data = {k: v for k, v in values.items() if k != "units"}
    errors: dict[str, str] = {}
    if len(units) != len(values["units"]):
        errors["units"] = "Choisissez des services de la liste."
    try:
        parsed = CallInput.model_validate({**data, "units": units})
    except ValidationError as exc:
        refused = french_errors(exc)
        errors = {**_rule_errors(session, data, units, refused, now, before), **refused, **errors}
        raise InvalidInput(errors) from None
    if errors:
        rules, _, _ = calls.rule_errors(session, parsed.model_dump(exclude={"units"}), now, before)
        raise InvalidInput({**rules, **errors})
    return parsed


def _rule_errors(
    session: SessionDep,
    data: dict[str, Any],
    units: list[str],
    refused: dict[str, str],
    now: datetime,
    before: CallForIdeas | None,
) -> dict[str, str]:
    """The rules between the fields that parsed, when others did not."""
    values: dict[str, Any] = {"units": [int(u) for u in units]}
    for name in ("sponsor_email", "audience"):
        if name not in refused:
            values[name] = clean_text(str(data.get(name, "")))
    for name in ("ideas_until", "deminage_until", "decision_by"):
        if name not in refused:
            with suppress(ValueError):  # refused already, or no date: no rule to check
                values[name] = parse_day(str(data.get(name, "")))
    return calls.rule_errors(session, values, now, before)[0]


def _save_failed(exc: ValidationError | InvalidInput) -> dict[str, str]:
    return french_errors(exc) if isinstance(exc, ValidationError) else exc.errors


@router.get("/calls", name="calls")
def list_calls(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    settings: SettingsDep,
    page: str = "1",
) -> Response:
    found = calls.page_of_calls(session, now, page_number(page), settings.page_size)
    return render(request, "calls/list.html", {"page": found})


@router.get("/calls/new", name="call_new")
def new_call(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    raise_if(check_manage_calls(user))
    values: dict[str, Any] = {k: "" for k in CALL_FIELDS}
    values.update(audience="everyone", units=[], sponsor_email=user.email)
    return _form_page(request, session, None, values, {})


@router.post("/calls", name="call_create")
def create_call(
    request: Request, session: SessionDep, user: CurrentUser, now: NowDep, form: LongFormDep
) -> Response:
    raise_if(check_manage_calls(user))
    values = _posted(form)
    try:
        call = calls.open_call(session, user, _parse(session, values, now, None), now)
    except (ValidationError, InvalidInput) as exc:
        return _form_page(request, session, None, values, _save_failed(exc), status=422)
    return redirect(
        request,
        request.url_for("call", call_id=call.id).path,
        flash="Appel ouvert. Les agents concernés en seront prévenus dans le prochain résumé.",
    )


@router.get("/calls/{call_id}", name="call")
def show_call(
    request: Request, session: SessionDep, user: CurrentUser, now: NowDep, call_id: ObjectId
) -> Response:
    call = calls.get_call(session, call_id)
    page = calls.call_page(session, call, user, now)
    return render(request, "calls/show.html", {"page": page, "call": call})


@router.get("/calls/{call_id}/edit", name="call_edit")
def edit_call_form(
    request: Request, session: SessionDep, user: CurrentUser, call_id: ObjectId
) -> Response:
    call = calls.get_call(session, call_id)
    raise_if(check_edit_call(user, call))
    return _form_page(request, session, call, _current(session, call), {})


@router.post("/calls/{call_id}/edit", name="call_update")
def update_call(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    call_id: ObjectId,
    form: LongFormDep,
) -> Response:
    call = calls.get_call(session, call_id)
    raise_if(check_edit_call(user, call))
    # A closed call's form shows only what may still change: the rest is the call as it is.
    current = _current(session, call)
    values = {**_posted(form), **{k: current[k] for k in calls.locked_fields(call, now)}}
    try:
        widened = calls.update_call(session, user, call, _parse(session, values, now, call), now)
    except (ValidationError, InvalidInput) as exc:
        return _form_page(request, session, call, values, _save_failed(exc), status=422)
    flash = "Appel modifié."
    if widened:
        flash += " Les agents qu’il concerne désormais en seront prévenus dans le prochain résumé."
    return redirect(request, request.url_for("call", call_id=call_id).path, flash=flash)


@router.post("/calls/{call_id}/close", name="call_close")
def close_call(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    call_id: ObjectId,
    form: FormDep,
) -> Response:
    call = calls.get_call(session, call_id)
    raise_if(check_close_call(user, call))
    calls.close_call(session, user, call, now)
    return redirect(
        request,
        request.url_for("call", call_id=call_id).path,
        flash="Appel clos\u00a0: il ne reçoit plus d’idées, et son sponsor peut décider.",
    )


def _decision_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    call: CallForIdeas,
    now: NowDep,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = {
        "call": call,
        "pending": call_outcomes.pending(session, call, user, now),
        "decisions": calls.DECISIONS,
        "values": values,
        "errors": errors,
    }
    return render(request, "calls/decision.html", context, status=status)


@router.get("/calls/{call_id}/decision", name="call_decision")
def decision_form(
    request: Request, session: SessionDep, user: CurrentUser, now: NowDep, call_id: ObjectId
) -> Response:
    call = calls.get_call(session, call_id)
    raise_if(check_decide_call(user, call, now))
    return _decision_page(request, session, user, call, now, {}, {})


@router.post("/calls/{call_id}/decision", name="call_decide")
def decide(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    call_id: ObjectId,
    form: LongFormDep,
) -> Response:
    call = calls.get_call(session, call_id)
    raise_if(check_decide_call(user, call, now))
    try:
        count = call_outcomes.decide(session, params, user, call, form.values, now)
    except InvalidInput as exc:
        return _decision_page(
            request, session, user, call, now, form.values, exc.errors, status=422
        )
    told = "Décision enregistrée" if count == 1 else f"{count} décisions enregistrées"
    return redirect(
        request,
        request.url_for("call", call_id=call_id).path,
        flash=f"{told}\u00a0: chaque personne qui a contribué en est prévenue.",
    )
