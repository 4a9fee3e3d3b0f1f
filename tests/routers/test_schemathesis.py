"""Schemathesis against the app's own OpenAPI document: every API operation, with data drawn
from the schema and beyond it, finds no server error and no answer that breaks the schema; and
a stateful run follows the document's links (create an idea → read it, edit it, lay a mine on
it → bring a déminage…)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from app.config import Settings
from app.db import observer_session
from app.main import create_app
from app.services import api_tokens
from tests.conftest import Clock
from tests.factories import make_idea, make_mine, make_user

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    # What the document calls valid is accepted (a 400 or 422 to it means they disagree).
    positive_data_acceptance,
]


# The write limit is on, as in production, but low: each operation's run (a fresh app) makes
# more writes than it allows, so that the answers past it (429, Retry-After) are checked
# against the document too. The stateful run gets room for its sequences.
WRITES_PER_MINUTE = 8
EXAMPLES = 14
STATEFUL_WRITES_PER_MINUTE = 400


def _schema(settings: Settings, clock: Clock, writes_per_minute: int):
    app = create_app(settings.model_copy(update={"writes_per_minute": writes_per_minute}), clock)
    with observer_session(app.state.engine) as db:
        author, colleague = make_user(db), make_user(db, unit="DSI")
        idea = make_idea(db, author, clock.now)
        make_mine(db, idea, colleague, clock.now)
        _, token = api_tokens.create_api_token(db, colleague, "schemathesis")
        db.commit()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    schema.config.headers = {"Authorization": f"Bearer {token}"}
    return app, schema


@pytest.fixture
def api_schema(settings: Settings, clock: Clock):
    app, schema = _schema(settings, clock, WRITES_PER_MINUTE)
    yield schema
    app.state.engine.dispose()


@pytest.fixture
def stateful_schema(settings: Settings, clock: Clock):
    app, schema = _schema(settings, clock, STATEFUL_WRITES_PER_MINUTE)
    yield schema
    app.state.engine.dispose()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same examples every run: a finding is reproducible, never a fluke
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_operations_keep_their_contract(case) -> None:
    case.call_and_validate(checks=CHECKS)


def test_stateful_sequences_follow_the_links(stateful_schema) -> None:
    """Sequences of calls chained by the document's links: each answer validated the same way."""
    machine = stateful_schema.as_state_machine()

    # schemathesis builds the state machine's class at run time, from the schema.
    class Workflow(machine):  # type: ignore[misc,valid-type]  # a variable as base: built at run time
        def validate_response(self, response, case, **kwargs):
            case.validate_response(response, checks=CHECKS)

    # The app's database keeps what each sequence wrote, so which links can be followed
    # depends on the sequences before: a fixed seed makes every run draw the same sequences
    # (Hypothesis otherwise may replay one against a changed state and call it flaky).
    Workflow.run(
        settings=settings(
            derandomize=True,
            database=None,
            max_examples=30,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
