"""The readiness score (maturité): pure, plain data in, a frozen explanation out.

No database and no clock here: the caller passes the idea's facts, the scoring
parameters and `now`. See docs/scoring.md for the model and its rounding.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from statistics import median
from zoneinfo import ZoneInfo

from app import formatting

SUBSTANCE_CHARS = 80
PARIS = ZoneInfo("Europe/Paris")

CLARITY_FIELDS = (
    ("problem", "le problème"),
    ("solution", "la solution"),
    ("broken_rule", "la règle brisée"),
    ("first_ground", "le premier terrain"),
)
SEVERITY_NOUNS = {"minor": "le pétard", "major": "la mine", "blocking": "la bombe"}
SEVERITY_ORDER = ("minor", "major", "blocking")
FIRST_GROUND = "first_ground"


def median_severity(estimates: Sequence[str]) -> str:
    """The severity a mine's signers give it: the median of their estimates (pétard < mine <
    bombe); when it falls between two severities (an even number of signers), the lesser. So
    a mine weighs a bombe only while more than half of its signers say bombe."""
    ranks = sorted(SEVERITY_ORDER.index(e) for e in estimates)
    return SEVERITY_ORDER[int(median(ranks))] if ranks else SEVERITY_ORDER[0]


def split_opinions(estimates: Sequence[str]) -> bool:
    """« Avis partagés »: some signers say pétard, others bombe."""
    return "minor" in estimates and "blocking" in estimates


@dataclass(frozen=True)
class ScoringParams:
    """Thresholds and weights; defaults from PRODUCT.md, an admin may change them."""

    ripe_threshold: int = 70
    min_reviewers: int = 3
    quiet_period_hours: int = 72
    weight_minor: int = 1
    weight_major: int = 3
    weight_blocking: int = 9
    # Which saved version these are (a RescoreJob's id; 0 before any change in the app): each
    # idea's stored score names the version it was computed with. Not a parameter: two
    # versions with the same values compute the same scores.
    version: int = field(default=0, compare=False)

    def weight(self, severity: str) -> int:
        return {
            "minor": self.weight_minor,
            "major": self.weight_major,
            "blocking": self.weight_blocking,
        }[severity]


@dataclass(frozen=True)
class MineFacts:
    title: str
    author_id: int
    author_unit_id: int | None
    severity: str  # minor | major | blocking
    status: str  # open | defused | accepted_risk | withdrawn
    armed_at: datetime
    scope: str = FIRST_GROUND  # first_ground | generalisation
    # The other signers (co-signers), with their units: they looked, they count as reviewers.
    cosigners: Sequence["Contributor"] = ()
    category: str = ""  # a MineCategory: not in the score; the board's filter reads it


@dataclass(frozen=True)
class Contributor:
    """Someone who brought a déminage, with their unit."""

    user_id: int
    unit_id: int | None


@dataclass(frozen=True)
class IdeaFacts:
    author_id: int
    problem: str = ""
    solution: str = ""
    broken_rule: str = ""
    first_ground: str = ""
    theme_count: int = 0
    mines: Sequence[MineFacts] = ()
    deminage_authors: Sequence[Contributor] = ()
    # The co-porteurs who accepted: they carry the idea with its author, so neither is a reviewer.
    co_carrier_ids: frozenset[int] = frozenset()

    @property
    def carrier_ids(self) -> frozenset[int]:
        return self.co_carrier_ids | {self.author_id}


@dataclass(frozen=True)
class Gate:
    name: str
    label: str
    ok: bool


@dataclass(frozen=True)
class MissingAction:
    action: str
    points: float
    required: bool = False

    @property
    def label(self) -> str:
        if self.required:
            return f"{self.action}\u00a0: requis"
        return f"{self.action}\u00a0: +{formatting.points(self.points)}"


@dataclass(frozen=True)
class Parts:
    clarity: float
    crossed_views: float
    defusal: float


@dataclass(frozen=True)
class Progress:
    """The generalisation mines' own progress: how many, how many open, and the
    severity-weighted share cleared (as the déminage part counts it), 0–100."""

    mines: int = 0
    open: int = 0
    percent: float = 0.0


@dataclass(frozen=True)
class Readiness:
    score: int
    ripe: bool
    parts: Parts
    gates: tuple[Gate, ...]
    missing: tuple[MissingAction, ...]
    reviewers: int
    reviewer_units: int
    # From when the idea is ripe if nothing changes; None while a timeless gate fails.
    ripe_from: datetime | None
    exact_parts: tuple[Fraction, Fraction, Fraction] = field(repr=False, compare=False)
    generalisation: Progress = Progress()

    @property
    def unmet_gates(self) -> tuple[Gate, ...]:
        return tuple(g for g in self.gates if not g.ok)


def round_half_up(value: Fraction, places: int = 0) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def one_decimal(value: Fraction) -> float:
    return float(round_half_up(value, 1))


def _has_substance(text: str) -> bool:
    return len(text.strip()) >= SUBSTANCE_CHARS


def compute(facts: IdeaFacts, params: ScoringParams, now: datetime) -> Readiness:
    """Score an idea from its facts: parts, gates, and what would raise it."""
    missing: list[MissingAction] = []

    # Clarity: 5 per substantial field, 5 for at least one theme.
    clarity = Fraction(0)
    for attr, noun in CLARITY_FIELDS:
        text = getattr(facts, attr)
        if _has_substance(text):
            clarity += 5
        elif text.strip():
            missing.append(
                MissingAction(f"Étoffer {noun} ({SUBSTANCE_CHARS} caractères au moins)", 5)
            )
        else:
            missing.append(MissingAction(f"Décrire {noun}", 5))
    if facts.theme_count > 0:
        clarity += 5
    else:
        missing.append(MissingAction("Ajouter au moins un thème", 5))

    # Crossed views: distinct reviewers other than those who carry the idea, and their units.
    # Every mine that is not withdrawn shows a look, whatever it threatens; its co-signers too.
    live_mines = [m for m in facts.mines if m.status != "withdrawn"]
    carriers = facts.carrier_ids
    reviewer_units: dict[int, int | None] = {}
    for m in live_mines:
        if m.author_id not in carriers:
            reviewer_units.setdefault(m.author_id, m.author_unit_id)
        for c in m.cosigners:
            if c.user_id not in carriers:
                reviewer_units.setdefault(c.user_id, c.unit_id)
    for c in facts.deminage_authors:
        if c.user_id not in carriers:
            reviewer_units.setdefault(c.user_id, c.unit_id)
    reviewers = len(reviewer_units)
    units = len({u for u in reviewer_units.values() if u is not None})
    crossed = Fraction(15 * min(reviewers, 5), 5) + Fraction(10 * min(units, 3), 3)
    if reviewers < 5:
        gain = Fraction(15 * (5 - reviewers), 5)
        # « d’un collègue », never « de 1 collègue »; « de 2 collègues » from two on.
        more = (
            "d’un collègue"
            if reviewers == 4
            else "de " + formatting.plural(5 - reviewers, "collègue", "collègues")
        )
        missing.append(
            MissingAction(
                f"Recueillir le regard {more} de plus",
                one_decimal(gain),
            )
        )
    if units < 3:
        gain = Fraction(10 * (3 - units), 3)
        other = (
            "d’un autre service"
            if units == 2
            else "de " + formatting.plural(3 - units, "autre service", "autres services")
        )
        missing.append(
            MissingAction(
                f"Recueillir des regards {other}",
                one_decimal(gain),
            )
        )

    # Ripeness is about the first ground: its mines alone count in the déminage part and gate
    # it; the generalisation mines have their own progress.
    ground = [m for m in live_mines if m.scope == FIRST_GROUND]
    later = [m for m in live_mines if m.scope != FIRST_GROUND]

    # Defusal: severity-weighted share of the live first-ground mines that were cleared.
    total_weight = sum(params.weight(m.severity) for m in ground)
    defusal = Fraction(0)
    if total_weight:
        defusal = 50 * _cleared(ground, params) / total_weight
        for m in ground:
            noun = SEVERITY_NOUNS[m.severity]
            w = params.weight(m.severity)
            if m.status == "open":
                gain = Fraction(50 * w, total_weight)
                missing.append(
                    MissingAction(
                        f"Désamorcer {noun} «\u00a0{m.title}\u00a0»",
                        one_decimal(gain),
                        required=m.severity == "blocking",
                    )
                )
            elif m.status == "accepted_risk":
                gain = Fraction(25 * w, total_weight)
                missing.append(
                    MissingAction(
                        f"Désamorcer {noun} «\u00a0{m.title}\u00a0» (risque assumé)",
                        one_decimal(gain),
                    )
                )

    exact_total = clarity + crossed + defusal
    score = int(round_half_up(exact_total))

    open_bombs = [m for m in ground if m.status == "open" and m.severity == "blocking"]
    gates = [
        Gate(
            "score", f"Maturité d’au moins {params.ripe_threshold}", score >= params.ripe_threshold
        ),
        Gate("no_open_bomb", "Aucune bombe active", not open_bombs),
        Gate(
            "reviewers",
            "Au moins "
            + formatting.plural(params.min_reviewers, "regard croisé", "regards croisés"),
            reviewers >= params.min_reviewers,
        ),
        Gate("challenged", "Au moins une mine posée", bool(ground)),
    ]
    # Withdrawn mines are out of the game; any other first-ground one laid or reopened lately
    # restarts it.
    last_armed = max((m.armed_at for m in ground), default=None)
    timeless_ok = all(g.ok for g in gates)
    ripe_from = None
    if timeless_ok and last_armed is not None:
        ripe_from = last_armed + timedelta(hours=max(params.quiet_period_hours, 0))
    if params.quiet_period_hours > 0:
        quiet = timedelta(hours=params.quiet_period_hours)
        calm = last_armed is None or now - last_armed >= quiet
        gates.append(
            Gate(
                "quiet_period",
                f"Aucune mine posée ou rouverte depuis {params.quiet_period_hours}\u00a0h",
                calm,
            )
        )
        if not calm and last_armed is not None:
            until = (last_armed + quiet).astimezone(PARIS)
            missing.append(
                MissingAction(
                    f"Laisser passer la période calme, jusqu’au {formatting.datetime(until)}",
                    0,
                    required=True,
                )
            )

    if score < params.ripe_threshold:
        missing.append(
            MissingAction(
                f"Atteindre une maturité de {params.ripe_threshold} (il manque "
                f"{formatting.plural(params.ripe_threshold - score, 'point', 'points')})",
                0,
                required=True,
            )
        )
    if reviewers < params.min_reviewers:
        missing.append(
            MissingAction(
                "Obtenir au moins "
                + formatting.plural(params.min_reviewers, "regard croisé", "regards croisés")
                + f" ({params.min_reviewers - reviewers} de plus)",
                0,
                required=True,
            )
        )
    if not ground and later:
        missing.append(
            MissingAction(
                "Faire poser au moins une mine dès le premier terrain (celles de la "
                "généralisation ne disent pas s’il est prêt)",
                0,
                required=True,
            )
        )
    elif not ground:
        missing.append(
            MissingAction(
                "Faire poser au moins une mine (tant que personne ne l’a mise à l’épreuve, "
                "l’idée n’est pas prête)",
                0,
                required=True,
            )
        )

    missing.sort(key=lambda a: (not a.required, -a.points))
    return Readiness(
        score=score,
        ripe=all(g.ok for g in gates),
        parts=Parts(one_decimal(clarity), one_decimal(crossed), one_decimal(defusal)),
        gates=tuple(gates),
        missing=tuple(missing),
        reviewers=reviewers,
        reviewer_units=units,
        ripe_from=ripe_from,
        exact_parts=(clarity, crossed, defusal),
        generalisation=_progress(later, params),
    )


def _cleared(mines: Sequence[MineFacts], params: ScoringParams) -> Fraction:
    """The weight cleared: a defused mine whole, an assumed risk by half."""
    cleared = Fraction(0)
    for m in mines:
        w = params.weight(m.severity)
        if m.status == "defused":
            cleared += w
        elif m.status == "accepted_risk":
            cleared += Fraction(w, 2)
    return cleared


def _progress(mines: Sequence[MineFacts], params: ScoringParams) -> Progress:
    total = sum(params.weight(m.severity) for m in mines)
    if not total:
        return Progress()
    share = 100 * _cleared(mines, params) / total
    return Progress(len(mines), sum(m.status == "open" for m in mines), one_decimal(share))
