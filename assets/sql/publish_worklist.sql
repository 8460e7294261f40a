-- The case-file trawl worklist: mothers whose files should be read by hand, with the references a
-- reviewer needs to pull the files. Listed: every recurrent mother (two or more sets), and a mother
-- in a current set (issued in the last `current_set_months` before the extract end date) with
-- earlier history: care experienced, or the father in that set has an earlier set. Only mothers
-- with a set in the run's trawl window (marts.trawl_window) are listed.
-- A mother whose form was completed on or after her latest set (or is undated) is not listed again.
-- With a sampled trawl (variable sampled_trawl), the sampled mothers (core.case_file_sample) are
-- listed instead, with their stratum and sampling weight, whatever else applies to them.
-- review_id is new for each review: WL-<person_key>-<number of her completed reviews + 1>, so the
-- same list written twice gives the same ids. Reads the temp view completed_forms.
with reviews as (
    select person_key, count(*) as completed_reviews,
        bool_or(reviewed_on is null) as has_undated_review, max(reviewed_on) as last_reviewed_on
    from completed_forms
    where person_key is not null
    group by person_key
),
s31_sets as (
    select mp.person_key, mp.proceedings_id, mp.issue_date, p.legal_refs, p.court_case_numbers, p.cafcass_case_ids,
        mp.issue_date > getvariable('extract_end_date') - to_months(getvariable('current_set_months'))
            as is_current,
        mp.issue_date >= coalesce(w.window_start, mp.issue_date) and mp.issue_date <= coalesce(w.window_end, mp.issue_date)
            as in_window
    from core.mother_proceedings mp
    join core.proceedings p using (proceedings_id)
    cross join marts.trawl_window w
    where p.is_s31
),
current_history as (
    select person_key,
        bool_or(is_current) as in_current_set,
        bool_or(in_window) as has_set_in_window,
        bool_or(is_current and proceedings_id in (
            select proceedings_id from core.father_proceedings where set_number > 1
        )) as current_father_has_earlier_set
    from s31_sets
    group by person_key
),
case_references as (
    -- Each reference once, with the issue date of the first set it appears in.
    select person_key, kind, ref, min(issue_date) as first_seen
    from (
        select person_key, issue_date, 'legal' as kind, unnest(legal_refs) as ref from s31_sets
        union all
        select person_key, issue_date, 'court', unnest(court_case_numbers) from s31_sets
        union all
        select person_key, issue_date, 'cafcass', unnest(cafcass_case_ids) from s31_sets
    )
    group by person_key, kind, ref
),
references_by_mother as (
    select person_key,
        string_agg(ref, '; ' order by first_seen, ref) filter (where kind = 'legal')   as legal_refs,
        string_agg(ref, '; ' order by first_seen, ref) filter (where kind = 'court')   as court_case_numbers,
        string_agg(ref, '; ' order by first_seen, ref) filter (where kind = 'cafcass') as cafcass_case_ids
    from case_references
    group by person_key
),
sampled as (
    select person_key, stratum as sampling_stratum, sampling_weight from core.case_file_sample where sampled
),
listed as (
    select m.person_key, m.sets, m.first_issue_date, m.last_issue_date,
        r.legal_refs, r.court_case_numbers, r.cafcass_case_ids,
        coalesce(v.completed_reviews, 0) as completed_reviews, v.last_reviewed_on,
        s.sampling_stratum, s.sampling_weight,
        concat_ws('; ',
            case when s.person_key is not null then 'sampled from: ' || s.sampling_stratum end,
            case when m.sets >= 2 then 'recurrent: ' || m.sets || ' sets' end,
            case when h.in_current_set and m.care_experienced then 'current set, care experienced' end,
            case when h.current_father_has_earlier_set then 'current set, father has an earlier set' end
        ) as why_listed
    from core.mothers m
    join current_history h using (person_key)
    left join references_by_mother r using (person_key)
    left join reviews v using (person_key)
    left join sampled s using (person_key)
    where h.has_set_in_window
        and not coalesce(v.has_undated_review or v.last_reviewed_on >= m.last_issue_date, false)
)
select
    'WL-' || person_key || '-' || (completed_reviews + 1) as review_id,
    person_key,
    why_listed,
    sets                                                 as sets_in_data,
    first_issue_date,
    last_issue_date,
    last_reviewed_on                                     as previous_review_on,
    legal_refs,
    court_case_numbers,
    cafcass_case_ids,
    sampling_stratum,
    round(sampling_weight, 4)                            as sampling_weight
from listed
where case when getvariable('sampled_trawl') then sampling_stratum is not null else why_listed <> '' end
order by sets desc, last_issue_date desc, person_key
