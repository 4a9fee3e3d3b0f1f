"""Who may do what: every rule is a check_* returning the error to raise (or None), and a can_*.

Services raise what a check returns before they act; routers raise it before they read a form
(so that a refusal comes before a validation error); templates show a button with the matching
can_* predicate, so a page never offers what the server would refuse. Pages and the API load
objects the same way and raise the same checks, hence give the same answer to the same refusal:
404 for what the asker may not know exists (someone else's draft: `can_view_idea`, asked by every
load of an idea before any check), 403 for what their role or their tie to the object forbids,
409 for what the object's state forbids now. tests/services/test_permissions_table.py holds the
expected answer of every predicate for every role, tie and state.

An idea is carried by its author and by the co-porteurs who accepted to carry it with them
(`is_carrier`): every right on the idea's content (edit the fiche, answer its mines, accept a
déminage, assume a risk) is a carrier's. What stays the author's alone: publishing the draft,
closing the idea, and choosing who carries it (inviting and removing co-porteurs).
"""

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from app.errors import Conflict, DomainError, Forbidden, InvalidInput
from app.models import (
    CallForIdeas,
    CallPhase,
    CoCarrier,
    Deminage,
    Idea,
    IdeaStatus,
    Mine,
    MineInvitation,
    MineScope,
    MineStatus,
    Role,
    ScopeRequest,
    ScopeRequestStatus,
    Severity,
    User,
)
from app.models.idea import ABANDONED

LIVE_STATUSES = (IdeaStatus.open, IdeaStatus.project)


class Signature(Protocol):
    """Whose signature it is: services pass the row (`MineSignature`), templates the page's
    `SignatureView`; the checks read nothing else."""

    @property
    def user_id(self) -> int: ...


def _hidden(*items: Mine | Deminage | None) -> DomainError | None:
    """Nobody acts on content hidden by moderation (the refusal names no title nor text)."""
    for item in items:
        if item is not None and item.hidden_at is not None:
            if isinstance(item, Deminage):
                return Conflict(
                    "Ce déminage a été masqué par la modération\u00a0: on ne peut plus y toucher."
                )
            return Conflict(
                "Cette mine a été masquée par la modération\u00a0: on ne peut plus y toucher."
            )
    return None


# --- ideas ---------------------------------------------------------------------------------


def is_carrier(user: User | None, idea: Idea) -> bool:
    """Whether the person carries the idea: its author, or a co-porteur who accepted (the one
    rule that every right on the idea's content asks; the score counts neither as a reviewer)."""
    return user is not None and (user.id == idea.author_id or user.id in idea.co_carrier_ids)


def can_view_idea(user: User | None, idea: Idea) -> bool:
    """Drafts are their carriers' alone; an idea hidden by moderation, its carriers' (told why)
    and the admins'; everything else is readable by every agent."""
    if idea.hidden_at is not None:
        return is_carrier(user, idea) or can_read_hidden(user)
    return idea.status != IdeaStatus.draft or is_carrier(user, idea)


def check_edit_idea(user: User, idea: Idea) -> DomainError | None:
    """Those who carry the idea edit it, while it is a draft or open."""
    if not is_carrier(user, idea):
        return Forbidden("Seules les personnes qui portent l’idée peuvent la modifier.")
    if idea.status not in (IdeaStatus.draft, IdeaStatus.open):
        return Conflict("Une idée devenue projet ou abandonnée ne se modifie plus.")
    return None


def check_publish(user: User, idea: Idea, rival: Idea | None = None) -> DomainError | None:
    """Only the idea's author publishes it, once. A relaunch keeps its idea to one relaunch
    alive at a time (`check_relaunch`): `rival` is another relaunch of the same idea, published
    and alive (`sleeping.rival_relaunch`); while it is, this draft stays unpublished."""
    if user.id != idea.author_id:
        return Forbidden("Seule la personne qui a écrit l’idée peut la publier.")
    if idea.status != IdeaStatus.draft:
        return Conflict("Cette idée est déjà publiée.")
    if rival is not None:
        return Conflict(
            "L’idée en sommeil que ce brouillon reprend est déjà relancée dans "
            f"«\u00a0{rival.title}\u00a0» (n°\u00a0{rival.id}), publiée entre-temps. "
            "Rejoignez cette relance et posez-y vos mines plutôt que d’en publier une seconde. "
            f"Ce brouillon pourra être publié si celle-ci est {ABANDONED}.",
            field="relaunched_from_id",
        )
    return None


