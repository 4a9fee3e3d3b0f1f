"""Input and output shapes shared by the JSON API and the HTML forms."""

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from app import addresses, formatting
from app.models.idea import RULE_REFERENCE_MAX, RuleKind
from app.models.mine import (
    BASIS_REFERENCE_MAX,
    DeminageKind,
    MineBasis,
    MineCategory,
    MineScope,
    Severity,
)
from app.models.outcome import MilestoneKind

TITLE_MAX = 200
TEXT_MAX = 10_000
THEMES_MAX = 6
THEME_MAX = 40

# Control characters, and the bidirectional embeddings, overrides and isolates (U+202A–U+202E,
# U+2066–U+2069): stored, one reverses the text shown after it (« Trojan source »).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Characters that show nothing on their own: soft hyphen, zero-width spaces and joiners, word
# joiner and invisible operators, variation selectors, byte-order mark, the Braille blank and the
# Hangul fillers. Kept inside a text (a joiner builds an emoji), but a text made of them alone
# and of spaces is empty. One set, read by `clean_text` and by the documented `VISIBLE` pattern.
BLANKS = (
    "\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u2060\u2061\u2062"
    "\u2063\u2064\u2800\u3164\ufe00\ufe01\ufe02\ufe03\ufe04\ufe05\ufe06\ufe07\ufe08"
    "\ufe09\ufe0a\ufe0b\ufe0c\ufe0d\ufe0e\ufe0f\ufeff\uffa0"
)
_NOTHING_SHOWN = set(BLANKS)


