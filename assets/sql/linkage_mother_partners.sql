-- The father in each mother's set, as tokens two sets of one woman share when he is the same
-- man: his surname with his date of birth, and his forename with his surname. `keys` are the
-- tokens that say who he is on their own (surname and date of birth: few men share both), which
-- the person model may compare two women on whatever their own details say.
create or replace temp table partner_tokens as
select m.node_id, list_sort(list_distinct(list_filter(flatten(list([
    f.surname_key || '|' || strftime(f.dob, '%Y-%m-%d'),
    f.forename_key || '|' || f.surname_key
])), lambda t: t is not null))) as tokens,
    coalesce(list_sort(list_distinct(list(f.surname_key || '|' || strftime(f.dob, '%Y-%m-%d'))
        filter (where f.surname_key is not null and f.dob is not null))), []) as keys
from (select distinct node_id, set_anchor from linkage.person_records where role = 'mother') m
join linkage.person_records f on f.set_anchor = m.set_anchor and f.role = 'father'
group by m.node_id;
