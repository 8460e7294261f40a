-- Pairs of nodes in temp table person_profiles that agree exactly on a forename, a surname and a
-- date of birth, into temp table exact_pairs; and how many pairs the model's prior would be
-- estimated from (the first forename, surname and date of birth of each: the training rule of
-- linkage/person_model.py), into temp table training_pairs. A role with too few of those is not
-- trained, and the exact pairs are its only links (linkage/person_model.py, exact_links_only).

create or replace temp table exact_pairs as
with keys as (
    select distinct node_id, unnest(flatten(list_transform(forenames, lambda f: flatten(list_transform(surnames,
        lambda s: list_transform(dobs, lambda d: f || '|' || s || '|' || strftime(d, '%Y-%m-%d'))))))) as name_dob
    from person_profiles
)
select distinct l.node_id as node_id_l, r.node_id as node_id_r
from keys l join keys r on l.name_dob = r.name_dob and l.node_id < r.node_id
order by all;

create or replace temp table training_pairs as
select coalesce(sum(n * (n - 1) // 2), 0)::bigint as pairs
from (select count(*) as n from person_profiles
      where forenames[1] is not null and surnames[1] is not null and dobs[1] is not null
      group by forenames[1], surnames[1], dobs[1]);
