-- tools/tasks_bench_tasks.sql — 50,000 tasks (:tasks) on the synthetic country of
-- tools/bench_tasks.sh, written straight into the tasks service's schema bench_tasks ON PURPOSE,
-- bypassing the API and its checks (lead active in the registry, one audit row per write): the
-- import of a plan's text is timed on its own; here only the reads are measured. The rows are
-- what the API would accept.
--
-- One plan per province (issued 2018-05-15 by its root). Tasks go round the departments,
-- agencies and district committees active on that day (a hash of the task number picks one), so
-- every lead stays in force until 2024 (the synthetic district consolidations): as of 2021 no
-- lead has a successor yet. Deterministic, from a hash of the task number n:
--   window: from 2018; 80 % end in a quarter of 2018–2023; 12 % yearly by 25/11; 8 % ongoing;
--   progress: 35 % one IN_PROGRESS update (2019-06-30, 40 %); 45 % DONE, completed within
--     ±120 days of the deadline (never after 2023-06-30), reported 5 days later — for a yearly
--     task, done for 2021 (the year measured); 3 % of the DONE ones also corrected by a later
--     update that supersedes it (back to IN_PROGRESS); 20 % no update at all;
--   changes: 6 % of the tasks with an end extended by two quarters, effective 30 days before the
--     original deadline; 2 % cancelled on 2020-06-01.
\set ON_ERROR_STOP 1
BEGIN;

CREATE TEMP TABLE tb_lead ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY v.unit_id) - 1 AS k, v.unit_id,
       (SELECT r.unit_id FROM bench_orgs.unit_version r
        WHERE r.parent_id IS NULL AND r.validity @> DATE '2018-05-15'
          AND r.unit_id = (WITH RECURSIVE up(id, parent) AS (
                             SELECT v.unit_id, v.parent_id
                             UNION ALL
                             SELECT p.unit_id, p.parent_id FROM bench_orgs.unit_version p
                             JOIN up ON p.unit_id = up.parent AND p.validity @> DATE '2018-05-15')
                           SELECT id FROM up WHERE parent IS NULL LIMIT 1)) AS province
FROM bench_orgs.unit_version v
WHERE v.kind IN (2, 3, 7) AND v.validity @> DATE '2018-05-15';
CREATE INDEX ON tb_lead (k);

INSERT INTO bench_tasks.plan(number, issued_date, issuer_unit_id, title, state, created_by,
                             updated_by, request_id)
SELECT 'BENCH-' || province || '/KH-UBND', DATE '2018-05-15', province,
       'Kế hoạch thực hiện Nghị quyết 18-NQ/TW (dữ liệu tổng hợp)', 2, 'bench', 'bench', 'bench'
FROM (SELECT DISTINCT province FROM tb_lead) p;

CREATE TEMP TABLE tb_task ON COMMIT DROP AS
SELECT n, h, l.unit_id AS lead, p.id AS plan_id,
       CASE WHEN h % 100 < 80 THEN 1 WHEN h % 100 < 92 THEN 2 ELSE 3 END AS recurrence,
       2018 + (h / 7) % 6 AS end_year, 1 + (h / 53) % 4 AS end_quarter
FROM (SELECT n, abs(hashint4(n * 7919)) AS h FROM generate_series(1, :tasks) n) g
JOIN tb_lead l ON l.k = g.h % (SELECT count(*) FROM tb_lead)
JOIN bench_tasks.plan p ON p.issuer_unit_id = l.province;

INSERT INTO bench_tasks.task(id, plan_id, section_path, ordinal, text, lead_unit_id, start_kind,
                             start_year, end_kind, end_year, end_index, due_date, recurrence,
                             yearly_day, yearly_month, window_text, created_by, request_id)
OVERRIDING SYSTEM VALUE
SELECT n, plan_id, 'B.' || n, n, 'Nhiệm vụ tổng hợp số ' || n, lead, 1, 2018,
       CASE WHEN recurrence = 1 THEN 2 END, CASE WHEN recurrence = 1 THEN end_year END,
       CASE WHEN recurrence = 1 THEN end_quarter END,
       CASE WHEN recurrence = 1
            THEN (make_date(end_year, end_quarter * 3, 1) + INTERVAL '1 month' - INTERVAL '1 day')::date END,
       recurrence, CASE WHEN recurrence = 2 THEN 25 END, CASE WHEN recurrence = 2 THEN 11 END,
       '', 'bench', 'bench'
