"""« Qui peut déminer ? »: rank the colleagues most likely to defuse a mine. Pure: data in,
ranked suggestions with their reasons (in French) out; no database, no clock."""

from collections.abc import Sequence
from dataclasses import dataclass

from app import formatting
from app.models.mine import CATEGORY_LABELS

MAX_SUGGESTIONS = 5


@dataclass(frozen=True)
class MineToDefuse:
    category: str
    author_id: int
    idea_author_id: int
    idea_author_unit_id: int | None


@dataclass(frozen=True)
class Precedent:
    """A similar mine the candidate defused before (their déminage was accepted)."""

    mine_title: str
    idea_title: str


@dataclass(frozen=True)
class Candidate:
    user_id: int
    name: str
    unit_id: int | None
    unit_name: str | None
    accepted_in_category: int = 0
    precedents: Sequence[Precedent] = ()
    declared_subject: bool = False
    opted_out: bool = False


@dataclass(frozen=True)
class Suggestion:
    user_id: int
    name: str
    unit_name: str | None
    score: float
    reasons: tuple[str, ...]
    # Already asked to look at this mine: "pending", "declined", or "" (not yet).
    invitation: str = ""


def rank(
    mine: MineToDefuse, candidates: Sequence[Candidate], limit: int = MAX_SUGGESTIONS
) -> tuple[Suggestion, ...]:
    """Best first: accepted déminages in the category, similar mines defused, declared subjects;
    people outside the idea author's unit come first at equal evidence."""
    category = CATEGORY_LABELS.get(mine.category, mine.category).lower()
    suggestions = []
    for c in candidates:
        if c.user_id in (mine.author_id, mine.idea_author_id) or c.opted_out:
            continue
        evidence = 3.0 * min(c.accepted_in_category, 5) + 2.0 * min(len(c.precedents), 3)
        evidence += 2.0 if c.declared_subject else 0.0
        if evidence == 0:
            continue  # a unit alone says nothing about expertise
        reasons = []
        if c.accepted_in_category:
            n = c.accepted_in_category
            reasons.append(
                f"{formatting.plural(n, 'déminage accepté', 'déminages acceptés')} en {category}"
            )
        if c.precedents:
            p = c.precedents[0]
            more = (
                f" (et {formatting.plural(len(c.precedents) - 1, 'autre', 'autres')})"
                if len(c.precedents) > 1
                else ""
            )
            reasons.append(
                f"a déminé «\u00a0{p.mine_title}\u00a0» sur l’idée voisine "
                f"«\u00a0{p.idea_title}\u00a0»{more}"
            )
        if c.declared_subject:
            reasons.append(f"se propose pour aider en {category}")
        outside = c.unit_id is not None and c.unit_id != mine.idea_author_unit_id
        if c.unit_name:
            reasons.append(
                f"service {c.unit_name}"
                + ("" if outside else " (celui de la personne qui propose l’idée)")
            )
        score = evidence + (1.0 if outside else 0.0)
        suggestions.append(Suggestion(c.user_id, c.name, c.unit_name, score, tuple(reasons)))
    suggestions.sort(key=lambda s: (-s.score, formatting.french_order(s.name)))
    return tuple(suggestions[:limit])
