-- Temp tables for the service evaluation (assets/service_evaluation.py):
--
-- service_participants_linked: one row per parent per service (core.service_participants), with
--   her first start date with that service, role and authority.
-- service_person_time: every mother's time at risk of a further set, cut into pieces by the number
--   of her earlier sets and by years since her latest set (bands from getvariable('bands'), in
--   years; the last is open-ended), each with the date of the set that ended it (NULL if none
--   did). Followed to the extract end date. Participants' pieces are cut at their start dates
--   by the asset, which also decides which time is reference time (config/outputs.yaml).
create or replace temp table service_participants_linked as
select
    service, person_key, role,
    min(start_date) as start_date,
    coalesce(first(la_code order by start_date) filter (where la_code <> 'unknown'), 'unknown') as la_code
from core.service_participants
where start_date <= getvariable('extract_end_date')
group by service, person_key, role;

create or replace temp table service_person_time as
with sets as (
    select person_key, set_number, issue_date,
        lead(issue_date) over (partition by person_key order by set_number) as next_issue_date
    from core.mother_proceedings
    where issue_date <= getvariable('extract_end_date')
),
intervals as (
    select s.person_key, s.set_number as earlier_sets, s.issue_date as set_date,
        least(coalesce(s.next_issue_date, getvariable('extract_end_date')), getvariable('extract_end_date'))
            as interval_end,
        case when s.next_issue_date <= getvariable('extract_end_date') then s.next_issue_date end as return_date
    from sets s
),
bands as (
    select band_number, band_start,
        lead(band_start) over (order by band_number) as band_end
    from (select unnest(getvariable('bands')) as band_start,
                 generate_subscripts(getvariable('bands'), 1) as band_number)
),
pieces as (
    select i.person_key, i.earlier_sets, b.band_number, i.return_date,
        i.set_date + cast(round(b.band_start * 365.25) as integer) as piece_from,
        least(i.interval_end,
              coalesce(i.set_date + cast(round(b.band_end * 365.25) as integer), i.interval_end)) as piece_to
    from intervals i cross join bands b
)
select
    p.person_key, m.age_band, m.care_experienced, p.earlier_sets, p.band_number,
    p.piece_from, p.piece_to,
    case when p.return_date > p.piece_from and p.return_date <= p.piece_to then p.return_date end as return_date
from pieces p
join core.mothers m using (person_key)
where p.piece_to > p.piece_from;