def check_abandon(user: User, idea: Idea) -> DomainError | None:
    """The author, or a manager, closes an idea in déminage. A draft is not closed: an
    abandoned idea is readable by all, and nobody but its author ever saw the draft (they
    delete it, `check_delete_draft`)."""
    if user.id != idea.author_id and not user.is_manager:
        return Forbidden("Clore l’idée revient à la personne qui l’a écrite, ou aux managers.")
    if idea.status == IdeaStatus.draft:
        return Conflict(
            "Un brouillon ne se clôt pas\u00a0: il resterait lisible par tous. "
            "Supprimez-le, ou publiez-le d’abord."
        )
    if idea.status != IdeaStatus.open:
        return Conflict("Seule une idée en déminage peut être abandonnée.")
    return None


def check_delete_draft(user: User, idea: Idea) -> DomainError | None:
    """The author deletes their draft, which nobody else saw; a published idea stays."""
    if user.id != idea.author_id:
        return Forbidden("Seule la personne qui a écrit le brouillon peut le supprimer.")
    if idea.status != IdeaStatus.draft:
        return Conflict("Une idée publiée ne se supprime pas\u00a0: elle peut être abandonnée.")
    return None


def check_follow(user: User, idea: Idea) -> DomainError | None:
    """Anyone follows a published idea (its author included); a draft, by nobody: its author
    is told so (409), anyone else never finds it (404, `can_view_idea`)."""
    if idea.status == IdeaStatus.draft:
        return Conflict("Un brouillon ne se suit pas\u00a0: publiez d’abord l’idée.")
    return None


def check_support(user: User, idea: Idea, supporting: bool = False) -> DomainError | None:
    """« Je soutiens » an idea in déminage or a project (its author may too); a draft has no
    supporters, and a closed idea gets no new ones, though a supporter may still withdraw
    (`supporting`: the asker supports it already)."""
    if idea.status == IdeaStatus.draft:
        return Conflict("Un brouillon ne se soutient pas\u00a0: publiez d’abord l’idée.")
    if idea.status == IdeaStatus.abandoned and not supporting:
        return Conflict(
            "Cette idée est abandonnée\u00a0: elle ne reçoit plus de soutien. Suivez-la pour "
            "savoir si elle est relancée."
        )
    return None


def check_lay_mine(user: User, idea: Idea) -> DomainError | None:
    """Anyone but those who carry the idea lays a mine on an open idea or a project."""
    if is_carrier(user, idea):
        return Forbidden(
            "On ne mine pas son propre terrain\u00a0: répondez plutôt aux mines posées."
        )
    if idea.status not in LIVE_STATUSES:
        return Conflict("On ne pose de mine que sur une idée en déminage ou devenue projet.")
    return None


def check_decide_on_ideas(user: User) -> DomainError | None:
    """Managers decide what becomes of published ideas: promote them, or send them back."""
    if not user.is_manager:
        return Forbidden("Réservé aux managers.")
    return None


def check_promote(user: User, idea: Idea) -> DomainError | None:
    """A manager promotes an open idea to a project."""
    if check_decide_on_ideas(user):
        return Forbidden("Seuls les managers peuvent promouvoir une idée en projet.")
    if idea.status != IdeaStatus.open:
        return Conflict("Seule une idée en déminage peut devenir un projet.")
    return None


def check_send_back(user: User, idea: Idea) -> DomainError | None:
    """A manager sends an open idea back to its author."""
    if check_decide_on_ideas(user):
        return Forbidden(
            "Seuls les managers peuvent renvoyer une idée à la personne qui l’a écrite."
        )
    if idea.status != IdeaStatus.open:
        return Conflict("Seule une idée en déminage peut être renvoyée.")
    return None


