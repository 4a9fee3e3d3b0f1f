"""Settings read from the environment (DEMINEURS_* and DATABASE_URL)."""

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app import addresses
from app.accessibility import KNOWN_NONCONFORMITIES

# Development only: Settings refuses it in production.
DEFAULT_SECRET = "dev-only-secret-change-me"  # noqa: S105  # nosec B105
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Bounds of the day and minute counts: beyond, a date computed from them would overflow (a 500
# on the first page that needs it) long before anyone noticed the typo.
MAX_DAYS = 36_500
MAX_MINUTES = 60 * 24 * 366
PARIS = ZoneInfo("Europe/Paris")


# The texts the legal pages, the footer and security.txt print as they are.
_LEGAL_TEXTS = (
    "publisher_name",
    "publisher_address",
    "publisher_phone",
    "publication_director",
    "host_name",
    "host_address",
    "host_phone",
    "dpo_contact",
    "contact_email",
    "feedback_url",
    "mail_relay",
    "subprocessors",
    "open_data_licence",
    "accessibility_audit",
    "accessibility_plan_url",
    "accessibility_contact",
    "security_contact",
)


# The contacts the pages link to and the e-mails reply to: an address, a web address, or (but
# the feedback link) free text, shown as text.
_CONTACTS = ("contact_email", "security_contact", "accessibility_contact", "feedback_url")
_FREE_TEXT_CONTACTS = ("contact_email", "security_contact", "accessibility_contact")


def contact_problem(name: str, value: str) -> str | None:
    """Why a contact setting cannot be used as it is (its variable named, in French), or None.
    An e-mail address is one plain address (`addresses.parse_email`, the accounts' rule); a web
    address is http(s), with a host and a valid port, and nothing invisible, no quote, space or
    angle bracket; free text, where allowed, does not start as a link."""
    value = value.strip()
    setting = f"DEMINEURS_{name.upper()}"
    if not value:
        return None
    if addresses.is_web(value):
        return web_address_problem(setting, value)
    if value[:7].lower() == "mailto:" or ("@" in value and not any(c.isspace() for c in value)):
        if addresses.contact_address(value) is None:
            return (
                f"{setting} doit être une seule adresse électronique (agent@exemple.fr), celle "
                "qu’un compte pourrait avoir\u00a0: un seul @, un point dans le domaine, sans "
                "accent, espace, virgule, deux-points, chevron ni guillemet."
            )
        return None
    if name not in _FREE_TEXT_CONTACTS:
        return f"{setting} doit être une adresse web (https://…) ou une adresse électronique."
    if addresses.looks_like_a_link(value):
        return (
            f"{setting} commence comme un lien ({value.split(':', 1)[0]}:) sans en être un "
            "valable\u00a0: donnez une adresse électronique, une adresse https://… ou un texte."
        )
    return None


def web_address_problem(setting: str, value: str) -> str | None:
    """Why a setting cannot be used as a web address (its variable named, in French), or None."""
    problem = addresses.web_address_problem(value)
    if problem is None:
        return None
    return f"{setting} doit être une adresse web complète (https://exemple.fr/…)\u00a0: {problem}."


class Settings(BaseSettings):
    """Everything configurable; safe defaults for a local run."""

    model_config = SettingsConfigDict(
        env_prefix="DEMINEURS_", extra="ignore", populate_by_name=True
    )

    env: Literal["development", "production", "test"] = "development"
    secret_key: str = DEFAULT_SECRET
    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'data' / 'demineurs.sqlite3'}",
        validation_alias=AliasChoices("DATABASE_URL", "DEMINEURS_DATABASE_URL"),
    )
    base_url: str = "http://127.0.0.1:8000"
    # Comma-separated e-mail domains allowed to self-register; empty means invitation only.
    allowed_email_domains: str = ""
    session_days: int = Field(default=14, ge=1, le=366)
    page_size: int = 20
    max_body_bytes: int = 1_048_576
    strict_templates: bool = False

    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 20
    login_window_minutes: int = Field(default=15, ge=1, le=MAX_MINUTES)
    # Drafts untouched for this many days are deleted (0: never), their author told this many
    # days before.
    draft_retention_days: int = Field(default=365, ge=0, le=MAX_DAYS)
    draft_notice_days: int = Field(default=30, ge=0, le=MAX_DAYS)
    # Writes (every POST, PUT, PATCH, DELETE) per account and per minute, and accounts created
    # per address and per hour: beyond, 429 with Retry-After and a French message.
    writes_per_minute: int = 60
    accounts_per_hour: int = 5

    # E-mail: "smtp" in production; "file" (one .eml per message in mail_dir) or "console" in
    # development.
    mail_backend: Literal["smtp", "file", "console"] = "file"
    mail_from: str = "Les démineurs <demineurs@demineurs.localhost>"
    mail_dir: str = str(PROJECT_ROOT / "data" / "mails")
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_timeout_seconds: float = 10
    notification_poll_seconds: int = 30
    # Requests handled at once per process (the others queue): a few keep latency low.
    threads_per_worker: int = 4
    # Per worker: the rendered parts of pages shared by viewers with the same rights (the
    # field of mines, the score panel), in millions of characters.
    fragment_cache_mb: int = Field(default=16, ge=0)
    # Fiches in PDF: made once per content shown and kept here (up to this many MB); at most
    # this many made at once per process (the others answer 503 at once), and this many made
    # per person and per hour (429 beyond). The cache is per deployment: put it on the volume.
    pdf_cache_dir: str = str(PROJECT_ROOT / "data" / "pdf-cache")
    pdf_cache_mb: int = Field(default=200, ge=0)
    pdf_concurrency: int = Field(default=1, ge=1)
    pdfs_per_hour: int = Field(default=30, ge=1)
    # Only for bench/ and the tests: a template rendered from memory (the benchmark's
    # baseline) and a deliberately slow page (graceful shutdown). Never in a deployment.
    bench_endpoints: bool = False
    # ProConnect (OpenID Connect, the State's federation for agents): on when these are set.
    # The issuer is the one of the discovery document, e.g.
    # https://fca.integ01.dev-agentconnect.fr/api/v2 (integration) or
    # https://auth.agentconnect.gouv.fr/api/v2 (production).
    proconnect_issuer: str = ""
    proconnect_client_id: str = ""
    proconnect_client_secret: str = ""
    proconnect_scopes: str = (
        "openid given_name usual_name email uid siret idp_id organization_label"
    )
    proconnect_acr: str = "eidas1"
    # JSON lines (one per event, with the request id) or plain text for a terminal.
    log_format: Literal["json", "text"] = "json"
    log_level: str = "INFO"
    # The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (addresses
    # or networks, comma-separated): the client address that rate limits count comes from them.
    # Nobody else's forwarded headers are read.
    forwarded_allow_ips: str = "127.0.0.1"
    # `demineurs serve` (uvicorn): a request's head (line and headers) must arrive within this
    # many seconds of the connection opening or of the previous answer; an idle keep-alive
    # connection is closed after this many; at most this many connections and requests at
    # once per worker (beyond, 503); a request head is at most this many bytes (beyond, 400).
    http_header_timeout_seconds: float = Field(default=10, gt=0)
    http_keep_alive_seconds: int = Field(default=5, ge=1)
    http_max_connections: int = Field(default=500, ge=1)
    http_max_head_bytes: int = Field(default=16 * 1024, ge=1024)
    # On SIGTERM, seconds given to the requests in flight before the process stops.
    shutdown_grace_seconds: int = Field(default=20, ge=0, le=3600)

    ripe_threshold: int = 70
    min_reviewers: int = 3
    quiet_period_hours: int = Field(default=72, ge=0, le=MAX_DAYS * 24)

    # The legal pages and the footer: texts the deploying administration completes. Left
    # empty, a value reads « [… à compléter : DEMINEURS_…] » on the pages (app/services/legal.py).
    publisher_name: str = ""
    publisher_address: str = ""
    publisher_phone: str = ""
    publication_director: str = ""
    host_name: str = ""
    host_address: str = ""
    host_phone: str = ""
    dpo_contact: str = ""
    # Where agents write (questions, a problem, an appeal against moderation): every page's
    # footer, every e-mail (Reply-To) and the legal pages give it.
    contact_email: str = ""
    # A feedback form's URL, or an address; empty, the footer's feedback link writes to
    # contact_email.
    feedback_url: str = ""
    # Who relays the e-mails (a subprocessor, or the administration's own server), and any
    # further subprocessors, « Name: role; Name: role ».
    mail_relay: str = ""
    subprocessors: str = ""
    open_data_licence: str = "Licence Ouverte 2.0 (Etalab)"
    # Accessibility (RGAA): without an audit in force, the law's word is « non conforme »;
    # another level needs the audit that measured it (who, when, RGAA version, rate).
    accessibility_status: Literal[
        "non conforme", "partiellement conforme", "totalement conforme"
    ] = "non conforme"
    accessibility_audit: str = ""
    # The date of the declaration; empty, the date this version's checks last ran.
    accessibility_declared_on: date | None = None
    accessibility_plan_url: str = ""
    # Where to report an accessibility problem; empty, contact_email.
    accessibility_contact: str = ""
    # security.txt's Contact (an address or an https URL); empty, contact_email; neither set,
    # /.well-known/security.txt answers 404 rather than name nobody.
    security_contact: str = ""
    # robots.txt keeps ideas (their open data included) away from search engines unless true.
    robots_index_ideas: bool = False
    # Per worker, the public statistics are computed at most once per this many seconds.
    stats_cache_seconds: int = Field(default=300, ge=0, le=86_400)

    @field_validator("accessibility_declared_on", mode="before")
    @classmethod
    def _an_empty_date_is_no_date(cls, value: Any) -> Any:
        """DEMINEURS_ACCESSIBILITY_DECLARED_ON= (set, but empty) means unset, as its comment
        says, not a date to parse."""
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("accessibility_declared_on", mode="after")
    @classmethod
    def _a_declaration_is_not_dated_in_the_future(cls, value: date | None) -> date | None:
        today = datetime.now(PARIS).date()
        if value is not None and value > today:
            raise ValueError(
                f"{value.isoformat()} est dans le futur (aujourd’hui\u00a0: {today.isoformat()})"
                "\u00a0: datez la déclaration du jour où elle a été établie"
            )
        return value

    @model_validator(mode="after")
    def _texts_are_one_line_and_links_are_web_addresses(self) -> "Settings":
        """A line break in a legal text would forge fields in security.txt; a link the pages
        put in an href must be a web address (a `javascript:` one only the CSP would stop)."""
        for name in _LEGAL_TEXTS:
            value = getattr(self, name)
            if any(ord(c) < 32 or ord(c) == 127 for c in value):
                raise ValueError(
                    f"DEMINEURS_{name.upper()} contient un saut de ligne ou un caractère de "
                    "contrôle : écrivez-le sur une ligne."
                )
        for name in _CONTACTS:
            problem = contact_problem(name, getattr(self, name))
            if problem:
                raise ValueError(problem)
        for name in ("base_url", "accessibility_plan_url", "proconnect_issuer"):
            value = getattr(self, name).strip()
            problem = value and web_address_problem(f"DEMINEURS_{name.upper()}", value)
            if problem:
                raise ValueError(problem)
        return self

    @model_validator(mode="after")
    def _accessibility_needs_an_audit(self) -> "Settings":
        if self.accessibility_status != "non conforme" and not self.accessibility_audit.strip():
            raise ValueError(
                f"DEMINEURS_ACCESSIBILITY_STATUS «\u00a0{self.accessibility_status}\u00a0» "
                "demande l’audit qui l’a établi (DEMINEURS_ACCESSIBILITY_AUDIT\u00a0: qui, "
                "quand, version du RGAA, taux)\u00a0: sans audit en cours de validité, le site "
                "est «\u00a0non conforme\u00a0»."
            )
        if self.accessibility_status == "totalement conforme" and KNOWN_NONCONFORMITIES:
            raise ValueError(
                "DEMINEURS_ACCESSIBILITY_STATUS «\u00a0totalement conforme\u00a0» ne peut pas "
                f"être déclaré\u00a0: la déclaration liste {len(KNOWN_NONCONFORMITIES)} "
                "non-conformités connues de cette version, et le RGAA veut alors «\u00a0"
                "partiellement conforme\u00a0» (ou «\u00a0non conforme\u00a0» sous 50\u00a0% "
                "des critères respectés)."
            )
        return self

    @property
    def proconnect_enabled(self) -> bool:
        return bool(self.proconnect_issuer and self.proconnect_client_id)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def allowed_domains(self) -> list[str]:
        return [d.strip().lower() for d in self.allowed_email_domains.split(",") if d.strip()]

    def check_production_safety(self) -> None:
        """Refuse to run in production with the development secret."""
        if self.env == "production" and (
            self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32
        ):
            raise RuntimeError(
                "DEMINEURS_SECRET_KEY doit être défini (32 caractères au moins) "
                "en production\u00a0: générez-en un avec "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )


