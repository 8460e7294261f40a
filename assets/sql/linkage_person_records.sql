-- Every mention of a parent in a source (one per parent per source case), every care leaver
-- and every trawl form, with what linkage compares: name keys, date of birth, Cafcass person
-- id, postcode district. `node_id` pre-clusters what is certainly one person: a set has one
-- mother (and one father), so all mother mentions of one set share a node.

create or replace table linkage.person_records as
with legal_cases as (
    select
        legal_ref,
        first(mother_forename order by file_name desc, row_number) filter (where mother_forename is not null) as mother_forename,
        first(mother_surname order by file_name desc, row_number) filter (where mother_surname is not null) as mother_surname,
        first(mother_forename_key order by file_name desc, row_number) filter (where mother_forename_key is not null) as mother_forename_key,
        first(mother_surname_key order by file_name desc, row_number) filter (where mother_surname_key is not null) as mother_surname_key,
        first(mother_dob order by file_name desc, row_number) filter (where mother_dob is not null) as mother_dob,
        first(father_forename order by file_name desc, row_number) filter (where father_forename is not null) as father_forename,
        first(father_surname order by file_name desc, row_number) filter (where father_surname is not null) as father_surname,
        first(father_forename_key order by file_name desc, row_number) filter (where father_forename_key is not null) as father_forename_key,
        first(father_surname_key order by file_name desc, row_number) filter (where father_surname_key is not null) as father_surname_key,
        first(father_dob order by file_name desc, row_number) filter (where father_dob is not null) as father_dob
    from staging.legal
    group by legal_ref
),
legal as (
    select 'legal' as source, legal_ref as source_case_ref, 'mother' as role, 'mother' as person_ref,
        mother_forename as forename, mother_surname as surname, mother_forename_key as forename_key,
        mother_surname_key as surname_key, mother_dob as dob, 'F' as sex
    from legal_cases
    where coalesce(mother_forename, mother_surname) is not null or mother_dob is not null
    union all
    select 'legal', legal_ref, 'father', 'father', father_forename, father_surname, father_forename_key,
        father_surname_key, father_dob, 'M'
    from legal_cases
    where coalesce(father_forename, father_surname) is not null or father_dob is not null
),
court_respondents as (
    select
        case_number, file_name, row_number, slot,
        case slot when 1 then respondent_1_role else respondent_2_role end as role,
        case slot when 1 then respondent_1_forename else respondent_2_forename end as forename,
        case slot when 1 then respondent_1_surname else respondent_2_surname end as surname,
        case slot when 1 then respondent_1_forename_key else respondent_2_forename_key end as forename_key,
        case slot when 1 then respondent_1_surname_key else respondent_2_surname_key end as surname_key,
        case slot when 1 then respondent_1_dob else respondent_2_dob end as dob
    from staging.court, (values (1), (2)) slots(slot)
),
court as (
    select 'court' as source, case_number as source_case_ref, role, 'respondent_' || slot as person_ref,
        first(forename order by file_name desc, row_number) filter (where forename is not null) as forename,
        first(surname order by file_name desc, row_number) filter (where surname is not null) as surname,
        first(forename_key order by file_name desc, row_number) filter (where forename_key is not null) as forename_key,
        first(surname_key order by file_name desc, row_number) filter (where surname_key is not null) as surname_key,
        first(dob order by file_name desc, row_number) filter (where dob is not null) as dob,
        case role when 'mother' then 'F' else 'M' end as sex
    from court_respondents
    where role in ('mother', 'father')
    group by case_number, slot, role
),
cafcass as (
    select 'cafcass' as source, case_id as source_case_ref, role, coalesce(person_id, role) as person_ref,
        first(forename order by file_name desc, row_number) filter (where forename is not null) as forename,
        first(surname order by file_name desc, row_number) filter (where surname is not null) as surname,
        first(forename_key order by file_name desc, row_number) filter (where forename_key is not null) as forename_key,
        first(surname_key order by file_name desc, row_number) filter (where surname_key is not null) as surname_key,
        first(dob order by file_name desc, row_number) filter (where dob is not null) as dob,
        case role when 'mother' then 'F' else 'M' end as sex,
        any_value(person_id) as cafcass_person_id,
        first(postcode_district order by file_name desc, row_number) filter (where postcode_district is not null) as postcode_district
    from staging.cafcass
    where role in ('mother', 'father')
    group by case_id, role, coalesce(person_id, role)
),
parents as (
    select p.*, m.proceedings_id, m.set_anchor, m.issue_date as event_date, m.is_s31,
        m.set_anchor || '/' || p.role as node_id
    from (select * from legal union all by name select * from court union all by name select * from cafcass) p
    join linkage.set_members m using (source, source_case_ref)
),
care_leavers as (
    select 'care_leavers' as source, la_person_id as source_case_ref, 'other' as role, la_person_id as person_ref,
        forename, surname, forename_key, surname_key, former_surname, former_surname_key, dob, sex,
        coalesce(date_left_care, date_entered_care) as event_date
    from staging.care_leavers
),
case_file_reviews as (
    select 'case_file_review' as source, review_id as source_case_ref, 'mother' as role, review_id as person_ref,
        mother_forename as forename, mother_surname as surname, mother_forename_key as forename_key,
        mother_surname_key as surname_key, mother_dob as dob, 'F' as sex, reviewed_on as event_date,
        in_care_as_child, person_key as form_person_key
    from staging.case_file_review
),
service_participants as (
    -- One record per participant per service (a parent's episodes share it). A row from a trawl
    -- list carries her person_key, which she keeps as trawl forms do; fathers (sex M) are linked
    -- with fathers, everyone else with mothers.
    select 'service_participants' as source, participant_id as source_case_ref,
        case when any_value(sex) filter (where sex is not null) = 'M' then 'father' else 'mother' end as role,
        service as person_ref,
        first(forename order by file_name desc, row_number) filter (where forename is not null) as forename,
        first(surname order by file_name desc, row_number) filter (where surname is not null) as surname,
        first(forename_key order by file_name desc, row_number) filter (where forename_key is not null) as forename_key,
        first(surname_key order by file_name desc, row_number) filter (where surname_key is not null) as surname_key,
        first(dob order by file_name desc, row_number) filter (where dob is not null) as dob,
        case when any_value(sex) filter (where sex is not null) = 'M' then 'M' else 'F' end as sex,
        min(start_date) as event_date,
        first(person_key order by file_name desc, row_number) filter (where person_key is not null) as form_person_key
    from staging.service_participants
    group by participant_id, service
),
-- Parents of current pre-proceedings (PLO) and pre-birth cases: linked like any other mention, so
-- core.pre_proceedings_history can look up their earlier sets. The case stands in for a set:
-- its mother and father share set_anchor, so each is evidence for the other (partner tokens).
pre_proceedings_parents as (
    select 'pre_proceedings' as source, pre_proceedings_ref as source_case_ref, 'mother' as role,
        'mother' as person_ref, mother_forename as forename, mother_surname as surname,
        mother_forename_key as forename_key, mother_surname_key as surname_key, mother_dob as dob, 'F' as sex,
        start_date as event_date
    from staging.pre_proceedings
    where coalesce(mother_forename, mother_surname) is not null or mother_dob is not null
    union all
    select 'pre_proceedings', pre_proceedings_ref, 'father', 'father', father_forename, father_surname,
        father_forename_key, father_surname_key, father_dob, 'M', start_date
    from staging.pre_proceedings
    where coalesce(father_forename, father_surname) is not null or father_dob is not null
),
everyone as (
    select * from parents
    union all by name select *, source || ':' || source_case_ref as node_id from care_leavers
    union all by name select *, source || ':' || source_case_ref as node_id from case_file_reviews
    union all by name select *, source || ':' || source_case_ref || ':' || person_ref as node_id from service_participants
    union all by name select *, source || ':' || source_case_ref as set_anchor,
        source || ':' || source_case_ref || '/' || role as node_id from pre_proceedings_parents
)
select
    source || ':' || source_case_ref || ':' || person_ref as record_id,
    source, source_case_ref, role, person_ref, node_id, proceedings_id, set_anchor, is_s31, event_date,
    forename, surname, former_surname, forename_key, surname_key,
    -- Every surname she may be known by: as written, its parts (Smith-Jones is also Smith and
    -- Jones), and a care leaver's former surname.
    list_sort(list_distinct(list_filter(flatten([
        [surname_key, former_surname_key],
        list_transform(regexp_split_to_array(coalesce(surname, ''), '[\s\-]+'), lambda part: name_key(part)),
        list_transform(regexp_split_to_array(coalesce(former_surname, ''), '[\s\-]+'), lambda part: name_key(part))
    ]), lambda s: s is not null and length(s) > 1))) as surname_keys,
    -- Every given name she may be known by: the first (forename_key) and each word of the
    -- forename field, so "Mary-Jane" or "Mary Jane" is also Mary and Jane (a middle name written
    -- into the forename, or a double-barrelled forename cut short in another source).
    list_sort(list_distinct(list_filter(list_concat(
        [forename_key],
        list_filter(list_transform(regexp_split_to_array(coalesce(forename, ''), '[\s\-]+'),
                                   lambda part: name_key(part)), lambda part: length(part) > 1)
    ), lambda s: s is not null))) as forename_keys,
    dob, sex, postcode_district, cafcass_person_id, in_care_as_child, form_person_key,
    -- Which people are linked with which: care leavers (women, or sex not recorded) with mothers.
    case when source = 'care_leavers' then case when coalesce(sex, 'F') <> 'M' then 'mother' end else role end
        as linked_as,
    case source when 'court' then 1 when 'cafcass' then 2 when 'legal' then 3 when 'care_leavers' then 4
        when 'case_file_review' then 5 else 6 end
        as source_rank
from everyone
order by record_id;
