-- tools/tasks_bench_standing.sql — the hand-written SQL twin of services/tasks/domain/standing.cc
-- for the data tools/tasks_bench_tasks.sql makes (no fan-outs, conditions or lead changes; leads
-- without successors on the date): a temp view `standing` of every task of the active plans of
-- schema bench_tasks as of :'as_of', with its due date, whether it is done and its timeliness
-- (1 on time, 2 late, 3 within the deadline, 4 overdue; NULL cancelled). Included (\ir) by
-- tasks_bench_overdue.sql and tasks_bench_counts.sql.
CREATE TEMP VIEW standing AS
WITH d AS (SELECT :'as_of'::date AS as_of),
seen AS (  -- the updates reported by the date and not superseded by one reported by then
  SELECT u.* FROM bench_tasks.progress_update u, d
  WHERE u.report_date <= d.as_of
    AND NOT EXISTS (SELECT 1 FROM bench_tasks.progress_update s
                    WHERE s.supersedes_id = u.id AND s.report_date <= d.as_of)),
latest AS (  -- the latest seen (a yearly task: of the date's year)
  SELECT DISTINCT ON (u.task_id) u.task_id, u.state, u.completed_on
  FROM seen u JOIN bench_tasks.task t ON t.id = u.task_id, d
  WHERE t.recurrence <> 2 OR u.for_year = extract(year FROM d.as_of)
  ORDER BY u.task_id, u.report_date DESC, u.id DESC),
ch AS (
  SELECT c.task_id, bool_or(c.kind = 3) AS cancelled,
         (array_agg(CASE c.new_end_kind
                      WHEN 1 THEN make_date(c.new_end_year, 12, 31)
                      WHEN 2 THEN (make_date(c.new_end_year, c.new_end_index * 3, 1)
                                   + INTERVAL '1 month' - INTERVAL '1 day')::date
                      WHEN 3 THEN (make_date(c.new_end_year, c.new_end_index, 1)
                                   + INTERVAL '1 month' - INTERVAL '1 day')::date
                      WHEN 4 THEN c.new_end_day END
                    ORDER BY c.effective_date DESC, c.id DESC)
            FILTER (WHERE c.kind IN (1, 4) AND c.new_end_kind IS NOT NULL))[1] AS new_due
  FROM bench_tasks.task_change c, d WHERE c.effective_date <= d.as_of GROUP BY c.task_id),
s AS (
  SELECT t.id, t.lead_unit_id AS lead, COALESCE(ch.cancelled, false) AS cancelled,
         COALESCE(ch.new_due, CASE t.recurrence
                                WHEN 1 THEN t.due_date
                                WHEN 2 THEN make_date(extract(year FROM d.as_of)::int,
                                                      t.yearly_month, t.yearly_day) END) AS due,
         l.state = 2 AND t.recurrence <> 3 AS done, l.completed_on, d.as_of
  FROM bench_tasks.task t JOIN bench_tasks.plan p ON p.id = t.plan_id AND p.state = 2
  CROSS JOIN d
  LEFT JOIN latest l ON l.task_id = t.id
  LEFT JOIN ch ON ch.task_id = t.id)
SELECT id, lead, due, done,
       CASE WHEN cancelled THEN NULL
            WHEN done THEN CASE WHEN due IS NULL OR completed_on <= due THEN 1 ELSE 2 END
            WHEN due IS NOT NULL AND due < as_of THEN 4
            ELSE 3 END AS timeliness
FROM s;
