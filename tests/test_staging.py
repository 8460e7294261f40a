"""Staging on small hand-made extracts: typing, standardising, quarantine, overlap, reconciliation."""

from conftest import materialize_sources, query, write_csv, write_source

from sources.layout import SOURCES


def test_legal_dates_quarantine_and_overlap(landing, warehouse):
    mother = dict(mother_forename="Zoë", mother_surname="O'Neill", mother_dob="1995-06-01")
    write_source(landing, "legal", "legal_2019.csv", [
        dict(legal_ref="LGL-1", issue_date="2019-03-05", child_forename="Amy", child_dob="2019-02-20", **mother),
        dict(legal_ref="LGL-2", issue_date="05/04/2019", child_forename="Ben", child_dob="01/04/2019", **mother),
        dict(legal_ref="LGL-3", issue_date="31/02/2019", child_forename="Cal"),           # impossible date
        dict(legal_ref="", issue_date="2019-06-01", child_forename="Dee"),                # required blank
        dict(legal_ref="LGL-5", issue_date="2019-07-01", child_dob="2019-13-01"),         # bad child dob
    ])
    # A later extract overlaps: LGL-2 again, written with another date style; one new set.
    write_source(landing, "legal", "legal_2019_2020.csv", [
        dict(legal_ref="LGL-2", issue_date="2019-04-05", child_forename="Ben", child_dob="2019-04-01", **mother),
        dict(legal_ref="LGL-6", issue_date="5-MAR-2020", child_forename="Eve", **mother),
    ], encoding="cp1252")

    result = materialize_sources(landing, warehouse, ["legal"])
    assert result.success

    staged = query(warehouse, "select legal_ref, issue_date::varchar, mother_surname_key, mother_forename from staging.legal order by 1")
    assert staged == [
        ("LGL-1", "2019-03-05", "oneill", "Zoë"),
        ("LGL-2", "2019-04-05", "oneill", "Zoë"),
        ("LGL-6", "2020-03-05", "oneill", "Zoë"),
    ]
    rejected = {
        (file_name, row): (code, reason)
        for file_name, row, code, reason in query(
            warehouse, "select file_name, row_number, reason_code, reason from quarantine.rejected_rows"
        )
    }
    first = "legal/legal_2019.csv"
    assert rejected[(first, 4)][0] == "unreadable_value"
    assert "issue_date is not a readable date" in rejected[(first, 4)][1]
    assert rejected[(first, 5)] == ("missing_required", "legal_ref is blank but required")
    assert rejected[(first, 6)][0] == "unreadable_value" and "child_dob" in rejected[(first, 6)][1]
    # The overlapping copy is set aside with a pointer to the copy kept (the later file, equally complete).
    assert rejected[(first, 3)] == (
        "duplicate_record", "same record as legal/legal_2019_2020.csv row 2 (extracts overlap); kept that copy"
    )
    assert len(rejected) == 4
    check = result.get_asset_check_evaluations()[0]
    assert check.passed and check.metadata["unaccounted_rows"].value == 0
    assert check.metadata["raw"].value == 7


def test_court_names_roles_and_s31(landing, warehouse):
    header = list(SOURCES["court"].columns)
    rows = [
        dict(case_number="lv19c00142", issue_date="5-MAR-2019", application_type="C110A s31 care order",
             child_name="SMITH, Amy Jo", respondent_1_name="Jane Ann Smith", respondent_1_relationship="Mother",
             respondent_2_name="O'NEILL, Tom", respondent_2_relationship="father"),
        dict(case_number="LV19C00143", issue_date="6-MAR-2019", application_type="C110A EPO",
             child_name="Ben Jones", respondent_1_name="Kim Jones", respondent_1_relationship="grandmother"),
        dict(case_number="LV19C00144", issue_date="7-MAR-2019", application_type="C100 child arrangements",
             child_name="Cal Brown"),
    ]
    write_csv(landing / "court" / "court.csv", header, [[r.get(c, "") for c in header] for r in rows])
    assert materialize_sources(landing, warehouse, ["court"]).success
    assert query(warehouse, """
        select case_number, is_s31, child_forename, child_middle_names, child_surname,
               respondent_1_forename, respondent_1_surname, respondent_1_role,
               respondent_2_forename, respondent_2_surname_key, respondent_2_role
        from staging.court order by case_number""") == [
        ("LV19C00142", True, "Amy", "Jo", "SMITH", "Jane", "Smith", "mother", "Tom", "oneill", "father"),
        ("LV19C00143", False, "Ben", None, "Jones", "Kim", "Jones", "other", None, None, None),
        ("LV19C00144", False, "Cal", None, "Brown", None, None, None, None, None, None),
    ]


def test_cafcass_roles_postcodes_and_case_file_answers(landing, warehouse):
    write_source(landing, "cafcass", "cafcass.csv", [
        dict(case_id="CF-1", application_date="01/02/2019", application_type="s31 care", role="Mother",
             person_id="P1", forename="Liz", surname="Smith", postcode="la1 4yw"),
        dict(case_id="CF-2", application_date="01/02/2019", application_type="private law", role="birth father",
             person_id="P2"),
        dict(case_id="CF-3", application_date="01/02/2019", application_type="s31 supervision", role=""),
    ])
    write_source(landing, "case_file_review", "forms.csv", [
        dict(review_id="CFR-1", children_removed_before="2", removal_reasons="Neglect; domestic abuse exposure; drink",
             in_care_as_child="Y", mental_health="", domestic_abuse="no", substance_misuse="Drugs and alcohol"),
        dict(review_id="CFR-2", children_removed_before="two", in_care_as_child="maybe"),
    ])
    assert materialize_sources(landing, warehouse, ["cafcass", "case_file_review"]).success
    assert query(warehouse, "select case_id, role, is_s31, postcode_district from staging.cafcass order by 1") == [
        ("CF-1", "mother", True, "LA1"), ("CF-2", "father", False, None),
    ]
    assert query(warehouse, "select reason_code, columns from quarantine.rejected_rows where source = 'cafcass'") == [
        ("missing_required", ["role"]),
    ]
    assert query(warehouse, """select review_id, children_removed_before, removal_reasons, in_care_as_child,
                                      mental_health, substance_misuse from staging.case_file_review""") == [
        ("CFR-1", 2, ["neglect", "domestic abuse exposure", "other"], "yes", "unknown", "both"),
    ]
    reason = query(warehouse, "select reason from quarantine.rejected_rows where source = 'case_file_review'")[0][0]
    assert "children_removed_before is not a whole number" in reason
    assert "in_care_as_child is not yes, no or unknown" in reason


def test_absent_source_gives_empty_tables(landing, warehouse):
    result = materialize_sources(landing, warehouse, ["care_leavers"])
    assert result.success
    assert query(warehouse, "select count(*) from staging.care_leavers") == [(0,)]
