"""What leaves the tool: the fiche produit (Markdown, and HTML for the PDF) and the open data."""

import csv
import dataclasses
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, SQLModel, col, select

from app import formatting
from app.db import wide_select
from app.models import Idea, IdeaStatus, IdeaTheme, Milestone, Mine, Outcome, User
from app.models.base import pk
from app.models.idea import RULE_KIND_LABELS, STATUS_LABELS, RuleKind
from app.models.mine import (
    CATEGORY_LABELS,
    KIND_LABELS,
    SEVERITY_LABELS,
    MineBasis,
    MineCategory,
    MineScope,
    MineStatus,
)
from app.services import scoring, visibility
from app.services.idea_view import idea_view
from app.services.mines import basis_label
from app.services.outcomes import MilestoneLine, OutcomeLine
from app.services.readiness import Readiness, ScoringParams


@dataclass(frozen=True)
class Answer:
    """How a mine was answered, in words."""

    state: str
    text: str
    by: str


@dataclass(frozen=True)
class SheetMine:
    title: str
    category: str
    severity: str
    body: str
    author: str
    answer: Answer
    basis: str = ""  # « Texte (article L. 1) », « Intuition »…
    # Each signer's estimate, when it was co-signed (« Bombe — Agnès (Finances) »).
    estimates: tuple[str, ...] = ()
    split_opinions: bool = False


@dataclass(frozen=True)
class ProductSheet:
    idea: Idea
    author: str
    unit: str
    # The co-porteurs who carry the idea with its author: names and units.
    co_carriers: list[tuple[str, str]]
    themes: list[str]
    status: str
    readiness: Readiness
    mines: list[SheetMine]  # those that threaten the first ground
    reviewers: list[tuple[str, str]]
    score_history: list[tuple[datetime, int, str]]
    # « À déminer avant de généraliser »: the mines that threaten the generalisation only.
    generalisation: list[SheetMine] = field(default_factory=list)
    # The written outcomes of its decisions and its project's milestones, newest first.
    outcomes: tuple[OutcomeLine, ...] = ()
    milestones: tuple[MilestoneLine, ...] = ()
    call: str = ""  # the question of the call for ideas it answers, if any


def _person(user: Any, unit: Any) -> str:
    return f"{user.name} ({unit.name})" if unit else user.name


