-- The restricted history list: open pre-proceedings (PLO) and pre-birth cases where a parent has
-- earlier history (an earlier s31 set, care experience, or an uncertain link in clerical review),
-- most recent first, every parent of a listed case shown, with the references of the earlier sets
-- so a practitioner can pull the files. No names or dates of birth: the case reference finds the case.
with parent_sets as (
    select person_key, 'mother' as role, proceedings_id, issue_date from core.mother_proceedings
    union all
    select person_key, 'father', proceedings_id, issue_date from core.father_proceedings
),
earlier_references as (
    select h.pre_proceedings_ref, h.role,
        string_agg(ref, '; ' order by s.issue_date, ref) as earlier_set_references
    from core.pre_proceedings_history h
    join parent_sets s on s.person_key = h.person_key and s.role = h.role and s.issue_date < h.start_date
    join (
        select proceedings_id, unnest(list_concat(legal_refs, court_case_numbers, cafcass_case_ids)) as ref
        from core.proceedings
    ) p using (proceedings_id)
    group by h.pre_proceedings_ref, h.role
),
listed_cases as (
    select pre_proceedings_ref
    from core.pre_proceedings_history
    where is_open
    group by pre_proceedings_ref
    having bool_or(earlier_sets > 0 or coalesce(care_experienced, false) or link_uncertain)
)
select
    h.pre_proceedings_ref, h.stage, h.start_date, h.expected_due_date, h.la_code, h.role, h.person_key,
    h.earlier_sets, h.children_in_earlier_sets, h.last_set_issue_date, h.last_final_order,
    case when h.care_experienced then 'yes' when h.care_experienced is not null then 'no record' end as care_experienced,
    case when h.in_service then 'yes' else 'no record' end as in_service,
    r.earlier_set_references,
    h.match_probability,
    h.link_uncertain,
    case
        when h.link_uncertain then 'UNCERTAIN: check before use; the pairs are in review_queue.xlsx'
        when h.match_probability is null then 'no earlier records found'
        else 'linked'
    end as link_check
from core.pre_proceedings_history h
join listed_cases using (pre_proceedings_ref)
left join earlier_references r using (pre_proceedings_ref, role)
order by h.start_date desc, h.pre_proceedings_ref, h.role desc
