"""publiccode.yml follows the standard (version 0.4) and agrees with pyproject.toml and the app;
CONTRIBUTING.md sits beside it, for publication on the State's catalogue of public software."""

import re
import tomllib
from datetime import date

import yaml

from app.config import PROJECT_ROOT
from app.services import legal

PUBLICCODE = yaml.safe_load((PROJECT_ROOT / "publiccode.yml").read_text(encoding="utf-8"))
PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))

# Words of the standard's controlled vocabularies (docs/standard/schema.core.rst and
# categories-list.rst of publiccodeyml/publiccode.yml); a new category is checked there first.
CATEGORIES = {
    "collaboration",
    "project-collaboration",
    "knowledge-management",
    "feedback-and-reviews-management",
    "enterprise-social-networking",
    "online-community",
    "gamification",
}
DEVELOPMENT_STATUSES = {"concept", "development", "beta", "stable", "obsolete"}
SOFTWARE_TYPES = {
    "standalone/mobile",
    "standalone/iot",
    "standalone/desktop",
    "standalone/web",
    "standalone/backend",
    "standalone/other",
    "addon",
    "library",
    "configurationFiles",
}
MAINTENANCE_TYPES = {"internal", "contract", "community", "none"}


def test_the_mandatory_keys_are_there_with_values_of_the_right_kind() -> None:
    p = PUBLICCODE
    assert p["publiccodeYmlVersion"] == "0.4"
    assert p["name"] == "Les démineurs"
    assert re.fullmatch(r"https://\S+", p["url"])
    assert p["platforms"] == ["web"]
    assert p["categories"] and set(p["categories"]) <= CATEGORIES
    assert p["developmentStatus"] in DEVELOPMENT_STATUSES
    assert p["softwareType"] in SOFTWARE_TYPES
    fr = p["description"]["fr"]
    assert len(fr["shortDescription"]) <= 150 and "\n" not in fr["shortDescription"]
    assert 150 <= len(fr["longDescription"]) <= 10_000
    assert len(fr["features"]) >= 5 and all(isinstance(f, str) for f in fr["features"])
    assert p["maintenance"]["type"] in MAINTENANCE_TYPES
    if p["maintenance"]["type"] in ("internal", "community"):
        assert all(contact["name"] for contact in p["maintenance"]["contacts"])
    assert isinstance(p["localisation"]["localisationReady"], bool)
    assert p["localisation"]["availableLanguages"] == ["fr"]
    for dependency in p["dependsOn"]["open"]:
        assert set(dependency) <= {"name", "versionMin", "versionMax", "version", "optional"}
        assert all(isinstance(v, str) for k, v in dependency.items() if k.startswith("version"))


def test_it_says_what_pyproject_and_the_app_say() -> None:
    project = PYPROJECT["project"]
    assert PUBLICCODE["softwareVersion"] == project["version"] == legal.software_version()
    assert PUBLICCODE["legal"]["license"] == project["license"]["text"] == legal.LICENCE
    assert PUBLICCODE["url"] == project["urls"]["Repository"]
    assert date.fromisoformat(PUBLICCODE["releaseDate"]) == legal.RELEASE_DATE
    python = next(d for d in PUBLICCODE["dependsOn"]["open"] if d["name"] == "Python")
    assert project["requires-python"] == f">={python['versionMin']}"


def test_contributing_says_how_to_run_the_tests_and_where_to_report_a_flaw() -> None:
    text = (PROJECT_ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert "python3 dev.py test" in text
    assert "EUPL-1.2" in text
    assert "security.txt" in text


def test_the_licence_the_footer_names_is_the_text_beside_the_code() -> None:
    text = (PROJECT_ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "EUROPEAN UNION PUBLIC LICENCE v. 1.2"
    assert legal.LICENCE == PUBLICCODE["legal"]["license"] == "EUPL-1.2"
    assert "Appendix" in text and "Compatible Licences" in text  # the whole text, to its end