def check_merge(
    user: User, keep: Idea, merged: Idea, merged_field: str = "merged"
) -> DomainError | None:
    """An admin merges a published duplicate into another published idea, once; the idea kept
    is alive (not closed, not hidden by moderation; it may be a project): the duplicate's people
    follow it there. The duplicate is still en déminage: not closed (a closed one stays in
    « Idées en sommeil » with its lesson, which a merge would replace), not a project (a decision
    was taken on it, which closing it would undo), and not hidden (its mines would reappear on
    the idea kept). A refusal
    about the idea kept names its field, `keep`; one about the duplicate, `merged_field` (the
    page's field, or the API's path)."""
    if check_administer(user):
        return Forbidden("La fusion d’idées est réservée aux comptes d’administration.")
    if keep.id == merged.id:
        return Conflict("Une idée ne se fusionne pas avec elle-même.", field="keep")
    if keep.status == IdeaStatus.draft or keep.merged_into_id is not None:
        return Conflict("L’idée conservée doit être publiée et non fusionnée.", field="keep")
    if keep.status == IdeaStatus.abandoned:
        return Conflict(
            f"L’idée conservée est {ABANDONED}\u00a0: choisissez une idée en déminage ou un "
            "projet.",
            field="keep",
        )
    if keep.hidden_at is not None:
        return Conflict(
            "L’idée conservée est masquée par la modération\u00a0: rétablissez-la d’abord.",
            field="keep",
        )
    if merged.status == IdeaStatus.draft or merged.merged_into_id is not None:
        return Conflict("Ces deux idées ne peuvent pas être fusionnées.", field=merged_field)
    if merged.status == IdeaStatus.abandoned:
        return Conflict(
            "Ce doublon est déjà abandonné\u00a0: il reste en sommeil avec sa leçon, qu’une fusion "
            "effacerait. Choisissez un doublon en déminage.",
            field=merged_field,
        )
    if merged.status == IdeaStatus.project:
        # A project has its sponsor, its milestones and its people: a decision was taken on it,
        # which a merge would undo by closing it. Merge the duplicate into the project instead
        # (advice that cannot be followed when the idea kept is a project too).
        if keep.status == IdeaStatus.project:
            return Conflict(
                "Ces deux idées sont des projets\u00a0: deux projets ne peuvent pas être "
                "fusionnés, chacun garde son sponsor et son suivi.",
                field=merged_field,
            )
        return Conflict(
            "Ce doublon est devenu un projet : un projet ne se fusionne pas dans une autre "
            "idée. Fusionnez plutôt l’autre idée dans ce projet.",
            field=merged_field,
        )
    if merged.hidden_at is not None:
        # Its mines would move, readable, onto an idea everyone reads.
        return Conflict(
            "Ce doublon est masqué par la modération\u00a0: rétablissez-le d’abord.",
            field=merged_field,
        )
    return None


# --- closing the loop: projects' follow-up, sponsors, relaunches ---------------------------


def check_post_milestone(user: User, idea: Idea) -> DomainError | None:
    """A project's porteurs (its author and co-porteurs) or its sponsor post the steps of its
    follow-up."""
    if not is_carrier(user, idea) and (idea.sponsor_id is None or user.id != idea.sponsor_id):
        return Forbidden("Seuls les porteurs du projet et son sponsor publient ses étapes.")
    if idea.status != IdeaStatus.project:
        return Conflict("Seul un projet en cours a un suivi d’étapes.")
    return None


def check_set_sponsor(user: User, idea: Idea) -> DomainError | None:
    """A manager names a project's sponsor (by default, the manager who promoted it)."""
    if check_decide_on_ideas(user):
        return Forbidden("Seuls les managers désignent le sponsor d’un projet.")
    if idea.status != IdeaStatus.project:
        return Conflict("Seul un projet en cours a un sponsor à désigner.")
    return None


def check_relaunch(user: User, idea: Idea, relaunch: Idea | None) -> DomainError | None:
    """Any agent relaunches a closed idea as a new draft of their own (not a merged one: the
    idea it joined is where it lives on), one relaunch alive at a time: `relaunch` is the one
    alive that the user can see (`sleeping.live_relaunches`: their own draft, or a published
    relaunch not closed). Someone else's draft stops no one: it is private, and may never be
    published. Once the relaunch closes in turn, the idea may be relaunched again. An idea
    hidden by moderation is not (its copy would bring back what was hidden), even by those who
    still read it."""
    if idea.status != IdeaStatus.abandoned or idea.merged_into_id is not None:
        return Conflict(f"Seule une idée {ABANDONED} (en sommeil) se relance.")
    if idea.hidden_at is not None:
        return Conflict(
            "Cette idée est masquée par la modération\u00a0: elle ne peut pas être relancée "
            "tant qu’elle n’est pas rétablie.",
            field="idea_id",
        )
    if relaunch is None:
        return None
    named = f"«\u00a0{relaunch.title}\u00a0» (n°\u00a0{relaunch.id})"
    if relaunch.author_id == user.id:
        return Conflict(
            f"Vous avez déjà relancé cette idée\u00a0: poursuivez {named} plutôt que d’en "
            "ouvrir une autre.",
            field="idea_id",
        )
    return Conflict(
        f"Cette idée est déjà relancée dans {named}\u00a0: rejoignez cette relance plutôt que "
        "d’en ouvrir une autre. L’idée pourra être relancée de nouveau si celle-ci est "
        f"{ABANDONED}.",
        field="idea_id",
    )


# --- mines and déminages -------------------------------------------------------------------


def check_bring_deminage(user: User, mine: Mine, idea: Idea) -> DomainError | None:
    """Anyone but the mine's author answers a mine still in play on a live idea."""
    if hidden := _hidden(mine):
        return hidden
    if user.id == mine.author_id:
        return Forbidden(
            "On ne démine pas sa propre mine\u00a0: retirez-la si elle n’a plus lieu d’être."
        )
    if idea.status not in LIVE_STATUSES or mine.status == MineStatus.withdrawn:
        return Conflict("Cette mine n’attend plus de déminage.")
    return None


