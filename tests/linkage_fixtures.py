"""Linkage test data: a small synthetic background (so the model has a population to learn
from) plus hand-made scenario extracts, each decided by one kind of evidence, and a helper that
materialises raw, staging and every linkage asset into a real DuckDB file."""

from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

import assets.linkage_core
import assets.linkage_people
import assets.linkage_proceedings
import assets.linkage_quality
from assets.ingest import raw_assets
from assets.staging import staging_assets, staging_checks
from conftest import write_source
from linkage.phonetics import write_name_phonetics
from linkage.pseudonyms import Pseudonymiser
from linkage.settings import LinkageConfig, load_settings
from linkage.sql_steps import run_sql_file
from publish.output_folder import OutputFolder
from sources.landing import LandingFolder
from sources.synth import generate

PROFILES_SQL = Path(__file__).resolve().parents[1] / "assets" / "sql" / "linkage_person_profiles.sql"
BACKGROUND_MOTHERS = 400
BACKGROUND_SEED = 5
LINKAGE_ASSETS = dg.load_assets_from_modules([
    assets.linkage_proceedings, assets.linkage_people, assets.linkage_core, assets.linkage_quality,
])


@dataclass
class Parent:
    forename: str
    surname: str
    dob: str
    cafcass_id: str = ""
    postcode: str = ""


@dataclass
class Child:
    forename: str
    surname: str
    dob: str
    sex: str = "F"


@dataclass
class Case:
    """One application as the sources record it; a blank reference means that source lacks it."""

    issue: str
    mother: Parent
    children: list[Child]
    father: Parent | None = None
    legal_ref: str = ""
    legal_court_no: str = ""
    court_number: str = ""
    cafcass_id: str = ""
    application: str = "C110A s31 care order"
    cafcass_type: str = "s31 care"


def _court_name(person: Parent | Child) -> str:
    return f"{person.forename} {person.surname}"


def write_cases(landing: Path, cases: list[Case], name: str = "scenarios.csv") -> None:
    legal, court, cafcass = [], [], []
    for case in cases:
        father = case.father
        for child in case.children:
            if case.legal_ref:
                legal.append(dict(
                    legal_ref=case.legal_ref, court_case_no=case.legal_court_no, issue_date=case.issue,
                    la_code="E06000009", child_forename=child.forename, child_surname=child.surname,
                    child_dob=child.dob, child_sex=child.sex, mother_forename=case.mother.forename,
                    mother_surname=case.mother.surname, mother_dob=case.mother.dob,
                    father_forename=father.forename if father else "", father_surname=father.surname if father else "",
                    father_dob=father.dob if father else "", final_order="Care Order",
                ))
            if case.court_number:
                court.append(dict(
                    case_number=case.court_number, court="Blackpool Family Court", issue_date=case.issue,
                    application_type=case.application, applicant_la="Blackpool Council",
                    child_name=_court_name(child), child_dob=child.dob,
                    respondent_1_name=_court_name(case.mother), respondent_1_dob=case.mother.dob,
                    respondent_1_relationship="mother",
                    respondent_2_name=_court_name(father) if father else "", respondent_2_dob=father.dob if father else "",
                    respondent_2_relationship="father" if father else "",
                ))
        if case.cafcass_id:
            people = [("mother", case.mother)] + ([("father", father)] if father else [])
            for role, person in people:
                cafcass.append(dict(
                    case_id=case.cafcass_id, application_date=case.issue, application_type=case.cafcass_type,
                    la_code="E06000009", person_id=person.cafcass_id, role=role, forename=person.forename,
                    surname=person.surname, dob=person.dob, postcode=person.postcode,
                ))
            for child in case.children:
                cafcass.append(dict(
                    case_id=case.cafcass_id, application_date=case.issue, application_type=case.cafcass_type,
                    la_code="E06000009", role="child", forename=child.forename, surname=child.surname, dob=child.dob,
                ))
    for source, rows in (("legal", legal), ("court", court), ("cafcass", cafcass)):
        if rows:
            write_source(landing, source, name, rows)


def write_background(landing: Path) -> None:
    generate(landing, mothers=BACKGROUND_MOTHERS, seed=BACKGROUND_SEED)


def materialize_linkage(landing: Path, warehouse: Path, with_sources: bool = True) -> dg.ExecuteInProcessResult:
    """Raw, staging (with checks) and every linkage asset, for real, into `warehouse`; model files
    and the review workbook go to `<warehouse folder>/restricted`. The pseudonym key comes from the
    environment (conftest sets a test-only one)."""
    selected = [*raw_assets, *staging_assets, *staging_checks] if with_sources else []
    return dg.materialize(
        [*selected, *LINKAGE_ASSETS],
        resources={
            "duckdb": DuckDBResource(database=str(warehouse)),
            "landing": LandingFolder(path=str(landing)),
            "outputs": OutputFolder(path=str(warehouse.parent / "outputs"),
                                    restricted_path=str(warehouse.parent / "restricted")),
            "pseudonymiser": Pseudonymiser(),
            "linkage": LinkageConfig(),
        },
        raise_on_error=False,
    )


def person_profiles_of(records: list[tuple], partners: dict[str, list[str]] | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection holding temp table person_profiles, built by the real profile SQL from
    hand-made mother records (node_id, forename, surname, dob, district; a node may have several)
    and, optionally, the other parent's tokens per node (see linkage_mother_partners.sql)."""
    conn = duckdb.connect()
    conn.execute("create schema linkage")
    conn.execute("""create table linkage.person_records (
        node_id varchar, linked_as varchar, source varchar, is_s31 boolean, event_date date,
        forename_key varchar, forename_keys varchar[], surname_keys varchar[], dob date,
        cafcass_person_id varchar, postcode_district varchar)""")
    for node_id, forename, surname, dob, district in records:
        conn.execute(
            "insert into linkage.person_records values (?, 'mother', 'cafcass', true, '2020-01-01', ?, ?, ?, ?, null, ?)",
            [node_id, forename, [forename] if forename else [], [surname] if surname else [], dob, district])
    conn.execute("create table linkage.name_variants (name_key varchar, group_number integer)")
    conn.execute("create temp table partner_tokens (node_id varchar, tokens varchar[], keys varchar[])")
    for node_id, tokens in (partners or {}).items():
        # As linkage_mother_partners.sql: a father's surname with his date of birth is a key.
        conn.execute("insert into partner_tokens values (?, ?, list_filter(?, lambda t: regexp_matches(t, '\\d$')))",
                     [node_id, tokens, tokens])
    write_name_phonetics(conn)
    run_sql_file(conn, PROFILES_SQL, role="mother", crowded_key_nodes=load_settings().crowded_key_nodes)
    return conn
