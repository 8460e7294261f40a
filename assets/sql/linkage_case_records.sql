-- One row per case as each source records it (a legal_ref, a court case_number, a Cafcass
-- case_id), with the evidence that says two sources hold the same application: dates, court
-- numbers, the children, the mother.
create or replace table linkage.case_records as
with legal as (
    select
        'legal' as source,
        legal_ref as source_case_ref,
        min(issue_date) as issue_date,
        true as is_s31,
        first(la_code order by file_name desc, row_number) filter (where la_code is not null) as la_code,
        -- A legal ref sometimes is the court number ('LGL/LV19C00142'); the court_case_no column
        -- is often blank and sometimes mistyped.
        list_distinct(list_concat(
            list(court_case_no) filter (where court_case_no is not null),
            list(regexp_extract(upper(legal_ref), '[A-Z]{2}[0-9]{2}C[0-9]{5}'))
                filter (where regexp_matches(upper(legal_ref), '[A-Z]{2}[0-9]{2}C[0-9]{5}'))
        )) as court_numbers,
        list(distinct {'forename_key': child_forename_key, 'surname_key': child_surname_key, 'dob': child_dob})
            filter (where child_forename_key is not null or child_dob is not null) as children,
        first(mother_forename_key order by file_name desc, row_number) filter (where mother_forename_key is not null) as mother_forename_key,
        first(mother_surname_key order by file_name desc, row_number) filter (where mother_surname_key is not null) as mother_surname_key,
        first(mother_dob order by file_name desc, row_number) filter (where mother_dob is not null) as mother_dob
    from staging.legal
    group by legal_ref
),
court_rows as (
    select *,
        case when respondent_1_role = 'mother' then respondent_1_forename_key
             when respondent_2_role = 'mother' then respondent_2_forename_key end as mother_forename_key,
        case when respondent_1_role = 'mother' then respondent_1_surname_key
             when respondent_2_role = 'mother' then respondent_2_surname_key end as mother_surname_key,
        case when respondent_1_role = 'mother' then respondent_1_dob
             when respondent_2_role = 'mother' then respondent_2_dob end as mother_dob
    from staging.court
),
court as (
    select
        'court' as source,
        case_number as source_case_ref,
        min(issue_date) as issue_date,
        bool_or(is_s31) as is_s31,
        cast(null as varchar) as la_code,
        first(applicant_la order by file_name desc, row_number) filter (where applicant_la is not null) as applicant_la,
        [case_number] as court_numbers,
        list(distinct {'forename_key': child_forename_key, 'surname_key': child_surname_key, 'dob': child_dob})
            filter (where child_forename_key is not null or child_dob is not null) as children,
        first(mother_forename_key order by file_name desc, row_number) filter (where mother_forename_key is not null) as mother_forename_key,
        first(mother_surname_key order by file_name desc, row_number) filter (where mother_surname_key is not null) as mother_surname_key,
        first(mother_dob order by file_name desc, row_number) filter (where mother_dob is not null) as mother_dob
    from court_rows
    group by case_number
),
cafcass as (
    select
        'cafcass' as source,
        case_id as source_case_ref,
        min(application_date) as issue_date,
        bool_or(is_s31) as is_s31,
        first(la_code order by file_name desc, row_number) filter (where la_code is not null) as la_code,
        cast([] as varchar[]) as court_numbers,
        list(distinct {'forename_key': forename_key, 'surname_key': surname_key, 'dob': dob})
            filter (where role = 'child' and (forename_key is not null or dob is not null)) as children,
        first(forename_key order by file_name desc, row_number) filter (where role = 'mother' and forename_key is not null) as mother_forename_key,
        first(surname_key order by file_name desc, row_number) filter (where role = 'mother' and surname_key is not null) as mother_surname_key,
        first(dob order by file_name desc, row_number) filter (where role = 'mother' and dob is not null) as mother_dob
    from staging.cafcass
    group by case_id
)
select * from legal
union all by name select * from court
union all by name select * from cafcass
order by source, source_case_ref;