def clean_text(value: str) -> str:
    """Normalise line ends and Unicode, drop control and bidi-override characters, refuse
    broken encodings; a text that shows nothing (spaces and blanks only) becomes empty."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("Ce texte contient des caractères invalides.") from exc
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = unicodedata.normalize("NFC", _CONTROL.sub("", value)).strip()
    if all(c.isspace() or c in _NOTHING_SHOWN for c in value):
        return ""
    return value


def split_themes(value: Any) -> Any:
    """Themes come as a list (API) or as one comma-separated string (form)."""
    if isinstance(value, str):
        value = value.split(",")
    return value


def normalise_themes(themes: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for theme in themes:
        cleaned = " ".join(clean_text(theme).lower().split())
        if len(cleaned) > THEME_MAX:
            if len(theme) > THEME_MAX:
                raise ValueError(f"Un thème fait {THEME_MAX} caractères au plus.")
            # Within the documented 40 as sent, longer only once lowercased (« İ » gives two
            # characters): accepted, as the document promises.
            cleaned = cleaned[:THEME_MAX].strip()
        if cleaned:
            seen.setdefault(cleaned, None)
    if len(seen) > THEMES_MAX:
        raise ValueError(f"{THEMES_MAX} thèmes au plus.")
    return list(seen)


# A day typed in a form: « 20/12/2026 » as an agent writes it (or « 2/1/2027 »), or
# « 2026-12-20 » as a browser's date picker and the API send it; nothing else (no time).
_FRENCH_DAY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
DAY_EXPECTED = "Date attendue au format JJ/MM/AAAA."


def parse_day(value: str) -> date:
    """A typed day, French or ISO; ValueError (in French) for anything else."""
    text = value.strip()
    if found := _FRENCH_DAY.fullmatch(text):
        day, month, year = map(int, found.groups())
    elif found := _ISO_DAY.fullmatch(text):
        year, month, day = map(int, found.groups())
    else:
        raise ValueError(DAY_EXPECTED)
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"Cette date n’existe pas\u00a0: {text}.") from None


def _typed_day(value: Any) -> Any:
    if isinstance(value, str) and value.strip():
        return parse_day(value)
    return value  # empty: « obligatoire » where required; a date object as it is


Day = Annotated[date, BeforeValidator(_typed_day)]


class Documented:
    """Says in the OpenAPI document what the validators do beyond the types' own constraints
    (the document must never call valid what the server refuses)."""

    def __init__(self, **schema: Any) -> None:
        self.schema = schema

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> Any:
        json_schema = handler(core_schema)
        json_schema.update(self.schema)
        return json_schema


# A required text must keep one character once cleaned: not only spaces, control, bidi or blank
# characters (ECMA-262, as JSON Schema's `pattern`; \x85 is a space to Python, not to \s).
VISIBLE = (
    r"[^\s\x00-\x1f\x7f\x85\u202a-\u202e\u2066-\u2069"
    + "".join(f"\\u{ord(c):04x}" for c in BLANKS)
    + "]"
)

Text = Annotated[str, AfterValidator(clean_text), StringConstraints(max_length=TEXT_MAX)]
RequiredText = Annotated[
    str,
    AfterValidator(clean_text),
    StringConstraints(min_length=1, max_length=TEXT_MAX),
    Documented(pattern=VISIBLE),
]
Title = Annotated[
    str,
    AfterValidator(clean_text),
    StringConstraints(min_length=1, max_length=TITLE_MAX),
    Documented(pattern=VISIBLE),
]


def _empty_as_none(value: Any) -> Any:
    return None if value == "" else value


# An object's id (the database's positive 32-bit integers), or none: a form's empty choice.
OptionalId = Annotated[
    Annotated[int, Field(ge=1, le=2**31 - 1)] | None, BeforeValidator(_empty_as_none)
]
# What kind of rule the idea breaks; "" while its author has not said.
RuleKindValue = RuleKind | Literal[""]


def one_line(value: str) -> str:
    return " ".join(value.split())


def web_link(value: str) -> str:
    """A text written as a web address (the page links it) must be one: refused, not quietly
    mended, when it hides a bidi or invisible character or names an impossible port."""
    if addresses.is_web(value):
        problem = addresses.web_address_problem(value)
        if problem:
            raise ValueError(f"Cette adresse web n’est pas valable\u00a0: {problem}.")
    return value


RuleReference = Annotated[
    str,
    AfterValidator(web_link),
    AfterValidator(clean_text),
    AfterValidator(one_line),
    StringConstraints(max_length=RULE_REFERENCE_MAX),
]
# The raw list may be longer (duplicates and empty themes are dropped before counting), but
# what the document promises is what is always accepted: 6 themes of 40 characters.
Themes = Annotated[
    list[Annotated[str, StringConstraints(max_length=1000), Documented(maxLength=THEME_MAX)]],
    BeforeValidator(split_themes),
    AfterValidator(normalise_themes),
    Field(max_length=50),
    Documented(maxItems=THEMES_MAX),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=TEXT_MAX + 1000)


class IdeaCreate(Strict):
    """A draft: only the title and the problem are required."""

    title: Title
    problem: RequiredText
    solution: Text = ""
    broken_rule: Text = ""
    rule_kind: RuleKindValue = ""
    rule_reference: RuleReference = ""
    first_ground: Text = ""
    themes: Themes = []
    call_id: OptionalId = Field(None, description="The call for ideas it answers, if any.")


class IdeaUpdate(Strict):
    """A partial edit: only the fields sent change."""

    title: Title | None = None
    problem: RequiredText | None = None
    solution: Text | None = None
    broken_rule: Text | None = None
    rule_kind: RuleKindValue | None = None
    rule_reference: RuleReference | None = None
    first_ground: Text | None = None
    themes: Themes | None = None
    # Sent as null, the idea answers no call any more; not sent, it stays as it is.
    call_id: OptionalId = None


class AbandonInput(Strict):
    lesson: RequiredText


BasisReference = Annotated[
    str,
    AfterValidator(clean_text),
    AfterValidator(one_line),
    StringConstraints(max_length=BASIS_REFERENCE_MAX),
]


class MineCreate(Strict):
    category: MineCategory
    severity: Severity
    title: Annotated[str, AfterValidator(clean_text), StringConstraints(max_length=120)] = ""
    body: RequiredText
    # What it threatens: the first ground unless its author says the generalisation only.
    scope: MineScope = MineScope.first_ground
    # What it rests on; for a text, its reference (never required: the basis is shown).
    basis: MineBasis = MineBasis.intuition
    basis_reference: BasisReference = ""


class CosignInput(Strict):
    """A colleague co-signs a mine with their own estimate of its severity."""

    severity: Severity


class BasisInput(Strict):
    """The mine's author says what it rests on."""

    basis: MineBasis
    basis_reference: BasisReference = ""


class ScopeAnswerInput(Strict):
    """The mine's author agrees to move it to the generalisation, or not (with a reason)."""

    agree: bool
    reason: Text = ""


class ScopeDecisionInput(Strict):
    """A manager moves the mine to the generalisation, or keeps it, with a reason."""

    move: bool
    reason: RequiredText


