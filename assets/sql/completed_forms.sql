-- completed_forms (temp view): case-file trawl forms that were filled in, each with its mother's
-- person_key, for the baseline and the worklist. Names and dates of birth are left behind.
-- A form counts once it has a review date or a reviewer: worklist rows sent back unfilled do not.
-- A form from the worklist carries its mother's person_key; any other reaches her through linkage.
create or replace temp view completed_forms as
with forms_linked_by_linkage as (
    select source_case_ref as review_id, min(person_key) as person_key  -- one key per form
    from linkage.person_clusters
    where source = 'case_file_review'
    group by source_case_ref
)
select
    coalesce(f.person_key, l.person_key) as person_key,
    f.review_id, f.reviewed_on, f.children_removed_before, f.removal_reasons,
    f.age_at_first_pregnancy, f.in_care_as_child, f.mental_health, f.domestic_abuse,
    f.learning_disability, f.substance_misuse
from staging.case_file_review f
left join forms_linked_by_linkage l using (review_id)
where f.reviewed_on is not null or f.reviewer is not null
