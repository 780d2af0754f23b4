-- tools/reporting_bench_streamlining.sql — the streamlining part of the consolidated report in
-- hand-written SQL, for tools/bench_reporting.sh (the baseline of the build's
-- SummarizeStreamlining reads, one per province), on the whole country, from the registry's
-- schema bench_orgs and staffing's bench_staffing:
--
--   psql -v as_of=2021-12-01 -v base_year=2015 -v year=2021 -tA -f ...
--
-- It prints the lines reporting_bench prints for the snapshot's StreamliningSection:
--   streamlining|<policy code>|<persons in the year>|<persons since the base year>, by code
--   streamlining|total|<in the year>|<since the base year>
--
-- The rules are staffing's (streamlining.cc Summarize, use_case_support.cc FlowsInto; store
-- strm_case_totals): the cases of every unit of a root's subtree on as_of, and of the units that
-- flowed into it by lineage (merge, consolidation, dissolution, end of a level, effective by
-- as_of; splits carry no cases), each case at its newest version recorded by now, counted when
-- its effective date falls in base_year + 1 .. year; the year's column is the cases of `year`.
WITH RECURSIVE
tree(unit_id) AS (
  SELECT v.unit_id FROM bench_orgs.unit_version v
  WHERE v.parent_id IS NULL AND v.validity @> :'as_of'::date
  UNION ALL
  SELECT v.unit_id FROM tree t
  JOIN bench_orgs.unit_version v ON v.parent_id = t.unit_id AND v.validity @> :'as_of'::date
),
flow(unit_id) AS (
  SELECT unit_id FROM tree
  UNION
  SELECT l.predecessor_id FROM flow f
  JOIN bench_orgs.lineage l ON l.successor_id = f.unit_id
  JOIN bench_orgs.change_event ch ON ch.id = l.change_id
   AND ch.kind IN (6, 7, 9, 10) AND ch.effective_date <= :'as_of'::date
),
cases AS (
  SELECT v.policy_code, extract(year FROM v.effective_date)::int AS yr, v.person_count
  FROM bench_staffing.streamlining_case c
  JOIN LATERAL (SELECT * FROM bench_staffing.streamlining_case_version x
                WHERE x.case_id = c.id AND x.recorded_at <= now()
                ORDER BY x.version DESC LIMIT 1) v ON true
  WHERE c.unit_id IN (SELECT unit_id FROM flow)
    AND extract(year FROM v.effective_date)::int BETWEEN :base_year + 1 AND :year
),
by_policy AS (
  SELECT policy_code, sum(person_count) FILTER (WHERE yr = :year) AS in_period,
         sum(person_count) AS cumulative
  FROM cases GROUP BY policy_code
)
SELECT line FROM (
  SELECT 1 AS part, policy_code COLLATE "C" AS code,
         'streamlining|' || policy_code || '|' || coalesce(in_period, 0) || '|' || cumulative AS line
  FROM by_policy
  UNION ALL
  SELECT 2, '', 'streamlining|total|' || coalesce(sum(in_period), 0) || '|'
                || coalesce(sum(cumulative), 0)
  FROM by_policy
) x ORDER BY part, code;