class DeminageCreate(Strict):
    kind: DeminageKind
    body: RequiredText


class ReasonInput(Strict):
    reason: RequiredText


DISMISS_REASON_MAX = 500


class DismissInput(Strict):
    """Why a déminage does not answer its mine: a short reason, which its author reads."""

    reason: Annotated[
        str,
        AfterValidator(clean_text),
        StringConstraints(min_length=1, max_length=DISMISS_REASON_MAX),
        Documented(pattern=VISIBLE),
    ]


class PromoteInput(Strict):
    sponsor: Annotated[
        str,
        AfterValidator(clean_text),
        StringConstraints(min_length=1, max_length=200),
        Documented(pattern=VISIBLE),
    ]
    next_step: RequiredText
    target_date: Day
    reason: Text = ""
    # The written outcome, told to everyone who took part.
    outcome: RequiredText


class SendBackInput(Strict):
    # The written outcome of the send-back, told to everyone who took part.
    comment: RequiredText


class CallInput(Strict):
    """A call for ideas as a manager writes it; dates are days in Paris, each included. The
    rules between fields (the dates' order, the sponsor's account) are the service's."""

    question: Title
    context: RequiredText
    criteria: Text = ""
    sponsor_email: Annotated[
        str,
        AfterValidator(clean_text),
        StringConstraints(min_length=1, max_length=254),
        Documented(pattern=VISIBLE),
    ]
    audience: Literal["everyone", "units"] = "everyone"
    units: Annotated[list[Annotated[int, Field(ge=1, le=2**31 - 1)]], Field(max_length=500)] = []
    ideas_until: Day
    deminage_until: Day
    decision_by: Day


class CallUpdate(Strict):
    """The API's partial edit of a call: only the fields sent change (`audience` "everyone"
    forgets its units)."""

    question: Title | None = None
    context: RequiredText | None = None
    criteria: Text | None = None
    sponsor_email: (
        Annotated[
            str,
            AfterValidator(clean_text),
            StringConstraints(min_length=1, max_length=254),
            Documented(pattern=VISIBLE),
        ]
        | None
    ) = None
    audience: Literal["everyone", "units"] | None = None
    units: (
        Annotated[list[Annotated[int, Field(ge=1, le=2**31 - 1)]], Field(max_length=500)] | None
    ) = None
    ideas_until: Day | None = None
    deminage_until: Day | None = None
    decision_by: Day | None = None


class CallDecisionItem(Strict):
    """The sponsor's outcome for one idea of the call."""

    idea_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    decision: Literal["promoted", "sent_back", "closed"]
    text: RequiredText


class CallDecisionInput(Strict):
    """The outcomes the sponsor writes at once; the ideas left out wait."""

    outcomes: Annotated[list[CallDecisionItem], Field(max_length=200)]


class MilestoneInput(Strict):
    """A step of a project's follow-up; « arrêté » (stopped) needs its lesson."""

    kind: MilestoneKind
    text: RequiredText
    lesson: Text = ""


class SponsorInput(Strict):
    sponsor_email: Annotated[
        str,
        AfterValidator(clean_text),
        StringConstraints(min_length=1, max_length=254),
        Documented(pattern=VISIBLE),
    ]


class OutcomeInput(Strict):
    """The written outcome of a decision that has no other text (a merge)."""

    outcome: RequiredText


def _json_number(value: object) -> object:
    """A number as JSON writes one (« 12 », « 12.0 »), not a text or a boolean that Python would
    read as one: what a destructive act is told to act on."""
    if isinstance(value, bool | str):
        raise ValueError("nombre attendu")
    return value


class MergeInput(OutcomeInput):
    """The API's merge of a duplicate: the number of the idea kept, and the written outcome."""

    keep: Annotated[int, BeforeValidator(_json_number)] = Field(
        ge=1, le=2**31 - 1, description="Numéro de l’idée conservée."
    )


CarrierMessage = Annotated[str, AfterValidator(clean_text), StringConstraints(max_length=2000)]


class CoCarrierInvite(Strict):
    """The idea page's form: a colleague by e-mail or by full name, and a word for them."""

    invitee: Annotated[
        str,
        AfterValidator(clean_text),
        StringConstraints(min_length=1, max_length=254),
        Documented(pattern=VISIBLE),
    ]
    message: CarrierMessage = ""


