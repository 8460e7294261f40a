-- Comparison helpers for linkage (the standardising ones are in warehouse/macros.sql).

-- The same date with day and month swapped (3 May written as 5 March); NULL where no swap is
-- possible (day above 12) or the swap changes nothing.
create or replace macro dob_swapped(d) as
    case when day(d) <= 12 and day(d) <> month(d) then make_date(year(d), day(d), month(d)) end;

-- Two court numbers one keying slip apart: one digit changed or two adjacent digits swapped.
create or replace macro one_slip_apart(a, b) as
    length(a) = length(b) and left(a, 2) = left(b, 2) and damerau_levenshtein(a, b) = 1;

-- Dates of birth that agree, allowing for day and month written the wrong way round.
create or replace macro dob_agrees(a, b) as
    a = b or dob_swapped(a) = b;

-- Financial year as local authorities write it: April 2019 to March 2020 is '2019/20'.
create or replace macro financial_year(d) as
    (year(d) - case when month(d) < 4 then 1 else 0 end)::varchar || '/'
    || lpad(((year(d) - case when month(d) < 4 then 1 else 0 end + 1) % 100)::varchar, 2, '0');

-- How far two children's records agree: 2 = date of birth (or a blank one), forename and
-- surname; 1 = date of birth and one of the names; 0 = not enough to say it is the same child.
create or replace macro child_agreement(a, b) as
    case
        when (dob_agrees(a.dob, b.dob) or a.dob is null or b.dob is null)
            and jaro_winkler_similarity(a.forename_key, b.forename_key) >= 0.8
            and jaro_winkler_similarity(a.surname_key, b.surname_key) >= 0.9 then 2
        when dob_agrees(a.dob, b.dob)
            and (jaro_winkler_similarity(a.forename_key, b.forename_key) >= 0.8
                 or jaro_winkler_similarity(a.surname_key, b.surname_key) >= 0.9) then 1
        else 0
    end;

-- Age in whole years on a date, as a birthday counts it.
create or replace macro age_in_years(dob, on_date) as
    year(on_date) - year(dob)
    - case when month(on_date) < month(dob) or (month(on_date) = month(dob) and day(on_date) < day(dob)) then 1 else 0 end;

-- Sticky anchors (sets' and people's keys survive from run to run): given `offered`, a table of
-- (cluster_id, anchor, records_carrying, holds_anchor_record), one row for each old anchor some
-- of a new cluster's records carried, each old anchor goes to one cluster (the one holding the
-- anchor record, else the one most of its records went to), and a cluster offered several keeps
-- the one most of its records carried.
create or replace macro kept_anchors(offered) as table
with claimed as (
    select * from query_table(offered)
    qualify row_number() over (
        partition by anchor order by holds_anchor_record desc, records_carrying desc, cluster_id) = 1
)
select cluster_id, anchor from claimed
qualify row_number() over (
    partition by cluster_id order by holds_anchor_record desc, records_carrying desc, anchor) = 1;
