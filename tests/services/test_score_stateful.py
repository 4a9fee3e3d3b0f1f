"""Random sequences of the real operations, moderation's hiding and restoring among them, keep
the stored score equal to a fresh computation, to what the idea page computes for any viewer,
and to what the board and the open data count."""

import contextlib
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlmodel import Session

from app.config import Settings
from app.db import make_engine, read_rows
from app.errors import DomainError
from app.models import Role
from app.schemas import DeminageCreate, IdeaUpdate, MineCreate
from app.services import board, exports, ideas, mines, moderation, readiness, scoring
from app.services.readiness import IdeaFacts, ScoringParams
from tests.conftest import database_url
from tests.factories import LONG, make_idea, make_user

PARAMS = ScoringParams(quiet_period_hours=24)


def _comparable(facts: IdeaFacts) -> tuple[object, ...]:
    """The facts in a fixed order; a withdrawn mine's title never counts (a hidden one's is
    masked on the page)."""
    mines_ = sorted(
        (m.author_id, m.severity, m.status, m.armed_at, "" if m.status == "withdrawn" else m.title)
        for m in facts.mines
    )
    helpers = sorted((c.user_id, c.unit_id) for c in facts.deminage_authors)
    return (facts.theme_count, facts.problem, facts.solution, tuple(mines_), tuple(helpers))


def test_stored_score_always_equals_recomputed(template_db: Path, postgres) -> None:  # type: ignore[no-untyped-def]
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
            self.idea = make_idea(s, self.author, self.now, params=PARAMS)
            self.mines: list = []
            self.deminages: list = []

        def teardown(self) -> None:
            self.session.close()
            self.engine.dispose()
            shutil.rmtree(self.dir, ignore_errors=True)

        def _try(self, action) -> None:  # type: ignore[no-untyped-def]
            # A refusal is fine; what matters is that nothing drifts.
            with contextlib.suppress(DomainError):
                action()
            self.session.flush()

        @rule(who=st.integers(0, 5), severity=st.sampled_from(["minor", "major", "blocking"]))
        def lay(self, who: int, severity: str) -> None:
            data = MineCreate(category="legal", severity=severity, body="Objection")  # type: ignore[arg-type]

            def act() -> None:
                layer = self.author if who == 5 else self.people[who]  # the author is refused
                self.mines.append(
                    mines.lay_mine(self.session, PARAMS, layer, self.idea, data, self.now)
                )

            self._try(act)

        @rule(m=st.integers(0, 20), who=st.integers(0, 5))
        def answer(self, m: int, who: int) -> None:
            if not self.mines:
                return
            mine = self.mines[m % len(self.mines)]
            helper = self.author if who == 5 else self.people[who]
            data = DeminageCreate(kind="solution", body="Réponse")  # type: ignore[arg-type]

            def act() -> None:
                self.deminages.append(
                    mines.bring_deminage(
                        self.session, PARAMS, helper, mine, self.idea, data, self.now
                    )
                )

            self._try(act)

        @rule(d=st.integers(0, 20), by_author=st.booleans())
        def accept(self, d: int, by_author: bool) -> None:
            if not self.deminages:
                return
            deminage = self.deminages[d % len(self.deminages)]
            mine = next(x for x in self.mines if x.id == deminage.mine_id)
            who = (
                self.author if by_author else next(p for p in self.people if p.id == mine.author_id)
            )
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
            field=st.sampled_from(["solution", "broken_rule", "first_ground"]), long=st.booleans()
        )
        def edit(self, field: str, long: bool) -> None:
            data = IdeaUpdate(**{field: LONG if long else "court"})
            self._try(
                lambda: ideas.update_idea(
                    self.session, PARAMS, self.author, self.idea, data, self.now
                )
            )

        @rule(d=st.integers(0, 20), on_mine=st.booleans(), hide=st.booleans())
        def moderate(self, d: int, on_mine: bool, hide: bool) -> None:
            items = self.mines if on_mine else self.deminages
            if not items:
                return
            item = items[d % len(items)]
            act = moderation.hide if hide else moderation.restore
            args = ("Abus",) if hide else ()
            self._try(
                lambda: act(self.session, PARAMS, self.admin, item, self.idea, *args, self.now)  # type: ignore[operator]
            )

        @rule(hours=st.integers(1, 60))
        def wait(self, hours: int) -> None:
            self.now += timedelta(hours=hours)

        @invariant()
        def stored_equals_scratch(self) -> None:
            fresh = scoring.compute_for(self.session, PARAMS, self.idea, self.now)
            assert self.idea.score == fresh.score
            assert self.idea.ripe_from == fresh.ripe_from
            assert self.idea.reviewer_count == fresh.reviewers
            assert self.idea.is_ripe(self.now) == fresh.ripe

        @invariant()
        def page_facts_equal_stored_facts(self) -> None:
            stored = scoring.idea_facts(self.session, self.idea)
            themes = stored.theme_count
            for viewer in (self.admin, self.people[0], self.author):  # redacted differently
                views = mines.mines_for_idea(self.session, self.idea, viewer)
                page = scoring.facts_of_page(self.idea, views, themes)
                assert _comparable(page) == _comparable(stored)
                assert readiness.compute(page, PARAMS, self.now) == readiness.compute(
                    stored, PARAMS, self.now
                )

        @invariant()
        def counts_follow_the_score(self) -> None:
            statuses = [m.status for m in scoring.idea_facts(self.session, self.idea).mines]
            open_by_severity: dict[str, int] = {}
            for m in scoring.idea_facts(self.session, self.idea).mines:
                if m.status == "open":
                    open_by_severity[m.severity] = open_by_severity.get(m.severity, 0) + 1
            rows = read_rows(self.session, board.OPEN_MINES, {"ids": [self.idea.id]})
            assert {severity: n for _, severity, n in rows} == open_by_severity
            (row,) = [
                r for r in exports.open_data(self.session, self.now) if r["id"] == self.idea.id
            ]
            for state in exports.OPEN_STATES:
                counted = sum(row["mines"][c][state] for c in exports.OPEN_CATEGORIES)
                assert counted == statuses.count(state), state

    run_state_machine_as_test(
        ScoreMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
