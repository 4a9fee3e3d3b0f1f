"""When a text quotes a hidden mine (`visibility.quotes`): its title in « », its long title bare,
a sentence of its text, whatever the case, the spaces and the apostrophes."""

from app.services.visibility import (
    MASKED_EVENT,
    MASKED_PASSAGE,
    HiddenMine,
    Passages,
    quotes,
    quotes_elsewhere,
    redact_passages,
    redact_text,
)

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


def test_direction_marks_tags_and_variation_selectors_hide_no_quotation() -> None:
    """Every character a reader does not see (Unicode's format characters, variation
    selectors, blank fillers), even one every few letters, hides nothing (attacker review)."""
    body = MINE.body
    for mark in ("\u200e", "\u200f", "\ufe0f", "\U000e0041", "\u3164", "\u17b4", "\u180b"):
        spread = "".join(c + (mark if i % 6 == 5 else "") for i, c in enumerate(body))
        assert quotes(f"Rappel : {spread}", HiddenMine("", body)), repr(mark)


def test_punctuation_between_the_words_hides_no_quotation() -> None:
    """Brackets, ellipses or full stops put between a sentence's words leave its words as a
    reader reads them: the comparison is on letters and digits (attacker review)."""
    untitled = HiddenMine("", MINE.body)
    for cut in (
        "Le parking (du personnel) n’a que (quarante places), et la mairie (en loue) déjà vingt.",
        "Le parking… du personnel… n’a que quarante… places, et la mairie… en loue déjà vingt.",
        "Le parking. Du personnel. N’a que quarante places. Et la mairie. En loue déjà vingt.",
    ):
        assert quotes(cut, untitled), cut
        assert redact_passages(f"Bilan du terrain. {cut}", [untitled]).masked >= 1, cut
    assert not quotes("Le parking est loin ; la mairie loue des places au personnel.", untitled)


def test_look_alike_letters_of_other_scripts_hide_no_quotation() -> None:
    """A Cyrillic « е » or a Greek « Ο » reads as the Latin letter: the comparison reads it so
    too, in the candidate text and in the mine's (UTS #39's skeleton, `_SKELETON`)."""
    body = MINE.body
    untitled = HiddenMine("", body)
    for spoofed in (
        body.replace("e", "\u0435"),  # Cyrillic е
        body.replace("a", "\u0430").replace("o", "\u043e").replace("p", "\u0440"),
        body.replace("c", "\u0441").replace("i", "\u0456").replace("s", "\u0455"),
        body.replace("L", "\u039b").replace("P", "\u03a1").replace("o", "\u03bf"),  # Greek
        body.replace("à", "\u0430\u0300").replace("é", "\u0435\u0301"),  # accents on Cyrillic
    ):
        assert quotes(f"Rappel : {spoofed}", untitled), spoofed
        assert quotes_elsewhere(f"Vu ailleurs : {spoofed}", MINE), spoofed
    assert quotes("«\u00a0C\u043e\u00fbt\u00a0» nous arrête.", HiddenMine("Coût", ""))
    assert quotes("L\u0415 STATI\u039fNNEMENT des agents", MINE)
    # A mine written with look-alikes is quoted by a text in Latin letters.
    assert quotes(f"Rappel : {body}", HiddenMine("", body.replace("e", "\u0435")))


def test_french_accents_compare_as_before_look_alikes_aside() -> None:
    untitled = HiddenMine("", "Le trésorier écrit « déjà » à côté, où l’élève s’arrête là.")
    assert quotes("Le trésorier écrit « déjà » à côté, où l’élève", untitled)
    # An accent is still a different letter: the skeleton folds scripts, not accents.
    assert not quotes("Le tresorier ecrit « deja » a cote, ou l’eleve", untitled)
    assert not quotes("Le coût reste à chiffrer.", HiddenMine("Coût", ""))


SOFTWARE = HiddenMine(
    "Logiciel défaillant", "Le logiciel ne gere pas les conges des agents a temps partiel."
)


