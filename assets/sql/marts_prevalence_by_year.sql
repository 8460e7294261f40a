-- marts.prevalence_by_year: per financial year, and 'all', the sets of s31 care proceedings, how
-- many were recurrent, and the mothers and children in them.
--   sets              s31 sets issued in the year (each set once, whichever sources hold it)
--   recurrent_sets    sets whose mother was already a respondent in an earlier set in the data
--   mothers           distinct mothers with a set issued in the year
--   recurrent_mothers distinct mothers with a recurrent set issued in the year; in 'all', the
--                     mothers with two or more sets
-- 'all' counts each mother once, so mothers per year do not add up to it (a mother can have sets
-- in several years); sets and children do.
with set_recurrence as (
    select proceedings_id, bool_or(is_recurrent) as is_recurrent
    from core.mother_proceedings
    group by proceedings_id
),
s31_sets as (
    select p.proceedings_id, p.financial_year, p.children, p.babies_under_4_weeks,
        coalesce(r.is_recurrent, false) as is_recurrent
    from core.proceedings p
    left join set_recurrence r using (proceedings_id)
    where p.is_s31
),
set_counts as (
    select
        case when grouping(financial_year) = 1 then 'all' else financial_year end as financial_year,
        count(*)                                                             as sets,
        count(*) filter (where is_recurrent)                                 as recurrent_sets,
        coalesce(sum(children), 0)::bigint                                   as children,
        coalesce(sum(children) filter (where is_recurrent), 0)::bigint       as children_in_recurrent_sets,
        coalesce(sum(babies_under_4_weeks) filter (where is_recurrent), 0)::bigint as babies_under_4_weeks_in_recurrent_sets
    from s31_sets
    group by grouping sets ((financial_year), ())
),
mother_counts as (
    select
        case when grouping(p.financial_year) = 1 then 'all' else p.financial_year end as financial_year,
        count(distinct mp.person_key)                                     as mothers,
        count(distinct mp.person_key) filter (where mp.is_recurrent)      as recurrent_mothers
    from core.mother_proceedings mp
    join core.proceedings p using (proceedings_id)
    where p.is_s31
    group by grouping sets ((p.financial_year), ())
)
select
    s.financial_year,
    s.sets,
    s.recurrent_sets,
    round(100.0 * s.recurrent_sets / nullif(s.sets, 0), 1)    as recurrent_pct,
    coalesce(m.mothers, 0)                                    as mothers,
    coalesce(m.recurrent_mothers, 0)                          as recurrent_mothers,
    s.children,
    s.children_in_recurrent_sets,
    s.babies_under_4_weeks_in_recurrent_sets
from set_counts s
left join mother_counts m using (financial_year)
order by s.financial_year = 'all', s.financial_year
