"""The broken rule, typed: its kind and reference on the idea, in the fiche, the API and the
open data, and the paths that exist for that kind."""

import csv
import io

from pypdf import PdfReader
from sqlmodel import Session

from tests.conftest import ApiClient, Clock, MakeClient, field_error, soup, text_of
from tests.factories import make_idea, make_mine, make_user
from tests.html import attr, find_tag, next_sibling, one
from tests.routers.test_ideas import FICHE

LEGIFRANCE = "https://www.legifrance.gouv.fr/loda/id/JORFTEXT000041789315"


def test_the_author_says_what_kind_of_rule_and_the_idea_shows_the_paths(
    make_client: MakeClient, db: Session
) -> None:
    author = make_user(db)
    db.commit()
    client = make_client(author)
    response = client.post_form(
        "/ideas", {**FICHE, "rule_kind": "decree", "rule_reference": LEGIFRANCE}
    )
    assert response.status_code == 303
    page = soup(client.get(response.headers["location"]))
    rule = page.select_one(".fiche .rule-kind")
    assert rule is not None and "Un décret ou un arrêté" in rule.get_text()
    link = find_tag(rule, "a")
    assert link["href"] == LEGIFRANCE and "noopener" in link["rel"]
    paths = text_of(page, ".rule-paths")
    assert "La dérogation du préfet" in paths and "Décret n° 2020-412" in paths
    assert "article 37-1" in paths
    # A habit needs no one's leave: the paths follow the kind.
    edit = client.post_form(response.headers["location"] + "/edit", {**FICHE, "rule_kind": "habit"})
    assert edit.status_code == 303
    page = soup(client.get(response.headers["location"]))
    paths = text_of(page, ".rule-paths")
    assert "Personne à qui demander" in paths and "préfet" not in paths
    newest = page.select("#revisions-title + ol > li")[0].get_text(" ", strip=True)
    assert "nature de la règle" in newest and "référence de la règle" in newest


def test_a_wrong_kind_or_a_long_reference_is_refused_beside_its_field(
    make_client: MakeClient, db: Session
) -> None:
    user = make_user(db)
    db.commit()
    client = make_client(user)
    response = client.post_form(
        "/ideas", {**FICHE, "rule_kind": "ukase", "rule_reference": "x" * 301}
    )
    assert response.status_code == 422
    page = soup(response)
    assert field_error(page, "field-rule_kind") == "Choisissez une valeur de la liste."
    assert field_error(page, "field-rule_reference") == "300 caractères au plus."
    assert one(page, "#field-problem").get_text() == FICHE["problem"]


def test_a_reference_link_with_a_bidi_override_or_an_impossible_port_is_refused_beside_it(
    make_client: MakeClient, api_client: ApiClient, db: Session
) -> None:
    """A port past 65535 leads nowhere, U+202E would make the link read backwards (« Trojan
    source »; a form drops it from every field before it is read, the API refuses it): the
    author is told, beside the field, with what they typed kept to correct."""
    user = make_user(db)
    db.commit()
    client = make_client(user)
    typed = "https://www.legifrance.gouv.fr:99999/loda"
    response = client.post_form("/ideas", {**FICHE, "rule_reference": typed})
    assert response.status_code == 422
    page = soup(response)
    assert field_error(page, "field-rule_reference") == (
        "Cette adresse web n’est pas valable\u00a0: son port, après le deux-points qui suit le "
        "nom du site, est un nombre de 1 à 65535."
    )
    assert attr(one(page, "#field-rule_reference"), "value") == typed
    assert one(page, "#field-problem").get_text() == FICHE["problem"]
    api = api_client(user)
    for sent, said in (
        (typed, "nombre de 1 à 65535"),
        ("https://www.legifrance.gouv.fr/\u202egp.eliforp", "(U+202E)"),
    ):
        refused = api.post(
            "/api/v1/ideas",
            json={"title": "Un guichet", "problem": "Trop de guichets.", "rule_reference": sent},
        )
        assert refused.status_code == 422, sent
        assert "rule_reference" in refused.text and said in refused.text, sent
    # A valid port, or a reference that is no link, is taken as it is.
    for kept in ("https://www.legifrance.gouv.fr:443/loda", "Note DGFiP n° 2024-12 : point 3"):
        assert client.post_form("/ideas", {**FICHE, "rule_reference": kept}).status_code == 303


