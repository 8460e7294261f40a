"""How far the published figures move with the links the model is unsure of.

`marts_linkage_sensitivity` recomputes the key estimates (recurrent sets and %, recurrent
mothers, the return within 1..7 years for every group, the cost scenario's local figures) under
the other clusterings of the same scored pairs (linkage/clustering_variants.py: lower, upper and
optional seeded draws), with clerical decisions fixed in each. Each variant runs the pipeline's
own assets, from the mother clusters to the marts, on a scratch catalog, so the figures are
computed exactly as the published ones are. `marts_published_linkage_sensitivity` is its
disclosure-controlled copy (publish/linkage_sensitivity.py), read by the report and workbook.
"""

import time

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource
from scipy.stats import binomtest

from assets.linkage_core import core_mother_proceedings, core_mothers
from assets.linkage_people import linkage_mother_clusters, linkage_person_clusters
from assets.marts import (
    _rebuild_by_authority,
    marts_cost_estimates,
    marts_prevalence_by_year,
    marts_return_within_years,
    sql,
)
from assets.publish import build_published_asset
from linkage.clustering_variants import (
    VariantLinkageConfig,
    VariantPseudonymiser,
    clustering_variants,
    load_sensitivity_settings,
    scratch_catalog,
)
from linkage.pseudonyms import Pseudonymiser
from linkage.settings import LinkageConfig
from publish.linkage_sensitivity import SENSITIVITY_TABLE
from publish.settings import load_output_settings
from warehouse.schema import ensure_warehouse

# Run in this order on each variant, after its mother clusters; between them they write REBUILT.
AFTER_CLUSTERS = (core_mother_proceedings, core_mothers, marts_prevalence_by_year, marts_return_within_years,
                  marts_cost_estimates)
REBUILT = [
    "linkage.mother_clusters", "linkage.person_clusters", "core.mother_proceedings", "core.mothers",
    *(f"marts.{name}{suffix}" for name in ("prevalence_by_year", "return_within_years", "cost_estimates")
      for suffix in ("", "_by_authority")),
]


def key_estimates(conn, variant: str, confidence_level: float) -> pd.DataFrame:
    """The key estimates of the clustering `conn` sees, with a Wilson interval for each
    percentage of sets (so the linkage range can be widened by sampling error, as for returns)."""
    frame = conn.execute(sql("marts_linkage_estimates")).fetch_df()
    frame.insert(0, "variant", variant)
    for row in frame.index[(frame["estimate"] == "recurrent_pct") & (frame["trials"] > 0)]:
        interval = binomtest(int(frame.at[row, "base_count"]), int(frame.at[row, "trials"])).proportion_ci(
            confidence_level, method="wilson")
        frame.at[row, "ci_low"] = round(100 * interval.low, 1)
        frame.at[row, "ci_high"] = round(100 * interval.high, 1)
    return frame


def _database(resource: DuckDBResource) -> str:
    """The file the resource opens (a run's copy of the warehouse, for a launched run)."""
    return getattr(resource, "path", resource.database)


@dg.asset(
    name="marts_linkage_sensitivity",
    group_name="marts",
    kinds={"duckdb"},
    pool="warehouse",
    deps=[linkage_mother_clusters, linkage_person_clusters, "linkage_clerical_decisions", *AFTER_CLUSTERS],
    description=(
        "How far each key estimate moves with the links the model is unsure of: recomputed from the same "
        "scored pairs with only the pairs above the review band (lower), every pair in it (upper) and, if "
        "configured, seeded draws; clerical decisions hold in each. linkage_low and linkage_high for every "
        "estimate, the sampling interval widened over them, and the pairs still in review. Unsuppressed: "
        "data officers only."
    ),
)
def marts_linkage_sensitivity(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, linkage: LinkageConfig, pseudonymiser: Pseudonymiser
) -> dg.MaterializeResult:
    settings = linkage.settings()
    band = (settings.mothers.review_low, settings.mothers.review_high)
    confidence_level = load_output_settings().confidence_level
    variants = clustering_variants(settings, load_sensitivity_settings(linkage.path))
    seconds = {}
    with duckdb.get_connection() as conn:
        ensure_warehouse(conn)
        pseudonymiser.register(conn)  # for every variant's person keys (VariantPseudonymiser)
        estimates = [key_estimates(conn, "published", confidence_level)]
        for variant in variants:
            started = time.perf_counter()
            with scratch_catalog(conn, duckdb, _database(duckdb), REBUILT, variant, *band) as scratch:
                linkage_mother_clusters(duckdb=scratch, linkage=VariantLinkageConfig(
                    path=linkage.path, mother_match_threshold=variant.match_threshold))
                linkage_person_clusters(duckdb=scratch, pseudonymiser=VariantPseudonymiser())
                for step in AFTER_CLUSTERS:
                    step(duckdb=scratch)
                with scratch.get_connection() as variant_conn:
                    estimates.append(key_estimates(variant_conn, variant.name, confidence_level))
            seconds[variant.name] = round(time.perf_counter() - started, 2)
            context.log.info(f"{variant.name} clustering and its estimates: {seconds[variant.name]:.1f}s")
        pairs_in_review = conn.execute("""
            select count(*) from linkage.mother_pairs p
            anti join (select * from linkage.clerical_decisions where role = 'mother') d using (node_id_l, node_id_r)
            where p.match_probability >= ? and p.match_probability < ?""", list(band)).fetchall()[0][0]
        conn.register("variant_estimates", pd.concat(estimates, ignore_index=True))
        conn.execute("set variable pairs_in_review = ?", [pairs_in_review])
        rows = _rebuild_by_authority(conn, "linkage_sensitivity", sql("marts_linkage_sensitivity"))
        conn.unregister("variant_estimates")
        headline = conn.execute("""
            select value, linkage_low, linkage_high from marts.linkage_sensitivity
            where source_table = 'prevalence_by_year' and row_key = 'all' and estimate = 'recurrent_pct'""").fetchall()
    return dg.MaterializeResult(metadata={
        **rows,
        "mother_pairs_in_review": pairs_in_review,
        "review_band": dg.MetadataValue.json(list(band)),
        "variants": dg.MetadataValue.json([variant.name for variant in variants]),
        "seconds_per_variant": dg.MetadataValue.json(seconds),
        "recurrent_pct_all_years": dg.MetadataValue.json(
            dict(zip(("value", "linkage_low", "linkage_high"), headline[0])) if headline else None),
    })


marts_published_linkage_sensitivity, published_linkage_sensitivity_no_small_counts = build_published_asset(
    SENSITIVITY_TABLE)