def check_accept_deminage(
    user: User, deminage: Deminage, mine: Mine, idea: Idea
) -> DomainError | None:
    """The mine's author or those who carry the idea accept an answer to an active mine."""
    if hidden := _hidden(mine, deminage):
        return hidden
    if user.id != mine.author_id and not is_carrier(user, idea):
        return Forbidden(
            "Accepter un déminage revient à la personne qui a posé la mine, "
            "ou à celles qui portent l’idée."
        )
    if idea.status not in LIVE_STATUSES or mine.status not in (
        MineStatus.open,
        MineStatus.accepted_risk,
    ):
        return Conflict("Cette mine n’est plus active\u00a0: rouvrez-la d’abord.")
    if deminage.dismissed_at is not None:
        return Conflict(
            "Ce déminage a été jugé «\u00a0ne répond pas\u00a0»\u00a0: il n’est plus à accepter."
        )
    return None


def check_dismiss_deminage(
    user: User, deminage: Deminage, mine: Mine, idea: Idea
) -> DomainError | None:
    """The mine's author or those who carry the idea mark an answer « ne répond pas », once, unless
    it is the acceptance in force (a reopen ends that first)."""
    if hidden := _hidden(mine, deminage):
        return hidden
    if user.id == deminage.author_id:
        return Forbidden("On ne juge pas son propre déminage.")
    if user.id != mine.author_id and not is_carrier(user, idea):
        return Forbidden(
            "Juger qu’un déminage ne répond pas revient à la personne qui a posé la mine, "
            "ou à celles qui portent l’idée."
        )
    if idea.status not in LIVE_STATUSES or mine.status == MineStatus.withdrawn:
        return Conflict("Cette mine n’attend plus de réponse.")
    if deminage.accepted:
        return Conflict("Ce déminage est accepté\u00a0: rouvrez d’abord la mine.")
    if deminage.dismissed_at is not None:
        return Conflict("Ce déminage est déjà jugé «\u00a0ne répond pas\u00a0».")
    return None


def check_mark_helpful(
    user: User, deminage: Deminage, mine: Mine | None = None
) -> DomainError | None:
    """Anyone but its author marks a déminage « ça aide »."""
    if hidden := _hidden(mine, deminage):
        return hidden
    if user.id == deminage.author_id:
        return Forbidden("On ne marque pas son propre déminage «\u00a0ça aide\u00a0».")
    return None


def check_withdraw(user: User, mine: Mine) -> DomainError | None:
    """Only the mine's author withdraws it, once."""
    if hidden := _hidden(mine):
        return hidden
    if user.id != mine.author_id:
        return Forbidden("Seule la personne qui a posé la mine peut la retirer.")
    if mine.status == MineStatus.withdrawn:
        return Conflict("Cette mine est déjà retirée.")
    return None


def check_reopen(user: User, mine: Mine, idea: Idea) -> DomainError | None:
    """Only the mine's author reopens it (or lays it again), on a live idea."""
    if hidden := _hidden(mine):
        return hidden
    if user.id != mine.author_id:
        return Forbidden("Seule la personne qui a posé la mine peut la rouvrir.")
    if idea.status not in LIVE_STATUSES or mine.status == MineStatus.open:
        return Conflict("Cette mine est déjà active.")
    return None


def check_accept_risk(user: User, mine: Mine, idea: Idea) -> DomainError | None:
    """Those who carry the idea assume a pétard's or a mine's risk; a bombe's needs a manager."""
    if hidden := _hidden(mine):
        return hidden
    if mine.severity == Severity.blocking:
        if not user.is_manager:
            return Forbidden("Seuls les managers peuvent assumer le risque d’une bombe.")
    elif not is_carrier(user, idea):
        return Forbidden("Seules les personnes qui portent l’idée peuvent assumer ce risque.")
    if idea.status not in LIVE_STATUSES or mine.status != MineStatus.open:
        return Conflict("Seule une mine active peut voir son risque assumé.")
    return None


# --- co-signing, portée, basis ------------------------------------------------------------


def check_cosign(user: User, mine: Mine, idea: Idea) -> DomainError | None:
    """A colleague who sees the same risk co-signs a mine in play, with their own estimate
    (or changes it); neither those who carry the idea nor the mine's author, who signs it
    already."""
    if hidden := _hidden(mine):
        return hidden
    if is_carrier(user, idea):
        return Forbidden(
            "On ne mine pas son propre terrain\u00a0: répondez plutôt aux mines posées."
        )
    if user.id == mine.author_id:
        return Forbidden("Vous signez déjà cette mine\u00a0: c’est la vôtre.")
    if idea.status not in LIVE_STATUSES or mine.status == MineStatus.withdrawn:
        return Conflict("Cette mine ne se co-signe plus.")
    return None


