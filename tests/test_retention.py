"""`trawl purge`: personal data past retention goes, aggregates stay."""

import os
import time

import duckdb
from conftest import materialize_sources, query, write_source

from pipelines.cli import main


def test_purge_removes_old_personal_data_and_keeps_aggregates(landing, warehouse):
    old = write_source(landing, "legal", "legal_2019.csv", [dict(legal_ref="L1", issue_date="2019-01-01")])
    new = write_source(landing, "legal", "legal_2024.csv", [dict(legal_ref="L2", issue_date="2024-01-01")])
    assert materialize_sources(landing, warehouse, ["legal"]).success
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("create table marts.prevalence_by_year as select '2019/20' as financial_year, 1 as sets")
    two_years_ago = time.time() - 730 * 86400
    os.utime(old, (two_years_ago, two_years_ago))
    # A copy a launched run left unpromoted (its sensor was off) holds personal data too.
    stale_copy, fresh_copy = (warehouse.with_name(f"{warehouse.name}.run-{run}") for run in ("r1", "r2"))
    for copy in (stale_copy, fresh_copy):
        copy.write_bytes(warehouse.read_bytes())
    os.utime(stale_copy, (two_years_ago, two_years_ago))

    # The warehouse was refreshed today: its personal tables stay; only the old extract goes.
    assert main(["purge", "--warehouse", str(warehouse), "--older-than", "365", "--landing", str(landing)]) == 0
    assert not old.exists() and new.exists()
    assert not stale_copy.exists() and fresh_copy.exists()
    assert query(warehouse, "select count(*) from staging.legal") == [(2,)]

    # A warehouse not refreshed within the period loses every personal table, keeps the marts.
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("update raw.files set loaded_at = now()::timestamp - interval 400 days")
    assert main(["purge", "--warehouse", str(warehouse), "--older-than", "365", "--dry-run"]) == 0
    assert query(warehouse, "select count(*) from staging.legal") == [(2,)]
    assert main(["purge", "--warehouse", str(warehouse), "--older-than", "365"]) == 0
    schemas = {s for (s,) in query(warehouse, "select distinct schema_name from duckdb_tables()")}
    assert schemas == {"marts"}
    assert query(warehouse, "select sets from marts.prevalence_by_year") == [(1,)]
