-- core.pre_proceedings_history: one row per pre-proceedings (PLO) or pre-birth case and parent,
-- with what the data say about that parent's earlier care proceedings. A parent's records were
-- linked with everyone else's (linkage.person_clusters, source 'pre_proceedings'); her earlier
-- sets are her s31 sets (core.<role>_proceedings) issued before the case's start_date.
--
-- Reads temp table weakest_links (pre_proceedings node, match_probability of the weakest link on
-- the strongest path to any record that was used: an earlier set, a care-leaver record or a form
-- saying she was in care), built by the asset, and variables review_high_mother/_father.
-- link_uncertain: a link used is below the top of the review band, or the model paired this parent
-- with another person's records inside the review band and nobody has decided the pair yet.
create or replace table core.pre_proceedings_history as
with cases as (
    select pre_proceedings_ref, start_date, stage, la_code, closed_date, expected_due_date
    from staging.pre_proceedings
),
parents as (
    select c.source_case_ref as pre_proceedings_ref, c.role, c.person_key, c.node_id
    from linkage.person_clusters c
    where c.source = 'pre_proceedings'
),
parent_sets as (
    select person_key, 'mother' as role, proceedings_id, issue_date from core.mother_proceedings
    union all
    select person_key, 'father', proceedings_id, issue_date from core.father_proceedings
),
final_orders as (
    -- The final order each set's records give: the legal list first, then the court, then Cafcass.
    select m.proceedings_id,
        first(o.final_order order by o.source_rank) filter (where o.final_order is not null) as final_order
    from linkage.set_members m
    join (
        select 'legal' as source, legal_ref as source_case_ref, 1 as source_rank,
            any_value(final_order) filter (where final_order is not null) as final_order
        from staging.legal group by legal_ref
        union all
        select 'court', case_number, 2, any_value(outcome) filter (where outcome is not null)
        from staging.court where is_s31 group by case_number
        union all
        select 'cafcass', case_id, 3, any_value(final_order) filter (where final_order is not null)
        from staging.cafcass where is_s31 group by case_id
    ) o using (source, source_case_ref)
    group by m.proceedings_id
),
earlier as (
    select p.pre_proceedings_ref, p.role,
        count(s.proceedings_id) as earlier_sets,
        coalesce(sum(pr.children), 0) as children_in_earlier_sets,
        max(s.issue_date) as last_set_issue_date,
        arg_max_null(f.final_order, s.issue_date) as last_final_order  -- NULL while the last set is pending
    from parents p
    join cases c using (pre_proceedings_ref)
    left join parent_sets s on s.person_key = p.person_key and s.role = p.role and s.issue_date < c.start_date
    left join core.proceedings pr on pr.proceedings_id = s.proceedings_id
    left join final_orders f on f.proceedings_id = s.proceedings_id
    group by p.pre_proceedings_ref, p.role
),
care_experience as (
    -- As in core.mothers: a care-leaver record, or a trawl form saying she was in care. Care
    -- leavers are linked with women only, so a father's is not known (NULL).
    select c.person_key,
        bool_or(c.source = 'care_leavers' or (c.source = 'case_file_review' and r.in_care_as_child = 'yes'))
            as care_experienced
    from linkage.person_clusters c
    join linkage.person_records r using (record_id)
    where c.person_key in (select person_key from parents where role = 'mother')
    group by c.person_key
),
review_band_pairs as (
    -- Undecided pairs inside the review band that join this parent's node to a node of another person.
    select q.node_id, count(distinct q.other_id) as uncertain_pairs
    from (
        select role, left_id as node_id, right_id as other_id from linkage.review_queue
        union all
        select role, right_id, left_id from linkage.review_queue
    ) q
    join linkage.person_clusters mine on mine.node_id = q.node_id
    join linkage.person_clusters other on other.node_id = q.other_id
    where mine.source = 'pre_proceedings' and mine.person_key <> other.person_key
    group by q.node_id
),
in_service as (
    -- A service participants list has an episode of this parent's open on or after the case started.
    select p.pre_proceedings_ref, p.role, true as in_service
    from parents p
    join cases c using (pre_proceedings_ref)
    join core.service_participants s on s.person_key = p.person_key
    where s.end_date is null or s.end_date >= c.start_date
    group by all
)
select
    p.pre_proceedings_ref, p.role, p.person_key,
    e.earlier_sets, e.children_in_earlier_sets, e.last_set_issue_date, e.last_final_order,
    case when p.role = 'mother' then coalesce(x.care_experienced, false) end as care_experienced,
    coalesce(i.in_service, false) as in_service,
    round(w.match_probability, 4) as match_probability,
    coalesce(w.match_probability < case p.role when 'mother' then getvariable('review_high_mother')
                                             else getvariable('review_high_father') end, false)
        or coalesce(b.uncertain_pairs, 0) > 0 as link_uncertain,
    coalesce(b.uncertain_pairs, 0) as pairs_in_review_queue,
    c.start_date, c.stage, c.la_code, c.expected_due_date, c.closed_date,
    c.closed_date is null or c.closed_date > current_date as is_open
from parents p
join cases c using (pre_proceedings_ref)
join earlier e using (pre_proceedings_ref, role)
left join care_experience x using (person_key)
left join weakest_links w using (node_id)
left join review_band_pairs b using (node_id)
left join in_service i using (pre_proceedings_ref, role)
order by c.start_date desc, p.pre_proceedings_ref, p.role;
