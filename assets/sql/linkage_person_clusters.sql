-- Every person record with its person_key: a keyed hash of the cluster's anchor record.
--
-- Anchors are sticky, so a woman keeps her key when extracts grow (a set first seen in the legal
-- list gains its court record; a care-leaver file arrives): a cluster keeps an anchor its records
-- had in the last run (temp table previous_anchors, from the warehouse this run started from).
-- Each old anchor goes to one cluster: the one holding the anchor record, else the one most of
-- its records went to; a cluster offered several (two records found to be one woman) keeps the
-- one most of its records carried. Only a cluster with no old anchor takes its earliest record
-- (by date, then source and reference).
--
-- A trawl form that came from the worklist names its person_key: where that key exists, the
-- form keeps it, whatever the model thought.
create or replace table linkage.person_clusters as
with clustered as (
    select r.*, coalesce(m.cluster_id, f.cluster_id, r.node_id) as cluster_id
    from linkage.person_records r
    left join linkage.mother_clusters m on m.node_id = r.node_id
    left join linkage.father_clusters f on f.node_id = r.node_id
),
offered as (
    select c.cluster_id, p.anchor_record_id as anchor,
        count(*) as records_carrying, bool_or(c.record_id = p.anchor_record_id) as holds_anchor_record
    from clustered c
    join previous_anchors p using (record_id)
    group by c.cluster_id, p.anchor_record_id
),
kept as (select * from kept_anchors('offered')),
anchors as (
    select c.cluster_id,
        coalesce(any_value(k.anchor), first(c.record_id order by c.event_date nulls last, c.source_rank, c.record_id))
            as anchor_record_id,
        count(*) as cluster_records
    from clustered c
    left join kept k using (cluster_id)
    group by c.cluster_id
),
cluster_keys as (
    select *, pseudonym('person', anchor_record_id) as cluster_key from anchors
),
keyed as (
    select c.*, k.anchor_record_id, k.cluster_records, k.cluster_key
    from clustered c
    join cluster_keys k using (cluster_id)
)
select
    source, source_case_ref, role, person_ref, record_id, node_id, proceedings_id,
    case when form_person_key in (select cluster_key from keyed) then form_person_key else cluster_key end as person_key,
    coalesce(form_person_key in (select cluster_key from keyed), false) as keyed_by_form,
    cluster_records,
    anchor_record_id
from keyed
order by record_id;
