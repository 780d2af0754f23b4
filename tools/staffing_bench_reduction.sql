-- tools/staffing_bench_reduction.sql — the hand-written SQL that tools/bench_staffing.sh measures
-- staffing's ComputeReduction against: the same report from the same tables (the registry's
-- schema bench_orgs, staffing's bench_staffing), in one statement, run with psql:
--
--   psql -v root=0 -v year=2021 -v base_year=2015 -v as_of=2021-12-31 -v target_id=1 -f ...
--
-- It prints the lines staffing_bench prints for the service's answer:
--   figure|CATEGORY|baseline|current|reduced|reduction_bp|required_bp|met|shortfall
--   figure|UNITS_BEHIND|n
--
-- The rules are the service's (services/staffing/staffing.cc ComputeReduction, domain/
-- baseline.h, domain/targets.cc), for the quota measure:
--   - figures in force: per quota, the latest version recorded by now and effective by the day
--     (31/12 of the base year for the baseline; as_of for the year measured);
--   - the tree: the subtree of `root` as of as_of (0 = every root); the base year's tree: the
--     same root on 31/12 of the base year; the base units: both trees and every unit whose
--     lineage leads into today's tree;
--   - an allotment covers the allotments below it: a subtree's figure is the sum over its
--     covering units (a figure, and none on any ancestor in that tree), the base year's in the
--     base year's tree, the measured year's in today's;
--   - every base figure walks forward through the lineage of changes effective after the base
--     year up to as_of, one change at a time in (date, change id) order: along each edge with
--     its share (a merger, consolidation, dissolution with a successor or end of a level carries
--     all of it; a split its recorded shares, or, when it named none, the parts' allotments of
--     the year measured, the source's too when it continues, in equal parts when one of those
--     is missing or they add up to 0); what a change leaves stays when the unit continues, goes
--     one level up when it ended; a unit that ended with no edge (dissolved without a
--     successor) passes its figure to its parent; where it stands on as_of is a contribution;
--   - the category's baseline: the covering base figures' contributions that end in today's
--     tree, summed, rounded once (halves up); its current figure: the covering quotas' sum;
--   - per unit of today's tree and category: the baseline of every base figure that reached it
--     (rounded), against its own quota; it is behind when baseline - current falls short of
--     ceil(baseline × required_bp / 10000); the target's required_bp for the year: its final
--     figure from target_year on, else its last slice;
--   - categories: every one with a figure (base or current), less those the target excludes.
-- Checked equal to the service's answer for the whole country and for a province, in 2021 and
-- 2025, with splits with and without shares (one keeping its source, one part merged on),
-- dissolutions with and without a successor, besides the synthetic history. For a subtree it
-- may depart in corners the service settles with extra registry calls: a base unit that came
-- from outside the subtree is taken as uncovered here, and every edge is followed (the service
-- follows only edges out of its base units). Warnings and per-unit compositions are not
-- reproduced: only the figures.
WITH RECURSIVE
p AS (
  SELECT :root::bigint AS root, :year::int AS yr, :base_year::int AS base_year,
         make_date(:base_year, 12, 31) AS base_end, :'as_of'::date AS as_of, now() AS known_at
),
tgt AS (  -- the target's latest version as known now
  SELECT t.* FROM bench_staffing.reduction_target_version t, p
  WHERE t.target_id = :target_id AND t.recorded_at <= p.known_at
  ORDER BY t.version DESC LIMIT 1
),
req AS (
  SELECT CASE WHEN p.yr >= t.target_year THEN t.min_reduction_bp
              ELSE (SELECT s.bp FROM unnest(t.slice_years, t.slice_bp) AS s(y, bp)
                    WHERE s.y <= p.yr ORDER BY s.y DESC LIMIT 1) END AS bp,
         t.categories
  FROM tgt t, p
),
-- Quotas in force.
base_fig AS (
  SELECT DISTINCT ON (q.id) q.unit_id, q.category, v.count
  FROM bench_staffing.quota q JOIN bench_staffing.quota_version v ON v.quota_id = q.id, p
  WHERE q.year = p.base_year AND v.effective_date <= p.base_end AND v.recorded_at <= p.known_at
  ORDER BY q.id, v.effective_date DESC, v.version DESC
),
cur_fig AS (
  SELECT DISTINCT ON (q.id) q.unit_id, q.category, v.count
  FROM bench_staffing.quota q JOIN bench_staffing.quota_version v ON v.quota_id = q.id, p
  WHERE q.year = p.yr AND v.effective_date <= p.as_of AND v.recorded_at <= p.known_at
  ORDER BY q.id, v.effective_date DESC, v.version DESC
),
base_cats AS (SELECT unit_id, array_agg(category) AS cats FROM base_fig GROUP BY unit_id),
cur_cats AS (SELECT unit_id, array_agg(category) AS cats FROM cur_fig GROUP BY unit_id),
-- The units of each day with their figures' categories, then today's tree and the base year's,
-- each unit with the categories allotted on its ancestors.
units_now AS MATERIALIZED (
  SELECT v.unit_id, v.parent_id, coalesce(c.cats, '{}') AS cats
  FROM bench_orgs.unit_version v CROSS JOIN p LEFT JOIN cur_cats c ON c.unit_id = v.unit_id
  WHERE v.validity @> p.as_of
),
units_then AS MATERIALIZED (
  SELECT v.unit_id, v.parent_id, coalesce(c.cats, '{}') AS cats
  FROM bench_orgs.unit_version v CROSS JOIN p LEFT JOIN base_cats c ON c.unit_id = v.unit_id
  WHERE v.validity @> p.base_end
),
tree(unit_id, cats, above) AS (
  SELECT u.unit_id, u.cats, '{}'::smallint[]
  FROM units_now u, p
  WHERE CASE WHEN p.root = 0 THEN u.parent_id IS NULL ELSE u.unit_id = p.root END
  UNION ALL
  SELECT u.unit_id, u.cats, t.above || t.cats FROM tree t JOIN units_now u ON u.parent_id = t.unit_id
),
base_tree(unit_id, parent_id, cats, above) AS (
  SELECT u.unit_id, u.parent_id, u.cats, '{}'::smallint[]
  FROM units_then u, p
  WHERE CASE WHEN p.root = 0 THEN u.parent_id IS NULL ELSE u.unit_id = p.root END
  UNION ALL
  SELECT u.unit_id, u.parent_id, u.cats, t.above || t.cats
  FROM base_tree t JOIN units_then u ON u.parent_id = t.unit_id
),
-- The measured year's allotments of today's tree (they divide a split that named no shares).
alloc AS MATERIALIZED (SELECT f.unit_id, f.category, f.count FROM cur_fig f JOIN tree USING (unit_id)),
-- The lineage of the period.
edge AS MATERIALIZED (
  SELECT l.change_id, c.effective_date AS d, c.kind, l.predecessor_id AS pred,
         l.successor_id AS succ, l.share, l.share_recorded
  FROM bench_orgs.lineage l JOIN bench_orgs.change_event c ON c.id = l.change_id, p
  WHERE c.effective_date > p.base_end AND c.effective_date <= p.as_of
),
-- A unit's changes in (date, change id) order, each with the one before (a part that arrived
-- with key K moves next with the change after K whose previous one is not after K).
grp AS MATERIALIZED (
  SELECT unit_id, d, change_id, out_share, recorded,
         lag(d) OVER w AS prev_d, lag(change_id) OVER w AS prev_change
  FROM (SELECT pred AS unit_id, d, change_id, sum(share) AS out_share,
               bool_and(kind <> 8 OR share_recorded) AS recorded  -- false: a split without shares
        FROM edge GROUP BY pred, d, change_id) g
  WINDOW w AS (PARTITION BY unit_id ORDER BY d, change_id)
),
last_edge AS (
  SELECT DISTINCT ON (pred) pred AS unit_id, d, change_id, kind FROM edge
  ORDER BY pred, d DESC, change_id DESC
),
-- Base units: both trees, and back from today's tree along the edges.
back(unit_id) AS (
  SELECT unit_id FROM tree
  UNION
  SELECT e.pred FROM back b JOIN edge e ON e.succ = b.unit_id
),
base_ids AS (SELECT unit_id FROM back UNION SELECT unit_id FROM base_tree),
-- How units ended by as_of: when the last edge out of one (not a split) tells it, that change,
-- with its parent in the base year; otherwise the registry's end (change unknown) and its
-- parent on its last day.
ends AS (
  SELECT u.id AS unit_id,
         CASE WHEN le.kind IS NOT NULL AND le.kind <> 8 THEN le.d ELSE u.ended END AS ended_on,
         CASE WHEN le.kind IS NOT NULL AND le.kind <> 8 THEN le.change_id ELSE 0 END AS change_id,
         CASE WHEN le.kind IS NOT NULL AND le.kind <> 8 THEN coalesce(bt.parent_id, 0)
              ELSE coalesce(lv.parent_id, 0) END AS parent_id
  FROM bench_orgs.unit u CROSS JOIN p
  LEFT JOIN last_edge le ON le.unit_id = u.id
  LEFT JOIN LATERAL (SELECT v.parent_id FROM bench_orgs.unit_version v WHERE v.unit_id = u.id
                     ORDER BY v.valid_from DESC LIMIT 1) lv ON true
  LEFT JOIN base_tree bt ON bt.unit_id = u.id
  WHERE u.ended > p.base_end AND u.ended <= p.as_of
),
-- Every base figure forward through the lineage. A state: where the part stands, its weight,
-- and the (date, change) it arrived with; `done` when nothing later moves it.
walk(base_id, category, cnt, covering, unit_id, w, kd, kc, done, depth) AS (
  SELECT f.unit_id, f.category, f.count, coalesce(NOT f.category = ANY(bt.above), true),
         f.unit_id, 1.0::float8, p.base_end, 0::bigint, false, 0
  FROM base_fig f JOIN base_ids b ON b.unit_id = f.unit_id
  LEFT JOIN base_tree bt ON bt.unit_id = f.unit_id
  CROSS JOIN p
  UNION ALL
  SELECT w.base_id, w.category, w.cnt, w.covering, nx.unit_id, w.w * nx.f, nx.kd, nx.kc, nx.done,
         w.depth + 1
  FROM walk w
  CROSS JOIN p
  LEFT JOIN grp g  -- the first change out of the unit after the part arrived
    ON g.unit_id = w.unit_id AND (g.d, g.change_id) > (w.kd, w.kc)
   AND (g.prev_d IS NULL OR (g.prev_d, g.prev_change) <= (w.kd, w.kc))
  LEFT JOIN ends e ON e.unit_id = w.unit_id
  CROSS JOIN LATERAL (
    SELECT CASE WHEN e.unit_id IS NULL THEN false
                WHEN e.ended_on <> g.d THEN e.ended_on < g.d
                ELSE e.change_id = 0 OR e.change_id <= g.change_id END AS ended_by_g
  ) eb
  -- A split that named no shares is divided by the parts' allotments of the year measured (and
  -- the source's, when it continues; units of today's tree only), in equal parts when one of
  -- them has none or they add up to 0.
  LEFT JOIN LATERAL (
    SELECT count(*) AS n, sum(a.count) AS total, count(*) - count(a.count) AS missing
    FROM bench_orgs.lineage l
    LEFT JOIN alloc a ON a.unit_id = l.successor_id AND a.category = w.category
    WHERE NOT g.recorded AND l.change_id = g.change_id AND l.predecessor_id = w.unit_id
  ) us ON true
  CROSS JOIN LATERAL (  -- (looked up only for such a split)
    SELECT CASE WHEN g.change_id IS NOT NULL AND NOT g.recorded
                THEN (SELECT a.count FROM alloc a
                      WHERE a.unit_id = w.unit_id AND a.category = w.category) END AS count
  ) oa
  CROSS JOIN LATERAL (
    SELECT x.n_parts, x.total, x.missing = 0 AND x.total > 0 AS by_allotment
    FROM (SELECT us.n + CASE WHEN eb.ended_by_g THEN 0 ELSE 1 END AS n_parts,
                 coalesce(us.total, 0)
                   + CASE WHEN eb.ended_by_g THEN 0 ELSE coalesce(oa.count, 0) END AS total,
                 us.missing + CASE WHEN NOT eb.ended_by_g AND oa.count IS NULL THEN 1 ELSE 0 END
                   AS missing) x
  ) sp
  CROSS JOIN LATERAL (  -- what the change leaves the unit (0 below 1e-9)
    SELECT CASE WHEN r < 1e-9 THEN 0 ELSE r END AS rest
    FROM (SELECT CASE WHEN g.change_id IS NULL THEN 0
                      WHEN g.recorded THEN greatest(0, 1 - g.out_share)
                      WHEN eb.ended_by_g THEN 0
                      WHEN sp.by_allotment THEN oa.count::float8 / sp.total
                      ELSE 1.0 / sp.n_parts END AS r) x
  ) kept
  CROSS JOIN LATERAL (
    -- along the change's edges, each with its share
    SELECT l.successor_id AS unit_id,
           CASE WHEN g.recorded THEN l.share
                WHEN sp.by_allotment
                THEN (SELECT a.count FROM alloc a
                      WHERE a.unit_id = l.successor_id AND a.category = w.category)::float8
                     / sp.total
                ELSE 1.0 / sp.n_parts END AS f,
           g.d AS kd, g.change_id AS kc, false AS done
    FROM bench_orgs.lineage l
    WHERE g.change_id IS NOT NULL AND l.change_id = g.change_id AND l.predecessor_id = w.unit_id
    UNION ALL
    -- what the change left: kept when the unit continues, one level up when it ended
    SELECT CASE WHEN eb.ended_by_g THEN e.parent_id ELSE w.unit_id END, kept.rest, g.d,
           g.change_id, false
    WHERE g.change_id IS NOT NULL AND kept.rest > 0 AND (NOT eb.ended_by_g OR e.parent_id <> 0)
    UNION ALL
    -- no later change: a unit that ended without one passes the part to its parent
    SELECT e.parent_id, 1, e.ended_on, e.change_id, false
    WHERE g.change_id IS NULL AND e.ended_on <= p.as_of AND e.parent_id <> 0
    UNION ALL
    -- otherwise the part stays where it is
    SELECT w.unit_id, 1, w.kd, w.kc, true
    WHERE g.change_id IS NULL AND (e.unit_id IS NULL OR e.ended_on > p.as_of)
  ) nx
  WHERE NOT w.done AND w.depth < 1000
),
contrib AS (SELECT category, covering, unit_id, cnt * w AS amount FROM walk WHERE done),
cats AS (
  SELECT k.category
  FROM (SELECT f.category FROM base_fig f JOIN base_ids USING (unit_id)
        UNION SELECT f.category FROM cur_fig f JOIN tree USING (unit_id)) k
  LEFT JOIN req ON true
  WHERE req.categories IS NULL OR cardinality(req.categories) = 0
     OR k.category = ANY(req.categories)
),
cat_baseline AS (
  SELECT c.category, floor(sum(c.amount) + 0.5 + 1e-9)::bigint AS baseline
  FROM contrib c JOIN tree t USING (unit_id) WHERE c.covering GROUP BY c.category
),
cat_current AS (
  SELECT f.category, sum(f.count)::bigint AS current
  FROM cur_fig f JOIN tree t USING (unit_id) WHERE NOT f.category = ANY(t.above)
  GROUP BY f.category
),
cat_row AS (
  SELECT k.category, coalesce(b.baseline, 0) AS b, coalesce(c.current, 0) AS c, req.bp
  FROM cats k LEFT JOIN cat_baseline b USING (category) LEFT JOIN cat_current c USING (category)
  LEFT JOIN req ON true
),
unit_base AS (
  SELECT c.unit_id, c.category, floor(sum(c.amount) + 0.5 + 1e-9)::bigint AS baseline
  FROM contrib c JOIN tree t USING (unit_id) GROUP BY c.unit_id, c.category
),
unit_row AS (
  SELECT coalesce(b.unit_id, f.unit_id) AS unit_id, coalesce(b.category, f.category) AS category,
         coalesce(b.baseline, 0) AS b, coalesce(f.count, 0) AS c
  FROM unit_base b
  FULL JOIN (SELECT f.* FROM cur_fig f JOIN tree USING (unit_id)) f USING (unit_id, category)
),
behind AS (
  SELECT count(DISTINCT u.unit_id) AS n
  FROM unit_row u JOIN cats USING (category) CROSS JOIN req
  WHERE u.b > 0 AND req.bp IS NOT NULL AND (u.b * req.bp + 9999) / 10000 - (u.b - u.c) > 0
)
SELECT line FROM (
  SELECT r.category AS ord,
         concat_ws('|', 'figure',
                   (ARRAY['CIVIL_SERVANT', 'PUBLIC_EMPLOYEE', 'PUBLIC_EMPLOYEE_SELF_FUNDED',
                          'CONTRACT_LABOUR', 'COMMUNE_OFFICIAL', 'COMMUNE_PART_TIME'])[r.category],
                   r.b, r.c, r.b - r.c,
                   CASE WHEN r.b > 0 THEN floor((r.b - r.c) * 10000.0 / r.b)::bigint ELSE 0 END,
                   coalesce(r.bp, 0),
                   CASE WHEN r.b > 0 AND r.bp IS NOT NULL
                             AND (r.b * r.bp + 9999) / 10000 - (r.b - r.c) <= 0 THEN 't'
                        ELSE 'f' END,
                   CASE WHEN r.b > 0 AND r.bp IS NOT NULL
                        THEN greatest(0, (r.b * r.bp + 9999) / 10000 - (r.b - r.c)) ELSE 0 END)
           AS line
  FROM cat_row r
  UNION ALL
  SELECT 100, 'figure|UNITS_BEHIND|' || coalesce((SELECT n FROM behind), 0)
) out
ORDER BY ord;
