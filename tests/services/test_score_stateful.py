"""Random sequences of the real operations, moderation's hiding and restoring among them, and
co-signing with estimates, withdrawing signatures and moving mines to the generalisation, and
colleagues joining and leaving the idea's co-porteurs, keep the stored score equal to one
recomputed from scratch by an independent path (the ORM's objects and the rules restated here:
a mine's severity is the median of its signers' estimates), to what the idea page, the API and
the fiche compute for any viewer, and to what the board, the open data and the map of what
blocks count."""

import contextlib
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlmodel import Session, col, select

from app.config import Settings
from app.db import make_engine, read_rows
from app.errors import DomainError
from app.models import CoCarrier, Deminage, Idea, IdeaTheme, Mine, MineSignature, Role, User
from app.models.mine import category_mask
from app.schemas import DeminageCreate, IdeaUpdate, MineCreate
from app.services import (
    blockers,
    board,
    co_carriers,
    exports,
    ideas,
    mines,
    moderation,
    readiness,
    scoring,
    visibility,
)
from app.services.idea_view import Output, idea_view
from app.services.readiness import Contributor, IdeaFacts, MineFacts, ScoringParams
from tests.conftest import database_url
from tests.factories import LONG, make_idea, make_user
from tests.postgres import PostgresServer

PARAMS = ScoringParams(quiet_period_hours=24)
OUTPUTS: list[tuple[str, Output]] = [
    (who, out) for out in ("page", "api", "sheet") for who in ("reader", "admin", "author")
]


def _comparable(facts: IdeaFacts) -> tuple[object, ...]:
    """The facts in a fixed order; a withdrawn mine's title never counts (a hidden one's is
    masked on the page)."""
    mines_ = sorted(
        (
            m.author_id,
            m.severity,
            m.status,
            m.armed_at,
            "" if m.status == "withdrawn" else m.title,
            m.scope,
            tuple(sorted((c.user_id, c.unit_id) for c in m.cosigners)),
        )
        for m in facts.mines
    )
    helpers = sorted((c.user_id, c.unit_id) for c in facts.deminage_authors)
    carriers = tuple(sorted(facts.co_carrier_ids))
    return (
        facts.theme_count,
        facts.problem,
        facts.solution,
        tuple(mines_),
        tuple(helpers),
        carriers,
    )


