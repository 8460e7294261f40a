-- The key estimates of one clustering in long form, for marts.linkage_sensitivity: one row per
-- authority ('all' too), table, row and estimate. base_count is the count the estimate rests on
-- (for disclosure control), trials the sets a percentage is of, ci_low and ci_high the sampling
-- interval where the mart has one. display_order keeps each table's own row order.
select la_code, 'prevalence_by_year' as source_table, financial_year as row_key, estimate, value,
    base_count, trials, null::double as ci_low, null::double as ci_high,
    row_number() over (partition by la_code, estimate order by financial_year = 'all', financial_year) as display_order
from (
    select la_code, financial_year, 'recurrent_sets' as estimate, recurrent_sets::double as value,
        recurrent_sets as base_count, null::bigint as trials
    from marts.prevalence_by_year_by_authority
    union all
    select la_code, financial_year, 'recurrent_pct', recurrent_pct::double, recurrent_sets, sets
    from marts.prevalence_by_year_by_authority
    union all
    select la_code, financial_year, 'recurrent_mothers', recurrent_mothers::double, recurrent_mothers, null
    from marts.prevalence_by_year_by_authority
)
union all
select la_code, 'return_within_years', group_name || ', within ' || years || ' years', 'probability',
    probability, least(at_risk, events), null, ci_low, ci_high, group_order * 100 + years
from marts.return_within_years_by_authority
union all
-- The cost scenario's figures that rest on local counts (not the parameters set in config).
select la_code, 'cost_estimates', item, 'value', value, base_count, null, null, null, item_order
from marts.cost_estimates_by_authority
where base_count is not null
