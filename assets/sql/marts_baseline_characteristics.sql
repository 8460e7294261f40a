-- marts.baseline_characteristics_by_authority: the baseline characteristics the Research in
-- Practice resource pack lists, for all mothers and for recurrent mothers (two or more sets), one
-- row per authority, cohort, characteristic and value. A mother counts in the authority of her
-- first set (la_code) and in 'all'; the asset copies the 'all' rows to marts.baseline_characteristics. Every mother is counted under every characteristic: a blank answer
-- is 'unknown', and a mother whose files have not been read (no completed form) is 'not reviewed'.
-- pct is of the cohort. 'reasons children were removed' can hold several reasons per mother, so
-- its rows do not add up to the cohort (one_value_per_mother is false); every other
-- characteristic's rows do.
-- Reads the temp views completed_forms (assets/sql/completed_forms.sql) and care_experience
-- (assets/sql/care_experience.sql: the same definition as the return estimates' group).
with latest_form as (
    select * from completed_forms
    where person_key is not null
    qualify row_number() over (partition by person_key order by reviewed_on desc nulls last, review_id desc) = 1
),
father_at_first_set as (
    -- The father in her first set (the older, in the rare set with two).
    select mp.person_key, max(fp.father_age_at_issue) as father_age
    from core.mother_proceedings mp
    join core.father_proceedings fp using (proceedings_id)
    where mp.set_number = 1
    group by mp.person_key
),
mothers as (
    select
        m.person_key, coalesce(m.la_code, 'unknown') as first_set_la_code, m.sets, coalesce(m.age_band, 'unknown') as age_band,
        m.person_key in (select person_key from care_experience) as care_experienced,
        f.review_id is not null as reviewed,
        f.children_removed_before, f.removal_reasons, f.age_at_first_pregnancy, f.in_care_as_child,
        f.mental_health, f.domestic_abuse, f.learning_disability, f.substance_misuse,
        fa.person_key is not null as father_recorded, fa.father_age
    from core.mothers m
    left join latest_form f using (person_key)
    left join father_at_first_set fa using (person_key)
),
mothers_by_authority as (
    select unnest(['all', first_set_la_code]) as la_code, * from mothers
),
cohorts as (
    select 'all mothers' as cohort, * from mothers_by_authority
    union all
    select 'recurrent mothers' as cohort, * from mothers_by_authority where sets >= 2
),
answers as (
    select la_code, cohort, person_key, 'mothers in cohort' as characteristic, 'all' as value from cohorts
    union all
    select la_code, cohort, person_key, 'sets of proceedings in the data',
        case when sets >= 4 then '4 or more' else sets::varchar end
    from cohorts
    union all
    select la_code, cohort, person_key, 'case file read', case when reviewed then 'yes' else 'not reviewed' end
    from cohorts
    union all
    select la_code, cohort, person_key, 'children removed before',
        case
            when not reviewed then 'not reviewed'
            when children_removed_before is null then 'unknown'
            when children_removed_before >= 3 then '3 or more'
            else children_removed_before::varchar
        end
    from cohorts
    union all
    select la_code, cohort, person_key, 'reasons children were removed',
        unnest(case
            when not reviewed then ['not reviewed']
            when coalesce(len(removal_reasons), 0) = 0 then ['none recorded']
            else list_distinct(removal_reasons)
        end)
    from cohorts
    union all
    select la_code, cohort, person_key, 'mother''s age at her first set', age_band
    from cohorts
    union all
    select la_code, cohort, person_key, 'father''s age at her first set',
        case
            when not father_recorded then 'no father recorded'
            when father_age is null then 'unknown'
            when father_age < 20 then 'under 20'
            when father_age < 25 then '20-24'
            when father_age < 30 then '25-29'
            when father_age < 40 then '30-39'
            else '40 or over'
        end
    from cohorts
    union all
    select la_code, cohort, person_key, 'age at first pregnancy',
        case
            when not reviewed then 'not reviewed'
            when age_at_first_pregnancy is null then 'unknown'
            when age_at_first_pregnancy < 18 then 'under 18'
            when age_at_first_pregnancy < 20 then '18-19'
            when age_at_first_pregnancy < 25 then '20-24'
            else '25 or over'
        end
    from cohorts
    union all
    select la_code, cohort, person_key, 'care experienced', case when care_experienced then 'yes' else 'no record' end
    from cohorts
    union all
    select la_code, cohort, person_key, 'in care as a child', case when reviewed then in_care_as_child else 'not reviewed' end
    from cohorts
    union all
    select la_code, cohort, person_key, 'mental health problems', case when reviewed then mental_health else 'not reviewed' end
    from cohorts
    union all
    select la_code, cohort, person_key, 'domestic abuse', case when reviewed then domestic_abuse else 'not reviewed' end
    from cohorts
    union all
    select la_code, cohort, person_key, 'drug or alcohol use', case when reviewed then substance_misuse else 'not reviewed' end
    from cohorts
    union all
    select la_code, cohort, person_key, 'learning disability', case when reviewed then learning_disability else 'not reviewed' end
    from cohorts
),
-- Every value a characteristic can take, in the order shown, so each table has the same rows.
categories as (
    select characteristic_order, characteristic, source, one_value_per_mother,
        unnest(answers) as value, generate_subscripts(answers, 1) as value_order
    from (values
        (1, 'mothers in cohort', 'proceedings', true, ['all']),
        (2, 'sets of proceedings in the data', 'proceedings', true, ['1', '2', '3', '4 or more']),
        (3, 'mother''s age at her first set', 'proceedings', true, ['under 20', '20-24', '25-29', '30+', 'unknown']),
        (4, 'father''s age at her first set', 'proceedings', true,
            ['under 20', '20-24', '25-29', '30-39', '40 or over', 'unknown', 'no father recorded']),
        (5, 'care experienced', case when getvariable('care_experience_from_forms') then 'care-leaver record or case-file form'
            else 'care-leaver record' end, true, ['yes', 'no record']),
        (6, 'case file read', 'case-file form', true, ['yes', 'not reviewed']),
        (7, 'children removed before', 'case-file form', true, ['0', '1', '2', '3 or more', 'unknown', 'not reviewed']),
        (8, 'reasons children were removed', 'case-file form', false,
            ['neglect', 'emotional abuse', 'physical abuse', 'sexual abuse', 'domestic abuse exposure',
             'parental substance misuse', 'parental mental health', 'other', 'none recorded', 'not reviewed']),
        (9, 'age at first pregnancy', 'case-file form', true, ['under 18', '18-19', '20-24', '25 or over', 'unknown', 'not reviewed']),
        (10, 'in care as a child', 'case-file form', true, ['yes', 'no', 'unknown', 'not reviewed']),
        (11, 'mental health problems', 'case-file form', true, ['yes', 'no', 'unknown', 'not reviewed']),
        (12, 'domestic abuse', 'case-file form', true, ['yes', 'no', 'unknown', 'not reviewed']),
        (13, 'drug or alcohol use', 'case-file form', true, ['drugs', 'alcohol', 'both', 'none', 'unknown', 'not reviewed']),
        (14, 'learning disability', 'case-file form', true, ['yes', 'no', 'unknown', 'not reviewed'])
    ) as listed(characteristic_order, characteristic, source, one_value_per_mother, answers)
),
cohort_sizes as (
    select la_code, cohort, count(*) as cohort_mothers from cohorts group by la_code, cohort
),
counted as (
    select la_code, cohort, characteristic, value, count(distinct person_key) as mothers
    from answers
    group by la_code, cohort, characteristic, value
),
authorities as (
    select distinct la_code from mothers_by_authority
    union
    select 'all'
)
select
    a.la_code,
    c.cohort,
    k.characteristic,
    k.value,
    coalesce(n.mothers, 0)                                                   as mothers,
    round(100.0 * coalesce(n.mothers, 0) / nullif(s.cohort_mothers, 0), 1)   as pct,
    k.source,
    k.one_value_per_mother,
    row_number() over (
        partition by a.la_code order by c.cohort_order, k.characteristic_order, k.value_order
    ) as display_order
from authorities a
cross join (values ('all mothers', 1), ('recurrent mothers', 2)) as c(cohort, cohort_order)
cross join categories k
left join cohort_sizes s on s.la_code = a.la_code and s.cohort = c.cohort
left join counted n
    on n.la_code = a.la_code and n.cohort = c.cohort and n.characteristic = k.characteristic and n.value = k.value
order by a.la_code <> 'all', a.la_code = 'unknown', a.la_code, display_order