class CoCarrierInviteIn(Strict):
    """The API's invitation to co-carry an idea: the colleague's account, and a word for them."""

    invitee_id: int = Field(ge=1, le=2**31 - 1)
    message: CarrierMessage = ""


# --- French messages for form errors -------------------------------------------------


def _number(value: Any) -> str:
    """A bound as French writes it (« 2 147 483 647 »); anything else as it is."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return formatting.number(value)
    return str(value)


def _count(value: Any, singular: str, plural: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return formatting.plural(value, singular, plural)
    return f"{value} {plural}"


def french_message(err: Mapping[str, Any]) -> str:
    """pydantic's error, said in French: the one wording of forms and of the API."""
    ctx = err.get("ctx") or {}
    kind = err["type"]
    given = err.get("input")
    if (
        kind in ("missing", "string_too_short")
        or (kind == "too_short" and ctx.get("min_length") == 1)
        or (given in ("", None) and kind.startswith(("date", "int", "float", "decimal")))
    ):
        return "Ce champ est obligatoire."
    if kind == "string_too_long" or (kind == "too_long" and isinstance(given, str)):
        return f"{_count(ctx.get('max_length'), 'caractère', 'caractères')} au plus."
    if kind == "too_long":
        return f"{_count(ctx.get('max_length'), 'élément', 'éléments')} au plus."
    if kind == "too_short":
        return f"{_count(ctx.get('min_length'), 'élément', 'éléments')} au moins."
    if kind in ("enum", "literal_error"):
        return "Choisissez une valeur de la liste."
    if kind.startswith("date"):
        return DAY_EXPECTED
    if kind.startswith("int"):
        return "Nombre entier attendu."
    if kind in ("greater_than_equal", "greater_than"):
        return f"Au moins {_number(ctx.get('ge', ctx.get('gt')))}."
    if kind in ("less_than_equal", "less_than"):
        return f"Au plus {_number(ctx.get('le', ctx.get('lt')))}."
    if kind.startswith("string") or kind == "str_type":
        return "Texte attendu."
    if kind.startswith("bool"):
        return "Vrai ou faux attendu."
    if kind in ("list_type", "tuple_type", "set_type"):
        return "Liste attendue."
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "Objet JSON attendu."
    if kind == "json_invalid":
        return "JSON invalide."
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind == "extra_forbidden":
        return "Champ inconnu."
    return "Valeur invalide."


def french_errors(exc: ValidationError) -> dict[str, str]:
    """One French message per field, from pydantic's error types."""
    errors: dict[str, str] = {}
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else "__all__"
        errors.setdefault(field, french_message(err))
    return errors


# --- JSON output ---------------------------------------------------------------------


class UserOut(BaseModel):
    id: int
    name: str
    unit: str | None


class DeminageOut(BaseModel):
    id: int
    kind: str
    body: str
    author: UserOut
    accepted: bool
    # « Ne répond pas »: set aside by the mine's or the idea's author, with their reason.
    dismissed: bool = False
    dismissed_reason: str = ""
    helpful_count: int
    created_at: datetime
    hidden: bool = False
    hidden_reason: str = ""


class SignatureOut(BaseModel):
    user: UserOut
    severity: str = Field(description="This signer's estimate: minor, major or blocking.")
    author: bool = Field(description="True for the mine's author, False for a co-signer.")
    created_at: datetime


class ScopeRequestOut(BaseModel):
    id: int
    requested_by: UserOut
    reason: str
    status: str = Field(description="pending | agreed | refused | moved | kept")
    created_at: datetime
    answer_reason: str
    decision_reason: str


class MineOut(BaseModel):
    id: int
    idea_id: int
    category: str
    severity: str = Field(description="The median of the signers' estimates (see signatures).")
    status: str
    title: str
    body: str
    author: UserOut
    created_at: datetime
    resolution_reason: str
    reopen_reason: str
    deminages: list[DeminageOut]
    hidden: bool = False
    hidden_reason: str = ""
    scope: str = Field("first_ground", description="first_ground | generalisation")
    basis: str = Field("intuition", description="lived | text | figures | intuition")
    basis_reference: str = ""
    basis_asked: bool = Field(
        False, description="The idea's author asked what it rests on, not answered yet."
    )
    signatures: list[SignatureOut] = Field(
        [], description="Its author's estimate, then each co-signer's."
    )
    split_opinions: bool = Field(
        False, description="« Avis partagés »: the estimates span from minor to blocking."
    )
    scope_request: ScopeRequestOut | None = Field(
        None, description="The latest request to move it to the generalisation, if any."
    )


