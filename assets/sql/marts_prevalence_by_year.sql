-- marts.prevalence_by_year_by_authority: per authority (la_code of the set; 'all' for every
-- authority together) and financial year (and 'all'), the sets of s31 care proceedings in the
-- trawl window (marts.trawl_window), how many were recurrent, and the mothers and children in them.
--   sets              s31 sets issued in the year (each set once, whichever sources hold it)
--   recurrent_sets    sets whose mother was already a respondent in an earlier set in the data
--                     (in any authority, and before the window too: recurrence looks at all history)
--   mothers           distinct mothers with a set issued in the year
--   recurrent_mothers distinct mothers with a recurrent set issued in the year; in 'all', the
--                     mothers with two or more sets
--   year_status       'counted' (a complete year with look_back_years of data before it: in the
--                     headline recurrent %), 'run-in' (fewer years of earlier data, so recurrence is
--                     under-counted), 'partial' (the extract ends before the year does); blank in 'all'
-- 'all' counts each mother once, so mothers per year (or per authority) do not add up to it (a
-- mother can have sets in several years and authorities); sets and children do. Every authority
-- has a row for every year, zero where it had no sets. The asset copies the la_code = 'all' rows
-- to marts.prevalence_by_year.
with set_recurrence as (
    select proceedings_id, bool_or(is_recurrent) as is_recurrent
    from core.mother_proceedings
    group by proceedings_id
),
s31_sets as (
    select p.proceedings_id, p.financial_year, coalesce(p.la_code, 'unknown') as la_code,
        p.children, p.babies_under_4_weeks, coalesce(r.is_recurrent, false) as is_recurrent
    from core.proceedings p
    cross join marts.trawl_window w
    left join set_recurrence r using (proceedings_id)
    where p.is_s31
        and p.issue_date >= coalesce(w.window_start, p.issue_date)
        and p.issue_date <= coalesce(w.window_end, p.issue_date)
),
set_counts as (
    select
        case when grouping(la_code) = 1 then 'all' else la_code end                 as la_code,
        case when grouping(financial_year) = 1 then 'all' else financial_year end   as financial_year,
        count(*)                                                             as sets,
        count(*) filter (where is_recurrent)                                 as recurrent_sets,
        coalesce(sum(children), 0)::bigint                                   as children,
        coalesce(sum(children) filter (where is_recurrent), 0)::bigint       as children_in_recurrent_sets,
        coalesce(sum(babies_under_4_weeks) filter (where is_recurrent), 0)::bigint as babies_under_4_weeks_in_recurrent_sets
    from s31_sets
    group by grouping sets ((la_code, financial_year), (la_code), (financial_year), ())
),
mother_counts as (
    select
        case when grouping(s.la_code) = 1 then 'all' else s.la_code end               as la_code,
        case when grouping(s.financial_year) = 1 then 'all' else s.financial_year end as financial_year,
        count(distinct mp.person_key)                                     as mothers,
        count(distinct mp.person_key) filter (where mp.is_recurrent)      as recurrent_mothers
    from core.mother_proceedings mp
    join s31_sets s using (proceedings_id)
    group by grouping sets ((s.la_code, s.financial_year), (s.la_code), (s.financial_year), ())
),
grid as (
    select la_code, financial_year
    from (select distinct la_code from s31_sets union all select 'all')
    cross join (select distinct financial_year from s31_sets union all select 'all')
)
select
    g.la_code,
    g.financial_year,
    coalesce(s.sets, 0)                                                    as sets,
    coalesce(s.recurrent_sets, 0)                                          as recurrent_sets,
    round(100.0 * s.recurrent_sets / nullif(s.sets, 0), 1)                 as recurrent_pct,
    coalesce(m.mothers, 0)                                                 as mothers,
    coalesce(m.recurrent_mothers, 0)                                       as recurrent_mothers,
    coalesce(s.children, 0)                                                as children,
    coalesce(s.children_in_recurrent_sets, 0)                              as children_in_recurrent_sets,
    coalesce(s.babies_under_4_weeks_in_recurrent_sets, 0)                  as babies_under_4_weeks_in_recurrent_sets,
    case
        when g.financial_year = 'all' then null
        when make_date(left(g.financial_year, 4)::integer + 1, 3, 31) > getvariable('extract_end_date') then 'partial'
        when make_date(left(g.financial_year, 4)::integer, 4, 1)
            < (select min(issue_date) from core.proceedings where is_s31) + to_years(getvariable('look_back_years'))
            then 'run-in'
        else 'counted'
    end                                                                    as year_status
from grid g
left join set_counts s using (la_code, financial_year)
left join mother_counts m using (la_code, financial_year)
order by g.la_code <> 'all', g.la_code = 'unknown', g.la_code, g.financial_year = 'all', g.financial_year
