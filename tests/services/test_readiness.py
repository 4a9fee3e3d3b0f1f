"""The readiness score, rule by rule, from PRODUCT.md « The readiness score »."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from app.services.readiness import (
    Contributor,
    IdeaFacts,
    MineFacts,
    ScoringParams,
    compute,
    median_severity,
    split_opinions,
)

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
LONG = "x" * 80
AUTHOR = 1
PARAMS = ScoringParams()
OLD = NOW - timedelta(days=10)


def mine(
    author: int = 2,
    unit: int | None = 20,
    severity: str = "major",
    status: str = "open",
    armed_at: datetime = OLD,
    title: str = "Risque",
) -> MineFacts:
    return MineFacts(title, author, unit, severity, status, armed_at)


def facts(**kw: Any) -> IdeaFacts:
    return IdeaFacts(author_id=AUTHOR, **kw)


def full_fiche(**kw: object) -> IdeaFacts:
    return facts(
        problem=LONG, solution=LONG, broken_rule=LONG, first_ground=LONG, theme_count=1, **kw
    )


def test_clarity_counts_five_per_substantial_field_and_five_for_themes() -> None:
    assert compute(facts(), PARAMS, NOW).parts.clarity == 0
    assert compute(facts(problem=LONG), PARAMS, NOW).parts.clarity == 5
    assert compute(facts(problem="x" * 79), PARAMS, NOW).parts.clarity == 0
    assert compute(facts(theme_count=2), PARAMS, NOW).parts.clarity == 5
    assert compute(full_fiche(), PARAMS, NOW).parts.clarity == 25


def test_clarity_ignores_surrounding_whitespace() -> None:
    padded = " " * 50 + "x" * 40 + "\n" * 50
    assert compute(facts(problem=padded), PARAMS, NOW).parts.clarity == 0


def test_missing_actions_name_the_field_and_its_points() -> None:
    result = compute(facts(problem=LONG, solution="court"), PARAMS, NOW)
    labels = [a.label for a in result.missing]
    assert "Décrire la règle brisée\u00a0: +5" in labels
    assert "Étoffer la solution (80 caractères au moins)\u00a0: +5" in labels
    assert "Ajouter au moins un thème\u00a0: +5" in labels
    assert not any("le problème" in label for label in labels)


def test_missing_views_are_counted_with_real_plurals() -> None:
    """« d’un collègue », « 2 autres services »: never « collègue(s) », nor « de 1 … »."""
    helpers = [Contributor(2, 20), Contributor(3, 20), Contributor(4, 30), Contributor(5, 30)]
    one_short = [a.action for a in compute(facts(deminage_authors=helpers), PARAMS, NOW).missing]
    assert "Recueillir le regard d’un collègue de plus" in one_short
    assert "Recueillir des regards d’un autre service" in one_short
    none = [a.action for a in compute(facts(), PARAMS, NOW).missing]
    assert "Recueillir le regard de 5 collègues de plus" in none
    assert "Recueillir des regards de 3 autres services" in none
    assert not any("(s)" in action or " de 1 " in action for action in one_short + none)


def test_gates_and_required_actions_agree_with_their_counts() -> None:
    """An admin may ask for one regard croisé, or a score one point away: « 1 regard croisé »,
    « il manque 1 point », never « 1 regards croisés »."""
    params = ScoringParams(min_reviewers=1, ripe_threshold=6)
    result = compute(facts(problem=LONG), params, NOW)
    assert result.score == 5
    assert "Au moins 1 regard croisé" in [g.label for g in result.unmet_gates]
    actions = [a.action for a in result.missing]
    assert "Obtenir au moins 1 regard croisé (1 de plus)" in actions
    assert "Atteindre une maturité de 6 (il manque 1 point)" in actions
    plenty = compute(facts(), ScoringParams(), NOW)
    assert "Au moins 3 regards croisés" in [g.label for g in plenty.unmet_gates]


def test_crossed_views_count_distinct_reviewers_and_their_units() -> None:
    mines = [mine(author=2, unit=20), mine(author=2, unit=20), mine(author=3, unit=30)]
    result = compute(facts(mines=mines), PARAMS, NOW)
    assert result.reviewers == 2
    assert result.parts.crossed_views == round(15 * 2 / 5 + 10 * 2 / 3, 1)


def test_reviewer_counted_once_however_many_mines_and_deminages() -> None:
    mines = [mine(author=2) for _ in range(6)]
    result = compute(facts(mines=mines, deminage_authors=[Contributor(2, 20)] * 3), PARAMS, NOW)
    assert result.reviewers == 1


def test_author_is_never_a_reviewer() -> None:
    result = compute(
        facts(mines=[mine(author=2)], deminage_authors=[Contributor(AUTHOR, 10)]), PARAMS, NOW
    )
    assert result.reviewers == 1
    assert result.reviewer_units == 1


def test_co_porteurs_are_no_reviewers_of_the_idea_they_carry() -> None:
    """A co-porteur's mine (laid before they joined) and déminages count as the author's: their
    mine still weighs in the déminage part, but neither is a regard croisé."""
    laid = [mine(author=2, unit=20), mine(author=3, unit=30)]
    helpers = [Contributor(3, 30), Contributor(4, 40)]
    before = compute(facts(mines=laid, deminage_authors=helpers), PARAMS, NOW)
    after = compute(
        facts(mines=laid, deminage_authors=helpers, co_carrier_ids=frozenset({3})), PARAMS, NOW
    )
    assert (before.reviewers, before.reviewer_units) == (3, 3)
    assert (after.reviewers, after.reviewer_units) == (2, 2)
    assert after.parts.defusal == before.parts.defusal


def test_deminage_authors_are_reviewers_and_caps_apply() -> None:
    helpers = [Contributor(i, i * 10) for i in range(2, 12)]
    result = compute(facts(mines=[mine(author=2)], deminage_authors=helpers), PARAMS, NOW)
    assert result.reviewers == 10
    assert result.parts.crossed_views == 25


def test_withdrawn_mine_author_is_not_a_reviewer() -> None:
    result = compute(facts(mines=[mine(author=2, status="withdrawn")]), PARAMS, NOW)
    assert result.reviewers == 0


def test_no_mine_scores_zero_defusal_and_is_not_ripe() -> None:
    result = compute(
        full_fiche(deminage_authors=[Contributor(i, i) for i in range(2, 7)]), PARAMS, NOW
    )
    assert result.parts.defusal == 0
    assert result.score == 50
    assert not result.ripe
    assert any(not g.ok and g.name == "challenged" for g in result.gates)


def test_only_withdrawn_mines_counts_as_no_mine() -> None:
    result = compute(full_fiche(mines=[mine(status="withdrawn")]), PARAMS, NOW)
    assert result.parts.defusal == 0
    assert {g.name for g in result.unmet_gates} >= {"challenged"}


def test_defusal_is_severity_weighted() -> None:
    # pétard defused (1), bombe open (9): 1/10 of 50 = 5
    ms = [mine(severity="minor", status="defused"), mine(severity="blocking", status="open")]
    assert compute(facts(mines=ms), PARAMS, NOW).parts.defusal == 5
    # mine assumed (3 × 0.5) out of 3 + 1 open pétard: 1.5 / 4 × 50 = 18.75 → 18.8
    ms = [mine(severity="major", status="accepted_risk"), mine(severity="minor")]
    assert compute(facts(mines=ms), PARAMS, NOW).parts.defusal == 18.8


def test_withdrawn_mines_leave_the_defusal_share() -> None:
    ms = [mine(status="defused"), mine(severity="blocking", status="withdrawn")]
    assert compute(facts(mines=ms), PARAMS, NOW).parts.defusal == 50


def test_score_is_the_exact_sum_rounded() -> None:
    ms = [mine(severity="minor", status="defused"), mine(severity="minor", status="open")]
    result = compute(facts(mines=ms), PARAMS, NOW)
    # 3 (one reviewer) + 3.33… (one unit) + 25 (half the weight cleared) = 31.33… → 31
    assert result.parts.crossed_views == 6.3
    assert result.score == 31


def test_exact_half_rounds_up() -> None:
    ms = [
        mine(author=2, unit=None, severity="minor", status="accepted_risk"),
        mine(author=2, unit=None, severity="minor"),
    ]
    result = compute(facts(mines=ms), ScoringParams(), NOW)
    # 3 (one reviewer) + 0 (no unit) + 12.5 = 15.5 → 16
    assert float(sum(result.exact_parts)) == 15.5
    assert result.score == 16


def test_open_bomb_blocks_ripeness_even_above_threshold() -> None:
    reviewers = [mine(author=i, unit=i, status="defused") for i in range(2, 8)]
    bomb = mine(
        author=2, unit=2, severity="blocking", status="open", title="Hébergement des données"
    )
    weights = ScoringParams(weight_blocking=1)
    result = compute(full_fiche(mines=[*reviewers, bomb]), weights, NOW)
    assert result.score >= 70
    assert not result.ripe
    assert "Désamorcer la bombe «\u00a0Hébergement des données\u00a0»\u00a0: requis" in [
        a.label for a in result.missing
    ]


def test_ripe_when_every_gate_holds() -> None:
    ms = [mine(author=i, unit=i, status="defused") for i in range(2, 5)]
    result = compute(full_fiche(mines=ms), PARAMS, NOW)
    assert result.ripe
    assert result.score == 25 + 9 + 10 + 50
    assert all(g.ok for g in result.gates)


def test_fewer_than_min_reviewers_is_not_ripe() -> None:
    ms = [mine(author=i, unit=i, status="defused") for i in range(2, 4)]
    result = compute(full_fiche(mines=ms), ScoringParams(ripe_threshold=50), NOW)
    assert result.score >= 50
    assert not result.ripe
    assert [g.name for g in result.unmet_gates] == ["reviewers"]


def test_quiet_period_holds_ripeness_until_it_ends() -> None:
    recent = NOW - timedelta(hours=10)
    ms = [mine(author=i, unit=i, status="defused") for i in range(2, 5)]
    ms.append(mine(author=5, unit=5, severity="minor", status="defused", armed_at=recent))
    result = compute(full_fiche(mines=ms), PARAMS, NOW)
    assert not result.ripe
    assert [g.name for g in result.unmet_gates] == ["quiet_period"]
    assert result.ripe_from == recent + timedelta(hours=72)
    later = compute(full_fiche(mines=ms), PARAMS, recent + timedelta(hours=72))
    assert later.ripe


def test_quiet_period_zero_switches_the_gate_off() -> None:
    ms = [mine(author=i, unit=i, status="defused", armed_at=NOW) for i in range(2, 5)]
    result = compute(full_fiche(mines=ms), ScoringParams(quiet_period_hours=0), NOW)
    assert result.ripe
    assert "quiet_period" not in [g.name for g in result.gates]


def test_required_actions_come_first() -> None:
    result = compute(facts(mines=[mine(severity="blocking", title="B")]), PARAMS, NOW)
    required = [a.required for a in result.missing]
    assert required == sorted(required, reverse=True)


# --- properties ----------------------------------------------------------------------

severities = st.sampled_from(["minor", "major", "blocking"])
statuses = st.sampled_from(["open", "defused", "accepted_risk", "withdrawn"])
mine_st = st.builds(
    MineFacts,
    title=st.text(max_size=10),
    author_id=st.integers(1, 8),
    author_unit_id=st.one_of(st.none(), st.integers(1, 4)),
    severity=severities,
    status=statuses,
    armed_at=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 11, 2)).map(
        lambda d: d.replace(tzinfo=UTC)
    ),
)
facts_st = st.builds(
    IdeaFacts,
    author_id=st.integers(1, 8),
    problem=st.text(max_size=120),
    solution=st.text(max_size=120),
    broken_rule=st.text(max_size=120),
    first_ground=st.text(max_size=120),
    theme_count=st.integers(0, 3),
    mines=st.lists(mine_st, max_size=8),
    deminage_authors=st.lists(
        st.builds(Contributor, st.integers(1, 8), st.one_of(st.none(), st.integers(1, 4))),
        max_size=6,
    ),
)
params_st = st.builds(
    ScoringParams,
    ripe_threshold=st.integers(0, 100),
    min_reviewers=st.integers(0, 6),
    quiet_period_hours=st.integers(0, 200),
    weight_minor=st.integers(1, 10),
    weight_major=st.integers(1, 10),
    weight_blocking=st.integers(1, 10),
)


@given(facts_st, params_st)
def test_score_stays_between_0_and_100(f: IdeaFacts, p: ScoringParams) -> None:
    result = compute(f, p, NOW)
    assert 0 <= result.score <= 100
    assert 0 <= result.parts.clarity <= 25
    assert 0 <= result.parts.crossed_views <= 25
    assert 0 <= result.parts.defusal <= 50


@given(facts_st, params_st, st.data())
def test_defusing_a_mine_never_lowers_the_score(
    f: IdeaFacts, p: ScoringParams, data: st.DataObject
) -> None:
    candidates = [i for i, m in enumerate(f.mines) if m.status in ("open", "accepted_risk")]
    if not candidates:
        return
    i = data.draw(st.sampled_from(candidates))
    defused = list(f.mines)
    defused[i] = MineFacts(**{**defused[i].__dict__, "status": "defused"})
    before = compute(f, p, NOW)
    after = compute(IdeaFacts(**{**f.__dict__, "mines": defused}), p, NOW)
    assert sum(after.exact_parts) >= sum(before.exact_parts)
    assert after.score >= before.score


@given(facts_st, params_st, st.integers(1, 8), st.one_of(st.none(), st.integers(1, 4)))
def test_laying_an_open_bomb_always_makes_the_idea_unripe(
    f: IdeaFacts, p: ScoringParams, author: int, unit: int | None
) -> None:
    bomb = MineFacts("Bombe", author, unit, "blocking", "open", NOW)
    result = compute(IdeaFacts(**{**f.__dict__, "mines": [*f.mines, bomb]}), p, NOW)
    assert not result.ripe


# --- portée and co-signing (PRODUCT.md « Second version ») ------------------------------------


def later(**kw: Any) -> MineFacts:
    return replace(mine(**kw), scope="generalisation")


def test_generalisation_mines_neither_count_in_defusal_nor_gate_ripeness() -> None:
    reviewers = [Contributor(u, u * 10) for u in (3, 4)]
    ground = [mine(status="defused")]
    ripe = compute(full_fiche(mines=ground, deminage_authors=reviewers), PARAMS, NOW)
    assert ripe.ripe and ripe.parts.defusal == 50
    # An open bombe that threatens only the generalisation: still ripe, same defusal part.
    with_later = full_fiche(mines=[*ground, later(severity="blocking")], deminage_authors=reviewers)
    result = compute(with_later, PARAMS, NOW)
    assert result.ripe and result.parts.defusal == 50
    assert not any("Bombe" in a.action for a in result.missing)
    assert result.generalisation.mines == 1 and result.generalisation.open == 1
    assert result.generalisation.percent == 0
    # … and laid an hour ago, it does not restart the quiet period either.
    recent = full_fiche(mines=[*ground, later(armed_at=NOW - timedelta(hours=1))])
    assert all(g.ok for g in compute(recent, PARAMS, NOW).gates if g.name == "quiet_period")


def test_generalisation_mines_have_their_own_weighted_progress() -> None:
    result = compute(
        facts(mines=[later(severity="blocking", status="defused"), later(severity="minor")]),
        PARAMS,
        NOW,
    )
    assert result.generalisation.percent == 90.0  # 9 of 10 weighted points cleared
    assert result.generalisation.open == 1


def test_only_generalisation_mines_leave_the_first_ground_unchallenged() -> None:
    result = compute(facts(mines=[later()]), PARAMS, NOW)
    assert result.parts.defusal == 0
    assert {g.name: g.ok for g in result.gates}["challenged"] is False
    assert any("dès le premier terrain" in a.action for a in result.missing)
    # Its author still looked at the idea: a reviewer.
    assert result.reviewers == 1


def test_a_cosigner_counts_as_a_reviewer_with_their_unit_unless_the_mine_is_withdrawn() -> None:
    signed = MineFacts(**{**mine().__dict__, "cosigners": (Contributor(5, 50), Contributor(6, 50))})
    result = compute(facts(mines=[signed]), PARAMS, NOW)
    assert (result.reviewers, result.reviewer_units) == (3, 2)
    gone = MineFacts(**{**signed.__dict__, "status": "withdrawn"})
    assert compute(facts(mines=[gone]), PARAMS, NOW).reviewers == 0


def test_median_severity_is_the_lesser_between_two_and_bombe_needs_more_than_half() -> None:
    assert median_severity(["blocking"]) == "blocking"
    assert median_severity(["minor", "blocking"]) == "major"
    assert median_severity(["major", "blocking"]) == "major"
    assert median_severity(["blocking", "blocking", "major"]) == "blocking"
    assert median_severity(["minor", "major", "blocking", "blocking"]) == "major"
    assert median_severity(["minor", "minor", "blocking"]) == "minor"
    assert split_opinions(["minor", "blocking"]) and not split_opinions(["major", "blocking"])


def test_each_missing_action_reads_as_one_sentence_with_one_colon_at_most() -> None:
    """The panel prints « action : requis » (or « : +5 »): the action itself has no colon of its
    own, or the line would read « X : Y : requis »."""
    fresh = datetime(2026, 11, 2, 11, 0, tzinfo=UTC)
    situations = [
        facts(),
        facts(mines=[later()]),
        full_fiche(mines=[mine(armed_at=fresh)]),
        facts(mines=[mine(status="withdrawn")]),
    ]
    labels = [a.label for f in situations for a in compute(f, PARAMS, NOW).missing]
    assert any(label.startswith("Faire poser au moins une mine") for label in labels)
    for label in labels:
        assert label.count("\u00a0:") <= 1, label
