-- The sampling frame of a sampled case-file trawl: every mother with a set in the run's trawl
-- window (marts.trawl_window), with the values a sample may be stratified by
-- (publish/settings.py SAMPLE_STRATA) and the cohorts the baseline describes.
select
    m.person_key,
    case when m.sets >= 2 then 'recurrent' else 'one set' end as recurrent,
    coalesce(m.age_band, 'unknown') as age_band,
    case when m.care_experienced then 'care experienced' else 'no care record' end as care_experienced,
    coalesce(m.la_code, 'unknown') as la_code,
    m.sets
from core.mothers m
where exists (
    select 1 from core.mother_proceedings mp cross join marts.trawl_window w
    where mp.person_key = m.person_key
        and mp.issue_date >= coalesce(w.window_start, mp.issue_date)
        and mp.issue_date <= coalesce(w.window_end, mp.issue_date)
)
order by m.person_key
