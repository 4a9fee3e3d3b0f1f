"""« Ce qui bloque »: the tallies kept at write time always equal a count from scratch, and the
objections that come back are found with the answers that defused them elsewhere."""

from sqlmodel import Session

from app.models import Idea, IdeaStatus, Role
from app.models.base import pk
from app.schemas import IdeaUpdate
from app.services import blockers, ideas, mines, moderation
from app.services.readiness import ScoringParams
from tests.conftest import Clock
from tests.factories import make_deminage, make_idea, make_mine, make_user

PARAMS = ScoringParams()


def _stored_is_recounted(db: Session) -> dict[tuple[str, str, str], int]:
    db.flush()
    stored = blockers.stored(db)
    assert stored == blockers.recount(db)
    return dict(stored)


def test_every_write_keeps_the_tallies_equal_to_a_count_from_scratch(
    db: Session, clock: Clock
) -> None:
    author = make_user(db, unit="Accueil")
    other_author = make_user(db, unit="État civil")
    layer, helper = make_user(db, unit="DSI"), make_user(db, unit="Juridique")
    admin = make_user(db, role=Role.admin)
    idea = make_idea(db, author, clock.now, rule_kind="decree")
    other = make_idea(db, other_author, clock.now)
    draft = make_idea(db, author, clock.now, published=False)
    unit = str(author.unit_id)

    legal = make_mine(db, idea, layer, clock.now, category="legal", severity="blocking")
    budget = make_mine(db, idea, layer, clock.now, category="budget", severity="minor")
    make_mine(db, other, layer, clock.now, category="legal", severity="major")
    tally = _stored_is_recounted(db)
    assert tally[("category", "legal", "blocking")] == 1
    assert tally[("category", "legal", "major")] == 1
    assert tally[("unit", unit, "blocking")] == 1 and tally[("unit", unit, "minor")] == 1
    assert tally[("rule_kind", "decree", "")] == 1 and tally[("rule_kind", "", "")] == 1

    # A defused mine no longer blocks; a withdrawn one neither.
    answer = make_deminage(db, legal, helper, clock.now)
    mines.accept_deminage(db, PARAMS, author, answer, legal, idea, clock.now)
    mines.withdraw(db, PARAMS, layer, budget, idea, clock.now)
    tally = _stored_is_recounted(db)
    assert ("category", "legal", "blocking") not in tally
    assert ("unit", unit, "minor") not in tally

    # A hidden mine counts as withdrawn, and counts again once restored.
    reopened = make_mine(db, idea, layer, clock.now, category="security", severity="major")
    moderation.hide(db, PARAMS, admin, reopened, idea, "hors sujet", clock.now)
    assert ("category", "security", "major") not in _stored_is_recounted(db)
    moderation.restore(db, PARAMS, admin, reopened, idea, clock.now)
    assert _stored_is_recounted(db)[("category", "security", "major")] == 1

    # The kind of rule follows an edit; a published draft joins the map; a closed idea leaves it.
    ideas.update_idea(db, PARAMS, author, idea, IdeaUpdate(rule_kind="law"), clock.now)
    ideas.publish(db, PARAMS, author, draft, clock.now)
    tally = _stored_is_recounted(db)
    assert ("rule_kind", "decree", "") not in tally and tally[("rule_kind", "law", "")] == 1
    assert tally[("rule_kind", "", "")] == 2
    ideas.abandon(db, PARAMS, other_author, other, "Trop tôt.", clock.now)
    tally = _stored_is_recounted(db)
    assert ("category", "legal", "major") not in tally
    assert other.status == IdeaStatus.abandoned

    # A merge moves the mines to the idea kept, under its author's unit.
    moved = make_mine(db, draft, layer, clock.now, category="adoption", severity="minor")
    ideas.merge(db, PARAMS, admin, idea, draft, "Doublon.", clock.now)
    tally = _stored_is_recounted(db)
    assert tally[("category", "adoption", "minor")] == 1 and moved.idea_id == idea.id
    assert ("rule_kind", "", "") not in tally and tally[("rule_kind", "law", "")] == 1

    # Counted again from scratch in a few statements (`demineurs reindex`): the same tallies.
    blockers.rebuild(db)
    assert _stored_is_recounted(db) == tally


