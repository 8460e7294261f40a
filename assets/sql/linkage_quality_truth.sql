-- Linkage scored against the truth files of synthetic data (temp tables truth_people and
-- truth_sets, from <landing>/truth/), into temp table quality_truth.
--
-- Pairwise: of all pairs of records put together, how many are truly one person (precision),
-- and of all pairs truly one person, how many were put together (recall). Counted from group
-- sizes, not by listing pairs.
create or replace temp table quality_truth as
with people as (
    select c.person_key, t.true_person_id, c.role, c.source
    from linkage.person_clusters c
    join truth_people t using (source, source_case_ref, person_ref)
),
scopes as (
    select 'mothers' as scope, person_key as predicted, true_person_id as truth from people where role = 'mother'
    union all
    select 'mothers_and_care_leavers', person_key, true_person_id from people where role = 'mother' or source = 'care_leavers'
    union all
    select 'fathers', person_key, true_person_id from people where role = 'father'
    union all
    select 'sets', m.proceedings_id, t.true_set_id
    from linkage.set_members m
    join truth_sets t using (source, source_case_ref)
),
pairs_together as (
    select scope, sum(n * (n - 1) / 2) as together from (
        select scope, count(*) as n from scopes group by scope, predicted, truth) group by scope
),
pairs_predicted as (
    select scope, sum(n * (n - 1) / 2) as predicted from (
        select scope, count(*) as n from scopes group by scope, predicted) group by scope
),
pairs_true as (
    select scope, sum(n * (n - 1) / 2) as truly from (
        select scope, count(*) as n from scopes group by scope, truth) group by scope
),
pairwise as (
    select scope, together / nullif(predicted, 0) as precision, together / nullif(truly, 0) as recall
    from pairs_together join pairs_predicted using (scope) join pairs_true using (scope)
),
-- A true s31 set is recurrent when its mother had a set with an earlier issue date.
true_s31_sets as (
    select true_set_id, any_value(true_mother_id) as true_mother_id, min(issue_date::date) as issue_date
    from truth_sets where is_s31 = 'true' group by true_set_id
),
true_recurrence as (
    select true_set_id, issue_date > min(issue_date) over (partition by true_mother_id) as truly_recurrent
    from true_s31_sets
),
-- Each true set is scored through the set its records were put in.
predicted_set as (
    select t.true_set_id, mode(m.proceedings_id) as proceedings_id
    from truth_sets t join linkage.set_members m using (source, source_case_ref)
    group by t.true_set_id
),
recurrence as (
    select r.truly_recurrent, coalesce(mp.is_recurrent, false) as predicted_recurrent
    from true_recurrence r
    left join predicted_set p using (true_set_id)
    left join core.mother_proceedings mp using (proceedings_id)
),
recurrence_counts as (
    select count(*) filter (where truly_recurrent and predicted_recurrent) as together,
        count(*) filter (where predicted_recurrent) as predicted,
        count(*) filter (where truly_recurrent) as truly
    from recurrence
)
select scope || '_pairwise_precision' as metric, precision as value from pairwise
union all select scope || '_pairwise_recall', recall from pairwise
union all select scope || '_pairwise_f1', 2 * precision * recall / nullif(precision + recall, 0) from pairwise
union all select 'recurrent_flag_precision', together / nullif(predicted, 0) from recurrence_counts
union all select 'recurrent_flag_recall', together / nullif(truly, 0) from recurrence_counts
union all select 'recurrent_flag_f1', 2 * together / nullif(predicted + truly, 0) from recurrence_counts
union all select 'recurrent_s31_sets_true', count(*) filter (where truly_recurrent) from true_recurrence
union all select 'recurrent_s31_sets_found', count(*) filter (where is_recurrent) from core.mother_proceedings
union all select 'recurrent_s31_sets_difference_pct',
    100.0 * ((select count(*) filter (where is_recurrent) from core.mother_proceedings)
             - (select count(*) filter (where truly_recurrent) from true_recurrence))
    / nullif((select count(*) filter (where truly_recurrent) from true_recurrence), 0)
union all select 's31_sets_true', count(*) from true_s31_sets
union all select 's31_sets_found', count(*) from core.proceedings where is_s31
union all select 'mothers_true', count(distinct true_mother_id) from true_s31_sets
union all select 'mothers_found', count(*) from core.mothers
order by metric;
