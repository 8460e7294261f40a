-- One row per set of proceedings (s31 and not), with pseudonymous id and references only.
-- A court-only set has no LA code in the court list (it names the applicant): it takes the
-- code the same applicant name carries in sets the legal list or Cafcass also hold.
create or replace table core.proceedings as
with members as (
    select m.proceedings_id, m.issue_date as set_issue_date, m.is_s31, r.* exclude (is_s31)
    from linkage.set_members m
    join linkage.case_records r using (source, source_case_ref)
),
applicant_codes as (
    select applicant_la, la_code
    from (
        select court.applicant_la, other.la_code, count(*) as sets
        from members court
        join members other using (proceedings_id)
        where court.source = 'court' and court.applicant_la is not null and other.la_code is not null
        group by court.applicant_la, other.la_code
    )
    qualify row_number() over (partition by applicant_la order by sets desc, la_code) = 1
)
select
    proceedings_id,
    any_value(set_issue_date) as issue_date,
    financial_year(any_value(set_issue_date)) as financial_year,
    coalesce(
        first(m.la_code order by source_rank) filter (where m.la_code is not null),
        first(a.la_code order by source_rank) filter (where a.la_code is not null)
    ) as la_code,
    bool_and(m.is_s31) as is_s31,
    max(len(coalesce(children, []))) as children,
    max(len(list_filter(coalesce(children, []), lambda c: date_diff('day', c.dob, set_issue_date) between 0 and 27)))
        as babies_under_4_weeks,
    -- Each child's age at issue in whole years (no dates of birth), from the source listing most children.
    arg_max(
        list_transform(list_filter(coalesce(children, []), lambda c: c.dob is not null),
                       lambda c: date_part('year', age(set_issue_date::timestamp, c.dob::timestamp))::integer),
        len(coalesce(children, []))
    ) as child_ages_at_issue,
    coalesce(list(source_case_ref order by source_case_ref) filter (where source = 'legal'), []) as legal_refs,
    coalesce(list(source_case_ref order by source_case_ref) filter (where source = 'court'), []) as court_case_numbers,
    coalesce(list(source_case_ref order by source_case_ref) filter (where source = 'cafcass'), []) as cafcass_case_ids
from (select *, case source when 'court' then 1 when 'cafcass' then 2 else 3 end as source_rank from members) m
left join applicant_codes a using (applicant_la)
group by proceedings_id
order by issue_date, proceedings_id;
