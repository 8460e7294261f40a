-- Decisions read back from <landing>/linkage_decisions/ (temp table decision_rows), resolved to
-- today's nodes. An id is a node id as the review workbook wrote it; a set's node is also found
-- under any of its records (court:BL19C00042/mother), so a decision still applies when the set's
-- anchor has changed. Where one pair was decided twice, the later file (by name) and row wins.
create or replace table linkage.clerical_decisions as
with aliases as (
    select distinct node_id as alias, node_id, linked_as from linkage.person_records
    union
    select distinct source || ':' || source_case_ref || '/' || role, node_id, linked_as
    from linkage.person_records where set_anchor is not null
),
resolved as (
    select d.file_name, d.row_number, d.decision,
        least(l.node_id, r.node_id) as node_id_l, greatest(l.node_id, r.node_id) as node_id_r,
        l.linked_as = r.linked_as and l.node_id <> r.node_id as usable, l.linked_as as role
    from decision_rows d
    left join aliases l on l.alias = d.left_id
    left join aliases r on r.alias = d.right_id
)
select role, node_id_l, node_id_r, decision, file_name, row_number
from resolved
where usable and decision is not null
qualify row_number() over (partition by node_id_l, node_id_r order by file_name desc, row_number desc) = 1
order by role, node_id_l, node_id_r;
