-- The local figures the savings rest on (one row), from every recurrent s31 set in the data: a
-- set a service avoids is a recurrent set. children_per_set is the mean number of children in a
-- recurrent set (as core.proceedings counts them); years_in_care_until_age is the mean number of
-- years from a child's age at the set's issue to getvariable('care_until_age') (18 by the Essex
-- method), over the children whose date of birth is known, taken from the source that lists most
-- children in each set.
create or replace temp table service_local_figures as
with recurrent as (
    select distinct p.proceedings_id, p.issue_date, p.children
    from core.mother_proceedings mp
    join core.proceedings p using (proceedings_id)
    where mp.is_recurrent
),
listed as (
    select r.proceedings_id, r.issue_date, c.children
    from recurrent r
    join linkage.set_members m using (proceedings_id)
    join linkage.case_records c using (source, source_case_ref)
    qualify row_number() over (partition by r.proceedings_id
                               order by len(coalesce(c.children, [])) desc, m.source, m.source_case_ref) = 1
),
children as (
    select issue_date, unnest(children).dob as dob from listed
),
ages as (
    select greatest(getvariable('care_until_age') - date_diff('day', dob, issue_date) / 365.25, 0) as years_left
    from children
    where dob is not null and dob <= issue_date
)
select
    (select count(*) from recurrent) as recurrent_sets,
    (select avg(children) from recurrent) as children_per_set,
    (select avg(years_left) from ages) as years_in_care_until_age,
    (select count(*) from ages) as children_with_age;
