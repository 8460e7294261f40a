-- What the case files that came back from a sampled trawl say: one row per sampled mother whose
-- form was completed (her latest), characteristic and answer, for the characteristics that only a
-- case file gives. The values are those of marts_baseline_characteristics.sql (there for every
-- mother, with 'not reviewed'); this one feeds the weighted estimates. Reads completed_forms.
with latest_form as (
    select * from completed_forms
    where person_key in (select person_key from core.case_file_sample where sampled)
    qualify row_number() over (partition by person_key order by reviewed_on desc nulls last, review_id desc) = 1
)
select person_key, 'children removed before' as characteristic,
    case
        when children_removed_before is null then 'unknown'
        when children_removed_before >= 3 then '3 or more'
        else children_removed_before::varchar
    end as value
from latest_form
union all
select person_key, 'reasons children were removed',
    unnest(case when coalesce(len(removal_reasons), 0) = 0 then ['none recorded'] else list_distinct(removal_reasons) end)
from latest_form
union all
select person_key, 'age at first pregnancy',
    case
        when age_at_first_pregnancy is null then 'unknown'
        when age_at_first_pregnancy < 18 then 'under 18'
        when age_at_first_pregnancy < 20 then '18-19'
        when age_at_first_pregnancy < 25 then '20-24'
        else '25 or over'
    end
from latest_form
union all select person_key, 'in care as a child', in_care_as_child from latest_form
union all select person_key, 'mental health problems', mental_health from latest_form
union all select person_key, 'domestic abuse', domestic_abuse from latest_form
union all select person_key, 'drug or alcohol use', substance_misuse from latest_form
union all select person_key, 'learning disability', learning_disability from latest_form
