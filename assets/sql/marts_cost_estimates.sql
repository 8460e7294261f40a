-- marts.cost_estimates_by_authority: what a service that prevents X% of returns to proceedings
-- among the N mothers it takes on in a year would save, for each authority and for all ('all'),
-- by the University of Essex evaluation method:
--   sets avoided      = N x P(return within H years) x X%   (P: Kaplan-Meier, all mothers, from
--                       marts.return_within_years_by_authority; H = scenario -> return_horizon_years,
--                       or the longest follow-up estimated if that is shorter)
--   one-off saving    = sets avoided x one-off cost of a set
--   care cost avoided = children kept out of care x care cost per child per year x the years
--                       until each child is 18, from the ages of the children in the local
--                       recurrent sets (discounted at the configured rate; 0 = the Essex sum)
-- Parameters come from config/outputs.yaml (set as variables by the asset, already uplifted to
-- one price year); local figures come from marts.prevalence_by_year_by_authority and
-- core.proceedings (so from the sets in the trawl window), over the authority's last complete
-- financial years. The asset copies the 'all' rows to marts.cost_estimates.
-- base_count is the number of mothers or sets a local figure rests on (NULL for parameters),
-- financial_years the years it sums and return_years the return estimate it uses, so the
-- published copy can hide a figure that would reveal a small count or a hidden cell.
with years as (
    select *, left(financial_year, 4)::integer as start_year
    from marts.prevalence_by_year_by_authority
    where financial_year not in ('all')
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
-- Years in care until 18 of each child in a recurrent set in those years, discounted:
-- sum over t = 0 .. n-1 of 1 / (1 + r)^t, n = 18 - age at issue.
child_care_years as (
    select unnest(['all', coalesce(p.la_code, 'unknown')]) as la_code, p.financial_year,
        greatest(18 - age, 0) as years_to_18
    from core.proceedings p
    join (select proceedings_id from core.mother_proceedings where is_recurrent group by proceedings_id) r
        using (proceedings_id)
    cross join unnest(coalesce(p.child_ages_at_issue, [])) as ages(age)
    where p.is_s31 and age is not null
),
care_years as (
    select c.la_code,
        avg(case when getvariable('discount_rate_pct') = 0 then years_to_18
                 else (1 - power(1 + getvariable('discount_rate_pct') / 100, -years_to_18))
                      / (1 - power(1 + getvariable('discount_rate_pct') / 100, -1)) end) as care_years_per_child,
        count(*) as children_with_age
    from child_care_years c
    join averaged_years y using (la_code, financial_year)
    group by c.la_code
),
return_estimate as (
    -- P(return within H years) for all mothers, or at the longest follow-up estimated before H.
    select la_code, years as return_years, probability
    from marts.return_within_years_by_authority
    where grouping = 'all' and probability is not null and years <= getvariable('return_horizon_years')
    qualify row_number() over (partition by la_code order by years desc) = 1
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
        sum(children_in_recurrent_sets) / nullif(sum(recurrent_sets), 0)     as children_per_recurrent_set
    from authorities a
    left join averaged_years y using (la_code)
    group by a.la_code
),
scenario as (
    select
        l.*, r.return_years, r.probability as return_probability, c.care_years_per_child, c.children_with_age,
        coalesce(getvariable('mothers_per_year'), l.recurrent_mothers_per_year) as mothers_per_year,
        case when getvariable('mothers_per_year') is null then l.recurrent_mothers end as mothers_base_count,
        getvariable('mothers_per_year') is null as mothers_are_local
    from local_figures l
    left join return_estimate r using (la_code)
    left join care_years c using (la_code)
),
estimates as (
    select *,
        mothers_per_year * return_probability * getvariable('returns_prevented_pct') / 100       as sets_avoided,
        least(mothers_base_count, recurrent_sets)                                                  as derived_base_count
    from scenario
),
items (la_code, item_order, item, value, unit, basis, base_count, rests_on_local_figures, financial_years, return_years) as (
    select la_code, 1, 'mothers the service takes on in a year (N)', round(mothers_per_year, 2), 'mothers a year',
        case when mothers_are_local then basis || ', recurrent mothers a year' else getvariable('mothers_per_year_source') end,
        mothers_base_count, mothers_are_local, financial_years, null
    from estimates
    union all
    select la_code, 2, 'returns to proceedings prevented (X)', getvariable('returns_prevented_pct'), 'percent',
        getvariable('returns_prevented_pct_source'), null, false, financial_years, null
    from estimates
    union all
    select la_code, 3, 'chance of a return within ' || coalesce(return_years::varchar, '?') || ' years of a set (P)',
        round(return_probability, 4), 'probability',
        'Kaplan-Meier estimate for all mothers (return within years table)', null, false, null, return_years
    from estimates
    union all
    select la_code, 4, 'children per recurrent set', round(children_per_recurrent_set, 2), 'children',
        basis, recurrent_sets, true, financial_years, null
    from estimates
    union all
    select la_code, 5, 'years in care until 18 per child kept out of care', round(care_years_per_child, 2), 'years',
        basis || ', from the ages of the children in recurrent sets'
        || case when getvariable('discount_rate_pct') > 0
                then ', discounted at ' || getvariable('discount_rate_pct') || '% a year' else '' end,
        least(children_with_age, recurrent_sets), true, financial_years, null
    from estimates
    union all
    select la_code, 6, 'one-off cost of a set of proceedings', getvariable('one_off_cost_per_set'), 'GBP',
        getvariable('one_off_cost_per_set_source'), null, false, financial_years, null
    from estimates
    union all
    select la_code, 7, 'care cost per child per year', getvariable('care_cost_per_child_per_year'), 'GBP a year',
        getvariable('care_cost_per_child_per_year_source'), null, false, financial_years, null
    from estimates
    union all
    select la_code, 8, 'sets of proceedings avoided, for each year''s mothers', round(sets_avoided, 2), 'sets',
        'N x P x X%', derived_base_count, true, financial_years, return_years
    from estimates
    union all
    select la_code, 9, 'children kept out of care, for each year''s mothers', round(sets_avoided * children_per_recurrent_set, 2),
        'children', 'sets avoided x children per recurrent set', derived_base_count, true, financial_years, return_years
    from estimates
    union all
    select la_code, 10, 'one-off saving, for each year''s mothers', round(sets_avoided * getvariable('one_off_cost_per_set')),
        'GBP', 'sets avoided x one-off cost of a set', derived_base_count, true, financial_years, return_years
    from estimates
    union all
    select la_code, 11, 'care cost avoided until the children are 18, for each year''s mothers',
        round(sets_avoided * children_per_recurrent_set * getvariable('care_cost_per_child_per_year') * care_years_per_child),
        'GBP', 'children kept out of care x care cost per child per year x years in care until 18',
        derived_base_count, true, financial_years, return_years
    from estimates
    union all
    select la_code, 12, 'total saving, for each year''s mothers',
        round(sets_avoided * getvariable('one_off_cost_per_set'))
        + round(sets_avoided * children_per_recurrent_set * getvariable('care_cost_per_child_per_year') * care_years_per_child),
        'GBP', 'one-off saving + care cost avoided until 18', derived_base_count, true, financial_years, return_years
    from estimates
)
select
    la_code, item, value::double as value, unit, basis, base_count::integer as base_count,
    case when rests_on_local_figures then financial_years end as financial_years,
    return_years::integer as return_years,
    item_order
from items
order by la_code <> 'all', la_code = 'unknown', la_code, item_order
