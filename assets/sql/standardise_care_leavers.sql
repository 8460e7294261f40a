-- Care leavers: one row per care-experienced person; former_surname helps link a mother
-- whose surname has changed since she left care.
select
    file_name, file_sha256, row_number, row_problem,
    list_concat(problems, case
        when placement_moves is not null and whole_number(placement_moves) is null
        then ['placement_moves is not a whole number'] else [] end) as problems,
    trim(la_person_id)                 as la_person_id,
    trim(forename)                     as forename,
    trim(surname)                      as surname,
    trim(former_surname)               as former_surname,
    extract_date(dob)                  as dob,
    standard_sex(sex)                  as sex,
    extract_date(date_entered_care)    as date_entered_care,
    extract_date(date_left_care)       as date_left_care,
    whole_number(placement_moves)      as placement_moves,
    upper(trim(la_code))               as la_code,
    forename_key(forename)             as forename_key,
    name_key(surname)                  as surname_key,
    name_key(former_surname)           as former_surname_key
from typed_rows
