"""Data-quality checks: each suite in expectations/suites/ as an asset check on its table.

Every check is blocking. When a critical expectation fails, the check fails with ERROR: nothing
downstream runs, the run fails, and the CLI keeps the previous warehouse, so no wrong figure is
published. When only warnings fail, the check fails with WARN and the run carries on. Metadata
holds counts and row identifiers (file and row number, or a pseudonymous key), never a value.
Each check also updates the Data Docs in <outputs>/data_docs/.

Suites for tables built by later stages (linkage, core, marts) attach to those assets by key:
until those assets exist their checks are simply not part of the job.
"""

import datetime
import functools
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource
from duckdb import CatalogException

from expectations.suites import Suite, load_suites
from publish.output_folder import OutputFolder

SUITES = load_suites()


def build_quality_check(suite: Suite) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=suite.asset,
        name="expectations",
        blocking=True,
        pool="warehouse",
        description=f"{suite.description} (suite: expectations/suites/{suite.path.name})",
    )
    def quality_check(
        context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource, outputs: OutputFolder
    ) -> dg.AssetCheckResult:
        # Great Expectations takes seconds to import: only checks that run pay for it, so the
        # code location loads quickly.
        from expectations.validation import failures, validate

        try:
            with duckdb.get_connection() as conn:
                frame = conn.execute(f"select * from {suite.name}").df()
        except CatalogException:
            return dg.AssetCheckResult(
                passed=False,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={"problem": f"{suite.name} does not exist: materialise {suite.asset} first"},
            )
        # In row order, so the failing rows named are the first ones in each file.
        present_ids = [column for column in suite.row_ids if column in frame.columns]
        frame = frame.sort_values(present_ids, ignore_index=True) if present_ids else frame

        today = datetime.date.today()
        result = validate(suite, frame, run_name=context.run.run_id, today=today)
        index = _data_docs(outputs.folder("data_docs"), today).publish(result)
        evaluated = result.statistics["evaluated_expectations"]
        return _check_result(context, suite, evaluated, failures(result), index)

    return quality_check


@functools.lru_cache(maxsize=4)
def _data_docs(folder: Path, today: datetime.date):
    """The Data Docs of one folder, kept while the process runs that day (see DataDocs)."""
    from expectations.data_docs import DataDocs

    return DataDocs(folder, SUITES, today)


def _check_result(context, suite: Suite, evaluated: int, found: list, index: Path) -> dg.AssetCheckResult:
    critical = sum(f.severity == "critical" for f in found)
    warnings = len(found) - critical
    context.log.info(
        f"{suite.name}: {evaluated} expectations, {len(found)} failed "
        f"({critical} critical, {warnings} warning). Data Docs: {index}"
    )
    return dg.AssetCheckResult(
        passed=not found,
        severity=dg.AssetCheckSeverity.ERROR if critical else dg.AssetCheckSeverity.WARN,
        description=f"{len(found)} of {evaluated} expectations failed" if found else None,
        metadata={
            "expectations": evaluated,
            "failed_critical": critical,
            "failed_warning": warnings,
            "failures": dg.MetadataValue.md(_failures_table(found)),
            "suite": dg.MetadataValue.path(str(suite.path)),
            "data_docs": dg.MetadataValue.path(str(index)),
        },
    )


def _failures_table(found) -> str:
    if not found:
        return "_every expectation passed_"
    lines = ["| severity | expectation | failing rows | first failing rows |", "|---|---|---|---|"]
    for failure in found:
        count = failure.note or (
            f"{failure.unexpected_count:,} ({failure.unexpected_percent:.1f}%)"
            if failure.unexpected_count is not None and failure.unexpected_percent is not None
            else ""
        )
        lines.append(
            f"| {failure.severity} | {failure.expectation} | {count} | {'; '.join(failure.sample_rows)} |"
        )
    return "\n".join(lines)


quality_checks = [build_quality_check(suite) for suite in SUITES]
