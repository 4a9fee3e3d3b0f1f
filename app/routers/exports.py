"""Downloads: the fiche produit (Markdown, PDF) and the open data (CSV, JSON)."""

import json

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.db import write_beside
from app.deps import CurrentUser, NowDep, ObjectId, ParamsDep, SessionDep, SettingsDep
from app.services import blockers, calls, exports, ideas, pdfs

router = APIRouter(include_in_schema=False)


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


@router.get("/ideas/{idea_id}/fiche.md", name="sheet_markdown")
def sheet_markdown(
    session: SessionDep, user: CurrentUser, params: ParamsDep, now: NowDep, idea_id: ObjectId
) -> Response:
    idea = ideas.get_idea(session, idea_id, user)
    text = exports.sheet_markdown(exports.product_sheet(session, params, idea, user, now))
    return Response(
        text,
        media_type="text/markdown; charset=utf-8",
        headers=_attachment(f"fiche-produit-{idea_id}.md"),
    )


@router.get("/ideas/{idea_id}/fiche.pdf", name="sheet_pdf")
def sheet_pdf(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    settings: SettingsDep,
    idea_id: ObjectId,
) -> Response:
    idea = ideas.get_idea(session, idea_id, user)
    sheet = exports.product_sheet(session, params, idea, user, now)
    templates = request.app.state.templates
    key = pdfs.key_of(templates, sheet)  # what this viewer is shown, as data
    pdf = pdfs.cached(settings, key)
    if pdf is None:
        with write_beside(session) as writer:  # counted even if the PDF fails
            pdfs.throttle(writer, settings, user, now)
        pdf = pdfs.make(settings, request.app.state.pdf_makers, templates, key, sheet)
    return Response(
        pdf,
        media_type="application/pdf",
        headers=_attachment(f"fiche-produit-{idea_id}.pdf"),
    )


@router.get("/open-data/ideas.json", name="open_data_json")
def open_data_json(session: SessionDep, now: NowDep) -> Response:
    rows = exports.open_data(session, now)
    body = json.dumps({"generated_at": now.isoformat(), "ideas": rows}, ensure_ascii=False)
    return Response(
        body, media_type="application/json; charset=utf-8", headers=_attachment("idees.json")
    )


@router.get("/open-data/blockers.json", name="open_data_blockers")
def open_data_blockers(session: SessionDep, now: NowDep) -> Response:
    """« Ce qui bloque » without a word anyone wrote: the counts only."""
    body = json.dumps(
        {"generated_at": now.isoformat(), **blockers.open_counts(session)}, ensure_ascii=False
    )
    return Response(
        body,
        media_type="application/json; charset=utf-8",
        headers=_attachment("ce-qui-bloque.json"),
    )


@router.get("/open-data/calls.json", name="open_data_calls")
def open_data_calls(session: SessionDep, now: NowDep) -> Response:
    """The calls for ideas without a word about a person: questions, dates, counts."""
    body = json.dumps(
        {"generated_at": now.isoformat(), "calls": calls.open_data(session, now)},
        ensure_ascii=False,
    )
    return Response(
        body,
        media_type="application/json; charset=utf-8",
        headers=_attachment("appels-a-idees.json"),
    )


@router.get("/open-data/ideas.csv", name="open_data_csv")
def open_data_csv(session: SessionDep, now: NowDep) -> Response:
    """For programs: UTF-8, commas."""
    text = exports.open_data_csv(exports.open_data(session, now))
    return Response(text, media_type="text/csv; charset=utf-8", headers=_attachment("idees.csv"))


@router.get("/open-data/ideas-tableur.csv", name="open_data_csv_fr")
def open_data_csv_spreadsheet(session: SessionDep, now: NowDep) -> Response:
    """For a French spreadsheet (Excel, LibreOffice): UTF-8 with its mark, semicolons."""
    text = exports.open_data_csv(exports.open_data(session, now), spreadsheet_fr=True)
    return Response(
        text, media_type="text/csv; charset=utf-8", headers=_attachment("idees-tableur.csv")
    )
