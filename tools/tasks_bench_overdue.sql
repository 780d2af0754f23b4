-- tools/tasks_bench_overdue.sql — the overdue list of the whole country as of :'as_of' (the
-- benchmark's baseline for ListTasks timeliness=[OVERDUE]): every overdue task's id and lead,
-- then "overdue|<count>|<sum of ids>" for comparing with the service's answer.
\ir tasks_bench_standing.sql
CREATE TEMP TABLE overdue AS SELECT id, lead, due FROM standing WHERE timeliness = 4 ORDER BY id;
SELECT 'overdue|' || count(*) || '|' || COALESCE(sum(id), 0) FROM overdue;
