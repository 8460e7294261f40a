"""Validate a warehouse table against its suite with Great Expectations, keeping values out.

GX is told not to keep unexpected values and to name failing rows by the suite's `row_ids`
instead (file and row number, or a pseudonymous key). The result is then cut down to counts,
row identifiers, column names and type names before anything stores or shows it; an expectation
that raised keeps no message or traceback, because those can quote a value.
"""

import datetime
import operator
import warnings
from dataclasses import dataclass

# GX imports pyspark (installed for the Spark linkage engine) if it is there, and pyspark warns
# on every import that it does not yet fully support pandas 3; GX never uses it here.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd
from great_expectations.core import ExpectationSuiteValidationResult
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.expectations.row_conditions import Column

from expectations.suites import Expectation, Suite

SAMPLE_ROWS = 5
# What a result may keep. Structural expectations observe column and type names, never values.
_COUNTS = {
    "element_count", "missing_count", "missing_percent", "unexpected_count", "unexpected_percent",
    "unexpected_percent_total", "unexpected_percent_nonmissing", "unexpected_index_column_names",
    "partial_unexpected_index_list",
}
_STRUCTURE = {"observed_value", "details"}
_STRUCTURAL_TYPES = {
    "expect_table_columns_to_match_set", "expect_column_to_exist", "expect_column_values_to_be_of_type",
}
NOT_EVALUATED = (
    "could not be evaluated: the check itself failed (its error is not kept, as it may quote a value)"
)
_OPERATORS = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt,
    "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


@dataclass(frozen=True)
class Failure:
    """One failed expectation, as Dagster metadata and Data Docs may show it."""

    expectation: str  # e.g. "column_values_to_be_in_set (role)"
    severity: str
    unexpected_count: int | None
    unexpected_percent: float | None
    sample_rows: list[str]  # e.g. "legal/legal_2019.csv row 4"
    note: str | None  # what a structural expectation found, or why it could not be evaluated


def ephemeral_context(config: DataContextConfig | None = None):
    """A GX context kept in memory, without progress bars (they would fill the run's logs) or
    usage statistics (the pipeline runs on machines without internet)."""
    config = config or DataContextConfig(store_backend_defaults=InMemoryStoreBackendDefaults())
    config.analytics_enabled = False
    config.progress_bars = ProgressBarsConfig(globally=False)
    return gx.get_context(mode="ephemeral", project_config=config)


def gx_suite(suite: Suite, today: datetime.date) -> gx.ExpectationSuite:
    return gx.ExpectationSuite(
        name=suite.name,
        expectations=[_gx_expectation(e, today) for e in suite.expectations],
        meta={"notes": {"format": "markdown", "content": [suite.description]}},
    )


# Data Docs pages show an expectation's notes but not its severity, so the notes say it first.
_SEVERITY_NOTES = {
    "critical": "Critical: a failure stops the run.",
    "warning": "Warning: a failure is reported only.",
}


def _gx_expectation(expectation: Expectation, today: datetime.date) -> gxe.Expectation:
    kind = "".join(part.capitalize() for part in expectation.type.split("_"))
    condition = expectation.where
    row_condition = (
        {"row_condition": _OPERATORS[condition.operator](Column(condition.column), condition.value)}
        if condition else {}
    )
    return getattr(gxe, kind)(
        **expectation.bound_arguments(today),
        **row_condition,
        severity=expectation.severity,
        notes=" ".join(filter(None, [_SEVERITY_NOTES[expectation.severity], expectation.notes])),
    )