def _scratch_facts(session: Session, idea: Idea) -> IdeaFacts:
    """The score's facts read again from the database through the ORM, with the rules written
    out here rather than taken from `scoring` or `visibility`: a mine hidden by moderation
    counts as withdrawn; a déminage counts unless it or its mine is hidden; the co-porteurs are
    the invitations accepted (read from their rows, not from `Idea.co_carrier_ids`)."""
    session.flush()
    fresh = {"populate_existing": True}  # what the database holds, not what memory remembers
    laid = session.exec(
        select(Mine)
        .where(Mine.idea_id == idea.id)
        .order_by(col(Mine.created_at), col(Mine.id))
        .execution_options(**fresh)
    ).all()
    answers = session.exec(
        select(Deminage)
        .where(col(Deminage.mine_id).in_([m.id for m in laid]))
        .order_by(col(Deminage.created_at), col(Deminage.id))
        .execution_options(**fresh)
    ).all()
    hidden = {m.id for m in laid if m.hidden_at is not None}
    signatures = session.exec(
        select(MineSignature)
        .where(col(MineSignature.mine_id).in_([m.id for m in laid]))
        .execution_options(**fresh)
    ).all()

    def unit(user_id: int) -> int | None:
        return session.get_one(User, user_id).unit_id

    def median(mine: Mine) -> str:
        """The median of the signers' estimates, the lesser when it falls between two."""
        order = ["minor", "major", "blocking"]
        ranks = sorted(order.index(s.severity) for s in signatures if s.mine_id == mine.id)
        middle = (ranks[(len(ranks) - 1) // 2] + ranks[len(ranks) // 2]) // 2
        return order[middle]

    def cosigners(mine: Mine) -> tuple[Contributor, ...]:
        return tuple(
            Contributor(s.user_id, unit(s.user_id))
            for s in signatures
            if s.mine_id == mine.id and s.user_id != mine.author_id
        )

    themes = session.exec(select(IdeaTheme).where(IdeaTheme.idea_id == idea.id)).all()
    carrying = session.exec(
        select(CoCarrier).where(CoCarrier.idea_id == idea.id).execution_options(**fresh)
    ).all()
    return IdeaFacts(
        author_id=idea.author_id,
        problem=idea.problem,
        solution=idea.solution,
        broken_rule=idea.broken_rule,
        first_ground=idea.first_ground,
        theme_count=len(themes),
        mines=[
            MineFacts(
                m.title,
                m.author_id,
                unit(m.author_id),
                median(m),
                "withdrawn" if m.id in hidden else m.status,
                m.armed_at,
                m.scope,
                cosigners(m),
            )
            for m in laid
        ],
        deminage_authors=[
            Contributor(d.author_id, unit(d.author_id))
            for d in answers
            if d.hidden_at is None and d.mine_id not in hidden
        ],
        co_carrier_ids=frozenset(c.user_id for c in carrying if c.accepted_at is not None),
    )


def test_stored_score_always_equals_recomputed(
    template_db: Path, postgres: PostgresServer | None
) -> None:
    class ScoreMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.dir = tempfile.mkdtemp()
            url = database_url(template_db, Path(self.dir), postgres)
            self.engine = make_engine(Settings(database_url=url))
            self.session = Session(self.engine, expire_on_commit=False)
            self.now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
            s = self.session
            self.author = make_user(s, unit="Accueil")
            self.people = [
                make_user(s, unit=u) for u in ("Finances", "DSI", "RH", "DSI", "Accueil")
            ]
            self.manager = make_user(s, unit="DGS", role=Role.manager)
            self.admin = make_user(s, unit="DGS", role=Role.admin)
            self.idea = make_idea(s, self.author, self.now, params=PARAMS, themes=["accueil"])
            self.mines: list = []
            self.deminages: list = []
            self.turn = 0
            self.done: list[str] = done  # the moderation actions that went through, in every run

        @initialize()
        def answered_mine(self) -> None:
            # Every run starts with a mine and its déminage, for moderation to act on at once.
            self.lay(0, "major", "legal")
            self.answer(0, 1)

        def teardown(self) -> None:
            self.session.close()
            self.engine.dispose()
            shutil.rmtree(self.dir, ignore_errors=True)

        def _try(self, action: Callable[[], object]) -> None:
            # A refusal is fine; what matters is that nothing drifts.
            with contextlib.suppress(DomainError):
                action()
            self.session.flush()

        @rule(
            who=st.integers(0, 5),
            severity=st.sampled_from(["minor", "major", "blocking"]),
            category=st.sampled_from(["legal", "budget"]),
        )
        def lay(self, who: int, severity: str, category: str) -> None:
            data = MineCreate(category=category, severity=severity, body="Objection")

            def act() -> None:
                layer = self.author if who == 5 else self.people[who]  # the author is refused
                self.mines.append(
                    mines.lay_mine(self.session, PARAMS, layer, self.idea, data, self.now)
                )

            self._try(act)

        @precondition(lambda self: bool(self.mines))
        @rule(m=st.integers(0, 20), who=st.integers(0, 5))
        def answer(self, m: int, who: int) -> None:
            if not self.mines:
                return
            mine = self.mines[m % len(self.mines)]
            helper = self.author if who == 5 else self.people[who]
            data = DeminageCreate(kind="solution", body="Réponse")

            def act() -> None:
                self.deminages.append(
                    mines.bring_deminage(
                        self.session, PARAMS, helper, mine, self.idea, data, self.now
                    )
                )

            self._try(act)

        @precondition(lambda self: bool(self.deminages))
        @rule(d=st.integers(0, 20), by_author=st.booleans(), by_carrier=st.booleans())
        def accept(self, d: int, by_author: bool, by_carrier: bool = False) -> None:
            if not self.deminages:
                return
            deminage = self.deminages[d % len(self.deminages)]
            mine = next(x for x in self.mines if x.id == deminage.mine_id)
            who = (
                self.author if by_author else next(p for p in self.people if p.id == mine.author_id)
            )
            carriers = [p for p in self.people if p.id in self.idea.co_carrier_ids]
            if by_carrier and carriers:
                who = carriers[d % len(carriers)]  # a co-porteur accepts as the author does
            self._try(
                lambda: mines.accept_deminage(
                    self.session, PARAMS, who, deminage, mine, self.idea, self.now
                )
            )

        @rule(m=st.integers(0, 20))
        def withdraw(self, m: int) -> None:
            if self.mines:
                mine = self.mines[m % len(self.mines)]
                who = next(p for p in self.people if p.id == mine.author_id)
                self._try(
                    lambda: mines.withdraw(self.session, PARAMS, who, mine, self.idea, self.now)
                )

        @rule(m=st.integers(0, 20))
        def reopen(self, m: int) -> None:
            if self.mines:
                mine = self.mines[m % len(self.mines)]
                who = next(p for p in self.people if p.id == mine.author_id)
                self._try(
                    lambda: mines.reopen(
                        self.session, PARAMS, who, mine, self.idea, "Non", self.now
                    )
                )

        @rule(m=st.integers(0, 20), manager=st.booleans())
        def assume(self, m: int, manager: bool) -> None:
            if self.mines:
                mine = self.mines[m % len(self.mines)]
                who = self.manager if manager else self.author
                self._try(
                    lambda: mines.accept_risk(
                        self.session, PARAMS, who, mine, self.idea, "Assumé", self.now
                    )
                )

        @rule(
            m=st.integers(0, 20),
            who=st.integers(0, 5),
            severity=st.sampled_from(["minor", "major", "blocking"]),
        )
        def cosign(self, m: int, who: int, severity: str) -> None:
            if self.mines:
                mine = self.mines[m % len(self.mines)]
                signer = self.author if who == 5 else self.people[who]  # the author is refused

                def act() -> None:
                    mines.cosign(self.session, PARAMS, signer, mine, self.idea, severity, self.now)
                    self.done.append("cosign")

                self._try(act)

        @rule(pick=st.integers(0, 20))
        def uncosign(self, pick: int) -> None:
            # One of the co-signatures that exist (a withdrawal nobody can make proves little).
            cosigned = [
                (mine, person)
                for mine in self.mines
                for person in self.people
                if person.id != mine.author_id
                and self.session.get(MineSignature, (mine.id, person.id)) is not None
            ]
            if not cosigned:
                return
            mine, person = cosigned[pick % len(cosigned)]

            def act() -> None:
                mines.withdraw_signature(self.session, PARAMS, person, mine, self.idea, self.now)
                self.done.append("uncosign")

            self._try(act)

        @rule(m=st.integers(0, 20), agree=st.booleans(), move=st.booleans())
        def move_to_generalisation(self, m: int, agree: bool, move: bool) -> None:
            # Asked by the idea's author; agreed by the mine's, or settled by a manager.
            if not self.mines:
                return
            mine = self.mines[m % len(self.mines)]
            layer = next(p for p in self.people if p.id == mine.author_id)
            s = self.session
            self._try(
                lambda: mines.request_scope_move(s, self.author, mine, self.idea, "G", self.now)
            )
            self._try(
                lambda: mines.answer_scope_move(
                    s, PARAMS, layer, mine, self.idea, agree, "", self.now
                )
            )
            self._try(
                lambda: mines.decide_scope_move(
                    s, PARAMS, self.manager, mine, self.idea, move, "Tranché", self.now
                )
            )
            if mine.scope == "generalisation":
                self.done.append("moved")

        @rule(
            field=st.sampled_from(["solution", "broken_rule", "first_ground"]), long=st.booleans()
        )
        def edit(self, field: str, long: bool) -> None:
            data = IdeaUpdate(**{field: LONG if long else "court"})
            self._try(
                lambda: ideas.update_idea(
                    self.session, PARAMS, self.author, self.idea, data, self.now
                )
            )

        @rule(themes=st.sampled_from([["accueil"], ["rh"], ["accueil", "rh"]]))
        def retheme(self, themes: list[str]) -> None:
            data = IdeaUpdate(themes=themes)
            self._try(
                lambda: ideas.update_idea(
                    self.session, PARAMS, self.author, self.idea, data, self.now
                )
            )

        def _moderate(
            self, d: int, on_mine: bool, hidden: bool, act: Callable[..., object], *reason: str
        ) -> None:
            def pool(items: list[Any]) -> list[Any]:
                return [i for i in items if (i.hidden_at is not None) == hidden]

            # The kind asked for, or the other one when it has nothing to act on.
            wanted, other = (
                (self.mines, self.deminages) if on_mine else (self.deminages, self.mines)
            )
            items = pool(wanted) or pool(other)
            item = items[d % len(items)]

            def moderate() -> None:
                act(self.session, PARAMS, self.admin, item, self.idea, *reason, self.now)
                self.done.append(f"{act.__name__} {type(item).__name__.lower()}")

            self._try(moderate)

        @precondition(lambda self: any(i.hidden_at is None for i in self.mines + self.deminages))
        @rule(d=st.integers(0, 20), on_mine=st.booleans())
        def hide(self, d: int, on_mine: bool) -> None:
            self._moderate(d, on_mine, False, moderation.hide, "Abus")

        @precondition(lambda self: any(i.hidden_at for i in self.mines + self.deminages))
        @rule(d=st.integers(0, 20), on_mine=st.booleans())
        def restore(self, d: int, on_mine: bool) -> None:
            self._moderate(d, on_mine, True, moderation.restore)

        @rule(who=st.integers(0, 4), join=st.booleans())
        def carry(self, who: int, join: bool) -> None:
            """A colleague joins the idea's co-porteurs (invited, accepting), or stops: removed
            by the author or leaving; a reviewer who joins stops being one."""
            person = self.people[who]
            s, now = self.session, self.now

            def act() -> None:
                if join:
                    row = co_carriers.invite(s, self.author, self.idea, person, "", now)
                    co_carriers.accept(s, PARAMS, person, row, self.idea, now)
                    return
                found = s.exec(
                    select(CoCarrier).where(
                        CoCarrier.idea_id == self.idea.id, CoCarrier.user_id == person.id
                    )
                ).first()
                if found is None:
                    return
                if who % 2:
                    co_carriers.leave(s, PARAMS, person, found, self.idea, now)
                else:
                    co_carriers.remove(s, PARAMS, self.author, found, self.idea, now)

            self._try(act)
            self.done.append("carry" if join else "stop carrying")

        @rule(hours=st.integers(1, 60))
        def wait(self, hours: int) -> None:
            self.now += timedelta(hours=hours)

        @invariant()
        def stored_equals_scratch(self) -> None:
            scratch = _scratch_facts(self.session, self.idea)
            stored = scoring.idea_facts(self.session, self.idea)  # as scoring.compute_for reads
            assert _comparable(stored) == _comparable(scratch)
            independent = readiness.compute(scratch, PARAMS, self.now)
            fresh = readiness.compute(stored, PARAMS, self.now)
            assert fresh == independent
            for recomputed in (fresh, independent):
                assert self.idea.score == recomputed.score
                assert self.idea.ripe_from == recomputed.ripe_from
                assert self.idea.reviewer_count == recomputed.reviewers
                assert self.idea.is_ripe(self.now) == recomputed.ripe
            self.page_facts_equal_stored_facts(stored, fresh)

        def page_facts_equal_stored_facts(self, stored: IdeaFacts, expected: object) -> None:
            rows = mines.idea_rows(self.session, self.idea, None)  # what every output reads
            page = scoring.facts_from_rows(
                self.idea, stored.theme_count, rows.mines, rows.deminages, rows.signatures
            )
            assert _comparable(page) == _comparable(stored)
            assert readiness.compute(page, PARAMS, self.now) == expected
            # One output for one viewer at each step, in turn: every output for every viewer
            # (redacted differently), the score following neither.
            who, output = OUTPUTS[self.turn % len(OUTPUTS)]
            self.turn += 1
            viewer = {"admin": self.admin, "reader": self.people[0], "author": self.author}[who]
            view = idea_view(self.session, PARAMS, self.idea, viewer, self.now, output)
            assert view.readiness == expected, (who, output)

        @invariant()
        def counts_follow_the_score(self) -> None:
            facts = scoring.idea_facts(self.session, self.idea)
            counted_mines = facts.mines
            # The board's reviewers (`visibility`'s SQL twins) are those the score counts.
            looked = {m.author_id for m in counted_mines if m.status != "withdrawn"}
            looked |= {
                c.user_id for m in counted_mines if m.status != "withdrawn" for c in m.cosigners
            }
            looked |= {c.user_id for c in facts.deminage_authors}
            rows = read_rows(self.session, board.REVIEWERS, {"ids": [self.idea.id]})
            assert {person for _, person, _ in rows} == looked
            statuses = [m.status for m in counted_mines]
            open_by_severity: dict[tuple[str, str], int] = {}
            for m in counted_mines:
                if m.status == "open":
                    key = (m.scope, m.severity)
                    open_by_severity[key] = open_by_severity.get(key, 0) + 1
            rows = read_rows(self.session, board.OPEN_MINES, {"ids": [self.idea.id]})
            assert {(scope, severity): n for _, scope, severity, n in rows} == open_by_severity
            (row,) = [
                r for r in exports.open_data(self.session, self.now) if r["id"] == self.idea.id
            ]
            for state in exports.OPEN_STATES:
                counted = sum(row["mines"][c][state] for c in exports.OPEN_CATEGORIES)
                assert counted == statuses.count(state), state
            in_play = [m for m in counted_mines if m.status != "withdrawn"]
            for scope in exports.OPEN_SCOPES:
                n = sum(m.scope == scope for m in in_play)
                assert row["mines_by_scope"][scope] == n, scope
            # The map's tallies kept at write time equal a count from scratch (median severity,
            # first ground and generalisation apart).
            assert blockers.stored(self.session) == blockers.recount(self.session)
            # The board's theme index holds the categories of the open mines (SQL's rule), on
            # each of the idea's themes: the theme and category filters follow every change.
            open_now = self.session.exec(
                select(Mine.category).where(
                    col(Mine.idea_id) == self.idea.id, visibility.open_mine_sql
                )
            ).all()
            stamped = self.session.exec(
                select(
                    IdeaTheme.open_categories,
                    IdeaTheme.board_group,
                    IdeaTheme.score,
                    IdeaTheme.ripe_from,
                ).where(IdeaTheme.idea_id == self.idea.id)
            ).all()
            self.session.refresh(self.idea)  # the board group, as the database computed it
            idea = self.idea
            copied = (idea.board_group, idea.score, idea.ripe_from)
            assert stamped and set(stamped) == {(category_mask(open_now), *copied)}
            # The idea's own copy, which the board's category filter reads without a theme.
            assert idea.open_categories == category_mask(open_now)

    done: list[str] = []
    run_state_machine_as_test(
        ScoreMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    # The random runs reach some of the fifteen rules only sometimes: hiding and restoring,
    # joining and leaving the co-porteurs, co-signing, withdrawing a signature and moving a mine
    # are written out below, so that they always run.

    # One run written out, so that hiding and restoring each kind is always checked: a mine
    # defused by the déminage it was answered with, hidden then restored, then its déminage.
    scripted = ScoreMachine()
    invariants = (scripted.stored_equals_scratch, scripted.counts_follow_the_score)
    try:
        scripted.answered_mine()
        scripted.accept(0, by_author=True)
        reviewers = []
        for step in (
            lambda: scripted.hide(0, on_mine=True),
            lambda: scripted.restore(0, on_mine=True),
            lambda: scripted.hide(0, on_mine=False),
            lambda: scripted.restore(0, on_mine=False),
        ):
            step()
            for _ in OUTPUTS:
                for check in invariants:
                    check()
            reviewers.append(scripted.idea.reviewer_count)
    finally:
        scripted.teardown()
    assert done[-4:] == ["hide mine", "restore mine", "hide deminage", "restore deminage"]
    # Two colleagues looked (a mine, a déminage): hiding the mine takes both views out of the
    # score, hiding the déminage its own.
    assert reviewers == [0, 2, 1, 2]

    # A colleague who answered a mine, then joins the co-porteurs, stops being a reviewer; when
    # they leave (1 is odd: they leave rather than being removed), they count again.
    carried = ScoreMachine()
    try:
        carried.answered_mine()  # people[0] laid a mine, people[1] answered it
        counts = [carried.idea.reviewer_count]
        for join in (True, False):
            carried.carry(1, join)
            carried.stored_equals_scratch()
            carried.counts_follow_the_score()
            counts.append(carried.idea.reviewer_count)
    finally:
        carried.teardown()
    assert counts == [2, 1, 2]
    assert done[-2:] == ["carry", "stop carrying"]

    # Two colleagues co-sign the mine people[0] laid (a mine): with a bombe and a pétard, the
    # median stays a mine, with split opinions; one raises their estimate to a bombe, and the
    # median is a bombe that blocks; moved to the generalisation, it blocks no more; a
    # signature withdrawn, and the mine hidden, take the co-signers' looks away.
    signed = ScoreMachine()
    try:
        signed.answered_mine()
        severities, blocked, reviewers = [], [], []
        for step in (
            lambda: signed.cosign(0, 2, "blocking"),
            lambda: signed.cosign(0, 3, "minor"),
            lambda: signed.cosign(0, 3, "blocking"),
            lambda: signed.move_to_generalisation(0, agree=True, move=False),
            lambda: signed.uncosign(0),
            lambda: signed.hide(0, on_mine=True),
        ):
            step()
            for check in (signed.stored_equals_scratch, signed.counts_follow_the_score):
                check()
            mine = signed.mines[0]
            gates = {
                g.name: g.ok
                for g in scoring.compute_for(signed.session, PARAMS, signed.idea, signed.now).gates
            }
            severities.append(mine.severity)
            blocked.append(not gates["no_open_bomb"])
            reviewers.append(signed.idea.reviewer_count)
    finally:
        signed.teardown()
    assert severities == ["major", "major", "blocking", "blocking", "major", "major"]
    assert blocked == [False, False, True, False, False, False]
    # people[0] laid, people[1] answered, people[2] and people[3] co-signed; hidden, the mine
    # and its déminage count no more.
    assert reviewers == [3, 4, 4, 4, 3, 0]
    assert {"cosign", "uncosign", "moved"} <= set(done)
