-- One row per mother with at least one s31 set. Care-experienced: her records include a care
-- leaver, or a trawl form linked to her says she was in care as a child.
create or replace table core.mothers as
with firsts as (
    select person_key, issue_date as first_issue_date, mother_age_at_issue as age_at_first_set, la_code
    from core.mother_proceedings
    where set_number = 1
),
spans as (
    select person_key, max(issue_date) as last_issue_date, count(*) as sets
    from core.mother_proceedings
    group by person_key
),
care_experience as (
    select c.person_key,
        bool_or(c.source = 'care_leavers' or (c.source = 'case_file_review' and r.in_care_as_child = 'yes'))
            as care_experienced
    from linkage.person_clusters c
    join linkage.person_records r using (record_id)
    group by c.person_key
)
select
    f.person_key, f.first_issue_date, s.last_issue_date, s.sets, f.age_at_first_set,
    case
        when f.age_at_first_set is null then 'unknown'
        when f.age_at_first_set < 20 then 'under 20'
        when f.age_at_first_set < 25 then '20-24'
        when f.age_at_first_set < 30 then '25-29'
        else '30+'
    end as age_band,
    coalesce(e.care_experienced, false) as care_experienced,
    f.la_code
from firsts f
join spans s using (person_key)
left join care_experience e using (person_key)
order by f.first_issue_date, f.person_key;
