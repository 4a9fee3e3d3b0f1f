"""What the legal pages, the footer and the well-known files say: the deploying administration's
settings, and, for each one still empty, what is left to fill."""

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib.metadata import version

from app import addresses, formatting
from app.accessibility import KNOWN_NONCONFORMITIES
from app.config import Settings

log = logging.getLogger("demineurs")

# This version's release: its automated accessibility checks (the browser suite) last ran that
# day. publiccode.yml's releaseDate says the same (tests/test_publiccode.py holds them equal).
RELEASE_DATE = date(2026, 12, 2)
LICENCE = "EUPL-1.2"
LICENCE_URL = "https://interoperable-europe.ec.europa.eu/collection/eupl/eupl-text-eupl-12"
# The address and rel that ProConnect's button documentation gives its « Qu’est-ce que » link.
PROCONNECT_URL = "https://proconnect.gouv.fr/"
# The axe-core the browser suite runs (tests/browser/vendor/axe-core-<version>/).
AXE_VERSION = "4.14.1"
# security.txt: valid for this long after it is served (RFC 9116 asks for less than a year).
SECURITY_TXT_DAYS = 90


@dataclass(frozen=True)
class Filled:
    """A setting's value, or, when it is empty, the words that say what to fill."""

    text: str
    missing: bool
    setting: str = ""

    def __str__(self) -> str:
        return self.text

    @property
    def as_contact(self) -> "Contact":
        """This setting read as a contact (`read_contact`); still empty, its words to fill."""
        found = None if self.missing else read_contact(self.text)
        return found or Contact(self.text, None)


def filled(value: str, what: str, setting: str) -> Filled:
    """`value`, or « [what à compléter : DEMINEURS_SETTING] »."""
    value = value.strip()
    if value:
        return Filled(value, False)
    name = f"DEMINEURS_{setting.upper()}"
    return Filled(f"[{what} à compléter\u00a0: {name}]", True, name)


def web_address(contact: str) -> str | None:
    """The web address a contact setting names (a form, a page), or None."""
    contact = contact.strip()
    return contact if addresses.is_web(contact) else None


def email_address(contact: str) -> str | None:
    """The e-mail address a contact setting names (`x@y.fr`, `mailto:x@y.fr`), or None when it
    is a web address (a form, a page), free text (« Service informatique ») or empty: only an
    address can take a reply. One rule with the accounts' (`addresses.parse_email`)."""
    return addresses.contact_address(contact)


@dataclass(frozen=True)
class Contact:
    """A contact as a reader meets it: the words shown, and the link they carry (None for free
    text such as « Service informatique, bureau 12 », which is shown as it is)."""

    text: str
    href: str | None

    @property
    def is_email(self) -> bool:
        return bool(self.href and self.href.startswith("mailto:"))

    @property
    def is_web(self) -> bool:
        return self.href is not None and not self.is_email


def read_contact(value: str) -> Contact | None:
    """A contact setting as the pages and e-mails show it: an e-mail address (with or without
    mailto:) links to it and reads as the bare address; a web address links to itself and reads
    as its host and path; anything else is free text, shown as text; empty, None."""
    value = value.strip()
    if not value:
        return None
    page = web_address(value)
    if page:
        shown = page.split("://", 1)[1].removesuffix("/")
        return Contact(shown, page)
    address = email_address(value)
    if address:
        return Contact(address, addresses.mailto(address))
    return Contact(value, None)


def contact_link(value: str) -> str | None:
    """The link a contact setting gives: its web address, a mailto: to its e-mail address, or
    None when it is free text, which the pages then show as text."""
    found = read_contact(value)
    return found.href if found else None


@dataclass(frozen=True)
class Subprocessor:
    name: str
    role: str


# The settings (Site's Filled fields) each legal page shows, by the page's template name; the
# security contact (notice) and the accessibility plan (accessibility) are counted apart.
PAGE_SETTINGS = {
    "notice": (
        "publisher",
        "publisher_address",
        "publisher_phone",
        "director",
        "host",
        "host_address",
        "host_phone",
        "contact",
    ),
    "terms": ("publisher", "contact"),
    # The record names the controller, the DPO and the subprocessors (the host, the mail relay).
    "privacy": ("publisher", "dpo", "host", "mail_relay"),
    "accessibility": ("publisher", "accessibility_contact"),
}


