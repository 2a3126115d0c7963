"""The twelve competency questions (../shared/reference/competency-questions.md), each answered by one of the
example queries shipped in server/newsfacts/queries/, run on the release built from the shipped facts.
Hedges and speakers are part of every expected answer."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

QUERIES = Path(__file__).resolve().parents[1] / "server" / "newsfacts" / "queries"
WIKIDATA_IDS = Path(__file__).resolve().parents[2] / "shared" / "reference" / "wikidata-ids.md"


def rows(store: ox.Store, name: str) -> list[dict[str, str | None]]:
    text = next(QUERIES.glob(f"{name}-*.rq")).read_text(encoding="utf-8")
    solutions = store.query(text, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in solutions]


def test_every_example_query_has_a_title_and_a_description():
    for path in sorted(QUERIES.glob("*.rq")):
        head = path.read_text(encoding="utf-8").splitlines()[:2]
        assert head[0].startswith("# title: ") and head[1].startswith("# description: "), path.name


def test_01_drone_models_and_their_iranian_designs(store):
    found = {(r["model"], r["design"], r["certainty"], r["hedge"], r["saidBy"], r["place"]) for r in rows(store, "01")}
    assert found == {
        ("ANSU-100", "Mohajer-2", "alleged", "allegedly", "Infobae", "El Libertador air base"),
        ("ANSU-600", "Mohajer-6", "alleged", "allegedly", "Infobae", "El Libertador air base"),
        ("ZAMORA V-1", "Shahed-131", "alleged", "allegedly", "Infobae", "El Libertador air base"),
    }


def test_02_who_reported_the_facility_and_on_whose_word(store):
    found = rows(store, "02")
    assert found and all(r["saidBy"] == "Infobae" and r["onTheWordOf"] == "unnamed sources"
                         and r["relayedBy"] == "Christian K. Caruzo" and r["certainty"] == "reported" for r in found)
    assert any("drone development base" in r["claimText"] for r in found)


def test_03_agreements_with_year_and_duration(store):
    found = rows(store, "03")
    by_agreement: dict[str, dict] = {}
    for r in found:
        entry = by_agreement.setdefault(r["agreement"], {"parties": set(), "year": r["year"], "duration": r["duration"],
                                                         "during": r["signedDuring"], "said": (r["certainty"], r["saidBy"])})
        entry["parties"].add(r["party"])
    cooperation = by_agreement["Iran–Venezuela 20-year cooperation agreement"]
    assert cooperation["year"] == "2022" and cooperation["duration"] == "P20Y"
    assert cooperation["during"] == "Nicolás Maduro's visit to Tehran"
    assert {"Iran", "Nicolás Maduro"} <= cooperation["parties"]
    bolivia = by_agreement["Iran–Bolivia drone agreement"]
    assert bolivia["year"] == "2023" and bolivia["parties"] == {"Iran", "Bolivia"}
    facility = next(v for k, v in by_agreement.items() if "drone development facility" in k)
    assert facility["said"] == ("reported", "Infobae") and facility["year"] is None
    assert len(by_agreement) == 3


def test_04_visits_between_leaders(store):
    found = {(r["visitor"], r["host"], r["place"], r["year"], r["during"]) for r in rows(store, "04")}
    assert ("Nicolás Maduro", "Iran", "Tehran", "2022", None) in found
    assert ("Ebrahim Raisi", "Venezuela", None, "2023", "Latin America") in found


def test_05_the_conviasa_plane(store):
    found = rows(store, "05")
    seizure = {(r["role"], r["who"]) for r in found if r["what"] == "Argentine officials seize the Conviasa cargo plane"}
    assert seizure == {("agent", "Argentine officials"), ("object", "Conviasa cargo plane"),
                       ("requester", "United States Department of Justice")}
    assert {r["year"] for r in found if r["what"].startswith("Argentine officials")} == {"2022"}
    assert {r["during"] for r in found if "seize" in r["what"]} == {"administration of Alberto Fernández"}
    detention = {(r["role"], r["who"]) for r in found if "crew" in r["what"]}
    assert ("detainee", "Iranian crew of the Conviasa cargo plane") in detention
    owners = {(r["role"], r["who"], r["certainty"], r["saidBy"]) for r in found if r["what"] == "ownership of the plane"}
    assert ("originally owned by", "Mahan Air", "claimed", "United States Department of Justice") in owners


def test_06_who_holds_which_office(store):
    found = {r["person"]: (r["office"], r["of"], r["postedTo"], r["qualifier"], r["since"]) for r in rows(store, "06")}
    assert found["Hojat Soltani"] == ("ambassador", "Iran", "Caracas", None, None)
    assert found["Alex Saab"][:2] == ("industries minister", "Venezuela")
    assert found["Luis Arce"][:2] == ("president", "Bolivia")
    assert found["Javier Milei"] == ("president", "Argentina", None, "current", "2023-12")
    assert found["Ebrahim Raisi"][:4] == ("president", "Iran", None, "late")
    assert found["Nicolás Maduro"][:2] == ("ruler", "Venezuela")


def test_07_designated_terrorist_organisations(store):
    found = {(r["organisation"], r["designation"], r["designatedBy"], r["saidBy"]) for r in rows(store, "07")}
    assert ("Quds Force", "designated terrorist organisation", "United States", "Infobae") in found


def test_08_hedged_and_unhedged_claims(store):
    found = rows(store, "08")
    certainties = {r["certainty"] for r in found}
    assert {"stated", "reported", "alleged", "believed", "claimed"} <= certainties
    assert all(r["hedge"] is None for r in found if r["certainty"] == "stated")
    assert all(r["hedge"] for r in found if r["certainty"] != "stated")
    believed = [r for r in found if r["certainty"] == "believed"]
    assert believed and all(r["hedge"] == "It is largely believed" for r in believed)
    unnamed = [r for r in found if r["onTheWordOf"] == "unnamed sources"]
    assert unnamed and all(r["saidBy"] == "Infobae" for r in unnamed)
    assert len({r["claim"] for r in found}) == len(found)  # one row per claim, not one per label language
    assert all(r["quote"] for r in found)  # the words that support it
    drones = next(r for r in found if r["claim"].endswith("/ansu-100-is-mohajer-2"))
    assert (drones["certainty"], drones["hedge"], drones["saidBy"], drones["quote"]) == (
        "alleged", "allegedly", "Infobae", "the ANSU-100 (Mohajer-2)")


def test_09_gold_and_oil(store):
    found = rows(store, "09")
    roles = {(r["role"], r["participant"]) for r in found}
    assert {("destination", "Caracas"), ("destination", "Tehran"), ("instrument", "Mahan Air")} <= roles
    assert {("object", "gold"), ("object", "oil"), ("destination", "Turkey"), ("destination", "Middle East"),
            ("beneficiary", "Quds Force")} <= roles
    sale = [r for r in found if r["event"].startswith("Sale of the gold")]
    assert sale and {(r["certainty"], r["hedge"]) for r in sale} == {("alleged", "would have been")}
    assert any(r["describedAs"] == "a scheme that violates international sanctions on both regimes" for r in found)


def test_10_what_links_mahan_air(store):
    found = {(r["subject"], r["relation"], r["object"], r["saidBy"]) for r in rows(store, "10")}
    assert found == {("Mahan Air", "linked to", "Islamic Revolutionary Guard Corps", "Infobae"),
                     ("Conviasa cargo plane", "originally owned by", "Mahan Air", "United States Department of Justice")}


def verified_qids() -> set[str]:
    qids = set()
    for line in WIKIDATA_IDS.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 3 and cells[2].startswith("Q") and cells[3].startswith("verified"):
            qids.add(cells[2])
    return qids


def test_11_wikidata_links_are_all_verified(store):
    if not WIKIDATA_IDS.is_file():
        pytest.skip("../shared/reference is not beside the project")
    found = {r["label"]: r["wikidata"].rsplit("/", 1)[1] for r in rows(store, "11")}
    assert found["Nicolás Maduro"] == "Q58132" and found["Iran"] == "Q794" and found["Maracay"] == "Q333928"
    assert set(found.values()) <= verified_qids()
    assert len(found) == 19


def test_12_the_words_that_support_a_claim(store, sources_dir):
    [r] = rows(store, "12")
    text = (sources_dir / r["sourceText"]).read_text(encoding="utf-8")
    start, end = int(r["start"]), int(r["end"])
    assert text[start:end] == r["quote"] == "the ANSU-100 (Mohajer-2)"
    assert text[start - len(r["prefix"]):start] == r["prefix"] and text[end:end + len(r["suffix"])] == r["suffix"]
    import hashlib

    assert hashlib.sha256((sources_dir / r["sourceText"]).read_bytes()).hexdigest() == r["sha256"]
