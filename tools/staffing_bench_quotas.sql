-- tools/staffing_bench_quotas.sql — the synthetic country's quotas for tools/bench_staffing.sh:
-- for every year 2015–2025, one quota for every unit that exists in the registry's schema
-- bench_orgs on 31/12 of that year, in the category its kind holds (services/staffing/domain/
-- figures.cc CategoryAllowed):
--   province, department, agency, division, sub-department, district committee → CIVIL_SERVANT
--   public service unit → PUBLIC_EMPLOYEE; commune → COMMUNE_OFFICIAL; village → COMMUNE_PART_TIME
--
-- Written straight into bench_staffing.quota / quota_version ON PURPOSE, bypassing the
-- service's API and its checks (unit active in the registry, category allowed, allocation cap,
-- one audit row per write): ~1.6 M quotas load in well under a minute this way, against hours
-- of CreateQuota calls. The rows are nonetheless what the API would accept: one version per
-- quota, effective 1/1 of its year, and every civil-servant allotment covers what its children
-- hold.
--
-- Deterministic, plausible counts (from a hash of the unit id):
--   own staff in 2015 by kind: province office 40–80, department 8–15, agency 15–30, division
--   5–12, sub-department 5–10, district 10–20, public service unit 15–60, commune 18–23
--   (Decree 34/2019), village 3–5 part-timers;
--   a unit that absorbed others (a merger, a consolidation, the end of the district level) also
--   carries their 2015 staff of the same category from the year the change took effect;
--   each unit shrinks by its own 0.5–3 % a year (so some meet Resolution 18's 10 % by 2021 and
--   some do not);
--   a civil-servant quota is the unit's own staff plus every civil-servant unit below it (the
--   province's quota holds its departments', districts' and divisions'), so allotments nest
--   and the children's never exceed the parent's.
\set ON_ERROR_STOP 1
BEGIN;

CREATE TEMP TABLE sb_unit ON COMMIT DROP AS
SELECT y.year, v.unit_id, v.kind, v.parent_id,
       CASE WHEN v.kind IN (1, 2, 3, 4, 5, 7) THEN 1  -- CIVIL_SERVANT
            WHEN v.kind = 6 THEN 2                     -- PUBLIC_EMPLOYEE
            WHEN v.kind = 8 THEN 5                     -- COMMUNE_OFFICIAL
            WHEN v.kind = 9 THEN 6 END AS category     -- COMMUNE_PART_TIME
FROM generate_series(2015, 2025) AS y(year)
JOIN bench_orgs.unit_version v ON v.validity @> make_date(y.year, 12, 31)
WHERE v.kind BETWEEN 1 AND 9;
CREATE INDEX ON sb_unit (year, unit_id);
ANALYZE sb_unit;

-- Every unit's own staff in 2015 and its yearly cut, from its last version's kind.
CREATE TEMP TABLE sb_base ON COMMIT DROP AS
SELECT u.id AS unit_id, lv.kind,
       CASE WHEN lv.kind IN (1, 2, 3, 4, 5, 7) THEN 1 WHEN lv.kind = 6 THEN 2
            WHEN lv.kind = 8 THEN 5 WHEN lv.kind = 9 THEN 6 END AS category,
       CASE lv.kind WHEN 1 THEN 40 + h.a % 41 WHEN 2 THEN 8 + h.a % 8 WHEN 3 THEN 15 + h.a % 16
                    WHEN 4 THEN 5 + h.a % 8 WHEN 5 THEN 5 + h.a % 6 WHEN 7 THEN 10 + h.a % 11
                    WHEN 6 THEN 15 + h.a % 46 WHEN 8 THEN 18 + h.a % 6 ELSE 3 + h.a % 3 END AS own,
       0.005 + (h.b % 1000) / 1000.0 * 0.025 AS cut
