-- Service participants: one row per parent per episode of work with a recurrent-care service.
-- A row is used only if it can be linked to a person: by the person_key of a trawl list, or by
-- a name with a date of birth. One that cannot, or whose episode ends before it starts, goes to
-- quarantine with its reason rather than being counted as a participant with no history.
select
    file_name, file_sha256, row_number, row_problem,
    list_concat(problems, list_filter([
        case when nullif(trim(person_key), '') is null
                  and (extract_date(dob) is null
                       or coalesce(nullif(trim(forename), ''), nullif(trim(surname), '')) is null)
             then 'person_key is blank and no name with a date of birth is given, so the row cannot be linked' end,
        case when extract_date(end_date) < extract_date(start_date)
             then 'end_date is before start_date' end
    ], lambda p: p is not null)) as problems,
    trim(participant_id)                         as participant_id,
    coalesce(nullif(trim(service), ''), 'unnamed service') as service,
    nullif(trim(person_key), '')                 as person_key,
    trim(forename)                               as forename,
    trim(surname)                                as surname,
    extract_date(dob)                            as dob,
    standard_sex(sex)                            as sex,
    extract_date(referral_date)                  as referral_date,
    extract_date(start_date)                     as start_date,
    extract_date(end_date)                       as end_date,
    upper(trim(la_code))                         as la_code,
    forename_key(forename)                       as forename_key,
    name_key(surname)                            as surname_key
from typed_rows
