-- Case-file trawl forms, filled by hand: answers are read leniently (Y, Yes, yes...) but an
-- answer that cannot be read sends the form to quarantine rather than being guessed.
with answers as (
    select *,
        yes_no_unknown(in_care_as_child)    as in_care_as_child_std,
        yes_no_unknown(mental_health)       as mental_health_std,
        yes_no_unknown(domestic_abuse)      as domestic_abuse_std,
        yes_no_unknown(learning_disability) as learning_disability_std,
        case
            when substance_misuse is null then 'unknown'
            when lower(trim(substance_misuse)) in ('drugs', 'alcohol', 'both', 'none', 'unknown')
                then lower(trim(substance_misuse))
            when lower(trim(substance_misuse)) in ('drugs and alcohol', 'alcohol and drugs') then 'both'
            when lower(trim(substance_misuse)) in ('no', 'n') then 'none'
        end as substance_misuse_std,
        list_transform(
            list_filter(string_split(coalesce(removal_reasons, ''), ';'), lambda r: trim(r) <> ''),
            lambda r: lower(trim(r))
        ) as removal_reason_list
    from typed_rows
)
select
    file_name, file_sha256, row_number, row_problem,
    list_concat(problems, list_filter([
        case when children_removed_before is not null and whole_number(children_removed_before) is null
             then 'children_removed_before is not a whole number' end,
        case when age_at_first_pregnancy is not null and whole_number(age_at_first_pregnancy) is null
             then 'age_at_first_pregnancy is not a whole number' end,
        case when in_care_as_child_std is null then 'in_care_as_child is not yes, no or unknown' end,
        case when mental_health_std is null then 'mental_health is not yes, no or unknown' end,
        case when domestic_abuse_std is null then 'domestic_abuse is not yes, no or unknown' end,
        case when learning_disability_std is null then 'learning_disability is not yes, no or unknown' end,
        case when substance_misuse_std is null
             then 'substance_misuse is not drugs, alcohol, both, none or unknown' end
    ], lambda p: p is not null)) as problems,
    trim(review_id)                            as review_id,
    trim(person_key)                           as person_key,
    trim(mother_forename)                      as mother_forename,
    trim(mother_surname)                       as mother_surname,
    extract_date(mother_dob)                   as mother_dob,
    extract_date(reviewed_on)                  as reviewed_on,
    trim(reviewer)                             as reviewer,
    whole_number(children_removed_before)      as children_removed_before,
    -- Reasons outside the contract's list are counted as "other"; the text stays in removal_reasons_as_written.
    list_transform(removal_reason_list, lambda r: case when r in (
        'neglect', 'emotional abuse', 'physical abuse', 'sexual abuse', 'domestic abuse exposure',
        'parental substance misuse', 'parental mental health', 'other') then r else 'other' end
    )                                          as removal_reasons,
    trim(removal_reasons)                      as removal_reasons_as_written,
    whole_number(age_at_first_pregnancy)       as age_at_first_pregnancy,
    in_care_as_child_std                       as in_care_as_child,
    mental_health_std                          as mental_health,
    domestic_abuse_std                         as domestic_abuse,
    learning_disability_std                    as learning_disability,
    substance_misuse_std                       as substance_misuse,
    forename_key(mother_forename)              as mother_forename_key,
    name_key(mother_surname)                   as mother_surname_key
from answers
