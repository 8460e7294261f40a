"""The data-quality suites: one YAML file per warehouse table, in expectations/suites/.

Suites are data so that a data officer or an auditor can read what is checked without reading
code. Each expectation is a Great Expectations expectation (`type` and its arguments, as in the
GX documentation) plus:

- `severity`: `critical` stops the run, so nothing from it is published; `warning` is reported only;
- `notes`: why it is checked, shown in Data Docs;
- `where` (optional): check only the rows where `<column> <operator> <value>`, e.g. `role == mother`.

Only expectation types whose results can be kept free of cell values are accepted: results go
into Dagster metadata and Data Docs, which must never show a name or a date of birth.
"""

import datetime
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SUITES_DIR = Path(__file__).parent / "suites"

# Row-level and structural expectations: with the result format in expectations.validation
# their results hold counts, row identifiers, column names and type names only. Aggregate
# expectations (a column's minimum, maximum, most common value ...) are left out on purpose:
# what they observe is a cell value, such as the earliest date of birth.
VALUE_FREE_TYPES = frozenset({
    "expect_table_columns_to_match_set",
    "expect_column_to_exist",
    "expect_column_values_to_be_of_type",
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_be_between",
    "expect_column_values_to_be_unique",
    "expect_compound_columns_to_be_unique",
    "expect_column_pair_values_a_to_be_greater_than_b",
})
SEVERITIES = ("critical", "warning")
PIPELINE_ORDER = ("raw", "staging", "linkage", "core", "marts")
# `today` as a bound stands for the date of the run, e.g. "no issue date in the future".
TODAY = "today"
_WHERE = re.compile(r"^\s*(\w+)\s*(==|!=|<=|>=|<|>)\s*(.+?)\s*$")
_SUITE_KEYS = {"table", "asset", "description", "row_ids", "expectations"}


class SuiteError(Exception):
    """A suite file is wrong: fix the YAML, not the data."""


@dataclass(frozen=True)
class RowCondition:
    """`where: column op value`: the expectation applies only to rows where this holds."""

    column: str
    operator: str
    value: Any


@dataclass(frozen=True)
class Expectation:
    type: str
    arguments: dict[str, Any]
    severity: str
    notes: str | None = None
    where: RowCondition | None = None

    def bound_arguments(self, today: datetime.date) -> dict[str, Any]:
        """Arguments with `today` filled in and dates as datetimes, which is what GX compares
        a date column with."""
        def bound(value):
            if value == TODAY:
                value = today
            if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
                return datetime.datetime.combine(value, datetime.time())
            return value

        return {name: bound(value) for name, value in self.arguments.items()}


@dataclass(frozen=True)
class Suite:
    name: str  # the table it checks, e.g. staging.legal; also the suite's name in Data Docs
    asset: str  # the Dagster asset that writes the table
    description: str
    row_ids: tuple[str, ...]  # columns that name a failing row without showing its values
    expectations: tuple[Expectation, ...]
    path: Path


def load_suites(folder: Path = SUITES_DIR) -> list[Suite]:
    """Every suite in `folder`, in the order the pipeline builds their tables."""
    suites = [load_suite(path) for path in folder.glob("*.yaml")]
    return sorted(suites, key=lambda suite: (_stage(suite), suite.name))


def _stage(suite: Suite) -> int:
    schema = suite.name.split(".")[0]
    return PIPELINE_ORDER.index(schema) if schema in PIPELINE_ORDER else len(PIPELINE_ORDER)


def load_suite(path: Path) -> Suite:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(document, dict) or set(document) != _SUITE_KEYS:
        raise SuiteError(f"{path}: a suite has exactly the keys {', '.join(sorted(_SUITE_KEYS))}")
    entries = document["expectations"]
    if not isinstance(entries, list) or not entries:
        raise SuiteError(f"{path}: 'expectations' should be a list of expectations")
    return Suite(
        name=document["table"],
        asset=document["asset"],
        description=" ".join(str(document["description"]).split()),
        row_ids=tuple(document["row_ids"]),
        expectations=tuple(_expectation(entry, f"{path}, expectation {n}") for n, entry in enumerate(entries, 1)),
        path=path,
    )


def _expectation(entry: object, place: str) -> Expectation:
    if not isinstance(entry, dict):
        raise SuiteError(f"{place}: should be a mapping with 'type' and 'severity'")
    arguments = dict(entry)
    kind = arguments.pop("type", None)
    severity = arguments.pop("severity", None)
    notes = arguments.pop("notes", None)
    where = arguments.pop("where", None)
    if kind not in VALUE_FREE_TYPES:
        raise SuiteError(
            f"{place}: type {kind!r} is not one whose results are free of cell values; "
            f"use one of {', '.join(sorted(VALUE_FREE_TYPES))}"
        )
    if severity not in SEVERITIES:
        raise SuiteError(f"{place}: severity must be {' or '.join(SEVERITIES)}, not {severity!r}")
    if "result_format" in arguments:
        raise SuiteError(f"{place}: result_format is set for all suites, so that no values are kept")
    return Expectation(kind, arguments, severity, notes, _row_condition(where, place))


def _row_condition(where: object, place: str) -> RowCondition | None:
    if where is None:
        return None
    match = _WHERE.match(str(where))
    if not match:
        raise SuiteError(f"{place}: 'where' should read '<column> <operator> <value>', e.g. 'role == mother'")
    column, operator, value = match.groups()
    return RowCondition(column, operator, yaml.safe_load(value))
