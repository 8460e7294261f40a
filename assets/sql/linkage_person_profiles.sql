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
-- How common each name is, as a share of records: agreeing on a rare name says more than on
-- 'Sarah' or 'Smith' (a term-frequency adjustment in bands, which works on lists of names).
forename_shares as (
    select name_key, count(*) / (select count(*) from records where len(forename_keys) > 0) as share
    from (select unnest(forename_keys) as name_key from records) group by name_key
),
surname_shares as (
    select name_key, count(*) / (select count(*) from records where len(surname_keys) > 0) as share
    from (select unnest(surname_keys) as name_key from records) group by name_key
),
nodes as (
    select
        node_id,
        min(case when source = 'care_leavers' then 2 when source = 'case_file_review' then 3
                 when is_s31 then 0 else 1 end) as node_rank,
        min(event_date) as first_event_date,
        coalesce(list_sort(list_distinct(flatten(list(forename_keys)))), []) as forenames,
        coalesce(list_sort(list_distinct(flatten(list(forename_groups)))), []) as forename_groups,
        coalesce(list_sort(list_distinct(flatten(list(surname_keys)))), []) as surnames,
        coalesce(list_sort(list_distinct(list(dob) filter (where dob is not null))), []) as dobs,
        coalesce(list_sort(list_distinct(list(cafcass_person_id) filter (where cafcass_person_id is not null))), []) as cafcass_ids,
        coalesce(list_sort(list_distinct(list(postcode_district) filter (where postcode_district is not null))), []) as postcodes
        -- (A list aggregate over no values is NULL: coalesced to [] so 'not recorded' reads as such.)
    from records
    group by node_id
),
node_names as (
    select node_id, unnest(forenames) as name_key, 'forename' as kind from nodes
    union all
    select node_id, unnest(surnames), 'surname' from nodes
),
name_facts as (
    select
        n.node_id,
        -- Forenames fewer than 1 in 100 records carry, surnames fewer than 1 in 200.
        list_sort(list_distinct(list(n.name_key) filter (where n.kind = 'forename' and f.share < 0.01)))
            as uncommon_forenames,
        list_sort(list_distinct(list(n.name_key) filter (where n.kind = 'surname' and s.share < 0.005)))
            as uncommon_surnames,
        list_sort(list_distinct(list(p.phonetic_key) filter (where n.kind = 'forename' and p.phonetic_key is not null)))
            as forename_phonetics,
        list_sort(list_distinct(list(p.phonetic_key) filter (where n.kind = 'surname' and p.phonetic_key is not null)))
            as surname_phonetics
    from node_names n
    left join forename_shares f on n.kind = 'forename' and f.name_key = n.name_key
    left join surname_shares s on n.kind = 'surname' and s.name_key = n.name_key
    left join linkage.name_phonetics p on p.name_key = n.name_key
    group by n.node_id
),
-- Full names (a forename with a surname) that few nodes carry: a name this rare is a reason to
-- compare two records whatever their dates of birth say (a date replaced or keyed in the wrong
-- box, a child's date for the mother's), and at most 10 nodes to a name keeps the pairs it
-- makes bounded (at most 45 per name) however many Sarah Smiths a big authority has.
full_names as (
    select distinct node_id, unnest(flatten(list_transform(forenames, lambda f:
        list_transform(surnames, lambda s: f || '|' || s)))) as full_name
    from nodes
),
rare_full_names as (
    select node_id, list_sort(list(full_name)) as tokens
    from full_names
    where full_name in (select full_name from full_names group by full_name having count(*) <= 10)
    group by node_id
),
profiles as (
    select
        n.*,
        -- Her names less those her records also give in the other box (one record with the names
        -- swapped puts her surname among her forenames): the model asks whether these cross over to
        -- the other's other box, so a surname both share is not counted a second time as a swap.
        list_filter(n.forenames, lambda f: not list_contains(n.surnames, f)) as forename_only_names,
        list_filter(n.surnames, lambda s: not list_contains(n.forenames, s)) as surname_only_names,
        coalesce(f.uncommon_forenames, []) as uncommon_forenames,
        coalesce(f.uncommon_surnames, []) as uncommon_surnames,
        coalesce(f.forename_phonetics, []) as forename_phonetics,
        coalesce(f.surname_phonetics, []) as surname_phonetics,
        coalesce(p.tokens, []) as partner_tokens,
        coalesce(p.keys, []) as partner_keys,
        coalesce(r.tokens, []) as rare_name_tokens
    from nodes n
    left join name_facts f using (node_id)
    left join partner_tokens p using (node_id)
    left join rare_full_names r using (node_id)
),
-- A node with no date of birth at all is paired with every node giving one of its forename and
-- surname combinations as written, where the forename or the surname is uncommon (see name_facts).
-- A common full name alone (Sarah Smith) is shared by strangers, thousands of them at 200,000
-- mothers, and never enough to link on; with a postcode, Cafcass id or the other parent in common
-- too, other rules already pair them. As blocking keys: each such pair a key of its own, which only
-- its two nodes carry, and two nodes without a date of birth the name. So a pair of nodes that both
-- have a date of birth is never formed, not even inside the join, and the pairs grow with the
-- few nodes that lack one.
uncommon_full_names as (
    select node_id, len(p.dobs) = 0 as without_dob, n.full_name
    from full_names n join profiles p using (node_id)
    where list_contains(p.uncommon_forenames, split_part(n.full_name, '|', 1))
       or list_contains(p.uncommon_surnames, split_part(n.full_name, '|', 2))
),
without_dob_pairs as (
    select distinct x.node_id as without_dob_id, y.node_id as with_dob_id
    from uncommon_full_names x join uncommon_full_names y using (full_name)
    where x.without_dob and not y.without_dob
),
no_dob_name_keys as (
    select node_id, list_sort(list(distinct token)) as tokens
    from (
        select without_dob_id as node_id, 'pair ' || without_dob_id || ' ' || with_dob_id as token from without_dob_pairs
        union all
        select with_dob_id, 'pair ' || without_dob_id || ' ' || with_dob_id from without_dob_pairs
        union all
        select node_id, 'name ' || full_name from uncommon_full_names where without_dob
    )
    group by node_id
),
-- The parts the blocking keys below are built from, each computed once.
key_parts as (
    select
        profiles.*,
        list_sort(list_distinct(list_concat(
            list_transform(dobs, lambda d: strftime(d, '%Y-%m-%d')),
            list_filter(list_transform(dobs, lambda d: strftime(dob_swapped(d), '%Y-%m-%d')), lambda d: d is not null)
        ))) as dob_tokens,
        -- Forenames with their nickname groups ('#12') and sounds ('~KRN'); surnames with sounds.
        list_sort(list_distinct(list_concat(forenames, list_transform(forename_groups, lambda g: '#' || g),
            list_transform(forename_phonetics, lambda p: '~' || p)))) as given_names,
        list_sort(list_distinct(list_concat(surnames, list_transform(surname_phonetics, lambda p: '~' || p))))
            as family_names,
        list_distinct(flatten(list_transform(dobs, lambda d: [strftime(d, 'ym %Y-%m'), strftime(d, 'md %m-%d')])))
            as birth_parts,
        -- The initials of each name; a name not recorded stands for every initial (a blank does not
        -- disagree), so her surname's sound and the district still find her when the forename is blank.
        case when len(forenames) = 0 then string_split('abcdefghijklmnopqrstuvwxyz', '')
             else list_distinct(list_transform(forenames, lambda f: f[1])) end as forename_initials,
        case when len(surnames) = 0 then string_split('abcdefghijklmnopqrstuvwxyz', '')
             else list_distinct(list_transform(surnames, lambda s: s[1])) end as surname_initials,
        coalesce(k.tokens, []) as no_dob_name_tokens
    from profiles
    left join no_dob_name_keys k using (node_id)
)
select
    key_parts.* exclude (given_names, family_names, birth_parts, forename_initials, surname_initials),
    -- Blocking keys. Pairs are scored only if they share one, and no key needs any one field to
    -- be right, so a mistyped date of birth or a misspelt name alone never hides a match:
    --   a date of birth (either way round) with any name or name sound, forename or surname
    --   (which also finds her when her forename and surname were written the wrong way round),
    --   or with her initials;
    --   a forename and surname, as written or as they sound, in either box, with the year and
    --   month, or the month and day, of birth (one wrong digit in the other part);
    --   the sound of either name and the initial of the other with the postcode district (a
    --   wrong date of birth and a misspelling of the other name, or a blank or swapped one; the
    --   sound alone with the district pairs up thousands of strangers in a big authority); a date
    --   of birth with the postcode district (both names misspelt or replaced); a district key too
    --   many nodes share is dropped at the end of this file;
    --   a forename and surname with the other parent (no date of birth recorded); the other parent
    --   alone where his details say who he is (partner_keys: a father's surname and date of birth),
    --   whatever hers say (her names swapped or misread and no date of birth of her own);
    --   a forename and surname as written, one of them uncommon, where one of the two nodes has
    --   no date of birth at all (a list where it was left blank): see uncommon_full_names above;
    --   a forename and surname that at most 10 nodes carry (her date of birth wrong altogether);
    --   a Cafcass id (the model's rule).
    -- A date of birth alone would pair up every woman born on one day, and names alone every
    -- Sarah Smith: nearly all of them strangers, and at 200,000 mothers millions of pairs.
    -- (and the initials of her forename and surname, in either order: both names misspelt)
    list_sort(list_distinct(flatten(list_transform(dob_tokens, lambda d: list_concat(
        list_transform(list_concat(given_names, family_names), lambda name: d || '|' || name),
        flatten(list_transform(forenames, lambda f: list_transform(surnames, lambda s:
            d || '|' || list_aggregate(list_sort([f[1], s[1]]), 'string_agg', ''))))))))) as dob_name_tokens,
    -- A date of birth with the postcode district: her names replaced or both misspelt.
    list_sort(list_distinct(flatten(list_transform(dob_tokens, lambda d:
        list_transform(postcodes, lambda pc: d || '|' || pc))))) as dob_place_tokens,
    -- (The two names in alphabetical order, so a woman whose names were written in each other's
    -- boxes has the same keys.)
    list_sort(list_distinct(flatten(list_transform(given_names, lambda f: flatten(list_transform(family_names, lambda s:
        list_transform(birth_parts, lambda part: least(f, s) || '|' || greatest(f, s) || '|' || part))))))) as name_birth_month_tokens,
    -- Not marked as forename or surname, so the names written in each other's boxes share a key.
    list_sort(list_distinct(flatten(list_transform(postcodes, lambda pc: list_concat(
        flatten(list_transform(forename_phonetics, lambda p: list_transform(surname_initials, lambda i: pc || '|' || p || '|' || i))),
        flatten(list_transform(surname_phonetics, lambda p: list_transform(forename_initials, lambda i: pc || '|' || p || '|' || i)))
    ))))) as postcode_sound_tokens,
    list_sort(list_distinct(flatten(list_transform(forenames, lambda f: flatten(list_transform(surnames, lambda s:
        list_transform(partner_tokens, lambda p: least(f, s) || '|' || greatest(f, s) || '|' || p))))))) as name_partner_tokens
from key_parts;

-- A key of the postcode district that more than getvariable('crowded_key_nodes') nodes carry
-- (config/linkage.yaml) is a common name, or a common birthday, in a crowded district (the sound of
-- Smith and an S in a district of 40,000 mothers): nearly all its pairs are strangers, and its
-- pairs grow with the square of the district. Such keys are dropped; those women are compared
-- through their names and date of birth like anyone else with a common name.
create or replace temp table district_keys_kept as
with tokens as (
    select node_id, 'sound' as rule, unnest(postcode_sound_tokens) as token from person_profiles
    union all
    select node_id, 'date of birth', unnest(dob_place_tokens) from person_profiles
),
kept as (select rule, token from tokens group by all having count(*) <= getvariable('crowded_key_nodes'))
select
    node_id,
    list_sort(list(token) filter (where rule = 'sound')) as postcode_sound_tokens,
    list_sort(list(token) filter (where rule = 'date of birth')) as dob_place_tokens
from tokens semi join kept using (rule, token)
group by node_id;

create or replace temp table person_profiles as
select p.* replace (coalesce(k.postcode_sound_tokens, []) as postcode_sound_tokens,
                    coalesce(k.dob_place_tokens, []) as dob_place_tokens)
from person_profiles p left join district_keys_kept k using (node_id);
