"""Who may do what: each check returns the error to raise, or None; can_* wrap them.

Routers and services raise what a check returns; templates hide a button with the
matching can_* predicate, so the page never offers what the server would refuse.
"""

from app.errors import Conflict, DomainError, Forbidden
from app.models import Deminage, Idea, IdeaStatus, Mine, MineStatus, Severity, User

LIVE_STATUSES = (IdeaStatus.open, IdeaStatus.project)


def check_not_hidden(*items: Mine | Deminage | None) -> DomainError | None:
    """Nobody acts on content hidden by moderation (the refusal names no title nor text)."""
    for item in items:
        if item is not None and item.hidden_at is not None:
            if isinstance(item, Deminage):
                return Conflict(
                    "Ce déminage a été masqué par la modération : on ne peut plus y toucher."
                )
            return Conflict(
                "Cette mine a été masquée par la modération : on ne peut plus y toucher."
            )
    return None


def can_view_idea(user: User | None, idea: Idea) -> bool:
    """Drafts are their author's alone; everything else is readable by every agent."""
    return idea.status != IdeaStatus.draft or (user is not None and user.id == idea.author_id)


def check_edit_idea(user: User, idea: Idea) -> DomainError | None:
    if user.id != idea.author_id:
        return Forbidden("Seul·e l'auteur·rice de l'idée peut la modifier.")
    if idea.status not in (IdeaStatus.draft, IdeaStatus.open):
        return Conflict("Une idée devenue projet ou abandonnée ne se modifie plus.")
    return None


def check_publish(user: User, idea: Idea) -> DomainError | None:
    if user.id != idea.author_id:
        return Forbidden("Seul·e l'auteur·rice de l'idée peut la publier.")
    if idea.status != IdeaStatus.draft:
        return Conflict("Cette idée est déjà publiée.")
    return None


def check_abandon(user: User, idea: Idea) -> DomainError | None:
    if user.id != idea.author_id and not user.is_manager:
        return Forbidden("Seul·e l'auteur·rice ou un·e manager peut clore l'idée.")
    if idea.status not in (IdeaStatus.draft, IdeaStatus.open):
        return Conflict("Seule une idée en brouillon ou en déminage peut être abandonnée.")
    return None


def check_lay_mine(user: User, idea: Idea) -> DomainError | None:
    if user.id == idea.author_id:
        return Forbidden("On ne mine pas son propre terrain : répondez plutôt aux mines posées.")
    if idea.status not in LIVE_STATUSES:
        return Conflict("On ne pose de mine que sur une idée en déminage ou devenue projet.")
    return None


def check_bring_deminage(user: User, mine: Mine, idea: Idea) -> DomainError | None:
    if hidden := check_not_hidden(mine):
        return hidden
    if user.id == mine.author_id:
        return Forbidden(
            "On ne démine pas sa propre mine : retirez-la si elle n'a plus lieu d'être."
        )
    if idea.status not in LIVE_STATUSES or mine.status == MineStatus.withdrawn:
        return Conflict("Cette mine n'attend plus de déminage.")
    return None


def check_accept_deminage(
    user: User, deminage: Deminage, mine: Mine, idea: Idea
) -> DomainError | None:
    if hidden := check_not_hidden(mine, deminage):
        return hidden
    if user.id not in (mine.author_id, idea.author_id):
        return Forbidden("Seul·e l'auteur·rice de la mine ou de l'idée accepte un déminage.")
    if idea.status not in LIVE_STATUSES or mine.status not in (
        MineStatus.open,
        MineStatus.accepted_risk,
    ):
        return Conflict("Cette mine n'est plus active : rouvrez-la d'abord.")
    return None


def check_mark_helpful(
    user: User, deminage: Deminage, mine: Mine | None = None
) -> DomainError | None:
    if hidden := check_not_hidden(mine, deminage):
        return hidden
    if user.id == deminage.author_id:
        return Forbidden("On ne marque pas son propre déminage « ça aide ».")
    return None


def check_withdraw(user: User, mine: Mine) -> DomainError | None:
    if hidden := check_not_hidden(mine):
        return hidden
    if user.id != mine.author_id:
        return Forbidden("Seul·e l'auteur·rice de la mine peut la retirer.")
    if mine.status == MineStatus.withdrawn:
        return Conflict("Cette mine est déjà retirée.")
    return None


