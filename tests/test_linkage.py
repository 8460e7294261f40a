"""Linkage decided by each kind of evidence, on hand-made extracts over a small synthetic
background, materialised for real into a temp DuckDB: a surname change, a second Cafcass id, a
swapped date of birth and a mistyped court number must link; a stranger with the same name and
birth year must not; non-s31 applications stay separate; keys are stable and pseudonymous.
"""

import shutil

import dagster as dg
import duckdb
import openpyxl
import pytest

from conftest import query, write_csv, write_source
from linkage.pseudonyms import KEY_FILE_VARIABLE, KEY_VARIABLE, Pseudonymiser
from linkage_fixtures import Case, Child, Parent, materialize_linkage, write_background, write_cases

LAURA_BEFORE = Parent("Laura", "Ashworth", "1990-05-14", cafcass_id="9100001", postcode="FY3")
LAURA_AFTER = Parent("Laura", "Pilling", "1990-05-14", cafcass_id="9100001", postcode="FY3")  # took his surname
EMMA_FIRST_ID = Parent("Emma", "Hughes", "1993-11-02", cafcass_id="9100011", postcode="FY1")
EMMA_SECOND_ID = Parent("Emma", "Hughes", "1993-11-02", cafcass_id="9100012", postcode="FY1")
REBECCA = Parent("Rebecca", "Taylor", "1989-04-09")
REBECCA_SWAPPED = Parent("Rebecca", "Taylor", "1989-09-04")  # day and month written the wrong way round
SARAH = Parent("Sarah", "Smith", "1991-02-14", cafcass_id="9100021", postcode="FY2")
OTHER_SARAH = Parent("Sarah", "Smith", "1991-08-23", cafcass_id="9100022", postcode="FY4")
NICOLA = Parent("Nicola", "Walker", "1995-07-30")
KELLY = Parent("Kelly", "Wright", "1987-12-01")
JAMES = Parent("James", "Booth", "1986-03-03")
# No date of birth on her later set's records, and nothing else in common but her (uncommon) name.
PHILIPPA = Parent("Philippa", "Oyelowo", "1994-03-21")
PHILIPPA_NO_DOB = Parent("Philippa", "Oyelowo", "")
SARAH_NO_DOB = Parent("Sarah", "Smith", "")  # the name of two women above, and of others