FROM bench_orgs.unit u
CROSS JOIN LATERAL (SELECT abs(hashint8(u.id)) AS a, abs(hashint8(-u.id)) AS b) h
CROSS JOIN LATERAL (SELECT v.kind FROM bench_orgs.unit_version v WHERE v.unit_id = u.id
                    ORDER BY v.valid_from DESC LIMIT 1) lv;

-- What each unit absorbed by lineage (the closure: a unit merged into one that is merged in
-- turn), with the day it arrived.
CREATE TEMP TABLE sb_absorbed ON COMMIT DROP AS
WITH RECURSIVE a(unit_id, from_id, since, depth) AS (
  SELECT l.successor_id, l.predecessor_id, c.effective_date, 1
  FROM bench_orgs.lineage l JOIN bench_orgs.change_event c ON c.id = l.change_id
  UNION ALL
  SELECT a.unit_id, l.predecessor_id, greatest(a.since, c.effective_date), a.depth + 1
  FROM a JOIN bench_orgs.lineage l ON l.successor_id = a.from_id
  JOIN bench_orgs.change_event c ON c.id = l.change_id
  WHERE a.depth < 20
)
SELECT a.unit_id, a.from_id, a.since FROM a;

-- Own staff per unit and year: its own 2015 staff and that of the units it absorbed by then,
-- cut by its yearly rate.
CREATE TEMP TABLE sb_own ON COMMIT DROP AS
SELECT s.year, s.unit_id, s.parent_id, s.category,
       round((b.own + coalesce(g.extra, 0)) * power(1 - b.cut, s.year - 2015))::int AS own
FROM sb_unit s JOIN sb_base b ON b.unit_id = s.unit_id
LEFT JOIN (SELECT s2.year, s2.unit_id, sum(p.own) AS extra
           FROM sb_unit s2
           JOIN sb_absorbed x ON x.unit_id = s2.unit_id AND x.since <= make_date(s2.year, 12, 31)
           JOIN sb_base p ON p.unit_id = x.from_id AND p.category = s2.category
           GROUP BY 1, 2) g ON g.year = s.year AND g.unit_id = s.unit_id;
CREATE INDEX ON sb_own (year, unit_id);
ANALYZE sb_own;

-- A civil-servant quota holds every civil-servant unit below it: each unit's own staff is
-- counted in itself and in each civil-servant ancestor.
CREATE TEMP TABLE sb_quota ON COMMIT DROP AS
WITH RECURSIVE up(year, holder, parent_id, own) AS (
  SELECT o.year, o.unit_id, o.parent_id, o.own FROM sb_own o WHERE o.category = 1
  UNION ALL
  SELECT up.year, a.unit_id, a.parent_id, up.own
  FROM up JOIN sb_own a ON a.year = up.year AND a.unit_id = up.parent_id AND a.category = 1
)
SELECT year, holder AS unit_id, 1 AS category, sum(own)::int AS count FROM up GROUP BY 1, 2
UNION ALL
SELECT year, unit_id, category, own FROM sb_own WHERE category <> 1;

WITH q AS (
  INSERT INTO bench_staffing.quota (unit_id, year, category, created_by, request_id)
  SELECT unit_id, year, category, 'bench', 'bench-staffing-load' FROM sb_quota
  ORDER BY year, unit_id
  RETURNING id, unit_id, year, category
)
INSERT INTO bench_staffing.quota_version (quota_id, version, count, effective_date, act_number,
                                          act_issuer, note, recorded_by, request_id)
SELECT q.id, 1, s.count, make_date(q.year, 1, 1), 'SYNTH-' || q.year || '/QĐ-UBND',
       'synthetic', 'synthetic benchmark data (tools/bench_staffing.sh)', 'bench',
       'bench-staffing-load'
FROM q JOIN sb_quota s USING (unit_id, year, category);

COMMIT;
ANALYZE bench_staffing.quota;
ANALYZE bench_staffing.quota_version;
SELECT 'quotas loaded: ' || count(*) || ' quotas, ' || count(DISTINCT unit_id) || ' units, '
       || min(year) || '–' || max(year)
FROM bench_staffing.quota;
