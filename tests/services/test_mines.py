"""The rules of mines and déminages, through the real services on a real database."""

from datetime import timedelta

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session, col, select

from app import rescore
from app.config import Settings
from app.errors import Conflict, Forbidden
from app.models import Idea, IdeaEvent, Mine, MineStatus, Notification, RescoreJob, Role, User
from app.schemas import IdeaUpdate
from app.services import ideas, mines, scoring
from app.services.readiness import ScoringParams
from tests.conftest import Clock
from tests.factories import LONG, make_deminage, make_idea, make_mine, make_user

P = ScoringParams()


@pytest.fixture
def cast(engine_session: Session) -> dict[str, User]:
    s = engine_session
    return {
        "author": make_user(s, name="Autrice", unit="Accueil"),
        "a": make_user(s, name="Alice", unit="Finances"),
        "b": make_user(s, name="Bruno", unit="DSI"),
        "c": make_user(s, name="Chloé", unit="RH"),
        "manager": make_user(s, name="Manon", unit="DGS", role=Role.manager),
    }


def test_author_cannot_mine_own_idea(
    engine_session: Session, cast: dict[str, User], clock: Clock
) -> None:
    idea = make_idea(engine_session, cast["author"], clock.now)
    with pytest.raises(Forbidden):
        make_mine(engine_session, idea, cast["author"], clock.now)


def test_no_mine_on_a_draft_or_abandoned_idea(
    engine_session: Session, cast: dict[str, User], clock: Clock
) -> None:
    draft = make_idea(engine_session, cast["author"], clock.now, published=False)
    with pytest.raises(Conflict):
        make_mine(engine_session, draft, cast["a"], clock.now)
    idea = make_idea(engine_session, cast["author"], clock.now)
    ideas.abandon(engine_session, P, cast["author"], idea, "Leçon", clock.now)
    with pytest.raises(Conflict):
        make_mine(engine_session, idea, cast["a"], clock.now)


def test_mine_author_cannot_answer_own_mine_but_idea_author_can(
    engine_session: Session, cast: dict[str, User], clock: Clock
) -> None:
    idea = make_idea(engine_session, cast["author"], clock.now)
    mine = make_mine(engine_session, idea, cast["a"], clock.now)
    with pytest.raises(Forbidden):
        make_deminage(engine_session, mine, cast["a"], clock.now)
    assert make_deminage(engine_session, mine, cast["author"], clock.now).id


def test_accepting_defuses_at_once_and_only_authors_may(
    engine_session: Session, cast: dict[str, User], clock: Clock
) -> None:
    s = engine_session
    idea = make_idea(s, cast["author"], clock.now)
    mine = make_mine(s, idea, cast["a"], clock.now)
    deminage = make_deminage(s, mine, cast["b"], clock.now)
    with pytest.raises(Forbidden):
        mines.accept_deminage(s, P, cast["c"], deminage, mine, idea, clock.now)
    mines.accept_deminage(s, P, cast["author"], deminage, mine, idea, clock.now)
    assert mine.status == MineStatus.defused
    assert deminage.accepted
    last = s.exec(select(IdeaEvent).where(IdeaEvent.kind == "defused")).one()
    assert "peut la rouvrir" in last.message
    with pytest.raises(Conflict):
        mines.accept_deminage(s, P, cast["a"], deminage, mine, idea, clock.now)


def test_mine_author_reopens_with_a_reason_and_others_cannot(
    engine_session: Session, cast: dict[str, User], clock: Clock
) -> None:
    s = engine_session
    idea = make_idea(s, cast["author"], clock.now)
    mine = make_mine(s, idea, cast["a"], clock.now)
    deminage = make_deminage(s, mine, cast["b"], clock.now)
    with pytest.raises(Conflict):
        mines.reopen(s, P, cast["a"], mine, idea, "Pas encore", clock.now)
    mines.accept_deminage(s, P, cast["author"], deminage, mine, idea, clock.now)
    with pytest.raises(Forbidden):
        mines.reopen(s, P, cast["author"], mine, idea, "Non", clock.now)
    later = clock.advance(hours=5)
    mines.reopen(s, P, cast["a"], mine, idea, "La solution ne couvre pas les mineurs", later)
    assert mine.status == MineStatus.open
    assert mine.armed_at == later
    assert mine.reopen_reason.startswith("La solution")