SCENARIOS = [
    Case("2015-03-10", LAURA_BEFORE, [Child("Ruby", "Ashworth", "2015-02-20")], Parent("Michael", "Green", "1988-01-01"),
         legal_ref="LGL-TEST-0001", legal_court_no="BL15C09001", court_number="BL15C09001", cafcass_id="CF-TEST-0001"),
    Case("2018-06-12", LAURA_AFTER, [Child("Alfie", "Pilling", "2018-06-01", "M")], Parent("Daniel", "Pilling", "1989-02-02"),
         legal_ref="LGL-TEST-0002", court_number="BL18C09002", cafcass_id="CF-TEST-0002"),
    Case("2016-01-18", EMMA_FIRST_ID, [Child("Poppy", "Hughes", "2015-12-30")], Parent("Lee", "Evans", "1990-03-03"),
         legal_ref="LGL-TEST-0003", court_number="BL16C09003", cafcass_id="CF-TEST-0003"),
    Case("2019-09-09", EMMA_SECOND_ID, [Child("Jack", "Hughes", "2019-08-28", "M")], Parent("Ryan", "Cook", "1991-04-04"),
         legal_ref="LGL-TEST-0004", court_number="BL19C09004", cafcass_id="CF-TEST-0004"),
    # An emergency protection order for the same child three days earlier: not care proceedings.
    Case("2019-09-06", EMMA_SECOND_ID, [Child("Jack", "Hughes", "2019-08-28", "M")], Parent("Ryan", "Cook", "1991-04-04"),
         court_number="BL19C09005", application="C110A EPO"),
    Case("2014-10-02", REBECCA, [Child("Mia", "Taylor", "2014-09-20")], JAMES,
         legal_ref="LGL-TEST-0006", court_number="BL14C09006"),
    Case("2017-02-15", REBECCA_SWAPPED, [Child("Leo", "Booth", "2017-02-01", "M")], JAMES,
         legal_ref="LGL-TEST-0007", court_number="BL17C09007"),
    Case("2016-05-05", SARAH, [Child("Isla", "Smith", "2016-04-20")], Parent("Mark", "Hall", "1989-05-05"),
         legal_ref="LGL-TEST-0008", court_number="BL16C09008", cafcass_id="CF-TEST-0008"),
    Case("2020-11-11", OTHER_SARAH, [Child("Evie", "Smith", "2020-10-30")], Parent("Wayne", "Scott", "1990-06-06"),
         legal_ref="LGL-TEST-0009", court_number="BL20C09009", cafcass_id="CF-TEST-0009"),
    # The legal list mistyped the court number (73 as 37)...
    Case("2019-06-18", NICOLA, [Child("Harper", "Walker", "2019-06-02")], legal_ref="LGL-TEST-0010",
         legal_court_no="BL19C09137"),
    Case("2019-06-18", NICOLA, [Child("Harper", "Walker", "2019-06-02")], court_number="BL19C09173"),
    # ...and the mistyped number is another family's real case two days later.
    Case("2019-06-20", KELLY, [Child("Oscar", "Wright", "2018-01-05", "M")], court_number="BL19C09137"),
    Case("2016-08-08", PHILIPPA, [Child("Zara", "Oyelowo", "2016-07-30")], Parent("Dean", "Marsh", "1990-01-09"),
         court_number="BL16C09014"),
    Case("2021-02-02", PHILIPPA_NO_DOB, [Child("Remi", "Oyelowo", "2021-01-20", "M")], court_number="BL21C09015"),
    Case("2022-03-03", SARAH_NO_DOB, [Child("Lily", "Smith", "2022-02-20")], court_number="BL22C09016"),
]
CARE_LEAVER = dict(la_person_id="CL-TEST-01", forename="Laura", surname="Pilling", former_surname="Ashworth",
                   dob="1990-05-14", sex="F", date_entered_care="2001-01-01", date_left_care="2008-05-14",
                   la_code="E06000009")
PERSONAL_DETAILS = ["Ashworth", "Pilling", "Rebecca", "Oyelowo", "1990-05-14", "1989-09-04", "14/05/1990"]


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    """One warehouse with the background and every scenario, linked once for the whole module."""
    folder = tmp_path_factory.mktemp("linkage")
    landing, warehouse = folder / "landing", folder / "warehouse" / "trawl.duckdb"
    warehouse.parent.mkdir()
    write_background(landing)
    write_cases(landing, SCENARIOS)
    write_source(landing, "care_leavers", "scenarios.csv", [CARE_LEAVER])
    result = materialize_linkage(landing, warehouse)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return landing, warehouse, result


def person_key(warehouse, source: str, case_ref: str, role: str = "mother") -> str:
    rows = query(warehouse, "select distinct person_key from linkage.person_clusters "
                            "where source = ? and source_case_ref = ? and role = ?", [source, case_ref, role])
    assert len(rows) == 1, rows
    return rows[0][0]


def proceedings_id(warehouse, source: str, case_ref: str) -> str:
    return query(warehouse, "select proceedings_id from linkage.set_members where source = ? and source_case_ref = ?",
                 [source, case_ref])[0][0]


def match_weights(warehouse, left: str, right: str) -> dict:
    """The model's evidence for a pair of mother nodes: the weight each comparison added."""
    columns = ["forename", "surname", "dob", "cafcass_id", "postcode", "partner"]
    row = query(warehouse, f"select {', '.join('mw_' + c for c in columns)} from linkage.mother_pairs "
                           "where node_id_l = ? and node_id_r = ?", [left, right])
    return dict(zip(columns, row[0]))


