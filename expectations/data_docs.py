"""Data Docs: what each suite checks and what the runs found, as static HTML for auditors.

Great Expectations' site builder writes a page per suite (its expectations in plain English) and
one per validation result, from results kept as JSON in `validation_results/`. Its own index page
draws its table with JavaScript fetched from the internet, so it is blank on a machine without
internet access; this module writes a plain `index.html` instead: every suite with its latest
result, and links to earlier ones. Results reach here only after expectations.validation has
removed every value, so no page can show a name or a date of birth.
"""

import datetime
import html
import os
from pathlib import Path

from great_expectations.core import ExpectationSuiteValidationResult
from great_expectations.data_context.types.base import DataContextConfig, InMemoryStoreBackendDefaults
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)
from great_expectations.render.renderer.site_builder import SiteBuilder

from expectations.suites import Suite
from expectations.validation import Failure, critical_failed, ephemeral_context, failures, gx_suite

RESULTS_FOLDER = "validation_results"


class DataDocs:
    """The Data Docs folder (e.g. <outputs>/data_docs) for a set of suites.

    Keep one per folder for a while: GX compiles its page templates once per site builder.
    """

    def __init__(self, folder: Path, suites: list[Suite], today: datetime.date):
        self.folder = folder.resolve()  # GX stores want absolute paths
        self.suites = suites
        stores = InMemoryStoreBackendDefaults()
        stores.stores[stores.validation_results_store_name]["store_backend"] = {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(self.folder / RESULTS_FOLDER),
        }
        self._context = ephemeral_context(DataContextConfig(store_backend_defaults=stores))
        for suite in suites:
            self._context.suites.add(gx_suite(suite, today))
        self._site = SiteBuilder(
            data_context=self._context,
            store_backend={"class_name": "TupleFilesystemStoreBackend", "base_directory": str(self.folder)},
            site_name="trawl",
            show_how_to_buttons=False,
        )

    @property
    def index(self) -> Path:
        return self.folder / "index.html"

    def publish(self, result: ExpectationSuiteValidationResult) -> Path:
        """Keep a suite's result, render its pages, and rewrite the index."""
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=result.suite_name),
            run_id=result.meta["run_id"],
            batch_identifier=result.suite_name,
        )
        self._context.validation_results_store.set(key, result)
        # This suite's pages, and any suite's page not written yet: a table that is not built
        # yet still shows what will be checked.
        missing = [
            ExpectationSuiteIdentifier(name=suite.name)
            for suite in self.suites
            if not (self.folder / _suite_page(suite.name)).exists()
        ]
        self._site.build(resource_identifiers=[key, key.expectation_suite_identifier, *missing], build_index=False)
        self._write_index()
        return self.index

    def _write_index(self) -> None:
        keys_by_suite: dict[str, list[ValidationResultIdentifier]] = {}
        for key in self._context.validation_results_store.list_keys():
            keys_by_suite.setdefault(key.expectation_suite_identifier.name, []).append(key)
        for keys in keys_by_suite.values():
            keys.sort(key=lambda k: k.run_id.run_time, reverse=True)
        rows = []
        earlier = []
        for suite in self.suites:
            keys = keys_by_suite.get(suite.name, [])
            latest = self._context.validation_results_store.get(keys[0]) if keys else None
            rows.append(_suite_row(suite, keys[0] if keys else None, latest))
            earlier.extend(
                f'<li>{_e(suite.name)}: <a href="{_result_page(k)}">{_e(_when(k))}, run {_e(k.run_id.run_name)}</a></li>'
                for k in keys[1:]
            )
        page = _PAGE.format(
            built=_e(datetime.datetime.now().astimezone().strftime("%d %B %Y %H:%M")),
            rows="\n".join(rows),
            earlier="\n".join(earlier) or "<li>none yet</li>",
        )
        partial = self.index.with_suffix(".html.partial")
        partial.write_text(page, encoding="utf-8")
        os.replace(partial, self.index)  # a reader never sees half an index


def _suite_row(suite: Suite, key: ValidationResultIdentifier | None, result) -> str:
    table = f'<a href="{_suite_page(suite.name)}">{_e(suite.name)}</a>'
    if result is None:
        return (
            f'<tr class="not-run"><td>{table}</td><td>{_e(suite.description)}</td>'
            '<td>not run yet</td><td></td><td></td><td></td></tr>'
        )
    found = failures(result)
    if critical_failed(result):
        status, css = "failed: the run stopped", "error"
    elif found:
        status, css = "passed with warnings", "warning"
    else:
        status, css = "passed", "passed"
    return (
        f'<tr class="{css}"><td>{table}</td><td>{_e(suite.description)}</td>'
        f'<td><a href="{_result_page(key)}">{status}</a></td>'
        f'<td>{_e(_when(key))}<br><small>run {_e(key.run_id.run_name)}</small></td>'
        f"<td>{result.statistics['evaluated_expectations']}</td>"
        f"<td>{_failures_list(found)}</td></tr>"
    )


def _failures_list(found: list[Failure]) -> str:
    if not found:
        return "none"
    items = []
    for failure in found:
        count = failure.unexpected_count
        rows = f"{count:,} row{'' if count == 1 else 's'}" if count is not None else failure.note or ""
        first = f"; first: {'; '.join(failure.sample_rows)}" if failure.sample_rows else ""
        items.append(f"<li><b>{_e(failure.severity)}</b> {_e(failure.expectation)}: {_e(rows)}{_e(first)}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def _suite_page(name: str) -> str:
    return "expectations/" + "/".join(ExpectationSuiteIdentifier(name=name).to_tuple()) + ".html"


def _result_page(key: ValidationResultIdentifier) -> str:
    return "validations/" + "/".join(key.to_tuple()) + ".html"


def _when(key: ValidationResultIdentifier) -> str:
    return key.run_id.run_time.astimezone().strftime("%d %B %Y %H:%M")


def _e(text: str) -> str:
    return html.escape(str(text))


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>trawl: data quality</title>
<style>
  body {{ font-family: sans-serif; margin: 2em; max-width: 75em; }}
  table {{ border-collapse: collapse; }}
  th, td {{ border: 1px solid #ccc; padding: 0.4em; text-align: left; vertical-align: top; }}
  tr.error td {{ background: #fbe3e4; }}
  tr.warning td {{ background: #fff6d6; }}
  tr.passed td {{ background: #e6f4e6; }}
  tr.not-run td {{ color: #666; }}
</style>
</head>
<body>
<h1>trawl: data quality</h1>
<p>Every warehouse table is checked against a suite of expectations each time the trawl runs.
A failed <b>critical</b> expectation stops the run: nothing from it is published and the previous
warehouse is kept. A failed <b>warning</b> is reported only. Follow a table's name for what its suite
checks and why, and a result for the rows that failed.</p>
<p>No names or dates of birth appear here: failing rows are named by file and row number (or by a
pseudonymous key), which a data officer can look up in the warehouse.</p>
<table id="latest">
<thead><tr><th>table</th><th>what is checked</th><th>latest result</th><th>when</th>
<th>expectations</th><th>failed (with the first failing rows)</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
<h2>Earlier results</h2>
<ul id="earlier">
{earlier}
</ul>
<p><small>Built {built}. The results as JSON are in validation_results/.</small></p>
</body>
</html>
"""
