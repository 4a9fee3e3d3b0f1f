"""The core loop in the HTML interface: plain forms with redirects, and htmx fragments."""

from sqlmodel import Session

from app.models import Idea, Role, User
from app.models.base import pk
from tests.conftest import Clock, MakeClient, WebClient, error_of, field_error, soup, text_of
from tests.factories import make_deminage, make_idea, make_mine, make_user
from tests.html import attr, find_tag, one, parent

HX = {"HX-Request": "true"}


def _setup(db: Session, clock: Clock) -> tuple[User, User, Idea]:
    author = make_user(db, name="Autrice", unit="Accueil")
    colleague = make_user(db, name="Collègue", unit="Finances")
    idea = make_idea(db, author, clock.now)
    db.commit()
    return author, colleague, idea


def test_colleague_lays_a_mine_without_javascript(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author, colleague, idea = _setup(db, clock)
    client = make_client(colleague)
    response = client.post_form(
        f"/ideas/{idea.id}/mines",
        {
            "category": "data_privacy",
            "severity": "blocking",
            "title": "Hébergement des données",
            "body": "Où sont hébergées les données ?",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/ideas/{idea.id}#mine-")
    page = soup(client.get(f"/ideas/{idea.id}"))
    cell = one(page, ".minefield .cell")
    assert "Bombe" in cell.get_text() and "Active" in cell.get_text()
    assert cell["href"] == response.headers["location"].split(str(idea.id), 1)[1]
    missing = text_of(page, f"#idea-{idea.id}-readiness .missing")
    assert "Désamorcer la bombe « Hébergement des données » : requis" in missing


def test_author_gets_no_mine_form_and_a_403_if_forced(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author, _, idea = _setup(db, clock)
    client = make_client(author)
    assert soup(client.get(f"/ideas/{idea.id}")).find(id="lay-title") is None
    response = client.post_form(
        f"/ideas/{idea.id}/mines", {"category": "legal", "severity": "minor", "body": "x"}
    )
    assert response.status_code == 403
    assert "propre terrain" in response.text


def test_invalid_mine_rerenders_with_errors_and_typed_text(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    _, colleague, idea = _setup(db, clock)
    client = make_client(colleague)
    response = client.post_form(
        f"/ideas/{idea.id}/mines",
        {"category": "nope", "severity": "", "title": "Titre gardé", "body": ""},
    )
    assert response.status_code == 422
    page = soup(response)
    assert "liste" in error_of(page, "lay-category")
    assert "obligatoire" in error_of(page, "lay-body")
    assert attr(find_tag(page, id="lay-title-input"), "value") == "Titre gardé"
    assert page.select_one("#lay-severity-error") is not None


def test_htmx_lay_answers_the_fragment_and_the_score_out_of_band(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    _, colleague, idea = _setup(db, clock)
    client = make_client(colleague)
    response = client.post_form(
        f"/ideas/{idea.id}/mines",
        {"category": "budget", "severity": "minor", "body": "Qui paie ?"},
        headers=HX,
    )
    assert response.status_code == 200
    assert "HX-Request" in response.headers["vary"]
    page = soup(response)
    assert page.find("html") is None
    assert page.find(id=f"idea-{idea.id}-live") is not None
    panel = find_tag(page, id=f"idea-{idea.id}-readiness")
    assert panel["hx-swap-oob"] == "true"
    htmx_error = client.post_form(
        f"/ideas/{idea.id}/mines",
        {"category": "budget", "severity": "minor", "body": ""},
        headers=HX,
    )
    assert htmx_error.status_code == 422
    assert soup(htmx_error).find(id=f"idea-{idea.id}-live") is not None


def test_deminage_accept_reopen_round_trip(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author, colleague, idea = _setup(db, clock)
    helper = make_user(db, name="Aide", unit="DSI")
    mine = make_mine(db, idea, colleague, clock.now, title="Coût")
    db.commit()
    helper_client = make_client(helper)
    assert (
        helper_client.post_form(
            f"/mines/{mine.id}/deminages", {"kind": "solution", "body": "Ligne modernisation."}
        ).status_code
        == 303
    )
    author_client = make_client(author)
    page = soup(author_client.get(f"/ideas/{idea.id}"))
    accept = find_tag(page, "button", string="Accepter ce déminage")
    form = parent(accept, "form")
    assert author_client.post_form(attr(form, "action")).status_code == 303
    page = soup(author_client.get(f"/ideas/{idea.id}"))
    assert "Désamorcée" in text_of(page, f"#mine-{mine.id} .mine-state")
    assert "Désamorcée" in one(page, ".minefield .cell").get_text()
    assert "peut la rouvrir" in text_of(page, "#history-title + ol")
    mine_client = make_client(colleague)
    empty = mine_client.post_form(f"/mines/{mine.id}/reopen", {"reason": ""})
    assert empty.status_code == 422
    assert "obligatoire" in error_of(soup(empty), f"reopen-{mine.id}-reason")
    assert (
        mine_client.post_form(
            f"/mines/{mine.id}/reopen", {"reason": "Le coût de maintenance manque."}
        ).status_code
        == 303
    )
    page = soup(mine_client.get(f"/ideas/{idea.id}"))
    assert "Active" in text_of(page, f"#mine-{mine.id} .mine-state")
    assert "Le coût de maintenance manque." in text_of(page, f"#mine-{mine.id}")


def test_only_a_manager_sees_and_uses_assume_risk_on_a_bomb(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author, colleague, idea = _setup(db, clock)
    manager = make_user(db, role=Role.manager, unit="DGS")
    bomb = make_mine(db, idea, colleague, clock.now, severity="blocking")
    db.commit()
    author_client = make_client(author)
    assert soup(author_client.get(f"/ideas/{idea.id}")).find(id=f"risk-{bomb.id}-reason") is None
    assert (
        author_client.post_form(f"/mines/{bomb.id}/accept-risk", {"reason": "J'assume"}).status_code
        == 403
    )
    manager_client = make_client(manager)
    assert (
        soup(manager_client.get(f"/ideas/{idea.id}")).find(id=f"risk-{bomb.id}-reason") is not None
    )
    assert (
        manager_client.post_form(
            f"/mines/{bomb.id}/accept-risk", {"reason": "Arbitrage DGS"}
        ).status_code
        == 303
    )
    page = soup(manager_client.get(f"/ideas/{idea.id}"))
    assert "Risque assumé" in text_of(page, f"#mine-{bomb.id} .mine-state")


def test_helpful_and_withdraw(make_client: MakeClient, db: Session, clock: Clock) -> None:
    author, colleague, idea = _setup(db, clock)
    mine = make_mine(db, idea, colleague, clock.now)
    deminage = make_deminage(db, mine, author, clock.now)
    db.commit()
    client = make_client(colleague)
    assert client.post_form(f"/deminages/{deminage.id}/helpful").status_code == 303
    button = one(
        soup(client.get(f"/ideas/{idea.id}")), f"#deminage-{deminage.id} button[aria-pressed]"
    )
    assert button["aria-pressed"] == "true" and "(1)" in button.get_text()
    assert make_client(author).post_form(f"/deminages/{deminage.id}/helpful").status_code == 403
    assert make_client(author).post_form(f"/mines/{mine.id}/withdraw").status_code == 403
    assert client.post_form(f"/mines/{mine.id}/withdraw").status_code == 303
    page = soup(client.get(f"/ideas/{idea.id}"))
    assert "Retirée" in one(page, ".minefield .cell").get_text()


def test_profile_shows_the_demineur_record(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author, colleague, idea = _setup(db, clock)
    mine = make_mine(db, idea, colleague, clock.now)
    deminage = make_deminage(db, mine, author, clock.now)
    db.commit()
    client = make_client(colleague)
    client.post_form(f"/deminages/{deminage.id}/accept")
    client.post_form(f"/deminages/{deminage.id}/helpful")
    record = text_of(soup(client.get(f"/users/{author.id}")), ".record")
    assert (
        "1 déminage apporté" in record and "1 accepté" in record and "1 « ça aide » reçu" in record
    )
    assert "1 mine posée" in text_of(soup(client.get("/profile")), ".record")


def test_draft_mines_are_404_to_others(make_client: MakeClient, db: Session, clock: Clock) -> None:
    author = make_user(db)
    other = make_user(db)
    draft = make_idea(db, author, clock.now, published=False)
    db.commit()
    response = make_client(other).post_form(
        f"/ideas/{draft.id}/mines", {"category": "legal", "severity": "minor", "body": "x"}
    )
    assert response.status_code == 404


def test_opening_a_form_address_leads_to_its_page_not_a_405(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    """After a form came back with errors, the address bar holds /ideas/13/mines: opening or
    reloading it shows the idea, never « méthode non autorisée »."""
    author, colleague, idea = _setup(db, clock)
    client = make_client(colleague)
    opened = client.get(f"/ideas/{idea.id}/mines")
    assert opened.status_code == 303 and opened.headers["location"] == f"/ideas/{idea.id}"
    assert client.get(f"/ideas/{idea.id}/publish").headers["location"] == f"/ideas/{idea.id}"
    # The API keeps its plain 405: a program wants the truth, not a page.
    assert client.get(f"/api/v1/ideas/{idea.id}/publish").status_code == 405


def test_a_reopen_ends_the_acceptance_and_the_fiche_names_the_last_defuser(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    """Accepted, reopened, another answer accepted: only the last one is « accepté », none is
    while the mine is active, the history keeps the first, and the fiche credits the second."""
    author, colleague, idea = _setup(db, clock)
    first_helper = make_user(db, name="Paul Premier", unit="DSI")
    second_helper = make_user(db, name="Sara Seconde", unit="Juridique")
    mine = make_mine(db, idea, colleague, clock.now, title="Coût")
    first = make_deminage(db, mine, first_helper, clock.now, body="Le budget de la DSI.")
    db.commit()
    author_client, mine_client = make_client(author), make_client(colleague)
    assert author_client.post_form(f"/deminages/{first.id}/accept").status_code == 303
    reopened = mine_client.post_form(f"/mines/{mine.id}/reopen", {"reason": "Pas voté."})
    assert reopened.status_code == 303

    page = soup(author_client.get(f"/ideas/{idea.id}"))
    assert "Active" in text_of(page, f"#mine-{mine.id} .mine-state")
    answer = find_tag(page, id=f"deminage-{first.id}")
    assert "Déminage accepté" not in answer.get_text()
    assert "deminage--accepted" not in answer["class"]
    assert answer.find("button", string="Accepter ce déminage") is not None
    history = text_of(page, "#history-title + ol")
    assert "le déminage de Paul Premier n’est plus accepté" in history

    second = make_deminage(
        db, mine, second_helper, clock.now, kind="precedent", body="Voté à Lyon."
    )
    db.commit()
    assert author_client.post_form(f"/deminages/{second.id}/accept").status_code == 303
    page = soup(author_client.get(f"/ideas/{idea.id}"))
    accepted = [li["id"] for li in page.select(".deminage--accepted")]
    assert accepted == [f"deminage-{second.id}"]
    assert "Déminage accepté" not in find_tag(page, id=f"deminage-{first.id}").get_text()

    fiche = author_client.get(f"/ideas/{idea.id}/fiche.md").text
    section = fiche.split("### Mine · Coût", 1)[1].split("\n## ", 1)[0]
    assert "Déminée par\u00a0: Sara Seconde (Juridique)" in section
    assert "Précédent\u00a0: Voté à Lyon." in section
    assert "Paul Premier" not in section and "budget de la DSI" not in section


def test_an_answer_that_misses_the_point_is_set_aside_with_its_reason(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    """The idea's author marks a déminage « ne répond pas »: a reason is required (kept as typed
    when missing), the answer leaves those to consider, its author is told why, the history
    keeps it; the mine's author may too, nobody else."""
    author, colleague, idea = _setup(db, clock)
    helper = make_user(db, name="Hugo Hors-Sujet", unit="DSI")
    bystander = make_user(db, name="Bea Passante", unit="RH")
    mine = make_mine(db, idea, colleague, clock.now, title="Coût")
    off_topic = make_deminage(db, mine, helper, clock.now, body="Passez en open source.")
    other = make_deminage(db, mine, helper, clock.now, body="Le fonds de modernisation.")
    db.commit()
    assert (
        make_client(bystander)
        .post_form(f"/deminages/{off_topic.id}/dismiss", {"reason": "Non."})
        .status_code
        == 403
    )
    author_client = make_client(author)
    page = soup(author_client.get(f"/ideas/{idea.id}"))
    form = parent(find_tag(page, id=f"dismiss-{off_topic.id}-reason"), "form")
    assert attr(form, "action").endswith(f"/deminages/{off_topic.id}/dismiss")

    empty = author_client.post_form(attr(form, "action"), {"reason": "  "})
    assert empty.status_code == 422
    assert field_error(soup(empty), f"dismiss-{off_topic.id}-reason") == "Ce champ est obligatoire."
    too_long = author_client.post_form(attr(form, "action"), {"reason": "Trop long. " * 60})
    assert (
        field_error(soup(too_long), f"dismiss-{off_topic.id}-reason") == "500 caractères au plus."
    )
    assert (
        find_tag(soup(too_long), id=f"dismiss-{off_topic.id}-reason").get_text()
        == "Trop long. " * 60
    )

    reason = "La licence ne règle pas le coût de la maintenance."
    done = author_client.post_form(attr(form, "action"), {"reason": reason})
    assert done.status_code == 303 and done.headers["location"].endswith(
        f"#deminage-{off_topic.id}"
    )
    page = soup(author_client.get(f"/ideas/{idea.id}"))
    considered = page.select(f'#mine-{mine.id} ul[aria-label="Déminages proposés"] > li')
    assert [li["id"] for li in considered] == [f"deminage-{other.id}"]
    aside = one(page, f"#mine-{mine.id} details.deminages-dismissed")
    assert "1 réponse écartée" in one(aside, "summary").get_text()
    set_aside = find_tag(aside, id=f"deminage-{off_topic.id}")
    assert reason in set_aside.get_text()
    assert set_aside.find("button", string="Accepter ce déminage") is None
    assert f"Le déminage de Hugo Hors-Sujet pour « Coût » ne répond pas : {reason}" in text_of(
        page, "#history-title + ol"
    )
    told = soup(make_client(helper).get("/notifications")).get_text()
    assert "Autrice juge que votre déminage de la mine «\u00a0Coût\u00a0» ne répond pas" in told
    # Once is enough; the mine's author may set the other answer aside too.
    assert author_client.post_form(attr(form, "action"), {"reason": reason}).status_code == 409
    assert (
        make_client(colleague)
        .post_form(f"/deminages/{other.id}/dismiss", {"reason": "Ce fonds est clos."})
        .status_code
        == 303
    )


def test_a_form_sent_back_opens_with_an_error_summary_that_takes_the_focus(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    """Without JavaScript, the page comes back with the list of what to fix at the top of the
    form, each a link to its field, focused on arrival; reloading its address shows the idea."""
    _, colleague, idea = _setup(db, clock)
    client = make_client(colleague)
    response = client.post_form(
        f"/ideas/{idea.id}/mines", {"category": "", "severity": "", "title": "Gardé", "body": ""}
    )
    assert response.status_code == 422
    page = soup(response)
    summary = one(page, ".error-summary")
    assert summary["tabindex"] == "-1" and summary.has_attr("autofocus")
    assert page.select("[autofocus]") == [summary]  # the one place the focus goes
    assert attr(parent(summary, "form"), "action").endswith(f"/ideas/{idea.id}/mines")
    assert parent(summary, "form").find(["input", "select", "textarea", "fieldset"]) is not None
    links = {attr(a, "href"): a.get_text(" ", strip=True) for a in summary.select("a")}
    assert links == {
        "#lay-category": "Catégorie\u00a0: Choisissez une valeur de la liste.",
        "#lay-body": "La mine\u00a0: Ce champ est obligatoire.",
        "#lay-severity": "Gravité\u00a0: Choisissez une valeur de la liste.",
    }
    for target in links:
        assert page.select_one(target) is not None  # each link leads to its field
    assert "3 erreurs empêchent l’envoi du formulaire" in summary.get_text()
    assert attr(find_tag(page, id="lay-title-input"), "value") == "Gardé"
    assert client.get(f"/ideas/{idea.id}/mines").headers["location"] == f"/ideas/{idea.id}"


def test_the_lay_form_offers_mines_of_the_chosen_category_on_similar_ideas_only(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author = make_user(db, name="Autrice", unit="Accueil")
    other = make_user(db, name="Autre autrice", unit="Régie")
    layer = make_user(db, name="Léa Poseuse", unit="Finances")
    colleague = make_user(db, name="Côme Collègue", unit="DSI")
    cantine = make_idea(
        db,
        other,
        clock.now,
        title="Prélèvement pour la cantine",
        problem="Les familles paient la cantine scolaire en retard.",
    )
    passeport = make_idea(
        db,
        other,
        clock.now,
        title="Rendez-vous passeports en ligne",
        problem="Les usagers font la queue pour un passeport.",
    )
    make_mine(db, cantine, layer, clock.now, category="legal", title="Mandat SEPA")
    make_mine(db, cantine, layer, clock.now, category="budget", title="Frais bancaires")
    make_mine(db, passeport, layer, clock.now, category="legal", title="Titres sécurisés")
    related = make_idea(
        db,
        author,
        clock.now,
        title="Payer la cantine scolaire par prélèvement",
        problem="Les familles paient la cantine en retard et la régie relance chaque mois.",
    )
    # Shares only « usagers » with the passport idea, and nothing with the canteen.
    unrelated = make_idea(
        db,
        author,
        clock.now,
        title="Registre des traitements",
        problem="Les données personnelles des usagers sont éparpillées dans des tableurs.",
    )
    db.commit()
    client = make_client(colleague)

    def offered(idea_id: int | None, category: str) -> list[str]:
        fragment = soup(
            client.get(
                f"/ideas/{idea_id}/mines/siblings", params={"category": category}, headers=HX
            )
        )
        return [a.get_text(strip=True) for a in fragment.select(".neighbour-mines li a")]

    assert offered(related.id, "legal") == ["Mine «\u00a0Mandat SEPA\u00a0»"]
    assert offered(related.id, "budget") == ["Mine «\u00a0Frais bancaires\u00a0»"]
    assert offered(unrelated.id, "legal") == []
    # Before a category is chosen, nothing is offered; a form shown again keeps its choice.
    assert not soup(client.get(f"/ideas/{related.id}")).select(".neighbour-mines")
    again = client.post_form(f"/ideas/{related.id}/mines", {"category": "legal"})
    assert again.status_code == 422
    assert [a.get_text(strip=True) for a in soup(again).select(".neighbour-mines li a")] == [
        "Mine «\u00a0Mandat SEPA\u00a0»"
    ]


def _notices(client: WebClient) -> list[str]:
    """The texts of the person's notifications, as their list shows them."""
    page = soup(client.get("/notifications"))
    return [li.get_text(" ", strip=True) for li in page.select(".notifications li")]


def test_a_reopened_mine_tells_the_carriers_and_the_author_of_the_acceptance_it_ended(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author, colleague, idea = _setup(db, clock)
    co_carrier = make_user(db, name="Côme Porteur", unit="RH")
    helper = make_user(db, name="Paul Premier", unit="DSI")
    bystander = make_user(db, name="Bruno Passant", unit="Juridique")
    idea.co_carrier_ids = [pk(co_carrier)]
    db.add(idea)
    mine = make_mine(db, idea, colleague, clock.now, title="Coût")
    first = make_deminage(db, mine, helper, clock.now, body="Le budget de la DSI.")
    db.commit()
    assert make_client(author).post_form(f"/deminages/{first.id}/accept").status_code == 303
    mine_client = make_client(colleague)
    before = len(_notices(mine_client))
    reason = "Le budget n’est pas voté."
    assert mine_client.post_form(f"/mines/{mine.id}/reopen", {"reason": reason}).status_code == 303
    reopened = (
        f"Collègue rouvre la mine «\u00a0Coût\u00a0» sur votre idée «\u00a0{idea.title}\u00a0»"
    )
    for carrier in (author, co_carrier):
        [notice] = [n for n in _notices(make_client(carrier)) if reopened in n]
        assert reason in notice
    [notice] = [n for n in _notices(make_client(helper)) if "n’est plus retenu" in n]
    assert (
        "Votre déminage n’est plus retenu\u00a0: Collègue a rouvert sa mine «\u00a0Coût\u00a0»"
        in notice
    )
    assert reason in notice
    # Not the one who reopened it, nor anyone who took no part.
    assert len(_notices(mine_client)) == before
    assert not [n for n in _notices(make_client(bystander)) if "rouv" in n]