def test_surname_change_links_and_care_leaver_record_joins_her(linked):
    _, warehouse, _ = linked
    assert match_weights(warehouse, "court:BL15C09001/mother", "court:BL18C09002/mother")["surname"] < 0
    laura = person_key(warehouse, "legal", "LGL-TEST-0001")
    assert person_key(warehouse, "legal", "LGL-TEST-0002") == laura
    assert person_key(warehouse, "care_leavers", "CL-TEST-01", role="other") == laura
    assert query(warehouse, "select sets, care_experienced from core.mothers where person_key = ?", [laura]) == [(2, True)]
    assert query(warehouse, "select set_number, is_recurrent from core.mother_proceedings where person_key = ? "
                            "order by set_number", [laura]) == [(1, False), (2, True)]


def test_second_cafcass_id_does_not_split_her(linked):
    _, warehouse, _ = linked
    assert match_weights(warehouse, "court:BL16C09003/mother", "court:BL19C09004/mother")["cafcass_id"] < 0
    assert person_key(warehouse, "cafcass", "CF-TEST-0003") == person_key(warehouse, "cafcass", "CF-TEST-0004")


def test_day_month_swapped_date_of_birth_links(linked):
    _, warehouse, _ = linked
    assert match_weights(warehouse, "court:BL14C09006/mother", "court:BL17C09007/mother")["dob"] > 0
    assert person_key(warehouse, "court", "BL14C09006") == person_key(warehouse, "court", "BL17C09007")


def test_stranger_with_same_name_and_birth_year_is_not_linked(linked):
    _, warehouse, _ = linked
    assert person_key(warehouse, "court", "BL16C09008") != person_key(warehouse, "court", "BL20C09009")


def test_a_set_without_a_date_of_birth_is_compared_on_her_full_name(linked):
    """Without a date of birth (and no postcode, Cafcass id or father in common) only the
    no-date-of-birth rule pairs her two sets, as her full name is uncommon; a common one (two women
    above and others are Sarah Smith) is never evidence enough, and is not compared."""
    _, warehouse, result = linked
    rows = query(warehouse, "select match_probability, mw_dob from linkage.mother_pairs "
                            "where node_id_l = 'court:BL16C09014/mother' and node_id_r = 'court:BL21C09015/mother'")
    assert len(rows) == 1 and rows[0][0] >= 0.5 and rows[0][1] == 0
    sarah = person_key(warehouse, "court", "BL22C09016")
    assert sarah not in {person_key(warehouse, "court", "BL16C09008"), person_key(warehouse, "court", "BL20C09009")}
    assert query(warehouse, """select count(*) from linkage.mother_pairs
        where 'court:BL22C09016/mother' in (node_id_l, node_id_r)""") == [(0,)]  # not even for review
    blocked = next(event.materialization.metadata["blocked_pairs_by_rule"].data
                   for event in result.get_asset_materialization_events()
                   if event.asset_key == dg.AssetKey("linkage_mother_pairs"))
    assert blocked["uncommon full name, one of the two without a date of birth"] >= 1


def test_mistyped_court_number_joins_its_own_case_not_the_case_it_spells(linked):
    _, warehouse, _ = linked
    nicola = proceedings_id(warehouse, "legal", "LGL-TEST-0010")
    assert proceedings_id(warehouse, "court", "BL19C09173") == nicola
    assert proceedings_id(warehouse, "court", "BL19C09137") != nicola
    assert query(warehouse, "select rule from linkage.set_links where ref_l = 'BL19C09173' and ref_r = 'LGL-TEST-0010'") \
        == [("court number one slip apart",)]


