-- Change ids as a watermark (store/memory_org_store.h: the registry's reads from memory).
--
-- A reader that has seen change N must be able to tell that no change below N can still
-- appear. Ids drawn from a sequence at insert time do not give that: two writers draw 10 and 11,
-- and 11 may commit first. So every change takes the lock of the one row of change_order
-- before it gets its id and holds it until it commits or rolls back: ids are drawn, and become
-- visible, one writer after the other, in id order. A snapshot that sees change N therefore
-- sees every change below N that will ever commit. (PostgreSQL releases a transaction's locks
-- after its commit is visible, so the next writer's id is drawn after.) Registry writes are
-- rare; they already ran one at a time in practice (SERIALIZABLE, retried on conflicts).
--
-- A plain row lock and not an update of the row: under SERIALIZABLE an update would make every
-- waiting writer fail with a serialization error; a lock alone does not.
CREATE TABLE change_order (
  one boolean PRIMARY KEY DEFAULT true CHECK (one)
);
INSERT INTO change_order DEFAULT VALUES;

-- The id is no longer a column default (a default is drawn before any trigger runs, so before
-- the lock): the trigger draws it under the lock. An id given explicitly is kept (only the
-- benchmark's bare-SQL baseline does that, on a schema no server reads).
ALTER TABLE change_event ALTER COLUMN id DROP IDENTITY IF EXISTS;
CREATE SEQUENCE change_event_id_seq OWNED BY change_event.id;
SELECT setval('change_event_id_seq', coalesce(max(id), 0) + 1, false) FROM change_event;

-- SET search_path FROM CURRENT: the function sees this schema's tables whatever the caller's
-- search_path (the migration runs with the schema first on it).
CREATE FUNCTION change_event_take_id() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM 1 FROM change_order FOR UPDATE;
  IF NEW.id IS NULL THEN
    NEW.id := nextval('change_event_id_seq');
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER change_event_take_id BEFORE INSERT ON change_event
  FOR EACH ROW EXECUTE FUNCTION change_event_take_id();

-- Readers are told of each change when it commits (NOTIFY is delivered on commit only), on a
-- channel named after the schema: "<schema>_changes", the payload the change id.
CREATE FUNCTION change_event_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify(TG_TABLE_SCHEMA || '_changes', NEW.id::text);
  RETURN NULL;
END
$$;
CREATE TRIGGER change_event_notify AFTER INSERT ON change_event
  FOR EACH ROW EXECUTE FUNCTION change_event_notify();

-- The units a change touched, by change: what a reader reloads for the changes past its
-- watermark.
CREATE INDEX change_unit_change ON change_unit (change_id);
