"""Numbers, dates and plurals as French writes them (app/formatting.py, through Babel)."""

from datetime import UTC, date, datetime

import pytest

from app import formatting

NNBSP, NBSP = "\u202f", "\u00a0"


def test_numbers_group_thousands_with_a_narrow_no_break_space() -> None:
    assert formatting.number(11000) == f"11{NNBSP}000"
    assert formatting.number(1234567) == f"1{NNBSP}234{NNBSP}567"
    assert formatting.number(999) == "999"
    assert formatting.number(3.5) == "3,5"


def test_decimals_use_a_comma_and_keep_their_digits() -> None:
    assert formatting.decimal(25.0) == "25,0"
    assert formatting.decimal(0) == "0,0"
    assert formatting.decimal(3.25, 2) == "3,25"
    assert formatting.decimal(12500.5) == f"12{NNBSP}500,5"
    assert formatting.decimal(7.4, 0) == "7"


def test_points_drop_a_zero_decimal() -> None:
    assert formatting.points(5.0) == "5"
    assert formatting.points(3.3) == "3,3"
    assert formatting.points(12500.0) == f"12{NNBSP}500"


def test_percentages_and_seconds_keep_their_sign_on_the_same_line() -> None:
    assert formatting.percent(42.5) == f"42,5{NBSP}%"
    assert formatting.percent(100) == f"100{NBSP}%"
    assert formatting.seconds(0.04) == f"0,0{NBSP}s"
    assert formatting.seconds(12.34) == f"12,3{NBSP}s"


def test_the_first_of_the_month_is_1er_and_months_are_spelt_out() -> None:
    assert formatting.date(date(2026, 11, 1)) == f"1er{NBSP}novembre 2026"
    assert formatting.date(date(2026, 11, 2)) == f"2{NBSP}novembre 2026"
    assert formatting.date(date(2027, 3, 11)) == f"11{NBSP}mars 2027"
    assert formatting.date(date(2026, 2, 21)) == f"21{NBSP}février 2026"
    assert formatting.date(None) == ""


def test_an_instant_is_dated_in_paris_time() -> None:
    late = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)  # already 1 November in Paris
    assert formatting.date(late) == f"1er{NBSP}novembre 2026"
    assert formatting.date(late.replace(tzinfo=None)) == f"1er{NBSP}novembre 2026"  # naive: UTC
    assert formatting.datetime(late) == f"1er{NBSP}novembre 2026 à 00:30"
    summer = datetime(2026, 7, 14, 12, 5, tzinfo=UTC)
    assert formatting.datetime(summer) == f"14{NBSP}juillet 2026 à 14:05"
    assert formatting.datetime(None) == ""


def test_a_month_is_named_short_for_a_chart() -> None:
    assert formatting.month(date(2026, 9, 1)) == "sept. 2026"
    assert formatting.month(date(2026, 1, 1)) == "janv. 2026"


def test_a_day_is_named_short_for_a_chart_in_paris_time() -> None:
    assert formatting.day(date(2026, 9, 27)) == f"27{NBSP}sept."
    assert formatting.day(datetime(2026, 9, 30, 22, 30, tzinfo=UTC)) == f"1er{NBSP}oct."


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 mine"), (1, "1 mine"), (2, "2 mines"), (3, "3 mines"), (1000, f"1{NNBSP}000 mines")],
)
def test_plurals_follow_french_rules(count: int, expected: str) -> None:
    assert formatting.plural(count, "mine", "mines") == expected


def test_a_plural_groups_its_count_and_a_fraction_below_two_is_singular() -> None:
    assert formatting.plural(11000, "caractère", "caractères") == f"11{NNBSP}000 caractères"
    assert formatting.word(1.5, "jour", "jours") == "jour"
    assert formatting.word(2.5, "jour", "jours") == "jours"


def test_the_templates_have_the_same_filters() -> None:
    from app.config import Settings
    from app.templating import make_templates

    env = make_templates(Settings()).env
    template = env.from_string(
        "{{ 11000 | number }} · {{ 25 | decimal }} · {{ 3 | plural('mine', 'mines') }}"
        " · {{ day | date }}"
    )
    assert template.render(day=date(2026, 11, 1)) == (
        f"11{NNBSP}000 · 25,0 · 3 mines · 1er{NBSP}novembre 2026"
    )


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("L'idée est simple: on gagne du temps", f"L’idée est simple{NBSP}: on gagne du temps"),
        ("Vraiment ? Oui ! Enfin ; bref", f"Vraiment{NNBSP}? Oui{NNBSP}! Enfin{NNBSP}; bref"),
        ("Pourquoi?! Parce que!", f"Pourquoi{NNBSP}?! Parce que{NNBSP}!"),
        ('Le mot "usager" et «agent»', f"Le mot «{NBSP}usager{NBSP}» et «{NBSP}agent{NBSP}»"),
        ("(voir plus haut): oui", f"(voir plus haut){NBSP}: oui"),
        ("Réunion à 10:30, 2 h:", f"Réunion à 10:30, 2 h{NBSP}:"),
    ],
)
def test_typed_text_is_typeset_as_the_interface_writes(typed: str, shown: str) -> None:
    assert formatting.typeset(typed) == shown


def test_addresses_stay_as_typed_while_the_prose_around_them_is_typeset() -> None:
    typed = "Voir https://ex.fr/a?b=1: puis écrire à si@ville.fr; ou l'accueil"
    assert formatting.typeset(typed) == (
        f"Voir https://ex.fr/a?b=1{NBSP}: puis écrire à si@ville.fr{NNBSP}; ou l’accueil"
    )


def test_markdown_typesets_its_words_but_not_its_code_nor_its_links() -> None:
    from app.markdown import render_markdown

    html = str(render_markdown("L'accès: `a:b` et [l'aide](https://ex.fr/?q=l'aide)"))
    assert f"L’accès{NBSP}:" in html.replace("&nbsp;", NBSP)
    assert "<code>a:b</code>" in html
    assert 'href="https://ex.fr/?q=l\'aide"' in html
    assert ">l’aide</a>" in html


def test_a_mark_after_bold_code_a_link_or_a_currency_is_spaced_too() -> None:
    from app.markdown import render_markdown

    html = str(render_markdown("**Note**: voir `x`; puis [l’aide](https://ex.fr) ! Coût : 10 €!"))
    assert html.replace("&nbsp;", NBSP).count(f"{NBSP}:") == 2
    assert f"</code>{NNBSP};" in html and f"</a>{NNBSP}!" in html and f"€{NNBSP}!" in html