def product_sheet(
    session: Session, params: ScoringParams, idea: Idea, viewer: User, now: datetime
) -> ProductSheet:
    """Everything a sponsor asks for: the fiche, every mine and its answer, reviewers, score;
    hidden content as the viewer may see it (`visibility`)."""
    sheet = idea_view(session, params, idea, viewer, now, "sheet")
    sheet_mines: list[SheetMine] = []
    later: list[SheetMine] = []
    reviewers: dict[int, tuple[str, str]] = {}
    # No reviewers of their own idea: the carriers the score counts (frozen once closed).
    carriers = {idea.author_id, *scoring.carriers_counted(idea)}
    for view in sheet.mine_views:
        m = view.mine
        if m.author_id not in carriers and visibility.counted_status(m) != MineStatus.withdrawn:
            reviewers.setdefault(
                m.author_id, (view.author.name, view.unit.name if view.unit else "")
            )
            for sig in view.cosigners:  # a co-signer looked too (none under a masked mine)
                reviewers.setdefault(
                    sig.user_id, (sig.person.name, sig.unit.name if sig.unit else "")
                )
        for d in view.deminages:
            if d.author.id not in carriers and visibility.counts(d.deminage, m):
                reviewers.setdefault(pk(d.author), (d.author.name, d.unit.name if d.unit else ""))
        accepted = [d for d in view.deminages if d.deminage.accepted and not d.masked]
        if view.hidden:
            reason = f"\u00a0: {m.hidden_reason}" if m.hidden_reason else ""  # non-breaking space
            answer = Answer(f"Masquée par la modération{reason}", "", "")
        elif m.status == MineStatus.defused and accepted:
            d = accepted[-1]
            answer = Answer(
                "Désamorcée",
                f"{KIND_LABELS[d.deminage.kind]}\u00a0: {d.deminage.body}",
                _person(d.author, d.unit),
            )
        elif m.status == MineStatus.accepted_risk:
            answer = Answer("Risque assumé", m.resolution_reason, "")
        elif m.status == MineStatus.withdrawn:
            answer = Answer("Retirée par la personne qui l’avait posée", "", "")
        else:
            answer = Answer(
                "Encore active", f"Rouverte\u00a0: {m.reopen_reason}" if m.reopen_reason else "", ""
            )
        estimates = tuple(
            f"{SEVERITY_LABELS[sig.severity]} — {_person(sig.person, sig.unit)}"
            for sig in view.signatures
        )
        shown = SheetMine(
            m.title,
            CATEGORY_LABELS[m.category],
            SEVERITY_LABELS[m.severity],
            m.body,
            _person(view.author, view.unit),
            answer,
            "" if view.masked else basis_label(m.basis, m.basis_reference),
            estimates if view.cosigners else (),
            view.split_opinions,
        )
        (sheet_mines if m.scope == MineScope.first_ground else later).append(shown)
    history = [
        (event.created_at, event.score, event.message)
        for event, _ in reversed(sheet.events)
        if event.score is not None
    ]
    return ProductSheet(
        idea=idea,
        author=sheet.author.name,
        unit=sheet.author_unit.name if sheet.author_unit else "",
        co_carriers=[(c.person.name, c.unit.name if c.unit else "") for c in sheet.co_carriers],
        themes=list(sheet.themes),
        status="Mûre" if sheet.ripe else STATUS_LABELS[idea.status],
        readiness=sheet.readiness,
        mines=sheet_mines,
        reviewers=sorted(
            reviewers.values(),
            key=lambda r: (formatting.french_order(r[0]), formatting.french_order(r[1])),
        ),
        score_history=history,
        generalisation=later,
        outcomes=sheet.outcomes,
        milestones=sheet.milestones,
        call=sheet.call.question if sheet.call else "",
    )


def sheet_data(sheet: ProductSheet) -> bytes:
    """The fiche as plain data, in one canonical form: every value the sheet was built with (for
    this viewer, after `visibility`), so that two sheets with the same data render the same.
    Whole rows rather than the fields a template reads: a field a template comes to show can
    never be left out (more rows than shown only costs a PDF made again)."""
    text = json.dumps(sheet, default=_plain, ensure_ascii=False, separators=(",", ":"))
    return text.encode()


_FIELDS: dict[type, tuple[str, ...]] = {}


def _plain(value: Any) -> Any:
    """What JSON does not write itself (texts, numbers, lists, tuples and mappings it does)."""
    kind = type(value)
    if (names := _FIELDS.get(kind)) is None and dataclasses.is_dataclass(value):
        names = _FIELDS.setdefault(kind, tuple(f.name for f in dataclasses.fields(value)))
    if names is not None:
        return [kind.__name__, [getattr(value, name) for name in names]]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Fraction | Decimal):
        return str(value)
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, SQLModel):  # a whole row, relations aside
        return [kind.__name__, value.model_dump()]
    # Never a value left out of the key unseen: a new kind of value is added here first.
    raise TypeError(f"a product sheet holds a {kind.__name__}: add it to `exports._plain`")


def rule_kind_label(kind: str) -> str:
    """The kind of rule in words; the fiche, the open data and the map say it the same way."""
    return RULE_KIND_LABELS.get(RuleKind(kind), "") if kind else "non précisée"


def _named(name: str, unit: str) -> str:
    return f"{name} ({unit})" if unit else name


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines()) or ">"


