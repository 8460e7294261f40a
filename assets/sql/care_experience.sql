-- care_experience (temp view): mothers counted as care experienced in the return estimates and
-- the baseline. A group must not depend on the outcome: care-leaver records cover every care
-- leaver whether or not she returns to court, so they define the group. A case-file form that
-- says "in care as a child" counts too only when the forms were drawn without regard to
-- recurrence (groups -> care_experience_from_forms in config/outputs.yaml, set as a variable by
-- the asset); forms written mostly for recurrent mothers would inflate the group's returns.
-- Reads the temp view completed_forms (assets/sql/completed_forms.sql).
create or replace temp view care_experience as
select person_key
from linkage.person_clusters
where source = 'care_leavers' and person_key is not null
union
select person_key
from completed_forms
where getvariable('care_experience_from_forms') and in_care_as_child = 'yes' and person_key is not null