def check_withdraw_signature(
    user: User, mine: Mine, signature: Signature | None
) -> DomainError | None:
    """A co-signer withdraws their signature, at any time (`signature` is the asker's own, if
    any); the mine's author withdraws the mine instead."""
    if hidden := _hidden(mine):
        return hidden
    if user.id == mine.author_id:
        return Forbidden("C’est votre mine\u00a0: retirez-la plutôt que votre signature.")
    if signature is None or signature.user_id != user.id:
        return Forbidden("Vous n’avez pas co-signé cette mine.")
    return None


def check_request_scope_move(
    user: User, mine: Mine, idea: Idea, request: ScopeRequest | None
) -> DomainError | None:
    """Those who carry the idea ask, with a reason, to move a first-ground mine to the
    generalisation, once at a time (`request` is the mine's open request, if any)."""
    if hidden := _hidden(mine):
        return hidden
    if not is_carrier(user, idea):
        return Forbidden(
            "Seules les personnes qui portent l’idée peuvent demander de déplacer une mine."
        )
    if (
        idea.status not in LIVE_STATUSES
        or mine.status == MineStatus.withdrawn
        or mine.scope != MineScope.first_ground
    ):
        return Conflict("Cette mine ne peut plus passer à la généralisation.")
    if request is not None and request.status in (
        ScopeRequestStatus.pending,
        ScopeRequestStatus.refused,
    ):
        return Conflict("Une demande de déplacement de cette mine attend déjà sa réponse.")
    return None


def check_answer_scope_move(
    user: User, mine: Mine, request: ScopeRequest | None
) -> DomainError | None:
    """The mine's author agrees, or not, to move it to the generalisation, while asked."""
    if hidden := _hidden(mine):
        return hidden
    if user.id != mine.author_id:
        return Forbidden("Seule la personne qui a posé la mine choisit sa portée.")
    if request is None or request.status != ScopeRequestStatus.pending:
        return Conflict("Aucune demande de déplacement n’attend votre réponse.")
    return None


def check_decide_scope_move(
    user: User,
    mine: Mine,
    idea: Idea,
    request: ScopeRequest | None,
    signature: Signature | None,
) -> DomainError | None:
    """A manager who is party neither to the idea (carrying it) nor to the mine (its author or
    a co-signer: `signature` is the asker's own, if any) decides when the mine's author refused
    to move it."""
    if hidden := _hidden(mine):
        return hidden
    if not user.is_manager:
        return Forbidden("Seuls les managers tranchent la portée d’une mine.")
    signed = signature is not None and signature.user_id == user.id
    if is_carrier(user, idea) or user.id == mine.author_id or signed:
        return Forbidden(
            "Un manager qui ne porte pas l’idée et n’a ni posé ni co-signé la mine "
            "tranche\u00a0: vous êtes partie prenante."
        )
    if (
        request is None
        or request.status != ScopeRequestStatus.refused
        or idea.status not in LIVE_STATUSES
    ):
        return Conflict("Aucun désaccord sur la portée de cette mine n’attend de décision.")
    return None


def check_ask_basis(user: User, mine: Mine, idea: Idea) -> DomainError | None:
    """Those who carry the idea ask the mine's author « sur quoi vous appuyez-vous ? », once
    until answered."""
    if hidden := _hidden(mine):
        return hidden
    if not is_carrier(user, idea):
        return Forbidden("Seules les personnes qui portent l’idée posent cette question.")
    if idea.status not in LIVE_STATUSES or mine.status == MineStatus.withdrawn:
        return Conflict("Cette mine n’est plus en jeu.")
    if mine.basis_asked_at is not None:
        return Conflict("La question est déjà posée\u00a0: sa réponse est attendue.")
    return None


def check_state_basis(user: User, mine: Mine) -> DomainError | None:
    """The mine's author says (again) what it rests on."""
    if hidden := _hidden(mine):
        return hidden
    if user.id != mine.author_id:
        return Forbidden("Seule la personne qui a posé la mine dit sur quoi elle s’appuie.")
    return None


# --- « Qui peut déminer ? » ----------------------------------------------------------------


def check_invite(user: User, mine: Mine) -> DomainError | None:
    """Any agent may call a colleague to an active mine."""
    if hidden := _hidden(mine):
        return hidden
    if mine.status != MineStatus.open:
        return Conflict("Seule une mine active appelle des renforts.")
    return None


def check_invite_colleague(user: User, mine: Mine, invitee: User) -> DomainError | None:
    """Who may be called to a mine: someone else than oneself and the mine's author, with an
    active account, who did not opt out (refusals about who: a conflict named on the field)."""
    if invitee.id in (user.id, mine.author_id) or not invitee.is_active:
        return Conflict(
            "Invitez une autre personne que vous-même ou que celle qui a posé la mine.",
            field="invitee",
        )
    if invitee.ask_opt_out:
        return Conflict(
            f"{invitee.name} ne souhaite pas recevoir de sollicitations.", field="invitee"
        )
    return None


