-- Standardising functions shared by every staging query.

-- Dates arrive as YYYY-MM-DD, DD/MM/YYYY (UK, day first), D-MON-YYYY (FamilyMan) or, from
-- XLSX, already as YYYY-MM-DD. Anything else, or an impossible date (31/02/2019), is NULL
-- so the caller can quarantine it. Years outside 1900-2100 are typing slips, not dates. Every
-- accepted form starts with a digit: strptime also reads 'infinity' and 'epoch', which are not.
create or replace macro extract_date(s) as (
    with parsed as (
        select try_strptime(case when regexp_matches(trim(s), '^[0-9]') then trim(s) end, [
            '%Y-%m-%d', '%d/%m/%Y', '%d-%b-%Y', '%Y-%m-%d %H:%M:%S', '%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M'
        ])::date as d
    )
    select case when year(d) between 1900 and 2100 then d end from parsed
);

-- A comparison key for a name: lower case, accents off, letters only ("O'Neill-Smith" -> "oneillsmith").
create or replace macro name_key(s) as
    nullif(regexp_replace(lower(strip_accents(trim(s))), '[^a-z]', '', 'g'), '');

-- Whole names in one field: "SURNAME, Forename [Middle]" or "Forename [Middle] Surname".
create or replace macro name_forename(s) as
    case
        when s is null then null
        when contains(s, ',') then nullif(split_part(trim(split_part(s, ',', 2)), ' ', 1), '')
        else nullif(split_part(trim(s), ' ', 1), '')
    end;

create or replace macro name_surname(s) as
    case
        when s is null then null
        when contains(s, ',') then nullif(trim(split_part(s, ',', 1)), '')
        when len(string_split(regexp_replace(trim(s), '\s+', ' ', 'g'), ' ')) < 2 then null
        else string_split(regexp_replace(trim(s), '\s+', ' ', 'g'), ' ')[-1]
    end;

create or replace macro name_middle(s) as
    case
        when s is null then null
        when contains(s, ',') then nullif(array_to_string(string_split(regexp_replace(trim(split_part(s, ',', 2)), '\s+', ' ', 'g'), ' ')[2:], ' '), '')
        else nullif(array_to_string(string_split(regexp_replace(trim(s), '\s+', ' ', 'g'), ' ')[2:-2], ' '), '')
    end;

-- Roles as the contract names them: mother, father, child or other.
create or replace macro standard_role(s) as
    case
        when s is null then null
        when regexp_matches(lower(trim(s)), '^(birth )?(mother|mum|mom)$') then 'mother'
        when regexp_matches(lower(trim(s)), '^(birth )?(father|dad)$') then 'father'
        when regexp_matches(lower(trim(s)), '^(subject )?(child|children)$') then 'child'
        else 'other'
    end;

create or replace macro standard_sex(s) as
    case
        when lower(trim(s)) in ('f', 'female', 'girl', 'w', 'woman') then 'F'
        when lower(trim(s)) in ('m', 'male', 'boy', 'man') then 'M'
        when s is null then null
        else 'U'
    end;

-- yes / no / unknown answers from hand-filled forms; NULL means "could not be read".
create or replace macro yes_no_unknown(s) as
    case
        when s is null then 'unknown'
        when lower(trim(s)) in ('yes', 'y', 'true', '1') then 'yes'
        when lower(trim(s)) in ('no', 'n', 'false', '0') then 'no'
        when lower(trim(s)) in ('unknown', 'not known', 'dk', 'don''t know', 'n/k', 'nk', 'u') then 'unknown'
    end;

-- Postcodes are kept to the outward code (district) only, even when a full one arrives.
create or replace macro outward_code(s) as
    nullif(split_part(upper(trim(s)), ' ', 1), '');

-- Court and case numbers: upper case, no spaces.
create or replace macro case_ref(s) as
    nullif(regexp_replace(upper(trim(s)), '\s+', '', 'g'), '');

-- A forename's key is its first word only: "Jo Anne" and "Jo" match on "jo".
create or replace macro forename_key(s) as
    name_key(split_part(trim(s), ' ', 1));

-- A whole number written by hand ("3", " 3 "); NULL if it cannot be read.
create or replace macro whole_number(s) as
    try_cast(trim(s) as integer);

-- Section 31 care or supervision applications, by the patterns in config/application_types.yaml
-- (set as variables by the staging step). Exclusions are checked first: "C110A EPO" is not s31.
create or replace macro is_care_proceedings(s) as
    s is not null
    and not regexp_matches(lower(s), getvariable('not_care_proceedings_pattern'))
    and regexp_matches(lower(s), getvariable('care_proceedings_pattern'));
