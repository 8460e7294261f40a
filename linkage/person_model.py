"""The Splink model that says whether two profiles (linkage.<role>_profiles) are one person.

A profile holds lists (every spelling, date of birth, Cafcass id... its records give), so each
comparison asks whether the two lists share a value, or nearly do. The levels are the mistakes
clerks make: a name misspelt anywhere (one keying slip, a near spelling, the same sound), a known
nickname, forename and surname in each other's boxes, parts of double-barrelled names and former
surnames, a date of birth with day and month swapped, one digit wrong or the year one out.
Agreeing on an uncommon name counts for more than on a common one (term frequency, in bands).
Beyond names and date of birth the model weighs Cafcass person ids (strong, though a woman can
carry two), postcode districts and the other parent in her sets.

Training follows Splink's guidance and is deterministic: the prior from exact matches with an
assumed recall, u from a seeded random sample, m by expectation maximisation on two blocks (same
date of birth; same forename and surname), each estimating what the other block holds fixed;
then the prior once more from the trained model's own expected number of matches.
"""

import hashlib
import json
import logging
import math
import time
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule

from linkage.engines import splink_session, withholding_messages
from linkage.settings import LinkageSettings

PARAMETERS = {"m_probability", "u_probability", "probability_two_random_records_match"}
# The blocking rules: two profiles are scored only if they share a value of one of these list
# columns (built in linkage_person_profiles.sql, which says why these and not others), with the
# name each run's metadata gives the rule. In Splink's order: a pair is the first rule's that finds it.
BLOCKING_RULES = {
    "dob_name_tokens": "date of birth with a name or initials",
    "name_birth_month_tokens": "names with year and month, or month and day, of birth",
    "postcode_sound_tokens": "postcode district with the sound of a name and the other initial",
    "dob_place_tokens": "date of birth with postcode district",
    "cafcass_ids": "Cafcass id",
    "name_partner_tokens": "names with the other parent",
    "partner_keys": "the other parent, by his surname and date of birth",
    "rare_name_tokens": "a full name at most 10 nodes carry",
    # Every rule above needs a date of birth, a postcode, a Cafcass id or the other parent, which a
    # list with blank dates of birth (pre-proceedings cases, say) may not give.
    "no_dob_name_tokens": "uncommon full name, one of the two without a date of birth",
}
# Columns of a profile used only to choose which pairs to score, not compared (Cafcass ids are both).
BLOCKING_KEY_COLUMNS = tuple(column for column in BLOCKING_RULES if column != "cafcass_ids")


def blocking_counts_sql(profiles: str) -> str:
    """How many pairs each blocking rule lets through among the profiles in table `profiles`
    (rule, pairs): for each key, a pair for every two profiles that share it. A pair sharing keys
    of several rules (or several keys of one rule) is counted for each, so the total is an upper
    bound on the pairs Splink compares."""
    keys = "\n    union all ".join(f"select '{rule}' as rule, unnest({column}) as token from {profiles}"
                                   for column, rule in BLOCKING_RULES.items())
    return f"""
with keys as (
    {keys}
)
select rule, coalesce(sum(n * (n - 1) // 2), 0)::bigint as pairs
from (select rule, token, count(*) as n from keys group by rule, token)
group by rule
order by rule"""


@dataclass(frozen=True)
class TrainedModel:
    predictions: pa.Table  # node_id_l, node_id_r, match_weight, match_probability, mw_<comparison>
    model_json: str
    sha256: str
    probability_two_random_records_match: float | None
    blocks_not_trained: list[str]  # training blocks too small to estimate from (see train_and_predict)
    training_seconds: float
    prediction_seconds: float
    not_trained_because: str | None = None  # set when the role had too little data (see exact_links_only)


def exact_links_only(exact_pairs: pa.Table, role: str, nodes: int, reason: str) -> TrainedModel:
    """What a role gets when it has too little data to train on (no records, one, or fewer exact
    name + date of birth pairs than the model can learn a match from): no model, and the exact
    pairs as its only links, at probability 1. Every other node is a person of its own.

    The pairs have the columns a trained model's predictions have, so the clusters, the review
    queue and anything else reading linkage.<role>_pairs do not need to know."""
    columns = {"match_weight": pa.float64(), "match_probability": pa.float64(), "node_id_l": pa.string(),
               "node_id_r": pa.string(), **{f"mw_{name}": pa.float64() for name in COMPARISON_NAMES},
               "match_key": pa.string()}
    rows = exact_pairs.num_rows
    predictions = pa.table({
        name: (exact_pairs[name].cast(kind) if name in ("node_id_l", "node_id_r")
               else pa.array([1.0] * rows, kind) if name == "match_probability"
               else pa.nulls(rows, kind))
        for name, kind in columns.items()
    })
    model_json = json.dumps({"role": role, "trained": False, "nodes": nodes, "reason": reason,
                             "links": "exact forename, surname and date of birth only"}, indent=2, sort_keys=True)
    return TrainedModel(
        predictions=predictions.sort_by([("node_id_l", "ascending"), ("node_id_r", "ascending")]),
        model_json=model_json,
        sha256=hashlib.sha256(model_json.encode()).hexdigest(),
        probability_two_random_records_match=None,
        blocks_not_trained=[],
        training_seconds=0.0,
        prediction_seconds=0.0,
        not_trained_because=reason,
    )


