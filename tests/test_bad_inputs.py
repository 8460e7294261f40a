"""Bad input never loses data: a bad extract fails its source with a message naming the file and
the problem, and the last good warehouse stays exactly as it was, because run_trawl builds into
a copy and swaps it in only when the whole run succeeded.

The runs here hold the stages a bad extract can break (ingest and staging, with their checks):
linkage and outputs have their own tests, and would make every run here several times slower.
"""

import hashlib
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import write_csv, write_source, xlsx_bytes

import pipelines.definitions
from pipelines.cli import building_copy, failure_messages, main, run_trawl

GOOD_EXTRACTS = {
    "legal": [
        dict(legal_ref="LGL-1", court_case_no="LV19C00142", issue_date="2019-03-05", child_forename="Amy",
             child_dob="2019-02-20", mother_forename="Zoë", mother_surname="O'Neill", mother_dob="1995-06-01"),
    ],
    "court": [
        dict(case_number="LV19C00142", issue_date="5-MAR-2019", application_type="C110A s31 care order",
             child_name="Amy O'Neill", child_dob="2019-02-20", respondent_1_name="Zoë O'Neill",
             respondent_1_dob="1995-06-01", respondent_1_relationship="mother"),
    ],
    "cafcass": [
        dict(case_id="CF-1", application_date="05/03/2019", application_type="s31 care", role="mother",
             person_id="P1", forename="Zoë", surname="O'Neill", dob="01/06/1995", postcode="LA1"),
    ],
    "care_leavers": [dict(la_person_id="CL-1", forename="Zoë", surname="O'Neill", dob="1995-06-01")],
    "case_file_review": [dict(review_id="CFR-1", mother_forename="Zoë", in_care_as_child="yes")],
}


BAD_FILES = [
    pytest.param("legal", "no_ref.csv", b"Issue Date,Child Forename\r\n2019-03-05,Ben\r\n",
                 "required column(s) legal_ref not found", id="missing required column"),
    pytest.param("court", "court_2020.csv",
                 b"case_number,issue_date,application_type,child_name\r\nLV20C00001,2020-01-02,s31,Jo\x81 Li\r\n",
                 "bytes are neither UTF-8 nor Windows-1252", id="unreadable encoding"),
    pytest.param("cafcass", "cafcass_2020.xlsx", xlsx_bytes([["case_id", "role"], ["CF-2", "mother"]])[:900],
                 "the workbook is corrupt or not an Excel .xlsx file", id="corrupt xlsx"),
    pytest.param("care_leavers", "leavers_2020.xlsx", bytes.fromhex("D0CF11E0A1B11AE1") + bytes(4088),
                 "the workbook is password-protected", id="password-protected xlsx"),
    pytest.param("case_file_review", "forms_2020.csv", b"", "file is empty", id="empty file"),
    pytest.param("legal", "two_refs.csv", b"legal_ref,issue_date,Legal Ref\r\nLGL-9,2020-01-02,LGL-9\r\n",
                 "headers 'legal_ref' and 'Legal Ref' both mean legal_ref", id="duplicated header"),
]


@pytest.fixture(scope="module", autouse=True)
def trawl_of_ingest_and_staging():
    """run_trawl as it is, with its job cut down to the stages a bad extract can break."""
    build_everything = pipelines.definitions.build_definitions

    def build_ingest_and_staging(*args, **kwargs) -> dg.Definitions:
        defs = build_everything(*args, **kwargs)
        job = dg.define_asset_job(
            "trawl", selection=dg.AssetSelection.groups("ingest", "staging"), executor_def=dg.in_process_executor
        )
        return dg.Definitions(assets=defs.assets, asset_checks=defs.asset_checks, resources=defs.resources, jobs=[job])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipelines.definitions, "build_definitions", build_ingest_and_staging)
        yield


@pytest.fixture(scope="module")
def good_trawl(tmp_path_factory) -> Path:
    """A landing folder and the warehouse a successful trawl built from it."""
    folder = tmp_path_factory.mktemp("good_trawl")
    for source, rows in GOOD_EXTRACTS.items():
        write_source(folder / "landing", source, f"{source}_2019.csv", rows)
    result = run_trawl(folder / "landing", folder / "trawl.duckdb", instance=dg.DagsterInstance.ephemeral())
    assert result.success, failure_messages(result)
    return folder


@pytest.fixture
def trawl_folder(good_trawl, tmp_path) -> Path:
    """A copy of the good trawl for one test to spoil."""
    return Path(shutil.copytree(good_trawl, tmp_path / "trawl"))