class GateOut(BaseModel):
    name: str
    ok: bool
    label: str


class MissingOut(BaseModel):
    action: str
    points: float
    required: bool
    label: str


class PartsOut(BaseModel):
    clarity: float
    crossed_views: float
    defusal: float


class GeneralisationOut(BaseModel):
    """The generalisation mines, apart from ripeness: « À déminer avant de généraliser »."""

    mines: int
    open: int
    percent: float = Field(description="Severity-weighted share cleared, 0–100.")


class ReadinessOut(BaseModel):
    score: int
    ripe: bool
    parts: PartsOut
    gates: list[GateOut]
    missing: list[MissingOut]
    generalisation: GeneralisationOut | None = None


class IdeaSummaryOut(BaseModel):
    id: int
    title: str
    status: str
    ripe: bool
    score: int
    themes: list[str]
    author: UserOut
    published_at: datetime | None
    last_activity_at: datetime


class OutcomeOut(BaseModel):
    """The written outcome of a decision on the idea (a text quoting a hidden mine is masked)."""

    id: int
    decision: str = Field(description="promoted, sent_back, closed or merged")
    label: str
    text: str
    author: UserOut | None
    created_at: datetime


class MilestoneOut(BaseModel):
    """A step of a project's follow-up; `lesson` is set for « arrêté » (stopped)."""

    id: int
    kind: str = Field(description="first_ground, first_results, generalised or stopped")
    label: str
    text: str
    lesson: str
    author: UserOut | None
    created_at: datetime


class SleepingIdeaOut(IdeaSummaryOut):
    """A closed idea of « Idées en sommeil », with its lesson."""

    lesson: str
    closed_at: datetime | None


class SleepingPage(BaseModel):
    items: list[SleepingIdeaOut]
    page: int
    pages: int
    total: int = Field(description="Ideas matching, counted up to 1,000")
    total_exact: bool = Field(description="False when more ideas match than `total`")


class CoCarrierOut(BaseModel):
    """An invitation to co-carry an idea (`accepted_at` empty), or a co-porteur."""

    id: int
    idea_id: int
    user: UserOut
    invited_by_id: int
    created_at: datetime
    accepted_at: datetime | None


class IdeaOut(IdeaSummaryOut):
    problem: str
    solution: str
    broken_rule: str
    rule_kind: str = Field(description="One of RuleKind's values, or empty while unsaid.")
    rule_reference: str
    first_ground: str
    call_id: int | None = Field(None, description="The call for ideas it answers, if any.")
    created_at: datetime
    updated_at: datetime
    revision_count: int
    lesson: str
    sponsor: str
    next_step: str
    target_date: date | None
    readiness: ReadinessOut
    mines: list[MineOut]
    outcomes: list[OutcomeOut] = Field(description="Decisions' written outcomes, newest first")
    milestones: list[MilestoneOut] = Field(description="The project's steps, newest first")
    sponsor_account: UserOut | None = Field(
        description="Who posts the project's milestones with its author"
    )
    relaunched_from_id: int | None = Field(description="The closed idea this one relaunches")
    merged_into_id: int | None = Field(
        None,
        description=(
            "Merged by an admin: the idea it joined (its page redirects there); none when "
            "moderation hid that idea since and the viewer may not read it."
        ),
    )
    co_carriers: list[UserOut] = Field(
        default_factory=list,
        description="The co-porteurs who accepted to carry the idea with its author.",
    )
    carrier_invitations: list[CoCarrierOut] = Field(
        default_factory=list,
        description=(
            "Invitations to co-carry the idea not answered yet: all of them for its author, "
            "their own for an invitee (accept or decline it by its id), none for anyone else."
        ),
    )


class IdeaPage(BaseModel):
    items: list[IdeaSummaryOut]
    page: int
    pages: int
    total: int


class FieldErrorOut(BaseModel):
    field: str
    message: str


class ErrorOut(BaseModel):
    """Every API error: a French message, the field at fault when there is one."""

    detail: str
    field: str | None = None
    errors: list[FieldErrorOut] | None = None
