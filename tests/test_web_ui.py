"""The Dagster web UI (`trawl ui`): assets grouped by stage and described for a practice lead,
the published headline tables shown on the assets, and the UI itself starting on this code location."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import dagster as dg
from conftest import materialize_sources
from outputs_fixtures import materialize_outputs, prevalence_tables, write_core_tables

from pipelines.cli import REPO_ROOT
from pipelines.definitions import build_definitions
from publish.disclosure import SUPPRESSED
from publish.published_tables import PUBLISHED_TABLES

STAGES = ("ingest", "staging", "linkage", "core", "marts", "publish")


def test_every_asset_has_a_stage_and_a_description(tmp_path):
    graph = build_definitions(tmp_path / "landing", tmp_path / "trawl.duckdb").resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.group_name in STAGES, key
        assert len(node.description or "") > 40, key
    assert {graph.get(key).group_name for key in graph.get_all_asset_keys()} == set(STAGES)
    for check in graph.asset_check_keys:
        assert graph.get_check_spec(check).description, check


def _markdown_rows(markdown: str) -> list[dict[str, str]]:
    header, _, *rows = markdown.splitlines()
    columns = [cell.strip() for cell in header.strip("|").split("|")]
    return [dict(zip(columns, (cell.strip() for cell in row.strip("|").split("|")))) for row in rows]


def test_published_tables_show_on_their_assets_with_small_counts_hidden(landing, warehouse, tmp_path):
    assert materialize_sources(landing, warehouse, ["case_file_review"]).success
    write_core_tables(warehouse, prevalence_tables())  # 2020/21 has 3 sets: hidden
    result = materialize_outputs(warehouse, tmp_path / "outputs")
    shown = {
        event.asset_key.path[-1].removeprefix("marts_published_"): event.materialization.metadata["published_table"]
        for event in result.get_asset_materialization_events()
        if event.asset_key.path[-1].startswith("marts_published_")
    }
    assert set(shown) == set(PUBLISHED_TABLES)
    for name, metadata in shown.items():
        assert isinstance(metadata, dg.MarkdownMetadataValue)
        rows = _markdown_rows(metadata.value)
        assert rows or name == "service_outcomes", name  # no participant list here: an empty table
        for row in rows:
            for column in PUBLISHED_TABLES[name].counts:
                cell = row[column]
                assert cell in ("", SUPPRESSED) or not 1 <= float(cell) < 5, (name, row)
    years = {row["financial_year"]: row for row in _markdown_rows(shown["prevalence_by_year"].value)}
    assert years["2020/21"]["sets"] == SUPPRESSED and years["all"]["sets"] == "28"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def test_trawl_ui_serves_the_assets_by_stage(tmp_path):
    """Starts `trawl ui` on a free loopback port, asks it for the assets, and stops it."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "ui", "--port", str(port),
         "--landing", str(tmp_path / "landing"), "--warehouse", str(tmp_path / "trawl.duckdb")],
        cwd=REPO_ROOT, env={**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster_home")},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, "trawl ui stopped"
            try:
                assert "dagster_webserver_version" in _get(f"http://127.0.0.1:{port}/server_info")
                nodes = _get(f"http://127.0.0.1:{port}/graphql",
                             {"query": "{ assetNodes { assetKey { path } groupName } }"})["data"]["assetNodes"]
                if nodes:
                    break
            except (OSError, KeyError, TypeError):
                pass  # not up yet, or the code location still loading
            assert time.monotonic() < deadline, "trawl ui did not answer within two minutes"
            time.sleep(1)
        groups = {node["assetKey"]["path"][-1]: node["groupName"] for node in nodes}
        assert groups["marts_published_prevalence_by_year"] == "publish"
        assert set(groups.values()) == set(STAGES)
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # dagster dev and the webserver and daemon it started
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
