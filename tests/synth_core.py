"""Core tables straight from `trawl synth`'s simulated population, without writing extracts or
linking them: for outputs tests that need realistic multi-authority data fast (the disclosure
audit). Linkage is tested elsewhere; here every set and mother is as simulated."""

import datetime

from outputs_fixtures import CoreTables, Mother

from sources import synth


def core_tables_from_synth(mothers: int, seed: int, authorities: int) -> CoreTables:
    population = synth._simulate(mothers, seed, authorities)
    case, dob = population.case, population.people.dob
    codes = [authority.code for authority in synth.LOCAL_AUTHORITIES]
    sets: dict[int, list] = {}
    for i, kind in enumerate(case["kind"]):
        if kind not in synth.S31_KINDS:
            continue
        issue = case["issue"][i]
        children = population.children[case["child_start"][i]: case["child_start"][i] + case["child_count"][i]]
        ages = [_whole_years(dob[child], issue) for child in children]
        babies = sum(0 <= issue - dob[child] <= 27 for child in children)
        sets.setdefault(case["mother_no"][i], []).append((issue, len(children), babies, ages, codes[case["la"][i]]))
    tables = []
    for number, mother_sets in sorted(sets.items()):
        mother_sets.sort()
        tables.append(Mother(
            key=f"M{number:06d}",
            set_dates=[datetime.date.fromordinal(issue).isoformat() for issue, *_ in mother_sets],
            age_at_first_set=int(population.mother_age_at_first_set[number]),
            care_experienced=bool(population.mother_in_care[number]),
            children=[children for _, children, *_ in mother_sets],
            babies_under_4_weeks=[babies for _, _, babies, *_ in mother_sets],
            child_ages=[ages for *_, ages, _ in mother_sets],
            la_codes=[code for *_, code in mother_sets],
        ))
    return CoreTables(mothers=tables, non_s31_dates=[synth.EXTRACT_END.isoformat()])


def _whole_years(born: int, on: int) -> int:
    born_date, on_date = datetime.date.fromordinal(born), datetime.date.fromordinal(on)
    return on_date.year - born_date.year - ((on_date.month, on_date.day) < (born_date.month, born_date.day))