def sheet_markdown(sheet: ProductSheet) -> str:
    """The fiche produit as Markdown: headings a script can parse back."""
    idea, r = sheet.idea, sheet.readiness
    format_date, parts = formatting.date, r.parts
    out = [
        f"# {idea.title}",
        "",
        f"- Statut\u00a0: {sheet.status}",
        f"- Proposée par {sheet.author}" + (f" ({sheet.unit})" if sheet.unit else ""),
        *(
            [f"- Co-portée par\u00a0: {', '.join(_named(n, u) for n, u in sheet.co_carriers)}"]
            if sheet.co_carriers
            else []
        ),
        f"- Publiée le\u00a0: {format_date(idea.published_at) or 'non publiée'}",
        f"- Thèmes\u00a0: {', '.join(sheet.themes) or 'aucun'}",
        *([f"- Appel à idées\u00a0: {sheet.call}"] if sheet.call else []),
        f"- Maturité\u00a0: {r.score}/100 (clarté {formatting.decimal(parts.clarity)}, regards "
        f"croisés {formatting.decimal(parts.crossed_views)}, "
        f"déminage {formatting.decimal(parts.defusal)})",
    ]
    if idea.status == IdeaStatus.project:
        out += [
            f"- Sponsor\u00a0: {idea.sponsor}",
            f"- Prochaine étape\u00a0: {idea.next_step}",
        ]
        if idea.target_date is not None:
            out.append(f"- Échéance\u00a0: {format_date(idea.target_date)}")
    if sheet.outcomes:
        out += ["", "## Issue", ""]
        for o in sheet.outcomes:
            by = f" — {o.author.name}" if o.author else ""
            out += [f"### {o.label} ({format_date(o.created_at)}{by})", "", o.text, ""]
        out.pop()
    if sheet.milestones:
        out += ["", "## Suivi du projet", ""]
        for step in sheet.milestones:
            out += [f"### {step.label} ({format_date(step.created_at)})", "", step.text, ""]
            if step.lesson:
                out += [f"Leçon\u00a0: {step.lesson}", ""]
        out.pop()
    for label, text in (
        ("Le problème", idea.problem),
        ("La solution", idea.solution),
        ("La règle brisée", idea.broken_rule),
        ("Premier terrain", idea.first_ground),
    ):
        out += ["", f"## {label}", "", text or "_Non renseigné._"]
        if label == "La règle brisée" and (idea.rule_kind or idea.rule_reference):
            out += ["", f"- Nature\u00a0: {rule_kind_label(idea.rule_kind)}"]
            if idea.rule_reference:
                out.append(f"- Référence\u00a0: {idea.rule_reference}")
    out += ["", f"## Mines ({len(sheet.mines)})"]
    out += _markdown_mines(sheet.mines)
    if sheet.generalisation:
        later = sheet.readiness.generalisation
        out += [
            "",
            f"## À déminer avant de généraliser ({len(sheet.generalisation)})",
            "",
            f"Hors maturité\u00a0: {formatting.percent(later.percent)} déminé.",
        ]
        out += _markdown_mines(sheet.generalisation)
    out += ["", f"## Regards croisés ({len(sheet.reviewers)})", ""]
    out += [f"- {name}" + (f" ({unit})" if unit else "") for name, unit in sheet.reviewers] or [
        "_Aucun._"
    ]
    out += ["", "## Conditions", ""]
    out += [f"- [{'x' if g.ok else ' '}] {g.label}" for g in r.gates]
    out += ["", "## Historique du score", "", "| date | score | événement |", "|---|---|---|"]
    for at, score, message in sheet.score_history:
        out.append(f"| {format_date(at)} | {score} | {message.replace('|', '/')} |")
    return "\n".join(out) + "\n"


def _markdown_mines(mines: list[SheetMine]) -> list[str]:
    out = []
    for m in mines:
        out += [
            "",
            f"### {m.severity} · {m.title}",
            "",
            f"- Catégorie\u00a0: {m.category}",
            f"- Posée par\u00a0: {m.author}",
            f"- État\u00a0: {m.answer.state}",
        ]
        if m.basis:
            out.append(f"- S’appuie sur\u00a0: {m.basis}")
        if m.estimates:
            split = " (avis partagés)" if m.split_opinions else ""
            estimates = "\u202f; ".join(m.estimates)
            out.append(f"- Estimations{split}\u00a0: {estimates}")
        if m.answer.by:
            out.append(f"- Déminée par\u00a0: {m.answer.by}")
        out += ["", _quote(m.body)]
        if m.answer.text:
            out += ["", f"Réponse\u00a0: {m.answer.text}"]
    return out


