"""The record of processing (app/personal_data.toml): the « Données personnelles » page with
the deployment's settings, and docs/personal-data.md with the settings' names and defaults.

`python -m app.services.privacy` rewrites docs/personal-data.md from the facts; a test fails
while the two differ, so the page and the document cannot tell different stories."""

import sys
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from app.config import PROJECT_ROOT, Settings
from app.services import legal

FACTS = Path(__file__).resolve().parent.parent / "personal_data.toml"
DOCUMENT = PROJECT_ROOT / "docs" / "personal-data.md"


@dataclass(frozen=True)
class Row:
    label: str
    text: str


@dataclass(frozen=True)
class Stored:
    data: str
    why: str
    kept: str
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cookie:
    name: str
    purpose: str
    kept: str


@dataclass(frozen=True)
class Record:
    """The record in one language, its placeholders filled."""

    intro: str
    summary: tuple[Row, ...]
    stored: tuple[Stored, ...]
    drafts: str
    cookies: tuple[Cookie, ...]
    rights: tuple[Row, ...]


@cache
def facts() -> dict[str, Any]:
    with FACTS.open("rb") as file:
        return tomllib.load(file)


def declared_columns() -> list[str]:
    """The columns the record says it stores personal data in, as « table.column », each as
    often as a row declares it."""
    return [column for row in facts()["data"] for column in row["columns"]]


def _days_fr(days: int) -> str:
    return "1\u00a0jour" if days == 1 else f"{days}\u00a0jours"


def _default(name: str) -> Any:
    return Settings.model_fields[name].default


def phrases_fr(settings: Settings) -> dict[str, str]:
    """The page's words for the deployment's settings (a retention of 0 keeps drafts)."""
    site = legal.site(settings)
    retention = settings.draft_retention_days
    # As the purge does (services/retention.py): never told earlier than the retention itself.
    notice = min(settings.draft_notice_days, retention)
    return {
        "controller": site.publisher.text,
        "dpo": site.dpo.as_contact.text,
        "subprocessors": "\u202f; ".join(f"{s.role}\u00a0: {s.name}" for s in site.subprocessors),
        "session_days": _days_fr(settings.session_days),
        "draft_kept": (
            f"supprimés après {_days_fr(retention)} sans modification"
            if retention > 0
            else "conservés tant que leur auteur les garde"
        ),
        "draft_retention": _days_fr(retention),
        "draft_notice": _days_fr(notice),
    }


def phrases_en() -> dict[str, str]:
    """The document's words: each setting's name and default."""
    retention, notice = _default("draft_retention_days"), _default("draft_notice_days")
    return {
        "controller": "the administration that runs the deployment (`DEMINEURS_PUBLISHER_NAME`)",
        "dpo": "`DEMINEURS_DPO_CONTACT`",
        "subprocessors": (
            "the host (`DEMINEURS_HOST_NAME`), the e-mail relay (`DEMINEURS_MAIL_RELAY`) and any "
            "other the administration lists (`DEMINEURS_SUBPROCESSORS`), each shown on the page"
        ),
        "session_days": f"{_default('session_days')} days (`DEMINEURS_SESSION_DAYS`)",
        "draft_kept": f"deleted after {retention} days without an edit",
        "draft_retention": (
            f"{retention} days (`DEMINEURS_DRAFT_RETENTION_DAYS`; 0 keeps drafts forever)"
        ),
        "draft_notice": f"{notice} days (`DEMINEURS_DRAFT_NOTICE_DAYS`)",
    }


def _record(lang: str, words: dict[str, str], drafts_key: str) -> Record:
    f = facts()

    def fill(text: str) -> str:
        return text.format_map(words)

    return Record(
        intro=fill(f["intro"][lang]),
        summary=tuple(Row(r[lang]["label"], fill(r[lang]["text"])) for r in f["summary"]),
        stored=tuple(
            Stored(
                fill(r[lang]["data"]),
                fill(r[lang]["why"]),
                fill(r[lang]["kept"]),
                tuple(r["columns"]),
            )
            for r in f["data"]
        ),
        drafts=fill(f["drafts"][drafts_key]),
        cookies=tuple(
            Cookie(c["name"], fill(c[lang]["purpose"]), fill(c[lang]["kept"])) for c in f["cookies"]
        ),
        rights=tuple(Row(r[lang]["label"], fill(r[lang]["text"])) for r in f["rights"]),
    )


def page(settings: Settings) -> Record:
    """The French record, with this deployment's values."""
    drafts = "fr" if settings.draft_retention_days > 0 else "fr_forever"
    return _record("fr", phrases_fr(settings), drafts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _where(columns: tuple[str, ...]) -> str:
    return ", ".join(f"`{c}`" for c in columns) or "not in the database"


def markdown() -> str:
    """docs/personal-data.md, as generated from the facts."""
    record = _record("en", phrases_en(), "en")
    out = [
        "# Personal data: the record of processing",
        "",
        "<!-- Generated from app/personal_data.toml by `python -m app.services.privacy`: "
        "edit that file, then run the command. -->",
        "",
        record.intro,
        "",
        "| | |",
        "|---|---|",
        *(f"| {row.label} | {_cell(row.text)} |" for row in record.summary),
        "",
        "## What is stored, why, and for how long",
        "",
        "| data | why | kept | stored in |",
        "|---|---|---|---|",
        *(
            f"| {_cell(s.data)} | {_cell(s.why)} | {_cell(s.kept)} | {_where(s.columns)} |"
            for s in record.stored
        ),
        "",
        record.drafts,
        "",
        "## Cookies",
        "",
        "| cookie | why | kept |",
        "|---|---|---|",
        *(f"| `{c.name}` | {_cell(c.purpose)} | {_cell(c.kept)} |" for c in record.cookies),
        "",
        "## The agents' rights",
        "",
        *(f"- **{row.label}**: {row.text}" for row in record.rights),
    ]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    DOCUMENT.write_text(markdown(), encoding="utf-8")
    sys.stdout.write(f"{DOCUMENT.relative_to(PROJECT_ROOT)} rewritten from {FACTS.name}\n")