@dataclass(frozen=True)
class Dialect:
    """The few SQL spellings that differ between the engines (linkage/engines.py)."""
    size: str
    overlap: str
    list_max: str
    list_min: str
    transform: str
    lambda_: str  # format with v (variable) and body
    jaro_winkler: str
    slips: str  # keying edits between two strings of one length (dates as YYYYMMDD), exact up to 1; a and b
    edits: str  # keying edits between any two strings, exact up to 1; format with a and b
    yyyymmdd: str  # format with d
    first: str  # the first element of a list, NULL if empty; format with c

    def each(self, column: str, var: str, body: str) -> str:
        return f"{self.transform}({column}, {self.lambda_.format(v=var, body=body)})"


# Damerau-Levenshtein is slow, and between two strings of one length it is 1 only where the
# Hamming distance is 1 or (an adjacent swap) 2: asked only then.
_SAME_LENGTH_SLIPS = "case when hamming({a}, {b}) = 2 then damerau_levenshtein({a}, {b}) else hamming({a}, {b}) end"

DIALECTS = {
    "duckdb": Dialect(size="len", overlap="list_has_any", list_max="list_max", list_min="list_min",
                      transform="list_transform", lambda_="lambda {v}: {body}",
                      jaro_winkler="jaro_winkler_similarity",
                      slips=_SAME_LENGTH_SLIPS,
                      # Names: one edit changes the length by one at most, and then it is Levenshtein
                      # 1 (ten times faster). Lengths in bytes, as these functions count them.
                      edits=f"case when strlen({{a}}) = strlen({{b}}) then {_SAME_LENGTH_SLIPS} "
                            "when abs(strlen({a}) - strlen({b})) = 1 then levenshtein({a}, {b}) else 2 end",
                      yyyymmdd="strftime({d}, '%Y%m%d')", first="{c}[1]"),
    # jaro_winkler and damerau_levenshtein are the Scala functions shipped with Splink.
    "spark": Dialect(size="size", overlap="arrays_overlap", list_max="array_max", list_min="array_min",
                     transform="transform", lambda_="{v} -> {body}",
                     jaro_winkler="jaro_winkler", slips="damerau_levenshtein({a}, {b})",
                     edits="damerau_levenshtein({a}, {b})",
                     yyyymmdd="date_format({d}, 'yyyyMMdd')", first="try_element_at({c}, 1)"),
}


def training_blocks(sql: Dialect) -> dict[str, str]:
    """Training blocks: the first (sorted) value of each list, as equality joins are fast."""
    def first(side: str, column: str) -> str:
        return sql.first.format(c=f"{side}.{column}")
    return {
        "same date of birth": f"{first('l', 'dobs')} = {first('r', 'dobs')}",
        "same forename and surname": f"{first('l', 'forenames')} = {first('r', 'forenames')} "
                                     f"and {first('l', 'surnames')} = {first('r', 'surnames')}",
    }


def _closest(sql: Dialect, column: str, distance: str, aggregate: str, right_column: str | None = None) -> str:
    """The closest pair across the two lists (`column` on the left record, `right_column`, by
    default the same, on the right): `distance` (in a and b) over every pair, and its
    `aggregate` (list_max for a similarity, list_min for an edit count)."""
    inner = sql.each(f"{right_column or column}_r", "b", distance)
    return f"{aggregate}({sql.each(f'{column}_l', 'a', f'{aggregate}({inner})')})"


def _best_similarity(sql: Dialect, column: str) -> str:
    """The closest pair of names across the two lists (Jaro-Winkler)."""
    return _closest(sql, column, f"{sql.jaro_winkler}(a, b)", sql.list_max)


def _fewest_keying_slips(sql: Dialect, column: str) -> str:
    """The fewest keying edits between any two dates (as YYYYMMDD) across the two lists."""
    distance = sql.slips.format(a=sql.yyyymmdd.format(d="a"), b=sql.yyyymmdd.format(d="b"))
    return _closest(sql, column, distance, sql.list_min)