@dataclass(frozen=True)
class Site:
    """The deployment's identity, as every page's footer and the legal pages give it."""

    publisher: Filled
    publisher_address: Filled
    publisher_phone: Filled
    director: Filled
    host: Filled
    host_address: Filled
    host_phone: Filled
    dpo: Filled
    contact: Filled
    # The footer's feedback link: a form, or an address; None when neither is set (the footer
    # then leads to the legal notice, which says what to fill).
    feedback: "Contact | None"
    mail_relay: Filled
    subprocessors: tuple[Subprocessor, ...]
    open_data_licence: str
    accessibility_status: str
    accessibility_audit: str
    accessibility_declared_on: date
    checks_ran_on: date
    accessibility_plan_url: str
    accessibility_contact: Filled
    # Who receives a report of a security flaw, as the legal notice names them (free text
    # included); security.txt needs a URI (RFC 9116), `security_txt_contact`.
    security_contact: Filled
    security_txt_contact: str | None
    proconnect: bool
    base_url: str
    software_version: str
    licence: str = LICENCE
    licence_url: str = LICENCE_URL
    proconnect_url: str = PROCONNECT_URL
    axe_version: str = AXE_VERSION
    known_nonconformities: tuple[str, ...] = KNOWN_NONCONFORMITIES

    @property
    def declared_on_text(self) -> str:
        return formatting.date(self.accessibility_declared_on)

    @property
    def checks_ran_on_text(self) -> str:
        return formatting.date(self.checks_ran_on)

    def missing_on(self, page: str) -> list[str]:
        """The settings still to fill that this legal page shows, each once: its banner counts
        and names only those."""
        shown = (getattr(self, name) for name in PAGE_SETTINGS[page])
        missing = {f.setting for f in shown if f.missing}
        if page == "notice" and self.security_contact.missing:
            missing.add("DEMINEURS_SECURITY_CONTACT")
        if page == "accessibility" and not self.accessibility_plan_url:
            missing.add("DEMINEURS_ACCESSIBILITY_PLAN_URL")
        return sorted(missing)

    @property
    def missing_settings(self) -> list[str]:
        """The settings still to fill on any legal page, each once."""
        return sorted({name for page in PAGE_SETTINGS for name in self.missing_on(page)})

    @property
    def feedback_href(self) -> str | None:
        return self.feedback.href if self.feedback else None

    @property
    def contact_takes_replies(self) -> bool:
        """Whether a reply to the app's e-mails reaches the contact (an address, their
        Reply-To) or the e-mails only give a form's link (`mail.where_to_write`)."""
        return not self.contact.missing and email_address(self.contact.text) is not None

    @property
    def contact_page(self) -> bool:
        """Whether the contact is a web address (a form), which the e-mails give as a link."""
        return self.contact.as_contact.is_web


@cache
def software_version() -> str:
    return version("demineurs")


def _subprocessors(settings: Settings) -> tuple[Subprocessor, ...]:
    """The host, the e-mail relay, then the further ones the settings list (« Name: role »)."""
    found = [
        Subprocessor(str(filled(settings.host_name, "Hébergeur", "host_name")), "hébergement"),
        Subprocessor(
            str(filled(settings.mail_relay, "Service d’envoi des e-mails", "mail_relay")),
            "envoi des e-mails",
        ),
    ]
    for entry in settings.subprocessors.split(";"):
        name, _, role = entry.partition(":")
        if name.strip():
            found.append(Subprocessor(name.strip(), role.strip() or "sous-traitance"))
    return tuple(found)


