"""The pre_proceedings source: read like every other extract, bad rows quarantined with a reason."""

from conftest import materialize_sources, query, write_source


def test_cases_are_staged_and_unreadable_rows_quarantined(landing, warehouse):
    write_source(landing, "pre_proceedings", "plo.csv", [
        dict(pre_proceedings_ref="PP1", start_date="06/01/2025", stage="Public Law Outline",
             mother_forename="Amy", mother_surname="Jones", mother_dob="1999-02-03"),
        dict(pre_proceedings_ref="PP2", start_date="5-MAR-2024", stage="Pre-Birth Assessment",
             expected_due_date="2024-07-01", closed_date="2024-06-20"),
        dict(pre_proceedings_ref="PP3", start_date="2024-09-01", stage="Child Protection Conference"),
        dict(pre_proceedings_ref="PP4", start_date="31/02/2024"),
        dict(pre_proceedings_ref="", start_date="2024-09-01"),
        dict(pre_proceedings_ref="PP5", start_date="2024-10-01", mother_dob="30/02/1990"),
    ])
    write_source(landing, "pre_proceedings", "plo_again.csv", [dict(pre_proceedings_ref="PP3", start_date="2024-09-01")])
    assert materialize_sources(landing, warehouse, ["pre_proceedings"]).success
    assert query(warehouse, "select pre_proceedings_ref, start_date::varchar, stage, closed_date::varchar "
                            "from staging.pre_proceedings order by 1") == [
        ("PP1", "2025-01-06", "PLO", None), ("PP2", "2024-03-05", "pre-birth", "2024-06-20"),
        ("PP3", "2024-09-01", "other", None)]
    assert query(warehouse, """select file_name, row_number, reason_code, reason from quarantine.rejected_rows
                               where source = 'pre_proceedings' order by file_name, row_number""") == [
        ("pre_proceedings/plo.csv", 5, "unreadable_value",
         "start_date is not a readable date (expected YYYY-MM-DD, DD/MM/YYYY or D-MON-YYYY)"),
        ("pre_proceedings/plo.csv", 6, "missing_required", "pre_proceedings_ref is blank but required"),
        ("pre_proceedings/plo.csv", 7, "unreadable_value",
         "mother_dob is not a readable date (expected YYYY-MM-DD, DD/MM/YYYY or D-MON-YYYY)"),
        ("pre_proceedings/plo_again.csv", 2, "duplicate_record", "same record as pre_proceedings/plo.csv row 4 (extracts overlap); kept that copy"),
    ]
