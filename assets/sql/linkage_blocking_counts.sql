-- How many pairs each blocking rule (linkage/person_model.py, _settings) lets through, from the
-- blocking keys of temp table person_profiles, into temp table blocking_counts: for each key, a
-- pair for every two nodes that share it. A pair sharing keys of several rules (or several keys
-- of one rule) is counted for each, so the total is an upper bound on the pairs Splink compares.
create or replace temp table blocking_counts as
with keys as (
    select 'date of birth with a name or initials' as rule, unnest(dob_name_tokens) as token from person_profiles
    union all select 'names with year and month, or month and day, of birth', unnest(name_birth_month_tokens)
    from person_profiles
    union all select 'postcode district with the sound of a name and the other initial', unnest(postcode_sound_tokens) from person_profiles
    union all select 'date of birth with postcode district', unnest(dob_place_tokens) from person_profiles
    union all select 'Cafcass id', unnest(cafcass_ids) from person_profiles
    union all select 'names with the other parent', unnest(name_partner_tokens) from person_profiles
    union all select 'the other parent, by his surname and date of birth', unnest(partner_keys) from person_profiles
    union all select 'a full name at most 10 nodes carry', unnest(rare_name_tokens) from person_profiles
    union all select 'uncommon full name, one of the two without a date of birth', unnest(no_dob_name_tokens) from person_profiles
)
select rule, coalesce(sum(n * (n - 1) // 2), 0)::bigint as pairs
from (select rule, token, count(*) as n from keys group by rule, token)
group by rule
order by rule;
