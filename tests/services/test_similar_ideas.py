"""The similar-idea hints of the idea form, measured on French near-duplicates.

Three sets of pairs (each pair: the same need written by two agents, their own words) and of
unrelated ideas: similar_ideas.toml, on which the weights and bars were tuned, and two held-out
sets written afterwards and never used to choose anything: similar_ideas_heldout.toml (20 pairs,
10 unrelated) and similar_ideas_heldout2.toml (30 pairs, 30 unrelated, written before the
models of meaning of docs/decisions.md were measured on it). The base holds every idea of the
three files, all published. Each idea is then typed again, as the form sends it while an
agent writes (the title alone, then the title and the problem), the idea itself left out as
when it is edited, and each set is measured apart:

- **found**: its twin is among the first three suggestions;
- **false alarm**: the suggestions shown (three at most) hold an idea other than its twin.

Each unrelated idea is typed the same way; any suggestion for it is a false alarm. The rates
are printed with the test's output and recorded in docs/decisions.md.

Issue 20 asked for the twin in 90 % of cases with at most 10 % of false alarms. Matching words
cannot get there: many pairs share no rare word at all (« courriers » and « lettres », « suivre
son dossier » and « l'état de sa demande »), and a general thesaurus (LibreOffice's French one)
did not help either (docs/decisions.md). The held-out sets show how much of the tuned set's
rate is tuning: 12 % and 5 % found once the problem is typed, against 42 %. Small models of
meaning that install offline (multilingual E5, the Universal Sentence Encoder; an English
MiniLM did worse than words) found a fifth to a third of the held-out twins, still far from
90 %, and are not used (docs/decisions.md). The
floors below are what the search reaches on both engines, a little under the measured rates,
so that a change that loses ground fails.
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

HERE = Path(__file__).parent
DATA = tomllib.loads((HERE / "similar_ideas.toml").read_text(encoding="utf-8"))
HELD_OUT = tomllib.loads((HERE / "similar_ideas_heldout.toml").read_text(encoding="utf-8"))
HELD_OUT_2 = tomllib.loads((HERE / "similar_ideas_heldout2.toml").read_text(encoding="utf-8"))
SETS = {"tuned": DATA, "held-out": HELD_OUT, "held-out 2": HELD_OUT_2}
# measured on SQLite and PostgreSQL, the three sets in the base (title / title + problem):
# tuned 14 % / 42 %, held-out 2 % / 12 %, the second held-out set 2 % / 5 % (7 % on PostgreSQL)
FOUND_AT_LEAST = {
    ("tuned", False): 0.12,
    ("tuned", True): 0.40,
    ("held-out", False): 0.02,
    ("held-out", True): 0.10,
    ("held-out 2", False): 0.01,
    ("held-out 2", True): 0.03,
}
FALSE_ALARMS_AT_MOST = 0.10


@dataclass(frozen=True)
class Typed:
    idea_id: int
    title: str
    problem: str
    twin: int | None  # None: an unrelated idea, nothing should be suggested
    set_name: str  # "tuned", "held-out" or "held-out 2": a key of SETS


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
    for name, data in SETS.items():
        for n, pair in enumerate(data["pair"]):
            a, b = publish(n, pair["a"]), publish(n + 1, pair["b"])
            out.append(Typed(a, pair["a"]["title"], pair["a"]["problem"], b, name))
            out.append(Typed(b, pair["b"]["title"], pair["b"]["problem"], a, name))
        for n, entry in enumerate(data["unrelated"]):
            out.append(Typed(publish(n, entry), entry["title"], entry["problem"], None, name))
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


def test_similar_ideas_find_the_twin_and_little_else(
    engine_session: Session, typed: list[Typed], capsys: pytest.CaptureFixture[str]
) -> None:
    """Every set, typed both ways, in one base built once (it takes a while to build)."""
    assert len(DATA["pair"]) >= 30 and len(DATA["unrelated"]) >= 30
    assert len(HELD_OUT["pair"]) >= 20 and len(HELD_OUT["unrelated"]) >= 10
    assert len(HELD_OUT_2["pair"]) >= 30 and len(HELD_OUT_2["unrelated"]) >= 30
    engine = engine_session.get_bind().dialect.name
    below = []
    for set_name in SETS:
        mine = [t for t in typed if t.set_name == set_name]
        for with_problem in (False, True):
            found, alarms, misses = measure(engine_session, mine, with_problem)
            typed_as = "title + problem" if with_problem else "title"
            with capsys.disabled():
                print(
                    f"\nsimilar ideas ({engine}, {set_name}, {typed_as}): "
                    f"twin in the first three {found:.0%}, false alarms {alarms:.0%} "
                    f"({len(mine)} ideas typed)"
                )
                for kind, title in misses:
                    print(f"  {kind}: {title}")
            if found < FOUND_AT_LEAST[set_name, with_problem]:
                below.append(f"{set_name}, {typed_as}: twin found {found:.0%}")
            if alarms > FALSE_ALARMS_AT_MOST:
                below.append(f"{set_name}, {typed_as}: false alarms {alarms:.0%}")
    assert below == []


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
