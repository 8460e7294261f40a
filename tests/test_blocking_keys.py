"""Which pairs of women the person model compares at all: the blocking keys of
assets/sql/linkage_person_profiles.sql, built by the real SQL on a small hand-made
linkage.person_records in DuckDB. A blank or swapped name, or a date of birth wrong altogether,
must not hide a match; a key shared by a crowd must not make every pair in it.
"""

import datetime
from pathlib import Path

import duckdb
import pytest

from linkage.phonetics import write_name_phonetics
from linkage.sql_steps import run_sql_file

PROFILES_SQL = Path(__file__).resolve().parents[1] / "assets" / "sql" / "linkage_person_profiles.sql"


def profiles(records: list[tuple]) -> dict[str, dict]:
    """Blocking keys per node for mother records (node_id, forename, surname, dob, district)."""
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
    conn.execute("create temp table partner_tokens (node_id varchar, tokens varchar[])")
    write_name_phonetics(conn)
    run_sql_file(conn, PROFILES_SQL, role="mother")
    rows = conn.sql("select * from person_profiles").to_arrow_table().to_pylist()
    return {row["node_id"]: row for row in rows}


def shared(profile: dict, other: dict, column: str) -> set:
    return set(profile[column]) & set(other[column])


@pytest.mark.parametrize("left, right", [
    (("jessica", "ballantyne", "1988-11-03"), ("ballantyne", "jessica", None)),  # names swapped, no DOB
    ((None, "wilde", "1982-04-28"), ("sebastian", "wilde", "1982-07-28")),  # forename blank, DOB slip
])
def test_a_blank_or_swapped_name_meets_her_in_the_same_district(left, right):
    keys = profiles([("a", *left, "PR21"), ("b", *right, "PR21")])
    assert shared(keys["a"], keys["b"], "postcode_sound_tokens")


def test_a_rare_full_name_meets_her_whatever_her_date_of_birth_but_a_common_one_does_not():
    background = [(f"x{i}", "sarah", "smith", "1990-01-01", "FY1") for i in range(11)]
    keys = profiles([("a", "kayla", "honeychurch", "1999-07-27", "FY40"),
                     ("b", "kayla", "honeychurch", "2000-10-22", "FY45"), *background])
    assert shared(keys["a"], keys["b"], "rare_name_tokens") == {"kayla|honeychurch"}
    assert keys["x0"]["rare_name_tokens"] == []  # eleven nodes carry Sarah Smith


def test_a_postcode_key_shared_by_more_than_fifty_profiles_is_dropped():
    def crowd(size: int, district: str) -> list[tuple]:
        return [(f"{district}-{i}", "sarah", "smith", datetime.date(1980, 1, 1) + datetime.timedelta(days=i), district)
                for i in range(size)]
    keys = profiles(crowd(50, "FY1") + crowd(51, "FY2"))
    assert "FY1|SM0|s" in keys["FY1-0"]["postcode_sound_tokens"]
    assert keys["FY2-0"]["postcode_sound_tokens"] == []
