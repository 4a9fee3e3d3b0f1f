"""The idea as one viewer sees it: what the idea page, the API's idea and the fiche produit show,
read by one function into one frozen view.

The view is made of plain rows (no ORM object but the idea itself), hidden content already
redacted for the viewer (`visibility`), and the score computed from the same rows the page
shows (`scoring.facts_from_rows`, the one path from rows to the score's facts): what the page
says and what the stored score says are counted the same way.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlmodel import Session

from app.models import CallForIdeas, Idea, IdeaStatus, User
from app.models.base import pk
from app.services import (
    blockers,
    co_carriers,
    ideas,
    invitations,
    mines,
    notifications,
    outcomes,
    readiness,
    ripening,
    scoring,
    sleeping,
    visibility,
)
from app.services.blockers import Answer
from app.services.co_carriers import CarrierLine
from app.services.ideas import Person, RevisionView, UnitName
from app.services.mines import MineView, NeighbourIdea, NeighbourMine
from app.services.outcomes import MergedLine, MilestoneLine, OutcomeLine
from app.services.permissions import check_publish
from app.services.readiness import Readiness, ScoringParams

Output = Literal["page", "api", "sheet"]


@dataclass(frozen=True)
class IdeaView:
    """One idea for one viewer. Every output gets the idea, its author and co-porteurs, themes,
    score and mines; the history is read for the page and the fiche, the rest for the page only
    (empty otherwise)."""

    idea: Idea
    viewer: User
    author: Person
    author_unit: UnitName | None
    # The co-porteurs who accepted, in the order they joined.
    co_carriers: tuple[CarrierLine, ...]
    themes: tuple[str, ...]
    readiness: Readiness
    ripe: bool
    mine_views: tuple[MineView, ...]
    # The written outcomes of its decisions and its project's milestones, newest first, as the
    # viewer may read them (every output).
    outcomes: tuple[OutcomeLine, ...] = ()
    milestones: tuple[MilestoneLine, ...] = ()
    # A closed idea's lesson, its passages quoting a hidden mine masked (masked whole once it
    # names a hidden idea); to its writer and the moderators, why part of it is hidden.
    lesson: str = ""
    lesson_notice: str = ""
    # The history, newest first, as the viewer may read it (page and fiche).
    events: tuple[tuple[Any, Person | None], ...] = ()
    # The call for ideas it answers, if any (page and fiche; the API gives its id).
    call: CallForIdeas | None = None
    # The page only.
    following: bool = False
    supporters: tuple[Any, ...] = ()
    # Invitations to co-carry the idea not answered yet, as the viewer may see them (page, API).
    carrier_invitations: tuple[CarrierLine, ...] = ()
    # The viewer's open invitations on these mines, with who invited them, by mine.
    pending_invitations: Mapping[int, tuple[Any, str]] = field(default_factory=dict)
    # Mines of the category being laid (the lay form's choice) on similar ideas.
    neighbour_mines: tuple[tuple[NeighbourMine, NeighbourIdea], ...] = ()
    # Per open mine, the answers that defused the same objection on other ideas.
    defused_elsewhere: Mapping[int, list[Answer]] = field(default_factory=dict)
    # Per mine, the fiche's fields changed since it was laid.
    changed_since: Mapping[int, list[str]] = field(default_factory=dict)
    revisions: tuple[RevisionView, ...] = ()
    # Once ripe, the page's thanks to the people who helped (« Merci à A et B »), or "".
    ripe_thanks: str = ""
    # « Relancer »: the closed idea this one takes up, with its mines to check; the published
    # ideas that took this one up again; the sponsor's account, who posts milestones.
    relaunched_from: Idea | None = None
    # What that closed idea taught, as the viewer may read it ("" when it is not theirs to read).
    old_lesson: str = ""
    old_mines: tuple[MineView, ...] = ()
    relaunches: tuple[tuple[int, str], ...] = ()
    # The relaunch of this idea still alive that the viewer sees: it is not relaunched twice.
    live_relaunch: Idea | None = None
    # For a relaunched draft: another relaunch of the same idea, published and alive, which
    # keeps it from being published (`permissions.check_publish`), with what it says.
    rival_relaunch: Idea | None = None
    publish_refusal: str = ""
    # The ideas merged into this one, each with why (a merged idea's link lands there).
    merged_here: tuple[MergedLine, ...] = ()
    sponsor_person: Person | None = None


def idea_view(
    session: Session,
    params: ScoringParams,
    idea: Idea,
    viewer: User,
    now: datetime,
    output: Output = "page",
    lay_category: str = "",
) -> IdeaView:
    """Everything `output` shows of the idea to the viewer, in a bounded number of queries
    whatever the number of mines, déminages and events."""
    author, unit = ideas.users_by_id(session, {idea.author_id})[idea.author_id]
    themes = tuple(ideas.themes_of(session, [pk(idea)])[pk(idea)])
    rows = mines.idea_rows(session, idea, viewer)
    mine_views = tuple(mines.views_of(rows, viewer))
    facts = scoring.facts_from_rows(idea, len(themes), rows.mines, rows.deminages, rows.signatures)
    # The page and the API also show the invitations (to whom may see them); the fiche only
    # who accepted.
    wanted = idea.co_carrier_ids or output != "sheet"
    carriers = co_carriers.lines_of(session, idea) if wanted else []
    invitations_seen = tuple(visibility.carrier_invitations_for(viewer, idea, carriers))
    lesson = visibility.lesson(session, idea, viewer)
    common: dict[str, Any] = {
        "idea": idea,
        "viewer": viewer,
        "author": author,
        "author_unit": unit,
        "co_carriers": tuple(line for line in carriers if line.accepted),
        "themes": themes,
        # With the parameters of its stored score, while a recomputation has not reached it.
        "readiness": readiness.compute(facts, scoring.params_for_idea(session, idea, params), now),
        "ripe": idea.is_ripe(now),
        "mine_views": mine_views,
        "outcomes": tuple(outcomes.outcomes_of(session, idea, viewer)),
        "milestones": tuple(outcomes.milestones_of(session, idea, viewer)),
        "lesson": lesson.text,
        "lesson_notice": lesson.notice,
    }
    if output == "api":
        return IdeaView(**common, carrier_invitations=invitations_seen)
    events = tuple(visibility.history(session, idea, viewer, mine_views))
    call = session.get(CallForIdeas, idea.call_id) if idea.call_id is not None else None
    if output == "sheet":
        return IdeaView(**common, events=events, call=call)
    relaunched_from, old_mines = sleeping.old_mines(session, idea, viewer)
    rival = sleeping.rival_relaunch(session, idea)
    # What its author is told; nobody else publishes the draft (nor, as a rule, sees it).
    refusal = check_publish(viewer, idea, rival) if rival and viewer.id == idea.author_id else None
    return IdeaView(
        **common,
        events=events,
        call=call,
        following=notifications.follows(session, viewer, idea),
        supporters=tuple(notifications.supporters(session, idea)),
        carrier_invitations=invitations_seen,
        pending_invitations=_pending_invitations(session, viewer, mine_views),
        neighbour_mines=tuple(mines.neighbour_mines(session, idea, lay_category)),
        defused_elsewhere=blockers.defused_elsewhere(
            session,
            [pk(v.mine) for v in mine_views if v.mine.status == "open" and not v.mine.hidden_at],
        ),
        changed_since=_changed_since(session, idea, mine_views),
        revisions=tuple(ideas.revisions(session, idea)),
        ripe_thanks=ripening.thanks(
            ripening.helpers(mine_views, idea.author_id, *idea.co_carrier_ids)
        )
        if common["ripe"]
        else "",
        relaunched_from=relaunched_from,
        old_lesson=sleeping.old_lesson(session, relaunched_from, viewer),
        old_mines=tuple(old_mines),
        relaunches=tuple(sleeping.relaunches_of(session, idea)),
        live_relaunch=sleeping.live_relaunches(session, viewer, [pk(idea)]).get(pk(idea))
        if idea.status == IdeaStatus.abandoned
        else None,
        rival_relaunch=rival,
        publish_refusal=refusal.message if refusal is not None else "",
        merged_here=tuple(outcomes.merged_here(session, idea, viewer)),
        sponsor_person=_sponsor(session, idea),
    )


def _sponsor(session: Session, idea: Idea) -> Person | None:
    """The sponsor's account, for the page to name who posts the project's milestones."""
    if idea.sponsor_id is None:
        return None
    return ideas.users_by_id(session, {idea.sponsor_id})[idea.sponsor_id][0]


def _changed_since(
    session: Session, idea: Idea, mine_views: tuple[MineView, ...]
) -> dict[int, list[str]]:
    """Per mine, what changed in the fiche since it was laid."""
    changes = ideas.changed_since_many(session, idea, {v.mine.idea_revision for v in mine_views})
    return {
        pk(v.mine): changes[v.mine.idea_revision]
        for v in mine_views
        if changes.get(v.mine.idea_revision)
    }


def _pending_invitations(
    session: Session, viewer: User, mine_views: tuple[MineView, ...]
) -> dict[int, tuple[Any, str]]:
    """The viewer's open invitations on this idea's mines, with who invited them."""
    pending = invitations.pending_for(session, viewer, [pk(v.mine) for v in mine_views])
    inviters = ideas.users_by_id(session, {i.inviter_id for i in pending.values()})
    return {mine_id: (inv, inviters[inv.inviter_id][0].name) for mine_id, inv in pending.items()}
