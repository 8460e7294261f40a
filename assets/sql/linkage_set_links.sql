-- Which records in different sources are the same application (one set of proceedings).
--
-- Candidates: records of the same kind (s31 or not) dated within the window that share a court
-- number (or one a keying slip away), or two facts about a child or the mother (date of birth
-- and a name, or both names). Records of different local authorities never link. Each
-- candidate's evidence is kept, a rule decides, and each record keeps only its best partner in
-- each other source (a set has one legal ref, one court case, one Cafcass case).
-- Every join is an equality join, so the work grows with the records, not with their square.

create or replace temp table case_children as
select source, source_case_ref, issue_date, is_s31, unnest(children, recursive := true)
from linkage.case_records;

-- Evidence keys: two records that share a key (and are close enough in date) are candidates.
-- A court number is keyed with each digit masked in turn (one digit mistyped) and with each
-- adjacent pair masked plus the two digits in order (two digits swapped), so near numbers meet
-- in an equality join rather than by comparing every pair.
create or replace temp table set_evidence_keys as
with numbers as (
    select source, source_case_ref, issue_date, is_s31, unnest(court_numbers) as court_number
    from linkage.case_records
    where source in ('legal', 'court')
),
digit_positions as (
    select n.*, position
    from numbers n, range(1, length(n.court_number) + 1) positions(position)
    where regexp_matches(substr(n.court_number, position::int, 1), '[0-9]')
),
number_keys as (
    select source, source_case_ref, issue_date, is_s31, 'number:' || court_number as evidence_key from numbers
    union all
    select source, source_case_ref, issue_date, is_s31,
        'number~' || position || ':' || left(court_number, position::int - 1) || '_' || substr(court_number, position::int + 1)
    from digit_positions
    union all
    select source, source_case_ref, issue_date, is_s31,
        'number~~' || position || ':' || left(court_number, position::int - 1) || '__' || substr(court_number, position::int + 2)
        || ':' || list_sort([substr(court_number, position::int, 1), substr(court_number, position::int + 1, 1)])::varchar
    from digit_positions
    where regexp_matches(substr(court_number, position::int + 1, 1), '[0-9]')
),
-- Each key is two facts together (a child's date of birth and forename, say): one fact alone,
-- like a birthday, is shared by strangers every week in a big authority.
person_keys as (
    select source, source_case_ref, issue_date, is_s31, unnest([
        'child dob+forename:' || dob || '|' || forename_key,
        'child dob+forename:' || dob_swapped(dob) || '|' || forename_key,
        'child dob+surname:' || dob || '|' || surname_key,
        'child dob+surname:' || dob_swapped(dob) || '|' || surname_key,
        'child names:' || forename_key || '|' || surname_key
    ]) as evidence_key
    from case_children
    union all
    select source, source_case_ref, issue_date, is_s31, unnest([
        'mother dob+forename:' || mother_dob || '|' || mother_forename_key,
        'mother dob+forename:' || dob_swapped(mother_dob) || '|' || mother_forename_key,
        'mother dob+surname:' || mother_dob || '|' || mother_surname_key,
        'mother dob+surname:' || dob_swapped(mother_dob) || '|' || mother_surname_key,
        'mother names:' || mother_forename_key || '|' || mother_surname_key
    ])
    from linkage.case_records
)
select *, (epoch(issue_date) // 86400 // getvariable('window_days'))::bigint as date_bucket
from (select * from number_keys union all select * from person_keys)
where evidence_key is not null;

-- Records of the same kind (s31 or not), in different sources, within the window, that share a
-- key. One side is spread over the neighbouring date buckets so the join stays an equality join.
create or replace temp table set_candidates as
select distinct l.source as source_l, l.source_case_ref as ref_l, r.source as source_r, r.source_case_ref as ref_r
from (select * exclude (date_bucket), unnest([date_bucket - 1, date_bucket, date_bucket + 1]) as date_bucket
      from set_evidence_keys) l
join set_evidence_keys r
  on l.evidence_key = r.evidence_key and l.date_bucket = r.date_bucket
 and l.source < r.source and l.is_s31 = r.is_s31
 and abs(date_diff('day', l.issue_date, r.issue_date)) <= getvariable('window_days');

create or replace table linkage.set_links as
with evidence as (
    select
        c.source_l, c.ref_l, c.source_r, c.ref_r,
        abs(date_diff('day', l.issue_date, r.issue_date)) as days_apart,
        case
            when len(l.court_numbers) = 0 or len(r.court_numbers) = 0 then 'not compared'
            when list_has_any(l.court_numbers, r.court_numbers) then 'same'
            when list_bool_or(list_transform(l.court_numbers, lambda a:
                list_bool_or(list_transform(r.court_numbers, lambda b: one_slip_apart(a, b))))) then 'one slip apart'
            else 'different'
        end as court_number,
        -- For each child on the left, how well the closest child on the right agrees (0, 1 or 2).
        list_transform(coalesce(l.children, []), lambda a:
            coalesce(list_max(list_transform(coalesce(r.children, []), lambda b: child_agreement(a, b))), 0))
            as child_agreement_levels,
        l.la_code <> r.la_code as la_codes_differ,
        dob_agrees(l.mother_dob, r.mother_dob) as mother_dob_agrees,
        jaro_winkler_similarity(l.mother_forename_key, r.mother_forename_key) >= 0.85 as mother_forename_agrees,
        l.mother_surname_key = r.mother_surname_key as mother_surname_agrees
    from set_candidates c
    join linkage.case_records l on l.source = c.source_l and l.source_case_ref = c.ref_l
    join linkage.case_records r on r.source = c.source_r and r.source_case_ref = c.ref_r
    where l.is_s31 = r.is_s31
),
judged as (
    select * exclude (child_agreement_levels),
        len(list_filter(child_agreement_levels, lambda level: level >= 1)) as children_agreeing,
        len(list_filter(child_agreement_levels, lambda level: level = 2)) as children_fully_agreeing,
        coalesce(mother_dob_agrees, false) or coalesce(mother_forename_agrees and mother_surname_agrees, false)
            as mother_agrees,
        coalesce(not mother_dob_agrees and not mother_forename_agrees and not mother_surname_agrees, false)
            as mother_disagrees
    from evidence
),
ruled as (
    select *,
        case
            -- Two local authorities' records are never one application.
            when coalesce(la_codes_differ, false) then null
            when court_number = 'same' and (children_agreeing > 0 or mother_agrees)
                then 'same court number'
            when court_number = 'one slip apart' and children_agreeing > 0 and (mother_agrees or children_fully_agreeing > 0)
                then 'court number one slip apart'
            when court_number <> 'different' and children_agreeing > 0 and not mother_disagrees
                and (mother_agrees or coalesce(mother_forename_agrees, false) or children_fully_agreeing > 0)
                then 'children and mother'
            when court_number <> 'different' and mother_dob_agrees and mother_forename_agrees and mother_surname_agrees
                and days_apart <= getvariable('mother_only_window_days')
                then 'mother'
        end as rule,
        -- How strong the evidence is, to choose between two candidates from the same source.
        4 * (court_number = 'same')::int + 2 * (court_number = 'one slip apart')::int
            + children_fully_agreeing + children_agreeing
            + coalesce(mother_dob_agrees, false)::int + mother_agrees::int as strength
    from judged
),
ranked as (
    select *,
        row_number() over (partition by source_l, ref_l, source_r order by strength desc, days_apart, ref_r) as rank_for_l,
        row_number() over (partition by source_r, ref_r, source_l order by strength desc, days_apart, ref_l) as rank_for_r
    from ruled
    where rule is not null
)
select source_l, ref_l, source_r, ref_r, rule, days_apart, court_number, children_agreeing,
    children_fully_agreeing, mother_dob_agrees, mother_forename_agrees, mother_surname_agrees, la_codes_differ
from ranked
where rank_for_l = 1 and rank_for_r = 1
order by source_l, ref_l, source_r, ref_r;
