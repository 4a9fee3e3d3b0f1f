"""Random sequences of the real operations keep the stored score equal to a fresh computation."""

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
from app.db import make_engine
from app.errors import DomainError
from app.models import Role
from app.schemas import DeminageCreate, IdeaUpdate, MineCreate
from app.services import ideas, mines, scoring
from app.services.readiness import ScoringParams
from tests.conftest import database_url
from tests.factories import LONG, make_idea, make_user

PARAMS = ScoringParams(quiet_period_hours=24)


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

    run_state_machine_as_test(
        ScoreMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
