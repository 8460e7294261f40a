-- One set of proceedings per connected group of records (set_components, from the links), with
-- proceedings_id a keyed hash of the set's anchor reference.
--
-- Anchors are sticky, so a set keeps its id when another source's record of it arrives later: a
-- set keeps an anchor its records had in the last run (temp table previous_set_anchors). Each
-- old anchor goes to one set (the one holding that reference, else the one most of its records
-- went to). A new set takes its first reference in a fixed order: court number, then Cafcass
-- case id, then legal ref.
create or replace table linkage.set_members as
with members as (
    select r.source, r.source_case_ref, r.source || ':' || r.source_case_ref as reference,
        r.issue_date as source_issue_date, r.is_s31, c.cluster_id,
        case r.source when 'court' then 1 when 'cafcass' then 2 else 3 end as source_rank
    from linkage.case_records r
    join set_components c on c.node_id = r.source || ':' || r.source_case_ref
),
offered as (
    select m.cluster_id, p.set_anchor as anchor,
        count(*) as records_carrying, bool_or(m.reference = p.set_anchor) as holds_anchor_record
    from members m
    join previous_set_anchors p using (source, source_case_ref)
    group by m.cluster_id, p.set_anchor
),
kept as (select * from kept_anchors('offered')),
anchored as (
    select m.cluster_id,
        coalesce(any_value(k.anchor), first(m.reference order by m.source_rank, m.source_case_ref)) as set_anchor,
        -- Cafcass logs some applications a few days late: the court and legal dates are the issue date.
        coalesce(min(m.source_issue_date) filter (where m.source <> 'cafcass'), min(m.source_issue_date)) as issue_date
    from members m
    left join kept k using (cluster_id)
    group by m.cluster_id
),
sets as (
    select *, pseudonym('proceedings', set_anchor) as proceedings_id from anchored
)
select m.source, m.source_case_ref, s.set_anchor, s.proceedings_id, s.issue_date, m.is_s31
from members m
join sets s using (cluster_id)
order by s.set_anchor, m.source, m.source_case_ref;
