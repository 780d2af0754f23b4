-- tools/reporting_bench_org.sql — the registry's part of the consolidated report in hand-written
-- SQL, for tools/bench_reporting.sh (the baseline of the build's org-registry reads), on the
-- whole country (every root), from the registry's schema bench_orgs and reporting's
-- bench_reporting:
--
--   psql -v first_day=2021-01-01 -v as_of=2021-12-01 -v base_end=2015-12-31 -v due=2021-11-24 \
--        -v regime_id=1 -v year=2021 -tA -f ...
--
-- It sends the rows the snapshot holds and prints the lines reporting_bench prints for it:
--   org|kind|K|<count on first_day>|<count on as_of>      (OrgSection.by_kind)
--   org|since|K|<count on base_end>|<count on as_of>      (OrgSection.since_base_year)
--   change|id|kind|date|act|predecessors|successors       (the period's changes, with names)
--   org|changes|<n>|<sum of change ids>
--   submitter|id|name|standing                            (who reports, 1 on time .. 4 not yet due)
--   org|submitters|<n>|<on time>|<late>|<missing>|<not yet due>
--
-- The rules are the registry's and reporting's: a count is every unit of a root's subtree
-- walked on the day (store/pg_org_store.cc counts_all); a change counts when it took effect in
-- [first_day, as_of] and names a unit of the scope on either day (assemble.cc); the submitters
-- are the province committees directly under root 0 on the data date (= as_of) plus the
-- successors (lineage, effective by then, active then) of those of the first day that ended,
-- each standing by its submission's first day against the last on-time day `due`
-- (domain/submissions.cc StandingOn).
WITH RECURSIVE
d(tag, day) AS (
  VALUES ('first', :'first_day'::date), ('as_of', :'as_of'::date), ('base', :'base_end'::date)
),
t(tag, unit_id, kind) AS (
  SELECT d.tag, v.unit_id, v.kind
  FROM d JOIN bench_orgs.unit_version v ON v.parent_id IS NULL AND v.validity @> d.day
  UNION ALL
  SELECT t.tag, v.unit_id, v.kind
  FROM t JOIN d ON d.tag = t.tag
  JOIN bench_orgs.unit_version v ON v.parent_id = t.unit_id AND v.validity @> d.day
),
c AS (
  SELECT kind, count(*) FILTER (WHERE tag = 'first') AS first,
         count(*) FILTER (WHERE tag = 'as_of') AS as_of, count(*) FILTER (WHERE tag = 'base') AS base
  FROM t GROUP BY kind
)
SELECT line FROM (
  SELECT 1 AS part, kind, 'org|kind|' || kind || '|' || first || '|' || as_of AS line
  FROM c WHERE first > 0 OR as_of > 0
  UNION ALL
  SELECT 2, kind, 'org|since|' || kind || '|' || base || '|' || as_of
  FROM c WHERE base > 0 OR as_of > 0
) x ORDER BY part, kind;

-- The period's changes touching the scope, with the names of the units they name.
CREATE TEMP TABLE rb_scope AS
SELECT DISTINCT ON (v.unit_id) v.unit_id, v.name
FROM bench_orgs.unit_version v
WHERE v.validity @> :'as_of'::date OR v.validity @> :'first_day'::date
ORDER BY v.unit_id, v.valid_from DESC;
CREATE TEMP TABLE rb_change AS
SELECT ch.id, ch.kind, ch.effective_date, ch.act_number, ch.predecessor_ids, ch.successor_ids
FROM bench_orgs.change_event ch
WHERE ch.effective_date BETWEEN :'first_day'::date AND :'as_of'::date
  AND EXISTS (SELECT 1 FROM rb_scope s
              WHERE s.unit_id = ANY(ch.predecessor_ids) OR s.unit_id = ANY(ch.successor_ids));
SELECT concat_ws('|', 'change', ch.id, ch.kind, ch.effective_date, ch.act_number,
                 (SELECT string_agg(coalesce(s.name, p.id::text), ', ' ORDER BY p.n)
                  FROM unnest(ch.predecessor_ids) WITH ORDINALITY p(id, n)
                  LEFT JOIN rb_scope s ON s.unit_id = p.id),
                 (SELECT string_agg(coalesce(s.name, p.id::text), ', ' ORDER BY p.n)
                  FROM unnest(ch.successor_ids) WITH ORDINALITY p(id, n)
                  LEFT JOIN rb_scope s ON s.unit_id = p.id))
FROM rb_change ch ORDER BY ch.effective_date, ch.id;
SELECT 'org|changes|' || count(*) || '|' || coalesce(sum(id), 0) FROM rb_change;

-- Who reports, and where each stands.
CREATE TEMP TABLE rb_submitter AS
WITH RECURSIVE
at_end AS (
  SELECT v.unit_id, v.name FROM bench_orgs.unit_version v
  WHERE v.parent_id IS NULL AND v.kind = 1 AND v.validity @> :'as_of'::date
),
gone AS (
  SELECT v.unit_id FROM bench_orgs.unit_version v
  WHERE v.parent_id IS NULL AND v.kind = 1 AND v.validity @> :'first_day'::date
    AND v.unit_id NOT IN (SELECT unit_id FROM at_end)
),
succ(from_id, unit_id) AS (
  SELECT g.unit_id, g.unit_id FROM gone g
  UNION
  SELECT s.from_id, l.successor_id
  FROM succ s JOIN bench_orgs.lineage l ON l.predecessor_id = s.unit_id
  JOIN bench_orgs.change_event ch ON ch.id = l.change_id AND ch.effective_date <= :'as_of'::date
),
who AS (
  SELECT unit_id, name FROM at_end
  UNION
  SELECT v.unit_id, v.name FROM succ s
  JOIN bench_orgs.unit_version v ON v.unit_id = s.unit_id AND v.validity @> :'as_of'::date
  WHERE s.unit_id <> s.from_id
)
SELECT w.unit_id, w.name,
       CASE WHEN s.first_submitted_on IS NOT NULL AND s.first_submitted_on <= :'as_of'::date
            THEN CASE WHEN s.first_submitted_on <= :'due'::date THEN 1 ELSE 2 END
            WHEN :'as_of'::date > :'due'::date THEN 3 ELSE 4 END AS standing
FROM who w
LEFT JOIN bench_reporting.submission s
  ON s.regime_id = :regime_id AND s.year = :year AND s.idx = 1 AND s.unit_id = w.unit_id;
SELECT concat_ws('|', 'submitter', unit_id, name, standing) FROM rb_submitter ORDER BY unit_id;
SELECT 'org|submitters|' || count(*) || '|' || count(*) FILTER (WHERE standing = 1) || '|'
       || count(*) FILTER (WHERE standing = 2) || '|' || count(*) FILTER (WHERE standing = 3)
       || '|' || count(*) FILTER (WHERE standing = 4)
FROM rb_submitter;
