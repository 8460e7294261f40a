-- Pairs the model is unsure of (probability inside the role's review band) that nobody has
-- decided yet, most uncertain first, with what a data officer needs to decide: every name,
-- date of birth, reference, Cafcass id, postcode and the other parent each side's records give.
create or replace table linkage.review_queue as
with undecided as (
    select 'mother' as role, p.* from linkage.mother_pairs p
    where match_probability >= getvariable('mother_review_low') and match_probability < getvariable('mother_review_high')
    union all by name
    select 'father' as role, p.* from linkage.father_pairs p
    where match_probability >= getvariable('father_review_low') and match_probability < getvariable('father_review_high')
),
queued as (
    select u.*
    from undecided u
    anti join linkage.clerical_decisions d using (node_id_l, node_id_r)
    -- A current pre-proceedings case is waiting on the answer: its pairs are never left out.
    order by starts_with(node_id_l, 'pre_proceedings:') or starts_with(node_id_r, 'pre_proceedings:') desc,
        abs(match_weight), node_id_l, node_id_r
    limit getvariable('review_max_pairs')
),
queued_records as (
    select r.* from linkage.person_records r
    semi join (select node_id_l as node_id from queued union select node_id_r from queued) n using (node_id)
),
other_parents as (
    select p.node_id, list_distinct(list(concat_ws(' ', o.forename, o.surname) order by o.record_id)) as names
    from (select distinct node_id, set_anchor, role from queued_records where set_anchor is not null) p
    join linkage.person_records o on o.set_anchor = p.set_anchor and o.role <> p.role
    where o.forename is not null or o.surname is not null
    group by p.node_id
),
sides as (
    select node_id,
        list_distinct(list(concat_ws(' ', forename, surname) || coalesce(' (formerly ' || former_surname || ')', '')
            order by record_id)) as names,
        list_sort(list_distinct(list(dob) filter (where dob is not null))) as dates_of_birth,
        list(source || ' ' || source_case_ref order by record_id) as records,
        min(event_date) as first_date,
        list_sort(list_distinct(list(cafcass_person_id) filter (where cafcass_person_id is not null))) as cafcass_ids,
        list_sort(list_distinct(list(postcode_district) filter (where postcode_district is not null))) as postcodes
    from queued_records
    group by node_id
)
select
    q.role, q.node_id_l as left_id, q.node_id_r as right_id,
    round(q.match_probability, 3) as match_probability,
    'forename ' || round(q.mw_forename, 1) || ', surname ' || round(q.mw_surname, 1) || ', date of birth '
        || round(q.mw_dob, 1) || ', Cafcass id ' || round(q.mw_cafcass_id, 1) || ', postcode '
        || round(q.mw_postcode, 1) || ', other parent ' || round(q.mw_partner, 1) as model_evidence,
    l.names as left_names, r.names as right_names,
    l.dates_of_birth as left_dates_of_birth, r.dates_of_birth as right_dates_of_birth,
    l.records as left_records, r.records as right_records,
    l.first_date as left_first_date, r.first_date as right_first_date,
    l.cafcass_ids as left_cafcass_ids, r.cafcass_ids as right_cafcass_ids,
    l.postcodes as left_postcodes, r.postcodes as right_postcodes,
    lo.names as left_other_parent, ro.names as right_other_parent
from queued q
join sides l on l.node_id = q.node_id_l
join sides r on r.node_id = q.node_id_r
left join other_parents lo on lo.node_id = q.node_id_l
left join other_parents ro on ro.node_id = q.node_id_r
order by abs(q.match_weight), q.node_id_l, q.node_id_r;
