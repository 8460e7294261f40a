-- One profile per node to compare (getvariable('role') = 'mother' or 'father'), into temp table
-- person_profiles (the asset keeps it as linkage.<role>_profiles): everything the
-- records of one node say about the person, as lists, so a slip in one source is outvoted by
-- the others. Mothers' nodes also include care leavers (see linked_as) and trawl forms.
--
-- partner_tokens is the other parent, from temp table partner_tokens (built first by
-- linkage_<role>_partners.sql).

create or replace temp table person_profiles as
with records as (
    select r.*, coalesce(v.groups, []) as forename_groups
    from linkage.person_records r
    left join (select name_key, list(group_number order by group_number) as groups
               from linkage.name_variants group by name_key) v
      on v.name_key = r.forename_key
    where r.linked_as = getvariable('role')
),
forename_shares as (
    select forename_key, count(*) / sum(count(*)) over () as share
    from records where forename_key is not null group by forename_key
),
nodes as (
    select
        node_id,
        min(case when source = 'care_leavers' then 2 when source = 'case_file_review' then 3
                 when is_s31 then 0 else 1 end) as node_rank,
        min(event_date) as first_event_date,
        coalesce(list_sort(list_distinct(list(forename_key) filter (where forename_key is not null))), []) as forenames,
        -- Forenames fewer than 1 in 100 records carry: agreeing on one says more than on 'Sarah'.
        coalesce(list_sort(list_distinct(list(forename_key) filter (where share < 0.01))), []) as uncommon_forenames,
        coalesce(list_sort(list_distinct(flatten(list(forename_groups)))), []) as forename_groups,
        -- Forenames and their nickname groups ('#12'), for blocking keys.
        coalesce(list_sort(list_distinct(list_concat(
            list(forename_key) filter (where forename_key is not null),
            flatten(list(list_transform(forename_groups, lambda g: '#' || g)))))), []) as given_names,
        coalesce(list_sort(list_distinct(flatten(list(surname_keys)))), []) as surnames,
        coalesce(list_sort(list_distinct(list(dob) filter (where dob is not null))), []) as dobs,
        coalesce(list_sort(list_distinct(list(cafcass_person_id) filter (where cafcass_person_id is not null))), []) as cafcass_ids,
        coalesce(list_sort(list_distinct(list(postcode_district) filter (where postcode_district is not null))), []) as postcodes
        -- (A list aggregate over no values is NULL: coalesced to [] so 'not recorded' reads as such.)
    from records
    left join forename_shares using (forename_key)
    group by node_id
)
select
    n.*,
    coalesce(p.tokens, []) as partner_tokens,
    -- Blocking keys. Pairs are scored only if they share one: a date of birth (either way round)
    -- with a forename (or its nickname group) or with a surname; a forename and surname with the
    -- year and month, or the month and day, of birth (a slip in the other part); a forename and
    -- surname with the other parent (which finds her where no date of birth was recorded); and a
    -- Cafcass id (the model's rule). A date of birth alone would pair up every woman born on one
    -- day, and names alone every Sarah Smith: nearly all of them strangers, and at 200,000
    -- mothers millions of pairs.
    list_sort(list_distinct(list_concat(
        list_transform(dobs, lambda d: strftime(d, '%Y-%m-%d')),
        list_filter(list_transform(dobs, lambda d: strftime(dob_swapped(d), '%Y-%m-%d')), lambda d: d is not null)
    ))) as dob_tokens,
    list_sort(list_distinct(flatten(list_transform(dob_tokens, lambda d:
        list_transform(given_names, lambda f: d || '|' || f))))) as dob_forename_tokens,
    list_sort(list_distinct(flatten(list_transform(dob_tokens, lambda d:
        list_transform(surnames, lambda s: d || '|' || s))))) as dob_surname_tokens,
    list_distinct(flatten(list_transform(dobs, lambda d: [strftime(d, 'ym %Y-%m'), strftime(d, 'md %m-%d')])))
        as birth_parts,
    list_sort(list_distinct(flatten(list_transform(given_names, lambda f: flatten(list_transform(surnames, lambda s:
        list_transform(birth_parts, lambda part: f || '|' || s || '|' || part))))))) as name_birth_month_tokens,
    list_sort(list_distinct(flatten(list_transform(forenames, lambda f: flatten(list_transform(surnames, lambda s:
        list_transform(partner_tokens, lambda p: f || '|' || s || '|' || p))))))) as name_partner_tokens
from nodes n
left join partner_tokens p using (node_id);