def test_risk_of_minor_or_major_is_the_authors_and_of_a_bomb_a_managers(
    engine_session: Session, cast: dict[str, User], clock: Clock
) -> None:
    s = engine_session
    idea = make_idea(s, cast["author"], clock.now)
    petard = make_mine(s, idea, cast["a"], clock.now, severity="minor")
    bomb = make_mine(s, idea, cast["a"], clock.now, severity="blocking")
    with pytest.raises(Forbidden):
        mines.accept_risk(s, P, cast["b"], petard, idea, "Pourquoi pas", clock.now)
    mines.accept_risk(s, P, cast["author"], petard, idea, "Limité au pilote", clock.now)
    assert petard.status == MineStatus.accepted_risk
    with pytest.raises(Forbidden):
        mines.accept_risk(s, P, cast["author"], bomb, idea, "J'assume", clock.now)
    mines.accept_risk(s, P, cast["manager"], bomb, idea, "Arbitrage de la direction", clock.now)
    assert bomb.status == MineStatus.accepted_risk
    assert bomb.resolution_reason == "Arbitrage de la direction"


def test_only_the_mine_author_withdraws(
    engine_session: Session, cast: dict[str, User], clock: Clock
) -> None:
    s = engine_session
    idea = make_idea(s, cast["author"], clock.now)
    mine = make_mine(s, idea, cast["a"], clock.now)
    with pytest.raises(Forbidden):
        mines.withdraw(s, P, cast["author"], mine, idea, clock.now)
    mines.withdraw(s, P, cast["a"], mine, idea, clock.now)
    assert mine.status == MineStatus.withdrawn
    with pytest.raises(Conflict):
        mines.withdraw(s, P, cast["a"], mine, idea, clock.now)
    # Its author may lay it again at any time, with a reason.
    mines.reopen(s, P, cast["a"], mine, idea, "Le risque est revenu", clock.now)
    assert mine.status == MineStatus.open


def test_helpful_is_once_per_person_and_never_on_ones_own(
    engine_session: Session, cast: dict[str, User], clock: Clock
) -> None:
    s = engine_session
    idea = make_idea(s, cast["author"], clock.now)
    mine = make_mine(s, idea, cast["a"], clock.now)
    deminage = make_deminage(s, mine, cast["b"], clock.now)
    with pytest.raises(Forbidden):
        mines.toggle_helpful(s, cast["b"], deminage)
    assert mines.toggle_helpful(s, cast["a"], deminage) is True
    assert mines.toggle_helpful(s, cast["c"], deminage) is True
    assert deminage.helpful_count == 2
    assert mines.toggle_helpful(s, cast["a"], deminage) is False
    assert deminage.helpful_count == 1


def _ripe_idea(s: Session, cast: dict[str, User], clock: Clock) -> Idea:
    idea = make_idea(
        s,
        cast["author"],
        clock.now,
        solution=LONG,
        problem=LONG,
        broken_rule=LONG,
        first_ground=LONG,
        themes=["accueil"],
    )
    for who in ("a", "b", "c"):
        mine = make_mine(s, idea, cast[who], clock.now, title=f"Mine de {who}")
        d = make_deminage(s, mine, cast["author"], clock.now)
        mines.accept_deminage(s, P, cast[who], d, mine, idea, clock.now)
    clock.advance(hours=73)
    scoring.refresh(s, P, idea, clock.now)
    return idea


