"""Portée, basis and co-signing in the HTML interface (plain forms, htmx as an enhancement), in
the API and in what leaves the tool (fiche produit, open data, the map of what blocks)."""

import io

from pypdf import PdfReader
from sqlmodel import Session

from app.models import Idea, Role, User
from tests.conftest import ApiClient, Clock, MakeClient, field_error, soup, text_of
from tests.factories import make_idea, make_mine, make_user
from tests.html import find_tag, one

HX = {"HX-Request": "true"}


def _cast(db: Session, clock: Clock) -> tuple[User, User, User, Idea]:
    author = make_user(db, name="Autrice", unit="Accueil")
    layer = make_user(db, name="Léa Poseuse", unit="Finances")
    colleague = make_user(db, name="Côme Collègue", unit="DSI")
    idea = make_idea(db, author, clock.now, title="Guichet unique")
    db.commit()
    return author, layer, colleague, idea


def test_the_lay_form_lists_this_ideas_open_mines_by_category_without_javascript(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author, layer, colleague, idea = _cast(db, clock)
    make_mine(db, idea, layer, clock.now, category="legal", title="Base légale")
    make_mine(db, idea, layer, clock.now, category="budget", title="Coût du guichet")
    db.commit()
    page = soup(make_client(colleague).get(f"/ideas/{idea.id}"))
    siblings = one(page, "#lay-siblings")
    # Above the form, grouped by category, each with a form to co-sign it.
    lay_form = one(page, f"form[action$='/ideas/{idea.id}/mines']")
    assert siblings.find_next_sibling("form") is lay_form
    groups = [h.get_text(strip=True) for h in siblings.select(".siblings-category")]
    assert groups == ["Juridique", "Budget"]
    assert len(siblings.select("form.cosign")) == 2
    # htmx narrows the list to the category chosen in the form.
    fragment = soup(
        make_client(colleague).get(
            f"/ideas/{idea.id}/mines/siblings", params={"category": "budget"}, headers=HX
        )
    )
    assert [find_tag(li, "a").get_text(strip=True) for li in fragment.select("li")] == [
        "Mine «\u00a0Coût du guichet\u00a0»"
    ]
    empty = make_client(colleague).get(
        f"/ideas/{idea.id}/mines/siblings", params={"category": "ethics"}
    )
    assert "Aucune mine active en éthique" in empty.text
    # An unknown category is no error: the whole list.
    unknown = make_client(colleague).get(
        f"/ideas/{idea.id}/mines/siblings", params={"category": "nope"}
    )
    assert unknown.status_code == 200 and len(soup(unknown).select("li")) == 2


def test_two_colleagues_cosign_and_the_page_shows_the_median_and_split_opinions(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author, layer, colleague, idea = _cast(db, clock)
    other = make_user(db, name="Olga Autre", unit="RH")
    mine = make_mine(db, idea, layer, clock.now, severity="major", title="Hébergement")
    db.commit()
    assert (
        make_client(colleague)
        .post_form(f"/mines/{mine.id}/cosign", {"severity": "blocking"})
        .headers["location"]
        .endswith(f"#mine-{mine.id}")
    )
    response = make_client(other).post_form(
        f"/mines/{mine.id}/cosign", {"severity": "minor"}, headers=HX
    )
    assert response.status_code == 200
    page = soup(make_client(author).get(f"/ideas/{idea.id}"))
    estimates = text_of(page, f"#mine-{mine.id}-estimates")
    assert "Co-signée par 2 collègues" in estimates
    assert "la médiane des estimations : mine" in estimates
    assert "Avis partagés" in estimates
    assert [
        li.get_text(" ", strip=True) for li in page.select(f"#mine-{mine.id}-estimates li")
    ] == [
        "Mine — Léa Poseuse (Finances), qui l’a posée",
        "Bombe — Côme Collègue (DSI)",
        "Pétard — Olga Autre (RH)",
    ]
    # Co-signers count as reviewers: three colleagues looked.
    assert "Regards croisés (3 personnes, 3 services)" in text_of(
        page, f"#idea-{idea.id}-readiness .parts"
    )
    # A co-signer withdraws their signature from the mine itself.
    client = make_client(other)
    withdraw = soup(client.get(f"/ideas/{idea.id}")).select_one(
        f"form[action$='/mines/{mine.id}/cosign/withdraw']"
    )
    assert withdraw is not None
    assert client.post_form(f"/mines/{mine.id}/cosign/withdraw").status_code == 303
    assert "Avis partagés" not in text_of(
        soup(client.get(f"/ideas/{idea.id}")), f"#mine-{mine.id}-estimates"
    )


def test_a_cosign_without_an_estimate_is_shown_again_with_its_error(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    _, layer, colleague, idea = _cast(db, clock)
    mine = make_mine(db, idea, layer, clock.now)
    db.commit()
    response = make_client(colleague).post_form(f"/mines/{mine.id}/cosign", {"severity": ""})
    assert response.status_code == 422
    page = soup(response)
    error = one(page, f"#cosign-{mine.id}-error")
    assert "Choisissez une valeur" in error.get_text()


def test_a_mine_laid_for_the_generalisation_on_a_text_stays_out_of_ripeness(
    make_client: MakeClient, db: Session, clock: Clock, api_client: ApiClient
) -> None:
    _, _, colleague, idea = _cast(db, clock)
    client = make_client(colleague)
    response = client.post_form(
        f"/ideas/{idea.id}/mines",
        {
            "category": "legal",
            "severity": "blocking",
            "title": "Déploiement national",
            "body": "À l’échelle nationale, il faut un décret.",
            "scope": "generalisation",
            "basis": "text",
            "basis_reference": "Code des relations entre le public et l’administration, L. 112-1",
        },
    )
    assert response.status_code == 303
    page = soup(client.get(f"/ideas/{idea.id}"))
    later = text_of(page, "section[aria-labelledby=later-title]")
    assert "Déploiement national" in later
    assert "S’appuie sur : Texte (Code des relations" in later
    readiness = text_of(page, f"#idea-{idea.id}-readiness")
    assert "Avant de généraliser" in readiness and "Désamorcer la bombe" not in readiness
    gates = {
        one(li, "span").get_text(strip=True): "gate--ok" in li["class"]
        for li in page.select(f"#idea-{idea.id}-readiness .gates li")
    }
    assert gates["Aucune bombe active"] is True
    # The board's card counts active mines as the ripeness does, and the later one apart.
    card = text_of(soup(client.get("/board")), f"#board-idea-{idea.id} .meta")
    assert "mines actives : aucune · 1 mine active pour la généralisation ·" in card
    (row,) = [r for r in api_client(colleague).get("/api/v1/board").json()["items"]]
    assert (row["open_mines"], row["open_generalisation_mines"]) == ({}, 1)


def test_a_bad_portee_or_basis_is_refused_beside_its_field(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    _, _, colleague, idea = _cast(db, clock)
    response = make_client(colleague).post_form(
        f"/ideas/{idea.id}/mines",
        {"category": "legal", "severity": "minor", "body": "Objection", "basis": "rumeur"},
    )
    assert response.status_code == 422
    page = soup(response)
    assert one(page, "#lay-basis-error").get_text(strip=True).startswith("Choisissez")
    assert find_tag(page, id="lay-body").get_text() == "Objection"  # what was typed is kept


def test_the_move_to_the_generalisation_asked_refused_then_settled_by_a_manager(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author, layer, _, idea = _cast(db, clock)
    manager = make_user(db, name="Manon Manager", unit="DGS", role=Role.manager)
    mine = make_mine(db, idea, layer, clock.now, title="Formation des agents")
    db.commit()
    asker = make_client(author)
    form = soup(asker.get(f"/ideas/{idea.id}")).select_one(
        f"form[action$='/mines/{mine.id}/scope-request']"
    )
    assert form is not None
    empty = asker.post_form(f"/mines/{mine.id}/scope-request", {"reason": " "})
    assert empty.status_code == 422
    assert field_error(soup(empty), f"scope-{mine.id}-reason") == "Ce champ est obligatoire."
    asker.post_form(f"/mines/{mine.id}/scope-request", {"reason": "Le pilote a trois agents."})
    owner = make_client(layer)
    assert "Le pilote a trois agents." in text_of(
        soup(owner.get(f"/ideas/{idea.id}")), f"#mine-{mine.id}"
    )
    owner.post_form(
        f"/mines/{mine.id}/scope-request/answer", {"agree": "false", "reason": "Dès le jour 1."}
    )
    boss = make_client(manager)
    page = soup(boss.get(f"/ideas/{idea.id}"))
    assert "Désaccord sur la portée" in text_of(page, f"#mine-{mine.id}")
    assert page.select_one(f"form[action$='/mines/{mine.id}/scope-request/decide']") is not None
    response = boss.post_form(
        f"/mines/{mine.id}/scope-request/decide",
        {"move": "true", "reason": "Trois agents se forment en une heure."},
    )
    assert response.status_code == 303
    page = soup(boss.get(f"/ideas/{idea.id}"))
    assert "Formation des agents" in text_of(page, "section[aria-labelledby=later-title]")
    history = text_of(page, "section[aria-labelledby=history-title]")
    assert "Demande de passer la mine « Formation des agents » à la généralisation" in history
    assert "gardée dès le premier terrain par la personne qui l’a posée" in history
    assert "passée à la généralisation par décision d’un manager" in history


def test_a_manager_who_cosigned_the_mine_cannot_settle_its_portee(
    make_client: MakeClient, api_client: ApiClient, db: Session, clock: Clock
) -> None:
    author, layer, _, idea = _cast(db, clock)
    cosigner = make_user(db, name="Manon Manager", unit="DGS", role=Role.manager)
    mine = make_mine(db, idea, layer, clock.now, title="Formation des agents")
    db.commit()
    boss = make_client(cosigner)
    assert boss.post_form(f"/mines/{mine.id}/cosign", {"severity": "major"}).status_code == 303
    make_client(author).post_form(f"/mines/{mine.id}/scope-request", {"reason": "Plus tard."})
    make_client(layer).post_form(f"/mines/{mine.id}/scope-request/answer", {"agree": "false"})
    # A co-signer is a party to the disagreement, as the mine's author is: no form, and 403.
    page = soup(boss.get(f"/ideas/{idea.id}"))
    assert "Désaccord sur la portée" in text_of(page, f"#mine-{mine.id}")
    assert page.select_one(f"form[action$='/mines/{mine.id}/scope-request/decide']") is None
    response = boss.post_form(
        f"/mines/{mine.id}/scope-request/decide", {"move": "true", "reason": "Je tranche."}
    )
    assert response.status_code == 403
    api = api_client(cosigner).post(
        f"/api/v1/mines/{mine.id}/scope-request/decide", json={"move": True, "reason": "Oui."}
    )
    assert api.status_code == 403
    assert soup(boss.get(f"/ideas/{idea.id}")).select_one("#later-title") is None
    db.refresh(mine)
    assert mine.scope == "first_ground"


def test_the_idea_author_asks_what_a_mine_rests_on(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author, layer, _, idea = _cast(db, clock)
    mine = make_mine(db, idea, layer, clock.now, title="Sécurité")
    db.commit()
    assert "Intuition" in text_of(
        soup(make_client(author).get(f"/ideas/{idea.id}")), f"#mine-{mine.id} .mine-basis"
    )
    assert make_client(author).post_form(f"/mines/{mine.id}/ask-basis").status_code == 303
    owner = make_client(layer)
    assert "sur quoi s’appuie votre mine «\u00a0Sécurité\u00a0»" in owner.get("/notifications").text
    page = soup(owner.get(f"/ideas/{idea.id}"))
    assert "sur quoi vous appuyez-vous" in text_of(page, f"#mine-{mine.id}")
    owner.post_form(f"/mines/{mine.id}/basis", {"basis": "figures", "basis_reference": ""})
    assert "Chiffres" in text_of(
        soup(owner.get(f"/ideas/{idea.id}")), f"#mine-{mine.id} .mine-basis"
    )


def test_the_api_cosigns_lists_estimates_and_moves_a_mine(
    api_client: ApiClient, db: Session, clock: Clock
) -> None:
    author, layer, colleague, idea = _cast(db, clock)
    mine = make_mine(db, idea, layer, clock.now, severity="minor", title="Accueil")
    db.commit()
    signed = api_client(colleague).post(
        f"/api/v1/mines/{mine.id}/cosign", json={"severity": "blocking"}
    )
    assert signed.status_code == 200
    body = signed.json()
    assert body["severity"] == "major"  # the median of a pétard and a bombe
    assert body["split_opinions"] is True
    assert [(s["user"]["name"], s["severity"], s["author"]) for s in body["signatures"]] == [
        ("Léa Poseuse", "minor", True),
        ("Côme Collègue", "blocking", False),
    ]
    listed = api_client(author).get(f"/api/v1/mines/{mine.id}/cosignatures").json()
    assert [s["severity"] for s in listed] == ["minor", "blocking"]
    bad = api_client(colleague).post(f"/api/v1/mines/{mine.id}/cosign", json={"severity": "huge"})
    assert bad.status_code == 422 and bad.json()["field"] == "severity"
    refused = api_client(author).post(f"/api/v1/mines/{mine.id}/cosign", json={"severity": "minor"})
    assert refused.status_code == 403
    asked = api_client(author).post(
        f"/api/v1/mines/{mine.id}/scope-request", json={"reason": "Pas au premier terrain."}
    )
    assert asked.json()["scope_request"]["status"] == "pending"
    moved = (
        api_client(layer)
        .post(f"/api/v1/mines/{mine.id}/scope-request/answer", json={"agree": True})
        .json()
    )
    assert moved["scope"] == "generalisation" and moved["scope_request"]["status"] == "agreed"
    idea_out = api_client(author).get(f"/api/v1/ideas/{idea.id}").json()
    assert idea_out["readiness"]["generalisation"] == {"mines": 1, "open": 1, "percent": 0.0}
    assert idea_out["mines"][0]["basis"] == "intuition"
    withdrawn = api_client(colleague).post(f"/api/v1/mines/{mine.id}/cosign/withdraw").json()
    assert [s["author"] for s in withdrawn["signatures"]] == [True]


def test_the_fiche_lists_generalisation_mines_apart_and_open_data_counts_them(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author, layer, colleague, idea = _cast(db, clock)
    make_mine(db, idea, layer, clock.now, title="Pilote")
    later = make_mine(db, idea, colleague, clock.now, title="Tous les sites")
    db.commit()
    client = make_client(author)
    client.post_form(f"/mines/{later.id}/scope-request", {"reason": "Le pilote a un site."})
    make_client(colleague).post_form(f"/mines/{later.id}/scope-request/answer", {"agree": "true"})
    fiche = client.get(f"/ideas/{idea.id}/fiche.md").text
    mines_part, later_part = fiche.split("## À déminer avant de généraliser (1)")
    assert "## Mines (1)" in mines_part and "Pilote" in mines_part
    assert "Tous les sites" in later_part.split("## Regards croisés")[0]
    assert "Tous les sites" not in mines_part
    assert "- S’appuie sur\u00a0: Intuition" in fiche
    pdf = PdfReader(io.BytesIO(client.get(f"/ideas/{idea.id}/fiche.pdf").content))
    text = " ".join((page.extract_text() or "") for page in pdf.pages)
    pdf_mines, pdf_later = " ".join(text.split()).split("À déminer avant de généraliser (1)")
    assert "Pilote" in pdf_mines and "Tous les sites" not in pdf_mines
    assert "Tous les sites" in pdf_later
    (row,) = [r for r in client.get("/open-data/ideas.json").json()["ideas"] if r["id"] == idea.id]
    assert row["mines_by_scope"] == {"first_ground": 1, "generalisation": 1}
    assert row["mines_by_basis"]["intuition"] == 2
    assert "Léa" not in str(row) and "Côme" not in str(row)
    csv = client.get("/open-data/ideas.csv").text.splitlines()
    header, values = (
        csv[0].split(","),
        dict(zip(csv[0].split(","), csv[1].split(","), strict=False)),
    )
    assert "mines_generalisation" in header and values["mines_generalisation"] == "1"
    blockers = client.get("/open-data/blockers.json").json()
    assert [r["scope"] for r in blockers["by_scope"]] == ["first_ground", "generalisation"]
    board = soup(client.get("/ce-qui-bloque"))
    chart = text_of(board, "#chart-blocker-scopes")
    assert "Dès le premier terrain" in chart and "Pour la généralisation" in chart


def test_the_help_says_how_portee_and_cosigning_weigh_in_the_score(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    reader = make_user(db)
    db.commit()
    page = soup(make_client(reader).get("/aide"))
    assert "Seules les mines du premier terrain comptent" in text_of(page, "#portee")
    assert "la médiane des estimations" in text_of(page, "#cosignature")
    assert "sur quoi vous appuyez-vous" in text_of(page, "#appui")
