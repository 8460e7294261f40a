"""Which level of a comparison two profiles land on: the person model's own SQL conditions
(linkage/person_model.py), evaluated in order in DuckDB on profiles the real profile SQL builds
from hand-made records. No training is involved: these are the facts the model weighs."""

from linkage.person_model import DIALECTS, _comparisons
from linkage_fixtures import person_profiles_of


def level(records: list[tuple], comparison: str, partners: dict[str, list[str]] | None = None) -> str:
    """The label of the first level of `comparison` whose condition holds for nodes a and b."""
    conn = person_profiles_of(records, partners)
    columns = [row[0] for row in conn.execute("select column_name from (describe person_profiles)").fetchall()]
    select = ", ".join([f'l."{c}" as "{c}_l"' for c in columns] + [f'r."{c}" as "{c}_r"' for c in columns])
    conn.execute(f"create temp table pair as select {select} from person_profiles l, person_profiles r "
                 "where l.node_id = 'a' and r.node_id = 'b'")
    built = [c.get_comparison("duckdb") for c in _comparisons("mother", DIALECTS["duckdb"])]
    chosen = next(c for c in built if c.output_column_name == comparison)
    for candidate in chosen.comparison_levels:
        condition = "true" if candidate.sql_condition.upper() == "ELSE" else candidate.sql_condition
        if conn.execute(f"select count(*) from pair where {condition}").fetchall()[0][0]:
            return candidate.label_for_charts
    raise AssertionError("no level holds")


def test_names_written_in_each_other_boxes_are_a_swap():
    records = [("a", "johnson", "amy", "1984-05-13", None), ("b", "amy", "johnson", "1984-05-13", None)]
    assert level(records, "forename") == "forename written as the other's surname"
    assert level(records, "surname") == "surname written as the other's forename"


def test_a_surname_she_once_gave_as_a_forename_is_not_counted_again_as_a_swap():
    # One of her records has the names swapped, so 'johnson' is among her forenames too. Another
    # woman named Johnson shares the surname only: her forename (Charlotte) is no match for Amy.
    records = [("a", "amy", "johnson", "1984-05-13", None), ("a", "johnson", "amy", "1984-05-13", None),
               ("b", "charlotte", "johnson", "1984-05-13", None)]
    assert level(records, "surname") == "same surname (or former surname)"
    assert level(records, "forename") == "All other comparisons"


def test_the_same_father_with_his_surname_misread_is_a_slip_not_another_man():
    records = [("a", "amy", "johnson", "1984-05-13", None), ("b", "amy", "johnson", None, None)]
    father = {"a": ["john|sharples", "sharples|1991-07-31"], "b": ["john|shaples", "shaples|1991-07-31"]}
    assert level(records, "partner", father) == "the father in her sets, one keying slip apart"
    other = {"a": ["john|sharples", "sharples|1991-07-31"], "b": ["lee|atkinson", "atkinson|1990-01-02"]}
    assert level(records, "partner", other) == "All other comparisons"