def test_new_mine_on_a_ripe_idea_unripens_it_with_a_history_line(
    engine_session: Session, cast: dict[str, User], clock: Clock
) -> None:
    s = engine_session
    idea = _ripe_idea(s, cast, clock)
    assert idea.is_ripe(clock.now)
    make_mine(s, idea, cast["manager"], clock.now, severity="minor", title="Formation")
    assert not idea.is_ripe(clock.now)
    line = s.exec(select(IdeaEvent).where(IdeaEvent.kind == "unripe")).one()
    assert "pétard «\u00a0Formation\u00a0» posé" in line.message
    assert "aucune mine posée ou rouverte" in line.message


def test_reopening_on_a_ripe_idea_restarts_the_quiet_period(
    engine_session: Session, cast: dict[str, User], clock: Clock
) -> None:
    s = engine_session
    idea = _ripe_idea(s, cast, clock)
    mine = s.get_one(Mine, mines.mines_for_idea(s, idea, None)[0].mine.id)
    mines.reopen(s, P, cast["a"], mine, idea, "Finalement non", clock.now)
    assert not idea.is_ripe(clock.now)
    assert idea.ripe_from == clock.now + timedelta(hours=72)


def test_edit_keeps_a_revision_and_mines_see_what_changed(
    engine_session: Session, cast: dict[str, User], clock: Clock
) -> None:
    s = engine_session
    idea = make_idea(s, cast["author"], clock.now)
    mine = make_mine(s, idea, cast["a"], clock.now)
    ideas.update_idea(
        s,
        P,
        cast["author"],
        idea,
        IdeaUpdate(solution="Grâce à un guichet unique, tout va mieux."),
        clock.advance(hours=1),
    )
    assert ideas.changed_since_many(s, idea, {mine.idea_revision}) == {
        mine.idea_revision: ["La solution"]
    }
    revs = ideas.revisions(s, idea)
    assert revs[0].number == 2 and [c.field for c in revs[0].changes] == ["solution"]


def test_recomputing_one_idea_does_not_depend_on_the_whole_base(
    engine_session: Session, cast: dict[str, User], clock: Clock
) -> None:
    s = engine_session
    target = make_idea(s, cast["author"], clock.now)
    make_mine(s, target, cast["a"], clock.now)
    s.flush()

    def count_queries() -> int:
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(s.get_bind(), "before_cursor_execute", listener)
        scoring.compute_for(s, P, target, clock.now)
        event.remove(s.get_bind(), "before_cursor_execute", listener)
        return len(statements)

    before = count_queries()
    for _ in range(30):
        other = make_idea(s, cast["b"], clock.now)
        make_mine(s, other, cast["a"], clock.now)
    s.flush()
    assert count_queries() == before <= 4  # mines, déminages, signatures, themes


def test_stored_score_matches_scratch_after_parameter_change(
    engine_session: Session, cast: dict[str, User], clock: Clock, settings: Settings
) -> None:
    """Stricter parameters saved by an admin, recomputed by the background job (the admin
    page's path, and `demineurs recompute-scores`'): the stored score is the scratch one."""
    s = engine_session
    idea = _ripe_idea(s, cast, clock)
    admin = make_user(s, role=Role.admin)
    before = scoring.scoring_params(s, settings)
    stricter = {"ripe_threshold": 100, "weight_blocking": 20}
    job = scoring.save_params(s, admin, stricter, before, clock.now)
    assert job is not None
    s.commit()
    engine = s.get_bind()
    assert isinstance(engine, Engine)
    rescore.run_pending(engine, "worker", clock)
    s.expire_all()
    strict = scoring.scoring_params(s, settings)
    assert (strict.ripe_threshold, strict.weight_blocking) == (100, 20)
    assert s.get_one(RescoreJob, job.id).done == 1  # the one idea
    assert idea.score == scoring.compute_for(s, strict, idea, clock.now).score
    assert not idea.is_ripe(clock.now)
    assert (
        "paramètres du score modifiés"
        in s.exec(select(IdeaEvent).where(IdeaEvent.kind == "unripe")).one().message
    )
    clock.advance(days=1)
    assert timedelta(0) < clock.now - idea.last_activity_at


