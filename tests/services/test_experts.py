"""The ranking of « Qui peut déminer ? », on hand-made candidates whose right answer is known."""

from app.services.experts import Candidate, MineToDefuse, Precedent, rank

MINE = MineToDefuse(category="data_privacy", author_id=1, idea_author_id=2, idea_author_unit_id=10)


def test_the_colleague_with_accepted_deminages_and_similar_precedents_comes_first() -> None:
    expert = Candidate(
        5,
        "Lina Expert",
        30,
        "Juridique",
        accepted_in_category=3,
        precedents=(Precedent("Hébergement des pièces", "Coffre-fort numérique"),),
    )
    volunteer = Candidate(6, "Victor Volontaire", 40, "DSI", declared_subject=True)
    neighbour = Candidate(7, "Nina Voisine", 10, "Accueil", accepted_in_category=1)
    result = rank(MINE, [volunteer, neighbour, expert])
    assert [s.name for s in result] == ["Lina Expert", "Nina Voisine", "Victor Volontaire"]
    assert result[0].reasons == (
        "3 déminages acceptés en données & rgpd",
        "a déminé «\u00a0Hébergement des pièces\u00a0» sur l’idée voisine "
        "«\u00a0Coffre-fort numérique\u00a0»",
        "service Juridique",
    )
    assert result[1].reasons[-1] == "service Accueil (celui de la personne qui propose l’idée)"
    assert result[2].reasons == ("se propose pour aider en données & rgpd", "service DSI")


def test_never_the_mine_author_the_idea_author_or_who_opted_out() -> None:
    strong = 5  # accepted déminages in the mine's category
    people = [
        Candidate(1, "Auteur de la mine", 20, "X", accepted_in_category=strong),
        Candidate(2, "Autrice de l'idée", 10, "Y", accepted_in_category=strong),
        Candidate(3, "Refus", 30, "Z", opted_out=True, accepted_in_category=strong),
        Candidate(4, "Personne sans preuve", 40, "W"),
    ]
    assert rank(MINE, people) == ()


def test_outside_the_authors_unit_wins_at_equal_evidence_and_five_at_most() -> None:
    same = [Candidate(i, f"Même {i}", 10, "Accueil", accepted_in_category=2) for i in range(10, 14)]
    other = [
        Candidate(i, f"Autre {i}", 50, "Finances", accepted_in_category=2) for i in range(20, 23)
    ]
    result = rank(MINE, same + other)
    assert len(result) == 5
    assert [s.name for s in result[:3]] == ["Autre 20", "Autre 21", "Autre 22"]


def test_evidence_is_capped_so_a_single_field_cannot_bury_the_others() -> None:
    veteran = Candidate(8, "Vétéran", 30, "X", accepted_in_category=50)
    rounded = Candidate(
        9,
        "Polyvalente",
        30,
        "X",
        accepted_in_category=4,
        precedents=(Precedent("A", "B"), Precedent("C", "D")),
    )
    assert [s.name for s in rank(MINE, [veteran, rounded])] == ["Polyvalente", "Vétéran"]
    assert "(et 1 autre)" in rank(MINE, [rounded])[0].reasons[1]