def _missing(sql: Dialect, column: str) -> cll.CustomLevel:
    return cll.CustomLevel(
        f"{column}_l is null or {column}_r is null or {sql.size}({column}_l) = 0 or {sql.size}({column}_r) = 0",
        f"{column}: not recorded on one side",
    ).configure(is_null_level=True)


def _shared(sql: Dialect, column: str, label: str) -> cll.CustomLevel:
    return cll.CustomLevel(f"{sql.overlap}({column}_l, {column}_r)", label)


def _shared_or_not(sql: Dialect, name: str, description: str, column: str, label: str) -> cl.CustomComparison:
    """Not recorded on one side; a value in common; or both recorded and none in common."""
    return cl.CustomComparison(
        output_column_name=name,
        comparison_description=description,
        comparison_levels=[_missing(sql, column), _shared(sql, column, label), cll.ElseLevel()],
    )


COMPARISON_NAMES = ("forename", "surname", "dob", "cafcass_id", "postcode", "partner")


def _in_the_other_box(sql: Dialect, column: str, other_column: str, label: str) -> cll.CustomLevel:
    """The left record's `column` (say the names it gives only as forenames) is, or nearly is,
    the right record's `other_column` (its surnames): the names written in each other's boxes,
    often with a slip. One way only, so a single name written in the wrong box counts once: the
    forename comparison sees the left forename cross over, the surname comparison the left
    surname, and a full swap both. Names the left record also gives in the other box are left
    out: they are compared as what they are (a shared surname is the surname level's)."""
    # (The size test also tells Splink the level reads other_column: it does not look inside lambdas.)
    return cll.CustomLevel(
        f"{sql.size}({other_column}_r) > 0 and "
        f"{_closest(sql, column, f'{sql.jaro_winkler}(a, b)', sql.list_max, right_column=other_column)} >= 0.88",
        label)


def _one_edit(sql: Dialect, column: str, label: str) -> cll.CustomLevel:
    """One letter dropped, added, changed or two swapped (Damerau-Levenshtein 1), anywhere in the
    name: Jaro-Winkler misses slips in a short name or in its first letter."""
    return cll.CustomLevel(f"{_closest(sql, column, sql.edits.format(a='a', b='b'), sql.list_min)} <= 1", label)


def _year_off_by_one(sql: Dialect) -> cll.CustomLevel:
    """Same day and month, the year one out (1989 keyed as 1990 changes two digits)."""
    distance = ("case when month(a) = month(b) and day(a) = day(b) then abs(year(a) - year(b)) else 99 end")
    return cll.CustomLevel(f"{_closest(sql, 'dobs', distance, sql.list_min)} = 1",
                           "date of birth with the year one out")


def _comparisons(role: str, sql: Dialect) -> list[cl.CustomComparison]:
    return [
        cl.CustomComparison(
            output_column_name="forename",
            comparison_description="Forenames (and middle names): the same, a known variant (nickname), swapped "
                                   "with the surname, a near spelling, or the same sound",
            comparison_levels=[
                _missing(sql, "forenames"),
                _shared(sql, "uncommon_forenames", "same uncommon forename (under 1 in 100 records)"),
                _shared(sql, "forenames", "same forename"),
                _shared(sql, "forename_groups", "forename variant (nickname table)"),
                _in_the_other_box(sql, "forename_only_names", "surnames", "forename written as the other's surname"),
                _one_edit(sql, "forenames", "forename one keying slip apart"),
                cll.CustomLevel(f"{_best_similarity(sql, 'forenames')} >= 0.88", "forename spelt nearly the same"),
                _shared(sql, "forename_phonetics", "forename sounds the same (Metaphone)"),
                cll.ElseLevel(),
            ],
        ),
        cl.CustomComparison(
            output_column_name="surname",
            comparison_description="Surnames, including parts of double-barrelled names and former surnames",
            comparison_levels=[
                _missing(sql, "surnames"),
                _shared(sql, "uncommon_surnames", "same uncommon surname (under 1 in 200 records)"),
                _shared(sql, "surnames", "same surname (or former surname)"),
                _in_the_other_box(sql, "surname_only_names", "forenames", "surname written as the other's forename"),
                _one_edit(sql, "surnames", "surname one keying slip apart"),
                cll.CustomLevel(f"{_best_similarity(sql, 'surnames')} >= 0.9", "surname spelt nearly the same"),
                _shared(sql, "surname_phonetics", "surname sounds the same (Metaphone)"),
                cll.ElseLevel(),
            ],
        ),
        cl.CustomComparison(
            output_column_name="dob",
            comparison_description="Date of birth: the same, day and month swapped, one digit wrong anywhere "
                                   "(a year off by ten too), or the year off by one",
            comparison_levels=[
                _missing(sql, "dobs"),
                _shared(sql, "dobs", "same date of birth"),
                _shared(sql, "dob_tokens", "date of birth with day and month swapped"),
                cll.CustomLevel(f"{_fewest_keying_slips(sql, 'dobs')} <= 1", "date of birth one keying slip apart"),
                _year_off_by_one(sql),
                cll.ElseLevel(),
            ],
        ),
        _shared_or_not(sql, "cafcass_id", "Cafcass person ids: shared, or both known and none shared",
                       "cafcass_ids", "shared Cafcass person id"),
        _shared_or_one_slip(sql, "postcode", "Postcode districts: shared, or one keying slip apart (FY2 for FY20)",
                            "postcodes", "shared postcode district", "postcode district one keying slip apart"),
        _partner(role, sql),
    ]