FROM tb_task;
SELECT setval(pg_get_serial_sequence('bench_tasks.task', 'id'), :tasks) \gset

-- The deadline each task's updates are measured against (a yearly task: 25/11/2021).
CREATE TEMP TABLE tb_due ON COMMIT DROP AS
SELECT t.n, t.h, t.recurrence,
       CASE WHEN t.recurrence = 1 THEN x.due_date WHEN t.recurrence = 2 THEN DATE '2021-11-25' END AS due
FROM tb_task t JOIN bench_tasks.task x ON x.id = t.n;

INSERT INTO bench_tasks.progress_update(task_id, reported_by_unit, report_date, for_year, text,
                                        percent_complete, state, completed_on, recorded_by,
                                        request_id)
SELECT d.n, t.lead, DATE '2019-06-30', 2019, 'Đang thực hiện', 40, 1, NULL, 'bench', 'bench'
FROM tb_due d JOIN tb_task t ON t.n = d.n
WHERE (d.h / 11) % 100 < 35;

INSERT INTO bench_tasks.progress_update(task_id, reported_by_unit, report_date, for_year, text,
                                        percent_complete, state, completed_on, recorded_by,
                                        request_id)
SELECT d.n, t.lead, c.done + 5, extract(year FROM c.done + 5)::int, 'Đã hoàn thành', 100, 2,
       c.done, 'bench', 'bench'
FROM tb_due d JOIN tb_task t ON t.n = d.n
CROSS JOIN LATERAL (SELECT LEAST(COALESCE(d.due, DATE '2021-06-30') + ((d.h / 13) % 241 - 120),
                                 DATE '2023-06-30') AS done) c
WHERE (d.h / 11) % 100 BETWEEN 35 AND 79;

-- Corrections: 3 % of the DONE updates are superseded by an IN_PROGRESS one 20 days later.
INSERT INTO bench_tasks.progress_update(task_id, reported_by_unit, report_date, for_year, text,
                                        percent_complete, state, completed_on, supersedes_id,
                                        recorded_by, request_id)
SELECT u.task_id, u.reported_by_unit, u.report_date + 20, u.for_year, 'Sửa: chưa hoàn thành', 90,
       1, NULL, u.id, 'bench', 'bench'
FROM bench_tasks.progress_update u
WHERE u.state = 2 AND abs(hashint4((u.task_id * 31)::int)) % 100 < 3;

INSERT INTO bench_tasks.task_change(task_id, kind, effective_date, reason, new_end_kind,
                                    new_end_year, new_end_index, recorded_by, request_id)
SELECT t.n, 1, x.due_date - 30, 'Gia hạn', 2,
       CASE WHEN t.end_quarter <= 2 THEN t.end_year ELSE t.end_year + 1 END,
       CASE WHEN t.end_quarter <= 2 THEN t.end_quarter + 2 ELSE t.end_quarter - 2 END,
       'bench', 'bench'
FROM tb_task t JOIN bench_tasks.task x ON x.id = t.n
WHERE t.recurrence = 1 AND (t.h / 17) % 100 < 6;

INSERT INTO bench_tasks.task_change(task_id, kind, effective_date, reason, recorded_by, request_id)
SELECT t.n, 3, DATE '2020-06-01', 'Hủy', 'bench', 'bench'
FROM tb_task t WHERE (t.h / 19) % 100 < 2;

COMMIT;
ANALYZE bench_tasks.plan;
ANALYZE bench_tasks.task;
ANALYZE bench_tasks.progress_update;
ANALYZE bench_tasks.task_change;
SELECT 'tasks loaded: ' || (SELECT count(*) FROM bench_tasks.task) || ' tasks in '
       || (SELECT count(*) FROM bench_tasks.plan) || ' plans, '
       || (SELECT count(*) FROM bench_tasks.progress_update) || ' updates, '
       || (SELECT count(*) FROM bench_tasks.task_change) || ' changes, '
       || (SELECT count(DISTINCT lead_unit_id) FROM bench_tasks.task) || ' leads';