# Pydantic's words for the usual mistakes, in French.
_ERRORS = {
    "int_parsing": "un nombre entier est attendu",
    "float_parsing": "un nombre est attendu",
    "bool_parsing": "true ou false est attendu",
    "date_from_datetime_parsing": "une date AAAA-MM-JJ est attendue",
    "date_parsing": "une date AAAA-MM-JJ est attendue",
    "literal_error": "valeurs possibles\u00a0: {expected}",
    "greater_than_equal": "au moins {ge}",
    "greater_than": "plus de {gt}",
    "less_than_equal": "au plus {le}",
    "less_than": "moins de {lt}",
}


def describe_invalid(exc: ValidationError) -> str:
    """One line per refused setting, each naming its variable: what start-up prints instead of
    a traceback."""
    lines = []
    for error in exc.errors(include_url=False):
        message = error["msg"].removeprefix("Value error, ")
        template = _ERRORS.get(error["type"])
        if template is not None:
            message = template.format(**(error.get("ctx") or {}))
        if error["loc"]:
            name = str(error["loc"][0])
            setting = "DATABASE_URL" if name == "database_url" else f"DEMINEURS_{name.upper()}"
            lines.append(f"Réglage invalide\u00a0: {setting}\u00a0: {message}.")
        else:  # a rule across settings: its message names them
            lines.append(f"Réglage invalide\u00a0: {message}")
    return "\n".join(lines)


@lru_cache
def get_settings() -> Settings:
    return Settings()
