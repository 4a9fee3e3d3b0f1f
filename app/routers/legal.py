"""The legal pages every public service shows, and the files robots and researchers look for."""

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, Response

from app.deps import NowDep, OptionalUser, SettingsDep
from app.services import legal, privacy
from app.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/mentions-legales", name="legal_notice")
def legal_notice(request: Request, user: OptionalUser) -> Response:
    return render(request, "legal/notice.html")


@router.get("/conditions-utilisation", name="terms")
def terms(request: Request, user: OptionalUser) -> Response:
    return render(request, "legal/terms.html")


@router.get("/donnees-personnelles", name="privacy")
def personal_data(request: Request, user: OptionalUser, settings: SettingsDep) -> Response:
    return render(request, "legal/privacy.html", {"record": privacy.page(settings)})


@router.get("/accessibilite", name="accessibility")
def accessibility(request: Request, user: OptionalUser) -> Response:
    return render(request, "legal/accessibility.html")


@router.get("/.well-known/security.txt", name="security_txt")
def security_txt(request: Request, now: NowDep) -> Response:
    text = legal.security_txt(request.app.state.site, now)
    if text is None:
        # A researcher's tool reads this file: the 404 it gets is text, like the file, not a page.
        return PlainTextResponse(
            "Aucun contact de sécurité n’est configuré (DEMINEURS_SECURITY_CONTACT).\n",
            status_code=404,
        )
    return PlainTextResponse(text)


@router.get("/robots.txt", name="robots_txt")
def robots_txt(settings: SettingsDep) -> Response:
    return PlainTextResponse(legal.robots_txt(settings))