def test_one_application_in_three_sources_is_one_set_and_epo_stays_apart(linked):
    _, warehouse, _ = linked
    emma = proceedings_id(warehouse, "court", "BL19C09004")
    assert proceedings_id(warehouse, "legal", "LGL-TEST-0004") == emma == proceedings_id(warehouse, "cafcass", "CF-TEST-0004")
    epo = proceedings_id(warehouse, "court", "BL19C09005")
    assert epo != emma
    assert query(warehouse, "select is_s31 from core.proceedings where proceedings_id in (?, ?) order by is_s31",
                 [epo, emma]) == [(False,), (True,)]
    assert query(warehouse, "select legal_refs, court_case_numbers, cafcass_case_ids from core.proceedings "
                            "where proceedings_id = ?", [emma]) == [(["LGL-TEST-0004"], ["BL19C09004"], ["CF-TEST-0004"])]


def test_no_names_or_dates_of_birth_in_core_tables_metadata_or_logs(linked):
    _, warehouse, result = linked
    for table, in query(warehouse, "select table_name from information_schema.tables where table_schema = 'core'"):
        text = str(query(warehouse, f"select * from core.{table}"))
        assert not any(detail in text for detail in PERSONAL_DETAILS), table
    events = " ".join(str(e.event_specific_data) + (e.message or "") for e in result.all_events)
    assert not any(detail in events for detail in PERSONAL_DETAILS)


def test_keys_are_keyed_hashes(linked):
    _, warehouse, _ = linked
    keys = [k for k, in query(warehouse, "select distinct person_key from linkage.person_clusters")]
    assert all(k.startswith("P") and len(k) == 17 for k in keys)
    assert not any("LGL" in k or "BL" in k for k in keys)


def test_rerun_on_same_data_gives_identical_sets_clusters_and_keys(linked, tmp_path):
    landing, warehouse, first = linked
    again = tmp_path / "warehouse" / "trawl.duckdb"
    again.parent.mkdir()
    shutil.copy(warehouse, again)
    second = materialize_linkage(landing, again, with_sources=False)
    assert second.success
    for table, order in (("linkage.person_clusters", "record_id"), ("linkage.set_members", "source, source_case_ref"),
                         ("core.mother_proceedings", "proceedings_id")):
        assert query(again, f"select * from {table} order by {order}") == query(warehouse, f"select * from {table} order by {order}")

    def model_hashes(result):
        return {e.asset_key.path[-1]: e.event_specific_data.materialization.metadata["model_sha256"].value
                for e in result.all_events if e.event_type_value == "ASSET_MATERIALIZATION"
                and "model_sha256" in e.event_specific_data.materialization.metadata}

    assert model_hashes(second) == model_hashes(first) and len(model_hashes(first)) == 2


