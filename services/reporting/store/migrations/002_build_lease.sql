-- A build belongs to the reporting instance that queued it, which renews heartbeat_at while the
-- build is queued or running (issue 11: two replicas). An unfinished build whose owner stopped
-- renewing it (the process died or lost the database) is failed by whichever instance sweeps
-- next (BUILD_INTERRUPTED); before, every start failed every unfinished build, a second
-- replica's running ones included. Builds from before this migration have no owner: the first
-- sweep fails those that are still unfinished, as a start did.
ALTER TABLE build ADD COLUMN owner text, ADD COLUMN heartbeat_at timestamptz;
CREATE INDEX build_unfinished ON build (owner) WHERE state IN (1, 2);