def _shared_or_one_slip(sql: Dialect, name: str, description: str, column: str, label: str,
                        slip_label: str) -> cl.CustomComparison:
    """Not recorded on one side; a value in common; one keying slip apart; or neither."""
    return cl.CustomComparison(
        output_column_name=name,
        comparison_description=description,
        comparison_levels=[_missing(sql, column), _shared(sql, column, label), _one_edit(sql, column, slip_label),
                           cll.ElseLevel()],
    )


def _partner(role: str, sql: Dialect) -> cl.CustomComparison:
    """For a mother, the father in her sets (his surname with his date of birth, his forename with
    his surname), the same or one keying slip apart: his name misread or a digit of his date of
    birth. For a father, the woman linked as mother in his sets: her cluster, which is the same
    or not (two cluster ids a slip apart are two women)."""
    if role == "father":
        return _shared_or_not(sql, "partner", "The other parent: the woman who is mother in his sets",
                              "partner_tokens", "same the woman who is mother in his sets")
    return _shared_or_one_slip(sql, "partner", "The other parent: the father in her sets, the same or one keying "
                               "slip apart", "partner_tokens", "same the father in her sets",
                               "the father in her sets, one keying slip apart")


def _settings(role: str, sql: Dialect) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="node_id",
        comparisons=_comparisons(role, sql),
        blocking_rules_to_generate_predictions=[block_on(column, arrays_to_explode=[column])
                                                for column in BLOCKING_RULES],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,
        # Fixed, so the saved model is the same bytes whenever the data are the same.
        linker_uid=f"trawl_{role}s",
    )


@withholding_messages
def train_and_predict(profiles: pa.Table, role: str, settings: LinkageSettings) -> TrainedModel:
    """Train on the profiles, save the model, and score with the saved model every blocked pair
    at or above the review band, on the configured engine."""
    role_settings = settings.role(role)
    started = time.perf_counter()
    with splink_session(settings.engine) as session:
        sql = DIALECTS[session.dialect]
        profiles_table = session.db_api.register(profiles, table_name=f"{role}_profiles")
        trainer = Linker(profiles_table, _settings(role, sql), log_level=logging.WARNING)
        blocks = training_blocks(sql)
        trainer.training.estimate_probability_two_random_records_match(
            [" and ".join(blocks.values())], recall=settings.deterministic_rules_recall
        )
        # Every sampled pair counts (no early stop once each level has 100): where the stop falls
        # depends on the engine's hash function, and the model must not depend on the engine. The
        # sample is bounded by u_max_pairs, so it is compared in one chunk.
        trainer.training.estimate_u_using_random_sampling(
            max_pairs=settings.u_max_pairs, seed=settings.seed, min_count_per_level=None, num_chunks=1)
        # Blocks written on the compared columns, so Splink knows which comparison each one fixes
        # and leaves it out of that block's estimates.
        not_trained = []
        for name, block in blocks.items():
            try:
                trainer.training.estimate_parameters_using_expectation_maximisation(
                    CustomRule(block), max_pairs=settings.em_max_pairs)
            except ValueError as refused:
                # In a small block whose pairs separate perfectly, EM drives some level's m to
                # exactly zero, which Splink 5 refuses. The session is then discarded whole
                # (Splink writes estimates back only when a session ends) and the model keeps
                # what the other block and the defaults say.
                if "below the minimum allowed" not in str(refused):
                    raise
                not_trained.append(name)
        model = _rounded(trainer.misc.save_model_to_json())
        trained = time.perf_counter()
        lowest = min(role_settings.review_low, role_settings.match_threshold)
        numbered, node_ids = _numbered(profiles)
        predictor = Linker(session.db_api.register(numbered, table_name=f"{role}_profiles_numbered"),
                           {**model, "unique_id_column_name": NUMBER}, log_level=logging.WARNING)
        # Scored down to PRIOR_HEADROOM_BITS below the review band, so the prior can rise.
        predictions = predictor.inference.predict(
            threshold_match_weight=_weight(lowest) - PRIOR_HEADROOM_BITS)
        scored = _with_node_ids(session.to_arrow(predictions), node_ids)
    model, scored = _with_prior_from_predictions(model, scored, profiles.num_rows, lowest)
    scored = scored.sort_by([("node_id_l", "ascending"), ("node_id_r", "ascending")])
    model_json = json.dumps(model, indent=2, sort_keys=True)
    return TrainedModel(
        predictions=scored,
        model_json=model_json,
        sha256=hashlib.sha256(model_json.encode()).hexdigest(),
        probability_two_random_records_match=model["probability_two_random_records_match"],
        blocks_not_trained=not_trained,
        training_seconds=trained - started,
        prediction_seconds=time.perf_counter() - trained,
    )