def test_a_run_without_a_key_fails_with_a_clear_message(linked, tmp_path, monkeypatch):
    landing, warehouse, _ = linked
    copy = tmp_path / "trawl.duckdb"
    shutil.copy(warehouse, copy)
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    monkeypatch.delenv(KEY_FILE_VARIABLE, raising=False)
    result = materialize_linkage(landing, copy, with_sources=False)
    assert not result.success
    failures = [e.step_failure_data.error.message for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert any("No pseudonym key: set TRAWL_PSEUDONYM_KEY" in message for message in failures)


def test_key_file_gives_the_same_keys_as_the_same_key_in_the_environment(tmp_path, monkeypatch):
    def keys() -> list:
        with duckdb.connect() as conn:
            Pseudonymiser().register(conn)
            return conn.execute("select pseudonym('person', 'court:BL15C09001:respondent_1')").fetchall()

    monkeypatch.setenv(KEY_VARIABLE, "a-secret")
    from_environment = keys()
    monkeypatch.delenv(KEY_VARIABLE)
    (tmp_path / "key").write_text("a-secret\n")
    monkeypatch.setenv(KEY_FILE_VARIABLE, str(tmp_path / "key"))
    assert keys() == from_environment
    monkeypatch.setenv(KEY_FILE_VARIABLE, str(tmp_path / "missing"))
    with pytest.raises(dg.Failure, match="cannot be read"):
        keys()


def test_clerical_decisions_round_trip_and_override_the_model(linked, tmp_path):
    """Decide pairs in the review workbook (and in a CSV), drop both into the landing folder, run
    again: 'match' joins, 'not a match' separates whatever the model said, and decided pairs
    leave the queue. A trawl form from the worklist keeps the person_key written on it."""
    landing, warehouse, _ = linked
    again_landing = tmp_path / "landing"
    shutil.copytree(landing, again_landing)
    again = tmp_path / "warehouse" / "trawl.duckdb"
    again.parent.mkdir()
    shutil.copy(warehouse, again)

    workbook = openpyxl.load_workbook(warehouse.parent / "restricted" / "review_queue.xlsx")
    sheet = workbook["Pairs to review"]
    header = [cell.value for cell in sheet[1]]
    first_pair = (sheet.cell(2, header.index("left_id") + 1).value, sheet.cell(2, header.index("right_id") + 1).value)
    sheet.cell(2, header.index("decision") + 1).value = "match"
    (again_landing / "linkage_decisions").mkdir()
    workbook.save(again_landing / "linkage_decisions" / "reviewed_by_jh.xlsx")
    write_csv(again_landing / "linkage_decisions" / "overrides.csv", ["left_id", "right_id", "decision"], [
        ["court:BL16C09003/mother", "court:BL19C09004/mother", "not a match"],  # the model linked them
        ["court:BL16C09008/mother", "court:BL20C09009/mother", "Match"],  # the model kept them apart
    ])
    rebecca = person_key(warehouse, "court", "BL14C09006")
    write_source(again_landing, "case_file_review", "worklist_form.csv", [dict(
        review_id="CFR-TEST-1", person_key=rebecca, mother_forename="Becky", mother_surname="Booth",
        reviewed_on="2024-05-01", reviewer="JH", children_removed_before="1", in_care_as_child="no")])

    assert materialize_linkage(again_landing, again).success

    assert query(again, "select count(*) from linkage.clerical_decisions") == [(3,)]
    assert person_key(again, "cafcass", "CF-TEST-0003") != person_key(again, "cafcass", "CF-TEST-0004")
    assert person_key(again, "court", "BL16C09008") == person_key(again, "court", "BL20C09009")
    keys = query(again, "select distinct c.person_key from linkage.person_clusters c "
                        "where c.node_id in (?, ?)", list(first_pair))
    assert len(keys) == 1
    decided = [first_pair, ("court:BL16C09003/mother", "court:BL19C09004/mother")]
    queued = query(again, "select left_id, right_id from linkage.review_queue")
    assert not set(decided) & set(queued)
    assert person_key(again, "case_file_review", "CFR-TEST-1") == rebecca


def test_keys_survive_when_another_source_catches_up(linked, tmp_path):
    """The court list's copy of the scenario sets arrives a run later: the sets and the women
    keep their keys, though a court number would otherwise now anchor them."""
    landing, _, _ = linked
    early_landing = tmp_path / "early"
    shutil.copytree(landing, early_landing, ignore=shutil.ignore_patterns("scenarios.csv"))
    write_cases(early_landing, [case for case in SCENARIOS if case.legal_ref or case.cafcass_id])
    (early_landing / "court" / "scenarios.csv").unlink()
    grown = tmp_path / "warehouse" / "trawl.duckdb"
    grown.parent.mkdir()
    assert materialize_linkage(early_landing, grown).success
    ask = "select source_case_ref, {} from {} where source = 'legal' and source_case_ref like 'LGL-TEST-%' order by 1"
    keys_before = query(grown, ask.format("person_key", "linkage.person_clusters") + ", 2")
    sets_before = query(grown, ask.format("proceedings_id", "linkage.set_members"))

    assert materialize_linkage(landing, grown).success
    assert query(grown, ask.format("person_key", "linkage.person_clusters") + ", 2") == keys_before
    assert query(grown, ask.format("proceedings_id", "linkage.set_members")) == sets_before
    assert proceedings_id(grown, "court", "BL18C09002") == proceedings_id(grown, "legal", "LGL-TEST-0002")
