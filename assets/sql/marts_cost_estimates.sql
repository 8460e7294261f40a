-- marts.cost_estimates_by_authority: what a service that prevents X% of returns to proceedings
-- among N mothers a year would save, for each authority and for all ('all'), by the University of
-- Essex evaluation method: a one-off saving for each set of proceedings avoided, plus a care cost
-- avoided for each child kept out of care, every year until the child is 18. Parameters come from config/outputs.yaml (set as variables by the asset);
-- local figures come from marts.prevalence_by_year_by_authority (so from the sets in the trawl
-- window), averaged over the authority's last complete financial years (the earliest years
-- under-count returns: the history before the data starts is not seen). The asset copies the
-- 'all' rows to marts.cost_estimates.
-- base_count is the number of mothers or sets a local figure rests on (NULL for parameters), and
-- financial_years the years it sums, so the published copy can hide a figure that would reveal a
-- small count, or a count hidden in the published prevalence table.
with years as (
    select *, left(financial_year, 4)::integer as start_year
    from marts.prevalence_by_year_by_authority
    where financial_year <> 'all'
),
complete_years as (
    select * from years where make_date(start_year + 1, 3, 31) <= getvariable('extract_end_date')
),
averaged_years as (
    -- The last complete financial years; the years there are when none is complete yet.
    select * from (
        select * from complete_years
        union all
        select * from years y where not exists (select 1 from complete_years c where c.la_code = y.la_code)
    )
    qualify row_number() over (partition by la_code order by start_year desc)
        <= getvariable('average_over_financial_years')
),
authorities as (
    select distinct la_code from marts.prevalence_by_year_by_authority
),
local_figures as (
    select
        a.la_code,
        'local: ' || case
            when count(y.financial_year) = 0 then 'no financial years in the data'
            when count(y.financial_year) = 1 then 'financial year ' || min(financial_year)
            else 'mean over financial years ' || min(financial_year) || ' to ' || max(financial_year)
        end                                                                  as basis,
        list(financial_year order by financial_year) filter (where financial_year is not null) as financial_years,
        sum(recurrent_mothers)                                               as recurrent_mothers,
        sum(recurrent_sets)                                                  as recurrent_sets,
        sum(recurrent_mothers) / nullif(count(y.financial_year), 0)          as recurrent_mothers_per_year,
        sum(recurrent_sets) / nullif(sum(recurrent_mothers), 0)              as sets_per_recurrent_mother,
        sum(children_in_recurrent_sets) / nullif(sum(recurrent_sets), 0)     as children_per_recurrent_set
    from authorities a
    left join averaged_years y using (la_code)
    group by a.la_code
),
scenario as (
    select
        l.*,
        coalesce(getvariable('mothers_per_year'), l.recurrent_mothers_per_year) as mothers_per_year,
        case when getvariable('mothers_per_year') is null then l.recurrent_mothers end as mothers_base_count,
        getvariable('mothers_per_year') is null as mothers_are_local
    from local_figures l
),
estimates as (
    select *,
        mothers_per_year * getvariable('returns_prevented_pct') / 100 * sets_per_recurrent_mother as sets_avoided,
        least(mothers_base_count, recurrent_mothers, recurrent_sets)                              as derived_base_count
    from scenario
),
items (la_code, item_order, item, value, unit, basis, base_count, rests_on_local_figures, financial_years) as (
    select la_code, 1, 'mothers the service works with a year (N)', round(mothers_per_year, 2), 'mothers a year',
        case when mothers_are_local then basis || ', recurrent mothers a year' else getvariable('mothers_per_year_source') end,
        mothers_base_count, mothers_are_local, financial_years
    from estimates
    union all
    select la_code, 2, 'returns to proceedings prevented (X)', getvariable('returns_prevented_pct'), 'percent',
        getvariable('returns_prevented_pct_source'), null, false, financial_years
    from estimates
    union all
    select la_code, 3, 'recurrent sets a year per recurrent mother', round(sets_per_recurrent_mother, 2), 'sets',
        basis, recurrent_mothers, true, financial_years
    from estimates
    union all
    select la_code, 4, 'children per recurrent set', round(children_per_recurrent_set, 2), 'children',
        basis, recurrent_sets, true, financial_years
    from estimates
    union all
    select la_code, 5, 'one-off cost of a set of proceedings', getvariable('one_off_cost_per_set'), 'GBP',
        getvariable('one_off_cost_per_set_source'), null, false, financial_years
    from estimates
    union all
    select la_code, 6, 'care cost per child per year', getvariable('care_cost_per_child_per_year'), 'GBP a year',
        getvariable('care_cost_per_child_per_year_source'), null, false, financial_years
    from estimates
    union all
    select la_code, 7, 'sets of proceedings avoided a year', round(sets_avoided, 2), 'sets a year',
        'N x X% x recurrent sets a year per recurrent mother', derived_base_count, true, financial_years
    from estimates
    union all
    select la_code, 8, 'children kept out of care a year', round(sets_avoided * children_per_recurrent_set, 2), 'children a year',
        'sets avoided a year x children per recurrent set', derived_base_count, true, financial_years
    from estimates
    union all
    select la_code, 9, 'one-off saving a year', round(sets_avoided * getvariable('one_off_cost_per_set')), 'GBP a year',
        'sets avoided a year x one-off cost of a set', derived_base_count, true, financial_years
    from estimates
    union all
    select la_code, 10, 'care cost avoided a year, for each year''s children until they are 18',
        round(sets_avoided * children_per_recurrent_set * getvariable('care_cost_per_child_per_year')), 'GBP a year',
        'children kept out of care a year x care cost per child per year; each year of the service adds '
        || 'another such sum, each lasting until those children are 18', derived_base_count, true, financial_years
    from estimates
)
select
    la_code, item, value::double as value, unit, basis, base_count::integer as base_count,
    case when rests_on_local_figures then financial_years end as financial_years,
    item_order
from items
order by la_code <> 'all', la_code = 'unknown', la_code, item_order
