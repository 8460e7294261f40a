"""The Splink model that says whether two profiles (linkage.<role>_profiles) are one person.

A profile holds lists (every spelling, date of birth, Cafcass id... its records give), so each
comparison asks whether the two lists share a value, or nearly do. Names count for more when
they are uncommon and agree through nicknames and former surnames; dates of birth agree through
day/month swaps. Beyond names and date of birth the model weighs Cafcass person ids (strong,
though a woman can carry two), postcode districts and the other parent in her sets.

Training follows Splink's guidance and is deterministic: the prior from exact matches with an
assumed recall, u from a seeded random sample, m by expectation maximisation on two blocks (same
date of birth; same forename and surname), each estimating what the other block holds fixed.
"""

import hashlib
import json
import logging
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule

from linkage.settings import LinkageSettings

# Training blocks: the first (sorted) value of each list, as equality joins are fast.
SAME_FIRST_DOB = "l.dobs[1] = r.dobs[1]"
SAME_FIRST_NAMES = "l.forenames[1] = r.forenames[1] and l.surnames[1] = r.surnames[1]"
TRAINING_BLOCKS = {"same date of birth": SAME_FIRST_DOB, "same forename and surname": SAME_FIRST_NAMES}
PARAMETERS = {"m_probability", "u_probability", "probability_two_random_records_match"}


@dataclass(frozen=True)
class TrainedModel:
    predictions: pa.Table  # node_id_l, node_id_r, match_weight, match_probability, mw_<comparison>
    model_json: str
    sha256: str
    probability_two_random_records_match: float
    blocks_not_trained: list[str]  # training blocks too small to estimate from (see train_and_predict)


def _best_similarity(column: str) -> str:
    """The closest pair of names across the two lists (Jaro-Winkler)."""
    return (
        f"list_max(list_transform({column}_l, lambda a: list_max(list_transform({column}_r, "
        f"lambda b: jaro_winkler_similarity(a, b)))))"
    )


def _fewest_keying_slips(column: str) -> str:
    """The fewest keying edits between any two dates (as YYYYMMDD) across the two lists."""
    return (
        f"list_min(list_transform({column}_l, lambda a: list_min(list_transform({column}_r, "
        f"lambda b: damerau_levenshtein(strftime(a, '%Y%m%d'), strftime(b, '%Y%m%d'))))))"
    )


def _missing(column: str) -> cll.CustomLevel:
    return cll.CustomLevel(
        f"coalesce(len({column}_l), 0) = 0 or coalesce(len({column}_r), 0) = 0", f"{column}: not recorded on one side"
    ).configure(is_null_level=True)


def _shared(column: str, label: str) -> cll.CustomLevel:
    return cll.CustomLevel(f"list_has_any({column}_l, {column}_r)", label)


def _comparisons(role: str) -> list[cl.CustomComparison]:
    partner = "the father in her sets" if role == "mother" else "the woman who is mother in his sets"
    return [
        cl.CustomComparison(
            output_column_name="forename",
            comparison_description="Forenames: the same, a known variant (nickname), or a near spelling",
            comparison_levels=[
                _missing("forenames"),
                _shared("uncommon_forenames", "same uncommon forename (under 1 in 100 records)"),
                _shared("forenames", "same forename"),
                _shared("forename_groups", "forename variant (nickname table)"),
                cll.CustomLevel(f"{_best_similarity('forenames')} >= 0.88", "forename spelt nearly the same"),
                cll.ElseLevel(),
            ],
        ),
        cl.CustomComparison(
            output_column_name="surname",
            comparison_description="Surnames, including parts of double-barrelled names and former surnames",
            comparison_levels=[
                _missing("surnames"),
                _shared("surnames", "same surname (or former surname)"),
                cll.CustomLevel(f"{_best_similarity('surnames')} >= 0.9", "surname spelt nearly the same"),
                cll.ElseLevel(),
            ],
        ),
        cl.CustomComparison(
            output_column_name="dob",
            comparison_description="Date of birth: the same, day and month swapped, or one keying slip apart",
            comparison_levels=[
                _missing("dobs"),
                _shared("dobs", "same date of birth"),
                _shared("dob_tokens", "date of birth with day and month swapped"),
                cll.CustomLevel(f"{_fewest_keying_slips('dobs')} <= 1", "date of birth one keying slip apart"),
                cll.ElseLevel(),
            ],
        ),
        cl.CustomComparison(
            output_column_name="cafcass_id",
            comparison_description="Cafcass person ids: shared, or both known and none shared",
            comparison_levels=[_missing("cafcass_ids"), _shared("cafcass_ids", "shared Cafcass person id"), cll.ElseLevel()],
        ),
        cl.CustomComparison(
            output_column_name="postcode",
            comparison_description="Postcode districts",
            comparison_levels=[_missing("postcodes"), _shared("postcodes", "shared postcode district"), cll.ElseLevel()],
        ),
        cl.CustomComparison(
            output_column_name="partner",
            comparison_description=f"The other parent: {partner}",
            comparison_levels=[_missing("partner_tokens"), _shared("partner_tokens", f"same {partner}"), cll.ElseLevel()],
        ),
    ]


def _settings(role: str) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="node_id",
        comparisons=_comparisons(role),
        # The keys are built in linkage_person_profiles.sql, which says why these and not others.
        blocking_rules_to_generate_predictions=[
            block_on("dob_forename_tokens", arrays_to_explode=["dob_forename_tokens"]),
            block_on("dob_surname_tokens", arrays_to_explode=["dob_surname_tokens"]),
            block_on("name_birth_month_tokens", arrays_to_explode=["name_birth_month_tokens"]),
            block_on("cafcass_ids", arrays_to_explode=["cafcass_ids"]),
            CustomRule("l.name_tokens = r.name_tokens and (len(l.dobs) = 0 or len(r.dobs) = 0)",
                       arrays_to_explode=["name_tokens"]),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,
        # Fixed, so the saved model is the same bytes whenever the data are the same.
        linker_uid=f"trawl_{role}s",
    )


def train_and_predict(profiles: pa.Table, role: str, settings: LinkageSettings) -> TrainedModel:
    """Train on the profiles, save the model, and score with the saved model every blocked pair
    at or above the review band."""
    role_settings = settings.role(role)
    with duckdb.connect() as session:
        db_api = DuckDBAPI(connection=session)
        profiles_table = db_api.register(profiles, table_name=f"{role}_profiles")
        trainer = Linker(profiles_table, _settings(role), log_level=logging.WARNING)
        trainer.training.estimate_probability_two_random_records_match(
            [f"{SAME_FIRST_NAMES} and {SAME_FIRST_DOB}"], recall=settings.deterministic_rules_recall
        )
        trainer.training.estimate_u_using_random_sampling(max_pairs=settings.u_max_pairs, seed=settings.seed)
        # Blocks written on the compared columns, so Splink knows which comparison each one fixes
        # and leaves it out of that block's estimates.
        not_trained = []
        for name, block in TRAINING_BLOCKS.items():
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
        predictor = Linker(profiles_table, model, log_level=logging.WARNING)
        predictions = predictor.inference.predict(
            threshold_match_probability=min(role_settings.review_low, role_settings.match_threshold)
        )
        scored = predictions.as_duckdbpyrelation().order("node_id_l, node_id_r").to_arrow_table()
    model_json = json.dumps(model, indent=2, sort_keys=True)
    return TrainedModel(
        predictions=scored,
        model_json=model_json,
        sha256=hashlib.sha256(model_json.encode()).hexdigest(),
        probability_two_random_records_match=model["probability_two_random_records_match"],
        blocks_not_trained=not_trained,
    )


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
