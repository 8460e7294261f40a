-- marts.linkage_sensitivity_by_authority: every key estimate under the published clustering
-- and the others the model supports (temp table variant_estimates, from
-- marts_linkage_estimates.sql run on each; variant 'published', 'lower', 'upper', 'draw <n>').
--   value                  the published estimate
--   linkage_low, _high     the lowest and highest it is under the published, lower and upper clusterings
--   draws_low, _high       the middle 95% of the draws (NULL without draws)
--   combined_low, _high    the sampling interval widened over every clustering: the lowest
--                          interval bound any of them gives and the highest (rates only)
--   low_count, high_count  what disclosure control looks at: a count's own linkage_low and
--                          linkage_high; for a rate the smallest count it rests on in any clustering
--   pairs_in_review        mother record pairs in the review band that nobody has decided yet
with summary as (
    select la_code, source_table, row_key, estimate,
        any_value(display_order) filter (where variant = 'published') as display_order,
        any_value(value) filter (where variant = 'published') as value,
        min(value) filter (where variant in ('published', 'lower', 'upper')) as linkage_low,
        max(value) filter (where variant in ('published', 'lower', 'upper')) as linkage_high,
        quantile_disc(value, 0.025) filter (where variant like 'draw %') as draws_low,
        quantile_disc(value, 0.975) filter (where variant like 'draw %') as draws_high,
        min(ci_low) as combined_low,
        max(ci_high) as combined_high,
        min(base_count) as smallest_base_count,
        bool_or(variant = 'published') as published
    from variant_estimates
    group by la_code, source_table, row_key, estimate
)
select
    la_code, source_table, row_key, estimate, value, linkage_low, linkage_high, draws_low, draws_high,
    combined_low, combined_high,
    case when estimate in ('recurrent_sets', 'recurrent_mothers') then linkage_low else smallest_base_count end
        ::bigint as low_count,
    case when estimate in ('recurrent_sets', 'recurrent_mothers') then linkage_high else smallest_base_count end
        ::bigint as high_count,
    getvariable('pairs_in_review')::bigint as pairs_in_review,
    display_order
from summary
where published
order by la_code <> 'all', la_code = 'unknown', la_code,
    case source_table when 'prevalence_by_year' then 1 when 'return_within_years' then 2 else 3 end,
    display_order, estimate
