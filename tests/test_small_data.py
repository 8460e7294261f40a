"""Small and one-sided landing folders run green: a Cafcass-only extract of mothers (no fathers
at all, as a court-staff or Cafcass-only trawl gives), legal, court and Cafcass lists with no
fathers, and a folder where nobody repeats. A role with no records, or too few pairs to learn a
match from, is not trained (the run says so) and its clusters are still right.
"""

import datetime
import logging

import dagster as dg
from conftest import query, write_source
from pipelines.cli import failure_messages, run_trawl

FORENAMES = ["Abigail", "Bethany", "Chloe", "Danielle", "Eleanor", "Francesca", "Gemma", "Hannah", "Imogen",
             "Jasmine", "Keeley", "Lydia", "Megan", "Natasha", "Olivia", "Phoebe", "Rosie", "Shannon", "Tegan",
             "Vanessa"]
SURNAMES = ["Atherton", "Barraclough", "Cunliffe", "Dewhurst", "Eccleston", "Fairclough", "Greenhalgh",
            "Hargreaves", "Ingham", "Jolley", "Kenyon", "Lomax", "Marsden", "Nuttall", "Ormerod", "Pickup",
            "Rawcliffe", "Sutcliffe", "Tattersall", "Whittaker"]
MEN = ["Aaron", "Bradley", "Connor", "Declan", "Ethan", "Fraser", "Gareth", "Harvey", "Isaac", "Jordan"]


