"""Do the published tables of a full-size run survive the linear-programming attack?

For each size, `trawl demo` writes synthetic extracts for several authorities and runs the whole
pipeline (whose publish assets suppress until the audit passes); then the disclosure audit
(publish/disclosure_audit.py) is run again, from the published by-authority tables alone, and
must find nothing. Prints, per size: findings, cells shown as c of all count cells (in all and per
table, by authority and in the overall rows), the audit's time,
and how the overall headline figures came out.

    nice -n 10 .venv/bin/python benchmarks/disclosure_audit.py --mothers 6000 --authorities 3 [--seed 1] [--dir DIR]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from publish.disclosure import SUPPRESSED  # noqa: E402
from publish.disclosure_audit import audit  # noqa: E402
from publish.published_tables import AUTHORITY_ORDER, PUBLISHED_TABLES  # noqa: E402
from publish.settings import load_output_settings  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mothers", type=int, nargs="+", default=[6000])
    parser.add_argument("--authorities", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", default=None, help="where the demo runs go (default: a temporary folder)")
    args = parser.parse_args()
    base = Path(args.dir or tempfile.mkdtemp(prefix="trawl-audit-"))
    threshold = load_output_settings().smallest_count_shown
    failed = False
    for mothers in args.mothers:
        run_dir = base / f"m{mothers}"
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "demo", "--mothers", str(mothers), "--seed", str(args.seed),
             "--authorities", str(args.authorities), "--dir", str(run_dir)],
            cwd=REPO_ROOT, check=True, stdout=subprocess.DEVNULL,
            env={**os.environ, "DAGSTER_HOME": str(run_dir / "dagster_home")},
        )
        pipeline_seconds = time.perf_counter() - started
        with duckdb.connect(str(run_dir / "trawl.duckdb"), read_only=True) as conn:
            tables = {
                name: conn.execute(f"select * from marts.published_{name}_by_authority "
                                   f"order by {AUTHORITY_ORDER}, {table.order_by}").fetch_df()
                for name, table in PUBLISHED_TABLES.items()
            }
        started = time.perf_counter()
        findings = audit(tables, threshold)
        audit_seconds = time.perf_counter() - started
        hidden = shown = 0
        by_table = []
        for name, table in PUBLISHED_TABLES.items():
            cells = tables[name][list(table.counts)]
            everyone = cells[tables[name]["la_code"] == "all"]
            hidden += int((cells == SUPPRESSED).sum().sum())
            shown += int(cells.notna().sum().sum())
            by_table.append(f"{name} {int((cells == SUPPRESSED).sum().sum()):,} of {int(cells.notna().sum().sum()):,} "
                            f"(overall rows {int((everyone == SUPPRESSED).sum().sum())} of {int(everyone.notna().sum().sum())})")
        everyone = tables["prevalence_by_year"].query("la_code == 'all' and financial_year == 'all'").iloc[0]
        returns = tables["return_within_years"].query("la_code == 'all' and group_name == 'all'")
        shown_years = [int(y) for y, p in zip(returns["years"], returns["probability"]) if p not in (SUPPRESSED, None)]
        print(f"{mothers:,} mothers, {args.authorities} authorities, seed {args.seed}: pipeline {pipeline_seconds:.0f} s; "
              f"audit {audit_seconds:.1f} s, {len(findings)} findings; {hidden:,} of {shown:,} count cells shown as c; "
              f"overall: {everyone['sets']} sets, {everyone['recurrent_sets']} recurrent; return estimate shown for "
              f"years {shown_years}")
        print("  count cells shown as c, by authority and overall: " + "; ".join(by_table))
        for finding in findings[:20]:
            print(f"  {finding}")
        failed |= bool(findings)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
