"""Which pairs of women the person model compares at all: the blocking keys of
assets/sql/linkage_person_profiles.sql, built by the real SQL on a small hand-made
linkage.person_records in DuckDB. A blank or swapped name, or a date of birth wrong altogether,
must not hide a match; a key shared by a crowd must not make every pair in it.
"""

import datetime

import pytest

from linkage.settings import load_settings
from linkage_fixtures import person_profiles_of


def profiles(records: list[tuple], partners: dict[str, list[str]] | None = None) -> dict[str, dict]:
    """Blocking keys per node for mother records (node_id, forename, surname, dob, district)."""
    conn = person_profiles_of(records, partners)
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


def test_a_district_key_shared_by_more_profiles_than_the_setting_allows_is_dropped():
    crowded = load_settings().crowded_key_nodes

    def namesakes(size: int, district: str) -> list[tuple]:
        return [(f"{district}-{i}", "sarah", "smith", datetime.date(1980, 1, 1) + datetime.timedelta(days=i), district)
                for i in range(size)]

    def born_one_day(size: int, district: str) -> list[tuple]:
        return [(f"{district}-{i}", f"name{i}", f"surname{i}", datetime.date(1980, 1, 1), district) for i in range(size)]

    keys = profiles(namesakes(crowded, "FY1") + namesakes(crowded + 1, "FY2")
                    + born_one_day(crowded, "FY3") + born_one_day(crowded + 1, "FY4"))
    assert "FY1|SM0|s" in keys["FY1-0"]["postcode_sound_tokens"]
    assert keys["FY2-0"]["postcode_sound_tokens"] == []
    assert keys["FY3-0"]["dob_place_tokens"] == ["1980-01-01|FY3"]
    assert keys["FY4-0"]["dob_place_tokens"] == []


def test_names_in_each_other_boxes_with_a_misread_day_still_meet_on_names_and_month_of_birth():
    keys = profiles([("a", "kelly", "trevithick", "1993-05-19", None), ("b", "trevithick", "kelly", "1993-05-13", None)])
    assert shared(keys["a"], keys["b"], "name_birth_month_tokens")


def test_the_same_father_by_surname_and_date_of_birth_meets_her_whatever_her_own_details_say():
    keys = profiles([("a", "chelsea", "davies", "1996-01-03", None), ("b", "davies", "chelsea", None, None),
                     ("c", "amy", "jones", "1990-02-02", None), ("d", "kirsty", "brown", "1985-03-03", None)],
                    partners={"a": ["carl|wilson", "wilson|1996-05-09"], "b": ["carl|wilson", "wilson|1996-05-09"],
                              "c": ["carl|wilson"], "d": ["carl|wilson"]})
    assert shared(keys["a"], keys["b"], "partner_keys") == {"wilson|1996-05-09"}
    # A father's name alone (many Carl Wilsons) is not a key.
    assert keys["c"]["partner_keys"] == [] and keys["d"]["partner_keys"] == []
