-- tools/tasks_bench_counts.sql — tasks per lead agency by timeliness as of :'as_of' (the
-- benchmark's baseline for CountTasks by_lead): one line per lead,
-- "lead|<id>|<on time>|<late>|<within>|<overdue>|<total>", by id.
\ir tasks_bench_standing.sql
SELECT 'lead|' || lead || '|' || count(*) FILTER (WHERE timeliness = 1) || '|'
       || count(*) FILTER (WHERE timeliness = 2) || '|' || count(*) FILTER (WHERE timeliness = 3)
       || '|' || count(*) FILTER (WHERE timeliness = 4) || '|' || count(*)
FROM standing GROUP BY lead ORDER BY lead;