def test_an_unsaid_kind_shows_nothing_and_a_reference_that_is_no_link_stays_text(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author = make_user(db)
    plain = make_idea(db, author, clock.now)
    noted = make_idea(db, author, clock.now, rule_reference="javascript:alert(1)")
    # Stored before the rule refused it: a link to nowhere stays text.
    portless = make_idea(db, author, clock.now)
    portless.rule_reference = "https://legifrance.gouv.fr:99999/"
    db.add(portless)
    viewer = make_user(db)
    db.commit()
    client = make_client(viewer)
    page = soup(client.get(f"/ideas/{plain.id}"))
    assert page.select(".rule-kind, .rule-paths") == []
    assert attr(one(page, "#regle-brisee a"), "href").endswith("/aide#regle")
    reference = soup(client.get(f"/ideas/{noted.id}")).select_one(".rule-kind")
    assert reference is not None and reference.find("a") is None
    assert "javascript:alert(1)" in reference.get_text()
    reference = soup(client.get(f"/ideas/{portless.id}")).select_one(".rule-kind")
    assert reference is not None and reference.find("a") is None
    assert "https://legifrance.gouv.fr:99999/" in reference.get_text()


def test_the_kind_reaches_the_fiche_the_api_and_the_open_data(
    make_client: MakeClient, api_client: ApiClient, db: Session
) -> None:
    author = make_user(db)
    db.commit()
    api = api_client(author)
    created = api.post(
        "/api/v1/ideas",
        json={"title": "Un guichet unique", "problem": FICHE["problem"], "rule_kind": "law"},
    )
    assert created.status_code == 201, created.text
    idea = created.json()
    assert idea["rule_kind"] == "law" and idea["rule_reference"] == ""
    refused = api.patch(f"/api/v1/ideas/{idea['id']}", json={"rule_kind": "ukase"})
    assert refused.status_code == 422
    assert "rule_kind" in refused.text and "Choisissez une valeur de la liste." in refused.text
    changed = api.patch(
        f"/api/v1/ideas/{idea['id']}",
        json={"rule_kind": "circular", "rule_reference": "Note DGFiP n° 2024-12"},
    )
    assert changed.status_code == 200, changed.text
    assert api.post(f"/api/v1/ideas/{idea['id']}/publish").status_code == 200

    client = make_client(author)
    sheet = client.get(f"/ideas/{idea['id']}/fiche.md").text
    assert "- Nature\u00a0: Une note de service ou une circulaire" in sheet
    assert "- Référence\u00a0: Note DGFiP n° 2024-12" in sheet

    rows = client.get("/open-data/ideas.json").json()["ideas"]
    [row] = [r for r in rows if r["id"] == idea["id"]]
    assert row["rule_kind"] == "circular" and row["rule_reference"] == "Note DGFiP n° 2024-12"
    table = list(csv.DictReader(io.StringIO(client.get("/open-data/ideas.csv").text)))
    [line] = [r for r in table if r["id"] == str(idea["id"])]
    assert line["rule_kind"] == "circular"


def test_the_help_page_gives_the_paths_for_every_kind(make_client: MakeClient, db: Session) -> None:
    user = make_user(db)
    db.commit()
    page = soup(make_client(user).get("/aide"))
    kinds = ("habit", "internal_procedure", "circular", "local_act", "decree", "law")
    for kind in (*kinds, "european_law"):
        heading = one(page, f"#regle-{kind}")
        assert next_sibling(heading, "ul").select("li"), kind
    assert "Constitution du 4 octobre 1958, article 37-1" in text_of(page, "main")


def test_a_legal_mine_points_to_the_paths(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author, colleague = make_user(db), make_user(db)
    idea = make_idea(db, author, clock.now, rule_kind="law")
    legal = make_mine(db, idea, colleague, clock.now, category="legal")
    budget = make_mine(db, idea, colleague, clock.now, category="budget")
    db.commit()
    page = soup(make_client(colleague).get(f"/ideas/{idea.id}"))
    assert page.select_one(f"#mine-{legal.id} a[href='#regle-brisee']") is not None
    assert page.select_one(f"#mine-{budget.id} a[href='#regle-brisee']") is None
    assert "Une loi" in text_of(page, "#regle-brisee")


def test_a_kind_without_text_nor_reference_reads_as_the_rules_label_not_a_bare_heading(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author, reader = make_user(db), make_user(db)
    idea = make_idea(db, author, clock.now, rule_kind="habit")
    db.commit()
    client = make_client(reader)
    section = soup(client.get(f"/ideas/{idea.id}")).select_one("#regle-brisee")
    assert section is not None
    # What the section says, in order: nothing described yet, the kind as a labelled value, then
    # the paths for that kind; no line of the kind alone in bold, like a heading over nothing.
    lines = [p.get_text(" ", strip=True) for p in section.select(":scope > p, :scope > em")]
    assert lines == ["Pas encore décrite.", "Nature de la règle\u00a0: Une habitude"]
    assert "Les chemins pour changer une règle de ce type" in text_of(section, "summary")
    # The fiche produit says it the same way, in Markdown and in the PDF.
    sheet = client.get(f"/ideas/{idea.id}/fiche.md").text
    assert "## La règle brisée\n\n_Non renseigné._\n\n- Nature\u00a0: Une habitude\n" in sheet
    pdf = PdfReader(io.BytesIO(client.get(f"/ideas/{idea.id}/fiche.pdf").content))
    printed = " ".join(" ".join((page.extract_text() or "").split()) for page in pdf.pages)
    assert "La règle brisée Non renseignée. Nature : Une habitude Premier terrain" in printed


def test_a_local_authoritys_own_act_has_its_own_path_and_no_prefects_derogation(
    make_client: MakeClient, api_client: ApiClient, db: Session
) -> None:
    """A mayor's arrêté or a council's délibération is the collectivité's to change: the idea
    says so, without the prefect's derogation (for the State's rules), and so do the fiche,
    the API and the open data."""
    author = make_user(db)
    db.commit()
    client = make_client(author)
    reference = "Arrêté du maire n° 2025-118 sur les horaires de l’accueil"
    response = client.post_form(
        "/ideas", {**FICHE, "rule_kind": "local_act", "rule_reference": reference}
    )
    assert response.status_code == 303
    url = response.headers["location"]
    assert client.post_form(url + "/publish", {}).status_code == 303
    page = soup(client.get(url))
    kind = text_of(page, ".fiche .rule-kind")
    assert "Une délibération ou un arrêté de la collectivité" in kind
    paths = text_of(page, ".rule-paths")
    assert "La collectivité change son propre acte" in paths
    assert "article 72, alinéa 4" in paths
    assert "préfet" not in paths and "2020-412" not in paths

    idea_id = int(url.rsplit("/", 1)[1])
    sheet = client.get(f"/ideas/{idea_id}/fiche.md").text
    assert "- Nature\u00a0: Une délibération ou un arrêté de la collectivité" in sheet
    assert api_client(author).get(f"/api/v1/ideas/{idea_id}").json()["rule_kind"] == "local_act"
    rows = client.get("/open-data/ideas.json").json()["ideas"]
    assert [r["rule_kind"] for r in rows if r["id"] == idea_id] == ["local_act"]
