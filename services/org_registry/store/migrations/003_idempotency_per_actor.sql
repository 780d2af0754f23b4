-- Request ids are the caller's: two principals may use the same one without seeing (or being
-- refused because of) each other's changes.
ALTER TABLE idempotency ADD COLUMN actor text NOT NULL DEFAULT '';
ALTER TABLE idempotency DROP CONSTRAINT idempotency_pkey;
ALTER TABLE idempotency ADD PRIMARY KEY (actor, request_id);
