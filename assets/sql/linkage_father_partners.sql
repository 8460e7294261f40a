-- The woman who is mother in each father's set (her cluster, linked before the fathers): two
-- sets with the same mother make the same father more likely. Her cluster says who she is on its
-- own, so the tokens are also the keys (see linkage_mother_partners.sql).
create or replace temp table partner_tokens as
select node_id, tokens, tokens as keys
from (
    select f.node_id, list_sort(list_distinct(list(c.cluster_id))) as tokens
    from (select distinct node_id, set_anchor from linkage.person_records where role = 'father') f
    join linkage.person_records m on m.set_anchor = f.set_anchor and m.role = 'mother'
    join linkage.mother_clusters c on c.node_id = m.node_id
    group by f.node_id
);
