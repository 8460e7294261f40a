-- Cafcass-style extract: one row per person per case. Postcodes are cut to the district.
select
    file_name, file_sha256, row_number, row_problem, problems,
    trim(case_id)                          as case_id,
    extract_date(application_date)         as application_date,
    trim(application_type)                 as application_type,
    is_care_proceedings(application_type)  as is_s31,
    upper(trim(la_code))                   as la_code,
    trim(person_id)                        as person_id,
    standard_role(role)                    as role,
    trim(role)                             as role_as_written,
    trim(forename)                         as forename,
    trim(surname)                          as surname,
    extract_date(dob)                      as dob,
    standard_sex(sex)                      as sex,
    outward_code(postcode)                 as postcode_district,
    trim(final_order)                      as final_order,
    forename_key(forename)                 as forename_key,
    name_key(surname)                      as surname_key
from typed_rows