def site(settings: Settings) -> Site:
    """The deployment's legal identity from its settings."""
    contact = filled(settings.contact_email, "Adresse de contact", "contact_email")
    # A form's URL, or an address to write to; else the contact's (free text links nowhere).
    feedback = next(
        (
            found
            for found in map(read_contact, (settings.feedback_url, settings.contact_email))
            if found and found.href
        ),
        None,
    )
    security = settings.security_contact.strip() or settings.contact_email.strip()
    # security.txt's Contact is a URI (RFC 9116): a free-text security contact cannot be one, so
    # the file names the first of the contact and the feedback address that is a link, and
    # answers 404 when none is (docs/decisions.md).
    security_uri = next(
        (
            link
            for link in map(contact_link, (security, settings.contact_email, settings.feedback_url))
            if link
        ),
        None,
    )
    return Site(
        publisher=filled(settings.publisher_name, "Nom de l’administration", "publisher_name"),
        publisher_address=filled(
            settings.publisher_address, "Adresse de l’administration", "publisher_address"
        ),
        publisher_phone=filled(
            settings.publisher_phone, "Téléphone de l’administration", "publisher_phone"
        ),
        director=filled(
            settings.publication_director,
            "Nom et fonction du directeur de la publication",
            "publication_director",
        ),
        host=filled(settings.host_name, "Nom de l’hébergeur", "host_name"),
        host_address=filled(settings.host_address, "Adresse de l’hébergeur", "host_address"),
        host_phone=filled(settings.host_phone, "Téléphone de l’hébergeur", "host_phone"),
        dpo=filled(
            settings.dpo_contact, "Contact du délégué à la protection des données", "dpo_contact"
        ),
        contact=contact,
        feedback=feedback,
        mail_relay=filled(settings.mail_relay, "Service d’envoi des e-mails", "mail_relay"),
        subprocessors=_subprocessors(settings),
        open_data_licence=settings.open_data_licence.strip(),
        accessibility_status=settings.accessibility_status,
        accessibility_audit=settings.accessibility_audit.strip(),
        accessibility_declared_on=settings.accessibility_declared_on or RELEASE_DATE,
        checks_ran_on=RELEASE_DATE,
        accessibility_plan_url=settings.accessibility_plan_url.strip(),
        accessibility_contact=filled(
            settings.accessibility_contact or settings.contact_email,
            "Adresse de contact",
            "contact_email",
        ),
        security_contact=filled(security, "Contact de sécurité", "security_contact"),
        security_txt_contact=security_uri,
        proconnect=settings.proconnect_enabled,
        base_url=settings.base_url.rstrip("/"),
        software_version=software_version(),
    )


def warn_if_incomplete(site: Site, env: str) -> None:
    """In production, one log line at start-up naming the legal settings still empty."""
    if env == "production" and site.missing_settings:
        log.warning(
            "legal pages incomplete: set %s (they read «\u00a0à compléter\u00a0» until then)",
            ", ".join(site.missing_settings),
        )
    if env == "production" and not site.security_contact.missing and not site.security_txt_contact:
        log.warning(
            "security.txt not published: no security contact, contact or feedback address is "
            "an e-mail or web address (set DEMINEURS_SECURITY_CONTACT to one)"
        )


def security_txt(site: Site, now: datetime) -> str | None:
    """/.well-known/security.txt (RFC 9116), valid for SECURITY_TXT_DAYS from today; None when
    nobody is named to receive a report."""
    if site.security_txt_contact is None:
        return None
    day = now.date() + timedelta(days=SECURITY_TXT_DAYS)
    expires = datetime(day.year, day.month, day.day, tzinfo=UTC)
    who = site.base_url if site.publisher.missing else site.publisher.text
    return (
        f"# Les démineurs — {who}\n"
        f"Contact: {site.security_txt_contact}\n"
        f"Expires: {expires:%Y-%m-%dT%H:%M:%SZ}\n"
        "Preferred-Languages: fr, en\n"
        f"Canonical: {site.base_url}/.well-known/security.txt\n"
        f"Policy: {site.base_url}/mentions-legales#securite\n"
    )


# Pages that show ideas or what agents wrote (most need a sign-in; the open data does not).
_IDEA_PATHS = (
    "/ideas",
    "/calls",
    "/open-data/",
    "/board",
    "/search",
    "/mines/",
    "/users/",
    "/demineurs",
)


def robots_txt(settings: Settings) -> str:
    """robots.txt: ideas stay out of search engines unless the administration lets them in."""
    lines = ["User-agent: *"]
    if not settings.robots_index_ideas:
        lines = [
            "# Les idées, leurs mines et leurs déminages ne sont pas indexés",
            "# (DEMINEURS_ROBOTS_INDEX_IDEAS=true les ouvre aux moteurs de recherche).",
            *lines,
            *(f"Disallow: {path}" for path in _IDEA_PATHS),
        ]
    lines += ["Disallow: /api/", "Disallow: /admin/", "Disallow: /profile", "Allow: /"]
    return "\n".join(lines) + "\n"
