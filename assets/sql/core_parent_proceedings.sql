-- One row per parent (getvariable('role')) in an s31 set, into temp table parent_proceedings:
-- her (his) sets in date order. A set is recurrent when the parent was already in a set with an
-- earlier issue date. Age at issue uses the date of birth the parent's records give most often.
create or replace temp table parent_proceedings as
with parent_sets as (
    select distinct c.person_key, c.proceedings_id
    from linkage.person_clusters c
    where c.role = getvariable('role') and c.proceedings_id is not null
),
dates_of_birth as (
    select person_key, dob
    from (
        select c.person_key, r.dob, count(*) as records
        from linkage.person_clusters c
        join linkage.person_records r using (record_id)
        where r.dob is not null
        group by c.person_key, r.dob
    )
    qualify row_number() over (partition by person_key order by records desc, dob) = 1
)
select
    s.person_key, p.proceedings_id, p.issue_date, p.financial_year,
    row_number() over (partition by s.person_key order by p.issue_date, p.proceedings_id) as set_number,
    p.issue_date > min(p.issue_date) over (partition by s.person_key) as is_recurrent,
    age_in_years(d.dob, p.issue_date) as age_at_issue,
    p.la_code
from parent_sets s
join core.proceedings p using (proceedings_id)
left join dates_of_birth d using (person_key)
where p.is_s31
order by s.person_key, set_number;