def woman(i: int) -> dict:
    """The i-th woman: a name and date of birth nobody else in these folders has."""
    dob = datetime.date(1980, 1, 1) + datetime.timedelta(days=97 * i)
    return {"forename": FORENAMES[i % 20], "surname": SURNAMES[(i * 7 + i // 20) % 20], "dob": dob.isoformat()}


def man(i: int) -> dict:
    dob = datetime.date(1975, 6, 1) + datetime.timedelta(days=89 * i)
    return {"forename": MEN[i % 10], "surname": SURNAMES[(i * 3 + i // 10 + 5) % 20], "dob": dob.isoformat()}


def issue(i: int, set_number: int = 0) -> str:
    return (datetime.date(2016, 1, 4) + datetime.timedelta(days=11 * i + 730 * set_number)).isoformat()


def cafcass_mothers(sets: list[tuple[int, int]], with_fathers: bool = False) -> list[dict]:
    """Cafcass rows, one set per (woman, set number): the mother (and a father of her own)."""
    rows = []
    for case, (i, set_number) in enumerate(sets):
        common = dict(case_id=f"CF-SMALL-{case:04d}", application_date=issue(i, set_number),
                      application_type="s31 care", la_code="E06000009")
        rows.append(dict(common, role="mother", sex="F", postcode="FY1", **woman(i)))
        if with_fathers:
            rows.append(dict(common, role="father", sex="M", **man(case)))
    return rows


def run(tmp_path, landing_writer) -> tuple[dg.ExecuteInProcessResult, object, list[str]]:
    """A whole trawl run; its result, warehouse and warning lines."""
    landing, warehouse = tmp_path / "landing", tmp_path / "trawl.duckdb"
    landing_writer(landing)
    instance = dg.DagsterInstance.ephemeral()
    result = run_trawl(landing, warehouse, instance=instance)
    assert result.success, failure_messages(result)
    warned = [entry.user_message for entry in instance.all_logs(result.run_id)
              if entry.level == logging.WARNING and entry.dagster_event is None]
    return result, warehouse, warned


def pairs_metadata(result, role: str) -> dict:
    return result.asset_materializations_for_node(f"linkage_{role}_pairs")[0].metadata


def not_trained_warnings(warned: list[str], role: str) -> list[str]:
    return [line for line in warned if line.startswith(f"{role}s: model not trained")]


def mothers_by_case(warehouse) -> dict[str, str]:
    return dict(query(warehouse, "select source_case_ref, person_key from linkage.person_clusters "
                                 "where source = 'cafcass' and role = 'mother'"))


def test_cafcass_mothers_only(tmp_path):
    """One Cafcass extract, mothers only: 40 women, 14 with a second set. The mother model trains
    on them; fathers have no records, so their model is skipped and the run carries on."""
    sets = [(i, 0) for i in range(40)] + [(i, 1) for i in range(14)]
    result, warehouse, warned = run(tmp_path, lambda landing: write_source(
        landing, "cafcass", "mothers.csv", cafcass_mothers(sets)))

    assert pairs_metadata(result, "mother")["model_trained"].value is True
    fathers = pairs_metadata(result, "father")
    assert fathers["model_trained"].value is False
    assert fathers["nodes"].value == 0
    assert "fewer than min_training_pairs" in fathers["not_trained_because"].value
    assert len(not_trained_warnings(warned, "father")) == 1 and not not_trained_warnings(warned, "mother")

    keys = mothers_by_case(warehouse)
    people = {}
    for case, (i, _) in enumerate(sets):
        people.setdefault(i, set()).add(keys[f"CF-SMALL-{case:04d}"])
    assert all(len(k) == 1 for k in people.values())
    assert len({next(iter(k)) for k in people.values()}) == 40
    assert query(warehouse, "select count(*) from core.mother_proceedings where is_recurrent") == [(14,)]
    assert query(warehouse, "select count(*) from linkage.person_clusters where role = 'father'") == [(0,)]


def test_no_fathers_in_any_source(tmp_path):
    """Legal, court and Cafcass lists of a few sets, none naming a father: too few pairs to train
    either role, so exact name + date of birth is the mothers' only link."""
    def write(landing):
        legal, court, cafcass = [], [], []
        for case, (i, set_number) in enumerate([(0, 0), (1, 0), (2, 0), (0, 1), (3, 0)]):
            mother = woman(i)
            issued = issue(i, set_number)
            child = dict(forename="Child", surname=mother["surname"], dob=issued)
            legal.append(dict(legal_ref=f"LGL-SMALL-{case}", issue_date=issued, la_code="E06000009",
                              child_forename=f"Child{case}", child_surname=child["surname"], child_dob=issued,
                              mother_forename=mother["forename"], mother_surname=mother["surname"],
                              mother_dob=mother["dob"]))
            court.append(dict(case_number=f"BL{issued[2:4]}C0{case:04d}", court="Blackpool Family Court",
                              issue_date=issued, application_type="C110A s31 care order",
                              child_name=f"Child{case} {child['surname']}", child_dob=issued,
                              respondent_1_name=f"{mother['forename']} {mother['surname']}",
                              respondent_1_dob=mother["dob"], respondent_1_relationship="mother"))
            cafcass.append(dict(case_id=f"CF-SMALL-{case:04d}", application_date=issued, application_type="s31 care",
                                la_code="E06000009", role="mother", sex="F", **mother))
        write_source(landing, "legal", "legal.csv", legal)
        write_source(landing, "court", "court.csv", court)
        write_source(landing, "cafcass", "cafcass.csv", cafcass)

    result, warehouse, warned = run(tmp_path, write)
    mothers = pairs_metadata(result, "mother")
    assert mothers["model_trained"].value is False
    assert mothers["exact_pairs"].value == 1
    assert len(not_trained_warnings(warned, "mother")) == 1
    assert pairs_metadata(result, "father")["nodes"].value == 0
    keys = mothers_by_case(warehouse)
    assert keys["CF-SMALL-0000"] == keys["CF-SMALL-0003"]
    assert len(set(keys.values())) == 4
    # Sets across sources still link: five sets, one recurrent.
    assert query(warehouse, "select count(*), count(*) filter (where is_recurrent) from core.mother_proceedings") \
        == [(5, 1)]


def test_nobody_repeats(tmp_path):
    """200 sets, each with a mother and a father nobody else is: no pair to learn from for
    either role, so each is a person of their own."""
    result, warehouse, warned = run(tmp_path, lambda landing: write_source(
        landing, "cafcass", "sets.csv", cafcass_mothers([(i, 0) for i in range(200)], with_fathers=True)))
    for role in ("mother", "father"):
        metadata = pairs_metadata(result, role)
        assert metadata["model_trained"].value is False
        assert metadata["nodes"].value == 200
        assert metadata["pairs_scored"].value == 0
    assert query(warehouse, "select role, count(distinct person_key) from linkage.person_clusters "
                            "group by role order by role") == [("father", 200), ("mother", 200)]
    assert query(warehouse, "select count(*) filter (where is_recurrent) from core.mother_proceedings") == [(0,)]