def test_each_history_line_shows_the_score_its_event_led_to(
    engine_session: Session, cast: dict[str, User], clock: Clock
) -> None:
    """« Bombe posée » carries the score once the bombe is there, not the score before it."""
    s = engine_session
    idea = make_idea(s, cast["author"], clock.now)
    scores = []
    for who, severity in (("a", "blocking"), ("b", "minor"), ("c", "major")):
        clock.advance(minutes=1)
        make_mine(s, idea, cast[who], clock.now, severity=severity)
        s.flush()
        s.refresh(idea)
        scores.append(idea.score)
    assert len(set(scores)) > 1  # each mine moved the score
    events = s.exec(
        select(IdeaEvent)
        .where(IdeaEvent.idea_id == idea.id, IdeaEvent.kind == "mine_laid")
        .order_by(col(IdeaEvent.id))
    ).all()
    assert [e.score for e in events] == scores
    # And each line agrees with its noun: a pétard is « posé », a bombe « posée ».
    assert [e.message.split("\u00a0:")[0] for e in events] == [
        "Bombe posée",
        "Pétard posé",
        "Mine posée",
    ]


def test_a_deminage_counts_once_whatever_its_history(
    engine_session: Session, cast: dict[str, User], clock: Clock
) -> None:
    """Accept, reopen, accept the same déminage five times: one accepted déminage."""
    from app.models import Expertise

    s = engine_session
    idea = make_idea(s, cast["author"], clock.now)
    mine = make_mine(s, idea, cast["a"], clock.now, category="budget")
    helper = cast["b"]
    answer = make_deminage(s, mine, helper, clock.now)
    for _ in range(5):
        mines.accept_deminage(s, P, cast["author"], answer, mine, idea, clock.now)
        clock.advance(minutes=1)
        mines.reopen(s, P, cast["a"], mine, idea, "Pas convaincue.", clock.now)
    mines.accept_deminage(s, P, cast["a"], answer, mine, idea, clock.now)
    s.flush()
    assert s.get_one(Expertise, (helper.id, "budget")).accepted == 1
    assert mines.demineur_record(s, helper).deminages_accepted == 1
    # Another déminage accepted on the same mine later is a second one.
    mines.reopen(s, P, cast["a"], mine, idea, "Encore.", clock.now)
    other = make_deminage(s, mine, helper, clock.now, body="Une autre réponse.")
    mines.accept_deminage(s, P, cast["a"], other, mine, idea, clock.now)
    s.flush()
    s.expire_all()
    assert s.get_one(Expertise, (helper.id, "budget")).accepted == 2
    assert mines.demineur_record(s, helper).deminages_accepted == 2


# --- co-signing, portée, basis ----------------------------------------------------------------


def test_cosigning_sets_the_median_and_a_bombe_blocks_only_while_its_median_is_one(
    engine_session: Session, cast: dict[str, User], clock: Clock
) -> None:
    s = engine_session
    idea = make_idea(s, cast["author"], clock.now)
    bomb = make_mine(s, idea, cast["a"], clock.now, severity="blocking", title="Hébergement")
    gates = lambda: {g.name: g.ok for g in scoring.compute_for(s, P, idea, clock.now).gates}  # noqa: E731
    assert gates()["no_open_bomb"] is False
    mines.cosign(s, P, cast["b"], bomb, idea, "minor", clock.now)
    # Bombe and pétard: the median falls between them, on « mine »; it no longer blocks.
    assert bomb.severity == "major" and gates()["no_open_bomb"] is True
    (view,) = mines.mines_for_idea(s, idea, cast["c"])
    assert view.split_opinions
    assert [(x.person.name, x.severity, x.is_author) for x in view.signatures] == [
        ("Alice", "blocking", True),
        ("Bruno", "minor", False),
    ]
    mines.cosign(s, P, cast["c"], bomb, idea, "blocking", clock.now)
    assert bomb.severity == "blocking" and gates()["no_open_bomb"] is False
    # A co-signer counts as a reviewer; withdrawing takes their estimate and their look away.
    assert idea.reviewer_count == 3
    mines.withdraw_signature(s, P, cast["c"], bomb, idea, clock.now)
    assert bomb.severity == "major" and idea.reviewer_count == 2
    history = [e.message for e in s.exec(select(IdeaEvent).where(IdeaEvent.idea_id == idea.id))]
    assert any("co-signée, estimation\u00a0: pétard" in m for m in history)
    assert any("signature retirée" in m and "médiane" in m for m in history)