PRIOR_HEADROOM_BITS = 4.0  # the prior may move by up to 16 times from its first estimate
NUMBER = "node_number"


def _numbered(profiles: pa.Table) -> tuple[pa.Table, pa.ChunkedArray]:
    """The profiles, each numbered by the place of its node_id in node_id order, and the node_ids
    in number order: pairs are scored on the numbers, as Splink blocks and joins on whole numbers
    in half the time it takes on text ids. The numbers keep the ids' order, so each pair keeps its
    left and right. (The rows are not reordered: moving every list of a big table costs seconds.)"""
    order = pc.sort_indices(profiles["node_id"])
    numbers = pc.sort_indices(order).cast(pa.int64())  # the inverse of the order: each row's place in it
    return profiles.append_column(NUMBER, numbers), profiles["node_id"].take(order)


def _with_node_ids(scored: pa.Table, node_ids: pa.ChunkedArray) -> pa.Table:
    """Scored pairs with node_id_l and node_id_r again in place of their numbers (see _numbered)."""
    for side in ("l", "r"):
        index = scored.schema.get_field_index(f"{NUMBER}_{side}")
        scored = scored.set_column(index, f"node_id_{side}", node_ids.take(scored[f"{NUMBER}_{side}"]))
    return scored


def _weight(probability: float) -> float:
    return math.log2(probability / (1 - probability))


def _with_prior_from_predictions(model: dict, scored: pa.Table, nodes: int, lowest: float) -> tuple[dict, pa.Table]:
    """The prior re-estimated once from the trained model's own predictions: the expected number
    of matches (the sum of the probabilities of the pairs at or above the review band) over all
    pairs. The first estimate assumes exact name + date of birth finds deterministic_rules_recall
    of the matches, which depends on how messy the records are (about 0.56 on `trawl synth`, 0.3
    to 0.4 on FEBRL); the model's own count does not. A new prior moves every pair's match weight
    by the same amount, so the scores are what the saved model (with the new prior) gives; pairs
    then below `lowest` are dropped."""
    pairs = nodes * (nodes - 1) / 2
    confident = pc.greater_equal(scored["match_probability"], lowest)
    expected = pc.sum(pc.filter(scored["match_probability"], confident)).as_py() or 0.0
    before = model["probability_two_random_records_match"]
    if not pairs or expected <= 0:
        return model, pc.filter(scored, confident)
    shift = max(-PRIOR_HEADROOM_BITS, min(PRIOR_HEADROOM_BITS, _weight(min(expected / pairs, 0.5)) - _weight(before)))
    after = float(f"{1 / (1 + 2 ** -(_weight(before) + shift)):.10g}")
    shift = _weight(after) - _weight(before)
    weight = pc.add(scored["match_weight"], shift)
    probability = pc.divide(1.0, pc.add(1.0, pc.power(2.0, pc.negate(weight))))
    scored = scored.set_column(scored.schema.get_field_index("match_weight"), "match_weight", weight)
    scored = scored.set_column(scored.schema.get_field_index("match_probability"), "match_probability", probability)
    return {**model, "probability_two_random_records_match": after}, pc.filter(
        scored, pc.greater_equal(scored["match_probability"], lowest))


def _rounded(model: dict) -> dict:
    """Parameters to 10 significant figures: parallel sums in training differ in the last digits
    from run to run, and the model must be the same bytes whenever the data are the same."""
    def walk(value, key=None):
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if key in PARAMETERS and isinstance(value, float):
            return float(f"{value:.10g}")
        return value
    return walk(model)
