-- The index of every task's standing over time, so that lists and counts "as of D" are answered
-- with `valid_from <= D AND D < valid_to` instead of recomputing every task from its changes and
-- updates on every call. Derived data: the store rewrites a task's rows in the transaction of
-- every write to its facts (the task, a change, a progress update; a fan-out child rewrites its
-- parent's), from services/tasks/domain/standing.h Timeline, which StandingAsOf checks against.
-- A task whose standing_version is below the server's (rows missing, or computed by older rules)
-- is rebuilt when the server starts.
CREATE TABLE task_standing (
  task_id      bigint NOT NULL REFERENCES task(id),
  plan_id      bigint NOT NULL,   -- the task's (a task never moves): lists walk in plan order
  ordinal      integer NOT NULL,
  valid_from   date NOT NULL,  -- '-infinity': since always
  valid_to     date NOT NULL,  -- the day after the last; 'infinity': for ever
  status       smallint NOT NULL CHECK (status BETWEEN 1 AND 5),
  -- With yearly_day/yearly_month: the yearly rule. The due is that day of D's year (due here is
  -- unset), and a timeliness of 3 (within the deadline) turns 4 (overdue) after it; any other
  -- (0 cancelled, 4 a fan-out parent overdue whatever the year) holds as it is.
  timeliness   smallint NOT NULL CHECK (timeliness BETWEEN 0 AND 4),
  due          date,
  completed_on date,
  percent      smallint NOT NULL CHECK (percent BETWEEN 0 AND 100),
  lead_unit_id bigint,  -- after the CHANGE_LEADs in force; the registry's successions come later
  lead_note    text NOT NULL DEFAULT '',
  yearly_day   smallint CHECK (yearly_day BETWEEN 1 AND 31),
  yearly_month smallint CHECK (yearly_month BETWEEN 1 AND 12),
  PRIMARY KEY (task_id, valid_from),
  CHECK (valid_from < valid_to),
  CHECK ((yearly_day IS NULL) = (yearly_month IS NULL))
);
CREATE INDEX task_standing_lead ON task_standing (lead_unit_id);
-- A list's page walks this in list order and reads the rows of the tasks that match only.
CREATE INDEX task_standing_walk ON task_standing (plan_id, ordinal, valid_from)
  INCLUDE (valid_to, status, timeliness, yearly_day, yearly_month, due);

ALTER TABLE task ADD COLUMN standing_version integer NOT NULL DEFAULT 0;