def check_decline_invitation(user: User, invitation: MineInvitation) -> DomainError | None:
    """Only the invitee declines an invitation."""
    if user.id != invitation.invitee_id:
        return Forbidden("Seule la personne invitée peut décliner.")
    return None


# --- calls for ideas ----------------------------------------------------------------------


def check_manage_calls(user: User) -> DomainError | None:
    """Managers open calls for ideas."""
    if not user.is_manager:
        return Forbidden("Seuls les managers ouvrent des appels à idées.")
    return None


def check_edit_call(user: User, call: CallForIdeas) -> DomainError | None:
    """A manager edits a call; once it is closed or decided, only what `calls.locked_fields`
    leaves free (its context, and its sponsor until it is decided)."""
    if not user.is_manager:
        return Forbidden("Seuls les managers modifient un appel à idées.")
    return None


def check_close_call(user: User, call: CallForIdeas) -> DomainError | None:
    """A manager closes a call, once: no idea answers it any more, its sponsor may decide."""
    if not user.is_manager:
        return Forbidden("Seuls les managers closent un appel à idées.")
    if call.closed_at is not None or call.decided_at is not None:
        return Conflict("Cet appel est déjà clos.")
    return None


def check_answer_call(
    user: User, call: CallForIdeas, audience: Collection[int], now: datetime
) -> DomainError | None:
    """An agent of its audience (its units, or everyone when it names none) answers a call with
    an idea, until its ideas' deadline (refusals shown beside the idea form's field)."""
    if audience and user.unit_id not in audience:
        return Forbidden("Cet appel s’adresse à d’autres services que le vôtre.", field="call_id")
    if call.phase(now) != CallPhase.ideas:
        return Conflict("Cet appel ne reçoit plus d’idées.", field="call_id")
    return None


def check_decide_call(user: User, call: CallForIdeas, now: datetime) -> DomainError | None:
    """The call's sponsor writes what becomes of its ideas, once their déminage is over (or
    the call closed), until each has its outcome."""
    if user.id != call.sponsor_id:
        return Forbidden("Seul le sponsor de l’appel écrit ce que deviennent ses idées.")
    if not user.is_manager:
        return Forbidden(
            "Le sponsor de cet appel n’est plus manager : un manager décide de chaque "
            "idée depuis sa page."
        )
    phase = call.phase(now)
    if phase == CallPhase.decided:
        return Conflict("Chaque idée de cet appel a déjà sa décision.")
    if phase != CallPhase.decision:
        return Conflict("Le déminage de cet appel n’est pas fini\u00a0: la décision vient après.")
    return None


# --- co-porteurs ---------------------------------------------------------------------------


def check_invite_carrier(user: User, idea: Idea) -> DomainError | None:
    """The idea's author, alone, asks colleagues to carry a published idea with them (a draft
    is its author's alone until it is published)."""
    if user.id != idea.author_id:
        return Forbidden("Seule la personne qui a écrit l’idée choisit qui la porte avec elle.")
    if idea.status not in LIVE_STATUSES:
        return Conflict(
            "On invite des co-porteurs sur une idée publiée, en déminage ou devenue projet."
        )
    return None


def check_invite_carrier_colleague(user: User, idea: Idea, invitee: User) -> DomainError | None:
    """Who may be asked to carry the idea: an active colleague, not its author nor one who
    already carries it (refusals about who: a conflict named on the field)."""
    if invitee.id == idea.author_id or not invitee.is_active:
        return Conflict(
            "Invitez une autre personne que vous-même, avec un compte actif.", field="invitee"
        )
    if invitee.id in idea.co_carrier_ids:
        return Conflict(f"{invitee.name} porte déjà cette idée avec vous.", field="invitee")
    return None


def check_accept_carrying(user: User, invitation: CoCarrier, idea: Idea) -> DomainError | None:
    """The invitee, alone, accepts to carry a live idea, once."""
    if user.id != invitation.user_id:
        return Forbidden("Seule la personne invitée peut accepter.")
    if invitation.accepted_at is not None:
        return Conflict("Vous portez déjà cette idée.")
    if idea.status not in LIVE_STATUSES:
        return Conflict("Cette idée n’est plus en déminage ni en projet.")
    return None


def check_decline_carrying(user: User, invitation: CoCarrier) -> DomainError | None:
    """The invitee, alone, declines an invitation not accepted yet."""
    if user.id != invitation.user_id:
        return Forbidden("Seule la personne invitée peut décliner.")
    if invitation.accepted_at is not None:
        return Conflict("Vous portez déjà cette idée : quittez-la plutôt.")
    return None


