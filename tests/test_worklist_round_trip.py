"""Worklist -> completed form -> baseline: a reviewer's answers come back under the right mother."""

import datetime

import openpyxl
from conftest import materialize_sources, query
from outputs_fixtures import CoreTables, Mother, materialize_outputs, write_core_tables


def _worklist_rows(path) -> dict[str, dict]:
    form = openpyxl.load_workbook(path).worksheets[0]
    header = [cell.value for cell in form[1]]
    return {row[1]: dict(zip(header, row)) for row in form.iter_rows(min_row=2, values_only=True)}


def test_completed_worklist_flows_back_by_person_key(landing, warehouse, tmp_path):
    outputs = tmp_path / "outputs"
    assert materialize_sources(landing, warehouse, ["case_file_review"]).success  # no forms yet
    write_core_tables(warehouse, CoreTables(mothers=[
        Mother("K-100", ["2019-05-01", "2021-02-01"], age_at_first_set=19),
        Mother("K-200", ["2018-03-01", "2020-01-01", "2022-11-01"], age_at_first_set=24),
        Mother("K-300", ["2022-12-01"], care_experienced=True),  # current set, care experienced
        Mother("K-400", ["2016-01-01"]),  # one old set: not listed
    ]))
    materialize_outputs(warehouse, outputs, ["publish_worklist"])
    worklist = outputs / "restricted" / "worklist" / "trawl_worklist.xlsx"
    listed = _worklist_rows(worklist)
    assert {key: row["why_listed"] for key, row in listed.items()} == {
        "K-200": "recurrent: 3 sets", "K-100": "recurrent: 2 sets", "K-300": "current set, care experienced",
    }
    assert listed["K-100"]["review_id"] == "WL-K-100-1"

    # A reviewer reads K-100's files, fills in her row (with her name, for their own reference) and
    # leaves the other rows blank, then saves the workbook into the landing folder.
    workbook = openpyxl.load_workbook(worklist)
    form = workbook.worksheets[0]
    header = [cell.value for cell in form[1]]
    row = next(r for r in range(2, form.max_row + 1) if form.cell(r, header.index("person_key") + 1).value == "K-100")
    answers = {
        "mother_forename": "Ottoline", "mother_surname": "Brackenridge", "mother_dob": datetime.date(1999, 4, 5),
        "reviewed_on": datetime.date(2024, 2, 1), "reviewer": "J Smith", "children_removed_before": 2,
        "removal_reasons": "neglect; parental substance misuse", "age_at_first_pregnancy": 17,
        "in_care_as_child": "yes", "mental_health": "yes", "domestic_abuse": "unknown",
        "learning_disability": "no", "substance_misuse": "drugs",
    }
    for column, value in answers.items():
        form.cell(row, header.index(column) + 1).value = value
    (landing / "case_file_review").mkdir(exist_ok=True)
    workbook.save(landing / "case_file_review" / "trawl_worklist_done.xlsx")

    # The next run reads it with the real ingest and staging assets.
    assert materialize_sources(landing, warehouse, ["case_file_review"]).success
    assert query(warehouse, "select count(*) from quarantine.rejected_rows where source = 'case_file_review'") == [(0,)]
    assert query(warehouse, """
        select person_key, review_id, children_removed_before, removal_reasons, in_care_as_child, substance_misuse
        from staging.case_file_review where reviewed_on is not null""") == [
        ("K-100", "WL-K-100-1", 2, ["neglect", "parental substance misuse"], "yes", "drugs"),
    ]

    result = materialize_outputs(warehouse, outputs, ["marts_baseline_characteristics", "publish_worklist"])
    assert result.success

    def recurrent(characteristic):
        return dict(query(warehouse, """
            select value, mothers from marts.baseline_characteristics
            where cohort = 'recurrent mothers' and characteristic = ? and mothers > 0""", [characteristic]))

    assert recurrent("case file read") == {"yes": 1, "not reviewed": 1}
    assert recurrent("children removed before") == {"2": 1, "not reviewed": 1}
    assert recurrent("reasons children were removed") == {
        "neglect": 1, "parental substance misuse": 1, "not reviewed": 1}
    assert recurrent("age at first pregnancy") == {"under 18": 1, "not reviewed": 1}
    assert recurrent("drug or alcohol use") == {"drugs": 1, "not reviewed": 1}
    assert recurrent("domestic abuse") == {"unknown": 1, "not reviewed": 1}
    # K-100 has been reviewed since her latest set; the blank rows keep their review_ids.
    relisted = _worklist_rows(outputs / "restricted" / "worklist" / "trawl_worklist.xlsx")
    assert {key: row["review_id"] for key, row in relisted.items()} == {"K-200": "WL-K-200-1", "K-300": "WL-K-300-1"}
