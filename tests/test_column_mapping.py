"""Header aliases: the shipped config, matching rules, header errors and local mapping files."""

from pathlib import Path

import pytest

from sources.column_mapping import (
    DEFAULT_MAPPINGS_PATH,
    MAPPINGS_ENV_VAR,
    ColumnMappingError,
    load_column_mappings,
)
from sources.extract_files import ExtractError
from sources.layout import COURT, LEGAL, SOURCES


@pytest.fixture
def mappings(monkeypatch):
    monkeypatch.delenv(MAPPINGS_ENV_VAR, raising=False)
    return load_column_mappings()


@pytest.mark.parametrize(
    ("source", "header", "canonical"),
    [
        (COURT, "Case No", "case_number"),
        (COURT, "Court Name", "court"),
        (COURT, "Date Issued", "issue_date"),
        (COURT, "Application", "application_type"),
        (COURT, "Applicant LA", "applicant_la"),
        (COURT, "Child Name", "child_name"),
        (COURT, "Child DOB", "child_dob"),
        (COURT, "DOB", "child_dob"),
        (COURT, "Date of Birth", "child_dob"),
        (COURT, "Respondent 1", "respondent_1_name"),
        (COURT, "Respondent 1 DOB", "respondent_1_dob"),
        (COURT, "Respondent 1 Relationship", "respondent_1_relationship"),
        (COURT, "Respondent 2", "respondent_2_name"),
        (COURT, "Respondent 2 DOB", "respondent_2_dob"),
        (COURT, "Respondent 2 Relationship", "respondent_2_relationship"),
        (COURT, "Outcome", "outcome"),
        (COURT, "Outcome Date", "outcome_date"),
        (LEGAL, "Legal Ref", "legal_ref"),
        (LEGAL, "Court Case No", "court_case_no"),
        (LEGAL, "Date of Issue", "issue_date"),
        (LEGAL, "Mother DOB", "mother_dob"),
        (LEGAL, "Mother Date of Birth", "mother_dob"),
        (SOURCES["cafcass"], "Date of Birth", "dob"),
        (SOURCES["care_leavers"], "DOB", "dob"),
    ],
)
def test_shipped_config_accepts_local_headers(mappings, source, header, canonical):
    assert mappings.canonical_column(source, header) == canonical


@pytest.mark.parametrize(
    "header", ["case_number", " Case Number ", "CASE-NUMBER", "case.number", "Case__No."]
)
def test_matching_ignores_case_spaces_and_separators(mappings, header):
    assert mappings.canonical_column(COURT, header) == "case_number"


def test_every_canonical_name_is_accepted_for_its_source(mappings):
    for layout in SOURCES.values():
        for column in layout.columns:
            assert mappings.canonical_column(layout, column.upper()) == column


def test_resolve_returns_positions_and_reports_unmapped_headers(mappings):
    headers = ["Notes", "Case No", None, "Date Issued", "Application", "Child Name", "Officer"]
    resolved = mappings.resolve(COURT, headers, "court/list.csv")
    assert resolved.positions == {
        "case_number": 1,
        "issue_date": 3,
        "application_type": 4,
        "child_name": 5,
    }
    assert resolved.unmapped_headers == ["Notes", "(no header, column C)", "Officer"]


def test_missing_required_column_lists_headers_found_and_where_to_add_an_alias(mappings):
    with pytest.raises(ExtractError) as caught:
        mappings.resolve(COURT, ["Case No", "Issued On", "Application"], "court/list.csv")
    error = caught.value
    assert error.file_name == "court/list.csv"
    message = str(error)
    assert message.startswith("court/list.csv: required column(s) issue_date not found")
    assert "'Case No', 'Issued On', 'Application'" in message
    assert "column_mappings.yaml" in message


def test_header_row_that_matches_nothing_is_not_quoted(mappings):
    # An export without a header row: row 1 is a person's record.
    first_row = ["LV19C00001", "Zoë Smith", "2015-03-01"]
    with pytest.raises(ExtractError) as caught:
        mappings.resolve(COURT, first_row, "court/no_header.csv")
    message = str(caught.value)
    assert "they may be a row of personal data" in message
    for value in first_row:
        assert value not in message


def test_two_headers_for_the_same_column_are_an_error(mappings):
    with pytest.raises(ExtractError) as caught:
        mappings.resolve(
            COURT, ["Case No", "Date Issued", "Application", "DOB", "Child DOB"], "court/list.csv"
        )
    assert caught.value.column == "child_dob"
    assert "'DOB' and 'Child DOB' both mean child_dob" in str(caught.value)


def test_repeated_header_is_an_error(mappings):
    with pytest.raises(ExtractError, match="both mean case_number"):
        mappings.resolve(COURT, ["Case No", "Case No", "Date Issued", "Application"], "court/x.csv")


def test_default_file_is_found_from_any_working_directory(monkeypatch, tmp_path):
    monkeypatch.delenv(MAPPINGS_ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)
    mappings = load_column_mappings()
    assert mappings.path == DEFAULT_MAPPINGS_PATH
    assert mappings.canonical_column(COURT, "Case No") == "case_number"


def write_local_mappings(tmp_path: Path) -> Path:
    path = tmp_path / "local_mappings.yaml"
    path.write_text(
        "court:\n  issue_date:\n    - Proceedings Started\n  case_number: FM Number\n",
        encoding="utf-8",
    )
    return path


def test_env_var_points_to_a_local_mapping_file(monkeypatch, tmp_path):
    local = write_local_mappings(tmp_path)
    monkeypatch.setenv(MAPPINGS_ENV_VAR, str(local))
    mappings = load_column_mappings()
    assert mappings.path == local
    resolved = mappings.resolve(
        COURT, ["FM Number", "Proceedings Started", "application_type"], "court/x.csv"
    )
    assert resolved.positions == {"case_number": 0, "issue_date": 1, "application_type": 2}
    # The local file replaces the shipped one; canonical names still work for every source.
    assert mappings.canonical_column(COURT, "Date Issued") is None
    assert mappings.canonical_column(LEGAL, "legal_ref") == "legal_ref"


def test_explicit_path_wins_over_env_var(monkeypatch, tmp_path):
    monkeypatch.setenv(MAPPINGS_ENV_VAR, str(tmp_path / "absent.yaml"))
    assert load_column_mappings(DEFAULT_MAPPINGS_PATH).path == DEFAULT_MAPPINGS_PATH


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("courts:\n  issue_date: [Issued]\n", "unknown source(s) courts"),
        ("court:\n  issued: [Issued]\n", "court has no column(s) issued"),
        ("court:\n  issue_date: [Issued]\n  outcome_date: [issued]\n", "listed for both"),
        ("court:\n  child_dob: [DOB]\n  respondent_1_dob: [child dob]\n", "listed for both"),
        ("court:\n  outcome: [No]\n", "not text; put it in quotes"),
        ("court: [Case No]\n", "under court, list columns"),
        ("court:\n  outcome: [unclosed\n", "not valid YAML"),
    ],
)
def test_mistakes_in_a_mapping_file_are_reported(tmp_path, content, expected):
    path = tmp_path / "mappings.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ColumnMappingError) as caught:
        load_column_mappings(path)
    assert expected in str(caught.value)


def test_env_var_naming_a_missing_file_is_reported(monkeypatch, tmp_path):
    monkeypatch.setenv(MAPPINGS_ENV_VAR, str(tmp_path / "absent.yaml"))
    with pytest.raises(ColumnMappingError, match="cannot read column mappings"):
        load_column_mappings()
