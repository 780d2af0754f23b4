-- A consolidated or split-off unit may take over the code of a unit that ends on the same day:
-- the successor's version is written before (or after) the predecessor's closes in one
-- transaction, so the "one active code" constraint is checked at commit.
ALTER TABLE unit_version DROP CONSTRAINT unit_version_code_validity_excl;
ALTER TABLE unit_version ADD CONSTRAINT unit_version_code_validity_excl
  EXCLUDE USING gist (code WITH =, validity WITH &&) WHERE (code IS NOT NULL)
  DEFERRABLE INITIALLY DEFERRED;
