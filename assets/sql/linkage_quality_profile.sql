-- What the clusters look like, in counts only (no dates of birth): how many s31 sets mothers
-- have, and how far the dates of birth inside one woman's cluster spread. A spread that is not a
-- day/month swap, or a cluster with two care-leaver records, is worth a look by a data officer.
create or replace temp table quality_profile as
with mother_clusters as (
    select c.person_key,
        count(distinct c.proceedings_id) filter (where r.is_s31 and c.role = 'mother') as s31_sets,
        list_distinct(list(r.dob) filter (where r.dob is not null)) as dobs,
        count(*) filter (where c.source = 'care_leavers') as care_leaver_records
    from linkage.person_clusters c
    join linkage.person_records r using (record_id)
    where c.role = 'mother' or c.source = 'care_leavers'
    group by c.person_key
),
spread as (
    select *,
        coalesce(date_diff('day', list_min(dobs), list_max(dobs)), 0) as dob_spread_days,
        len(dobs) > 1 and len(list_filter(dobs, lambda d: not list_contains(dobs, dob_swapped(d)))) > 1
            as dobs_differ_beyond_swaps
    from mother_clusters
    where s31_sets > 0
)
select 'mothers_with_' || case when s31_sets >= 6 then '6+' else s31_sets::varchar end || '_s31_sets' as metric,
    count(*)::double as value
from spread group by 1
union all select 'mother_clusters_with_1_date_of_birth', count(*) filter (where len(dobs) <= 1) from spread
union all select 'mother_clusters_with_2_dates_of_birth', count(*) filter (where len(dobs) = 2) from spread
union all select 'mother_clusters_with_3+_dates_of_birth', count(*) filter (where len(dobs) >= 3) from spread
union all select 'mother_clusters_dates_of_birth_differ_beyond_day_month_swaps', count(*) filter (where dobs_differ_beyond_swaps) from spread
union all select 'mother_clusters_dates_of_birth_over_a_year_apart', count(*) filter (where dob_spread_days > 366) from spread
union all select 'mother_clusters_with_2+_care_leaver_records', count(*) filter (where care_leaver_records > 1) from spread
order by metric;