def test_a_mine_said_again_on_another_idea_finds_the_answer_that_defused_it(
    db: Session, clock: Clock
) -> None:
    first_author, second_author = make_user(db), make_user(db)
    layer, other_layer, helper = make_user(db), make_user(db), make_user(db)
    first = make_idea(db, first_author, clock.now, title="Rendez-vous en ligne à l’accueil")
    second = make_idea(db, second_author, clock.now, title="Prise de rendez-vous par SMS")
    third = make_idea(db, second_author, clock.now, title="Navette pour les seniors")
    said = (
        "Conserver les numéros de téléphone des usagers demande une base légale et une durée "
        "de conservation"
    )
    old = make_mine(
        db, first, layer, clock.now, category="data_privacy", title="Numéros", body=said
    )
    answer = make_deminage(
        db, old, helper, clock.now, kind="precedent", body="La CNIL l’admet avec un consentement."
    )
    mines.accept_deminage(db, PARAMS, first_author, answer, old, first, clock.now)
    again = make_mine(
        db,
        second,
        other_layer,
        clock.now,
        category="data_privacy",
        title="Téléphones des usagers",
        body="Les numéros de téléphone des usagers : quelle base légale, quelle conservation ?",
    )
    unrelated = make_mine(
        db, third, other_layer, clock.now, category="budget", title="Coût", body="Qui paie ?"
    )
    # Same words, another category: not the same objection.
    elsewhere = make_mine(db, third, layer, clock.now, category="budget", body=said)
    db.flush()

    found = blockers.defused_elsewhere(db, [pk(again), pk(unrelated), pk(elsewhere)])
    assert list(found) == [again.id]
    [known] = found[pk(again)]
    assert known.idea_id == first.id and "consentement" in known.body
    assert again.echo_count == 1 and elsewhere.echo_count == 0

    recurring = blockers.blocker_map(db).recurring
    assert len(recurring) == 1  # the pair is one objection, shown once
    [item] = recurring
    assert {item.mine[0], *(e[0] for e in item.echoes)} == {old.id, again.id}

    # Once the answer is hidden by moderation, it is offered nowhere.
    admin = make_user(db, role=Role.admin)
    moderation.hide(db, PARAMS, admin, answer, first, "injurieux", clock.now)
    db.flush()
    assert blockers.defused_elsewhere(db, [pk(again)]) == {}


def test_a_hidden_mine_no_longer_makes_the_mines_it_echoed_recur(db: Session, clock: Clock) -> None:
    """« Les objections qui reviennent » ranks by echoes: a hidden mine's echoes no longer
    count, so the mines it echoed do not crowd out an objection that does come back."""
    carrier, layer, other_layer, admin = (
        make_user(db),
        make_user(db),
        make_user(db),
        make_user(db, role=Role.admin),
    )
    said = "Le parking des agents manque de places le lundi matin, la mairie loue ailleurs"
    pair = [
        make_mine(db, make_idea(db, carrier, clock.now, title=title), layer, clock.now, body=said)
        for title in ("Covoiturage du lundi", "Navette du lundi")
    ]
    echoed = "Les imprimantes du troisième étage tombent en panne et le prestataire tarde"
    shared = make_idea(db, carrier, clock.now, title="Imprimantes partagées")
    for who in (layer, other_layer):
        make_mine(db, shared, who, clock.now, body=echoed)
    hidden = make_mine(
        db, make_idea(db, carrier, clock.now, title="Panne"), layer, clock.now, body=echoed
    )
    db.flush()
    assert hidden.echo_count == 2
    moderation.hide(db, PARAMS, admin, hidden, db.get_one(Idea, hidden.idea_id), "Abus", clock.now)
    db.flush()
    [item] = blockers.blocker_map(db, recurring=1).recurring
    assert {item.mine[0], *(e[0] for e in item.echoes)} == {pk(m) for m in pair}
    # Restored, it echoes them again.
    moderation.restore(db, PARAMS, admin, hidden, db.get_one(Idea, hidden.idea_id), clock.now)
    db.flush()
    [item] = blockers.blocker_map(db, recurring=1).recurring
    assert item.mine[0] == hidden.id and len(item.echoes) == 2
