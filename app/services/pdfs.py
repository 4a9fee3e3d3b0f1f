"""Fiches produit in PDF: each made once per content shown and kept; making them is limited.

A PDF takes seconds of a worker's CPU. It is keyed on the data its HTML is made from — what
this viewer is shown, after `visibility` (`exports.sheet_data`) — with the template and the
code that render it, so that two viewers who see the same fiche share it, and one who is shown
something else (content hidden by moderation, a later version) never gets another's; a kept one
is served without rendering its HTML. Files are written whole then renamed, so that every worker
and process may read them at once."""

import hashlib
import os
import tempfile
import threading
from collections import Counter
from datetime import datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import Template
from sqlmodel import Session

from app.config import PROJECT_ROOT, Settings
from app.errors import RateLimited
from app.models import User
from app.services import exports, rate_limits


class PdfBusy(RateLimited):
    """This worker is already making as many PDFs as it may: try again in a moment."""

    status_code = 503


def makers(settings: Settings) -> threading.BoundedSemaphore:
    """The slots for making PDFs in this process (one per app, see `create_app`)."""
    return threading.BoundedSemaphore(max(1, settings.pdf_concurrency))


SHEET_TEMPLATE = "exports/sheet.html"

# The fiches' HTML rendered by this process: a kept PDF is served without one.
RENDERED: Counter[str] = Counter()


def key_of(templates: Jinja2Templates, sheet: exports.ProductSheet) -> str:
    """The same for two viewers shown the same fiche by the same code, and only then."""
    digest = hashlib.sha256(_code_digest())
    digest.update(_template_digest(templates.get_template(SHEET_TEMPLATE)))
    digest.update(exports.sheet_data(sheet))
    return digest.hexdigest()


def sheet_html(templates: Jinja2Templates, sheet: exports.ProductSheet) -> str:
    """The HTML a PDF is made from (only when it is not kept: it costs as much as a page)."""
    RENDERED[SHEET_TEMPLATE] += 1
    return templates.get_template(SHEET_TEMPLATE).render(sheet=sheet)


@cache
def _code_digest() -> bytes:
    """Every module of the app (labels, filters, the sheet's own code) as this process runs
    them: a new version of any never serves a PDF an older one made."""
    digest = hashlib.sha256()
    for path in sorted((PROJECT_ROOT / "app").rglob("*.py")):
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.digest()


@lru_cache(maxsize=8)
def _template_digest(template: Template) -> bytes:
    """Once per template as loaded: a template reloaded (development) is a new one."""
    source = Path(template.filename or "").read_bytes() if template.filename else b""
    return hashlib.sha256(source).digest()


def _folder(settings: Settings) -> Path:
    return Path(settings.pdf_cache_dir)


def cached(settings: Settings, key: str) -> bytes | None:
    """The PDF already made from this HTML, if it is kept."""
    try:
        return (_folder(settings) / f"{key}.pdf").read_bytes()
    except OSError:
        return None


def throttle(session: Session, settings: Settings, user: User, now: datetime) -> None:
    """Count one PDF made for this person; refuse (429) past their hourly allowance."""
    rate_limits.throttle(
        session,
        f"pdf:{user.id}",
        settings.pdfs_per_hour,
        timedelta(hours=1),
        "Vous avez demandé beaucoup de fiches en PDF\u00a0: réessayez dans un moment, ou "
        "téléchargez la fiche en Markdown.",
        now,
    )


def make(
    settings: Settings,
    slots: threading.BoundedSemaphore,
    templates: Jinja2Templates,
    key: str,
    sheet: exports.ProductSheet,
) -> bytes:
    """Make the PDF in one of this process's few slots (none free: 503 at once, so that a
    burst of PDFs never holds the threads that serve pages), then keep it."""
    if not slots.acquire(blocking=False):
        raise PdfBusy(
            "D’autres fiches sont en préparation\u00a0: réessayez dans quelques secondes.",
            retry_after=10,
        )
    try:
        pdf = exports.render_pdf(sheet_html(templates, sheet))
    finally:
        slots.release()
    _keep(settings, key, pdf)
    return pdf


def _keep(settings: Settings, key: str, pdf: bytes) -> None:
    folder = _folder(settings)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as out:
            out.write(pdf)
        os.replace(out.name, folder / f"{key}.pdf")
        _evict(folder, settings.pdf_cache_mb * 1024 * 1024)
    except OSError:
        pass  # a cache: the PDF is served all the same, and made again next time


def _evict(folder: Path, budget: int) -> None:
    """Oldest first, until the folder is within its budget."""
    files = sorted(folder.glob("*.pdf"), key=lambda p: p.stat().st_mtime)
    total = sum(p.stat().st_size for p in files)
    for path in files:
        if total <= budget:
            break
        total -= path.stat().st_size
        path.unlink(missing_ok=True)