def validate(
    suite: Suite, frame: pd.DataFrame, run_name: str, today: datetime.date | None = None
) -> ExpectationSuiteValidationResult:
    """Validate one table's rows. Failing rows are named by the suite's row_ids only."""
    context = ephemeral_context()
    batch = (
        context.data_sources.add_pandas("warehouse")
        .add_dataframe_asset(suite.name)
        .add_batch_definition_whole_dataframe("whole table")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    row_ids = [column for column in suite.row_ids if column in frame.columns]
    result = batch.validate(
        gx_suite(suite, today or datetime.date.today()),
        result_format={
            "result_format": "SUMMARY",
            "exclude_unexpected_values": True,
            "include_unexpected_rows": False,
            "return_unexpected_index_query": False,
            "unexpected_index_column_names": row_ids,
            "partial_unexpected_count": SAMPLE_ROWS if row_ids else 0,
        },
    )
    run_time = datetime.datetime.now(datetime.timezone.utc)
    result.meta["run_id"] = RunIdentifier(run_name=run_name, run_time=run_time)
    result.meta["validation_time"] = run_time
    return without_values(result, row_ids)


def without_values(
    result: ExpectationSuiteValidationResult, row_ids: list[str]
) -> ExpectationSuiteValidationResult:
    """Keep counts, at most SAMPLE_ROWS row identifiers, and column and type names; nothing else."""
    # A hash of the whole table: nothing a reader needs, and it is derived from personal data.
    result.meta.get("batch_markers", {}).pop("pandas_data_fingerprint", None)
    for outcome in result.results:
        kept = _COUNTS | (_STRUCTURE if outcome.expectation_config.type in _STRUCTURAL_TYPES else set())
        outcome.result = {key: value for key, value in (outcome.result or {}).items() if key in kept}
        if "partial_unexpected_index_list" in outcome.result:
            outcome.result["partial_unexpected_index_list"] = _sample_row_ids(
                outcome.result["partial_unexpected_index_list"], row_ids
            )
        if _raised(outcome.exception_info or {}):
            outcome.exception_info = {
                "raised_exception": True, "exception_message": NOT_EVALUATED, "exception_traceback": None,
            }
    return result


def _raised(exception_info: dict) -> bool:
    """GX reports an exception either flat or per metric that failed."""
    if "raised_exception" in exception_info:
        return bool(exception_info["raised_exception"])
    return any(isinstance(info, dict) and info.get("raised_exception") for info in exception_info.values())


def _sample_row_ids(index_list: list[dict], row_ids: list[str]) -> list[dict]:
    """GX gives one mapping of row-id column -> values for all failing rows (or, when told to
    keep values, one mapping per row that includes the failing value): keep row ids only."""
    rows: list[tuple] = []
    for entry in index_list:
        columns = [entry.get(column) for column in row_ids]
        if all(isinstance(values, list) for values in columns):
            rows.extend(zip(*columns))
        else:
            rows.append(tuple(columns))
    return [dict(zip(row_ids, (_plain(v) for v in row))) for row in rows[:SAMPLE_ROWS]]


def _plain(value):
    """numpy scalars as Python ones, so the result stores as JSON."""
    return value.item() if hasattr(value, "item") else value


def failures(result: ExpectationSuiteValidationResult) -> list[Failure]:
    """The failed expectations, critical ones first."""
    found = []
    for outcome in result.results:
        if outcome.success:
            continue
        config = outcome.expectation_config
        details = outcome.result or {}
        found.append(Failure(
            expectation=_describe(config),
            severity=str(getattr(config.severity, "value", config.severity)),
            unexpected_count=details.get("unexpected_count"),
            unexpected_percent=details.get("unexpected_percent"),
            sample_rows=[_row_label(row) for row in details.get("partial_unexpected_index_list", [])],
            note=NOT_EVALUATED if _raised(outcome.exception_info or {}) else _structure_note(details),
        ))
    return sorted(found, key=lambda failure: failure.severity != "critical")


def _structure_note(details: dict) -> str | None:
    """Column names or a type name: what a structural expectation observed instead."""
    mismatched = (details.get("details") or {}).get("mismatched")
    if mismatched:
        return "; ".join(
            f"{kind} columns: {', '.join(columns)}" for kind, columns in mismatched.items() if columns
        )
    if isinstance(details.get("observed_value"), str):
        return f"column type is {details['observed_value']}"
    return None


def _describe(config) -> str:
    """`column_values_to_be_in_set (role)`, plus `where ...` for a conditional expectation."""
    kwargs = config.kwargs
    columns = (
        [kwargs["column"]] if "column" in kwargs
        else [kwargs["column_A"], kwargs["column_B"]] if "column_A" in kwargs
        else list(kwargs.get("column_list", []))
    )
    text = config.type.removeprefix("expect_") + (f" ({', '.join(columns)})" if columns else "")
    condition = kwargs.get("row_condition")
    if not condition:
        return text
    if not isinstance(condition, dict):
        condition = condition.dict()
    return f"{text} where {condition['column']['name']} {condition['operator']} {condition['parameter']}"


def _row_label(row: dict) -> str:
    if set(row) == {"file_name", "row_number"}:
        return f"{row['file_name']} row {row['row_number']}"
    return ", ".join(f"{column} {value}" for column, value in row.items())


def critical_failed(result: ExpectationSuiteValidationResult) -> bool:
    return any(f.severity == "critical" for f in failures(result))