def check_remove_carrier(user: User, invitation: CoCarrier, idea: Idea) -> DomainError | None:
    """The idea's author, alone, withdraws an invitation or removes a co-porteur."""
    if user.id != idea.author_id:
        return Forbidden("Seule la personne qui a écrit l’idée choisit qui la porte avec elle.")
    return None


def check_leave_carrying(user: User, invitation: CoCarrier) -> DomainError | None:
    """A co-porteur, alone, stops carrying the idea (an invitation is declined instead)."""
    if user.id != invitation.user_id:
        return Forbidden("Seule la personne qui porte l’idée peut cesser de la porter.")
    if invitation.accepted_at is None:
        return Conflict("Vous n’avez pas encore accepté : déclinez plutôt l’invitation.")
    return None


# --- roles: moderation, administration, dashboard -----------------------------------------


def check_moderate(user: User) -> DomainError | None:
    """Admins hide and restore content."""
    if not user.is_admin:
        return Forbidden("La modération est réservée aux comptes d’administration.")
    return None


def can_read_hidden(user: User | None) -> bool:
    """Content hidden by moderation: admins read it; its author is told that and why."""
    return user is not None and user.is_admin


def check_administer(user: User) -> DomainError | None:
    """Accounts, roles, units, the score's parameters, merges, the audit log: admins only."""
    if not user.is_admin:
        return Forbidden("Réservé aux comptes d’administration.")
    return None


def check_change_rights(user: User, person: User, role: str, active: bool) -> DomainError | None:
    """An admin changes anyone's role and activity, but never takes away their own
    administration: someone must stay able to give it back."""
    if denied := check_administer(user):
        return denied
    if person.id == user.id and (role != Role.admin or not active):
        return InvalidInput(
            {"role": "Vous ne pouvez pas retirer vos propres droits d’administration."}
        )
    return None


def check_view_dashboard(user: User) -> DomainError | None:
    """Managers see the dashboard."""
    if not user.is_manager:
        return Forbidden("Le pilotage est réservé aux managers.")
    return None


# --- the can_* predicates, for templates and for whoever only needs a yes or a no ---------


def _allowed(error: DomainError | None) -> bool:
    return error is None


def can_edit_idea(user: User | None, idea: Idea) -> bool:
    return user is not None and _allowed(check_edit_idea(user, idea))


def can_publish(user: User | None, idea: Idea, rival: Idea | None = None) -> bool:
    return user is not None and _allowed(check_publish(user, idea, rival))


def can_abandon(user: User | None, idea: Idea) -> bool:
    return user is not None and _allowed(check_abandon(user, idea))


def can_delete_draft(user: User | None, idea: Idea) -> bool:
    return user is not None and _allowed(check_delete_draft(user, idea))


def can_follow(user: User | None, idea: Idea) -> bool:
    return user is not None and _allowed(check_follow(user, idea))


def can_support(user: User | None, idea: Idea) -> bool:
    """Whether the user may start supporting the idea (a supporter may always withdraw)."""
    return user is not None and _allowed(check_support(user, idea))


def can_lay_mine(user: User | None, idea: Idea) -> bool:
    return user is not None and _allowed(check_lay_mine(user, idea))


def can_decide_on_ideas(user: User | None) -> bool:
    return user is not None and _allowed(check_decide_on_ideas(user))


def can_promote(user: User | None, idea: Idea) -> bool:
    return user is not None and _allowed(check_promote(user, idea))


def can_send_back(user: User | None, idea: Idea) -> bool:
    return user is not None and _allowed(check_send_back(user, idea))


def can_merge(user: User | None, keep: Idea, merged: Idea) -> bool:
    return user is not None and _allowed(check_merge(user, keep, merged))


def can_post_milestone(user: User | None, idea: Idea) -> bool:
    return user is not None and _allowed(check_post_milestone(user, idea))


def can_set_sponsor(user: User | None, idea: Idea) -> bool:
    return user is not None and _allowed(check_set_sponsor(user, idea))


def can_relaunch(user: User | None, idea: Idea, relaunch: Idea | None) -> bool:
    return user is not None and _allowed(check_relaunch(user, idea, relaunch))


def can_bring_deminage(user: User | None, mine: Mine, idea: Idea) -> bool:
    return user is not None and _allowed(check_bring_deminage(user, mine, idea))


def can_accept_deminage(user: User | None, deminage: Deminage, mine: Mine, idea: Idea) -> bool:
    return user is not None and _allowed(check_accept_deminage(user, deminage, mine, idea))


def can_dismiss_deminage(user: User | None, deminage: Deminage, mine: Mine, idea: Idea) -> bool:
    return user is not None and _allowed(check_dismiss_deminage(user, deminage, mine, idea))


