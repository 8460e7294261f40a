"""The service_participants source: staged, or quarantined with a reason; and `--service` in trawl synth."""

import csv

import pytest
from conftest import materialize_sources, query, write_source

from pipelines.cli import main
from sources import synth

ZOE = dict(forename="Zoë", surname="O'Neill", dob="1995-06-01")


def test_rows_are_staged_or_quarantined_with_their_reason(landing, warehouse):
    write_source(landing, "service_participants", "positive_choices.csv", [
        dict(participant_id="PC-1", service="Positive Choices", **ZOE, sex="Female", start_date="01/04/2020"),
        dict(participant_id="PC-2", service="Positive Choices", person_key="abc123", start_date="2020-05-01",
             end_date="2021-05-01"),
        dict(participant_id="PC-3", service="Positive Choices", **ZOE, start_date=""),
        dict(participant_id="PC-4", service="Positive Choices", **ZOE, start_date="31/02/2020"),
        dict(participant_id="PC-5", service="Positive Choices", forename="Ann", start_date="2020-06-01"),
        dict(participant_id="PC-6", service="Positive Choices", **ZOE, start_date="2020-06-01", end_date="2020-01-01"),
        # The same episode in a second file, and the same id in another service: that is someone else.
        dict(participant_id="PC-1", service="", **ZOE, sex="M", start_date="2020-04-01"),
    ])
    write_source(landing, "service_participants", "positive_choices_copy.csv", [
        dict(participant_id="PC-1", service="positive choices ", **ZOE, start_date="2020-04-01"),
    ])
    assert materialize_sources(landing, warehouse, ["service_participants"]).success
    staged = query(warehouse, "select participant_id, service, sex, start_date::varchar, person_key "
                              "from staging.service_participants order by all")
    assert staged == [
        ("PC-1", "Positive Choices", "F", "2020-04-01", None),
        ("PC-1", "unnamed service", "M", "2020-04-01", None),
        ("PC-2", "Positive Choices", None, "2020-05-01", "abc123"),
    ]
    rejected = dict(query(warehouse, "select row_number, reason_code || ': ' || reason from quarantine.rejected_rows "
                                     "where source = 'service_participants' and file_name like '%positive_choices.csv'"))
    assert rejected == {
        4: "missing_required: start_date is blank but required",
        5: "unreadable_value: start_date is not a readable date (expected YYYY-MM-DD, DD/MM/YYYY or D-MON-YYYY)",
        6: "cannot_be_linked: person_key is blank and no name with a date of birth is given, so the row cannot be linked",
        7: "unreadable_value: end_date is before start_date",
    }
    duplicate = query(warehouse, "select reason_code from quarantine.rejected_rows where file_name like '%copy.csv'")
    assert duplicate == [("duplicate_record",)]


def test_synth_service_enrols_mothers_and_records_the_truth(tmp_path):
    out = tmp_path / "landing"
    assert main(["synth", "--mothers", "400", "--seed", "2", "--out", str(out),
                 "--service", "Positive Choices:2019-04-01:0.5:0.4", "--service", "Comma:2020-01-01:0.5:0"]) == 0
    with open(out / "truth" / "service_enrolments.csv", encoding="utf-8") as handle:
        enrolled = list(csv.DictReader(handle))
    with open(out / "truth" / "prevented_sets.csv", encoding="utf-8") as handle:
        prevented = list(csv.DictReader(handle))
    services = {row["service"] for row in enrolled}
    assert services == {"Positive Choices", "Comma"}
    assert all(row["start_date"] >= "2019-04-01" for row in enrolled)
    assert all(row["start_date"] >= "2020-01-01" for row in enrolled if row["service"] == "Comma")
    # Nobody is enrolled twice, and a service with no effect prevents nothing.
    assert len({row["true_person_id"] for row in enrolled}) == len(enrolled)
    assert prevented and {row["service"] for row in prevented} == {"Positive Choices"}
    # A prevented set never happened: no s31 set of hers on that day.
    with open(out / "truth" / "proceedings.csv", encoding="utf-8") as handle:
        sets = {(row["true_mother_id"], row["issue_date"]) for row in csv.DictReader(handle) if row["is_s31"] == "true"}
    assert not any((row["true_person_id"], row["would_have_been_issued"]) in sets for row in prevented)
    written = sum(1 for path in (out / "service_participants").iterdir() for _ in open(path, encoding="utf-8-sig")) - 2
    assert written >= len(enrolled)  # the overlapping files repeat some rows


@pytest.mark.parametrize("text, problem", [
    ("Pause:2019-04-01:0.3", "write NAME:START:SHARE:EFFECT"),
    ("Pause:2019-13-01:0.3:0.4", "START is a date"),
    ("Pause:2019-04-01:1.3:0.4", "from 0 to 1"),
    ("Pause:1990-04-01:0.3:0.4", "START should be between"),
])
def test_service_spec_explains_what_is_wrong(text, problem):
    with pytest.raises(ValueError, match=problem):
        synth.ServiceSpec.parse(text)


def test_a_service_with_no_effect_leaves_everyone_at_risk_as_before(tmp_path):
    """With EFFECT 0 the sets are the ones there would have been without the service."""
    without = synth.generate(tmp_path / "without", 300, seed=4)
    with_service = synth.generate(tmp_path / "with", 300, seed=4,
                                  services=[synth.ServiceSpec.parse("Comma:2018-01-01:0.5:0")])
    assert with_service["s31_sets"] == without["s31_sets"]
    assert with_service["recurrent_sets"] == without["recurrent_sets"]
    assert (tmp_path / "with" / "legal").is_dir() and not (tmp_path / "without" / "service_participants").exists()