def render_pdf(html: str) -> bytes:
    """HTML to PDF with WeasyPrint; nothing is fetched from anywhere."""
    from weasyprint import HTML  # noqa: PLC0415  (27 MB: only in a worker that makes a PDF)

    def refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        raise ValueError(f"no external resource in a product sheet: {url}")

    return HTML(string=html, url_fetcher=refuse).write_pdf()


# --- open data ---------------------------------------------------------------------------

OPEN_STATES = tuple(s.value for s in MineStatus)
OPEN_CATEGORIES = tuple(c.value for c in MineCategory)
OPEN_SCOPES = tuple(s.value for s in MineScope)
OPEN_BASES = tuple(b.value for b in MineBasis)
CSV_COLUMNS = (
    ["id", "title", "status", "ripe", "themes", "score", "published_on", "rule_kind"]
    + ["rule_reference", "last_decision", "last_outcome", "last_milestone", "call_id"]
    + [f"mines_{c}" for c in OPEN_CATEGORIES]
    + [f"mines_{s}" for s in OPEN_STATES]
    + [f"mines_{s}" for s in OPEN_SCOPES]
    + [f"mines_basis_{b}" for b in OPEN_BASES]
)


def open_data(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Published ideas with status, themes, score and mine counts: no name, e-mail or unit."""
    published = list(
        session.exec(
            select(Idea)
            .where(Idea.status != IdeaStatus.draft, visibility.unhidden_idea_sql)
            .order_by(col(Idea.id))
        )
    )
    themes: dict[int, list[str]] = defaultdict(list)
    for theme in session.exec(select(IdeaTheme).order_by(IdeaTheme.theme)):
        themes[theme.idea_id].append(theme.theme)
    counts: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    status = visibility.counted_status_sql.label("counted")  # a hidden mine counts as withdrawn
    for idea_id, category, counted, n in session.exec(
        select(Mine.idea_id, Mine.category, status, func.count()).group_by(
            col(Mine.idea_id), col(Mine.category), status
        )
    ):
        counts[idea_id][category][counted] = n
    # What the mines in play threaten and rest on: counts, nothing of who laid them.
    scopes: dict[int, dict[str, int]] = defaultdict(dict)
    bases: dict[int, dict[str, int]] = defaultdict(dict)
    in_play = visibility.counted_status_sql != MineStatus.withdrawn
    for idea_id, scope, basis, n in session.exec(
        select(Mine.idea_id, Mine.scope, Mine.basis, func.count())
        .where(in_play)
        .group_by(col(Mine.idea_id), col(Mine.scope), col(Mine.basis))
    ):
        scopes[idea_id][scope] = scopes[idea_id].get(scope, 0) + n
        bases[idea_id][basis] = bases[idea_id].get(basis, 0) + n
    decisions, steps = _loop_texts(session)
    rows = []
    for idea in published:
        by_cat = counts.get(pk(idea), {})
        rows.append(
            {
                "id": idea.id,
                "title": idea.title,
                "status": idea.status,
                "ripe": idea.is_ripe(now),
                "themes": themes.get(pk(idea), []),
                "score": idea.score,
                "published_on": idea.published_at.date().isoformat() if idea.published_at else None,
                "rule_kind": idea.rule_kind or None,
                "rule_reference": idea.rule_reference,
                "call_id": idea.call_id,
                "mines": {
                    c: {s: by_cat.get(c, {}).get(s, 0) for s in OPEN_STATES}
                    for c in OPEN_CATEGORIES
                },
                # Mines not withdrawn, by portée and by what they rest on.
                "mines_by_scope": {s: scopes[pk(idea)].get(s, 0) for s in OPEN_SCOPES},
                "mines_by_basis": {b: bases[pk(idea)].get(b, 0) for b in OPEN_BASES},
                "outcomes": decisions.get(pk(idea), []),
                "milestones": steps.get(pk(idea), []),
            }
        )
    return rows


def _loop_texts(
    session: Session,
) -> tuple[dict[int, list[dict[str, Any]]], dict[int, list[dict[str, Any]]]]:
    """Every idea's outcomes and milestones, oldest first, for the open data: what was decided
    and when, without who decided (a text quoting a hidden mine masked, as for anyone)."""
    outcome_rows = list(
        session.exec(
            select(Outcome.idea_id, Outcome.decision, Outcome.text, Outcome.created_at).order_by(
                col(Outcome.created_at), col(Outcome.id)
            )
        )
    )
    milestone_rows = list(
        session.exec(
            wide_select(
                Milestone.idea_id,
                Milestone.kind,
                Milestone.text,
                Milestone.lesson,
                Milestone.created_at,
            ).order_by(col(Milestone.created_at), col(Milestone.id))
        )
    )
    texts = visibility.redact_messages(
        session,
        None,
        [(r[0], r[2]) for r in outcome_rows]
        + [(r[0], r[2]) for r in milestone_rows]
        + [(r[0], r[3]) for r in milestone_rows],
    )
    n, m = len(outcome_rows), len(milestone_rows)
    decisions: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for (idea_id, decision, _, at), text in zip(outcome_rows, texts[:n], strict=True):
        decisions[idea_id].append({"decision": decision, "text": text, "on": at.date().isoformat()})
    steps: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for (idea_id, kind, _, _, at), text, lesson in zip(
        milestone_rows, texts[n : n + m], texts[n + m :], strict=True
    ):
        steps[idea_id].append(
            {"kind": kind, "text": text, "lesson": lesson, "on": at.date().isoformat()}
        )
    return decisions, steps


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def _spreadsheet_safe(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula (even after its leading spaces,
    which some trim) is quoted as text; numbers are left as they are."""
    if isinstance(value, str) and value.lstrip(" ")[:1] in _FORMULA_STARTS:
        return "'" + value
    return value


def open_data_csv_rows(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """The same data flattened: one column per category and one per state; every text cell
    protected against formula injection (titles, themes: anything a person typed)."""
    table = []
    for row in rows:
        mines_ = row["mines"]
        cells = (
            [
                row["id"],
                row["title"],
                row["status"],
                "oui" if row["ripe"] else "non",
                "|".join(row["themes"]),
                row["score"],
                row["published_on"] or "",
                row["rule_kind"] or "",
                row["rule_reference"],
                row["outcomes"][-1]["decision"] if row["outcomes"] else "",
                row["outcomes"][-1]["text"] if row["outcomes"] else "",
                row["milestones"][-1]["kind"] if row["milestones"] else "",
                row["call_id"] or "",
            ]
            + [sum(mines_[c].values()) for c in OPEN_CATEGORIES]
            + [sum(mines_[c][s] for c in OPEN_CATEGORIES) for s in OPEN_STATES]
            + [row["mines_by_scope"][s] for s in OPEN_SCOPES]
            + [row["mines_by_basis"][b] for b in OPEN_BASES]
        )
        table.append([_spreadsheet_safe(cell) for cell in cells])
    return table


def open_data_csv(rows: list[dict[str, Any]], *, spreadsheet_fr: bool = False) -> str:
    """The open data as CSV: plain UTF-8 with commas for programs, or the form a French
    spreadsheet opens as is (a byte-order mark, so that it reads UTF-8, and semicolons)."""
    out = io.StringIO()
    if spreadsheet_fr:
        out.write("\ufeff")
    writer = csv.writer(out, delimiter=";" if spreadsheet_fr else ",")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(open_data_csv_rows(rows))
    return out.getvalue()