def test_a_quotation_spelt_in_a_web_address_is_masked() -> None:
    """A link's address reads as words: percent-escapes, and hyphens, underscores, plus signs
    and slashes between them, hide no quotation from a reader who reads the address."""
    untitled = HiddenMine("", SOFTWARE.body)
    for link in (
        "https://x.fr/Le%20logiciel%20ne%20gere%20pas%20les%20conges%20des%20agents",
        "https://x.fr/recherche?q=le+logiciel+ne+gere+pas+les+conges+des+agents",
        "https://x.fr/le-logiciel-ne-gere-pas-les-conges-des-agents",
        "https://x.fr/le_logiciel_ne_gere_pas_les_conges/des_agents",
        "[voir ici](https://x.fr/le-logiciel-ne-gere-pas-les-conges-des-agents)",
        "https://x.fr/?q=le%2Blogiciel%2Bne%2Bgere%2Bpas%2Bles%2Bconges%2Bdes",
        "https://x.fr/le%2520logiciel%2520ne%2520gere%2520pas%2520les%2520conges",
    ):
        assert quotes(f"Voir {link} pour le détail.", untitled), link
        assert redact_text(f"Voir {link}", [untitled]) == MASKED_EVENT, link
    assert quotes_elsewhere(
        "Voir https://x.fr/le-logiciel-ne-gere-pas-les-conges-des-agents-a-temps-partiel", SOFTWARE
    )
    # Accents percent-encoded are the mine's accents.
    accented = HiddenMine("", "Le logiciel ne gère pas les congés des agents à temps partiel.")
    assert quotes("https://x.fr/le%20logiciel%20ne%20g%C3%A8re%20pas%20les%20cong%C3%A9s", accented)


def test_an_ordinary_link_or_hyphenated_words_are_no_quotation() -> None:
    untitled = HiddenMine("", SOFTWARE.body)
    assert not quotes("Voir https://x.fr/le-logiciel-des-agents pour le détail.", untitled)
    assert not quotes("Peut-être : le logiciel-maison gère bien les congés.", untitled)


def test_a_lesson_loses_only_its_sentences_that_quote_a_hidden_mine() -> None:
    lesson = (
        "Le terrain a manqué de bras.\n\n"
        "Comme l’a dit quelqu’un, le parking du personnel n’a que quarante places ! "
        "Nous recommencerons au printemps avec la DSI."
    )
    read = redact_passages(lesson, [HiddenMine("", MINE.body)])
    assert read.text == (
        f"Le terrain a manqué de bras.\n\n{MASKED_PASSAGE} "
        "Nous recommencerons au printemps avec la DSI."
    )
    assert (read.masked, read.whole) == (1, False)
    assert redact_passages(lesson, [HiddenMine("Autre", "Rien de commun ici.")]).text == lesson


def test_a_quotation_over_two_sentences_masks_both_and_nothing_else() -> None:
    body = (
        "Le parking du personnel des services techniques. N’a que quarante places, et la mairie "
        "en loue déjà vingt."
    )
    lesson = f"Bilan. {body} Merci à tous."
    read = redact_passages(lesson, [HiddenMine("", body)])
    assert read.text == f"Bilan. {MASKED_PASSAGE} Merci à tous."
    assert "parking" not in read.text and "quarante" not in read.text


def test_a_lesson_that_is_all_quotation_is_masked_whole() -> None:
    read = redact_passages(f"Leçon : {MINE.body}", [HiddenMine("", MINE.body)])
    assert read == Passages(MASKED_PASSAGE, 1, whole=True)


def test_a_slug_without_accents_spells_a_mine_with_accents() -> None:
    """A web address drops accents (« /le-logiciel-ne-gere ») : its words are compared to the
    mine's text without them; the text around it keeps its accents."""
    accented = HiddenMine(
        "Logiciel défaillant des congés",
        "Le logiciel ne gère pas les congés des agents à temps partiel, ni les récupérations.",
    )
    slug = "https://x.fr/le-logiciel-ne-gere-pas-les-conges-des-agents-a-temps-partiel"
    assert quotes(f"Voir {slug}.", HiddenMine("", accented.body))
    assert quotes_elsewhere(f"Voir [ce billet]({slug}).", accented)
    assert quotes("Voir www.x.fr/logiciel-defaillant-des-conges", accented)
    assert not quotes(
        "le logiciel ne gere pas les conges des agents", HiddenMine("", accented.body)
    )
