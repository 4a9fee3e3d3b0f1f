"""When a text quotes a hidden mine (`visibility.quotes`): its title in « », its long title bare,
a sentence of its text, whatever the case, the spaces and the apostrophes."""

from app.services.visibility import MASKED_EVENT, HiddenMine, quotes, quotes_elsewhere, redact_text

MINE = HiddenMine(
    "Le stationnement des agents",
    "Le parking du personnel n’a que quarante places, et la mairie en loue déjà vingt.",
)


def test_a_title_is_quoted_in_guillemets_or_bare_whatever_the_case_and_spaces() -> None:
    assert quotes("Arrêtée à cause de «\u00a0le stationnement des agents\u00a0».", MINE)
    assert quotes("Le  STATIONNEMENT des\nagents nous a arrêtés.", MINE)
    assert not quotes("Le stationnement des agents municipaux ailleurs", HiddenMine("x", ""))


def test_a_sentence_of_the_text_is_a_quotation_a_few_common_words_are_not() -> None:
    untitled = HiddenMine("", MINE.body)
    said = "Comme l’a dit quelqu’un : le parking du personnel n'a que quarante places."
    assert quotes(said, untitled)
    assert quotes("**Le parking  du PERSONNEL** n’a que quarante", untitled)
    assert not quotes("Le parking du personnel est loin.", untitled)  # 24 characters in common


def test_a_short_title_masks_only_between_guillemets() -> None:
    short = HiddenMine("Coût", "")
    assert quotes("Écartée\u00a0: «\u00a0coût\u00a0».", short)
    assert not quotes("Le coût reste à chiffrer.", short)


def test_a_message_quoting_one_hidden_mine_is_masked_whole() -> None:
    text = "Leçon : le stationnement des agents. Signé Camille."
    assert redact_text(text, [HiddenMine("Autre chose", ""), MINE]) == MASKED_EVENT
    assert redact_text("Rien à voir.", [MINE]) == "Rien à voir."


FRAUD = HiddenMine(
    "Fraude du chef Dupont",
    "Le trésorier Bernard falsifie les écritures comptables QZX chaque fin de mois.",
)


def test_markdown_hides_no_quotation_from_the_reader() -> None:
    # What the page shows is compared: emphasis, a link, an entity, a blockquote cut in lines.
    assert quotes("_Fraude_ du chef Dupont MK11", FRAUD)
    assert quotes("[Fraude du chef](https://x.fr) Dupont MK04", FRAUD)
    assert quotes("Fraude du chef Dupon&#116; MK10", FRAUD)
    assert quotes("Vu «\u00a0_Fraude_ du chef Dupont\u00a0».", FRAUD)
    untitled = HiddenMine("", FRAUD.body)
    quoted = (
        "> Le trésorier Bernard\n> falsifie les écritures\n> comptables QZX chaque\n> fin de mois."
    )
    assert quotes(quoted, untitled)
    assert redact_text(quoted, [untitled]) == MASKED_EVENT


def test_markdown_of_ordinary_words_is_no_quotation() -> None:
    assert not quotes("_Fraude_ du chef de gare, rien à voir", FRAUD)
    assert not quotes("> Le trésorier Bernard\n> est parti.", HiddenMine("", FRAUD.body))


def test_another_ideas_text_quotes_a_long_title_or_a_sentence_never_a_short_title() -> None:
    assert quotes_elsewhere("Comme là-bas, _le STATIONNEMENT des agents_ nous bloque.", MINE)
    assert quotes_elsewhere(
        "Vu ailleurs : le parking du personnel n’a que quarante places, et la mairie.", MINE
    )
    assert not quotes_elsewhere("Le stationnement des agentsmunicipaux", MINE)
    assert not quotes_elsewhere("Écartée\u00a0: «\u00a0coût\u00a0».", HiddenMine("Coût", ""))
    # A phrase a mine shares with many texts (a service's name) is no quotation elsewhere.
    insult = HiddenMine("", "Insulte : la Direction des ressources humaines ne fait rien.")
    assert not quotes_elsewhere(
        "Premier terrain réussi avec la Direction des ressources humaines, merci à elle.", insult
    )


def test_invisible_or_compatibility_characters_hide_no_quotation() -> None:
    """Soft hyphens, zero-width characters (typed or as entities) and full-width letters are
    not seen by a reader: the comparison does not see them either."""
    body = MINE.body
    for hidden_in in (
        body.replace("ar", "a\u200br"),
        body.replace("a", "a\u00ad"),
        body.replace("e", "e&shy;"),
        body.replace("p", "p&#8203;"),
        body.replace("a", "\uff41"),
    ):
        assert quotes(f"Rappel : {hidden_in}", HiddenMine("", body)), hidden_in
    assert quotes("«\u00a0Le station\u200bnement des agents\u00a0»", MINE)
