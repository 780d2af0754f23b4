-- tools/tasks_bench_overdue_rows.sql — the overdue list of the whole country as of :'as_of' as
-- the API answers it: every overdue task's row (plan, section, text, window phrase, due date)
-- with its lead's name as of that day, in list order, sent to the client. The second baseline
-- for ListTasks timeliness=[OVERDUE] beside tasks_bench_overdue.sql (which keeps the list in a
-- temp table and sends one line): a person or a system asking for the list gets the rows.
\ir tasks_bench_standing.sql
SELECT s.id, t.plan_id, t.section_path, t.ordinal, t.text, t.window_text, s.lead, v.name, s.due
FROM standing s
JOIN bench_tasks.task t ON t.id = s.id
LEFT JOIN bench_orgs.unit_version v ON v.unit_id = s.lead AND v.validity @> :'as_of'::date
WHERE s.timeliness = 4
ORDER BY t.plan_id, t.ordinal;
