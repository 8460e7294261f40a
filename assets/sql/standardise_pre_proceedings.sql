-- Pre-proceedings: one row per case in pre-proceedings (PLO) or pre-birth assessment, with the
-- parents as the children's services system records them. `stage` is read leniently ('Public
-- Law Outline', 'Pre-Birth assessment'); any other wording is kept as 'other', blank as NULL.
-- A case is open while closed_date is blank.
select
    file_name, file_sha256, row_number, row_problem, problems,
    trim(pre_proceedings_ref)             as pre_proceedings_ref,
    extract_date(start_date)              as start_date,
    case
        when stage is null then null
        when regexp_matches(lower(stage), '\bplo\b|public\s+law\s+outline|pre[\s\-]*proceedings') then 'PLO'
        when regexp_matches(lower(stage), 'pre[\s\-]*birth|unborn') then 'pre-birth'
        else 'other'
    end                                   as stage,
    upper(trim(la_code))                  as la_code,
    trim(mother_forename)                 as mother_forename,
    trim(mother_surname)                  as mother_surname,
    extract_date(mother_dob)              as mother_dob,
    trim(father_forename)                 as father_forename,
    trim(father_surname)                  as father_surname,
    extract_date(father_dob)              as father_dob,
    extract_date(expected_due_date)       as expected_due_date,
    extract_date(closed_date)             as closed_date,
    forename_key(mother_forename)         as mother_forename_key,
    name_key(mother_surname)              as mother_surname_key,
    forename_key(father_forename)         as father_forename_key,
    name_key(father_surname)              as father_surname_key
from typed_rows
