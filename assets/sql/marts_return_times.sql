-- Each mother's follow-up for marts.return_within_years: from her first set in the data to her
-- next set (a return), or to the extract end date if none is seen by then (censored).
-- Sets after the extract end date are not seen; mothers whose first set is after it are left out.
-- The extract end date is set by the asset (config, or the latest issue date in the data).
-- la_code is the authority of her first set, so each mother is followed in one authority.
-- Care experience is from the temp view care_experience (assets/sql/care_experience.sql).
select
    m.person_key,
    coalesce(m.la_code, 'unknown') as la_code,
    m.age_band,
    m.person_key in (select person_key from care_experience) as care_experienced,
    min(mp.issue_date) is not null as returned,
    coalesce(min(mp.issue_date), getvariable('extract_end_date')) - m.first_issue_date as days_followed
from core.mothers m
left join core.mother_proceedings mp
    on mp.person_key = m.person_key
    and mp.issue_date > m.first_issue_date
    and mp.issue_date <= getvariable('extract_end_date')
where m.first_issue_date <= getvariable('extract_end_date')
group by m.person_key, m.la_code, m.age_band, m.first_issue_date