def check_reopen(user: User, mine: Mine, idea: Idea) -> DomainError | None:
    if hidden := check_not_hidden(mine):
        return hidden
    if user.id != mine.author_id:
        return Forbidden("Seul·e l'auteur·rice de la mine peut la rouvrir.")
    if idea.status not in LIVE_STATUSES or mine.status == MineStatus.open:
        return Conflict("Cette mine est déjà active.")
    return None


def check_accept_risk(user: User, mine: Mine, idea: Idea) -> DomainError | None:
    if hidden := check_not_hidden(mine):
        return hidden
    if mine.severity == Severity.blocking:
        if not user.is_manager:
            return Forbidden("Le risque d'une bombe ne peut être assumé que par un·e manager.")
    elif user.id != idea.author_id:
        return Forbidden("Seul·e l'auteur·rice de l'idée peut assumer ce risque.")
    if idea.status not in LIVE_STATUSES or mine.status != MineStatus.open:
        return Conflict("Seule une mine active peut voir son risque assumé.")
    return None


def check_promote(user: User, idea: Idea) -> DomainError | None:
    if not user.is_manager:
        return Forbidden("Seul·e un·e manager peut promouvoir une idée en projet.")
    if idea.status != IdeaStatus.open:
        return Conflict("Seule une idée en déminage peut devenir un projet.")
    return None


def check_send_back(user: User, idea: Idea) -> DomainError | None:
    if not user.is_manager:
        return Forbidden("Seul·e un·e manager peut renvoyer une idée à son auteur·rice.")
    if idea.status != IdeaStatus.open:
        return Conflict("Seule une idée en déminage peut être renvoyée.")
    return None


def check_invite(mine: Mine) -> DomainError | None:
    if hidden := check_not_hidden(mine):
        return hidden
    if mine.status != MineStatus.open:
        return Conflict("Seule une mine active appelle des renforts.")
    return None


def check_manage_users(user: User) -> DomainError | None:
    if not user.is_admin:
        return Forbidden("Réservé aux administrateur·rices.")
    return None


def _allowed(error: DomainError | None) -> bool:
    return error is None


def can_edit_idea(user: User | None, idea: Idea) -> bool:
    return user is not None and _allowed(check_edit_idea(user, idea))


def can_publish(user: User | None, idea: Idea) -> bool:
    return user is not None and _allowed(check_publish(user, idea))


def can_abandon(user: User | None, idea: Idea) -> bool:
    return user is not None and _allowed(check_abandon(user, idea))


def can_lay_mine(user: User | None, idea: Idea) -> bool:
    return user is not None and _allowed(check_lay_mine(user, idea))


def can_bring_deminage(user: User | None, mine: Mine, idea: Idea) -> bool:
    return user is not None and _allowed(check_bring_deminage(user, mine, idea))


def can_accept_deminage(user: User | None, deminage: Deminage, mine: Mine, idea: Idea) -> bool:
    return user is not None and _allowed(check_accept_deminage(user, deminage, mine, idea))


def can_mark_helpful(user: User | None, deminage: Deminage, mine: Mine | None = None) -> bool:
    return user is not None and _allowed(check_mark_helpful(user, deminage, mine))


def can_withdraw(user: User | None, mine: Mine) -> bool:
    return user is not None and _allowed(check_withdraw(user, mine))


def can_reopen(user: User | None, mine: Mine, idea: Idea) -> bool:
    return user is not None and _allowed(check_reopen(user, mine, idea))


def can_accept_risk(user: User | None, mine: Mine, idea: Idea) -> bool:
    return user is not None and _allowed(check_accept_risk(user, mine, idea))


def can_promote(user: User | None, idea: Idea) -> bool:
    return user is not None and _allowed(check_promote(user, idea))


def can_send_back(user: User | None, idea: Idea) -> bool:
    return user is not None and _allowed(check_send_back(user, idea))


def can_manage_users(user: User | None) -> bool:
    return user is not None and _allowed(check_manage_users(user))


def check_moderate(user: User) -> DomainError | None:
    if not user.is_admin:
        return Forbidden("Seul·es les administrateur·rices modèrent.")
    return None


def can_moderate(user: User | None) -> bool:
    return user is not None and _allowed(check_moderate(user))


def can_read_hidden(user: User | None) -> bool:
    """Content hidden by moderation: admins read it; its author is told that and why."""
    return user is not None and user.is_admin


def raise_if(error: DomainError | None) -> None:
    if error is not None:
        raise error


TEMPLATE_PREDICATES = {
    name: fn for name, fn in globals().items() if name.startswith("can_") and callable(fn)
}