def test_neither_the_idea_author_nor_the_mine_author_cosigns(
    engine_session: Session, cast: dict[str, User], clock: Clock
) -> None:
    s = engine_session
    idea = make_idea(s, cast["author"], clock.now)
    mine = make_mine(s, idea, cast["a"], clock.now)
    for who in ("author", "a"):
        with pytest.raises(Forbidden):
            mines.cosign(s, P, cast[who], mine, idea, "blocking", clock.now)
    with pytest.raises(Forbidden):  # nothing to withdraw
        mines.withdraw_signature(s, P, cast["b"], mine, idea, clock.now)


def test_a_mine_moves_to_the_generalisation_with_its_authors_agreement(
    engine_session: Session, cast: dict[str, User], clock: Clock
) -> None:
    s = engine_session
    idea = make_idea(s, cast["author"], clock.now)
    mine = make_mine(s, idea, cast["a"], clock.now, severity="blocking", title="Déploiement")
    with pytest.raises(Forbidden):  # only the idea's author asks
        mines.request_scope_move(s, cast["b"], mine, idea, "Plus tard", clock.now)
    mines.request_scope_move(s, cast["author"], mine, idea, "Le pilote n’a qu’un site", clock.now)
    with pytest.raises(Conflict):  # once at a time
        mines.request_scope_move(s, cast["author"], mine, idea, "Encore", clock.now)
    with pytest.raises(Forbidden):  # only the mine's author answers
        mines.answer_scope_move(s, P, cast["author"], mine, idea, True, "", clock.now)
    mines.answer_scope_move(s, P, cast["a"], mine, idea, True, "", clock.now)
    assert mine.scope == "generalisation"
    readiness = scoring.compute_for(s, P, idea, clock.now)
    assert {g.name: g.ok for g in readiness.gates}["no_open_bomb"] is True
    assert readiness.generalisation.mines == 1
    kinds = [e.kind for e in s.exec(select(IdeaEvent).where(IdeaEvent.idea_id == idea.id))]
    assert "scope_requested" in kinds and "scope_answered" in kinds


def test_a_manager_settles_a_disagreement_on_the_portee(
    engine_session: Session, cast: dict[str, User], clock: Clock
) -> None:
    s = engine_session
    idea = make_idea(s, cast["author"], clock.now)
    mine = make_mine(s, idea, cast["a"], clock.now, title="Formation")
    mines.request_scope_move(s, cast["author"], mine, idea, "Plus tard", clock.now)
    with pytest.raises(Conflict):  # nothing to decide while the mine's author has not answered
        mines.decide_scope_move(s, P, cast["manager"], mine, idea, True, "Tranché", clock.now)
    mines.answer_scope_move(s, P, cast["a"], mine, idea, False, "Dès le premier jour", clock.now)
    assert mine.scope == "first_ground"
    with pytest.raises(Forbidden):
        mines.decide_scope_move(s, P, cast["b"], mine, idea, True, "Tranché", clock.now)
    mines.decide_scope_move(
        s, P, cast["manager"], mine, idea, False, "Il menace le pilote", clock.now
    )
    assert mine.scope == "first_ground"
    assert mines.open_scope_request(s, mine) is None
    # Everyone concerned was told, and the history keeps every step.
    messages = [e.message for e in s.exec(select(IdeaEvent).where(IdeaEvent.idea_id == idea.id))]
    assert any("gardée dès le premier terrain par décision d’un manager" in m for m in messages)
    told = s.exec(
        select(Notification.user_id).where(Notification.kind == "mine_scope_settled")
    ).all()
    assert {cast["author"].id, cast["a"].id} <= set(told)