def warehouse_tables(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        tables = conn.execute(
            "select schema_name || '.' || table_name from duckdb_tables() order by 1"
        ).fetchall()
        return {name: sorted(conn.execute(f"select * from {name}").fetchall(), key=repr) for (name,) in tables}


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_last_good_warehouse_kept(warehouse: Path, tables_before: dict, digest_before: str) -> None:
    assert file_digest(warehouse) == digest_before
    assert warehouse_tables(warehouse) == tables_before
    assert not building_copy(warehouse).exists()


@pytest.mark.parametrize("source, name, content, problem", BAD_FILES)
def test_bad_file_fails_its_source_and_keeps_the_last_good_warehouse(trawl_folder, source, name, content, problem):
    landing, warehouse = trawl_folder / "landing", trawl_folder / "trawl.duckdb"
    tables_before, digest_before = warehouse_tables(warehouse), file_digest(warehouse)
    (landing / source / name).write_bytes(content)

    result = run_trawl(landing, warehouse, instance=dg.DagsterInstance.ephemeral())

    assert not result.success
    assert [m for m in failure_messages(result) if f"{source}/{name}" in m and problem in m], failure_messages(result)
    assert_last_good_warehouse_kept(warehouse, tables_before, digest_before)


def test_file_that_changes_while_being_read(trawl_folder, monkeypatch):
    landing, warehouse = trawl_folder / "landing", trawl_folder / "trawl.duckdb"
    tables_before, digest_before = warehouse_tables(warehouse), file_digest(warehouse)
    still_copying = write_source(landing, "court", "court_2020.csv", GOOD_EXTRACTS["court"])
    read_bytes = Path.read_bytes

    def read_while_the_copy_goes_on(path: Path) -> bytes:
        data = read_bytes(path)
        if path == still_copying:
            with path.open("ab") as file:
                file.write(b"LV20C00002,2020-01-02,s31 care,Ann Lee\r\n")
        return data

    monkeypatch.setattr(Path, "read_bytes", read_while_the_copy_goes_on)
    result = run_trawl(landing, warehouse, instance=dg.DagsterInstance.ephemeral())

    assert not result.success
    assert any(
        "court/court_2020.csv: file changed while being read; run again when the copy has finished" in m
        for m in failure_messages(result)
    ), failure_messages(result)
    assert_last_good_warehouse_kept(warehouse, tables_before, digest_before)


def test_failed_blocking_check_keeps_the_last_good_warehouse(trawl_folder):
    landing, warehouse = trawl_folder / "landing", trawl_folder / "trawl.duckdb"
    tables_before, digest_before = warehouse_tables(warehouse), file_digest(warehouse)
    # Readable, so staged, but issued in the future: published figures would count a year to come.
    write_source(landing, "legal", "legal_2090.csv", [dict(legal_ref="LGL-2", issue_date="2090-01-01")])

    result = run_trawl(landing, warehouse, instance=dg.DagsterInstance.ephemeral())

    assert not result.success
    assert any("staging_legal" in m and "expectations" in m for m in failure_messages(result))
    assert_last_good_warehouse_kept(warehouse, tables_before, digest_before)


def test_successful_run_replaces_the_warehouse(trawl_folder):
    landing, warehouse = trawl_folder / "landing", trawl_folder / "trawl.duckdb"
    write_source(landing, "legal", "legal_2020.csv", [dict(legal_ref="LGL-3", issue_date="2020-06-01")])

    assert run_trawl(landing, warehouse, instance=dg.DagsterInstance.ephemeral()).success

    assert warehouse_tables(warehouse)["staging.legal"] != []
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        assert conn.execute("select legal_ref from staging.legal order by 1").fetchall() == [("LGL-1",), ("LGL-3",)]
    assert not building_copy(warehouse).exists()


@pytest.fixture
def ephemeral_instance_for_the_cli(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setattr(dg.DagsterInstance, "get", staticmethod(dg.DagsterInstance.ephemeral))


@pytest.mark.usefixtures("ephemeral_instance_for_the_cli")
def test_cli_says_the_last_good_warehouse_was_kept(trawl_folder, capsys):
    landing, warehouse = trawl_folder / "landing", trawl_folder / "trawl.duckdb"
    write_csv(landing / "legal" / "no_header.csv", [], [])

    assert main(["run", "--landing", str(landing), "--warehouse", str(warehouse)]) == 1

    error = capsys.readouterr().err
    assert "legal/no_header.csv, row 1: the header row is empty" in error
    assert f"The warehouse {warehouse} is unchanged: it still holds the last good run." in error


@pytest.mark.usefixtures("ephemeral_instance_for_the_cli")
def test_cli_says_when_no_warehouse_was_written(tmp_path, capsys):
    (tmp_path / "landing" / "legal").mkdir(parents=True)
    (tmp_path / "landing" / "legal" / "empty.csv").write_bytes(b"")
    warehouse = tmp_path / "trawl.duckdb"

    assert main(["run", "--landing", str(tmp_path / "landing"), "--warehouse", str(warehouse)]) == 1

    assert f"No warehouse was written to {warehouse}." in capsys.readouterr().err
    assert not warehouse.exists() and not building_copy(warehouse).exists()
