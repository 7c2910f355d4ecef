"""schema.org JSON-LD on every record page, and the open-data files, read back and checked."""

from __future__ import annotations

import json

import jsonschema
import pytest

from factsheets.load import load_file
from factsheets.models import FactSheet
from helpers import CONTENT, read_page


def structured_data(site, page: str) -> dict:
    scripts = read_page(site, page).select('script[type="application/ld+json"]')
    assert len(scripts) == 1, page
    return json.loads(scripts[0].string)


def test_claim_pages_carry_a_claim_review(site):
    review = structured_data(site, "claims/ukrainian-pows-on-board-il76.html")
    assert review["@context"] == "https://schema.org"
    assert review["@type"] == "ClaimReview"
    assert review["claimReviewed"].startswith("The Russian Defence Ministry claimed that 65 captured")
    assert review["url"] == "/claims/ukrainian-pows-on-board-il76.html"
    assert review["datePublished"] == "2026-11-25"  # the desk's first publication, not the source's date
    assert review["dateModified"] == "2026-12-02"  # its status changed
    assert (review["author"]["@type"], review["author"]["name"]) == ("Organization", "Fact-sheet desk")
    rating = review["reviewRating"]
    assert rating["alternateName"] == "Unverified"
    assert "ratingValue" not in rating, "an unverified claim has no meaningful number"
    assert rating["ratingExplanation"].startswith("The report cites no evidence")
    item = review["itemReviewed"]
    assert item["@type"] == "Claim"
    assert item["author"]["@type"] == "Organization"
    assert item["author"]["name"] == "Ministry of Defence of Russia"
    assert item["firstAppearance"]["@type"] == "NewsArticle"
    assert item["appearance"]["publisher"]["name"] == "Ukrinform"


def test_people_organisations_events_and_sources_are_described(site):
    zelensky = structured_data(site, "actors/volodymyr-zelensky.html")
    assert zelensky["@type"] == "Person"
    assert zelensky["sameAs"] == ["https://www.wikidata.org/wiki/Q3874799"]
    assert structured_data(site, "actors/hur.html")["@type"] == "Organization"
    crash = structured_data(site, "events/il76-crash-belgorod.html")
    assert (crash["@type"], crash["startDate"], crash["location"]["name"]) == (
        "Event",
        "2024-01-24",
        "Belgorod region, Russia",
    )
    article = structured_data(site, "sources/ukrinform-2024-01-31.html")
    assert (article["@type"], article["datePublished"], article["inLanguage"]) == ("NewsArticle", "2024-01-31", "en")


def test_claimreview_file_holds_every_claim(site):
    reviews = json.loads((site / "data" / "claimreview.json").read_text())
    claim_pages = {f"/claims/{page.name}" for page in (site / "claims").glob("*.html") if page.name != "index.html"}
    assert {review["url"] for review in reviews} == claim_pages


def test_dataset_round_trips_through_the_models(site):
    dataset = json.loads((site / "data" / "factsheets.json").read_text())
    records = FactSheet.model_validate(dataset["records"])
    assert len(records.claims) == 11
    assert {claim.id for claim in records.claims} == set(dataset["links"]["claims"])
    pows = dataset["links"]["claims"]["ukrainian-pows-on-board-il76"]
    assert pows == {
        "claimant": "russian-defence-ministry",
        "about": ["il76-crash-belgorod"],
        "supported_by": [],
        "disputed_by": [],
        "questioned_by": ["andrii-yusov"],
        "competes_with": [],
        "restates": [],
    }
    assert dataset["pages"]["andrii-yusov"] == "/actors/andrii-yusov.html"


def test_the_open_data_files_are_json_as_a_json_library_writes_it(site):
    """Written a record at a time, they read as one JSON value each, in the standard compact form, and hold
    the records as the models dump them."""
    for name in ("factsheets.json", "claimreview.json"):
        text = (site / "data" / name).read_text(encoding="utf-8")
        assert text == json.dumps(json.loads(text), ensure_ascii=False) + "\n", name
    dataset = json.loads((site / "data" / "factsheets.json").read_text())
    records = FactSheet.model_validate(dataset["records"])
    assert records.model_dump(mode="json", exclude_none=True) == dataset["records"]
    assert list(dataset) == ["schema", "records", "pages", "links"]
    assert list(dataset["records"]) == ["overview", "sources", "actors", "events", "claims", "staff"]


@pytest.fixture(scope="module")
def schema(site):
    return json.loads((site / "data" / "factsheet.schema.json").read_text())


def test_published_schema_validates_every_content_file(schema):
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted((CONTENT / "factsheets").glob("*.yaml"))
    assert files
    for path in files:
        errors = list(validator.iter_errors(_typed_yaml(path)))
        assert not errors, f"{path.name}: {errors[0].message}"


def test_published_schema_rejects_a_broken_file(schema):
    broken = _typed_yaml(CONTENT / "factsheets" / "claims.yaml")
    broken["claims"][0]["claimaint"] = broken["claims"][0].pop("claimant")
    broken["claims"][1]["status"] = "contested"
    broken["claims"][2]["id"] = "../../etc/passwd"
    messages = [error.message for error in jsonschema.Draft202012Validator(schema).iter_errors(broken)]
    assert any("'claimant' is a required property" in message for message in messages)
    assert any("'claimaint' was unexpected" in message for message in messages)
    assert any("'contested' is not one of" in message for message in messages)
    assert any("does not match" in message for message in messages)


def _typed_yaml(path):
    """YAML as an editor's language server reads it (YAML 1.2: dates are strings)."""
    problems = []
    loaded = load_file(path, problems)
    assert not problems
    return loaded.data