def test_the_idea_author_asks_what_a_mine_rests_on_and_its_author_answers(
    engine_session: Session, cast: dict[str, User], clock: Clock
) -> None:
    s = engine_session
    idea = make_idea(s, cast["author"], clock.now)
    mine = make_mine(s, idea, cast["a"], clock.now, title="RGPD")
    assert (mine.basis, mine.scope) == ("intuition", "first_ground")
    mines.ask_basis(s, cast["author"], mine, idea, clock.now)
    with pytest.raises(Conflict):  # once, until answered
        mines.ask_basis(s, cast["author"], mine, idea, clock.now)
    asked = s.exec(
        select(Notification).where(
            Notification.user_id == cast["a"].id, Notification.kind == "question_on_my_mine"
        )
    ).one()
    assert "sur quoi s’appuie votre mine «\u00a0RGPD\u00a0»" in asked.message
    with pytest.raises(Forbidden):
        mines.state_basis(s, cast["b"], mine, idea, "text", "Art. 6", clock.now)
    mines.state_basis(s, cast["a"], mine, idea, "text", "RGPD, article 6", clock.now)
    assert (mine.basis, mine.basis_reference, mine.basis_asked_at) == (
        "text",
        "RGPD, article 6",
        None,
    )
    messages = [e.message for e in s.exec(select(IdeaEvent).where(IdeaEvent.idea_id == idea.id))]
    assert any("sur quoi vous appuyez-vous" in m for m in messages)
    assert any("texte (RGPD, article 6)" in m for m in messages)


def test_a_merge_does_not_back_date_the_kept_idea_ripeness(
    engine_session: Session, cast: dict[str, User], clock: Clock
) -> None:
    s = engine_session
    duplicate = _ripe_idea(s, cast, clock)
    admin = make_user(s, name="Adèle", unit="DGS", role=Role.admin)
    keep = make_idea(
        s,
        cast["manager"],
        clock.now,
        title="Garder",
        solution=LONG,
        problem=LONG,
        broken_rule=LONG,
        first_ground=LONG,
        themes=["accueil"],
    )
    assert not keep.is_ripe(clock.now)  # nobody challenged it yet
    merged_at = clock.advance(days=10)
    ideas.merge(s, P, admin, keep, duplicate, "Même idée.", merged_at)
    # The duplicate's mines were laid two weeks ago, but they reach this idea only now.
    assert not keep.is_ripe(merged_at)
    assert keep.ripe_from == merged_at + timedelta(hours=72)
    later = clock.advance(hours=73)
    scoring.refresh(s, P, keep, later)
    assert keep.is_ripe(later)
    assert keep.ripe_from == merged_at + timedelta(hours=72)


def test_a_merge_into_a_ripe_idea_keeps_it_ripe_since_when_it_was(
    engine_session: Session, cast: dict[str, User], clock: Clock
) -> None:
    s = engine_session
    admin = make_user(s, name="Adèle", unit="DGS", role=Role.admin)
    duplicate = make_idea(s, cast["manager"], clock.now, title="Doublon")
    make_mine(s, duplicate, cast["a"], clock.now, severity="minor", title="Vieille mine")
    clock.advance(hours=1)
    keep = _ripe_idea(s, cast, clock)
    ripe_since = keep.ripe_from
    merged_at = clock.advance(days=10)
    ideas.merge(s, P, admin, keep, duplicate, "Même idée.", merged_at)
    assert keep.is_ripe(merged_at)
    assert keep.ripe_from == ripe_since
