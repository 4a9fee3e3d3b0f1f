"""The similar-idea hints of the idea form, measured on French near-duplicates (similar_ideas.toml).

The base holds both ideas of every pair and every unrelated idea, all published. Each idea of
a pair is then typed again, as the form sends it while an agent writes (the title alone, then
the title and the problem), the idea itself left out as when it is edited:

- **found**: its twin is among the first three suggestions;
- **false alarm**: the suggestions shown (three at most) hold an idea other than its twin.

Each unrelated idea is typed the same way; any suggestion for it is a false alarm. The rates
are printed with the test's output and recorded in docs/decisions.md.

Issue 20 asked for the twin in 90 % of cases with at most 10 % of false alarms. Matching words
cannot get there: many pairs share no rare word at all (« courriers » and « lettres », « suivre
son dossier » and « l'état de sa demande »). The first 32 pairs served to tune the scores; the
last 20 were written afterwards, and showed the first tuning overfitted (50 % found, 26 % of
false alarms on them): the bar was raised until both halves stayed under 10 % of false alarms.
The floors below are what the search reaches on both engines, a little under the measured
rates, so that a change that loses ground fails.
"""

import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import Session

from app.models.base import pk
from app.services import search
from tests.conftest import Clock
from tests.factories import IdeaFields, make_idea, make_user

DATA = tomllib.loads((Path(__file__).parent / "similar_ideas.toml").read_text(encoding="utf-8"))
# measured on SQLite and PostgreSQL alike: 20 % (title), 55 % (title + problem)
FOUND_AT_LEAST = {False: 0.18, True: 0.50}
FALSE_ALARMS_AT_MOST = 0.10


@dataclass(frozen=True)
class Typed:
    idea_id: int
    title: str
    problem: str
    twin: int | None  # None: an unrelated idea, nothing should be suggested


@pytest.fixture
def typed(engine_session: Session, clock: Clock) -> list[Typed]:
    s = engine_session
    authors = [make_user(s) for _ in range(4)]

    def publish(n: int, entry: dict[str, str]) -> int:
        texts: IdeaFields = {
            "title": entry["title"],
            "problem": entry["problem"],
            "solution": entry["solution"],
        }
        return pk(make_idea(s, authors[n % 4], clock.now, **texts))

    out: list[Typed] = []
    for n, pair in enumerate(DATA["pair"]):
        a, b = publish(n, pair["a"]), publish(n + 1, pair["b"])
        out.append(Typed(a, pair["a"]["title"], pair["a"]["problem"], b))
        out.append(Typed(b, pair["b"]["title"], pair["b"]["problem"], a))
    for n, entry in enumerate(DATA["unrelated"]):
        out.append(Typed(publish(n, entry), entry["title"], entry["problem"], None))
    s.flush()
    return out


def measure(
    session: Session, typed: list[Typed], with_problem: bool
) -> tuple[float, float, list[tuple[str, str]]]:
    found, alarms, misses = 0, 0, []
    for t in typed:
        shown = search.similar_ideas(
            session, t.title, t.problem if with_problem else "", exclude=t.idea_id
        )
        assert len(shown) <= 3
        if t.twin is not None and t.twin in shown:
            found += 1
        elif t.twin is not None:
            misses.append(("missed", t.title))
        if any(i != t.twin for i in shown):
            alarms += 1
            misses.append(("false alarm", t.title))
    duplicates = sum(1 for t in typed if t.twin is not None)
    return found / duplicates, alarms / len(typed), misses


@pytest.mark.parametrize("with_problem", [False, True], ids=["title", "title+problem"])
def test_similar_ideas_find_the_twin_and_little_else(
    engine_session: Session,
    typed: list[Typed],
    with_problem: bool,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert len(DATA["pair"]) >= 30 and len(DATA["unrelated"]) >= 30
    found, alarms, misses = measure(engine_session, typed, with_problem)
    engine = engine_session.get_bind().dialect.name
    with capsys.disabled():
        print(
            f"\nsimilar ideas ({engine}, {'title + problem' if with_problem else 'title'}): "
            f"twin in the first three {found:.0%}, false alarms {alarms:.0%} "
            f"({len(typed)} ideas typed)"
        )
        for kind, title in misses:
            print(f"  {kind}: {title}")
    assert found >= FOUND_AT_LEAST[with_problem]
    assert alarms <= FALSE_ALARMS_AT_MOST


def test_one_rare_word_is_enough_a_common_one_is_not(
    engine_session: Session, typed: list[Typed]
) -> None:
    by_title = {t.title: t.idea_id for t in typed}
    assert search.similar_ideas(engine_session, "Covoiturage", "") == [
        by_title["Covoiturage entre agents pour venir au travail"]
    ]
    assert search.similar_ideas(engine_session, "Cimetière", "") == [
        by_title["Cartographier les concessions du cimetière"]
    ]
    # Words that half the ideas share suggest nothing on their own.
    assert search.similar_ideas(engine_session, "Les agents et les usagers", "") == []
