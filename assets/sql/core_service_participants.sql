-- One row per episode of work with a service (staging.service_participants), with the parent's
-- pseudonymous person_key: the trawl list's, where the row came from one and the key exists, else
-- the person model's. No names or dates of birth. Other stages join on person_key, e.g. to flag
-- a parent who is (or was) in a service on a date.
create or replace table core.service_participants as
select
    p.service, p.participant_id, c.person_key, c.role,
    p.referral_date, p.start_date, p.end_date,
    coalesce(p.la_code, m.la_code, 'unknown') as la_code
from staging.service_participants p
join linkage.person_clusters c
    on c.source = 'service_participants' and c.source_case_ref = p.participant_id and c.person_ref = p.service
left join core.mothers m on m.person_key = c.person_key
order by p.service, p.start_date, p.participant_id;