def can_mark_helpful(user: User | None, deminage: Deminage, mine: Mine | None = None) -> bool:
    return user is not None and _allowed(check_mark_helpful(user, deminage, mine))


def can_withdraw(user: User | None, mine: Mine) -> bool:
    return user is not None and _allowed(check_withdraw(user, mine))


def can_reopen(user: User | None, mine: Mine, idea: Idea) -> bool:
    return user is not None and _allowed(check_reopen(user, mine, idea))


def can_accept_risk(user: User | None, mine: Mine, idea: Idea) -> bool:
    return user is not None and _allowed(check_accept_risk(user, mine, idea))


def can_cosign(user: User | None, mine: Mine, idea: Idea) -> bool:
    return user is not None and _allowed(check_cosign(user, mine, idea))


def can_withdraw_signature(user: User | None, mine: Mine, signature: Signature | None) -> bool:
    return user is not None and _allowed(check_withdraw_signature(user, mine, signature))


def can_request_scope_move(
    user: User | None, mine: Mine, idea: Idea, request: ScopeRequest | None
) -> bool:
    return user is not None and _allowed(check_request_scope_move(user, mine, idea, request))


def can_answer_scope_move(user: User | None, mine: Mine, request: ScopeRequest | None) -> bool:
    return user is not None and _allowed(check_answer_scope_move(user, mine, request))


def can_decide_scope_move(
    user: User | None,
    mine: Mine,
    idea: Idea,
    request: ScopeRequest | None,
    signature: Signature | None,
) -> bool:
    return user is not None and _allowed(
        check_decide_scope_move(user, mine, idea, request, signature)
    )


def can_ask_basis(user: User | None, mine: Mine, idea: Idea) -> bool:
    return user is not None and _allowed(check_ask_basis(user, mine, idea))


def can_state_basis(user: User | None, mine: Mine) -> bool:
    return user is not None and _allowed(check_state_basis(user, mine))


def can_invite(user: User | None, mine: Mine) -> bool:
    return user is not None and _allowed(check_invite(user, mine))


def can_invite_colleague(user: User | None, mine: Mine, invitee: User) -> bool:
    return user is not None and _allowed(check_invite_colleague(user, mine, invitee))


def can_decline_invitation(user: User | None, invitation: MineInvitation) -> bool:
    return user is not None and _allowed(check_decline_invitation(user, invitation))


def can_manage_calls(user: User | None) -> bool:
    return user is not None and _allowed(check_manage_calls(user))


def can_edit_call(user: User | None, call: CallForIdeas) -> bool:
    return user is not None and _allowed(check_edit_call(user, call))


def can_close_call(user: User | None, call: CallForIdeas) -> bool:
    return user is not None and _allowed(check_close_call(user, call))


def can_answer_call(
    user: User | None, call: CallForIdeas, audience: Collection[int], now: datetime
) -> bool:
    return user is not None and _allowed(check_answer_call(user, call, audience, now))


def can_decide_call(user: User | None, call: CallForIdeas, now: datetime) -> bool:
    return user is not None and _allowed(check_decide_call(user, call, now))


def can_invite_carrier(user: User | None, idea: Idea) -> bool:
    return user is not None and _allowed(check_invite_carrier(user, idea))


def can_invite_carrier_colleague(user: User | None, idea: Idea, invitee: User) -> bool:
    return user is not None and _allowed(check_invite_carrier_colleague(user, idea, invitee))


def can_accept_carrying(user: User | None, invitation: CoCarrier, idea: Idea) -> bool:
    return user is not None and _allowed(check_accept_carrying(user, invitation, idea))


def can_decline_carrying(user: User | None, invitation: CoCarrier) -> bool:
    return user is not None and _allowed(check_decline_carrying(user, invitation))


def can_remove_carrier(user: User | None, invitation: CoCarrier, idea: Idea) -> bool:
    return user is not None and _allowed(check_remove_carrier(user, invitation, idea))


def can_leave_carrying(user: User | None, invitation: CoCarrier) -> bool:
    return user is not None and _allowed(check_leave_carrying(user, invitation))


def can_moderate(user: User | None) -> bool:
    return user is not None and _allowed(check_moderate(user))


def can_administer(user: User | None) -> bool:
    return user is not None and _allowed(check_administer(user))


def can_change_rights(user: User | None, person: User, role: str, active: bool) -> bool:
    return user is not None and _allowed(check_change_rights(user, person, role, active))


def can_view_dashboard(user: User | None) -> bool:
    return user is not None and _allowed(check_view_dashboard(user))


def raise_if(error: DomainError | None) -> None:
    """Raise the refusal a check returned, if any."""
    if error is not None:
        raise error


TEMPLATE_PREDICATES = {
    name: fn for name, fn in globals().items() if name.startswith("can_") and callable(fn)
}
